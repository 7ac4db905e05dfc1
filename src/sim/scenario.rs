//! Scenario files: what the simulated clouds contain at start (credentials, groups, instances,
//! APIs, models), which tasks to create, and which faults to inject.
//!
//! Owns the TOML schema, the built-in scenarios and specs (embedded, so the binary works from any
//! directory) and their validation. Does no networking.
//!
//! Times in a scenario are in simulated seconds (wall time × `--speed`), except credential and
//! token expiry (`expires_in_secs`), which is wall-clock seconds after start, the way a real
//! credential expires regardless of how fast tasks move.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::cloud::{Section, Sections};
use crate::domain::{ProviderKind, TaskKind, TaskState};

/// Built-in scenarios, by name.
const BUILTIN_SCENARIOS: &[(&str, &str)] = &[
    ("demo", include_str!("../../assets/scenarios/demo.toml")),
    ("happy", include_str!("../../assets/scenarios/happy.toml")),
    ("partial-fail", include_str!("../../assets/scenarios/partial-fail.toml")),
    ("throttled", include_str!("../../assets/scenarios/throttled.toml")),
    ("faults", include_str!("../../assets/scenarios/faults.toml")),
    ("hostile-text", include_str!("../../assets/scenarios/hostile-text.toml")),
    ("huge", include_str!("../../assets/scenarios/huge.toml")),
];

/// Built-in specs, by file name under `assets/specs/`.
const BUILTIN_SPECS: &[(&str, &str)] = &[
    ("petstore-2.0.json", include_str!("../../assets/specs/petstore-2.0.json")),
    ("petstore-3.0.yaml", include_str!("../../assets/specs/petstore-3.0.yaml")),
    ("shop-2.0.json", include_str!("../../assets/specs/shop-2.0.json")),
    ("fleet-3.0.yaml", include_str!("../../assets/specs/fleet-3.0.yaml")),
    ("hostile-2.0.json", include_str!("../../assets/specs/hostile-2.0.json")),
];

/// Names of the built-in scenarios (`demo`, `happy`, …).
pub fn builtin_names() -> Vec<&'static str> {
    BUILTIN_SCENARIOS.iter().map(|(name, _)| *name).collect()
}

/// File names of the built-in specs (`petstore-2.0.json`, …).
pub fn builtin_spec_names() -> Vec<&'static str> {
    BUILTIN_SPECS.iter().map(|(name, _)| *name).collect()
}

/// The text of a built-in spec.
pub fn builtin_spec(name: &str) -> Option<&'static str> {
    BUILTIN_SPECS.iter().find(|(n, _)| *n == name).map(|(_, text)| *text)
}

/// Why a scenario could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("no scenario file {path:?} and no built-in scenario of that name (built-ins: {builtins})")]
    NotFound { path: String, builtins: String },
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{source_name}: {message}")]
    Syntax { source_name: String, message: String },
    #[error("{source_name}: {message}")]
    Invalid { source_name: String, message: String },
}

/// Loads a built-in scenario by name (`demo`, `demo.toml`) or a scenario file by path.
pub fn load(name_or_path: &str) -> Result<Scenario, ScenarioError> {
    let builtin_name = name_or_path.strip_suffix(".toml").unwrap_or(name_or_path);
    if let Some((name, text)) = BUILTIN_SCENARIOS.iter().find(|(n, _)| *n == builtin_name) {
        return parse(text, &format!("built-in scenario {name}"), None);
    }
    let path = Path::new(name_or_path);
    if !path.exists() {
        return Err(ScenarioError::NotFound { path: name_or_path.to_owned(), builtins: builtin_names().join(", ") });
    }
    let text = std::fs::read_to_string(path)
        .map_err(|source| ScenarioError::Io { path: path.display().to_string(), source })?;
    parse(&text, &path.display().to_string(), path.parent().map(Path::to_path_buf))
}

