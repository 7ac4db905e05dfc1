//! Overlays: the help for the current pane, the remove confirmation and the report prompt
//! (`report_prompt.rs`).
//!
//! Help lists the keys of the pane it was opened from (read from the keymap, so remaps show),
//! then the legend of glyphs. Both draw centred over the panes after clearing their area.
//! Reads `&App` only.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Widget};

use crate::app::keymap::KeyContext;
use crate::app::overlay::Overlay;
use crate::app::retry::ImportOffer;
use crate::app::{App, Command};

use super::theme::Theme;
use super::{clean, cols, put, report_prompt};
use crate::app::layout::{inner, is_shown};

/// The dialogs in the app's stack order, bottom first, so the one on top (the one that has the
/// keys) is drawn last, over the others. The input line has its own row in the layout.
pub fn render_overlays(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    for overlay in app.overlays().bottom_to_top() {
        match overlay {
            Overlay::Help(help) => render_help(app, help.context, help.scroll, theme, area, buf),
            Overlay::ConfirmRemove(task_ref) => render_confirm(&task_ref.to_string(), theme, area, buf),
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

/// The commands that matter most in each pane, in the order help lists them.
fn pane_commands(context: KeyContext) -> &'static [Command] {
    match context {
        KeyContext::Tasks => &[
            Command::Enter,
            Command::NextFailure,
            Command::PrevFailure,
            Command::NextFailedTask,
            Command::PrevFailedTask,
            Command::OpenError,
            Command::Groups,
            Command::Report,
            Command::SaveExport,
            Command::Add,
            Command::Remove,
            Command::Refresh,
            Command::RefreshAll,
            Command::Pause,
            Command::Copy,
        ],
        KeyContext::Subtasks => &[
            Command::Enter,
            Command::OpenError,
            Command::NextFailure,
            Command::PrevFailure,
            Command::Groups,
            Command::Values,
            Command::Report,
            Command::ChangesOnly,
            Command::Filter,
            Command::FailuresOnly,
            Command::CycleSort,
            Command::Copy,
            Command::SaveExport,
            Command::Back,
            Command::NextFailedTask,
            Command::PrevFailedTask,
        ],
        KeyContext::Viewer => &[
            Command::Down,
            Command::Up,
            Command::PageDown,
            Command::PageUp,
            Command::Top,
            Command::Bottom,
            Command::ToggleWrap,
            Command::ToggleRaw,
            Command::Left,
            Command::Right,
            Command::OpenPager,
            Command::OpenEditor,
            Command::Copy,
            Command::SaveExport,
            Command::NextFailure,
            Command::PrevFailure,
            Command::Report,
            Command::Back,
        ],
        KeyContext::Global | KeyContext::Help | KeyContext::Input | KeyContext::Confirm | KeyContext::Report => &[],
    }
}

fn viewer_describe(command: Command) -> &'static str {
    match command {
        Command::Down => "scroll down",
        Command::Up => "scroll up",
        Command::Left => "scroll left (wrap off)",
        Command::Right => "scroll right (wrap off)",
        Command::Copy => "copy the text shown",
        Command::NextFailure => "next failure",
        Command::PrevFailure => "previous failure",
        Command::Back => "close the viewer",
        Command::OpenPager => "open this text in $PAGER (else less, more)",
        Command::OpenEditor => "open this text in $VISUAL / $EDITOR (else vi)",
        other => other.describe(),
    }
}

/// Subtask pane meanings that differ from the command's general description.
fn subtasks_describe(command: Command) -> &'static str {
    match command {
        Command::Enter => "error details; in Groups: list the group's failures",
        Command::Back => "clear the filter / back to the groups / back to the tasks",
        Command::Groups => "Groups tab: failures by cause, biggest first",
        Command::Values => "in Groups: the values each variable took ({model}: Money ×7)",
        Command::NextFailure => "next failure (in a group: within it)",
        Command::ChangesOnly => "only subtasks changed since you last looked (•)",
        other => other.describe(),
    }
}

/// The help text for `context`: this pane's keys first, then the rest, then the legend.
pub fn help_lines(app: &App, context: KeyContext, theme: &Theme) -> Vec<Line<'static>> {
    let keymap = app.keymap();
    let entry = |keys: &[crate::app::keymap::KeySpec], what: &str| {
        let keys: Vec<String> = keys.iter().map(ToString::to_string).collect();
        Line::from(vec![
            Span::styled(format!("  {:<22}", keys.join(" ")), theme.key),
            Span::styled(what.to_owned(), theme.text),
        ])
    };
    let mut lines: Vec<Line<'static>> =
        vec![Line::from(Span::styled(format!("In the {} pane", context.name()), theme.title))];
    let mut listed: Vec<Command> = Vec::new();
    for &command in pane_commands(context) {
        let keys = keymap.keys_for(context, command);
        if !keys.is_empty() {
            let what = match context {
                KeyContext::Viewer => viewer_describe(command),
                KeyContext::Subtasks => subtasks_describe(command),
                _ => command.describe(),
            };
            lines.push(entry(&keys, what));
            listed.push(command);
        }
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled("Everywhere", theme.title)));
    for (command, keys) in keymap.commands_in(context) {
        if !listed.contains(&command) {
            lines.push(entry(&keys, command.describe()));
        }
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled("Legend", theme.title)));
    for text in [
        "  Task states   ✔ succeeded  ✘ failed  ◐ partial  ● running  ○ waiting  ? unknown",
        "  Subtasks      ⊘ cancelled  – skipped",
        "  Progress bar  █ succeeded  ▓ failed  ▒ running  ░ waiting",
        "  ⚠ auth, throttled, network…  the last fetch failed; the data shown is older",
        "  stale         no fresh answer for 3 poll intervals, or only a saved snapshot",
        "  •             changed since you last looked at the task (marks clear when you leave it)",
        "  done/10s      subtasks completed per 10 s; ETA from the rate of the last 3 minutes",
        "  Reports and exports go to $OASWATCH_REPORT_DIR, else the current directory",
    ] {
        lines.push(Line::from(Span::styled(text, theme.dim)));
    }
    lines
}

fn render_help(app: &App, context: KeyContext, scroll: usize, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let rect = centred(area, 84, area.height.saturating_sub(2).max(3));
    if !is_shown(rect) {
        return;
    }
    Clear.render(rect, buf);
    let lines = help_lines(app, context, theme);
    let body = inner(rect);
    let max_scroll = lines.len().saturating_sub(usize::from(body.height));
    let scroll = scroll.min(max_scroll);
    let more = if scroll < max_scroll { " ↓ more " } else { "" };
    Block::bordered()
        .border_type(BorderType::Double)
        .border_style(theme.border_focused)
        .title(Span::styled(" Help ", theme.title))
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
    let wrapped = |text: &str, style| -> Vec<(String, ratatui::style::Style)> {
        super::wrap_columns(&crate::sanitize::line(text), w).into_iter().map(|row| (row, style)).collect()
    };
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
    let rect = centred(area, width, u16::try_from(lines.len() + 2).unwrap_or(u16::MAX));
    if !is_shown(rect) {
        return;
    }
    Clear.render(rect, buf);
    Block::bordered()
        .border_type(BorderType::Double)
        .border_style(theme.key)
        .title(Span::styled(" Import the retry spec? ", theme.key))
        .render(rect, buf);
    let body = inner(rect);
    for (i, (text, style)) in lines.iter().enumerate().take(usize::from(body.height)) {
        put(buf, body.x + 1, body.y + u16::try_from(i).unwrap_or(0), text, w, *style);
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
