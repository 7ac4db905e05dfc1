//! The header (summary, PAUSED, how the request budget is shared when it falls short, flash
//! messages), the input line and the footer of key hints.
//!
//! The footer always shows the keys that work where the user is, read from the keymap so that
//! remapped keys show as remapped, and only where they apply (`F groups` and `x report` for a
//! task with failures, `S save` for an export, `o pager` in the viewer); in the input line it
//! shows the live validation instead. Reads `&App` only.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Widget};
use unicode_width::UnicodeWidthStr;

use crate::app::input::InputPurpose;
use crate::app::insight::Tab;
use crate::app::keymap::KeyContext;
use crate::app::{App, Command, FlashLevel, labels};
use crate::domain::TaskState;
use crate::sanitize;

use super::theme::Theme;
use super::{clean, cols, put};
use crate::app::layout::is_shown;

pub fn render_header(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    if !is_shown(area) {
        return;
    }
    let mut spans = vec![Span::styled(" oaswatch ", theme.title)];
    if app.paused() {
        spans.push(Span::styled(" ⏸ PAUSED ", theme.paused));
        spans.push(Span::raw(" "));
    }
    let entries = app.entries();
    spans
        .push(Span::styled(format!("{} task{}", entries.len(), if entries.len() == 1 { "" } else { "s" }), theme.text));
    let mut first = true;
    for state in [
        TaskState::Running,
        TaskState::Waiting,
        TaskState::PartiallyFailed,
        TaskState::Failed,
        TaskState::Succeeded,
        TaskState::Unknown,
    ] {
        let n = entries.iter().filter(|e| e.task.as_ref().is_some_and(|t| t.state == state)).count();
        if n > 0 {
            let (glyph, word) = labels::task_state(state);
            spans.push(Span::styled(if first { ": " } else { "  " }, theme.dim));
            first = false;
            spans.push(Span::styled(format!("{glyph} {n} {word}"), theme.task_state(state)));
        }
    }
    let failing = entries.iter().filter(|e| e.last_error.is_some()).count();
    if failing > 0 {
        spans.push(Span::styled(format!("  ⚠ {failing} not updating"), theme.warn));
    }
    let flash = app.flash();
    if flash.is_none()
        && let Some(note) = budget_note(app, theme, cols(area.width).saturating_sub(Line::from(spans.clone()).width()))
    {
        spans.push(note);
    }
    let mut left = Line::from(spans);
    // A message that does not fit beside the summary (a written file's full path) takes the
    // line: the summary is in the panes anyway, the path is nowhere else.
    if let Some(f) = flash
        && sanitize::line(&f.text).chars().count() + left.width() + 2 > cols(area.width)
    {
        left = Line::from(left.spans[0].clone());
    }
    buf.set_line(area.x, area.y, &left, area.width);
    if let Some(flash) = flash {
        let room = cols(area.width).saturating_sub(left.width() + 2);
        let text = if flash.keep_start > 0 && flash.keep_start < room {
            clean(&flash.text, room).into_owned()
        } else {
            middle_cut(&flash.text, room)
        };
        let style = match flash.level {
            FlashLevel::Info => theme.flash_info,
            FlashLevel::Error => theme.flash_error,
        };
        let w = u16::try_from(text.chars().count()).unwrap_or(area.width);
        if room > 0 && w > 0 {
            let x = area.x + area.width.saturating_sub(w + 1);
            put(buf, x, area.y, &text, room, style);
        }
    }
}

/// When the request budget cannot poll every task at the asked interval (or throttling lowered
/// it), say so in the `room` columns left: "⏱ 200 tasks share 10 requests/s: each polled about
/// every 20 s", or only its end when that is all that fits.
fn budget_note(app: &App, theme: &Theme, room: usize) -> Option<Span<'static>> {
    let share = app.budget_note()?;
    let style = if share.is_lowered() { theme.warn } else { theme.dim };
    let every = labels::duration(share.every);
    let rate = if share.is_lowered() { format!("{:.1}", share.rate) } else { share.ceiling.to_string() };
    [
        format!("  ⏱ {share}"),
        if share.tasks == 1 {
            format!("  ⏱ 1 task has {rate} req/s: polled every ~{every}")
        } else {
            format!("  ⏱ {} tasks share {rate} req/s: each every ~{every}", share.tasks)
        },
        format!("  ⏱ each polled ~every {every}"),
    ]
    .into_iter()
    .find(|text| text.chars().count() < room)
    .map(|text| Span::styled(text, style))
}

