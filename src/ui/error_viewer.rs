//! The viewer: identity of the failed item, then its full message, wrapped and scrollable; or an
//! export task's document with its file name, size and where `S` saves it.
//!
//! Draws fixed header rows (state, raw status, code; kind, method, path; name, id) and the
//! visible rows of the document from the viewer's `usize` position, wrapping only those rows
//! (never `Paragraph::scroll`, which is `u16` and wraps the whole text). Reads `&App` only.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Widget};

use crate::app::keymap::KeyContext;
use crate::app::outputs::export_file_name;
use crate::app::viewer::{RawSource, Viewer, ViewerTarget, byte_at_column, row_end};
use crate::app::{App, Command, Entry, Focus, header_rows, labels};
use crate::domain::Subtask;
use crate::sanitize;

use super::theme::Theme;
use super::{clean, cols, put};
use crate::app::layout::{inner, is_shown, viewer_body};

pub fn render(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    if !is_shown(area) {
        return;
    }
    let (Some(viewer), Some(entry)) = (app.viewer(), app.selected_entry()) else { return };
    let focused = app.focus() == Focus::Viewer && app.help().is_none();
    let subtask = match &viewer.target {
        ViewerTarget::Subtask { pos, .. } => entry.task.as_ref().and_then(|t| t.subtasks.get(*pos)),
        ViewerTarget::Task | ViewerTarget::Export => None,
    };
    let roomy = area.width >= 40;
    let title_room = usize::from(area.width.saturating_sub(if roomy { 22 } else { 2 }));
    let mut block = Block::bordered()
        .border_type(if focused { BorderType::Thick } else { BorderType::Plain })
        .border_style(if focused { theme.border_focused } else { theme.border })
        .title(title(viewer, entry, subtask, theme, title_room))
        .title_bottom(Line::from(position_label(viewer)).style(theme.dim).right_aligned());
    if roomy {
        block = block.title(Line::from(mode_label(viewer)).style(theme.dim).right_aligned());
    }
    block.render(area, buf);
    let inside = inner(area);
    if !is_shown(inside) {
        return;
    }
    let w = cols(inside.width.saturating_sub(1));
    let header: Vec<Line<'static>> = match (subtask, &viewer.target) {
        (Some(sub), _) => subtask_header(sub, theme, w),
        (None, ViewerTarget::Export) => export_header(app, entry, theme, w),
        (None, _) => task_header(app, entry, theme, w),
    };
    for (i, line) in header.iter().take(usize::from(header_rows(viewer))).enumerate() {
        let y = inside.y + u16::try_from(i).unwrap_or(0);
        if y < inside.y + inside.height {
            buf.set_line(inside.x + 1, y, line, inside.width.saturating_sub(1));
        }
    }
    let body = viewer_body(area, header_rows(viewer));
    draw_body(viewer, theme, Rect { x: body.x + 1, width: body.width.saturating_sub(1), ..body }, buf);
}

fn title(viewer: &Viewer, entry: &Entry, subtask: Option<&Subtask>, theme: &Theme, width: usize) -> Line<'static> {
    let export = entry.task.as_ref().and_then(|t| t.export.as_ref());
    let what = match (viewer.raw, subtask) {
        (true, _) => match viewer.raw_source {
            Some(RawSource::Provider) => " Raw JSON (provider) ".to_owned(),
            Some(RawSource::Normalised) => " Raw JSON (normalised; provider item unavailable) ".to_owned(),
            None => " Raw JSON ".to_owned(),
        },
        (false, Some(sub)) => format!(" Error — {} {} {} ", sub.kind.as_str(), sub.method(), sub.path()),
        (false, None) if viewer.target == ViewerTarget::Export => match export {
            Some(x) => format!(" Export — {}{} ", x.file_name, x.file_type),
            None => " Export ".to_owned(),
        },
        (false, None) if entry.last_error.is_some() => " Fetch error ".to_owned(),
        (false, None) => " Task error ".to_owned(),
    };
    Line::from(Span::styled(clean(&what, width).into_owned(), theme.title))
}

fn mode_label(viewer: &Viewer) -> String {
    if viewer.wrap { " wrap ".to_owned() } else { format!(" no wrap, col {} ", viewer.hscroll + 1) }
}

fn position_label(viewer: &Viewer) -> String {
    format!(" line {}/{} ", labels::count(viewer.top.line + 1), labels::count(viewer.doc.line_count()))
}

