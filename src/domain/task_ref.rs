//! Task references: the `aliyun://…` and `huawei://…` strings users type, parsed and printed.
//!
//! Owns the grammar of docs/contract.md's "Task references and targets" and of the import/export targets. Pure.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::ProviderKind;

/// The forms accepted for a task reference, shown in every parse error.
pub fn task_ref_forms() -> String {
    ProviderKind::ALL.iter().map(|k| k.facts().reference_form).collect::<Vec<_>>().join("  or  ")
}

/// The forms accepted for an import/export target.
pub fn target_forms() -> String {
    ProviderKind::ALL.iter().map(|k| k.facts().target_form).collect::<Vec<_>>().join("  or  ")
}

/// One asynchronous import/export task on one cloud.
///
/// `profile` names the account: the credentials profile to sign with (`aliyun://prod@REGION/…`,
/// docs/credentials.md "Several accounts"). `None` is the default credential chain, and such a
/// reference prints exactly as before profiles existed.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TaskRef {
    /// Alibaba Cloud API Gateway task, polled with `DescribeImportOASTask`.
    Aliyun { profile: Option<Arc<str>>, region: Arc<str>, operation_id: Arc<str> },
    /// Huawei Cloud APIG task, polled with `GET .../async-tasks/{task_id}`.
    Huawei {
        profile: Option<Arc<str>>,
        region: Arc<str>,
        project_id: Arc<str>,
        instance_id: Arc<str>,
        task_id: Arc<str>,
    },
}

/// Why a task reference or target could not be parsed. The message always shows the expected form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {what} {input:?}: {reason}; expected {expected}")]
pub struct RefParseError {
    /// "task reference" or "import/export target".
    pub what: &'static str,
    /// The offending input, as typed (shown through `{:?}` so control characters stay visible).
    pub input: String,
    pub reason: String,
    pub expected: String,
}

impl TaskRef {
    pub fn provider(&self) -> ProviderKind {
        match self {
            TaskRef::Aliyun { .. } => ProviderKind::Aliyun,
            TaskRef::Huawei { .. } => ProviderKind::Huawei,
        }
    }

    pub fn region(&self) -> &str {
        match self {
            TaskRef::Aliyun { region, .. } | TaskRef::Huawei { region, .. } => region,
        }
    }

    /// The credentials profile the reference names, if any.
    pub fn profile(&self) -> Option<&str> {
        match self {
            TaskRef::Aliyun { profile, .. } | TaskRef::Huawei { profile, .. } => profile.as_deref(),
        }
    }

    /// The same task, watched with another account's credentials.
    #[must_use]
    pub fn with_profile(mut self, name: Option<String>) -> TaskRef {
        match &mut self {
            TaskRef::Aliyun { profile, .. } | TaskRef::Huawei { profile, .. } => *profile = name.map(Arc::from),
        }
        self
    }

    /// The provider's own task id (`OperationId` or `task_id`).
    pub fn task_id(&self) -> &str {
        match self {
            TaskRef::Aliyun { operation_id, .. } => operation_id,
            TaskRef::Huawei { task_id, .. } => task_id,
        }
    }

    /// A reference from parts a server returned (the id of a task it just created), checked as a
    /// typed one is: a server must not be able to steer later requests to other paths.
    pub fn from_parts(provider: ProviderKind, parts: &[&str]) -> Result<TaskRef, RefParseError> {
        let mut text = format!("{}:/", provider.as_str());
        for part in parts {
            text.push('/');
            text.push_str(part);
        }
        text.parse()
    }

    /// Where a retry of this task imports to: the same place, in `group` (a placeholder such as
    /// `GROUP_ID` when it is not known). A cloud whose target does not name the group takes it
    /// as an option of the import instead ([`super::ProviderFacts::group_in_target`]).
    pub fn import_target(&self, group: &str) -> Target {
        match self {
            TaskRef::Aliyun { profile, region, .. } => Target::Aliyun {
                profile: owned(profile.as_deref()),
                region: region.to_string(),
                group_id: group.to_owned(),
            },
            TaskRef::Huawei { profile, region, project_id, instance_id, .. } => Target::Huawei {
                profile: owned(profile.as_deref()),
                region: region.to_string(),
                project_id: project_id.to_string(),
                instance_id: instance_id.to_string(),
            },
        }
    }

