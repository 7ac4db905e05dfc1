//! The task list pane: one item of two or three rows per watched task.
//!
//! Row 1: state glyph and word, provider, short reference, and on the right the rate and ETA
//! ("12/min · ETA 3m", "stalled 2m", shortened when narrow). Row 2: kind, a segmented progress
//! bar and the counts of every state (the one breakdown, [`Counts::parts`]), elapsed time,
//! freshness. Then, only when there is something to say: the subtasks a finished task left
//! unfinished ("⚠ 1 still WAIT after Finished: GET /x"), and a badge with the reason fetching
//! fails. Draws only what is visible; reads `&App` only.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Widget};

use crate::analysis::stragglers::stragglers;
use crate::app::{App, Entry, Focus, labels};
use crate::domain::{Counts, SubtaskState, Task, TaskKind};

use super::theme::Theme;
use super::{clean, cols, put};
use crate::app::layout::{inner, is_shown};

pub fn render(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    if !is_shown(area) {
        return;
    }
    let focused = app.focus() == Focus::Tasks && app.help().is_none();
    let title = if app.entries().is_empty() {
        " Tasks ".to_owned()
    } else {
        format!(" Tasks {}/{} ", app.selected_index() + 1, app.entries().len())
    };
    Block::bordered()
        .border_type(if focused { BorderType::Thick } else { BorderType::Plain })
        .border_style(if focused { theme.border_focused } else { theme.border })
        .title(Span::styled(title, theme.title))
        .render(area, buf);
    let body = inner(area);
    if !is_shown(body) {
        return;
    }
    if app.entries().is_empty() {
        empty_hint(app, theme, body, buf);
        return;
    }
    let offset = app.task_offset(body.height);
    let mut y = body.y;
    let bottom = body.y + body.height;
    for (i, entry) in app.entries().iter().enumerate().skip(offset) {
        if y >= bottom {
            break;
        }
        let selected = i == app.selected_index();
        let rows = item_lines(app, entry, theme, usize::from(body.width.saturating_sub(2)));
        for line in rows.iter().take(usize::from(bottom - y)) {
            let row = Rect { y, height: 1, ..body };
            if selected {
                let marker_style = if focused { theme.border_focused } else { theme.dim };
                put(buf, row.x, y, "▌", 1, marker_style.add_modifier(Modifier::BOLD));
            }
            buf.set_line(row.x + 2, y, line, row.width.saturating_sub(2));
            if selected && focused {
                buf.set_style(row, theme.selected);
            }
            y += 1;
        }
    }
}

fn empty_hint(app: &App, theme: &Theme, body: Rect, buf: &mut Buffer) {
    let add = app.keymap().label(crate::app::keymap::KeyContext::Tasks, crate::app::Command::Add);
    let lines = [
        ("No tasks watched yet.".to_owned(), theme.title),
        (String::new(), theme.text),
        (format!("Press {} to add one by reference:", add.as_deref().unwrap_or("a")), theme.text),
        ("  aliyun://REGION/OPERATION_ID".to_owned(), theme.key),
        ("  huawei://REGION/PROJECT_ID/INSTANCE_ID/TASK_ID".to_owned(), theme.key),
        (String::new(), theme.text),
        ("or from a shell: oaswatch add TASK".to_owned(), theme.dim),
    ];
    for (i, (text, style)) in lines.iter().enumerate() {
        let y = body.y + u16::try_from(i).unwrap_or(u16::MAX);
        if y >= body.y + body.height {
            break;
        }
        put(buf, body.x + 1, y, text, cols(body.width.saturating_sub(1)), *style);
    }
}

