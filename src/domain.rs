//! The provider-neutral model of an import/export task, shared by every layer.
//!
//! Owns: task references, task and subtask states, counts, errors and their serde shape for
//! `--json` (docs/contract.md). May not do I/O, use tokio/ratatui/reqwest or read the clock: time
//! enters as values.
//!
//! Text fields keep the provider's strings verbatim (the contract's `--json` promise); anything
//! drawn for humans goes through [`crate::sanitize`] first.

mod provider_kind;
mod subtask;
mod task_ref;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use provider_kind::{ProviderFacts, ProviderKind};
pub use subtask::{ApiErrorRef, ErrorIdentity, Subtask, SubtaskText};
pub use task_ref::{
    RefParseError, Target, TaskRef, abbreviate_id, check_part, check_profile, target_forms, task_ref_forms,
};

/// Whether a task imports a spec into the gateway or exports one from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TaskKind {
    Import,
    Export,
}

impl TaskKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TaskKind::Import => "import",
            TaskKind::Export => "export",
        }
    }
}

/// The normalised state of a whole task (docs/contract.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskState {
    Waiting,
    Running,
    Succeeded,
    PartiallyFailed,
    Failed,
    /// The provider sent a status this version does not know; its raw text is kept.
    Unknown,
}

impl TaskState {
    pub fn as_str(self) -> &'static str {
        match self {
            TaskState::Waiting => "waiting",
            TaskState::Running => "running",
            TaskState::Succeeded => "succeeded",
            TaskState::PartiallyFailed => "partially_failed",
            TaskState::Failed => "failed",
            TaskState::Unknown => "unknown",
        }
    }

    /// True once the provider will not change the task any more.
    pub fn is_finished(self) -> bool {
        matches!(self, TaskState::Succeeded | TaskState::PartiallyFailed | TaskState::Failed)
    }

    /// True when the task ended with at least one failure.
    pub fn has_failures(self) -> bool {
        matches!(self, TaskState::PartiallyFailed | TaskState::Failed)
    }

    /// State of a finished task, from what happened to its subtasks.
    ///
    /// Cancelled subtasks were not imported, so they count against the task like failures;
    /// skipped ones (Huawei `ignore`) were left alone on purpose and do not.
    pub fn finished_from(counts: &Counts) -> TaskState {
        let problems = counts.failed + counts.cancelled;
        if problems == 0 {
            TaskState::Succeeded
        } else if counts.succeeded == 0 {
            TaskState::Failed
        } else {
            TaskState::PartiallyFailed
        }
    }
}

impl fmt::Display for TaskState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What one subtask imports: an API (operation) or a model (schema).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SubtaskKind {
    Api,
    Model,
}

impl SubtaskKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SubtaskKind::Api => "api",
            SubtaskKind::Model => "model",
        }
    }
}

/// The normalised state of one subtask (docs/contract.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SubtaskState {
    Waiting,
    Running,
    Succeeded,
    Failed,
    Cancelled,
    Skipped,
}

impl SubtaskState {
    pub const ALL: [SubtaskState; 6] = [
        SubtaskState::Failed,
        SubtaskState::Cancelled,
        SubtaskState::Running,
        SubtaskState::Waiting,
        SubtaskState::Skipped,
        SubtaskState::Succeeded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SubtaskState::Waiting => "waiting",
            SubtaskState::Running => "running",
            SubtaskState::Succeeded => "succeeded",
            SubtaskState::Failed => "failed",
            SubtaskState::Cancelled => "cancelled",
            SubtaskState::Skipped => "skipped",
        }
    }

    pub fn is_problem(self) -> bool {
        matches!(self, SubtaskState::Failed | SubtaskState::Cancelled)
    }

    pub fn is_terminal(self) -> bool {
        !matches!(self, SubtaskState::Waiting | SubtaskState::Running)
    }
}