fn subtask_header(sub: &Subtask, theme: &Theme, w: usize) -> Vec<Line<'static>> {
    let (glyph, word) = labels::subtask_state(sub.state);
    let mut first = vec![
        Span::styled(format!("{glyph} {word}"), theme.subtask_state(sub.state)),
        Span::styled("  status ", theme.dim),
        Span::styled(clean(sub.raw_status(), 24).into_owned(), theme.text),
    ];
    if !sub.error_code().is_empty() {
        first.push(Span::styled("  code ", theme.dim));
        first.push(Span::styled(clean(sub.error_code(), w / 2).into_owned(), theme.fail));
    }
    let second = vec![
        Span::styled(format!("{:<6}", sub.kind.as_str()), theme.dim),
        Span::styled(clean(sub.method(), 10).into_owned(), theme.key),
        Span::raw(" "),
        Span::styled(clean(sub.path(), w.saturating_sub(18)).into_owned(), theme.text),
    ];
    let mut third =
        vec![Span::styled("name ", theme.dim), Span::styled(clean(sub.name(), w / 2).into_owned(), theme.text)];
    third.push(Span::styled("  id ", theme.dim));
    third.push(Span::styled(
        if sub.id().is_empty() { "(none)".to_owned() } else { clean(sub.id(), w / 3).into_owned() },
        theme.text,
    ));
    if let Some(action) = sub.action {
        let a = match action {
            crate::domain::ChangeAction::Create => "create",
            crate::domain::ChangeAction::Update => "update",
        };
        third.push(Span::styled(format!("  action {a}"), theme.dim));
    }
    vec![Line::from(first), Line::from(second), Line::from(third)]
}

fn task_header(app: &App, entry: &Entry, theme: &Theme, w: usize) -> Vec<Line<'static>> {
    let mut first: Vec<Span<'static>> = Vec::new();
    match &entry.task {
        Some(task) => {
            let (glyph, word) = labels::task_state(task.state);
            first.push(Span::styled(format!("{glyph} {word}"), theme.task_state(task.state)));
            first.push(Span::styled("  status ", theme.dim));
            first.push(Span::styled(clean(&task.raw_status, 24).into_owned(), theme.text));
        }
        None => first.push(Span::styled("? no data", theme.unknown)),
    }
    if let Some(err) = &entry.last_error {
        first.push(Span::raw("  "));
        first.push(Span::styled(labels::fetch_badge(err.kind), theme.warn));
        if let Some(since) = entry.time_labels(app.now(), app.paused()).error_since {
            first.push(Span::styled(format!(" for {since}"), theme.dim));
        }
    }
    let reference = clean(&entry.task_ref.to_string(), w).into_owned();
    vec![Line::from(first), Line::from(Span::styled(reference, theme.text))]
}

fn export_header(app: &App, entry: &Entry, theme: &Theme, w: usize) -> Vec<Line<'static>> {
    let Some(export) = entry.task.as_ref().and_then(|t| t.export.as_ref()) else {
        return vec![Line::from(Span::styled("no exported document in this snapshot", theme.dim))];
    };
    let first = vec![
        Span::styled("⇩ export  ", theme.ok),
        Span::styled(clean(export.file_type.trim(), 12).into_owned(), theme.key),
        Span::styled(format!("  {} bytes  ", labels::count(export.content.len())), theme.dim),
        Span::styled(clean(&entry.task_ref.to_string(), w.saturating_sub(30)).into_owned(), theme.text),
    ];
    let key = app.keymap().label(KeyContext::Viewer, Command::SaveExport).unwrap_or_else(|| "S".to_owned());
    let target = app.options().output_dir.join(export_file_name(export));
    let second = vec![
        Span::styled(format!("{key} saves it as "), theme.dim),
        Span::styled(clean(&target.display().to_string(), w.saturating_sub(14)).into_owned(), theme.text),
    ];
    vec![Line::from(first), Line::from(second)]
}

/// Draws the visible rows of the document, starting at the viewer's position.
fn draw_body(viewer: &Viewer, theme: &Theme, body: Rect, buf: &mut Buffer) {
    if !is_shown(body) {
        return;
    }
    let width = usize::from(body.width);
    let style = theme.text;
    let mut line_no = viewer.top.line;
    let mut byte = viewer.top.byte;
    for y in body.y..body.y + body.height {
        if line_no >= viewer.doc.line_count() {
            break;
        }
        let line = viewer.doc.line(line_no);
        if viewer.wrap {
            let start = floor_char_boundary(line, byte);
            let end = row_end(line, start, width);
            let piece = &line[start..end];
            debug_assert!(sanitize::is_clean(piece));
            put(buf, body.x, y, piece.trim_end_matches(' '), width, style);
            if end < line.len() {
                byte = end;
            } else {
                line_no += 1;
                byte = 0;
            }
        } else {
            let from = byte_at_column(line, viewer.hscroll);
            let piece = clean(&line[from..], width);
            put(buf, body.x, y, &piece, width, style);
            line_no += 1;
        }
    }
}

/// `byte` moved back to a character boundary, in case the position came from another width.
fn floor_char_boundary(s: &str, byte: usize) -> usize {
    let mut b = byte.min(s.len());
    while !s.is_char_boundary(b) {
        b -= 1;
    }
    b
}