/// The two or three lines of one task, already sanitised.
fn item_lines(app: &App, entry: &Entry, theme: &Theme, width: usize) -> Vec<Line<'static>> {
    let now = app.now();
    let times = entry.time_labels(now, app.paused());
    let stale = entry.is_stale(now, app.options().poll_interval, app.paused());
    let reference = format!("{} {}", entry.task_ref.provider(), entry.task_ref.short());
    let mut first: Vec<Span<'static>> = Vec::new();
    match &entry.task {
        Some(task) => {
            let (glyph, word) = labels::task_state(task.state);
            first.push(Span::styled(format!("{glyph} {word:<9} "), theme.task_state(task.state)));
        }
        None if entry.last_error.is_some() => first.push(Span::styled("? unknown   ", theme.unknown)),
        None => first.push(Span::styled("… loading   ", theme.dim)),
    }
    first.push(Span::styled(clean(&reference, width).into_owned(), theme.text));
    if let Some(label) = entry.progress_label(now, app.options().poll_interval, app.paused()) {
        let used = Line::from(first.clone()).width();
        let room = width.saturating_sub(used + 2);
        let text = [label.full, label.short].into_iter().find(|t| t.chars().count() <= room);
        if let Some(text) = text {
            let pad = width.saturating_sub(used + text.chars().count());
            first.push(Span::raw(" ".repeat(pad)));
            first.push(Span::styled(text, theme.tone(label.tone)));
        }
    }

    let mut second: Vec<Span<'static>> = Vec::new();
    match &entry.task {
        Some(task) => {
            second.push(Span::styled(format!("{:<6} ", task.kind.as_str()), theme.dim));
            if task.counts.total == 0 {
                // An empty gauge with "0/0" says nothing; say what there is instead.
                second.push(no_subtasks(task, theme, width.saturating_sub(7)));
            } else {
                second.extend(gauge(&task.counts, (width / 5).clamp(6, 16), theme));
                second.push(Span::raw(" "));
                second.extend(counts(task, theme));
            }
        }
        None if entry.last_error.is_some() => second.push(Span::styled("no data: the first fetch failed", theme.dim)),
        None if entry.reading_snapshot => second.push(Span::styled("reading the saved snapshot", theme.dim)),
        None => second.push(Span::styled("waiting for the first answer", theme.dim)),
    }
    let mut tail: Vec<Span<'static>> = Vec::new();
    if stale {
        let why = if entry.from_snapshot && entry.last_error.is_none() { "stale (saved)" } else { "stale" };
        tail.push(Span::styled(why, theme.stale));
    }
    if entry.task.is_some() && entry.from_snapshot && entry.updated_at.is_none() && !stale {
        tail.push(Span::styled("saved", theme.dim));
    }
    for label in [times.elapsed.map(|e| format!("⏱ {e}")), times.updated, times.next].into_iter().flatten() {
        tail.push(Span::styled(label, theme.dim));
    }
    // Labels in order of importance, each only if it fits whole: a narrow pane drops "next in"
    // and "updated" rather than cutting them mid-word.
    let mut used = Line::from(second.clone()).width();
    for (i, span) in tail.into_iter().enumerate() {
        let separator = if i == 0 { "  " } else { " · " };
        let needed = separator.chars().count() + span.width();
        if used + needed > width {
            break;
        }
        used += needed;
        second.push(Span::styled(separator, theme.dim));
        second.push(span);
    }

    let mut lines = vec![Line::from(first), Line::from(second)];
    if let Some(left) = entry.task.as_ref().and_then(stragglers) {
        lines.push(Line::from(vec![
            Span::styled("⚠ ", theme.warn),
            Span::styled(clean(&left.sentence(), width.saturating_sub(2)).into_owned(), theme.warn),
        ]));
    }
    if let Some(err) = &entry.last_error {
        let mut reason = String::new();
        if !err.code.is_empty() {
            reason.push_str(&err.code);
            reason.push_str(" — ");
        }
        reason.push_str(err.message.trim());
        let badge = labels::fetch_badge(err.kind);
        let since = times.error_since.map(|s| format!(" ({s})")).unwrap_or_default();
        let room = width.saturating_sub(badge.chars().count() + 2 + since.chars().count());
        lines.push(Line::from(vec![
            Span::styled(badge, theme.warn),
            Span::styled(": ", theme.warn),
            Span::styled(clean(&reason, room).into_owned(), theme.text),
            Span::styled(since, theme.dim),
        ]));
    } else if let Some(warning) = entry.task.as_ref().and_then(|t| t.warnings.first()) {
        // A task-level warning (a Huawei swagger that was not stored) takes the third row.
        let room = width.saturating_sub(2);
        lines.push(Line::from(vec![
            Span::styled("⚠ ", theme.warn),
            Span::styled(clean(warning, room).into_owned(), theme.text),
        ]));
    }
    lines
}

