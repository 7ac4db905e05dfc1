//! The subtask pane: tabs `[Subtasks] Groups (N)`; under Subtasks, the activity line
//! (sparkline, rate, ETA) and a virtualised table of the selected task's subtasks; under Groups,
//! the failure groups (`groups.rs`).
//!
//! Builds `Row`s only for the visible window (`offset..offset + height`) of the view index and
//! renders a `Table` with a `TableState` relative to that slice, so 100,000 subtasks cost what
//! 30 do. Rows that changed since the user last looked carry a `•` and bold text. The title
//! shows the tabs, the failure count, the total, the listed group, the number of changes, the
//! filter and the sort. Reads `&App` only.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Cell, Row, StatefulWidget, Table, TableState, Widget};

use crate::analysis::ChangedSet;
use crate::app::columns::{self, Col};
use crate::app::insight::Tab;
use crate::app::subtask_view::{SortMode, view_offset};
use crate::app::{App, Entry, Focus, labels};
use crate::domain::{Subtask, SubtaskState, Task};

use super::theme::Theme;
use super::{activity, clean, clean_middle, cols, groups, put};
use crate::app::layout::{inner, is_shown, subtask_table};

pub fn render(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    if !is_shown(area) {
        return;
    }
    let focused = app.focus() == Focus::Subtasks && app.help().is_none();
    let entry = app.selected_entry();
    let block = Block::bordered()
        .border_type(if focused { BorderType::Thick } else { BorderType::Plain })
        .border_style(if focused { theme.border_focused } else { theme.border })
        .title(title(entry, theme, usize::from(area.width.saturating_sub(4))));
    let position = entry.filter(|e| e.task.is_some()).and_then(|e| match e.insight.tab() {
        Tab::Groups if !e.insight.groups().is_empty() => Some((e.insight.group_selected(), e.insight.groups().len())),
        Tab::Subtasks if !e.view.is_empty() => Some((e.view.selected(), e.view.len())),
        Tab::Groups | Tab::Subtasks => None,
    });
    let block = match position {
        Some((at, of)) => block.title_bottom(
            Line::from(format!(" {}/{} ", labels::count(at + 1), labels::count(of))).style(theme.dim).right_aligned(),
        ),
        None => block,
    };
    block.render(area, buf);
    let body = inner(area);
    if !is_shown(body) {
        return;
    }
    let Some(entry) = entry else {
        put(
            buf,
            body.x + 1,
            body.y,
            "Select or add a task to see its subtasks.",
            cols(body.width.saturating_sub(1)),
            theme.dim,
        );
        return;
    };
    let Some(task) = entry.task.as_ref() else {
        let msg = match &entry.last_error {
            Some(_) => "No data: fetching this task failed (see the task list; e shows the error).",
            None if entry.reading_snapshot => "Reading the saved snapshot…",
            None => "Waiting for the first answer…",
        };
        put(buf, body.x + 1, body.y, msg, cols(body.width.saturating_sub(1)), theme.dim);
        return;
    };
    if entry.insight.tab() == Tab::Groups {
        groups::render(app, entry, task, theme, area, focused, buf);
        return;
    }
    let table_area = subtask_table(area, entry.shows_activity());
    if table_area.y > body.y {
        activity::render(app, entry, theme, Rect { height: 1, ..body }, buf);
    }
    if entry.view.is_empty() {
        empty_view(entry, task, theme, table_area, buf);
        return;
    }
    table(entry, task, theme, table_area, focused, buf);
}

