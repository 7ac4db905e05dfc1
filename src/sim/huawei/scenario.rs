//! Huawei's `[huawei]` section of a scenario file: the region and project, the AK/SKs and IAM
//! tokens APIG accepts, the AK lockout, and the instances (with their environments and groups)
//! that exist at start; [`SECTION`] registers parsing it, checking a `[[tasks]]` entry against it
//! and its group names.

use std::fmt;

use serde::Deserialize;

use super::setup;
use crate::domain::TaskKind;
use crate::sim::cloud::{SectionFns, parse_section};
use crate::sim::scenario::{ExistingApi, REDACTED, Scenario, TaskSpec, debug_key, default_window};

/// The `[huawei]` section, as Huawei's registration (`CLOUD` in `sim/huawei.rs`) holds it.
pub(super) const SECTION: SectionFns = SectionFns { parse: parse_section::<HuaweiSetup>, validate_task, group_names };

/// Checks a `[[tasks]]` entry for Huawei: its instance, its `api_mode`, the group an export
/// (or an import into an existing group) needs.
fn validate_task(scenario: &Scenario, task: &TaskSpec) -> Result<(), String> {
    let instances = &setup(scenario).instances;
    let instance = match &task.instance {
        Some(id) => instances.iter().find(|i| i.id == *id),
        None => instances.first(),
    }
    .ok_or("no such Huawei instance (declare one under [[huawei.instances]])")?;
    if let Some(mode) = &task.api_mode
        && !matches!(mode.as_str(), "merge" | "override")
    {
        return Err(format!("api_mode is merge or override, found `{mode}`"));
    }
    let export = task.kind == TaskKind::Export;
    let group_required = export || task.is_create_group == Some(false);
    match &task.group {
        // A group that does not exist is allowed for imports: the task fails the way the real
        // service fails it (APIG.3001).
        Some(group) if export && !instance.groups.iter().any(|g| g.id == *group) => {
            Err(format!("no group `{group}` in instance `{}`", instance.id))
        }
        None if group_required => Err("needs `group`".to_owned()),
        _ => Ok(()),
    }
}

/// Every instance's groups, `(id, name)`.
fn group_names(scenario: &Scenario) -> Vec<(String, String)> {
    let groups = setup(scenario).instances.iter().flat_map(|i| &i.groups);
    groups.map(|g| (g.id.clone(), g.name.clone())).collect()
}

fn default_huawei_region() -> String {
    "cn-north-4".to_owned()
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HuaweiSetup {
    #[serde(default = "default_huawei_region")]
    pub region: String,
    #[serde(default = "default_project")]
    pub project_id: String,
    #[serde(default)]
    pub credentials: Vec<HuaweiKey>,
    #[serde(default)]
    pub tokens: Vec<HuaweiToken>,
    #[serde(default)]
    pub instances: Vec<HuaweiInstance>,
    /// Consecutive AK/SK failures that lock an access key (`APIG.0301` "…reach the limit").
    #[serde(default = "default_lockout_after")]
    pub lockout_after: u32,
    #[serde(default = "default_lockout_secs")]
    pub lockout_secs: u64,
    #[serde(default = "default_window")]
    pub max_skew_secs: u64,
}

impl Default for HuaweiSetup {
    fn default() -> Self {
        HuaweiSetup {
            region: default_huawei_region(),
            project_id: default_project(),
            credentials: Vec::new(),
            tokens: Vec::new(),
            instances: Vec::new(),
            lockout_after: default_lockout_after(),
            lockout_secs: default_lockout_secs(),
            max_skew_secs: default_window(),
        }
    }
}

fn default_project() -> String {
    "0123456789abcdef0123456789abcdef".to_owned()
}

fn default_lockout_after() -> u32 {
    5
}

fn default_lockout_secs() -> u64 {
    300
}

/// An AK/SK pair; with `security_token` it is a temporary key. `Debug` shows no secret.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HuaweiKey {
    pub access_key: String,
    pub secret_key: String,
    #[serde(default)]
    pub security_token: Option<String>,
    #[serde(default)]
    pub expires_in_secs: Option<f64>,
}

/// An IAM token accepted in `X-Auth-Token`. `Debug` shows no token.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HuaweiToken {
    pub token: String,
    #[serde(default)]
    pub expires_in_secs: Option<f64>,
}
impl fmt::Debug for HuaweiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = ("HuaweiKey", "access_key", "secret_key");
        debug_key(f, names, &self.access_key, self.security_token.as_ref(), self.expires_in_secs)
    }
}

impl fmt::Debug for HuaweiToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HuaweiToken").field("token", &REDACTED).field("expires_in_secs", &self.expires_in_secs).finish()
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HuaweiInstance {
    pub id: String,
    /// For the people reading the scenario; the simulated API never shows it.
    #[serde(default)]
    #[expect(dead_code, reason = "read by people, not by the simulator")]
    pub name: String,
    #[serde(default = "default_environments")]
    pub environments: Vec<Environment>,
    #[serde(default)]
    pub groups: Vec<HuaweiGroup>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Environment {
    pub id: String,
    pub name: String,
}

fn default_environments() -> Vec<Environment> {
    vec![Environment { id: "DEFAULT_ENVIRONMENT_RELEASE_ID".to_owned(), name: "RELEASE".to_owned() }]
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HuaweiGroup {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub apis: Vec<ExistingApi>,
}
