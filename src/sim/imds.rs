//! The instance metadata services of both clouds, and Alibaba's credentials URI, on the main
//! listener: which path goes to which, the session tokens both metadata services issue (`PUT
//! …/api/token` with a TTL header, 1–21600 s) and check, and the faults a test injects. What
//! each answers is in its cloud's folder: `aliyun/imds.rs` (ECS RAM role, credentials URI) and
//! `huawei/metadata.rs` (ECS temporary keys).
//!
//! Faults a test injects answer 429 (throttled) or 503.

use std::time::Duration;

use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;

use super::aliyun::imds::{ROLE_PATH, aliyun_role, credentials_uri};
use super::creds::{CREDENTIALS_URI_PATH, Fault, Service, fault_status};
use super::http::header_str;
use super::huawei::metadata::huawei_key;
use super::state::{Inner, Shared};

/// How long the metadata services' temporary keys last.
pub(crate) const SIX_HOURS: Duration = Duration::from_secs(6 * 3600);

/// Whether a path belongs to one of these services.
pub(crate) fn serves(path: &str) -> bool {
    path == "/latest/api/token"
        || path.starts_with(ROLE_PATH)
        || path == "/meta-data/latest/api/token"
        || path == "/openstack/latest/securitykey"
        || path == CREDENTIALS_URI_PATH
}

pub(crate) fn text(status: StatusCode, body: &str) -> Response {
    let mut response = Response::new(axum::body::Body::from(body.to_owned()));
    *response.status_mut() = status;
    response
}

fn fault_answer(fault: Fault) -> Response {
    text(fault_status(fault), "")
}

pub(crate) fn handle(shared: &Shared, method: &Method, uri: &Uri, headers: &HeaderMap) -> Response {
    let path = uri.path();
    let mut inner = shared.lock();
    inner.stats.count_request(&format!("metadata {method} {path}"));
    let service = if path == CREDENTIALS_URI_PATH {
        Service::CredentialsUri
    } else if path.starts_with("/meta-data/") || path.starts_with("/openstack/") {
        Service::HuaweiMetadata
    } else {
        Service::AliyunImds
    };
    if let Some(fault) = inner.creds.take_fault(service) {
        return fault_answer(fault);
    }
    match (method, path) {
        (&Method::PUT, "/latest/api/token") => {
            session_token(shared, &mut inner, headers, "x-aliyun-ecs-metadata-token-ttl-seconds", "aliyun-imds-")
        }
        (&Method::PUT, "/meta-data/latest/api/token") => {
            session_token(shared, &mut inner, headers, "x-metadata-token-ttl-seconds", "huawei-md-")
        }
        (&Method::GET, CREDENTIALS_URI_PATH) => credentials_uri(shared, &mut inner, uri),
        (&Method::GET, "/openstack/latest/securitykey") => huawei_key(shared, &mut inner, headers),
        (&Method::GET, _) if path.starts_with(ROLE_PATH) => {
            aliyun_role(shared, &mut inner, headers, &path[ROLE_PATH.len()..])
        }
        _ => text(StatusCode::METHOD_NOT_ALLOWED, "method not allowed"),
    }
}

fn session_token(shared: &Shared, inner: &mut Inner, headers: &HeaderMap, ttl_header: &str, label: &str) -> Response {
    let Some(ttl) =
        header_str(headers, ttl_header).and_then(|v| v.parse::<u64>().ok()).filter(|s| (1..=21600).contains(s))
    else {
        return text(StatusCode::BAD_REQUEST, "the token TTL header is missing or out of range (1-21600)");
    };
    let token = inner.creds.issue_token(shared.ids, label, Duration::from_secs(ttl));
    text(StatusCode::OK, &token)
}

/// `Some(false)` for a token that was sent and is unknown or expired.
pub(crate) fn token_ok(inner: &Inner, headers: &HeaderMap, header: &str) -> bool {
    header_str(headers, header).is_none_or(|token| inner.creds.token_valid(token) == Some(true))
}