/// Parses and validates scenario text; `base_dir` resolves relative spec paths.
pub fn parse(text: &str, source_name: &str, base_dir: Option<PathBuf>) -> Result<Scenario, ScenarioError> {
    let mut scenario: Scenario = toml::from_str(text)
        .map_err(|err| ScenarioError::Syntax { source_name: source_name.to_owned(), message: err.to_string() })?;
    scenario.base_dir = base_dir;
    source_name.clone_into(&mut scenario.source_name);
    scenario.validate().map_err(|message| ScenarioError::Invalid { source_name: source_name.to_owned(), message })?;
    Ok(scenario)
}

/// A whole scenario file.
///
/// Each registered cloud's section (`[aliyun]`, `[huawei]`) is parsed by the cloud
/// (`SimCloud::section`, in its folder) into `clouds`; a key that is neither a field here
/// nor a cloud's name is refused (what `deny_unknown_fields` does, which `flatten` rules out).
#[derive(Clone, Debug, Deserialize)]
pub struct Scenario {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Behaviour of tasks created through the API (and the default for scenario tasks).
    #[serde(default)]
    pub defaults: Behaviour,
    #[serde(default)]
    pub tasks: Vec<TaskSpec>,
    #[serde(default)]
    pub faults: Vec<FaultSpec>,
    #[serde(skip)]
    pub base_dir: Option<PathBuf>,
    #[serde(skip)]
    pub source_name: String,
    #[serde(flatten)]
    clouds: Sections,
}

/// How a task moves and fails.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Behaviour {
    /// Simulated seconds from creation to the end; default 20–60 s by size.
    pub duration_secs: Option<f64>,
    /// Simulated seconds before the first subtask starts (Huawei shows `waiting`); default 2.
    pub queue_secs: Option<f64>,
    /// Chance that an otherwise fine subtask fails with an internal error.
    pub internal_error_rate: Option<f64>,
    /// Chance that an Alibaba subtask hits a transient internal error, goes back to WAIT with
    /// `ErrorMessage: "Internal Error"`, and later succeeds keeping that message (quirk 3).
    pub transient_error_rate: Option<f64>,
    /// Alibaba: this many APIs stay `WAIT` although the task reports `Finished` (quirk 4).
    pub stuck_waiting: Option<u32>,
    /// Put hostile text into failure messages and force some failures to carry it.
    pub hostile_text: Option<bool>,
    /// The task stalls at this many simulated seconds after creation: nothing moves for
    /// `stall_secs`, then it carries on where it stopped.
    pub stall_at_secs: Option<f64>,
    pub stall_secs: Option<f64>,
}

impl Behaviour {
    /// `self` with unset fields taken from `fallback`.
    pub(crate) fn or(&self, fallback: &Behaviour) -> Behaviour {
        Behaviour {
            duration_secs: self.duration_secs.or(fallback.duration_secs),
            queue_secs: self.queue_secs.or(fallback.queue_secs),
            internal_error_rate: self.internal_error_rate.or(fallback.internal_error_rate),
            transient_error_rate: self.transient_error_rate.or(fallback.transient_error_rate),
            stuck_waiting: self.stuck_waiting.or(fallback.stuck_waiting),
            hostile_text: self.hostile_text.or(fallback.hostile_text),
            stall_at_secs: self.stall_at_secs.or(fallback.stall_at_secs),
            stall_secs: self.stall_secs.or(fallback.stall_secs),
        }
    }
}

/// The time windows of the signature checks (date skew, nonces), seconds: 15 minutes.
pub(crate) fn default_window() -> u64 {
    900
}

/// What `Debug` shows instead of a secret.
pub(crate) const REDACTED: &str = "<redacted>";

/// `Debug` of a scenario key: its id shown, its secret and token (if any) redacted.
pub(crate) fn debug_key(
    f: &mut std::fmt::Formatter<'_>,
    (name, id_field, secret_field): (&str, &str, &str),
    id: &str,
    token: Option<&String>,
    expires_in_secs: Option<f64>,
) -> std::fmt::Result {
    f.debug_struct(name)
        .field(id_field, &id)
        .field(secret_field, &REDACTED)
        .field("security_token", &token.map(|_| REDACTED))
        .field("expires_in_secs", &expires_in_secs)
        .finish()
}

