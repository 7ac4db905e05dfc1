//! Huawei's ECS metadata service, as huaweicloudsdkcore calls it: `GET
//! /openstack/latest/securitykey` (`X-Metadata-Token`; 401 for an unknown or expired one) →
//! `{"credential":{access, secret, securitytoken, expires_at}}`, six hours. The session token is
//! `PUT /meta-data/latest/api/token` with `X-Metadata-Token-Ttl-Seconds` (`sim/imds.rs`).

use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;
use serde_json::json;

use super::iam::huawei_time;
use crate::sim::cloud::Request;
use crate::sim::creds::Service;
use crate::sim::http::json_response;
use crate::sim::imds::{SIX_HOURS, SessionTokens, serve, token_ok};
use crate::sim::state::{Inner, Shared};

const KEY_PATH: &str = "/openstack/latest/securitykey";

const SESSION: SessionTokens = SessionTokens {
    path: "/meta-data/latest/api/token",
    ttl_header: "x-metadata-token-ttl-seconds",
    label: "huawei-md-",
};

pub(super) fn serves(path: &str) -> bool {
    path == SESSION.path || path == KEY_PATH
}

pub(super) fn handle(shared: &Shared, request: &Request<'_>) -> Response {
    serve(shared, request, Service::HuaweiMetadata, Some(&SESSION), |inner| {
        (request.method == Method::GET && request.uri.path() == KEY_PATH)
            .then(|| huawei_key(shared, inner, request.headers))
    })
}

fn huawei_key(shared: &Shared, inner: &mut Inner, headers: &HeaderMap) -> Response {
    if !token_ok(inner, headers, "x-metadata-token") {
        return json_response(
            StatusCode::UNAUTHORIZED,
            &json!({ "error": "the metadata token is invalid or expired" }),
            &[],
        );
    }
    let (access, key) = super::iam::issue_key(&mut inner.creds, shared.ids, SIX_HOURS);
    let body = json!({ "credential": {
        "access": access,
        "secret": key.secret,
        "securitytoken": key.token,
        "expires_at": huawei_time(key.expires),
    } });
    json_response(StatusCode::OK, &body, &[])
}