impl fmt::Display for SubtaskState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an import did to an API that succeeded (Huawei `success[].action`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeAction {
    Create,
    Update,
}

/// An error reported by the provider for a task or a subtask: its code and message, verbatim.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ApiError {
    /// The provider's code (`APIG.3201`); empty when the provider gives only a message (Alibaba items).
    pub code: String,
    pub message: String,
}

impl ApiError {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError { code: code.into(), message: message.into() }
    }

    /// The message without the trailing newline some providers append (docs/protocols.md, quirk 3).
    pub fn trimmed_message(&self) -> &str {
        self.message.trim_end()
    }
}

/// Subtask totals per state, as in the `--json` `counts` object.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Counts {
    pub total: u32,
    pub succeeded: u32,
    pub failed: u32,
    pub running: u32,
    pub waiting: u32,
    pub cancelled: u32,
    pub skipped: u32,
}

impl Counts {
    pub fn of<'a>(subtasks: impl IntoIterator<Item = &'a Subtask>) -> Counts {
        let mut counts = Counts::default();
        for subtask in subtasks {
            counts.add(subtask.state);
        }
        counts
    }

    pub fn add(&mut self, state: SubtaskState) {
        self.total += 1;
        *self.slot(state) += 1;
    }

    pub fn get(&self, state: SubtaskState) -> u32 {
        match state {
            SubtaskState::Waiting => self.waiting,
            SubtaskState::Running => self.running,
            SubtaskState::Succeeded => self.succeeded,
            SubtaskState::Failed => self.failed,
            SubtaskState::Cancelled => self.cancelled,
            SubtaskState::Skipped => self.skipped,
        }
    }

    fn slot(&mut self, state: SubtaskState) -> &mut u32 {
        match state {
            SubtaskState::Waiting => &mut self.waiting,
            SubtaskState::Running => &mut self.running,
            SubtaskState::Succeeded => &mut self.succeeded,
            SubtaskState::Failed => &mut self.failed,
            SubtaskState::Cancelled => &mut self.cancelled,
            SubtaskState::Skipped => &mut self.skipped,
        }
    }

    /// Subtasks that reached a terminal state.
    pub fn done(&self) -> u32 {
        self.succeeded + self.failed + self.cancelled + self.skipped
    }

    /// Subtasks that were not imported because something went wrong: failed or cancelled.
    pub fn problems(&self) -> u32 {
        self.failed + self.cancelled
    }

    /// `"14 failed, 22 cancelled"`: the [`Counts::problems`] by state, in the words of `--json`;
    /// empty when there are none. Said wherever a count of problems is (reports, their prompt).
    pub fn problems_breakdown(&self) -> String {
        let problems = Counts { failed: self.failed, cancelled: self.cancelled, ..Counts::default() };
        problems.breakdown().join(", ")
    }

    /// Each state and its count, in [`Counts::ORDER`]: the one breakdown every surface shows
    /// (task rows, pane titles, gauges, `status`/`wait`, reports, notifications).
    pub fn parts(&self) -> [(SubtaskState, u32); 6] {
        Counts::ORDER.map(|state| (state, self.get(state)))
    }

    /// `["37 succeeded", "3 failed"]`: the non-zero states, in [`Counts::ORDER`], in the words of
    /// `--json`.
    pub fn breakdown(&self) -> Vec<String> {
        self.parts().iter().filter(|(_, n)| *n > 0).map(|(state, n)| format!("{n} {state}")).collect()
    }

    /// `"4 failed, 16 cancelled, 112 skipped"`: the subtasks not imported, by why; empty when
    /// there are none. `wait`'s progress lines and the notifications say it.
    pub fn not_imported(&self) -> String {
        let not_imported = [SubtaskState::Failed, SubtaskState::Cancelled, SubtaskState::Skipped];
        let parts: Vec<String> = self
            .parts()
            .iter()
            .filter(|(state, n)| *n > 0 && not_imported.contains(state))
            .map(|(state, n)| format!("{n} {state}"))
            .collect();
        parts.join(", ")
    }

    /// What is done first (succeeded, then the three ways of not being imported), then what is not.
    pub const ORDER: [SubtaskState; 6] = [
        SubtaskState::Succeeded,
        SubtaskState::Failed,
        SubtaskState::Cancelled,
        SubtaskState::Skipped,
        SubtaskState::Running,
        SubtaskState::Waiting,
    ];
}

