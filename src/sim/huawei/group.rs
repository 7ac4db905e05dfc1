//! What a group holds, read back: `GET …/apis?group_id=&offset=&limit=` in the SDK's shape
//! (docs/protocols.md, "Reading a group").

use axum::http::{StatusCode, Uri};
use axum::response::Response;
use serde_json::json;

use super::super::http::{json_response, parse_query, query_get};
use super::super::state::Shared;
use super::errors::{huawei_error, huawei_invalid};

/// The page size when none is asked for, and the largest one accepted.
const DEFAULT_LIMIT: usize = 20;
const MAX_LIMIT: usize = 500;

pub(crate) fn list_apis(shared: &Shared, instance_id: &str, uri: &Uri, request_id: &str) -> Response {
    let query = parse_query(uri.query().unwrap_or(""));
    let number = |name: &str, default: usize| query_get(&query, name).map_or(Some(default), |v| v.parse().ok());
    let Some(offset) = number("offset", 0) else {
        return huawei_error(StatusCode::BAD_REQUEST, "APIG.2012", &huawei_invalid("offset"), request_id);
    };
    let Some(limit) = number("limit", DEFAULT_LIMIT).filter(|l| (1..=MAX_LIMIT).contains(l)) else {
        return huawei_error(StatusCode::BAD_REQUEST, "APIG.2012", &huawei_invalid("limit"), request_id);
    };
    let wanted = query_get(&query, "group_id");
    let inner = shared.lock();
    let Some(instance) = super::tasks::instance(&inner, instance_id) else {
        return huawei_error(StatusCode::NOT_FOUND, "APIG.3030", "The instance does not exist.", request_id);
    };
    let apis: Vec<_> = instance
        .groups
        .iter()
        .filter(|g| wanted.is_none_or(|id| g.id == id))
        .flat_map(|g| g.apis.iter().map(move |api| (g, api)))
        .collect();
    let page: Vec<_> = apis
        .iter()
        .skip(offset)
        .take(limit)
        .map(|(group, api)| {
            json!({
                "id": api.id,
                "name": api.name,
                "group_id": group.id,
                "group_name": group.name,
                "type": 1,
                "req_protocol": "HTTPS",
                "req_method": api.method,
                "req_uri": api.path,
                "auth_type": "APP",
                "match_mode": "NORMAL",
                "remark": api.description,
            })
        })
        .collect();
    let body = json!({ "size": page.len(), "total": apis.len(), "apis": page });
    json_response(StatusCode::OK, &body, &[("x-request-id", request_id.to_owned())])
}
