//! Alibaba's error answers: `{RequestId, HostId, Code, Message, Recommend}` plus
//! `x-acs-request-id` (docs/protocols.md, Alibaba Cloud "Errors"). Message texts are the
//! published ones where one exists.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use crate::sim::cloud::FaultAnswers;
use crate::sim::faults::{Answering, status_or};
use crate::sim::http::json_response;
use crate::sim::scenario::FaultSpec;

/// Alibaba's answers to the faults that answer with an error.
pub(super) const FAULT_ANSWERS: FaultAnswers =
    FaultAnswers { throttled, server_error, hostile_error, deep_json_field: "ApiResults" };

/// `Throttling.User` 400 with `x-ratelimit-user-api: …TimeLeft:<ms>`.
fn throttled(fault: &FaultSpec, request: &Answering<'_>) -> Response {
    let left = fault.time_left_ms.unwrap_or(5000);
    aliyun_error_with(
        StatusCode::BAD_REQUEST,
        "Throttling.User",
        "Request was denied due to user flow control.",
        request.request_id,
        request.host,
        &[("x-ratelimit-user-api", format!("Limit:20,Remain:0,TimeLeft:{left}"))],
    )
}

/// `ServiceUnavailable` 503, or `InternalError` for another status (or the fault's `code`).
fn server_error(fault: &FaultSpec, request: &Answering<'_>) -> Response {
    let status = status_or(fault, StatusCode::SERVICE_UNAVAILABLE);
    let (code, message) = if status == StatusCode::SERVICE_UNAVAILABLE {
        ("ServiceUnavailable", "The request has failed due to a temporary failure of the server.")
    } else {
        ("InternalError", "The request processing has failed due to some unknown error, exception or failure.")
    };
    let code = fault.code.as_deref().unwrap_or(code);
    aliyun_error(status, code, message, request.request_id, request.host)
}

/// `InvalidParameter` 400 whose message is the hostile text.
fn hostile_error(text: &str, request: &Answering<'_>) -> Response {
    aliyun_error(StatusCode::BAD_REQUEST, "InvalidParameter", text, request.request_id, request.host)
}

/// An Alibaba error answer; `host` is the endpoint the client called (`HostId`).
pub(crate) fn aliyun_error(status: StatusCode, code: &str, message: &str, request_id: &str, host: &str) -> Response {
    aliyun_error_with(status, code, message, request_id, host, &[])
}

pub(crate) fn aliyun_error_with(
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
