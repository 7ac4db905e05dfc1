//! The CSV layout: one row per failed or cancelled subtask, RFC 4180 (quoted as needed, CRLF line
//! ends) through the `csv` crate, with the task in the first column and the group's signature in
//! the last, so several tasks' files concatenate and sort in a spreadsheet.
//!
//! Decisions:
//! - **UTF-8 with a BOM.** Excel reads a BOM-less CSV as the ANSI code page and garbles CJK
//!   messages (`这个API用于查询`); LibreOffice, Google Sheets, Python's `utf-8-sig` and the `csv`
//!   crate all accept the BOM. Tools that do not can strip three bytes, and the JSON format is the
//!   machine-readable one anyway.
//! - **Formula injection guard** (OWASP "CSV Injection"): a cell that starts with `=`, `+`, `-`,
//!   `@`, tab or carriage return, also after leading blanks, gets a leading `'`, which
//!   spreadsheets show as text and never evaluate. Paths start with `/`, so real data rarely
//!   needs it. (Sanitising first has already turned a tab into spaces and a lone CR into `^M`.)
//! - Provider text is sanitised (control characters visible) and trailing whitespace trimmed;
//!   line breaks inside a message stay, quoted, as the spreadsheet's in-cell line breaks.

use std::borrow::Cow;

use super::Report;
use crate::sanitize;

/// The header row, in order.
pub(super) const COLUMNS: [&str; 15] = [
    "task",
    "subtask_index",
    "kind",
    "state",
    "method",
    "path",
    "name",
    "id",
    "raw_status",
    "error_code",
    "error_message",
    "group",
    "group_count",
    "group_signature",
    "group_caused_by",
];

const BOM: &str = "\u{feff}";

pub(super) fn render(report: &Report<'_>) -> String {
    match rows(report) {
        Ok(bytes) => {
            let mut out = String::with_capacity(bytes.len() + BOM.len());
            out.push_str(BOM);
            out.push_str(&String::from_utf8_lossy(&bytes));
            out
        }
        // Writing to memory cannot fail; say so plainly rather than return half a file.
        Err(e) => format!("{BOM}error\r\n\"the CSV report could not be written: {e}\"\r\n"),
    }
}

fn rows(report: &Report<'_>) -> csv::Result<Vec<u8>> {
    let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    writer.write_record(COLUMNS)?;
    let task_ref = report.task.task_ref.to_string();
    for &(index, subtask, group) in &report.failures {
        let (code, message) = (subtask.error_code(), subtask.error_message());
        let of_group = group.and_then(|g| report.groups.get(usize::try_from(g).ok()?.checked_sub(1)?));
        let record: [Cow<'_, str>; COLUMNS.len()] = [
            guard(&task_ref),
            Cow::Owned(index.to_string()),
            Cow::Borrowed(subtask.kind.as_str()),
            Cow::Borrowed(subtask.state.as_str()),
            guard(subtask.method()),
            guard(subtask.path()),
            guard(subtask.name()),
            guard(subtask.id()),
            guard(subtask.raw_status()),
            guard(code),
            guard(&message),
            Cow::Owned(group.map(|g| g.to_string()).unwrap_or_default()),
            Cow::Owned(of_group.map(|g| g.count().to_string()).unwrap_or_default()),
            of_group.map_or(Cow::Borrowed(""), |g| guard(&g.signature)),
            Cow::Owned(
                group
                    .and_then(|g| report.causes.get(usize::try_from(g).ok()?.checked_sub(1)?).copied().flatten())
                    .map(|c| c.to_string())
                    .unwrap_or_default(),
            ),
        ];
        writer.write_record(record.iter().map(|c| c.as_bytes()))?;
    }
    writer.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// Sanitises a cell and defuses formula injection (see the module docs).
pub(super) fn guard(text: &str) -> Cow<'_, str> {
    let clean = match sanitize::text(text) {
        Cow::Borrowed(b) => Cow::Borrowed(b.trim_end()),
        Cow::Owned(o) => Cow::Owned(o.trim_end().to_owned()),
    };
    // Tabs are already spaces here, and spreadsheets skip leading blanks before a formula.
    if clean.trim_start().starts_with(['=', '+', '-', '@']) || clean.starts_with(['\t', '\r']) {
        Cow::Owned(format!("'{clean}"))
    } else {
        clean
    }
}
