//! What a group holds, read back: `DescribeApiGroup`, `DescribeApis` and `DescribeModels` in
//! the SDK's shapes (docs/protocols.md, "Reading a group"), paged as the real API pages them.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::super::http::{json_response, query_get};
use super::super::state::{Group, Shared};
use super::errors::aliyun_error;
use super::tasks::Groups;

/// Which listing.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Read {
    Group,
    Apis,
    Models,
}

/// The page size when none is asked for, and the largest one accepted.
const DEFAULT_PAGE: usize = 10;
const MAX_PAGE: usize = 100;

pub(crate) fn answer(
    shared: &Shared,
    read: Read,
    params: &[(String, String)],
    request_id: &str,
    host: &str,
) -> Response {
    let error = |status: StatusCode, code: &str, message: &str| aliyun_error(status, code, message, request_id, host);
    let Some(group_id) = query_get(params, "GroupId").filter(|g| !g.is_empty()) else {
        return error(
            StatusCode::BAD_REQUEST,
            "MissingParameter",
            "The input parameter \"GroupId\" that is mandatory for processing this request is not supplied.",
        );
    };
    let page = |name: &str, default: usize| query_get(params, name).map_or(Some(default), |v| v.parse::<usize>().ok());
    let (Some(size), Some(number)) = (page("PageSize", DEFAULT_PAGE), page("PageNumber", 1)) else {
        return error(
            StatusCode::BAD_REQUEST,
            "InvalidParameter",
            "The specified parameter PageSize or PageNumber is not valid.",
        );
    };
    if size == 0 || size > MAX_PAGE || number == 0 {
        return error(
            StatusCode::BAD_REQUEST,
            "InvalidParameter",
            "The specified parameter PageSize or PageNumber is not valid.",
        );
    }
    let inner = shared.lock();
    let region = &super::setup(&shared.scenario).region;
    let Some(group) = inner.cloud::<Groups>().and_then(|groups| groups.get(group_id)) else {
        return error(StatusCode::NOT_FOUND, "NotFoundApiGroup", "The specified API group does not exist.");
    };
    let body = match read {
        Read::Group => json!({
            "RequestId": request_id,
            "GroupId": group.id,
            "GroupName": group.name,
            "BasePath": if group.base_path.is_empty() { "/" } else { &group.base_path },
            "RegionId": region,
        }),
        Read::Apis => page_of(request_id, group.apis.len(), size, number, "ApiSummarys", "ApiSummary", |range| {
            group.apis[range].iter().map(|api| api_summary(group, api, region)).collect()
        }),
        Read::Models => page_of(request_id, group.models.len(), size, number, "ModelDetails", "ModelDetail", |range| {
            group.models[range]
                .iter()
                .map(|m| json!({"ModelId": m.id, "ModelName": m.name, "GroupId": group.id}))
                .collect()
        }),
    };
    json_response(StatusCode::OK, &body, &[("x-acs-request-id", request_id.to_owned())])
}

fn api_summary(group: &Group, api: &super::super::state::GroupApi, region: &str) -> Value {
    json!({
        "RegionId": region,
        "GroupId": group.id,
        "GroupName": group.name,
        "ApiId": api.id,
        "ApiName": api.name,
        "ApiMethod": api.method,
        "ApiPath": api.path,
        "Visibility": "PRIVATE",
        "Description": api.description,
    })
}

/// One page of a listing in Alibaba's wrapper (`{"ApiSummarys": {"ApiSummary": [...]}}`).
fn page_of(
    request_id: &str,
    total: usize,
    size: usize,
    number: usize,
    wrapper: &str,
    key: &str,
    items: impl FnOnce(std::ops::Range<usize>) -> Vec<Value>,
) -> Value {
    let start = size.saturating_mul(number - 1).min(total);
    let end = start.saturating_add(size).min(total);
    json!({
        "RequestId": request_id,
        "TotalCount": total,
        "PageSize": size,
        "PageNumber": number,
        wrapper: { key: items(start..end) },
    })
}
