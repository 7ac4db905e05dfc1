//! Failure reports: one task's failures as Markdown (for a ticket), CSV (for a spreadsheet) or
//! JSON (for a script), built from a [`Task`] and its [`FailureGroup`]s.
//!
//! Owns the three layouts and their escaping; the grouping is [`crate::analysis::groups`] and
//! writing the file is the caller's (the CLI or the UI's export effect). Pure: no I/O, no clock
//! (`generated_at` comes in).
//!
//! Every format holds the same three parts: the task summary (ref, provider, kind, state, raw
//! status, counts, task-level error, what a finished task left unfinished, generated time), the
//! groups (number, count, APIs, models, code, signature, example, and for a consequence the
//! number of the group that caused it) and every grouped subtask with its full error (index,
//! kind, state, method, path, name, id, raw status, code, message, group number). Groups are
//! numbered from 1 in the order given: causes biggest first, each followed by its consequences;
//! a failure's group is that number.
//!
//! - **Markdown** and **CSV** are read by people: provider text goes through
//!   [`crate::sanitize::text`] (control characters made visible, tabs expanded), trailing
//!   whitespace is trimmed, and messages are never shortened.
//! - **JSON** is read by programs: provider text is verbatim, as in `--json`.

mod csv_rows;
mod json_doc;
mod markdown;

use std::time::{SystemTime, UNIX_EPOCH};

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::analysis::grouper::in_groups;
use crate::analysis::{FailureGroup, membership};
use crate::domain::{Counts, Subtask, Task};

/// The output formats of [`render`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    Markdown,
    Csv,
    Json,
}

impl Format {
    pub const ALL: [Format; 3] = [Format::Markdown, Format::Csv, Format::Json];

    /// The usual file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Markdown => "md",
            Format::Csv => "csv",
            Format::Json => "json",
        }
    }

    /// `md`/`markdown`, `csv`, `json` (case-insensitive), as a user would type them.
    pub fn from_name(name: &str) -> Option<Format> {
        match name.trim().to_ascii_lowercase().as_str() {
            "md" | "markdown" => Some(Format::Markdown),
            "csv" => Some(Format::Csv),
            "json" => Some(Format::Json),
            _ => None,
        }
    }
}

/// Renders the failure report of `task` in `format`. `groups` are usually
/// [`crate::analysis::group_failures`] of the same task.
pub fn render(task: &Task, groups: &[FailureGroup], format: Format, generated_at: SystemTime) -> String {
    let report = Report::new(task, groups, generated_at);
    match format {
        Format::Markdown => markdown::render(&report),
        Format::Csv => csv_rows::render(&report),
        Format::Json => json_doc::render(&report),
    }
}

/// What every layout needs, computed once.
struct Report<'a> {
    task: &'a Task,
    groups: &'a [FailureGroup],
    generated_at: String,
    /// The grouped subtasks (failed, cancelled, skipped with a reason): (index into
    /// `task.subtasks`, subtask, group number from 1).
    failures: Vec<(usize, &'a Subtask, Option<u32>)>,
    /// For each group, the number of the group that caused it (consequences only).
    causes: Vec<Option<usize>>,
}

impl<'a> Report<'a> {
    fn new(task: &'a Task, groups: &'a [FailureGroup], generated_at: SystemTime) -> Self {
        let of = membership(groups, task.subtasks.len());
        let failures = task
            .subtasks
            .iter()
            .enumerate()
            .filter(|(_, s)| in_groups(s))
            .map(|(i, s)| (i, s, of.get(i).copied().flatten().map(|g| g.saturating_add(1))))
            .collect();
        let causes = groups
            .iter()
            .map(|g| {
                let cause = g.cause?;
                groups.iter().position(|c| !c.is_consequence() && c.cluster == cause).map(|n| n + 1)
            })
            .collect();
        Report { task, groups, generated_at: timestamp(generated_at), failures, causes }
    }
}

/// `2024-05-01T12:00:00Z`; times before 1970 or beyond year 9999 print as the raw seconds.
fn timestamp(at: SystemTime) -> String {
    let secs = match at.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => i64::try_from(e.duration().as_secs()).map_or(i64::MIN, |s| -s),
    };
    OffsetDateTime::from_unix_timestamp(secs)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| format!("unix:{secs}"))
}

/// `120 total: 100 succeeded, 17 failed, 3 cancelled, 0 skipped, 0 running, 0 waiting`: every
/// state, in [`Counts::ORDER`].
fn counts_line(c: &Counts) -> String {
    let parts: Vec<String> = c.parts().iter().map(|(state, n)| format!("{n} {state}")).collect();
    format!("{} total: {}", c.total, parts.join(", "))
}

#[cfg(test)]
mod tests;
