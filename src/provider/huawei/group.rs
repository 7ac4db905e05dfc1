//! What an API group holds, for `oaswatch check`: `GET …/apis?group_id=` page by page
//! (ListApisV2). APIG keeps no models. An import without `group_id` makes a new, empty group
//! named after the spec's title, so for it the instance's groups are read instead: `GET
//! …/api-groups` page by page (ListApiGroupsV2), whose names the new one may not take.
//!
//! Field names are the SDK's (`apis[].req_method/req_uri`, `groups[].id/name`, `total`);
//! docs/protocols.md, "Reading a group".

use reqwest::Method;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::client::{HuaweiClient, Payload};
use super::wire;
use crate::domain::FetchError;
use crate::provider::classify::WireError;
use crate::provider::http::utf8_body;
use crate::provider::signing::percent_encode;
use crate::provider::{GroupContents, GroupItem, Page, read_listing};

/// The largest page the listing accepts.
const PAGE_SIZE: usize = 500;

#[derive(Deserialize)]
struct ApisPage {
    #[serde(default)]
    total: usize,
    #[serde(default)]
    apis: Vec<ApiInfo>,
}

#[derive(Deserialize)]
struct ApiInfo {
    #[serde(default)]
    id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    req_method: String,
    #[serde(default)]
    req_uri: String,
    #[serde(default)]
    group_name: String,
}

#[derive(Deserialize)]
struct GroupsPage {
    #[serde(default)]
    total: usize,
    #[serde(default)]
    groups: Vec<GroupInfo>,
}

#[derive(Deserialize)]
struct GroupInfo {
    #[serde(default)]
    id: String,
    #[serde(default)]
    name: String,
}

impl HuaweiClient {
    /// The APIs of a group of an instance.
    pub async fn group_contents_of(
        &self,
        region: &str,
        project_id: &str,
        instance_id: &str,
        group_id: &str,
    ) -> Result<GroupContents, FetchError> {
        let apis = self
            .list_of_instance(region, project_id, instance_id, "apis", &[("group_id", group_id)], |page: ApisPage| {
                Page { items: page.apis, total: page.total }
            })
            .await?;
        // The listing names the group on each API; the group's own name is not read otherwise.
        let name = apis.iter().map(|api| &api.group_name).find(|name| !name.is_empty()).cloned().unwrap_or_default();
        let apis = apis
            .into_iter()
            .map(|api| GroupItem {
                id: api.id,
                name: api.name,
                method: api.req_method.to_ascii_uppercase(),
                path: api.req_uri,
            })
            .collect();
        let contents = GroupContents { id: group_id.to_owned(), name, apis, ..GroupContents::default() };
        Ok(contents)
    }

    /// A group an import would create: empty, beside the instance's groups. All of them are read
    /// (no `name` filter: it matches parts of names unless `precise_search=name`, and the
    /// comparison with the spec's title is the shared rule's to make).
    pub async fn new_group_beside(
        &self,
        region: &str,
        project_id: &str,
        instance_id: &str,
    ) -> Result<GroupContents, FetchError> {
        let groups = self
            .list_of_instance(region, project_id, instance_id, "api-groups", &[], |page: GroupsPage| Page {
                items: page.groups,
                total: page.total,
            })
            .await?;
        let other_groups = groups
            .into_iter()
            .map(|group| GroupItem { id: group.id, name: group.name, ..GroupItem::default() })
            .collect();
        Ok(GroupContents { other_groups, ..GroupContents::default() })
    }

    /// Every item of an instance's listing `GET …/instances/{id}/{resource}?{filter}`, read by
    /// `offset`/`limit` pages of [`PAGE_SIZE`], each answer parsed as `P` and split by `items`.
    async fn list_of_instance<P: DeserializeOwned, T>(
        &self,
        region: &str,
        project_id: &str,
        instance_id: &str,
        resource: &str,
        filter: &[(&str, &str)],
        items: fn(P) -> Page<T>,
    ) -> Result<Vec<T>, FetchError> {
        let path =
            format!("/v2/{}/apigw/instances/{}/{resource}", percent_encode(project_id), percent_encode(instance_id));
        let path = path.as_str();
        read_listing(PAGE_SIZE, |page| async move {
            let (offset, limit) = ((page * PAGE_SIZE).to_string(), PAGE_SIZE.to_string());
            let mut query = filter.to_vec();
            query.extend([("offset", offset.as_str()), ("limit", limit.as_str())]);
            let response = self.call(region, project_id, Method::GET, path, &query, Payload::Empty).await?;
            let body = utf8_body(&response)?;
            let answer: P = serde_json::from_str(&body)
                .map_err(|e| self.context(WireError::Json(e).into_fetch_error(&response, &wire::ERRORS)))?;
            Ok(items(answer))
        })
        .await
    }
}
