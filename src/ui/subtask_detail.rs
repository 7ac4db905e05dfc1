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
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Cell, Row, StatefulWidget, Table, TableState, Widget};

use crate::analysis::ChangedSet;
use crate::app::insight::Tab;
use crate::app::subtask_view::{SortMode, view_offset};
use crate::app::{App, Entry, Focus, labels};
use crate::domain::{Subtask, SubtaskState, Task};

use super::theme::Theme;
use super::{activity, clean, cols, groups, put};
use crate::app::layout::{inner, is_shown, subtask_table};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Col {
    /// `•` when the subtask changed since the user last looked.
    Mark,
    State,
    Kind,
    Method,
    Path,
    Name,
    Error,
}

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
    if view.sort() != SortMode::FailuresFirst {
        spans.push(Span::styled(format!(" — sort: {}", view.sort().label()), theme.dim));
    }
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

fn columns(width: u16) -> Vec<(Col, Constraint)> {
    let mut c = vec![(Col::Mark, Constraint::Length(1)), (Col::State, Constraint::Length(11))];
    if width >= 90 {
        c.push((Col::Kind, Constraint::Length(5)));
    }
    c.push((Col::Method, Constraint::Length(7)));
    c.push((Col::Path, Constraint::Fill(3)));
    if width >= 70 {
        c.push((Col::Name, Constraint::Fill(2)));
    }
    c.push((Col::Error, Constraint::Fill(4)));
    c
}

fn table(entry: &Entry, task: &Task, theme: &Theme, body: Rect, focused: bool, buf: &mut Buffer) {
    let view = &entry.view;
    let height = usize::from(body.height.saturating_sub(1)).max(1);
    // The selection marker is 1 wide; the rest is split exactly so every cell can be cut to fit.
    let cols_spec = columns(body.width);
    let usable = Rect { width: body.width.saturating_sub(1), ..body };
    let widths = Layout::horizontal(cols_spec.iter().map(|(_, c)| *c)).spacing(1).split(usable);
    let offset = view_offset(view.selected(), view.offset(), height, view.len());
    let end = (offset + height).min(view.len());
    let changed = entry.insight.changed();
    let rows: Vec<Row<'_>> = view.index()[offset..end]
        .iter()
        .filter_map(|&pos| task.subtasks.get(pos as usize).map(|sub| (pos, sub)))
        .map(|(pos, sub)| row(sub, is_changed(changed, pos), &cols_spec, &widths, theme))
        .collect();
    let header = Row::new(cols_spec.iter().map(|(col, _)| Cell::from(header_label(*col)))).style(theme.header_row);
    let constraints: Vec<Constraint> = widths.iter().map(|r| Constraint::Length(r.width)).collect();
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

fn header_label(col: Col) -> &'static str {
    match col {
        Col::Mark => "",
        Col::State => "state",
        Col::Kind => "kind",
        Col::Method => "method",
        Col::Path => "path",
        Col::Name => "name",
        Col::Error => "error",
    }
}

fn row<'a>(sub: &'a Subtask, changed: bool, spec: &[(Col, Constraint)], widths: &[Rect], theme: &Theme) -> Row<'a> {
    let cells = spec.iter().zip(widths).map(|((col, _), rect)| {
        let w = usize::from(rect.width);
        match col {
            Col::Mark => Cell::from(if changed { Span::styled("•", theme.changed) } else { Span::raw("") }),
            Col::State => {
                let (glyph, word) = labels::subtask_state(sub.state);
                Cell::from(Span::styled(format!("{glyph} {word}"), theme.subtask_state(sub.state)))
            }
            Col::Kind => Cell::from(Span::styled(sub.kind.as_str(), theme.dim)),
            Col::Method => Cell::from(clean(sub.method(), w).into_owned()),
            Col::Path => Cell::from(clean(sub.path(), w).into_owned()),
            Col::Name => Cell::from(clean(sub.name(), w).into_owned()),
            Col::Error if sub.has_error() => {
                // The preview, not the whole message: drawing a row never decompresses a trace.
                let (code, preview) = (sub.error_code(), sub.error_preview());
                let text = if code.is_empty() {
                    clean(preview.trim_end(), w).into_owned()
                } else {
                    let code = clean(code, w).into_owned();
                    let rest = w.saturating_sub(code.chars().count() + 1);
                    format!("{code} {}", clean(preview.trim_end(), rest))
                };
                Cell::from(Span::styled(text, theme.fail))
            }
            Col::Error if sub.state.is_problem() => Cell::from(Span::styled("(no error text)", theme.dim)),
            Col::Error => Cell::from(Span::styled(
                sub.action.map_or("", |a| match a {
                    crate::domain::ChangeAction::Create => "created",
                    crate::domain::ChangeAction::Update => "updated",
                }),
                theme.dim,
            )),
        }
    });
    let row = Row::new(cells);
    if changed { row.style(theme.changed_row) } else { row }
}