/// An exported API definition (Huawei `export_api` result).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportFile {
    pub file_name: String,
    /// Includes the dot, as Huawei sends it (`.json`).
    pub file_type: String,
    /// The exported document itself.
    pub content: String,
}

/// One fetched snapshot of a task, normalised from either provider.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    #[serde(rename = "ref")]
    pub task_ref: TaskRef,
    pub provider: ProviderKind,
    pub kind: TaskKind,
    pub state: TaskState,
    /// The provider's task status (`Running`, `Finished`, `processing`, `succeed`…), verbatim.
    pub raw_status: String,
    pub counts: Counts,
    pub error: Option<ApiError>,
    /// Shared: a poll that finds the task unchanged hands on the last answer's subtasks (and
    /// every consumer keeps its own snapshot) without copying each one.
    pub subtasks: Arc<[Subtask]>,
    pub export: Option<ExportFile>,
    /// The API group the task imported into, when the provider says.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub group_id: Option<String>,
    /// What the task reports went wrong without failing it (Huawei: a swagger document whose own
    /// import `result` is not success), already one line each.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub warnings: Vec<String>,
    /// The response body this snapshot came from, kept so the UI can show an item's raw JSON.
    #[serde(skip)]
    pub raw_body: Option<Arc<str>>,
}

impl Task {
    /// Builds a task and derives its counts from the subtasks.
    pub fn new(task_ref: TaskRef, kind: TaskKind, state: TaskState, raw_status: impl Into<String>) -> Task {
        Task {
            provider: task_ref.provider(),
            task_ref,
            kind,
            state,
            raw_status: raw_status.into(),
            counts: Counts::default(),
            error: None,
            subtasks: Arc::from([]),
            export: None,
            group_id: None,
            warnings: Vec::new(),
            raw_body: None,
        }
    }

    /// Replaces the subtasks and recomputes the counts.
    #[must_use]
    pub fn with_subtasks(mut self, subtasks: Vec<Subtask>) -> Task {
        self.counts = Counts::of(&subtasks);
        self.subtasks = subtasks.into();
        self
    }

    pub fn is_finished(&self) -> bool {
        self.state.is_finished()
    }
}

/// The classes of fetch failure that the contract's `fetch_error.kind` names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FetchErrorKind {
    /// Credentials missing, wrong, expired or not allowed. Never retried automatically.
    Auth,
    /// The task (or its instance) does not exist. Final.
    NotFound,
    /// The provider rate-limited us; retry after the delay it asked for.
    Throttled,
    /// Connect, TLS, timeout or reset: the request did not complete.
    Network,
    /// The provider answered with a 5xx or an internal error code.
    Server,
    /// The answer was not what the API documents (HTML, truncated, too big, bad JSON).
    Protocol,
}

impl FetchErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FetchErrorKind::Auth => "auth",
            FetchErrorKind::NotFound => "not_found",
            FetchErrorKind::Throttled => "throttled",
            FetchErrorKind::Network => "network",
            FetchErrorKind::Server => "server",
            FetchErrorKind::Protocol => "protocol",
        }
    }

    /// Whether trying again later can help. Auth errors and unknown tasks never heal by retrying.
    pub fn is_retryable(self) -> bool {
        !matches!(self, FetchErrorKind::Auth | FetchErrorKind::NotFound)
    }
}

