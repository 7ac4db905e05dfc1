//! Overlays: the help for the current pane, the remove confirmation and the report prompt
//! (`report_prompt.rs`).
//!
//! Help lists the keys of the pane it was opened from (read from the keymap, so remaps show),
//! then the legend of glyphs. Both draw centred over the panes after clearing their area.
//! Reads `&App` only.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Widget};

use crate::app::App;
use crate::app::keyhelp;
use crate::app::keymap::KeyContext;
use crate::app::overlay::Overlay;
use crate::app::retry::ImportOffer;
use crate::domain::TaskRef;

use super::theme::Theme;
use super::{clean, clean_middle, cols, put, report_prompt};
use crate::app::layout::{inner, is_shown};

/// The dialogs in the app's stack order, bottom first, so the one on top (the one that has the
/// keys) is drawn last, over the others. The input line has its own row in the layout.
pub fn render_overlays(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    for overlay in app.overlays().bottom_to_top() {
        match overlay {
            Overlay::Help(help) => render_help(app, help.context, help.scroll, theme, area, buf),
            Overlay::ConfirmRemove(task_ref) => render_confirm(app, task_ref, theme, area, buf),
            Overlay::ImportOffer(offer) => render_import_offer(offer, theme, area, buf),
            Overlay::ReportPrompt(prompt) => report_prompt::render(app, prompt, theme, area, buf),
            Overlay::Input { .. } => {}
        }
    }
}

pub(super) fn centred(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h }
}

/// Words of `text` over lines of at most `room` columns (a word longer than that is split).
fn wrap_words(text: &str, room: usize) -> Vec<String> {
    use unicode_width::UnicodeWidthStr as _;
    let room = room.max(1);
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let mut word = word.to_owned();
        while word.width() > room {
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            let cut: String = word.chars().take(room).collect();
            word = word.chars().skip(room).collect();
            lines.push(cut);
        }
        if !line.is_empty() && line.width() + 1 + word.width() > room {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// Like [`wrap_words`], with a first line of `first` columns and the others of `rest`.
fn wrap_first(text: &str, first: usize, rest: usize) -> Vec<String> {
    let mut lines = wrap_words(text, first);
    if lines.len() > 1 {
        let tail = lines.split_off(1).join(" ");
        lines.extend(wrap_words(&tail, rest));
    }
    lines
}

/// The help text for `context` laid out for `width` columns: "key · action · what it does"
/// per line, this pane's keys first, then the rest, then the legend. Nothing is cut: a
/// description too long for the line continues below, aligned.
pub fn help_lines(app: &App, context: KeyContext, theme: &Theme, width: usize) -> Vec<Line<'static>> {
    use unicode_width::UnicodeWidthStr as _;
    let sections = keyhelp::sections(app.keymap(), context);
    let rows = sections.iter().flat_map(|s| s.rows.iter());
    // Most key lists are short; a long one ("PgDn Ctrl-d Ctrl-f") gets a line of its own above
    // its row, so the names and descriptions stay in their columns.
    let key_w = rows.clone().map(|r| r.keys_label().width()).max().unwrap_or(0).min(9);
    let name_w = rows.map(|r| r.command.name().width()).max().unwrap_or(0);
    let lead = 2 + key_w + 3 + name_w + 3;
    // Too narrow for three columns: the description goes under its key and name.
    let stacked = width < lead + 24;
    let mut lines: Vec<Line<'static>> = Vec::new();
    for (i, section) in sections.iter().enumerate() {
        if i > 0 {
            lines.push(Line::from(""));
        }
        lines.push(Line::from(Span::styled(section.title.clone(), theme.title)));
        for row in &section.rows {
            let mut keys = row.keys_label();
            if keys.width() > key_w {
                lines.push(Line::from(Span::styled(format!("  {keys}"), theme.key)));
                keys = String::new();
            }
            let head = vec![
                Span::styled(format!("  {keys:<key_w$}"), theme.key),
                Span::styled(" · ", theme.dim),
                Span::styled(format!("{:<name_w$}", row.command.name()), theme.text),
            ];
            let used = Line::from(head.clone()).width() + 3;
            // One column kept free before the border, so a wrapped line never touches it.
            let (indent, room) =
                if stacked { (6, width.saturating_sub(7)) } else { (lead, width.saturating_sub(lead + 1)) };
            let first_room = if stacked { room } else { width.saturating_sub(used + 1) };
            let mut parts = wrap_first(row.what, first_room, room).into_iter();
            let mut first = head;
            if stacked {
                lines.push(Line::from(first));
            } else {
                first.push(Span::styled(" · ", theme.dim));
                first.push(Span::styled(parts.next().unwrap_or_default(), theme.text));
                lines.push(Line::from(first));
            }
            for part in parts {
                lines.push(Line::from(Span::styled(format!("{}{part}", " ".repeat(indent)), theme.text)));
            }
        }
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled("Legend", theme.title)));
    let term_w = keyhelp::LEGEND.iter().map(|(t, _)| t.width()).max().unwrap_or(0);
    let lead = 2 + term_w + 2;
    let stacked = width < lead + 24;
    for (term, text) in keyhelp::LEGEND {
        let (indent, room) = if stacked { (6, width.saturating_sub(6)) } else { (lead, width.saturating_sub(lead)) };
        let mut parts = wrap_words(text, room).into_iter();
        if stacked {
            lines.push(Line::from(Span::styled(format!("  {term}"), theme.key)));
        } else {
            lines.push(Line::from(vec![
                Span::styled(format!("  {term:<term_w$}  "), theme.key),
                Span::styled(parts.next().unwrap_or_default(), theme.dim),
            ]));
        }
        for part in parts {
            lines.push(Line::from(Span::styled(format!("{}{part}", " ".repeat(indent)), theme.dim)));
        }
    }
    lines
}

