//! Huawei's error answers: `{error_code, error_msg, request_id}` plus `X-Request-Id`
//! (docs/protocols.md, Huawei Cloud B.3). Message texts are the published ones where one
//! exists.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use crate::sim::cloud::FaultAnswers;
use crate::sim::faults::{Answering, status_or};
use crate::sim::http::json_response;
use crate::sim::scenario::FaultSpec;

/// Huawei's answers to the faults that answer with an error.
pub(super) const FAULT_ANSWERS: FaultAnswers =
    FaultAnswers { throttled, server_error, hostile_error, deep_json_field: "task_result" };

/// `APIG.0308` 429 with `Retry-After`.
fn throttled(fault: &FaultSpec, request: &Answering<'_>) -> Response {
    let after = fault.retry_after_secs.unwrap_or(7);
    huawei_error_with(
        StatusCode::TOO_MANY_REQUESTS,
        "APIG.0308",
        "The throttling threshold has been reached: policy user over ratelimit,limit:10,time:1 second",
        request.request_id,
        &[("retry-after", after.to_string())],
    )
}

/// `APIG.9999` 500 (or the fault's status and `code`; `APIG.9008` says "too many requests").
fn server_error(fault: &FaultSpec, request: &Answering<'_>) -> Response {
    let status = status_or(fault, StatusCode::INTERNAL_SERVER_ERROR);
    let code = fault.code.as_deref().unwrap_or("APIG.9999");
    let message = if code == "APIG.9008" { "Too many requests. Try again later." } else { "System error" };
    huawei_error(status, code, message, request.request_id)
}

/// `APIG.2012` 400 whose message is the hostile text.
fn hostile_error(text: &str, request: &Answering<'_>) -> Response {
    huawei_error(StatusCode::BAD_REQUEST, "APIG.2012", text, request.request_id)
}

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
