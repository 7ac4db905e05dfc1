//! What `status` and `wait` print: the `--json` document, the human summary, the one-line
//! progress updates, and the contract's exit codes. Built from domain types and their failure
//! groups ([`crate::analysis`]); no ratatui.
//!
//! The human summary says each task's failures by cause ("37 APIs: Path {path} conflicts with
//! API {name} — e.g. GET /orders", consequences nested under their cause); every failure is
//! listed only when asked (`--all-failures`). `--json` has every field of the contract and, per
//! task, the same `groups`.
//!
//! Human text goes through [`crate::sanitize`]; `--json` keeps the provider's text exact.

use std::fmt::Write as _;
use std::time::SystemTime;

use serde::Serialize;

use crate::analysis::stragglers::stragglers;
use crate::analysis::{FailureGroup, group_failures};
use crate::domain::{
    ApiError, ApiErrorRef, Counts, ExportFile, FetchError, ProviderKind, Subtask, SubtaskState, Task, TaskKind,
    TaskRef, TaskState,
};
use crate::sanitize;

/// The contract's exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ExitStatus {
    /// Every task finished and succeeded (`status`: no failure known so far).
    Ok = 0,
    /// At least one task failed or finished with failed subtasks.
    Failures = 1,
    /// Usage or configuration error (bad reference, no credentials, bad config).
    Usage = 2,
    /// `wait` timed out with tasks still unfinished.
    TimedOut = 3,
    /// A task could not be fetched.
    FetchFailed = 4,
}

impl ExitStatus {
    pub fn code(self) -> u8 {
        self as u8
    }
}

/// What is known about one task at the end of `status` or `wait`.
#[derive(Debug, Clone)]
pub struct TaskOutcome {
    pub task_ref: TaskRef,
    /// The task's name in the watch list, when it has one.
    pub label: Option<String>,
    /// The last good snapshot, if any fetch succeeded.
    pub task: Option<Task>,
    /// The last fetch error, if the last fetch failed.
    pub fetch_error: Option<FetchError>,
    /// No request for it had gone out when the deadline passed: our own request budget held it
    /// back, so it timed out rather than failed to fetch.
    pub never_sent: bool,
}

impl TaskOutcome {
    /// A task asked about and not answered yet.
    pub fn unanswered(task_ref: TaskRef) -> TaskOutcome {
        TaskOutcome { task_ref, label: None, task: None, fetch_error: None, never_sent: false }
    }

    pub fn is_finished(&self) -> bool {
        self.task.as_ref().is_some_and(Task::is_finished)
    }

    /// A credential that is missing or unreadable is a configuration problem, not a fetch
    /// failure (the server never saw a request).
    fn missing_credentials(&self) -> bool {
        self.fetch_error.as_ref().is_some_and(|e| e.code.starts_with(CREDENTIALS_CODE_PREFIX))
    }
}

/// The prefix of the `FetchError.code`s the provider layer uses when a provider has no usable
/// credential (`credentials.missing`, `credentials.invalid`).
pub const CREDENTIALS_CODE_PREFIX: &str = "credentials.";

/// Which command is asking: it changes what "not finished" means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Status,
    Wait { timed_out: bool },
}

/// The exit status for a set of outcomes; when several apply, the highest wins.
pub fn exit_status(outcomes: &[TaskOutcome], mode: Mode) -> ExitStatus {
    outcomes
        .iter()
        .map(|outcome| {
            let mut status = ExitStatus::Ok;
            if outcome.task.as_ref().is_some_and(|t| t.state.has_failures()) {
                status = status.max(ExitStatus::Failures);
            }
            if outcome.missing_credentials() {
                return status.max(ExitStatus::Usage);
            }
            if let Mode::Wait { timed_out: true } = mode
                && !outcome.is_finished()
            {
                status = status.max(ExitStatus::TimedOut);
            }
            // Never asked, because the budget held it back until the deadline: it ran out of time
            // like a task still running, whatever the command.
            if outcome.never_sent {
                return status.max(ExitStatus::TimedOut);
            }
            // A fetch error matters when it left us without an answer: the last poll failed
            // and the task is not known to be finished. No answer at all is a fetch failure too.
            let never_answered = outcome.task.is_none() && outcome.fetch_error.is_none();
            if (outcome.fetch_error.is_some() && !outcome.is_finished()) || never_answered {
                status = status.max(ExitStatus::FetchFailed);
            }
            status
        })
        .max()
        .unwrap_or(ExitStatus::Ok)
}