    /// A compact label for narrow columns: the profile if any, the region and an abbreviated id
    /// (`prod@cn-hangzhou/4c53…44a7f`).
    /// The task's page in its cloud's web console ([`ProviderFacts::console_url`]), filled in
    /// from the reference's parts; only the region and ids, never a profile or a secret.
    ///
    /// [`ProviderFacts::console_url`]: super::ProviderFacts::console_url
    pub fn console_url(&self) -> String {
        let facts = self.provider().facts();
        let names = facts.reference_form.split_once("://").map_or("", |(_, rest)| rest).split('/');
        let shown = self.to_string();
        let rest = shown.split_once("://").map_or("", |(_, rest)| rest);
        // A profile (`prod@`) names local credentials: it stays out of the address.
        let rest = rest.split_once('@').map_or(rest, |(_, after)| after);
        let mut url = facts.console_url.to_owned();
        for (name, value) in names.zip(rest.split('/')) {
            url = url.replace(&format!("{{{name}}}"), value);
        }
        url
    }

    pub fn short(&self) -> String {
        format!("{}{}/{}", profile_prefix(self.profile()), self.region(), abbreviate_id(self.task_id(), 12))
    }
}

/// Shortens a long id to `head…tail` of at most `max` characters; ids are ASCII by construction.
pub fn abbreviate_id(id: &str, max: usize) -> String {
    if id.len() <= max || max < 5 {
        return id.to_owned();
    }
    let tail = (max - 1) / 2;
    let head = max - 1 - tail;
    format!("{}…{}", &id[..head], &id[id.len() - tail..])
}

fn owned(text: Option<&str>) -> Option<String> {
    text.map(str::to_owned)
}

/// `prod@`, or nothing for the default chain.
fn profile_prefix(profile: Option<&str>) -> String {
    profile.map(|p| format!("{p}@")).unwrap_or_default()
}

impl fmt::Display for TaskRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaskRef::Aliyun { profile, region, operation_id } => {
                write!(f, "aliyun://{}{region}/{operation_id}", profile_prefix(profile.as_deref()))
            }
            TaskRef::Huawei { profile, region, project_id, instance_id, task_id } => {
                let at = profile_prefix(profile.as_deref());
                write!(f, "huawei://{at}{region}/{project_id}/{instance_id}/{task_id}")
            }
        }
    }
}

impl FromStr for TaskRef {
    type Err = RefParseError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let fail = |reason: String| RefParseError {
            what: "task reference",
            input: input.to_owned(),
            reason,
            expected: task_ref_forms(),
        };
        let (provider, profile, parts) = split_uri(input).map_err(fail)?;
        match (provider, parts.as_slice()) {
            (ProviderKind::Aliyun, [region, operation_id]) => Ok(TaskRef::Aliyun {
                profile: profile.map(Arc::from),
                region: Arc::from(region.as_str()),
                operation_id: Arc::from(operation_id.as_str()),
            }),
            (ProviderKind::Huawei, [region, project_id, instance_id, task_id]) => Ok(TaskRef::Huawei {
                profile: profile.map(Arc::from),
                region: Arc::from(region.as_str()),
                project_id: Arc::from(project_id.as_str()),
                instance_id: Arc::from(instance_id.as_str()),
                task_id: Arc::from(task_id.as_str()),
            }),
            (ProviderKind::Aliyun, _) => {
                Err(fail(format!("an aliyun reference has 2 parts (REGION/OPERATION_ID), found {}", parts.len())))
            }
            (ProviderKind::Huawei, _) => Err(fail(format!(
                "a huawei reference has 4 parts (REGION/PROJECT_ID/INSTANCE_ID/TASK_ID), found {}",
                parts.len()
            ))),
        }
    }
}

/// Where an import goes or an export comes from: a group on Alibaba, an instance on Huawei.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    Aliyun { profile: Option<String>, region: String, group_id: String },
    Huawei { profile: Option<String>, region: String, project_id: String, instance_id: String },
}

impl Target {
    pub fn provider(&self) -> ProviderKind {
        match self {
            Target::Aliyun { .. } => ProviderKind::Aliyun,
            Target::Huawei { .. } => ProviderKind::Huawei,
        }
    }

