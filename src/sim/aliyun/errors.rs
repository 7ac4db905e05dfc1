//! Alibaba's error answers: `{RequestId, HostId, Code, Message, Recommend}` plus
//! `x-acs-request-id` (docs/protocols.md, Alibaba Cloud "Errors"). Message texts are the
//! published ones where one exists.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use crate::sim::http::json_response;

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