#[derive(Serialize)]
struct Document<'a> {
    tasks: Vec<JsonTask<'a>>,
}

/// One task in the contract's `--json` shape. Borrowed from the outcome, so printing a
/// 100,000-subtask task copies no strings.
#[derive(Serialize)]
struct JsonTask<'a> {
    #[serde(rename = "ref")]
    task_ref: &'a TaskRef,
    /// The task's name in the watch list; `null` without one.
    label: Option<&'a str>,
    provider: ProviderKind,
    /// `null` only when the task was never fetched and its kind cannot be known (Huawei).
    kind: Option<TaskKind>,
    state: TaskState,
    raw_status: &'a str,
    counts: Counts,
    error: Option<&'a ApiError>,
    fetch_error: Option<&'a FetchError>,
    subtasks: &'a [Subtask],
    export: Option<&'a ExportFile>,
    /// Present (and `true`) only for a task whose first request never went out before the
    /// deadline: held back by the request budget.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    never_sent: bool,
    /// The failure groups (an extension of the contract): causes biggest first, each followed
    /// by its consequences.
    groups: Vec<JsonGroup>,
    /// Task-level warnings (a Huawei swagger document that was not stored); absent when none.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    warnings: &'a [String],
}

/// One failure group in `--json`.
#[derive(Serialize)]
struct JsonGroup {
    /// From 1, in the order given.
    number: usize,
    count: usize,
    apis: u32,
    models: u32,
    cancelled: u32,
    skipped: u32,
    code: String,
    /// The template: what the members' messages share, the parts that vary as `{…}`.
    signature: String,
    /// The first member's message, verbatim.
    example: String,
    /// Indices into `subtasks`.
    members: Vec<u32>,
    /// For a consequence, the `number` of the group whose failures caused it.
    cause: Option<usize>,
}

fn json_groups(groups: Vec<FailureGroup>) -> Vec<JsonGroup> {
    let numbers: Vec<(u32, usize)> =
        groups.iter().enumerate().filter(|(_, g)| !g.is_consequence()).map(|(n, g)| (g.cluster, n + 1)).collect();
    groups
        .into_iter()
        .enumerate()
        .map(|(n, g)| JsonGroup {
            number: n + 1,
            count: g.count(),
            apis: g.apis,
            models: g.models,
            cancelled: g.cancelled,
            skipped: g.skipped,
            cause: g.cause.and_then(|c| numbers.iter().find(|(cluster, _)| *cluster == c).map(|(_, n)| *n)),
            code: g.code,
            signature: g.signature,
            example: g.example,
            members: g.members,
        })
        .collect()
}

/// The `--json` document for `status` and `wait`.
pub fn json_document(outcomes: &[TaskOutcome]) -> String {
    let tasks = outcomes
        .iter()
        .map(|outcome| match &outcome.task {
            Some(task) => JsonTask {
                groups: json_groups(group_failures(task)),
                task_ref: &outcome.task_ref,
                label: outcome.label.as_deref(),
                provider: task.provider,
                kind: Some(task.kind),
                state: task.state,
                raw_status: &task.raw_status,
                counts: task.counts,
                error: task.error.as_ref(),
                fetch_error: outcome.fetch_error.as_ref(),
                subtasks: &task.subtasks,
                export: task.export.as_ref(),
                never_sent: false,
                warnings: &task.warnings,
            },
            None => JsonTask {
                task_ref: &outcome.task_ref,
                label: outcome.label.as_deref(),
                provider: outcome.task_ref.provider(),
                kind: outcome.task_ref.provider().only_task_kind(),
                state: TaskState::Unknown,
                raw_status: "",
                counts: Counts::default(),
                error: None,
                fetch_error: outcome.fetch_error.as_ref(),
                subtasks: &[],
                export: None,
                never_sent: outcome.never_sent,
                groups: Vec::new(),
                warnings: &[],
            },
        })
        .collect();
    let mut text = crate::safe_json::pretty(&Document { tasks }).unwrap_or_else(|_| "{\"tasks\":[]}".to_owned());
    text.push('\n');
    text
}

