//! Which cloud a task lives on, and the plain facts that differ between clouds.
//!
//! Owns [`ProviderKind`] and its [`ProviderFacts`]: the one table every layer reads when it needs
//! to know how a cloud differs (names, reference forms, what its tasks report), so no code outside
//! `provider/` and `sim/` ever compares provider kinds. Adding a cloud adds a variant and its
//! facts here (docs/adding-a-provider.md). Pure data.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::TaskKind;

/// Which cloud a task lives on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProviderKind {
    Aliyun,
    Huawei,
}

/// What differs between clouds, as data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProviderFacts {
    /// The scheme of references and the key in config files and `--endpoint` (`aliyun`).
    pub name: &'static str,
    /// How people call the cloud (`Alibaba Cloud`).
    pub display_name: &'static str,
    /// A task reference, as the user types it.
    pub reference_form: &'static str,
    /// An import/export target.
    pub target_form: &'static str,
    /// The variable that overrides the endpoint (`OASWATCH_ALIYUN_ENDPOINT`).
    pub endpoint_env: &'static str,
    /// Whether a running task lists its subtasks as they finish; Huawei's `task_result` stays
    /// empty until the task ends, so its counts jump from nothing to final.
    pub lists_items_while_running: bool,
    /// The kinds of task the cloud runs asynchronously (Alibaba's export is synchronous).
    pub task_kinds: &'static [TaskKind],
    /// Whether an import target names the group itself (`aliyun://REGION/GROUP_ID`); otherwise the
    /// group is an option of the import (`--group`).
    pub group_in_target: bool,
    /// The `import` flags that replace what a group already has, for re-importing a retry spec.
    pub replace_flags: &'static str,
    /// Why `export` cannot use this cloud, when it cannot.
    pub no_export: Option<&'static str>,
}

const ALIYUN: ProviderFacts = ProviderFacts {
    name: "aliyun",
    display_name: "Alibaba Cloud",
    reference_form: "aliyun://REGION/OPERATION_ID",
    target_form: "aliyun://REGION/GROUP_ID",
    endpoint_env: "OASWATCH_ALIYUN_ENDPOINT",
    lists_items_while_running: true,
    task_kinds: &[TaskKind::Import],
    group_in_target: true,
    replace_flags: "--overwrite",
    no_export: Some("Alibaba's ExportOAS is synchronous and has no task to watch"),
};

const HUAWEI: ProviderFacts = ProviderFacts {
    name: "huawei",
    display_name: "Huawei",
    reference_form: "huawei://REGION/PROJECT_ID/INSTANCE_ID/TASK_ID",
    target_form: "huawei://REGION/PROJECT_ID/INSTANCE_ID",
    endpoint_env: "OASWATCH_HUAWEI_ENDPOINT",
    lists_items_while_running: false,
    task_kinds: &[TaskKind::Import, TaskKind::Export],
    group_in_target: false,
    replace_flags: "--api-mode override",
    no_export: None,
};

impl ProviderKind {
    pub const ALL: [ProviderKind; 2] = [ProviderKind::Aliyun, ProviderKind::Huawei];

    pub fn facts(self) -> &'static ProviderFacts {
        match self {
            ProviderKind::Aliyun => &ALIYUN,
            ProviderKind::Huawei => &HUAWEI,
        }
    }

    pub fn as_str(self) -> &'static str {
        self.facts().name
    }

    /// The kind of a task never fetched, when the cloud runs only one kind.
    pub fn only_task_kind(self) -> Option<TaskKind> {
        match self.facts().task_kinds {
            [only] => Some(*only),
            _ => None,
        }
    }
}

impl fmt::Display for ProviderKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ProviderKind {
    type Err = String;

    /// A provider by its name (`aliyun`), as in references, `--endpoint` and config keys.
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        ProviderKind::ALL.into_iter().find(|kind| kind.as_str() == name).ok_or_else(|| {
            let known: Vec<&str> = ProviderKind::ALL.iter().map(|k| k.as_str()).collect();
            format!("unknown provider {name:?} (use {})", known.join(" or "))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_parse_back() {
        for kind in ProviderKind::ALL {
            assert_eq!(kind.as_str().parse::<ProviderKind>(), Ok(kind));
            assert!(kind.facts().reference_form.starts_with(&format!("{}://", kind.as_str())));
            assert!(kind.facts().endpoint_env.contains(&kind.as_str().to_ascii_uppercase()));
        }
        assert!("aws".parse::<ProviderKind>().unwrap_err().contains("aliyun or huawei"));
    }
}