/// An API that exists in a group before any import.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExistingApi {
    pub method: String,
    pub path: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub description: String,
}

/// A synthetic spec of any size (for the 10,000-subtask scenario).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct GenerateSpec {
    pub operations: usize,
    #[serde(default)]
    pub title: Option<String>,
    /// Every n-th operation repeats an earlier route under another template name.
    #[serde(default)]
    pub duplicate_every: Option<usize>,
    /// Every n-th operation takes a cookie parameter.
    #[serde(default)]
    pub cookie_every: Option<usize>,
}

/// A task the simulator creates at start.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskSpec {
    /// Scenario-local name, used by faults and tests.
    pub name: String,
    pub provider: ProviderKind,
    #[serde(default = "default_kind")]
    pub kind: TaskKind,
    /// A spec file: a built-in name under `assets/specs/`, or a path relative to the scenario.
    #[serde(default)]
    pub spec: Option<String>,
    #[serde(default)]
    pub generate: Option<GenerateSpec>,
    /// Alibaba group id; Huawei group id (import with `is_create_group = false`, or export).
    #[serde(default)]
    pub group: Option<String>,
    /// Huawei instance id; default the first instance.
    #[serde(default)]
    pub instance: Option<String>,
    /// Alibaba `Overwrite`.
    #[serde(default)]
    pub overwrite: bool,
    /// Huawei `is_create_group`; default true unless `group` is set.
    #[serde(default)]
    pub is_create_group: Option<bool>,
    /// Huawei `api_mode`: `merge` (default) or `override`.
    #[serde(default)]
    pub api_mode: Option<String>,
    /// Huawei export `oas_version`: `2.0` (default) or `3.0`.
    #[serde(default)]
    pub oas_version: Option<String>,
    /// Huawei export `type`: `json` (default), `yaml` or `yml`.
    #[serde(default)]
    pub format: Option<String>,
    /// Huawei export `env_id`; default the instance's first environment.
    #[serde(default)]
    pub env: Option<String>,
    /// Huawei export `define`: `spec` (default), `proxy`, `all`, `dev`.
    #[serde(default)]
    pub define: Option<String>,
    /// Huawei export `version`; default a fixed date so scenarios stay deterministic.
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub behaviour: Behaviour,
    /// The state this task must end in (checked by the scenario tests).
    #[serde(default)]
    pub expect: Option<TaskState>,
    /// Operation n fails with message n, whatever the gateway's rules say: real-world error
    /// text (log lines, a support ticket's messages) through the whole path, for benchmarks.
    #[serde(default)]
    pub failure_messages: Vec<String>,
}

fn default_kind() -> TaskKind {
    TaskKind::Import
}

/// What a fault does.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// Alibaba `Throttling.User` (HTTP 400, `x-ratelimit-user-api: TimeLeft:<ms>`); Huawei
    /// `APIG.0308` (HTTP 429, `Retry-After`).
    Throttle,
    /// Alibaba `InternalError` 500 / `ServiceUnavailable` 503; Huawei `APIG.9999` 500 (or `code`).
    ServerError,
    /// A load balancer's HTML error page.
    Html,
    /// The real answer, cut in half after a `Content-Length` that promises all of it.
    Truncated,
    /// 200 with an empty body.
    Empty,
    /// 200 with a body of `size_bytes` (0: endless).
    Oversize,
    /// 200 with JSON nested `depth` deep.
    DeepJson,
    /// The real answer after `delay_ms`.
    Slow,
    /// Accepts the request and never answers.
    Hang,
    /// The real answer, one byte every `interval_ms`.
    Drip,
    /// A redirect to the second listener (another host).
    Redirect,
    /// An error whose message is hostile text (`hostile` picks the sample).
    HostileError,
}

impl FaultKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FaultKind::Throttle => "throttle",
            FaultKind::ServerError => "server_error",
            FaultKind::Html => "html",
            FaultKind::Truncated => "truncated",
            FaultKind::Empty => "empty",
            FaultKind::Oversize => "oversize",
            FaultKind::DeepJson => "deep_json",
            FaultKind::Slow => "slow",
            FaultKind::Hang => "hang",
            FaultKind::Drip => "drip",
            FaultKind::Redirect => "redirect",
            FaultKind::HostileError => "hostile_error",
        }
    }
}

