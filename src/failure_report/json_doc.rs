//! The JSON layout: a stable document for scripts, provider text verbatim.
//!
//! ```text
//! { "schema": 1,
//!   "generated_at": "2024-05-01T12:00:00Z",
//!   "task": { "ref", "provider", "kind", "state", "raw_status",
//!             "counts": { total, succeeded, failed, running, waiting, cancelled, skipped },
//!             "error": null | { "code", "message" }, "group_id": null | "…",
//!             "unfinished": null | "1 still WAIT after Finished: GET /x" },
//!   "groups": [ { "number": 1, "count", "apis", "models", "cancelled", "skipped", "code",
//!                 "signature", "example", "members": [subtask indices],
//!                 "cause": null | number } ],
//!   "failures": [ { "index", "kind", "state", "method", "path", "name", "id", "raw_status",
//!                   "error": null | { "code", "message" }, "group": null | number } ] }
//! ```
//! Field names and enum spellings are those of `--json` (docs/contract.md). `index` and `members`
//! index the task's subtasks in the provider's order; `group` is a group's `number`. New keys
//! may be added; existing ones keep their meaning while `schema` is 1.

use serde::Serialize;

use super::Report;
use crate::domain::{ApiError, ApiErrorRef, Counts, ProviderKind, SubtaskKind, SubtaskState, TaskKind, TaskState};

#[derive(Serialize)]
struct Document<'a> {
    schema: u32,
    generated_at: &'a str,
    task: TaskPart<'a>,
    groups: Vec<GroupPart<'a>>,
    failures: Vec<FailurePart<'a>>,
}

#[derive(Serialize)]
struct TaskPart<'a> {
    #[serde(rename = "ref")]
    task_ref: String,
    provider: ProviderKind,
    kind: TaskKind,
    state: TaskState,
    raw_status: &'a str,
    counts: Counts,
    error: Option<&'a ApiError>,
    group_id: Option<&'a str>,
    /// What a finished task left unfinished, in one sentence.
    unfinished: Option<String>,
}

#[derive(Serialize)]
struct GroupPart<'a> {
    number: usize,
    count: usize,
    apis: u32,
    models: u32,
    cancelled: u32,
    skipped: u32,
    /// For a consequence, the number of the group whose failures caused it.
    cause: Option<usize>,
    code: &'a str,
    signature: &'a str,
    example: &'a str,
    members: &'a [u32],
}

#[derive(Serialize)]
struct FailurePart<'a> {
    index: usize,
    kind: SubtaskKind,
    state: SubtaskState,
    method: &'a str,
    path: &'a str,
    name: &'a str,
    id: &'a str,
    raw_status: &'a str,
    error: Option<ApiErrorRef<'a>>,
    group: Option<u32>,
}

pub(super) fn render(report: &Report<'_>) -> String {
    let task = report.task;
    let document = Document {
        schema: 1,
        generated_at: &report.generated_at,
        task: TaskPart {
            task_ref: task.task_ref.to_string(),
            provider: task.provider,
            kind: task.kind,
            state: task.state,
            raw_status: &task.raw_status,
            counts: task.counts,
            error: task.error.as_ref(),
            group_id: task.group_id.as_deref(),
            unfinished: crate::analysis::stragglers::stragglers(task).map(|s| s.sentence()),
        },
        groups: report
            .groups
            .iter()
            .enumerate()
            .map(|(n, g)| GroupPart {
                number: n + 1,
                count: g.count(),
                apis: g.apis,
                models: g.models,
                cancelled: g.cancelled,
                skipped: g.skipped,
                cause: report.causes.get(n).copied().flatten(),
                code: &g.code,
                signature: &g.signature,
                example: &g.example,
                members: &g.members,
            })
            .collect(),
        failures: report
            .failures
            .iter()
            .map(|&(index, s, group)| FailurePart {
                index,
                kind: s.kind,
                state: s.state,
                method: s.method(),
                path: s.path(),
                name: s.name(),
                id: s.id(),
                raw_status: s.raw_status(),
                error: s.error(),
                group,
            })
            .collect(),
    };
    match crate::safe_json::pretty(&document) {
        Ok(mut json) => {
            json.push('\n');
            json
        }
        // Plain structs of strings and numbers always serialise; keep the output valid JSON regardless.
        Err(e) => serde_json::json!({ "schema": 1, "error": e.to_string() }).to_string(),
    }
}
