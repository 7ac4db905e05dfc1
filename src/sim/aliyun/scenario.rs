//! Alibaba's `[aliyun]` section of a scenario file: the region, the keys CloudAPI and STS accept,
//! the groups that exist at start, and the quirks a scenario can choose (what an unknown
//! `OperationId` answers, how empty results are sent, the signature's time windows); [`SECTION`]
//! registers parsing it, checking a `[[tasks]]` entry against it and its group names.

use std::fmt;

use serde::Deserialize;

use super::setup;
use crate::domain::TaskKind;
use crate::sim::cloud::{SectionFns, parse_section};
use crate::sim::scenario::{ExistingApi, Scenario, TaskSpec, debug_key, default_window};

/// The `[aliyun]` section, as Alibaba's registration (`CLOUD` in `sim/aliyun.rs`) holds it.
pub(super) const SECTION: SectionFns = SectionFns { parse: parse_section::<AliyunSetup>, validate_task, group_names };

/// Checks a `[[tasks]]` entry for Alibaba: an import into a declared group.
fn validate_task(scenario: &Scenario, task: &TaskSpec) -> Result<(), String> {
    if task.kind == TaskKind::Export {
        return Err("Alibaba has no asynchronous export".to_owned());
    }
    let group = task.group.as_deref().ok_or("an Alibaba import needs `group`")?;
    if !setup(scenario).groups.iter().any(|g| g.id == group) {
        return Err(format!("no Alibaba group `{group}`"));
    }
    Ok(())
}

/// The scenario's groups, `(id, name)`.
fn group_names(scenario: &Scenario) -> Vec<(String, String)> {
    setup(scenario).groups.iter().map(|g| (g.id.clone(), g.name.clone())).collect()
}

/// What `DescribeImportOASTask` answers for an unknown `OperationId` (undocumented: quirk 10).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct UnknownOperation {
    pub status: u16,
    pub code: String,
    pub message: String,
}

impl Default for UnknownOperation {
    fn default() -> Self {
        UnknownOperation {
            status: 404,
            code: "NotFound.OperationId".to_owned(),
            message: "The specified OperationId does not exist.".to_owned(),
        }
    }
}

/// Whether an empty `ApiResults`/`ModelResults` is sent as `{"ApiResult": []}` or left out
/// (quirk 1: both are seen).
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum EmptyResults {
    #[default]
    Wrapper,
    Omit,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AliyunSetup {
    #[serde(default = "default_aliyun_region")]
    pub region: String,
    #[serde(default)]
    pub credentials: Vec<AliyunKey>,
    #[serde(default)]
    pub groups: Vec<AliyunGroup>,
    #[serde(default)]
    pub unknown_operation: UnknownOperation,
    #[serde(default)]
    pub empty_results: EmptyResults,
    /// Largest accepted `x-acs-date` skew, seconds.
    #[serde(default = "default_window")]
    pub max_skew_secs: u64,
    /// How long a signature nonce is remembered, seconds.
    #[serde(default = "default_window")]
    pub nonce_window_secs: u64,
}

impl Default for AliyunSetup {
    fn default() -> Self {
        AliyunSetup {
            region: default_aliyun_region(),
            credentials: Vec::new(),
            groups: Vec::new(),
            unknown_operation: UnknownOperation::default(),
            empty_results: EmptyResults::default(),
            max_skew_secs: default_window(),
            nonce_window_secs: default_window(),
        }
    }
}

fn default_aliyun_region() -> String {
    "cn-hangzhou".to_owned()
}

/// An AccessKey pair; with `security_token` it is an STS key. `Debug` shows no secret.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AliyunKey {
    pub access_key_id: String,
    pub access_key_secret: String,
    #[serde(default)]
    pub security_token: Option<String>,
    /// Wall-clock seconds after start when the STS token expires.
    #[serde(default)]
    pub expires_in_secs: Option<f64>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AliyunGroup {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub base_path: String,
    #[serde(default)]
    pub apis: Vec<ExistingApi>,
    #[serde(default)]
    pub models: Vec<String>,
}

impl fmt::Debug for AliyunKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = ("AliyunKey", "access_key_id", "access_key_secret");
        debug_key(f, names, &self.access_key_id, self.security_token.as_ref(), self.expires_in_secs)
    }
}