/// The second line of a task without subtasks: an export, a Huawei import before it ends
/// (Huawei lists subtasks only in the final result), or a task that failed as a whole.
fn no_subtasks(task: &Task, theme: &Theme, room: usize) -> Span<'static> {
    if let Some(error) = &task.error {
        let text = if error.code.is_empty() {
            error.trimmed_message().to_owned()
        } else {
            format!("{}: {}", error.code, error.trimmed_message())
        };
        return Span::styled(format!("✘ {}", clean(&text, room.saturating_sub(2))), theme.fail);
    }
    let text = match (task.kind, &task.export, task.state.is_finished()) {
        (TaskKind::Export, Some(export), _) => {
            format!("document ready, {} (Enter shows it)", labels::bytes(export.content.len()))
        }
        (TaskKind::Export, None, false) => "preparing the document".to_owned(),
        (TaskKind::Import, _, false) if !task.provider.facts().lists_items_while_running => {
            format!("subtasks are listed when the task ends ({})", task.provider.facts().display_name)
        }
        (_, _, false) => "no subtasks reported yet".to_owned(),
        (_, _, true) => "no subtasks reported".to_owned(),
    };
    Span::styled(clean(&text, room).into_owned(), theme.dim)
}

/// A bar whose segments show the subtasks of each state in proportion, in [`Counts::ORDER`];
/// each segment has its own glyph so the bar reads without colour (waiting is the empty rest).
fn gauge(c: &Counts, width: usize, theme: &Theme) -> Vec<Span<'static>> {
    let total = c.total.max(1) as usize;
    let parts = c.parts().map(|(state, n)| {
        let (glyph, style) = match state {
            SubtaskState::Succeeded => ('█', theme.ok),
            SubtaskState::Failed => ('▓', theme.fail),
            SubtaskState::Cancelled => ('╳', theme.fail),
            SubtaskState::Skipped => ('▁', theme.dim),
            SubtaskState::Running => ('▒', theme.running),
            SubtaskState::Waiting => ('░', theme.gauge_empty),
        };
        (n, glyph, style)
    });
    let mut spans = vec![Span::styled("▕", theme.dim)];
    for ((_, glyph, style), cells) in parts.iter().zip(cells(&parts.map(|(n, ..)| n as usize), total, width)) {
        if cells > 0 {
            spans.push(Span::styled(glyph.to_string().repeat(cells), *style));
        }
    }
    spans.push(Span::styled("▏", theme.dim));
    spans
}

/// Cells per segment of a `width`-cell bar for `counts` out of `total`: every non-zero count
/// gets one (a single failure must be visible), the rest goes by share, largest remainders
/// first, so the cells always add up to the bar.
fn cells(counts: &[usize; 6], total: usize, width: usize) -> [usize; 6] {
    let mut out = [0; 6];
    let nonzero = counts.iter().filter(|n| **n > 0).count();
    let mut left = width;
    for (cell, n) in out.iter_mut().zip(counts) {
        if *n > 0 && left > 0 {
            *cell = 1;
            left -= 1;
        }
    }
    if nonzero == 0 || left == 0 {
        return out;
    }
    let share = |n: usize| (n * left, total.max(1));
    let mut given = 0;
    let mut remainders: Vec<(usize, usize)> = Vec::with_capacity(6);
    for (k, n) in counts.iter().enumerate() {
        let (num, den) = share(*n);
        out[k] += num / den;
        given += num / den;
        remainders.push((num % den, k));
    }
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, k) in remainders.into_iter().filter(|(_, k)| counts[*k] > 0).cycle().take(left.saturating_sub(given)) {
        out[k] += 1;
    }
    out
}

/// `12/40 ✔5 ✘4 ⊘3 ●2 ○26`: each state with its own glyph, in [`Counts::ORDER`]; cancelled and
/// skipped only when there are some, the others always, so rows line up.
fn counts(task: &Task, theme: &Theme) -> Vec<Span<'static>> {
    let c = &task.counts;
    let done = labels::count(c.done() as usize);
    let total = labels::count(c.total as usize);
    let mut spans = vec![Span::styled(format!("{done}/{total}"), theme.text)];
    for (state, n) in c.parts() {
        let optional = matches!(state, SubtaskState::Cancelled | SubtaskState::Skipped);
        if optional && n == 0 {
            continue;
        }
        let (glyph, _) = labels::subtask_state(state);
        let style = match state {
            _ if n == 0 => theme.dim,
            SubtaskState::Succeeded => theme.ok,
            SubtaskState::Failed | SubtaskState::Cancelled => theme.fail,
            SubtaskState::Running => theme.running,
            SubtaskState::Skipped | SubtaskState::Waiting => theme.dim,
        };
        spans.push(Span::styled(format!(" {glyph}{}", labels::count(n as usize)), style));
    }
    spans
}
