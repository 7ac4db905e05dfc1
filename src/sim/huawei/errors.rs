//! Huawei's error answers: `{error_code, error_msg, request_id}` plus `X-Request-Id`
//! (docs/protocols.md, Huawei Cloud B.3). Message texts are the published ones where one
//! exists.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use crate::sim::cloud::{FaultAnswers, Throttled};
use crate::sim::faults::status_or;
use crate::sim::http::json_response;
use crate::sim::scenario::FaultSpec;

/// Huawei's answers to the faults that answer with an error: `APIG.0308` 429 with
/// `Retry-After`; `APIG.2012` 400 for the hostile text.
pub(super) const FAULT_ANSWERS: FaultAnswers = FaultAnswers {
    error: |status, code, message, request, extra| huawei_error_with(status, code, message, request.request_id, extra),
    throttled: Throttled {
        status: StatusCode::TOO_MANY_REQUESTS,
        code: "APIG.0308",
        message: "The throttling threshold has been reached: policy user over ratelimit,limit:10,time:1 second",
        retry_header: |fault| ("retry-after", fault.retry_after_secs.unwrap_or(7).to_string()),
    },
    server_error,
    hostile_error: (StatusCode::BAD_REQUEST, "APIG.2012"),
    deep_json_field: "task_result",
};

/// `APIG.9999` 500 (or the fault's status and `code`; `APIG.9008` says "too many requests").
fn server_error(fault: &FaultSpec) -> (StatusCode, &str, &'static str) {
    let status = status_or(fault, StatusCode::INTERNAL_SERVER_ERROR);
    let code = fault.code.as_deref().unwrap_or("APIG.9999");
    let message = if code == "APIG.9008" { "Too many requests. Try again later." } else { "System error" };
    (status, code, message)
}

/// A Huawei error answer.
pub(crate) fn huawei_error(status: StatusCode, code: &str, message: &str, request_id: &str) -> Response {
    huawei_error_with(status, code, message, request_id, &[])
}

fn huawei_error_with(
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