fn title(entry: Option<&Entry>, theme: &Theme, width: usize) -> Line<'static> {
    let Some((entry, task)) = entry.and_then(|e| e.task.as_ref().map(|t| (e, t))) else {
        return Line::from(Span::styled(" Subtasks ", theme.title));
    };
    let insight = &entry.insight;
    let groups = format!("Groups ({})", labels::count(insight.groups().len()));
    let mut spans = match insight.tab() {
        Tab::Subtasks => vec![Span::styled(" [Subtasks]", theme.title), Span::styled(format!(" {groups}"), theme.dim)],
        Tab::Groups => vec![Span::styled(" Subtasks ", theme.dim), Span::styled(format!("[{groups}]"), theme.title)],
    };
    spans.push(Span::styled(" │ ", theme.dim));
    let tabs = spans.len();
    let c = task.counts;
    // The states that were not imported, each with its glyph, as the task row counts them.
    let counted = |spans: &mut Vec<Span<'static>>| {
        for (state, n) in c.parts() {
            let always = state == SubtaskState::Failed;
            if !always && (n == 0 || !matches!(state, SubtaskState::Cancelled | SubtaskState::Skipped)) {
                continue;
            }
            if !always {
                spans.push(Span::styled(" · ", theme.dim));
            }
            let (glyph, word) = labels::subtask_state(state);
            let style = if n == 0 || state == SubtaskState::Skipped { theme.dim } else { theme.fail };
            spans.push(Span::styled(format!("{glyph} {} {word}", labels::count(n as usize)), style));
        }
        spans.push(Span::styled(format!(" / {}", labels::count(task.subtasks.len())), theme.text));
    };
    if insight.tab() == Tab::Groups {
        counted(&mut spans);
        spans.push(Span::raw(" "));
        return fit(Line::from(spans), width, tabs + 2);
    }
    match insight.active_group() {
        Some((rank, group)) => {
            // The listed group comes first: the user must see that the table is one group.
            let head = format!("group {}/{}: ", rank + 1, insight.groups().len());
            let room = width.saturating_sub(Line::from(spans.clone()).width() + head.chars().count() + 2).max(12);
            spans.push(Span::styled(head, theme.key));
            spans.push(Span::styled(clean(&group.label(), room).into_owned(), theme.fail));
        }
        None => counted(&mut spans),
    }
    let keep = spans.len();
    let view = &entry.view;
    if view.len() != task.subtasks.len() && !(insight.active_group().is_some() && view.len() == view_scope_len(entry)) {
        spans.push(Span::styled(format!(" · showing {}", labels::count(view.len())), theme.text));
    }
    let changed = insight.changed().len();
    if changed > 0 {
        spans.push(Span::styled(format!(" · • {} changed", labels::count(changed)), theme.changed));
    }
    if insight.changes_only() {
        spans.push(Span::styled(" — changes only", theme.key));
    }
    if !view.filter().is_empty() {
        let shown = clean(view.filter(), 30).into_owned();
        spans.push(Span::styled(format!(" — filter \"{shown}\""), theme.key));
    }
    if view.failures_only() {
        spans.push(Span::styled(" — failures only", theme.key));
    }
    spans.push(Span::styled(format!(" — sort: {} ↑", view.sort().label()), theme.dim));
    spans.push(Span::raw(" "));
    fit(Line::from(spans), width, keep)
}

/// Members of the listed group, to tell whether the filter hides some of them.
fn view_scope_len(entry: &Entry) -> usize {
    entry.insight.active_group().map_or(0, |(_, g)| g.count())
}

