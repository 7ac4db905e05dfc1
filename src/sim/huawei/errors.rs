//! Huawei's error answers: `{error_code, error_msg, request_id}` plus `X-Request-Id`
//! (docs/protocols.md, Huawei Cloud B.3). Message texts are the published ones where one
//! exists.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use crate::sim::http::json_response;

/// A Huawei error answer.
pub(crate) fn huawei_error(status: StatusCode, code: &str, message: &str, request_id: &str) -> Response {
    huawei_error_with(status, code, message, request_id, &[])
}

pub(crate) fn huawei_error_with(
    status: StatusCode,
    code: &str,
    message: &str,
    request_id: &str,
    extra: &[(&str, String)],
) -> Response {
    let body = json!({ "error_code": code, "error_msg": message, "request_id": request_id });
    let mut headers = vec![("x-request-id", request_id.to_owned())];
    headers.extend(extra.iter().cloned());
    json_response(status, &body, &headers)
}

/// `The request parameters must be specified,parameterName:task_id. Please refer to the support
/// documentation` — Huawei's spacing, verbatim (quirk 16).
pub(crate) fn huawei_missing(parameter: &str) -> String {
    format!(
        "The request parameters must be specified,parameterName:{parameter}. Please refer to the support documentation"
    )
}

/// The `APIG.2012` message for a parameter with a bad value.
pub(crate) fn huawei_invalid(parameter: &str) -> String {
    format!("Invalid parameter value,parameterName:{parameter}. Please refer to the support documentation")
}