    pub fn region(&self) -> &str {
        match self {
            Target::Aliyun { region, .. } | Target::Huawei { region, .. } => region,
        }
    }

    /// The API group the target names itself (Alibaba's imports go into a group; Huawei's name
    /// theirs in the request's options), if any.
    pub fn group_id(&self) -> Option<&str> {
        match self {
            Target::Aliyun { group_id, .. } => Some(group_id),
            Target::Huawei { .. } => None,
        }
    }

    /// The credentials profile the target names, if any.
    pub fn profile(&self) -> Option<&str> {
        match self {
            Target::Aliyun { profile, .. } | Target::Huawei { profile, .. } => profile.as_deref(),
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Aliyun { profile, region, group_id } => {
                write!(f, "aliyun://{}{region}/{group_id}", profile_prefix(profile.as_deref()))
            }
            Target::Huawei { profile, region, project_id, instance_id } => {
                write!(f, "huawei://{}{region}/{project_id}/{instance_id}", profile_prefix(profile.as_deref()))
            }
        }
    }
}

impl FromStr for Target {
    type Err = RefParseError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let fail = |reason: String| RefParseError {
            what: "import/export target",
            input: input.to_owned(),
            reason,
            expected: target_forms(),
        };
        let (provider, profile, parts) = split_uri(input).map_err(fail)?;
        match (provider, parts.as_slice()) {
            (ProviderKind::Aliyun, [region, group_id]) => {
                Ok(Target::Aliyun { profile, region: region.clone(), group_id: group_id.clone() })
            }
            (ProviderKind::Huawei, [region, project_id, instance_id]) => Ok(Target::Huawei {
                profile,
                region: region.clone(),
                project_id: project_id.clone(),
                instance_id: instance_id.clone(),
            }),
            (ProviderKind::Aliyun, _) => {
                Err(fail(format!("an aliyun target has 2 parts (REGION/GROUP_ID), found {}", parts.len())))
            }
            (ProviderKind::Huawei, _) => {
                Err(fail(format!("a huawei target has 3 parts (REGION/PROJECT_ID/INSTANCE_ID), found {}", parts.len())))
            }
        }
    }
}

/// Splits `scheme://[PROFILE@]a/b/c` into the provider, the profile and validated path parts.
///
/// Parts become URL path segments and query values, so only characters that never need escaping
/// are accepted: that keeps a typo or a pasted control character out of every request we sign.
fn split_uri(input: &str) -> Result<(ProviderKind, Option<String>, Vec<String>), String> {
    let Some((scheme, rest)) = input.split_once("://") else {
        let schemes: Vec<String> = ProviderKind::ALL.iter().map(|k| format!("`{k}://`")).collect();
        return Err(format!("missing the {} prefix", schemes.join(" or ")));
    };
    let provider: ProviderKind = scheme.parse()?;
    let (profile, rest) = match rest.split_once('/').map_or(rest, |(first, _)| first).split_once('@') {
        Some((profile, _)) => {
            check_profile(profile)?;
            (Some(profile.to_owned()), &rest[profile.len() + 1..])
        }
        None => (None, rest),
    };
    let parts: Vec<String> = rest.split('/').map(str::to_owned).collect();
    for (position, part) in parts.iter().enumerate() {
        check_part(part).map_err(|reason| format!("part {} {reason}", position + 1))?;
    }
    if let Some(region) = parts.first() {
        check_region(region)?;
    }
    Ok((provider, profile, parts))
}

/// Checks a profile name: the same safe characters as the other parts, since it is shown in
/// every message and written to the watch list.
pub fn check_profile(profile: &str) -> Result<(), String> {
    check_part(profile).map_err(|reason| format!("the profile before '@' {reason}"))
}

/// Checks one part of a reference or target: it becomes a URL path segment or a query value.
///
/// Only characters that never need escaping are accepted, which keeps a typo or a pasted control
/// character out of every request we sign, and a part of dots only is refused: `.` and `..` are
/// path segments a URL resolves, so `…/instances/i/async-tasks/..` would sign a request for
/// another API path. The error says what is wrong with the part (after "part N").
pub fn check_part(part: &str) -> Result<(), String> {
    if part.is_empty() {
        return Err("is empty".to_owned());
    }
    if part.len() > 128 {
        return Err("is longer than 128 characters".to_owned());
    }
    if let Some(bad) = part.chars().find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_' || *c == '.')) {
        return Err(format!("contains {bad:?}; only letters, digits, '-', '_' and '.' are allowed"));
    }
    if part.chars().all(|c| c == '.') {
        return Err(format!("is {part:?}, a relative path segment, not an id"));
    }
    Ok(())
}