/// Keeps the first `keep` spans readable when the title is wider than the pane: drops trailing parts.
fn fit(mut line: Line<'static>, width: usize, keep: usize) -> Line<'static> {
    while line.width() > width && line.spans.len() > keep {
        line.spans.pop();
    }
    line
}

fn empty_view(entry: &Entry, task: &Task, theme: &Theme, body: Rect, buf: &mut Buffer) {
    let w = cols(body.width.saturating_sub(1));
    if task.subtasks.is_empty() {
        let msg = match &task.export {
            Some(file) => format!(
                "Export task: {}{} ({} bytes). No subtasks: Enter shows the document, S saves it.",
                file.file_name,
                file.file_type,
                labels::count(file.content.len())
            ),
            // Ended without listing any (a Huawei task that failed as a whole): none will come.
            None if task.is_finished() && task.error.is_some() => {
                "This task ended without subtasks: it failed as a whole (e shows its error).".to_owned()
            }
            None if task.is_finished() => "This task ended without subtasks.".to_owned(),
            None => "This task has no subtasks (yet).".to_owned(),
        };
        put(buf, body.x + 1, body.y, &clean(&msg, w), w, theme.dim);
        return;
    }
    let msg = if !entry.view.filter().is_empty() {
        format!("No subtask matches \"{}\". Esc clears the filter.", entry.view.filter())
    } else if entry.insight.changes_only() {
        if entry.insight.changed().has_baseline() {
            "No change since you last looked. Press c to show all.".to_owned()
        } else {
            "Changes are marked • from your first visit on; none yet. Press c to show all.".to_owned()
        }
    } else if entry.view.failures_only() {
        "No failed subtasks. Press f to show all.".to_owned()
    } else {
        "No subtask to show.".to_owned()
    };
    put(buf, body.x + 1, body.y, &clean(&msg, w), w, theme.dim);
}

fn table(entry: &Entry, task: &Task, theme: &Theme, body: Rect, focused: bool, buf: &mut Buffer) {
    let view = &entry.view;
    let height = usize::from(body.height.saturating_sub(1)).max(1);
    let offset = view_offset(view.selected(), view.offset(), height, view.len());
    let end = (offset + height).min(view.len());
    let visible: Vec<(u32, &Subtask)> = view.index()[offset..end]
        .iter()
        .filter_map(|&pos| task.subtasks.get(pos as usize).map(|sub| (pos, sub)))
        .collect();
    // Widths from what these rows hold; the selection marker takes one column of its own.
    let cols_spec = columns::wanted(visible.iter().map(|(_, sub)| *sub)).split(body.width);
    let changed = entry.insight.changed();
    let middle = middle_cut_columns(&visible, &cols_spec);
    let rows: Vec<Row<'_>> =
        visible.iter().map(|&(pos, sub)| row(sub, is_changed(changed, pos), &cols_spec, middle, theme)).collect();
    // The sort column carries the direction (every sort is ascending; failures first sorts
    // by state, worst first).
    let sorted = match view.sort() {
        SortMode::FailuresFirst | SortMode::State => Col::State,
        SortMode::Path => Col::Path,
        SortMode::Name => Col::Name,
        SortMode::Kind => Col::Kind,
    };
    let header = Row::new(cols_spec.iter().map(|(col, _)| {
        if *col == sorted { Cell::from(format!("{}↑", col.header())) } else { Cell::from(col.header()) }
    }))
    .style(theme.header_row);
    let constraints: Vec<Constraint> = cols_spec.iter().map(|(_, w)| Constraint::Length(*w)).collect();
    let highlight = if focused { theme.selected } else { Style::new().add_modifier(ratatui::style::Modifier::BOLD) };
    let table = Table::new(rows, constraints)
        .header(header)
        .column_spacing(1)
        .row_highlight_style(highlight)
        // One column: the change mark follows it, so "▶•" reads as "selected, changed".
        .highlight_symbol("▶")
        .highlight_spacing(ratatui::widgets::HighlightSpacing::Always);
    let mut state = TableState::default().with_selected(Some(view.selected() - offset)).with_offset(0);
    StatefulWidget::render(table, body, buf, &mut state);
}

fn is_changed(changed: &ChangedSet, pos: u32) -> bool {
    usize::try_from(pos).is_ok_and(|p| changed.contains(p))
}

/// Which of the path, name and error columns are cut in the middle: those where that tells more
/// visible rows apart than cutting the end does (six rows of `/api/v2/vehicl…` become
/// `/api/v2/…/{vehicleId}`, `/api/v2/…/{driverId}`…); the others keep their beginning.
fn middle_cut_columns(visible: &[(u32, &Subtask)], spec: &[(Col, u16)]) -> [bool; 3] {
    let mut out = [false; 3];
    for (k, col) in [Col::Path, Col::Name, Col::Error].into_iter().enumerate() {
        let Some(&(_, w)) = spec.iter().find(|(c, _)| *c == col) else { continue };
        let w = usize::from(w);
        let texts: Vec<String> = visible
            .iter()
            .map(|(_, sub)| match col {
                Col::Path => sub.path().to_owned(),
                Col::Name => sub.name().to_owned(),
                _ => columns::error_cell(sub).0,
            })
            .collect();
        let distinct =
            |cut: &dyn Fn(&str) -> String| texts.iter().map(|t| cut(t)).collect::<std::collections::HashSet<_>>().len();
        let end = distinct(&|t| clean(t, w).into_owned());
        if end < texts.iter().collect::<std::collections::HashSet<_>>().len() {
            out[k] = distinct(&|t| clean_middle(t, w).into_owned()) > end;
        }
    }
    out
}

fn row<'a>(sub: &'a Subtask, changed: bool, spec: &[(Col, u16)], middle: [bool; 3], theme: &Theme) -> Row<'a> {
    let cut = |text: &str, w: usize, middle: bool| {
        if middle { clean_middle(text, w).into_owned() } else { clean(text, w).into_owned() }
    };
    let cells = spec.iter().map(|&(col, w)| {
        let w = usize::from(w);
        match col {
            Col::Mark => Cell::from(if changed { Span::styled("•", theme.changed) } else { Span::raw("") }),
            Col::State => {
                let (glyph, word) = labels::subtask_state(sub.state);
                Cell::from(Span::styled(format!("{glyph} {word}"), theme.subtask_state(sub.state)))
            }
            Col::Kind => Cell::from(Span::styled(sub.kind.as_str(), theme.dim)),
            Col::Method => Cell::from(clean(sub.method(), w).into_owned()),
            Col::Path => Cell::from(cut(sub.path(), w, middle[0])),
            Col::Name => Cell::from(cut(sub.name(), w, middle[1])),
            Col::Error => {
                // The preview, not the whole message: drawing a row never decompresses a trace.
                let (text, is_error) = columns::error_cell(sub);
                let style = if is_error { theme.fail } else { theme.dim };
                Cell::from(Span::styled(cut(&text, w, middle[2]), style))
            }
        }
    });
    let row = Row::new(cells);
    if changed { row.style(theme.changed_row) } else { row }
}
