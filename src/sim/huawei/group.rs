//! What an instance's groups hold, read back in the SDK's shape (docs/protocols.md, "Reading a
//! group"): `GET …/apis?group_id=&offset=&limit=` (ListApisV2) and `GET
//! …/api-groups?offset=&limit=&name=&precise_search=` (ListApiGroupsV2), both paged the way
//! APIG documents its listings.

use axum::http::{StatusCode, Uri};
use axum::response::Response;
use serde_json::json;

use super::super::http::{json_response, parse_query, query_get};
use super::super::state::Shared;
use super::errors::{huawei_error, huawei_invalid};

/// The page size when none is asked for (or 0 or less), and the largest one: APIG converts
/// other values rather than refusing them ("a value less than or equal to 0 will be
/// automatically converted to 20, and a value greater than 500 … to 500").
const DEFAULT_LIMIT: i64 = 20;
const MAX_LIMIT: i64 = 500;

/// `offset` and `limit` as APIG reads them: a negative offset is 0, a limit of 0 or less is 20,
/// more than 500 is 500; a value that is not a number is refused with `APIG.2012`.
fn paging(query: &[(String, String)], request_id: &str) -> Result<(usize, usize), Box<Response>> {
    let number = |name: &str| match query_get(query, name) {
        None => Ok(None),
        Some(v) => v.parse::<i64>().map(Some).map_err(|_| {
            Box::new(huawei_error(StatusCode::BAD_REQUEST, "APIG.2012", &huawei_invalid(name), request_id))
        }),
    };
    let offset = number("offset")?.unwrap_or(0).max(0);
    let limit = match number("limit")?.unwrap_or(DEFAULT_LIMIT) {
        l if l <= 0 => DEFAULT_LIMIT,
        l => l.min(MAX_LIMIT),
    };
    // Both fit: the offset is at least 0, and the limit at most 500.
    Ok((usize::try_from(offset).unwrap_or(usize::MAX), usize::try_from(limit).unwrap_or(20)))
}

pub(crate) fn list_apis(shared: &Shared, instance_id: &str, uri: &Uri, request_id: &str) -> Response {
    let query = parse_query(uri.query().unwrap_or(""));
    let (offset, limit) = match paging(&query, request_id) {
        Ok(paging) => paging,
        Err(response) => return *response,
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

/// The instance's groups, the ones the query names: `id` exactly; `name` as a part of the name,
/// or exactly with `precise_search=name` (the only field the reference says it supports).
pub(crate) fn list_groups(shared: &Shared, instance_id: &str, uri: &Uri, request_id: &str) -> Response {
    let query = parse_query(uri.query().unwrap_or(""));
    let (offset, limit) = match paging(&query, request_id) {
        Ok(paging) => paging,
        Err(response) => return *response,
    };
    let precise = match query_get(&query, "precise_search") {
        None | Some("") => false,
        Some("name") => true,
        Some(_) => {
            return huawei_error(StatusCode::BAD_REQUEST, "APIG.2012", &huawei_invalid("precise_search"), request_id);
        }
    };
    let id = query_get(&query, "id").filter(|v| !v.is_empty());
    let name = query_get(&query, "name").filter(|v| !v.is_empty());
    let inner = shared.lock();
    let Some(instance) = super::tasks::instance(&inner, instance_id) else {
        return huawei_error(StatusCode::NOT_FOUND, "APIG.3030", "The instance does not exist.", request_id);
    };
    let region = &super::setup(&shared.scenario).region;
    let groups: Vec<_> = instance
        .groups
        .iter()
        .filter(|g| id.is_none_or(|id| g.id == id))
        .filter(|g| name.is_none_or(|name| if precise { g.name == name } else { g.name.contains(name) }))
        .collect();
    let page: Vec<_> = groups
        .iter()
        .skip(offset)
        .take(limit)
        .map(|group| {
            let domain = format!("{}.apic.{region}.huaweicloudapis.com", group.id);
            json!({
                "id": group.id,
                "name": group.name,
                "status": 1,
                "sl_domain": domain,
                "sl_domains": [domain],
                "remark": "",
                "on_sell_status": 2,
                "is_default": 2,
            })
        })
        .collect();
    let body = json!({ "size": page.len(), "total": groups.len(), "groups": page });
    json_response(StatusCode::OK, &body, &[("x-request-id", request_id.to_owned())])
}
