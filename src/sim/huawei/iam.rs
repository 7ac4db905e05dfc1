//! Huawei IAM's OIDC federation, as huaweicloudsdkcore calls it:
//!
//! - `POST /v3.0/OS-AUTH/id-token/tokens`, header `X-Idp-Id`, body
//!   `{"auth":{"id_token":{"id":TOKEN}}}` → 201, the unscoped token in `X-Subject-Token`
//!   (24 hours). Unknown IdP: 404 `1105`; the simulator's expired ID token: 401 `1106`; any
//!   other token: 401 `1100`.
//! - `POST /v3.0/OS-CREDENTIAL/securitytokens`, body
//!   `{"auth":{"identity":{"methods":["token"],"token":{"id":…,"duration_seconds":N}}}}` (or the
//!   token in `X-Auth-Token`) → 201 `{"credential":{access, secret, securitytoken, expires_at}}`
//!   for N seconds (900–86400, default 900). Unknown or expired token: 401.
//!
//! Faults a test injects answer 429 or 503. Error bodies are IAM's `{"error":{code, message,
//! title}}`.

use std::time::{Duration, SystemTime};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use serde_json::{Value, json};

use crate::domain::ProviderKind;
use crate::sim::creds::{
    HUAWEI_EXPIRED_ID_TOKEN, HUAWEI_ID_TOKEN, HUAWEI_IDP, Issued, IssuedKey, Service, fault_status,
};
use crate::sim::http::{header_str, json_response};
use crate::sim::ids::Ids;
use crate::sim::state::Shared;

pub(crate) const ID_TOKEN_PATH: &str = "/v3.0/OS-AUTH/id-token/tokens";
pub(crate) const SECURITY_TOKENS_PATH: &str = "/v3.0/OS-CREDENTIAL/securitytokens";

pub(crate) fn serves(path: &str) -> bool {
    path == ID_TOKEN_PATH || path == SECURITY_TOKENS_PATH
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    let title = status.canonical_reason().unwrap_or("Error");
    json_response(status, &json!({ "error": { "code": code, "message": message, "title": title } }), &[])
}

pub(crate) fn handle(shared: &Shared, method: &Method, uri: &Uri, headers: &HeaderMap, body: &Bytes) -> Response {
    let mut inner = shared.lock();
    inner.stats.count_request(&format!("huawei iam {}", uri.path()));
    if let Some(fault) = inner.creds.take_fault(Service::HuaweiIam) {
        return error(fault_status(fault), "1200", "The service is busy; try again later.");
    }
    if method != Method::POST {
        return error(StatusCode::METHOD_NOT_ALLOWED, "1000", "Method not allowed.");
    }
    let Ok(document) = serde_json::from_slice::<Value>(body) else {
        return error(StatusCode::BAD_REQUEST, "1001", "The request body is not valid JSON.");
    };
    if uri.path() == ID_TOKEN_PATH {
        if header_str(headers, "x-idp-id") != Some(HUAWEI_IDP) {
            inner.stats.count_auth_error("iam.1105");
            return error(StatusCode::NOT_FOUND, "1105", "The identity provider does not exist.");
        }
        match document.pointer("/auth/id_token/id").and_then(Value::as_str) {
            Some(HUAWEI_ID_TOKEN) => {}
            Some(HUAWEI_EXPIRED_ID_TOKEN) => {
                inner.stats.count_auth_error("iam.1106");
                return error(StatusCode::UNAUTHORIZED, "1106", "The id_token has expired.");
            }
            _ => {
                inner.stats.count_auth_error("iam.1100");
                return error(StatusCode::UNAUTHORIZED, "1100", "Invalid id_token.");
            }
        }
        let token = inner.creds.issue_token(shared.ids, "MIIunscoped", Duration::from_secs(24 * 3600));
        let expires = inner.creds.now() + Duration::from_secs(24 * 3600);
        let body = json!({ "token": {
            "methods": ["mapped"],
            "expires_at": huawei_time(expires),
            "issued_at": huawei_time(inner.creds.now()),
            "user": { "name": "oaswatch-sim-federated", "OS-FEDERATION": { "identity_provider": { "id": HUAWEI_IDP } } },
        } });
        return json_response(StatusCode::CREATED, &body, &[("x-subject-token", token)]);
    }
    let token = document
        .pointer("/auth/identity/token/id")
        .and_then(Value::as_str)
        .or_else(|| header_str(headers, "x-auth-token"))
        .unwrap_or_default()
        .to_owned();
    if inner.creds.token_valid(&token) != Some(true) {
        inner.stats.count_auth_error("iam.401");
        return error(StatusCode::UNAUTHORIZED, "1101", "The token is invalid or has expired.");
    }
    let seconds = document.pointer("/auth/identity/token/duration_seconds").and_then(Value::as_u64).unwrap_or(900);
    if !(900..=86400).contains(&seconds) {
        return error(StatusCode::BAD_REQUEST, "1002", "duration_seconds must be between 900 and 86400.");
    }
    let (access, key) = issue_key(&mut inner.creds, shared.ids, Duration::from_secs(seconds));
    let body = json!({ "credential": {
        "access": access,
        "secret": key.secret,
        "securitytoken": key.token,
        "expires_at": huawei_time(key.expires),
    } });
    json_response(StatusCode::CREATED, &body, &[])
}

/// A new temporary AK/SK valid for `lifetime`, as federation and the metadata service issue it.
pub(super) fn issue_key(creds: &mut Issued, ids: Ids, lifetime: Duration) -> (String, IssuedKey) {
    creds.issue_key(ProviderKind::Huawei, lifetime, |n| {
        (
            format!("SIMTMP{}", ids.hex32("hw-ak", n)[..14].to_ascii_uppercase()),
            format!("SimIssuedSk{}", &ids.hex32("hw-sk", n)[..28]),
            format!("gQpjbi1ub3J0aC00simIssued{}", ids.hex32("hw-token", n)),
        )
    })
}

/// `2023-08-10T09:20:29.093000Z`, Huawei IAM's time format.
pub(super) fn huawei_time(at: SystemTime) -> String {
    let at = time::OffsetDateTime::from(at);
    let whole = at.format(time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]"));
    format!("{}.{:06}Z", whole.unwrap_or_default(), at.microsecond())
}