/// Sanitised `text` in `width` columns, cut in the middle when too long, so both the start
/// ("report written to /home/…") and the end (the file name) stay readable.
fn middle_cut(text: &str, width: usize) -> String {
    let line = sanitize::line(text);
    let chars: Vec<char> = line.chars().collect();
    // Flash texts are ours plus paths and codes: one column per character is close enough, and
    // `put` cuts at the true width anyway.
    if chars.len() <= width {
        return line.into_owned();
    }
    if width < 9 {
        return clean(&line, width).into_owned();
    }
    let tail = (width - 1) / 2;
    let head = width - 1 - tail;
    let mut out: String = chars[..head].iter().collect();
    out.push('…');
    out.extend(&chars[chars.len() - tail..]);
    out
}

pub fn render_input(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    if !is_shown(area) {
        return;
    }
    let Some(input) = app.input() else { return };
    let prompt = input.purpose.prompt();
    let x = put(buf, area.x, area.y, prompt, cols(area.width), theme.key);
    let room = cols((area.x + area.width).saturating_sub(x)).saturating_sub(1);
    if room == 0 {
        return;
    }
    // Show the part of the text around the cursor when it is longer than the line.
    let chars: Vec<char> = input.text().chars().collect();
    let start = input.cursor().saturating_sub(room.saturating_sub(1));
    let visible: String = chars[start.min(chars.len())..].iter().collect();
    let shown = clean(&visible, room);
    let end = put(buf, x, area.y, &shown, room, theme.input);
    let cursor_col = x + u16::try_from(input.cursor() - start).unwrap_or(0);
    let cursor_col = cursor_col.min(end).min(area.x + area.width - 1);
    let cell = &mut buf[(cursor_col, area.y)];
    if cell.symbol().trim().is_empty() {
        cell.set_symbol(" ");
    }
    cell.set_style(theme.input.add_modifier(Modifier::REVERSED));
}

pub fn render_footer(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    if !is_shown(area) {
        return;
    }
    if let Some(input) = app.input() {
        input_feedback(app, input.purpose, theme, area, buf);
        return;
    }
    let context = app.key_context();
    let mut hints = hints_for(app, context);
    let width = |h: &(String, String)| h.0.chars().count() + h.1.chars().count() + 3;
    let room = cols(area.width.saturating_sub(1)) + 2;
    // The help hint always stays: it is how a new user finds everything else.
    let help = hints.iter().position(|(_, label)| label == "help").map(|i| hints.remove(i));
    let mut budget = room.saturating_sub(help.as_ref().map_or(0, width));
    let mut shown: Vec<(String, String)> = Vec::new();
    for hint in hints {
        if width(&hint) > budget {
            break;
        }
        budget -= width(&hint);
        shown.push(hint);
    }
    shown.extend(help);
    let end = area.x + area.width;
    let mut x = area.x + 1;
    for (key, label) in shown {
        x = put(buf, x, area.y, &key, cols(end.saturating_sub(x)), theme.key);
        x = put(buf, x, area.y, &format!(" {label}  "), cols(end.saturating_sub(x)), theme.dim);
    }
}

fn input_feedback(app: &App, purpose: InputPurpose, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let w = cols(area.width.saturating_sub(1));
    match purpose {
        InputPurpose::AddTask => match app.input_error() {
            Some(err) => {
                put(buf, area.x + 1, area.y, &clean(&format!("✘ {err}"), w), w, theme.input_error);
            }
            None if app.input().is_some_and(|i| !i.text().trim().is_empty()) => {
                put(buf, area.x + 1, area.y, "✔ valid reference — Enter adds it, Esc cancels", w, theme.ok);
            }
            None => {
                put(
                    buf,
                    area.x + 1,
                    area.y,
                    "aliyun://REGION/OPERATION_ID or huawei://REGION/PROJECT_ID/INSTANCE_ID/TASK_ID — Esc cancels",
                    w,
                    theme.dim,
                );
            }
        },
        InputPurpose::SpecPath => match (app.input_error(), app.input_note()) {
            // Too long for this line, it is shown whole above the input (`render_input_problem`).
            (Some(problem), _) if problem.width() + 2 > w => {
                put(
                    buf,
                    area.x + 1,
                    area.y,
                    "✘ this path cannot be used (why: above) — Esc cancels",
                    w,
                    theme.input_error,
                );
            }
            (Some(problem), _) => {
                put(buf, area.x + 1, area.y, &clean(&format!("✘ {problem}"), w), w, theme.input_error);
            }
            (None, Some(note)) => put_then(buf, area, &clean(&format!("✔ {note}"), w), theme.ok),
            (None, None) => put_then(
                buf,
                area,
                "the OpenAPI file this task imported (~/ for home) — Enter writes the retry spec, Esc cancels",
                theme.dim,
            ),
        },
        InputPurpose::Filter => {
            let msg = match app.selected_entry().and_then(|e| e.task.as_ref().map(|t| (e, t))) {
                Some((e, t)) => format!(
                    "{} of {} match — method, path, name, id, error · Enter keeps it, Esc restores",
                    labels::count(e.view.len()),
                    labels::count(t.subtasks.len())
                ),
                None => "Enter keeps the filter, Esc restores it".to_owned(),
            };
            put(buf, area.x + 1, area.y, &msg, w, theme.dim);
        }
        InputPurpose::TaskFilter => {
            let msg = format!(
                "{} of {} tasks match — every word: provider, state, label or reference · Enter keeps it, Esc restores",
                labels::count(app.shown_count()),
                labels::count(app.entries().len())
            );
            put(buf, area.x + 1, area.y, &msg, w, theme.dim);
        }
        InputPurpose::Label => {
            let msg = "a name for this task, kept in the watch list (empty takes it away) — Enter sets it, Esc cancels";
            put(buf, area.x + 1, area.y, msg, w, theme.dim);
        }
        InputPurpose::Search => {
            let msg = match app.viewer().and_then(|v| v.search()) {
                Some(search) => format!(
                    "{} matches — Enter keeps the search (n next, N previous), Esc restores",
                    labels::count(search.matches.len())
                ),
                None => "type to search the text — Esc cancels".to_owned(),
            };
            put(buf, area.x + 1, area.y, &msg, w, theme.dim);
        }
    }
}

