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
use crate::app::{App, Command, Entry, Focus, header_rows, labels, subtask_id_rows};
use crate::domain::Subtask;
use crate::sanitize;

use super::theme::Theme;
use super::{clean, clean_middle, cols, put};
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
    let mode = mode_label(viewer);
    let title_room = usize::from(area.width).saturating_sub(if roomy { mode.chars().count() + 4 } else { 2 });
    let mut block = Block::bordered()
        .border_type(if focused { BorderType::Thick } else { BorderType::Plain })
        .border_style(if focused { theme.border_focused } else { theme.border })
        .title(title(viewer, entry, subtask, theme, title_room))
        .title_bottom(Line::from(position_label(viewer)).style(theme.dim).right_aligned());
    if roomy {
        block = block.title(Line::from(mode).style(theme.dim).right_aligned());
    }
    block.render(area, buf);
    let inside = inner(area);
    if !is_shown(inside) {
        return;
    }
    let w = cols(inside.width.saturating_sub(1));
    let rows = header_rows(viewer, Some(entry), area.width);
    let header: Vec<Line<'static>> = match (subtask, &viewer.target) {
        (Some(sub), _) => subtask_header(sub, theme, w),
        (None, ViewerTarget::Export) => export_header(app, entry, theme, w),
        (None, _) => task_header(app, entry, theme, w),
    };
    for (i, line) in header.iter().take(usize::from(rows)).enumerate() {
        let y = inside.y + u16::try_from(i).unwrap_or(0);
        if y < inside.y + inside.height {
            buf.set_line(inside.x + 1, y, line, inside.width.saturating_sub(1));
        }
    }
    let body = viewer_body(area, rows);
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
        (false, Some(sub)) => format!(" Error — {} {} ", sub.kind.as_str(), sub.label()),
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
    let mode = if viewer.wrap { " wrap ".to_owned() } else { format!(" no wrap, col {} ", viewer.hscroll + 1) };
    match viewer.search() {
        Some(search) => {
            let query = clean(&search.query, 16);
            let at = search.current.map_or_else(|| "–".to_owned(), |i| labels::count(i + 1));
            format!(" /{query} {at}/{} ·{mode}", labels::count(search.matches.len()))
        }
        None => mode,
    }
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
    let second = if sub.method().is_empty() && sub.path().is_empty() {
        // A model: its name where an API has its method and path.
        vec![
            Span::styled(format!("{:<6}", sub.kind.as_str()), theme.dim),
            Span::styled(clean_middle(sub.name(), w.saturating_sub(7)).into_owned(), theme.text),
        ]
    } else {
        vec![
            Span::styled(format!("{:<6}", sub.kind.as_str()), theme.dim),
            Span::styled(clean(sub.method(), 10).into_owned(), theme.key),
            Span::raw(" "),
            Span::styled(clean_middle(sub.path(), w.saturating_sub(18)).into_owned(), theme.text),
        ]
    };
    let mut lines = vec![Line::from(first), Line::from(second)];
    // The id is never cut: beside the name while it fits whole, else on lines of its own.
    let id = if sub.id().is_empty() { "(none)".to_owned() } else { sanitize::line(sub.id()).into_owned() };
    let mut name_line = vec![Span::styled("name ", theme.dim)];
    if subtask_id_rows(sub.id().len(), w) == 1 {
        let room = w.saturating_sub(3 + id.chars().count() + 2 + 5);
        lines.push(Line::from(vec![
            Span::styled("id ", theme.dim),
            Span::styled(id, theme.text),
            Span::styled("  name ", theme.dim),
            Span::styled(clean_middle(sub.name(), room).into_owned(), theme.text),
        ]));
    } else {
        let whole = format!("id {id}");
        let chars: Vec<char> = whole.chars().collect();
        for (k, chunk) in chars.chunks(w.max(1)).enumerate() {
            let text: String = chunk.iter().collect();
            let spans = if k == 0 {
                vec![Span::styled("id ", theme.dim), Span::styled(text[3..].to_owned(), theme.text)]
            } else {
                vec![Span::styled(text, theme.text)]
            };
            lines.push(Line::from(spans));
        }
        name_line.push(Span::styled(clean_middle(sub.name(), w.saturating_sub(5)).into_owned(), theme.text));
        lines.push(Line::from(name_line.clone()));
        name_line.clear();
    }
    if let Some(action) = sub.action {
        let a = match action {
            crate::domain::ChangeAction::Create => "create",
            crate::domain::ChangeAction::Update => "update",
        };
        if let Some(last) = lines.last_mut() {
            last.spans.push(Span::styled(format!("  action {a}"), theme.dim));
        }
    }
    lines
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
    let mut lines = vec![Line::from(first)];
    lines.extend(wrapped(&entry.task_ref.to_string(), w).into_iter().map(|l| Line::from(Span::styled(l, theme.text))));
    lines
}

