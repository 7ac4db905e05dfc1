//! Huawei's ECS metadata service, as huaweicloudsdkcore calls it: `GET
//! /openstack/latest/securitykey` (`X-Metadata-Token`; 401 for an unknown or expired one) →
//! `{"credential":{access, secret, securitytoken, expires_at}}`, six hours. The session token is
//! `PUT /meta-data/latest/api/token` with `X-Metadata-Token-Ttl-Seconds` (`sim/imds.rs`).

use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::json;

use crate::sim::creds::huawei_time;
use crate::sim::http::json_response;
use crate::sim::imds::{SIX_HOURS, token_ok};
use crate::sim::state::{Inner, Shared};

pub(crate) fn huawei_key(shared: &Shared, inner: &mut Inner, headers: &HeaderMap) -> Response {
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
