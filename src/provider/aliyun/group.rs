//! What an API group holds: `DescribeApiGroup` for its base path, `DescribeApis` and
//! `DescribeModels` page by page for its APIs and models (for `oaswatch check`).
//!
//! Field names are the SDK's (`ApiSummarys.ApiSummary[].ApiMethod/ApiPath`,
//! `ModelDetails.ModelDetail[]`); docs/protocols.md, "Reading a group".

use serde::Deserialize;

use super::client::AliyunClient;
use super::wire;
use crate::domain::FetchError;
use crate::provider::classify::WireError;
use crate::provider::http::utf8_body;
use crate::provider::{GroupContents, GroupItem, Page, read_listing};

/// The largest page both listings accept.
const PAGE_SIZE: usize = 100;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ApiGroup {
    group_id: Option<String>,
    #[serde(default)]
    group_name: String,
    #[serde(default)]
    base_path: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ApisPage {
    #[serde(default)]
    total_count: usize,
    api_summarys: Option<ApiSummarys>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ApiSummarys {
    #[serde(default)]
    api_summary: Vec<ApiSummary>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ApiSummary {
    #[serde(default, rename = "ApiId")]
    id: String,
    #[serde(default, rename = "ApiName")]
    name: String,
    #[serde(default, rename = "ApiMethod")]
    method: String,
    #[serde(default, rename = "ApiPath")]
    path: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ModelsPage {
    #[serde(default)]
    total_count: usize,
    model_details: Option<ModelDetails>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ModelDetails {
    #[serde(default)]
    model_detail: Vec<ModelDetail>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ModelDetail {
    #[serde(default)]
    model_id: String,
    #[serde(default)]
    model_name: String,
}

impl AliyunClient {
    /// The group's base path, APIs and models.
    pub async fn group_contents_of(&self, region: &str, group_id: &str) -> Result<GroupContents, FetchError> {
        let group: ApiGroup = self.read(region, "DescribeApiGroup", &[("GroupId", group_id)]).await?;
        let mut contents = GroupContents {
            id: group.group_id.unwrap_or_else(|| group_id.to_owned()),
            name: group.group_name,
            base_path: group.base_path,
            ..GroupContents::default()
        };
        let apis = read_listing(PAGE_SIZE, |page| async move {
            let answer: ApisPage = self.listing_page(region, "DescribeApis", group_id, page).await?;
            Ok(Page {
                items: answer.api_summarys.map(|s| s.api_summary).unwrap_or_default(),
                total: answer.total_count,
            })
        })
        .await?;
        contents.apis = apis
            .into_iter()
            .map(|a| GroupItem { id: a.id, name: a.name, method: a.method.to_ascii_uppercase(), path: a.path })
            .collect();
        let models = read_listing(PAGE_SIZE, |page| async move {
            let answer: ModelsPage = self.listing_page(region, "DescribeModels", group_id, page).await?;
            Ok(Page {
                items: answer.model_details.map(|d| d.model_detail).unwrap_or_default(),
                total: answer.total_count,
            })
        })
        .await?;
        contents.models = models
            .into_iter()
            .map(|m| GroupItem { id: m.model_id, name: m.model_name, ..GroupItem::default() })
            .collect();
        Ok(contents)
    }

    /// Page `page` (from 0) of the group's listing `action`.
    async fn listing_page<T: serde::de::DeserializeOwned>(
        &self,
        region: &str,
        action: &str,
        group_id: &str,
        page: usize,
    ) -> Result<T, FetchError> {
        let (size, number) = (PAGE_SIZE.to_string(), (page + 1).to_string());
        self.read(region, action, &[("GroupId", group_id), ("PageSize", &size), ("PageNumber", &number)]).await
    }

    /// One read-only call, its answer decoded.
    async fn read<T: serde::de::DeserializeOwned>(
        &self,
        region: &str,
        action: &str,
        query: &[(&str, &str)],
    ) -> Result<T, FetchError> {
        let response = self.call(region, action, query, None).await?;
        let body = utf8_body(&response)?;
        serde_json::from_str(&body)
            .map_err(|e| self.context(WireError::Json(e).into_fetch_error(&response, &wire::ERRORS)))
    }
}