fn export_header(app: &App, entry: &Entry, theme: &Theme, w: usize) -> Vec<Line<'static>> {
    let Some(export) = entry.task.as_ref().and_then(|t| t.export.as_ref()) else {
        return vec![Line::from(Span::styled("no exported document in this snapshot", theme.dim))];
    };
    let key = app.keymap().label(KeyContext::Viewer, Command::SaveExport).unwrap_or_else(|| "S".to_owned());
    let target = app.options().output_dir.join(export_file_name(export));
    let first = vec![
        Span::styled("⇩ export  ", theme.ok),
        Span::styled(clean(export.file_type.trim(), 12).into_owned(), theme.key),
        Span::styled(format!("  {} bytes  ", labels::count(export.content.len())), theme.dim),
        Span::styled(format!("{key} saves it as "), theme.dim),
        Span::styled(clean_middle(&target.display().to_string(), w.saturating_sub(40)).into_owned(), theme.text),
    ];
    let mut lines = vec![Line::from(first)];
    lines.extend(wrapped(&entry.task_ref.to_string(), w).into_iter().map(|l| Line::from(Span::styled(l, theme.text))));
    lines
}

/// An identifier over as many lines of `w` columns as it needs (references are ASCII).
pub(super) fn wrapped(id: &str, w: usize) -> Vec<String> {
    let clean: Vec<char> = sanitize::line(id).chars().collect();
    clean.chunks(w.max(1)).map(|c| c.iter().collect()).collect()
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
            highlight(viewer, line_no, line, (start, end), theme, Rect { y, height: 1, ..body }, buf);
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
            highlight(viewer, line_no, line, (from, line.len()), theme, Rect { y, height: 1, ..body }, buf);
            line_no += 1;
        }
    }
}

/// Marks the search's matches on one drawn row: bytes `shown.0..shown.1` of `line` start at the
/// row's first cell. The match `n` went to stands out from the others.
fn highlight(
    viewer: &Viewer,
    line_no: usize,
    line: &str,
    shown: (usize, usize),
    theme: &Theme,
    row: Rect,
    buf: &mut Buffer,
) {
    use unicode_width::UnicodeWidthStr as _;
    let matches = viewer.matches_on(line_no);
    if matches.is_empty() {
        return;
    }
    let current = viewer.search().and_then(|s| s.current.and_then(|i| s.matches.get(i))).copied();
    for m in matches {
        let (from, to) = (m.start.max(shown.0), m.end.min(shown.1));
        if from >= to || !line.is_char_boundary(from) || !line.is_char_boundary(to) {
            continue;
        }
        let x = line[shown.0..from].width();
        let w = line[from..to].width();
        let Ok(x) = u16::try_from(x) else { continue };
        if x >= row.width {
            continue;
        }
        let w = u16::try_from(w).unwrap_or(u16::MAX).min(row.width - x);
        let style = if current == Some(*m) {
            theme.selected.add_modifier(ratatui::style::Modifier::BOLD | ratatui::style::Modifier::UNDERLINED)
        } else {
            theme.selected
        };
        buf.set_style(Rect { x: row.x + x, width: w, ..row }, style);
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