/// Longest error message printed per failed subtask in human output; `--json` has the rest.
const MESSAGE_LIMIT: usize = 300;
/// Cause groups summarised per task in human output before "… and N more".
const GROUP_LIST_LIMIT: usize = 20;

/// Glyph and word for a task state: never colour alone.
pub fn state_label(state: TaskState) -> &'static str {
    match state {
        TaskState::Waiting => "○ waiting",
        TaskState::Running => "● running",
        TaskState::Succeeded => "✔ succeeded",
        TaskState::PartiallyFailed => "◐ partially failed",
        TaskState::Failed => "✘ failed",
        TaskState::Unknown => "? unknown",
    }
}

/// "40 subtasks: 37 succeeded, 3 failed" — only the non-zero states, in [`Counts::ORDER`].
pub fn counts_summary(counts: &Counts) -> String {
    let parts: Vec<String> = counts.breakdown();
    let noun = if counts.total == 1 { "subtask" } else { "subtasks" };
    if parts.is_empty() {
        format!("{} {noun}", counts.total)
    } else {
        format!("{} {noun}: {}", counts.total, parts.join(", "))
    }
}

/// The human summary of `status` (and the end of `wait`): one block per task, its failures by
/// cause; every failure too when `all_failures`.
pub fn human_summary(outcomes: &[TaskOutcome], all_failures: bool) -> String {
    let mut out = String::new();
    for outcome in outcomes {
        match &outcome.label {
            Some(label) => {
                let _ = writeln!(out, "{}  \"{}\"", outcome.task_ref, sanitize::line(label));
            }
            None => {
                let _ = writeln!(out, "{}", outcome.task_ref);
            }
        }
        match &outcome.task {
            Some(task) => {
                let _ = writeln!(
                    out,
                    "  {} · {} ({}) · {}",
                    task.kind.as_str(),
                    state_label(task.state),
                    sanitize::line_truncated(&task.raw_status, 40),
                    counts_summary(&task.counts)
                );
                if let Some(error) = &task.error {
                    let _ = writeln!(out, "  task error: {}", error_text(&error.into()));
                }
                for warning in &task.warnings {
                    let _ = writeln!(out, "  warning: {}", sanitize::line_truncated(warning, 200));
                }
                if let Some(export) = &task.export {
                    let _ = writeln!(
                        out,
                        "  export: {}{} ({} bytes)",
                        sanitize::line_truncated(&export.file_name, 80),
                        sanitize::line_truncated(&export.file_type, 10),
                        export.content.len()
                    );
                }
                if let Some(left) = stragglers(task) {
                    let _ = writeln!(out, "  ⚠ {}", sanitize::line_truncated(&left.sentence(), MESSAGE_LIMIT));
                }
                write_groups(&mut out, task, all_failures);
                if all_failures {
                    write_failed_subtasks(&mut out, task);
                }
            }
            None if outcome.never_sent => {
                let _ = writeln!(
                    out,
                    "  {} · not asked before the deadline: held back by the request budget",
                    state_label(TaskState::Unknown)
                );
            }
            None => {
                let _ = writeln!(out, "  {} · not fetched", state_label(TaskState::Unknown));
            }
        }
        if let Some(error) = &outcome.fetch_error {
            let prefix = if outcome.task.is_some() { "last fetch failed" } else { "fetch failed" };
            let _ = writeln!(out, "  ⚠ {prefix} ({}): {}", error.kind, fetch_error_text(error));
        }
    }
    out
}