fn check_region(region: &str) -> Result<(), String> {
    if region.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
        Ok(())
    } else {
        Err(format!("region {region:?} must be lowercase letters, digits and '-' (e.g. cn-hangzhou)"))
    }
}

impl Serialize for TaskRef {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for TaskRef {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn console_urls_name_the_region_and_ids_and_never_the_profile() {
        let a: TaskRef = "aliyun://prod@cn-hangzhou/4c53ccf1".parse().unwrap();
        assert_eq!(a.console_url(), "https://apigateway.console.aliyun.com/#/cn-hangzhou/apis/list");
        let h: TaskRef = "huawei://cn-north-4/p0/i1/t2".parse().unwrap();
        let url = h.console_url();
        assert!(url.contains("region=cn-north-4") && url.contains("instanceId=i1"), "{url}");
        assert!(!url.contains('{') && !url.contains("prod"), "{url}");
    }

    #[test]
    fn parses_and_prints_the_contract_examples() {
        let ali = "aliyun://cn-hangzhou/4c53ccf1d40c489686d1adf5c2644a7f";
        let parsed: TaskRef = ali.parse().unwrap();
        assert_eq!(
            parsed,
            TaskRef::Aliyun {
                profile: None,
                region: "cn-hangzhou".into(),
                operation_id: "4c53ccf1d40c489686d1adf5c2644a7f".into()
            }
        );
        assert_eq!(parsed.to_string(), ali);

        let hw = "huawei://cn-north-4/0123456789abcdef0123456789abcdef/eddc4d25480b4cd6b512f270a1b8b341/d9ce8c9eede54b3f841ec324fe0bfdc2";
        let parsed: TaskRef = hw.parse().unwrap();
        assert_eq!(parsed.provider(), ProviderKind::Huawei);
        assert_eq!(parsed.task_id(), "d9ce8c9eede54b3f841ec324fe0bfdc2");
        assert_eq!(parsed.to_string(), hw);
    }

    #[test]
    fn rejects_malformed_references_with_the_expected_form() {
        for bad in [
            "",
            "cn-hangzhou/abc",
            "aws://us-east-1/abc",
            "aliyun://cn-hangzhou",
            "aliyun://cn-hangzhou/a/b",
            "aliyun://cn-hangzhou/",
            "aliyun://CN/abc",
            "huawei://cn-north-4/p/i",
            "aliyun://cn-hangzhou/abc?x=1",
            "aliyun://cn-hangzhou/a\u{1b}[2Jb",
            "huawei://cn-north-4/p/i/..",
            "huawei://cn-north-4/p/../t",
            "huawei://cn-north-4/./i/t",
            "aliyun://cn-hangzhou/...",
            "aliyun://cn-hangzhou/a%2Fb",
            "aliyun://cn-hangzhou/a%2fb",
            "huawei://cn-north-4/p//t",
            "aliyun://./abc",
        ] {
            let err = bad.parse::<TaskRef>().unwrap_err();
            let text = err.to_string();
            assert!(text.contains(&task_ref_forms()), "{text}");
            assert!(!text.contains('\u{1b}'), "raw escape echoed back: {text:?}");
        }
    }

    #[test]
    fn dot_parts_are_refused_in_targets_and_server_ids_too() {
        assert!("huawei://cn-north-4/p/..".parse::<Target>().is_err());
        assert!("aliyun://cn-hangzhou/.".parse::<Target>().is_err());
        assert!(TaskRef::from_parts(ProviderKind::Huawei, &["cn-north-4", "p", "i", ".."]).is_err());
        assert!(TaskRef::from_parts(ProviderKind::Aliyun, &["cn-hangzhou", "../x"]).is_err());
        let ok = TaskRef::from_parts(ProviderKind::Aliyun, &["cn-hangzhou", "v1.2-x"]).unwrap();
        assert_eq!(ok.to_string(), "aliyun://cn-hangzhou/v1.2-x");
    }