impl fmt::Display for FetchErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a task could not be fetched. Carries no secret: messages are built from status codes and
/// provider error bodies, never from request headers or signed URLs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{kind}: {message}{}", code_suffix(.code))]
pub struct FetchError {
    pub kind: FetchErrorKind,
    /// The provider's error code (`Throttling.User`, `APIG.0308`) or our own (`http.500`, `timeout`).
    pub code: String,
    pub message: String,
    /// How long the provider asked us to wait (`Retry-After`, Alibaba `TimeLeft`).
    #[serde(skip)]
    pub retry_after: Option<Duration>,
}

fn code_suffix(code: &str) -> String {
    if code.is_empty() { String::new() } else { format!(" [{code}]") }
}

impl FetchError {
    pub fn new(kind: FetchErrorKind, code: impl Into<String>, message: impl Into<String>) -> Self {
        FetchError { kind, code: code.into(), message: message.into(), retry_after: None }
    }

    #[must_use]
    pub fn with_retry_after(mut self, delay: Option<Duration>) -> Self {
        self.retry_after = delay;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub(state: SubtaskState) -> Subtask {
        Subtask::new(SubtaskKind::Api, state, SubtaskText { method: "GET", path: "/x", ..SubtaskText::default() })
    }

    #[test]
    fn finished_state_follows_the_outcome_of_subtasks() {
        use SubtaskState::*;
        let counts = |states: &[SubtaskState]| Counts::of(&states.iter().map(|s| sub(*s)).collect::<Vec<_>>());
        assert_eq!(TaskState::finished_from(&counts(&[])), TaskState::Succeeded);
        assert_eq!(TaskState::finished_from(&counts(&[Succeeded, Skipped])), TaskState::Succeeded);
        assert_eq!(TaskState::finished_from(&counts(&[Succeeded, Failed])), TaskState::PartiallyFailed);
        assert_eq!(TaskState::finished_from(&counts(&[Succeeded, Cancelled])), TaskState::PartiallyFailed);
        assert_eq!(TaskState::finished_from(&counts(&[Failed, Failed, Skipped])), TaskState::Failed);
    }

    #[test]
    fn counts_add_up() {
        let subs: Vec<_> = [SubtaskState::Failed, SubtaskState::Failed, SubtaskState::Running, SubtaskState::Succeeded]
            .into_iter()
            .map(sub)
            .collect();
        let c = Counts::of(&subs);
        assert_eq!((c.total, c.failed, c.running, c.succeeded, c.done()), (4, 2, 1, 1, 3));
    }

    #[test]
    fn json_shape_matches_the_contract() {
        let task_ref: TaskRef = "aliyun://cn-hangzhou/abc".parse().unwrap();
        let mut failed = sub(SubtaskState::Failed);
        failed.set_error("", "Internal Error\n");
        let task = Task::new(task_ref, TaskKind::Import, TaskState::PartiallyFailed, "Finished")
            .with_subtasks(vec![failed, sub(SubtaskState::Succeeded)]);
        let json = serde_json::to_value(&task).unwrap();
        assert_eq!(json["ref"], "aliyun://cn-hangzhou/abc");
        assert_eq!(json["provider"], "aliyun");
        assert_eq!(json["state"], "partially_failed");
        assert_eq!(json["counts"]["failed"], 1);
        assert_eq!(json["subtasks"][0]["error"]["message"], "Internal Error\n");
        assert_eq!(json["subtasks"][0]["action"], serde_json::Value::Null);
        assert!(json["export"].is_null());
        assert!(json.get("raw_body").is_none());
    }

    #[test]
    fn fetch_error_display_names_kind_and_code() {
        let e = FetchError::new(FetchErrorKind::Throttled, "APIG.0308", "slow down");
        assert_eq!(e.to_string(), "throttled: slow down [APIG.0308]");
        assert!(!FetchErrorKind::Auth.is_retryable());
        assert!(FetchErrorKind::Server.is_retryable());
    }
}