/// `37 APIs: Path {path} conflicts with API {name} — e.g. GET /orders`, consequences indented
/// under their cause.
fn write_groups(out: &mut String, task: &Task, all: bool) {
    let groups = group_failures(task);
    let causes = groups.iter().filter(|g| !g.is_consequence()).count();
    if causes == 0 {
        return;
    }
    let noun = if causes == 1 { "cause" } else { "causes" };
    let _ = writeln!(out, "  failures by cause ({causes} {noun}; --all-failures lists each one):");
    let mut shown = 0;
    for group in &groups {
        if !group.is_consequence() {
            shown += 1;
            if shown > GROUP_LIST_LIMIT && !all {
                let _ = writeln!(out, "    … and {} more causes (see --json)", causes - GROUP_LIST_LIMIT);
                break;
            }
        }
        let example = group.members.first().and_then(|&m| task.subtasks.get(m as usize)).map(subtask_what);
        let example = example.map(|e| format!(" — e.g. {}", sanitize::line_truncated(&e, 80))).unwrap_or_default();
        let code = if group.code.is_empty() {
            String::new()
        } else {
            format!(" [{}]", sanitize::line_truncated(&group.code, 40))
        };
        let template = sanitize::line_truncated(&group.signature, MESSAGE_LIMIT);
        if group.is_consequence() {
            let _ = writeln!(out, "      └ {} {}: {template}{code}{example}", group.what(), group.outcome());
        } else {
            let _ = writeln!(out, "    {}: {template}{code}{example}", group.what());
        }
    }
}

/// `GET /orders` for an API, `model Money` for a model, else its name.
fn subtask_what(subtask: &Subtask) -> String {
    let has_route = !subtask.method().is_empty() && !subtask.path().is_empty();
    if !has_route && subtask.kind == crate::domain::SubtaskKind::Model {
        format!("model {}", subtask.name())
    } else {
        subtask.label().into_owned()
    }
}

fn write_failed_subtasks(out: &mut String, task: &Task) {
    let problems: Vec<&Subtask> = task.subtasks.iter().filter(|s| s.state.is_problem()).collect();
    if problems.is_empty() {
        return;
    }
    let heading =
        if problems.iter().any(|s| s.state == SubtaskState::Cancelled) { "failed or cancelled" } else { "failed" };
    let _ = writeln!(out, "  every {heading} subtask:");
    for subtask in &problems {
        let what = subtask.label().into_owned();
        let name = if subtask.name().is_empty() || what == subtask.name() {
            String::new()
        } else {
            format!(" ({})", subtask.name())
        };
        let message =
            subtask.error().as_ref().map_or_else(|| "no error text returned by the API".to_owned(), error_text);
        let glyph = if subtask.state == SubtaskState::Cancelled { "⊘" } else { "✘" };
        let _ = writeln!(
            out,
            "    {glyph} {:<5} {}{} — {}",
            subtask.kind.as_str(),
            sanitize::line_truncated(&what, 80),
            sanitize::line_truncated(&name, 60),
            message
        );
    }
}

fn error_text(error: &ApiErrorRef<'_>) -> String {
    let message = sanitize::line_truncated(error.trimmed_message(), MESSAGE_LIMIT);
    if error.code.is_empty() {
        message.into_owned()
    } else {
        format!("{message} [{}]", sanitize::line_truncated(error.code, 40))
    }
}

fn fetch_error_text(error: &FetchError) -> String {
    let message = sanitize::line_truncated(&error.message, MESSAGE_LIMIT);
    if error.code.is_empty() {
        message.into_owned()
    } else {
        format!("{message} [{}]", sanitize::line_truncated(&error.code, 40))
    }
}

/// What one progress line of `wait` says about a task, without its timestamp: a new line is
/// printed exactly when this text changes, so a CI log never repeats itself.
pub fn progress_body(task_ref: &TaskRef, task: Option<&Task>, error: Option<&FetchError>) -> String {
    let mut line = task_ref.to_string();
    if let Some(task) = task {
        let _ = write!(line, " {} ({})", state_label(task.state), sanitize::line_truncated(&task.raw_status, 40));
        // Huawei lists subtasks only at the end, and an export has none: no "0/0 done".
        if task.counts.total > 0 {
            let _ = write!(line, " {}/{} done", task.counts.done(), task.counts.total);
        }
        let not_imported = task.counts.not_imported();
        if !not_imported.is_empty() {
            let _ = write!(line, ", {not_imported}");
        }
    }
    if let Some(error) = error {
        let _ = write!(line, " ⚠ fetch failed ({}): {}", error.kind, fetch_error_text(error));
    }
    line
}