    #[test]
    fn a_profile_names_the_account_and_old_references_print_as_before() {
        let plain: TaskRef = "aliyun://cn-hangzhou/op1".parse().unwrap();
        assert_eq!(plain.profile(), None);
        assert_eq!(plain.to_string(), "aliyun://cn-hangzhou/op1");
        assert_eq!(serde_json::to_string(&plain).unwrap(), "\"aliyun://cn-hangzhou/op1\"");

        let prod: TaskRef = "aliyun://prod@cn-hangzhou/op1".parse().unwrap();
        assert_eq!(prod.profile(), Some("prod"));
        assert_eq!(prod.region(), "cn-hangzhou");
        assert_eq!(prod.to_string(), "aliyun://prod@cn-hangzhou/op1");
        assert_ne!(prod, plain, "two accounts, two entries");
        assert_eq!(prod.clone().with_profile(None), plain);
        assert_eq!(prod.short(), "prod@cn-hangzhou/op1");

        let hw: TaskRef = "huawei://dev.team_1@cn-north-4/p/i/t".parse().unwrap();
        assert_eq!(hw.profile(), Some("dev.team_1"));
        assert_eq!(hw.to_string(), "huawei://dev.team_1@cn-north-4/p/i/t");
        assert_eq!(hw.import_target("g").to_string(), "huawei://dev.team_1@cn-north-4/p/i");

        let target: Target = "aliyun://staging@cn-shanghai/g1".parse().unwrap();
        assert_eq!(target.profile(), Some("staging"));
        assert_eq!(target.to_string(), "aliyun://staging@cn-shanghai/g1");

        for bad in [
            "aliyun://@cn-hangzhou/op",
            "aliyun://a b@cn-hangzhou/op",
            "aliyun://..@cn-hangzhou/op",
            "aliyun://p@q@cn-hangzhou/op",
        ] {
            let err = bad.parse::<TaskRef>().unwrap_err().to_string();
            assert!(err.contains(&task_ref_forms()), "{bad}: {err}");
        }
        // An '@' after the first part is not a profile.
        assert!("aliyun://cn-hangzhou/op@x".parse::<TaskRef>().is_err());
    }

    #[test]
    fn targets_round_trip() {
        let t: Target = "huawei://cn-north-4/p1/inst1".parse().unwrap();
        assert_eq!(t.to_string(), "huawei://cn-north-4/p1/inst1");
        assert!("huawei://cn-north-4/p1/inst1/task".parse::<Target>().is_err());
        let t: Target = "aliyun://cn-hangzhou/group1".parse().unwrap();
        assert_eq!(t.provider(), ProviderKind::Aliyun);
    }

    proptest::proptest! {
        #[test]
        fn parsing_never_panics_and_errors_echo_no_raw_controls(input in proptest::prelude::any::<String>()) {
            if let Err(err) = input.parse::<TaskRef>() {
                let text = err.to_string();
                proptest::prop_assert!(!text.chars().any(|c| c.is_control() && c != '\n'), "{text:?}");
            }
            let _ = input.parse::<Target>();
        }

        #[test]
        fn valid_references_round_trip(
            region in "[a-z]{2}-[a-z]{3,9}-?[0-9]?",
            ids in proptest::collection::vec("[A-Za-z0-9_.-]{0,39}[A-Za-z0-9_-]", 3),
            huawei in proptest::prelude::any::<bool>(),
        ) {
            let text = if huawei {
                format!("huawei://{region}/{}/{}/{}", ids[0], ids[1], ids[2])
            } else {
                format!("aliyun://{region}/{}", ids[0])
            };
            let parsed: TaskRef = text.parse().unwrap();
            proptest::prop_assert_eq!(parsed.to_string(), text);
            let json = serde_json::to_string(&parsed).unwrap();
            proptest::prop_assert_eq!(serde_json::from_str::<TaskRef>(&json).unwrap(), parsed);
        }
    }

    #[test]
    fn abbreviates_long_ids() {
        assert_eq!(abbreviate_id("4c53ccf1d40c489686d1adf5c2644a7f", 12), "4c53cc…44a7f");
        assert_eq!(abbreviate_id("short", 12), "short");
    }
}
