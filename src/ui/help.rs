//! Overlays: the help for the current pane and the remove confirmation.
//!
//! Help lists the keys of the pane it was opened from (read from the keymap, so remaps show),
//! then the legend of glyphs. Both draw centred over the panes after clearing their area.
//! Reads `&App` only.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Widget};

use crate::app::App;
use crate::app::keymap::KeyContext;

use super::layout::{inner, is_shown};
use super::theme::Theme;
use super::{clean, cols, put};

pub fn render_overlays(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    if let Some(help) = app.help() {
        render_help(app, help.context, help.scroll, theme, area, buf);
    }
    if let Some(task_ref) = app.confirm_remove() {
        render_confirm(&task_ref.to_string(), theme, area, buf);
    }
}

fn centred(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h }
}

/// The lines of the help text for `context`, shared with the scroll clamp.
pub fn help_lines(app: &App, context: KeyContext) -> Vec<Line<'static>> {
    let mut lines: Vec<Line<'static>> = Vec::new();
    for (command, keys) in app.keymap().commands_in(context) {
        let keys: Vec<String> = keys.iter().map(ToString::to_string).collect();
        lines.push(Line::from(vec![
            Span::raw(format!("  {:<22}", keys.join(" "))),
            Span::raw(command.describe().to_owned()),
        ]));
    }
    lines.push(Line::from(""));
    lines.push(Line::from("  Task states   ✔ succeeded  ✘ failed  ◐ partial  ● running  ○ waiting  ? unknown"));
    lines.push(Line::from("  Subtasks      ⊘ cancelled  – skipped"));
    lines.push(Line::from("  Progress bar  █ succeeded  ▓ failed  ▒ running  ░ waiting"));
    lines.push(Line::from("  ⚠ auth/throttled/network/…  the last fetch failed; the data shown is older"));
    lines.push(Line::from("  stale         no fresh answer for 3 poll intervals, or only a saved snapshot"));
    lines
}

fn render_help(app: &App, context: KeyContext, scroll: usize, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let rect = centred(area, 84, area.height.saturating_sub(2).max(3));
    if !is_shown(rect) {
        return;
    }
    Clear.render(rect, buf);
    let lines = help_lines(app, context);
    let body = inner(rect);
    let max_scroll = lines.len().saturating_sub(usize::from(body.height));
    let scroll = scroll.min(max_scroll);
    let more = if scroll < max_scroll { " ↓ more " } else { "" };
    Block::bordered()
        .border_type(BorderType::Double)
        .border_style(theme.border_focused)
        .title(Span::styled(format!(" Help — {} ", context.name()), theme.title))
        .title_bottom(Line::from(format!("{more} Esc closes ")).style(theme.dim).right_aligned())
        .render(rect, buf);
    for (i, line) in lines.iter().skip(scroll).take(usize::from(body.height)).enumerate() {
        let y = body.y + u16::try_from(i).unwrap_or(0);
        let styled = if line.spans.len() == 2 {
            Line::from(vec![line.spans[0].clone().style(theme.key), line.spans[1].clone().style(theme.text)])
        } else {
            line.clone().style(theme.dim)
        };
        buf.set_line(body.x, y, &styled, body.width);
    }
}

fn render_confirm(task_ref: &str, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let rect = centred(area, 64, 6);
    if !is_shown(rect) {
        return;
    }
    Clear.render(rect, buf);
    Block::bordered()
        .border_type(BorderType::Double)
        .border_style(theme.warn)
        .title(Span::styled(" Remove task? ", theme.warn))
        .render(rect, buf);
    let body = inner(rect);
    let w = cols(body.width.saturating_sub(1));
    let lines = [
        ("Stop watching and forget this task:".to_owned(), theme.text),
        (clean(task_ref, w).into_owned(), theme.key),
        (String::new(), theme.text),
        ("y remove   n / Esc keep".to_owned(), theme.dim),
    ];
    for (i, (text, style)) in lines.iter().enumerate().take(usize::from(body.height)) {
        put(buf, body.x + 1, body.y + u16::try_from(i).unwrap_or(0), text, w, *style);
    }
}
