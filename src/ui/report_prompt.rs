//! The report prompt: which format to write the selected task's failure report in, and where.
//!
//! A centred overlay naming the task, its failures and groups, the file it will create (name and
//! directory) and the keys for Markdown (Enter), CSV and JSON, read from the keymap. Reads
//! `&App` only.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Span;
use ratatui::widgets::{Block, BorderType, Clear, Widget};

use crate::app::keymap::KeyContext;
use crate::app::outputs::report_file_name;
use crate::app::{App, Command, ReportPrompt, labels};
use crate::failure_report::Format;

use super::help::centred;
use super::theme::Theme;
use super::{clean, cols, put};
use crate::app::layout::{inner, is_shown};

pub fn render(app: &App, prompt: &ReportPrompt, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let rect = centred(area, 78, 9);
    if !is_shown(rect) {
        return;
    }
    Clear.render(rect, buf);
    Block::bordered()
        .border_type(BorderType::Double)
        .border_style(theme.border_focused)
        .title(Span::styled(" Failure report ", theme.title))
        .render(rect, buf);
    let body = inner(rect);
    let w = cols(body.width.saturating_sub(1));
    let entry = app.entries().iter().find(|e| e.task_ref == prompt.task_ref);
    let summary = entry.map_or_else(String::new, |e| {
        format!(
            "{} failed in {} groups",
            labels::count(e.problem_count() as usize),
            labels::count(e.insight.groups().len())
        )
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
    let lines = [
        (format!("{} {}: {summary}", prompt.task_ref.provider(), prompt.task_ref.short()), theme.text),
        (String::new(), theme.text),
        (format!("into  {}", app.options().output_dir.display()), theme.text),
        (format!("file  {name}"), theme.text),
        (String::new(), theme.text),
        (keys, theme.key),
        ("(.csv / .json for the others) groups, then every failure in full; never overwrites".to_owned(), theme.dim),
    ];
    for (i, (text, style)) in lines.iter().enumerate().take(usize::from(body.height)) {
        put(buf, body.x + 1, body.y + u16::try_from(i).unwrap_or(0), &clean(text, w), w, *style);
    }
}
