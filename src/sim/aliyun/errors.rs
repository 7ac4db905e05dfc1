//! Alibaba's error answers: `{RequestId, HostId, Code, Message, Recommend}` plus
//! `x-acs-request-id` (docs/protocols.md, Alibaba Cloud "Errors"). Message texts are the
//! published ones where one exists.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use crate::sim::cloud::{FaultAnswers, Throttled};
use crate::sim::faults::status_or;
use crate::sim::http::json_response;
use crate::sim::scenario::FaultSpec;

/// Alibaba's answers to the faults that answer with an error: `Throttling.User` 400 with
/// `x-ratelimit-user-api: …TimeLeft:<ms>`; `InvalidParameter` 400 for the hostile text.
pub(super) const FAULT_ANSWERS: FaultAnswers = FaultAnswers {
    error: |status, code, message, request, extra| {
        aliyun_error_with(status, code, message, request.request_id, request.host, extra)
    },
    throttled: Throttled {
        status: StatusCode::BAD_REQUEST,
        code: "Throttling.User",
        message: "Request was denied due to user flow control.",
        retry_header: |fault| {
            let left = fault.time_left_ms.unwrap_or(5000);
            ("x-ratelimit-user-api", format!("Limit:20,Remain:0,TimeLeft:{left}"))
        },
    },
    server_error,
    hostile_error: (StatusCode::BAD_REQUEST, "InvalidParameter"),
    deep_json_field: "ApiResults",
};

/// `ServiceUnavailable` 503, or `InternalError` for another status (or the fault's `code`).
fn server_error(fault: &FaultSpec) -> (StatusCode, &str, &'static str) {
    let status = status_or(fault, StatusCode::SERVICE_UNAVAILABLE);
    let (code, message) = if status == StatusCode::SERVICE_UNAVAILABLE {
        ("ServiceUnavailable", "The request has failed due to a temporary failure of the server.")
    } else {
        ("InternalError", "The request processing has failed due to some unknown error, exception or failure.")
    };
    (status, fault.code.as_deref().unwrap_or(code), message)
}

/// An Alibaba error answer; `host` is the endpoint the client called (`HostId`).
pub(crate) fn aliyun_error(status: StatusCode, code: &str, message: &str, request_id: &str, host: &str) -> Response {
    aliyun_error_with(status, code, message, request_id, host, &[])
}

fn aliyun_error_with(
    status: StatusCode,
    code: &str,
    message: &str,
    request_id: &str,
    host: &str,
    extra: &[(&str, String)],
) -> Response {
    let body = json!({
        "RequestId": request_id,
        "HostId": host,
        "Code": code,
        "Message": message,
        "Recommend": format!(
            "https://api.aliyun.com/troubleshoot?q={code}&product=CloudAPI&requestId={request_id}"
        ),
    });
    let mut headers = vec![("x-acs-request-id", request_id.to_owned())];
    headers.extend(extra.iter().cloned());
    json_response(status, &body, &headers)
}
