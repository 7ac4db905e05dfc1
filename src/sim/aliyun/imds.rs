//! Alibaba's ECS metadata service and credentials URI, as the credentials SDKs call them:
//!
//! - `GET /latest/meta-data/ram/security-credentials/` (the role name) and `…/{role}` (the key,
//!   six hours). A token, when sent as `X-aliyun-ecs-metadata-token`, must be one the service
//!   issued and unexpired (401 otherwise); without one, IMDSv1 answers. The session token is
//!   `PUT /latest/api/token` with `X-aliyun-ecs-metadata-token-ttl-seconds` (`sim/imds.rs`).
//! - `GET /oaswatch-sim/credentials?token=…` → the ECS document shape, one hour; 403 without the
//!   right token.

use std::time::Duration;

use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use serde_json::json;

use super::sts::iso8601;
use crate::sim::cloud::Request;
use crate::sim::creds::{CREDENTIALS_URI_PATH, CREDENTIALS_URI_TOKEN, ECS_ROLE, Service};
use crate::sim::http::{json_response, parse_query, query_get};
use crate::sim::imds::{SIX_HOURS, SessionTokens, serve, text, token_ok};
use crate::sim::state::{Inner, Shared};

const ROLE_PATH: &str = "/latest/meta-data/ram/security-credentials/";

const SESSION: SessionTokens = SessionTokens {
    path: "/latest/api/token",
    ttl_header: "x-aliyun-ecs-metadata-token-ttl-seconds",
    label: "aliyun-imds-",
};

/// Whether a path is the metadata service's or the credentials URI's.
pub(super) fn serves(path: &str) -> bool {
    path == SESSION.path || path.starts_with(ROLE_PATH) || path == CREDENTIALS_URI_PATH
}

pub(super) fn handle(shared: &Shared, request: &Request<'_>) -> Response {
    let path = request.uri.path();
    let get = request.method == Method::GET;
    if path == CREDENTIALS_URI_PATH {
        return serve(shared, request, Service::CredentialsUri, None, |inner| {
            get.then(|| credentials_uri(shared, inner, request.uri))
        });
    }
    serve(shared, request, Service::AliyunImds, Some(&SESSION), |inner| {
        let role = path.strip_prefix(ROLE_PATH).filter(|_| get)?;
        Some(aliyun_role(shared, inner, request.headers, role))
    })
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
    let (id, key) = super::sts::issue_key(&mut inner.creds, shared.ids, SIX_HOURS);
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
    let (id, key) = super::sts::issue_key(&mut inner.creds, shared.ids, Duration::from_secs(3600));
    let body = json!({
        "Code": "Success",
        "AccessKeyId": id,
        "AccessKeySecret": key.secret,
        "SecurityToken": key.token,
        "Expiration": iso8601(key.expires),
    });
    json_response(StatusCode::OK, &body, &[])
}
