//! The report prompt: which format to write the selected task's failure report in, and where.
//!
//! A centred overlay naming the task, its failures and groups, the file it will create (name and
//! directory) and the keys for Markdown (Enter), CSV and JSON, read from the keymap. Reads
//! `&App` only.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use crate::app::keymap::KeyContext;
use crate::app::outputs::report_file_name;
use crate::app::{App, Command, ReportPrompt, labels};
use crate::failure_report::Format;

use super::cols;
use super::help::render_dialog;
use super::theme::Theme;

pub fn render(app: &App, prompt: &ReportPrompt, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let width = area.width.min(80);
    let w = cols(width.saturating_sub(3)).max(1);
    let entry = app.entries().iter().find(|e| e.task_ref == prompt.task_ref);
    // The same words as the pane title: cancelled subtasks are not called failed.
    let summary = entry.and_then(|e| e.task.as_ref().map(|t| (e, t.counts))).map_or_else(String::new, |(e, counts)| {
        format!("{} in {} groups", counts.problems_breakdown(), labels::count(e.insight.groups().len()))
    });
    let name = report_file_name(&prompt.task_ref, Format::Markdown, prompt.at);
    let key = |c: Command| app.keymap().label(KeyContext::Report, c).unwrap_or_else(|| "?".to_owned());
    let markdown_keys: Vec<String> =
        app.keymap().keys_for(KeyContext::Report, Command::ReportMarkdown).iter().map(ToString::to_string).collect();
    let keys = format!(
        "{} Markdown    {} CSV    {} JSON    {} cancel",
        markdown_keys.join(" / "),
        key(Command::ReportCsv),
        key(Command::ReportJson),
        key(Command::Cancel),
    );
    // Whole lines, wrapped: the task's name and reference, where the file goes, what it holds.
    let wrapped = |text: &str, style| super::wrapped_lines(text, w, style);
    let mut lines = Vec::new();
    if let Some(label) = entry.and_then(|e| e.label.as_deref()) {
        lines.extend(wrapped(label, theme.title));
    }
    lines.extend(wrapped(&prompt.task_ref.to_string(), theme.text));
    lines.extend(wrapped(&summary, theme.text));
    lines.push((String::new(), theme.text));
    lines.extend(wrapped(&format!("into  {}", app.options().output_dir.display()), theme.text));
    lines.extend(wrapped(&format!("file  {name}"), theme.text));
    lines.push((String::new(), theme.text));
    lines.push((keys, theme.key));
    lines.extend(wrapped(
        "The summary, the failure groups, then every failure in full. No file is overwritten.",
        theme.dim,
    ));
    render_dialog(area, width, (" Failure report ", theme.title), theme.border_focused, &lines, buf);
}
