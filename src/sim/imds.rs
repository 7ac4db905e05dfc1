//! The instance metadata services of both clouds, and a credentials URI, on the main listener:
//!
//! - Alibaba ECS: `PUT /latest/api/token` (needs `X-aliyun-ecs-metadata-token-ttl-seconds`),
//!   `GET /latest/meta-data/ram/security-credentials/` (the role name) and `…/{role}` (the key,
//!   six hours). A token, when sent as `X-aliyun-ecs-metadata-token`, must be one it issued and
//!   unexpired (401 otherwise); without one, IMDSv1 answers.
//! - Huawei ECS: `PUT /meta-data/latest/api/token` (`X-Metadata-Token-Ttl-Seconds`),
//!   `GET /openstack/latest/securitykey` (`X-Metadata-Token`; 401 for an unknown or expired one)
//!   → `{"credential":{access, secret, securitytoken, expires_at}}`, six hours.
//! - `GET /oaswatch-sim/credentials?token=…` → the ECS document shape, one hour; 403 without the
//!   right token.
//!
//! Faults a test injects answer 429 (throttled) or 503.

use std::time::Duration;

use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use serde_json::json;

use super::creds::{
    CREDENTIALS_URI_PATH, CREDENTIALS_URI_TOKEN, ECS_ROLE, Fault, Service, fault_status, huawei_time, iso8601,
};
use super::http::{header_str, json_response, parse_query, query_get};
use super::state::{Inner, Shared};

const ROLE_PATH: &str = "/latest/meta-data/ram/security-credentials/";
const SIX_HOURS: Duration = Duration::from_secs(6 * 3600);

/// Whether a path belongs to one of these services.
pub(crate) fn serves(path: &str) -> bool {
    path == "/latest/api/token"
        || path.starts_with(ROLE_PATH)
        || path == "/meta-data/latest/api/token"
        || path == "/openstack/latest/securitykey"
        || path == CREDENTIALS_URI_PATH
}

fn text(status: StatusCode, body: &str) -> Response {
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
fn token_ok(inner: &Inner, headers: &HeaderMap, header: &str) -> bool {
    header_str(headers, header).is_none_or(|token| inner.creds.token_valid(token) == Some(true))
}

fn aliyun_role(shared: &Shared, inner: &mut Inner, headers: &HeaderMap, role: &str) -> Response {
    if !token_ok(inner, headers, "x-aliyun-ecs-metadata-token") {
        return text(StatusCode::UNAUTHORIZED, "");
    }
    if role.is_empty() {
        return text(StatusCode::OK, ECS_ROLE);
    }
    if role != ECS_ROLE {
        return text(StatusCode::NOT_FOUND, "");
    }
    let (id, key) = inner.creds.issue_aliyun(shared.ids, SIX_HOURS);
    let issued = key.expires - SIX_HOURS;
    let body = json!({
        "AccessKeyId": id,
        "AccessKeySecret": key.secret,
        "Expiration": iso8601(key.expires),
        "SecurityToken": key.token,
        "LastUpdated": iso8601(issued),
        "Code": "Success",
    });
    json_response(StatusCode::OK, &body, &[])
}

fn credentials_uri(shared: &Shared, inner: &mut Inner, uri: &Uri) -> Response {
    let query = parse_query(uri.query().unwrap_or(""));
    if query_get(&query, "token") != Some(CREDENTIALS_URI_TOKEN) {
        return json_response(
            StatusCode::FORBIDDEN,
            &json!({ "Code": "Forbidden", "Message": "a valid token is required" }),
            &[],
        );
    }
    let (id, key) = inner.creds.issue_aliyun(shared.ids, Duration::from_secs(3600));
    let body = json!({
        "Code": "Success",
        "AccessKeyId": id,
        "AccessKeySecret": key.secret,
        "SecurityToken": key.token,
        "Expiration": iso8601(key.expires),
    });
    json_response(StatusCode::OK, &body, &[])
}

fn huawei_key(shared: &Shared, inner: &mut Inner, headers: &HeaderMap) -> Response {
    if !token_ok(inner, headers, "x-metadata-token") {
        return json_response(
            StatusCode::UNAUTHORIZED,
            &json!({ "error": "the metadata token is invalid or expired" }),
            &[],
        );
    }
    let (access, key) = inner.creds.issue_huawei(shared.ids, SIX_HOURS);
    let body = json!({ "credential": {
        "access": access,
        "secret": key.secret,
        "securitytoken": key.token,
        "expires_at": huawei_time(key.expires),
    } });
    json_response(StatusCode::OK, &body, &[])
}