/// The help box for a terminal of `area`: nearly all of it, up to 120 columns.
pub fn help_rect(area: Rect) -> Rect {
    centred(area, area.width.saturating_sub(4).clamp(20, 120).min(area.width), area.height.saturating_sub(2).max(3))
}

fn render_help(app: &App, context: KeyContext, scroll: usize, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let rect = help_rect(area);
    if !is_shown(rect) {
        return;
    }
    Clear.render(rect, buf);
    let body = inner(rect);
    let lines = help_lines(app, context, theme, usize::from(body.width.saturating_sub(1)));
    let max_scroll = lines.len().saturating_sub(usize::from(body.height));
    let scroll = scroll.min(max_scroll);
    let more = if scroll < max_scroll {
        format!(" ↓ {} more (j/k, PgDn) ", lines.len() - scroll - usize::from(body.height))
    } else {
        String::new()
    };
    Block::bordered()
        .border_type(BorderType::Double)
        .border_style(theme.border_focused)
        .title(Span::styled(" Help ", theme.title))
        .title(Line::from(" key · action (its name in [keys]) · what it does ").style(theme.dim).right_aligned())
        .title_bottom(Line::from(format!("{more} Esc closes ")).style(theme.dim).right_aligned())
        .render(rect, buf);
    for (i, line) in lines.iter().skip(scroll).take(usize::from(body.height)).enumerate() {
        let y = body.y + u16::try_from(i).unwrap_or(0);
        buf.set_line(body.x + 1, y, line, body.width.saturating_sub(1));
    }
}

/// The offer after `R`: where the retry spec went and where `y` imports it (both whole, wrapped
/// when long), and what the gateway's rules would still reject of it.
fn render_import_offer(offer: &ImportOffer, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let width = area.width.min(80);
    let w = cols(width.saturating_sub(4)).max(1);
    let into = match &offer.group {
        Some(group) => format!("{} group {group}", offer.target),
        None => offer.target.to_string(),
    };
    let wrapped = |text: &str, style| super::wrapped_lines(text, w, style);
    let mut lines = vec![(format!("Wrote {} failed operations to", offer.operations), theme.text)];
    lines.extend(wrapped(&offer.path.display().to_string(), theme.key));
    lines.push(("Import them again, replacing what exists, into".to_owned(), theme.text));
    lines.extend(wrapped(&into, theme.key));
    if let Some(precheck) = &offer.precheck {
        lines.push((String::new(), theme.text));
        lines.extend(wrapped(&format!("⚠ by the gateway's rules, {precheck} (oaswatch check shows each)"), theme.warn));
    }
    lines.push((String::new(), theme.text));
    lines.push(("y import now   n / Esc not now (the file stays)".to_owned(), theme.dim));
    render_dialog(area, width, (" Import the retry spec? ", theme.key), theme.key, &lines, buf);
}

/// A dialog: `lines` (each already within `width - 3` columns) in a double border of `border`
/// with its title, centred over `area` and as tall as its lines.
pub(super) fn render_dialog(
    area: Rect,
    width: u16,
    title: (&str, Style),
    border: Style,
    lines: &[(String, Style)],
    buf: &mut Buffer,
) {
    let rect = centred(area, width, u16::try_from(lines.len() + 2).unwrap_or(u16::MAX));
    if !is_shown(rect) {
        return;
    }
    Clear.render(rect, buf);
    Block::bordered()
        .border_type(BorderType::Double)
        .border_style(border)
        .title(Span::styled(title.0, title.1))
        .render(rect, buf);
    let body = inner(rect);
    let w = cols(width.saturating_sub(3));
    for (i, (text, style)) in lines.iter().enumerate().take(usize::from(body.height)) {
        put(buf, body.x + 1, body.y + u16::try_from(i).unwrap_or(0), &clean(text, w), w, *style);
    }
}

fn render_confirm(app: &App, task_ref: &TaskRef, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let reference = task_ref.to_string();
    // The whole reference: on one line when the screen allows, else over several.
    let width =
        u16::try_from(reference.chars().count() + 4).unwrap_or(u16::MAX).max(48).min(area.width.saturating_sub(2));
    let w = cols(width.saturating_sub(3)).max(1);
    let ref_lines = super::error_viewer::wrapped(&reference, w);
    let label = app.entries().iter().find(|e| e.task_ref == *task_ref).and_then(|e| e.label.clone());
    let mut lines: Vec<(String, ratatui::style::Style)> =
        vec![("Stop watching and forget this task:".to_owned(), theme.text)];
    if let Some(label) = label {
        lines.push((clean_middle(&label, w).into_owned(), theme.title));
    }
    lines.extend(ref_lines.into_iter().map(|l| (l, theme.key)));
    lines.push((String::new(), theme.text));
    lines.push(("y remove   n / Esc keep".to_owned(), theme.dim));
    render_dialog(area, width, (" Remove task? ", theme.warn), theme.warn, &lines, buf);
}