/// A progress line: the UTC time, then the body.
pub fn progress_line(at: SystemTime, body: &str) -> String {
    format!("{} {body}", crate::provider::signing::acs_date(at))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::SubtaskText;
    use crate::domain::{FetchErrorKind, SubtaskKind};

    fn task_ref() -> TaskRef {
        "aliyun://cn-hangzhou/4c53ccf1d40c489686d1adf5c2644a7f".parse().unwrap()
    }

    fn subtask(state: SubtaskState, message: Option<&str>) -> Subtask {
        Subtask::new(
            SubtaskKind::Api,
            state,
            SubtaskText {
                id: "c5a0",
                name: "GetUser",
                method: "GET",
                path: "/users/{id}",
                raw_status: "FAIL",
                error: message.map(|m| ApiErrorRef::new("", m)),
            },
        )
    }

    fn task(state: TaskState, subtasks: Vec<Subtask>) -> Task {
        Task::new(task_ref(), TaskKind::Import, state, "Finished").with_subtasks(subtasks)
    }

    fn outcome(task: Option<Task>, fetch_error: Option<FetchError>) -> TaskOutcome {
        TaskOutcome { task_ref: task_ref(), label: None, task, fetch_error, never_sent: false }
    }

    #[test]
    fn task_warnings_are_in_the_summary_and_the_json_only_when_there_are_some() {
        let mut warned = task(TaskState::Succeeded, vec![]);
        warned.warnings.push("the swagger document de18 was not stored: result Failed".to_owned());
        let outcomes = [outcome(Some(warned), None)];
        assert!(human_summary(&outcomes, false).contains("  warning: the swagger document de18 was not stored"));
        let doc: serde_json::Value = serde_json::from_str(&json_document(&outcomes)).unwrap();
        assert_eq!(doc["tasks"][0]["warnings"][0], "the swagger document de18 was not stored: result Failed");
        let plain = [outcome(Some(task(TaskState::Succeeded, vec![])), None)];
        let doc: serde_json::Value = serde_json::from_str(&json_document(&plain)).unwrap();
        assert!(doc["tasks"][0].get("warnings").is_none(), "the contract's shape is unchanged without warnings");
    }

    #[test]
    fn exit_codes_follow_the_contract_and_the_highest_wins() {
        let ok = outcome(Some(task(TaskState::Succeeded, vec![])), None);
        let partial = outcome(Some(task(TaskState::PartiallyFailed, vec![])), None);
        let running = outcome(Some(task(TaskState::Running, vec![])), None);
        let unreachable = outcome(None, Some(FetchError::new(FetchErrorKind::Network, "timeout", "timed out")));
        let no_creds = outcome(None, Some(FetchError::new(FetchErrorKind::Auth, "credentials.missing", "set …")));

        assert_eq!(exit_status(std::slice::from_ref(&ok), Mode::Status), ExitStatus::Ok);
        assert_eq!(
            exit_status(std::slice::from_ref(&running), Mode::Status),
            ExitStatus::Ok,
            "no failure known so far"
        );
        assert_eq!(exit_status(&[ok.clone(), partial.clone()], Mode::Status), ExitStatus::Failures);
        assert_eq!(exit_status(std::slice::from_ref(&running), Mode::Wait { timed_out: true }), ExitStatus::TimedOut);
        assert_eq!(exit_status(&[partial.clone(), running], Mode::Wait { timed_out: true }), ExitStatus::TimedOut);
        assert_eq!(exit_status(&[partial.clone(), unreachable.clone()], Mode::Status), ExitStatus::FetchFailed);
        assert_eq!(exit_status(&[partial, no_creds.clone()], Mode::Status), ExitStatus::Usage);
        assert_eq!(exit_status(&[no_creds, unreachable], Mode::Status), ExitStatus::FetchFailed);
        assert_eq!(exit_status(&[], Mode::Status), ExitStatus::Ok);
        assert_eq!(exit_status(&[outcome(None, None)], Mode::Status), ExitStatus::FetchFailed, "never answered");
    }

    #[test]
    fn a_task_our_budget_never_sent_times_out_rather_than_failing_to_fetch() {
        let held_back = TaskOutcome { never_sent: true, ..outcome(None, None) };
        let running = outcome(Some(task(TaskState::Running, vec![])), None);
        assert_eq!(exit_status(&[running, held_back.clone()], Mode::Wait { timed_out: true }), ExitStatus::TimedOut);
        assert_eq!(exit_status(std::slice::from_ref(&held_back), Mode::Status), ExitStatus::TimedOut);
        let doc: serde_json::Value = serde_json::from_str(&json_document(std::slice::from_ref(&held_back))).unwrap();
        assert_eq!(doc["tasks"][0]["never_sent"], true);
        assert_eq!(doc["tasks"][0]["fetch_error"], serde_json::Value::Null);
        let sent: serde_json::Value = serde_json::from_str(&json_document(&[outcome(None, None)])).unwrap();
        assert!(sent["tasks"][0].get("never_sent").is_none(), "only present when true");
        assert!(human_summary(&[held_back], false).contains("held back by the request budget"));
    }

    #[test]
    fn a_failed_refetch_of_a_finished_task_does_not_change_its_verdict() {
        let stale = outcome(
            Some(task(TaskState::Succeeded, vec![])),
            Some(FetchError::new(FetchErrorKind::Throttled, "Throttling.User", "slow down")),
        );
        assert_eq!(exit_status(&[stale], Mode::Wait { timed_out: false }), ExitStatus::Ok);
    }

    #[test]
    fn json_keeps_text_exact_and_has_every_contract_field() {
        let hostile = "Internal Error\n\u{1b}]52;c;ZXZpbA==\u{7}";
        let doc = json_document(&[
            outcome(Some(task(TaskState::PartiallyFailed, vec![subtask(SubtaskState::Failed, Some(hostile))])), None),
            TaskOutcome {
                task_ref: "huawei://cn-north-4/p/i/t".parse().unwrap(),
                label: Some("fleet-3.0.yaml → group fleet".into()),
                task: None,
                fetch_error: Some(FetchError::new(FetchErrorKind::NotFound, "APIG.3093", "gone")),
                never_sent: false,
            },
        ]);
        let value: serde_json::Value = serde_json::from_str(&doc).unwrap();
        let first = &value["tasks"][0];
        for key in [
            "ref",
            "label",
            "provider",
            "kind",
            "state",
            "raw_status",
            "counts",
            "error",
            "fetch_error",
            "subtasks",
            "export",
        ] {
            assert!(first.get(key).is_some(), "missing {key}");
        }
        assert_eq!(first["subtasks"][0]["error"]["message"], hostile);
        assert_eq!(first["state"], "partially_failed");
        let second = &value["tasks"][1];
        assert_eq!(second["state"], "unknown");
        assert_eq!(second["kind"], serde_json::Value::Null);
        assert_eq!(second["fetch_error"]["kind"], "not_found");
        assert_eq!(second["fetch_error"]["code"], "APIG.3093");
        assert_eq!(first["label"], serde_json::Value::Null);
        assert_eq!(second["label"], "fleet-3.0.yaml → group fleet");
        let human = human_summary(&[TaskOutcome { label: Some("shop\u{1b}[2J".into()), ..outcome(None, None) }], false);
        assert!(human.starts_with("aliyun://") && human.contains("\"shop^[[2J\""), "{human}");
    }

    #[test]
    fn human_summary_lists_failures_sanitised() {
        let outcomes = [outcome(
            Some(task(
                TaskState::PartiallyFailed,
                vec![
                    subtask(SubtaskState::Failed, Some("Path conflicts\u{1b}[2J with API 8f2e\n")),
                    subtask(SubtaskState::Failed, None),
                    subtask(SubtaskState::Succeeded, Some("Internal Error")),
                ],
            )),
            None,
        )];
        let text = human_summary(&outcomes, true);
        assert!(text.contains("◐ partially failed (Finished) · 3 subtasks: 1 succeeded, 2 failed"), "{text}");
        assert!(text.contains("✘ api   GET /users/{id} (GetUser) — Path conflicts^[[2J with API 8f2e\n"), "{text}");
        assert!(text.contains("no error text returned by the API"), "{text}");
        assert!(!text.contains('\u{1b}'));
        assert!(!text.contains("Internal Error"), "a message on a succeeded item is not a failure");
        let causes = human_summary(&outcomes, false);
        assert!(causes.contains("    1 API: Path conflicts^[[{n}J with API 8f2e — e.g. GET /users/{id}"), "{causes}");
        assert!(!causes.contains("✘ api"), "each failure only with --all-failures: {causes}");
    }

    #[test]
    fn human_summary_says_failures_by_cause_with_consequences_under_them() {
        let model = |name: &str, message: &str| {
            Subtask::new(
                SubtaskKind::Model,
                SubtaskState::Failed,
                SubtaskText { name, error: Some(ApiErrorRef::new("", message)), ..SubtaskText::default() },
            )
        };
        let cancelled = |path: &str, model: &str| {
            let message =
                format!("The import of API [GET {path}] was cancelled because model [{model}] failed to import.");
            Subtask::new(
                SubtaskKind::Api,
                SubtaskState::Cancelled,
                SubtaskText {
                    method: "GET",
                    path,
                    error: Some(ApiErrorRef::new("", &message)),
                    ..SubtaskText::default()
                },
            )
        };
        let mut subtasks = vec![model("Money", "Internal Error"), model("Address", "Internal Error")];
        subtasks.extend((0..3).map(|i| cancelled(&format!("/orders/{i}"), if i == 0 { "Address" } else { "Money" })));
        subtasks.push(Subtask::new(
            SubtaskKind::Api,
            SubtaskState::Waiting,
            SubtaskText { method: "GET", path: "/x", raw_status: "WAIT", ..SubtaskText::default() },
        ));
        let text = human_summary(&[outcome(Some(task(TaskState::PartiallyFailed, subtasks)), None)], false);
        let expected = "  ⚠ 1 still WAIT after Finished: GET /x
  failures by cause (1 cause; --all-failures lists each one):
    2 models: Internal Error — e.g. model Money
      └ 3 APIs cancelled: The import of API [{method} {path}] was cancelled because model [{model}] failed to import. — e.g. GET /orders/0
";
        assert!(text.ends_with(expected), "{text}");
        let doc: serde_json::Value = serde_json::from_str(&json_document(&[outcome(
            Some(task(TaskState::PartiallyFailed, vec![model("Money", "Internal Error"), cancelled("/a", "Money")])),
            None,
        )]))
        .unwrap();
        let groups = &doc["tasks"][0]["groups"];
        assert_eq!(groups[0]["number"], 1);
        assert_eq!(groups[1]["cause"], 1, "{groups}");
        assert_eq!(groups[1]["members"], serde_json::json!([1]));
        assert_eq!(groups[1]["cancelled"], 1);
    }

    #[test]
    fn progress_lines_change_only_when_what_they_say_does() {
        let running = task(TaskState::Running, vec![subtask(SubtaskState::Running, None)]);
        let mut subtasks = running.subtasks.to_vec();
        subtasks[0].state = SubtaskState::Waiting;
        let later = running.clone().with_subtasks(subtasks);
        assert_eq!(
            progress_body(&task_ref(), Some(&running), None),
            progress_body(&task_ref(), Some(&later), None),
            "running → waiting does not change what the line says"
        );
        let err = FetchError::new(FetchErrorKind::Throttled, "Throttling.User", "slow");
        assert_ne!(
            progress_body(&task_ref(), Some(&running), None),
            progress_body(&task_ref(), Some(&running), Some(&err))
        );
        let line = progress_line(std::time::UNIX_EPOCH, &progress_body(&task_ref(), Some(&running), Some(&err)));
        assert_eq!(
            line,
            "1970-01-01T00:00:00Z aliyun://cn-hangzhou/4c53ccf1d40c489686d1adf5c2644a7f ● running (Finished) 0/1 done \
             ⚠ fetch failed (throttled): slow [Throttling.User]"
        );
    }
}
