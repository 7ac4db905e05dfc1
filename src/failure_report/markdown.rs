//! The Markdown layout: headings, a summary table, a groups table and a failures table that paste
//! cleanly into a GitHub/GitLab issue.
//!
//! Every cell goes through [`cell`], so no provider text can end a cell (`|`), a row (newline),
//! start code or emphasis, or inject HTML; messages stay whole, with line breaks as `<br>`.

use std::fmt::Write as _;

use super::{Report, counts_line};
use crate::sanitize;

pub(super) fn render(report: &Report<'_>) -> String {
    let task = report.task;
    let mut out = String::with_capacity(1024 + report.failures.len() * 160);
    let _ = writeln!(out, "# Failure report: {}\n", cell(&task.task_ref.to_string()));

    out.push_str("| Field | Value |\n|---|---|\n");
    let mut field = |name: &str, value: &str| {
        let _ = writeln!(out, "| {name} | {} |", cell(value));
    };
    field("Task", &task.task_ref.to_string());
    if let Some(label) = report.label {
        field("Label", label);
    }
    field("Provider", task.provider.as_str());
    field("Kind", task.kind.as_str());
    field("State", task.state.as_str());
    field("Raw status", &task.raw_status);
    field("Subtasks", &counts_line(&task.counts));
    if let Some(left) = crate::analysis::stragglers::stragglers(task) {
        field("Unfinished", &left.sentence());
    }
    let error = task.error.as_ref().map_or_else(
        || "none".to_owned(),
        |e| if e.code.is_empty() { e.message.clone() } else { format!("{}: {}", e.code, e.message) },
    );
    field("Task error", &error);
    if let Some(group_id) = &task.group_id {
        field("API group", group_id);
    }
    field("Generated", &report.generated_at);

    let _ = writeln!(out, "\n## Failure groups ({})\n", report.groups.len());
    if report.groups.is_empty() {
        out.push_str("No failed or cancelled subtasks.\n");
    } else {
        out.push_str("| # | Caused by | Count | APIs | Models | Code | Signature | Example |\n");
        out.push_str("|---:|---|---:|---:|---:|---|---|---|\n");
        for (n, group) in report.groups.iter().enumerate() {
            // A consequence follows its cause and says what happened to it: "↳ #1, cancelled".
            let caused_by = report
                .causes
                .get(n)
                .copied()
                .flatten()
                .map(|c| format!("↳ #{c}, {}", group.outcome()))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} | {} |",
                n + 1,
                cell(&caused_by),
                group.count(),
                group.apis,
                group.models,
                cell(&group.code),
                cell(&group.signature),
                cell(&group.example),
            );
        }
    }

    // Counted in the words of every other surface: cancelled subtasks are not called failed.
    let states = crate::domain::Counts::of(report.failures.iter().map(|&(_, subtask, _)| subtask));
    let _ = write!(out, "\n## Failed and cancelled subtasks ({}", report.failures.len());
    if !report.failures.is_empty() {
        let _ = write!(out, ": {}", states.problems_breakdown());
    }
    out.push_str(")\n\n");
    if report.failures.is_empty() {
        out.push_str("No failed or cancelled subtasks.\n");
        return out;
    }
    out.push_str("| # | Kind | State | Method | Path | Name | ID | Raw status | Code | Message | Group |\n");
    out.push_str("|---:|---|---|---|---|---|---|---|---|---|---:|\n");
    for &(index, subtask, group) in &report.failures {
        let (code, message) = (subtask.error_code(), subtask.error_message());
        let _ = writeln!(
            out,
            "| {index} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            subtask.kind.as_str(),
            subtask.state.as_str(),
            cell(subtask.method()),
            cell(subtask.path()),
            cell(subtask.name()),
            cell(subtask.id()),
            cell(subtask.raw_status()),
            cell(code),
            cell(&message),
            group.map(|g| g.to_string()).unwrap_or_default(),
        );
    }
    out
}

/// One table cell: sanitised, trailing whitespace trimmed, Markdown and HTML neutralised, line
/// breaks as `<br>`.
pub(super) fn cell(text: &str) -> String {
    let clean = sanitize::text(text);
    let clean = clean.trim_end();
    let mut out = String::with_capacity(clean.len() + 8);
    for c in clean.chars() {
        match c {
            '\n' => out.push_str("<br>"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            // Table, code, emphasis, link, strikethrough and math syntax.
            '|' | '\\' | '`' | '*' | '_' | '[' | ']' | '~' | '$' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}