/// Which requests a fault applies to.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum EndpointSelector {
    #[default]
    Any,
    /// `DescribeImportOASTask` / `GET async-tasks/{id}`.
    Poll,
    /// `ImportOAS` / `POST async-import`.
    Import,
    /// `POST async-export`.
    Export,
    /// The group reads of `check`: `DescribeApiGroup`/`DescribeApis`/`DescribeModels`,
    /// `GET …/apis`, `GET …/api-groups`.
    Group,
}

/// One fault: what, for which requests, and when.
///
/// A fault counts the requests its selector matches (provider, task, endpoint), starting at 0;
/// it fires while that count is in `[from_request, until_request)` and the simulated time since
/// start is in `[from_secs, until_secs)` (missing bounds are open). The first firing fault in
/// file order wins.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    pub kind: FaultKind,
    #[serde(default)]
    pub provider: Option<ProviderKind>,
    /// A scenario task name, or a raw task id.
    #[serde(default)]
    pub task: Option<String>,
    #[serde(default)]
    pub endpoint: EndpointSelector,
    #[serde(default)]
    pub from_request: Option<u64>,
    #[serde(default)]
    pub until_request: Option<u64>,
    #[serde(default)]
    pub from_secs: Option<f64>,
    #[serde(default)]
    pub until_secs: Option<f64>,
    /// HTTP status for `server_error`, `html`, `redirect`.
    #[serde(default)]
    pub status: Option<u16>,
    /// Error code for `server_error` (e.g. `APIG.9008`).
    #[serde(default)]
    pub code: Option<String>,
    /// Huawei `Retry-After` seconds (default 7).
    #[serde(default)]
    pub retry_after_secs: Option<u64>,
    /// Alibaba `TimeLeft` in milliseconds (default 5000).
    #[serde(default)]
    pub time_left_ms: Option<u64>,
    /// `slow` delay (default 3000).
    #[serde(default)]
    pub delay_ms: Option<u64>,
    /// `drip` interval between bytes (default 2000).
    #[serde(default)]
    pub interval_ms: Option<u64>,
    /// `oversize` body size (default 50 MiB; 0 = endless).
    #[serde(default)]
    pub size_bytes: Option<u64>,
    /// `deep_json` nesting (default 10,000).
    #[serde(default)]
    pub depth: Option<usize>,
    /// `hostile_error` sample name (`osc52`, `bidi`, `huge`, `all`…; default `all`).
    #[serde(default)]
    pub hostile: Option<String>,
}

impl Scenario {
    /// The text of a spec a task names: built-in first, then relative to the scenario file.
    pub fn spec_text(&self, name: &str) -> Result<String, ScenarioError> {
        if let Some(text) = builtin_spec(name) {
            return Ok(text.to_owned());
        }
        let path = match &self.base_dir {
            Some(dir) => dir.join(name),
            None => PathBuf::from(name),
        };
        std::fs::read_to_string(&path).map_err(|source| ScenarioError::Io { path: path.display().to_string(), source })
    }

    /// A cloud's section, by its type (`AliyunSetup`): every registered cloud has one, parsed
    /// with all defaults when the file has none (`SectionFns::parse`).
    pub(crate) fn section<T: Section>(&self) -> &T {
        match self.clouds.get() {
            Some(section) => section,
            None => unreachable!("a scenario holds the section of every cloud in CLOUDS"),
        }
    }

    pub fn task(&self, name: &str) -> Option<&TaskSpec> {
        self.tasks.iter().find(|t| t.name == name)
    }