fn put_then(buf: &mut Buffer, area: Rect, text: &str, style: Style) {
    let w = cols(area.width.saturating_sub(1));
    put(buf, area.x + 1, area.y, text, w, style);
}

/// A problem with the typed spec path that the footer's one line cannot hold whole (a long
/// path and its reason): shown wrapped in a box above the input line, so no part of the path
/// is cut.
pub fn render_input_problem(app: &App, theme: &Theme, input: Rect, buf: &mut Buffer) {
    let (Some(line), Some(problem)) = (app.input(), app.input_error()) else { return };
    if line.purpose != InputPurpose::SpecPath || !is_shown(input) {
        return;
    }
    let text = format!("✘ {}", sanitize::line(problem));
    let width = input.width;
    if text.width() <= cols(width.saturating_sub(1)) {
        return;
    }
    let inner = cols(width.saturating_sub(4)).max(1);
    let rows = super::wrap_columns(&text, inner);
    let height = u16::try_from(rows.len() + 2).unwrap_or(u16::MAX).min(input.y);
    if height < 3 {
        return;
    }
    let area = Rect { x: input.x, y: input.y - height, width, height };
    Clear.render(area, buf);
    Block::bordered().border_type(BorderType::Rounded).border_style(theme.input_error).render(area, buf);
    for (i, row) in rows.iter().take(usize::from(height - 2)).enumerate() {
        let y = area.y + 1 + u16::try_from(i).unwrap_or(0);
        put(buf, area.x + 2, y, row, inner, theme.input_error);
    }
}

/// What the selected task offers, which decides the hints shown.
#[derive(Clone, Copy)]
#[expect(clippy::struct_excessive_bools, reason = "independent facts about one task, read once per frame")]
struct Offers {
    failures: bool,
    export: bool,
    changed: bool,
    groups_tab: bool,
    in_group: bool,
}

/// The hints for a context, most useful first; the footer shows as many as fit.
fn hints_for(app: &App, context: KeyContext) -> Vec<(String, String)> {
    let entry = app.selected_entry().filter(|e| e.task.is_some());
    let offers = Offers {
        failures: entry.is_some_and(|e| e.problem_count() > 0),
        export: entry.is_some_and(crate::app::Entry::has_export),
        changed: entry.is_some_and(|e| !e.insight.changed().is_empty() || e.insight.changes_only()),
        groups_tab: entry.is_some_and(|e| e.insight.tab() == Tab::Groups),
        in_group: entry.is_some_and(|e| e.insight.active_group().is_some()),
    };
    // What a new user most needs next goes first: the footer cuts from the end.
    let list: Vec<(Command, &str)> = match context {
        KeyContext::Tasks | KeyContext::Global => task_hints(app, offers),
        KeyContext::Subtasks => subtask_hints(offers),
        KeyContext::Viewer => viewer_hints(offers),
        KeyContext::Help => vec![(Command::Back, "close"), (Command::Down, "scroll")],
        KeyContext::Confirm if app.import_offer().is_some() => {
            vec![(Command::Confirm, "import"), (Command::Deny, "not now")]
        }
        KeyContext::Confirm => vec![(Command::Confirm, "remove"), (Command::Deny, "keep")],
        KeyContext::Input => vec![(Command::Submit, "accept"), (Command::Cancel, "cancel")],
        KeyContext::Report => vec![
            (Command::ReportMarkdown, "Markdown"),
            (Command::ReportCsv, "CSV"),
            (Command::ReportJson, "JSON"),
            (Command::Cancel, "cancel"),
        ],
    };
    list.into_iter()
        .filter_map(|(cmd, label)| app.keymap().label(context, cmd).map(|k| (k, label.to_owned())))
        .collect()
}

/// `items` when `on`, else nothing: reads as a list of conditional hints.
fn when(on: bool, items: &[(Command, &'static str)]) -> Vec<(Command, &'static str)> {
    if on { items.to_vec() } else { Vec::new() }
}

fn task_hints(app: &App, o: Offers) -> Vec<(Command, &'static str)> {
    if app.entries().is_empty() {
        return vec![(Command::Add, "add task"), (Command::Help, "help"), (Command::Quit, "quit")];
    }
    let pause = if app.paused() { "resume" } else { "pause" };
    [
        when(o.export, &[(Command::Enter, "view export"), (Command::SaveExport, "save")]),
        when(!o.export, &[(Command::Enter, "subtasks")]),
        when(o.failures, &[(Command::Groups, "groups"), (Command::Report, "report")]),
        vec![
            (Command::NextFailure, "next failure"),
            (Command::OpenError, "error"),
            (Command::NextFailedTask, "failed task"),
            (Command::Add, "add"),
            (Command::Remove, "remove"),
            (Command::Refresh, "refresh"),
            (Command::Pause, pause),
            (Command::Quit, "quit"),
            (Command::Help, "help"),
        ],
    ]
    .concat()
}

fn subtask_hints(o: Offers) -> Vec<(Command, &'static str)> {
    if o.groups_tab {
        return vec![
            (Command::Enter, "list group"),
            (Command::NextFailure, "first failure"),
            (Command::Report, "report"),
            (Command::Copy, "copy"),
            (Command::Groups, "subtasks"),
            (Command::Back, "back"),
            (Command::Quit, "quit"),
            (Command::Help, "help"),
        ];
    }
    [
        when(o.export, &[(Command::Enter, "view export"), (Command::SaveExport, "save")]),
        when(!o.export, &[(Command::Enter, "details"), (Command::NextFailure, "next failure")]),
        when(o.in_group, &[(Command::Back, "groups")]),
        when(o.failures && !o.in_group, &[(Command::Groups, "groups")]),
        when(o.failures, &[(Command::Report, "report")]),
        when(o.changed, &[(Command::ChangesOnly, "changes")]),
        vec![
            (Command::Filter, "filter"),
            (Command::FailuresOnly, "failures only"),
            (Command::PrevFailure, "prev"),
            (Command::CycleSort, "sort"),
            (Command::Copy, "copy"),
        ],
        when(!o.in_group, &[(Command::Back, "back")]),
        vec![(Command::Quit, "quit"), (Command::Help, "help")],
    ]
    .concat()
}

fn viewer_hints(o: Offers) -> Vec<(Command, &'static str)> {
    [
        vec![(Command::Down, "scroll")],
        when(!o.export, &[(Command::NextFailure, "next failure")]),
        when(o.export, &[(Command::SaveExport, "save")]),
        vec![
            (Command::OpenPager, "pager"),
            (Command::OpenEditor, "editor"),
            (Command::Copy, "copy"),
            (Command::ToggleWrap, "wrap"),
            (Command::ToggleRaw, "raw JSON"),
        ],
        when(!o.export, &[(Command::PrevFailure, "prev")]),
        vec![(Command::Back, "close"), (Command::Quit, "quit"), (Command::Help, "help")],
    ]
    .concat()
}

#[cfg(test)]
mod tests {
    use super::{clean, middle_cut};

    #[test]
    fn an_address_keeps_its_start_whole_and_loses_its_end() {
        // What the header does with a flash that keeps its start (an address).
        let text = "https://console.example/#/a/b — copied (set $BROWSER)";
        assert_eq!(clean(text, 30), "https://console.example/#/a/b…");
        assert_eq!(clean("short", 10), "short");
    }

    #[test]
    fn long_messages_keep_their_start_and_end() {
        assert_eq!(middle_cut("short", 10), "short");
        assert_eq!(middle_cut("report written to /a/very/long/dir/file.md", 21), "report wri…ir/file.md");
        assert_eq!(middle_cut("evil\u{1b}]0;x", 40), "evil^[]0;x");
        assert_eq!(middle_cut("abcdefghij", 5), "abcd…");
    }
}