    fn validate(&self) -> Result<(), String> {
        let mut names = BTreeSet::new();
        for task in &self.tasks {
            if !names.insert(task.name.as_str()) {
                return Err(format!("task name `{}` is used twice", task.name));
            }
            self.validate_task(task).map_err(|message| format!("task `{}`: {message}", task.name))?;
        }
        for (index, fault) in self.faults.iter().enumerate() {
            if let Some(task) = &fault.task {
                let looks_like_id = task.len() == 32 && task.bytes().all(|b| b.is_ascii_hexdigit());
                if !names.contains(task.as_str()) && !looks_like_id {
                    return Err(format!("fault #{}: no task named `{task}`", index + 1));
                }
            }
            if fault.kind == FaultKind::HostileError
                && let Some(sample) = &fault.hostile
                && super::hostile::sample(sample).is_none()
            {
                return Err(format!("fault #{}: unknown hostile sample `{sample}`", index + 1));
            }
        }
        for rate in [self.defaults.internal_error_rate, self.defaults.transient_error_rate].into_iter().flatten() {
            if !(0.0..=1.0).contains(&rate) {
                return Err(format!("error rates are between 0 and 1, found {rate}"));
            }
        }
        Ok(())
    }

    fn validate_task(&self, task: &TaskSpec) -> Result<(), String> {
        for rate in [task.behaviour.internal_error_rate, task.behaviour.transient_error_rate].into_iter().flatten() {
            if !(0.0..=1.0).contains(&rate) {
                return Err(format!("error rates are between 0 and 1, found {rate}"));
            }
        }
        if task.kind == TaskKind::Import && task.spec.is_none() && task.generate.is_none() {
            return Err("an import needs `spec` or `generate`".to_owned());
        }
        (super::cloud(task.provider).section.validate_task)(self, task)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_scenario_loads() {
        for name in builtin_names() {
            let scenario = load(name).unwrap_or_else(|err| panic!("{name}: {err}"));
            assert_eq!(scenario.name, name);
            for task in &scenario.tasks {
                if let Some(spec) = &task.spec {
                    scenario.spec_text(spec).unwrap_or_else(|err| panic!("{name}/{}: {err}", task.name));
                }
            }
        }
        assert!(load("demo.toml").is_ok());
    }

    /// Every string under a key named like a secret (`access_key_secret`, `secret_key`,
    /// `security_token`, `token`), in any cloud's section.
    fn secrets(value: &toml::Value, key: &str, found: &mut Vec<String>) {
        match value {
            toml::Value::String(text) if key.contains("secret") || key.contains("token") => found.push(text.clone()),
            toml::Value::Table(table) => table.iter().for_each(|(k, v)| secrets(v, k, found)),
            toml::Value::Array(items) => items.iter().for_each(|v| secrets(v, key, found)),
            _ => {}
        }
    }

    #[test]
    fn debug_output_shows_no_secret() {
        let (_, text) = BUILTIN_SCENARIOS.iter().find(|(name, _)| *name == "happy").unwrap();
        let mut found = Vec::new();
        secrets(&toml::from_str::<toml::Value>(text).unwrap(), "", &mut found);
        assert!(found.len() >= 4, "{found:?}");
        let shown = format!("{:?}", load("happy").unwrap());
        for secret in &found {
            assert!(!shown.contains(secret.as_str()), "{secret} shown");
        }
        assert!(shown.contains("LTAI5tSimulatorKey0000001"), "key ids are not secret");
    }

    #[test]
    fn unknown_names_list_the_builtins() {
        let err = load("no-such-scenario").unwrap_err();
        assert!(err.to_string().contains("demo, happy"), "{err}");
    }

    #[test]
    fn typos_and_bad_references_are_rejected() {
        let err = parse("name = 'x'\nnmae = 'y'\n", "t.toml", None).unwrap_err();
        assert!(matches!(err, ScenarioError::Syntax { .. }), "{err}");
        let text = "name = 'x'\n[[tasks]]\nname = 'a'\nprovider = 'aliyun'\nspec = 'petstore-2.0.json'\ngroup = 'g'\n";
        let err = parse(text, "t.toml", None).unwrap_err();
        assert!(err.to_string().contains("no Alibaba group `g`"), "{err}");
        let text = "name = 'x'\n[[faults]]\nkind = 'throttle'\ntask = 'ghost'\n";
        let err = parse(text, "t.toml", None).unwrap_err();
        assert!(err.to_string().contains("no task named `ghost`"), "{err}");
    }
}
