//! The subtask pane: a virtualised table of the selected task's subtasks.
//!
//! Builds `Row`s only for the visible window (`offset..offset + height`) of the view index and
//! renders a `Table` with a `TableState` relative to that slice, so 100,000 subtasks cost what
//! 30 do. The title always shows the failure count, the total, the filter and the sort.
//! Reads `&App` only.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Cell, Row, StatefulWidget, Table, TableState, Widget};

use crate::app::subtask_view::{SortMode, view_offset};
use crate::app::{App, Entry, Focus, labels};
use crate::domain::{Subtask, Task};

use super::layout::{inner, is_shown};
use super::theme::Theme;
use super::{clean, cols, put};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Col {
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
    let block = match entry.and_then(|e| e.task.as_ref().map(|t| (e, t))) {
        Some((e, _)) if !e.view.is_empty() => block.title_bottom(
            Line::from(format!(" {}/{} ", labels::count(e.view.selected() + 1), labels::count(e.view.len())))
                .style(theme.dim)
                .right_aligned(),
        ),
        _ => block,
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
            None => "Waiting for the first answer…",
        };
        put(buf, body.x + 1, body.y, msg, cols(body.width.saturating_sub(1)), theme.dim);
        return;
    };
    if entry.view.is_empty() {
        empty_view(entry, task, theme, body, buf);
        return;
    }
    table(entry, task, theme, body, focused, buf);
}

fn title(entry: Option<&Entry>, theme: &Theme, width: usize) -> Line<'static> {
    let Some((entry, task)) = entry.and_then(|e| e.task.as_ref().map(|t| (e, t))) else {
        return Line::from(Span::styled(" Subtasks ", theme.title));
    };
    let failed = task.counts.failed + task.counts.cancelled;
    let mut spans = vec![Span::styled(" Subtasks ", theme.title)];
    spans.push(Span::styled(
        format!("✘ {} failed", labels::count(failed as usize)),
        if failed > 0 { theme.fail } else { theme.dim },
    ));
    spans.push(Span::styled(format!(" / {}", labels::count(task.subtasks.len())), theme.text));
    let view = &entry.view;
    if view.len() != task.subtasks.len() {
        spans.push(Span::styled(format!(" · showing {}", labels::count(view.len())), theme.text));
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
    let mut line = Line::from(spans);
    // Keep the count readable when the title is wider than the pane: drop trailing parts.
    while line.width() > width && line.spans.len() > 3 {
        line.spans.pop();
    }
    line
}

fn empty_view(entry: &Entry, task: &Task, theme: &Theme, body: Rect, buf: &mut Buffer) {
    let w = cols(body.width.saturating_sub(1));
    if task.subtasks.is_empty() {
        let msg = match &task.export {
            Some(file) => format!(
                "Export task: {}{} ({} bytes). No subtasks.",
                file.file_name,
                file.file_type,
                labels::count(file.content.len())
            ),
            None => "This task has no subtasks (yet).".to_owned(),
        };
        put(buf, body.x + 1, body.y, &clean(&msg, w), w, theme.dim);
        return;
    }
    let msg = if entry.view.filter().is_empty() {
        "No failed subtasks. Press f to show all.".to_owned()
    } else {
        format!("No subtask matches \"{}\". Esc clears the filter.", entry.view.filter())
    };
    put(buf, body.x + 1, body.y, &clean(&msg, w), w, theme.dim);
}

fn columns(width: u16) -> Vec<(Col, Constraint)> {
    let mut c = vec![(Col::State, Constraint::Length(11))];
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
    // The marker column is 2 wide; the rest is split exactly so every cell can be cut to fit.
    let cols_spec = columns(body.width);
    let usable = Rect { width: body.width.saturating_sub(2), ..body };
    let widths = Layout::horizontal(cols_spec.iter().map(|(_, c)| *c)).spacing(1).split(usable);
    let offset = view_offset(view.selected(), view.offset(), height, view.len());
    let end = (offset + height).min(view.len());
    let rows: Vec<Row<'_>> = view.index()[offset..end]
        .iter()
        .filter_map(|&pos| task.subtasks.get(pos as usize))
        .map(|sub| row(sub, &cols_spec, &widths, theme))
        .collect();
    let header = Row::new(cols_spec.iter().map(|(col, _)| Cell::from(header_label(*col)))).style(theme.header_row);
    let constraints: Vec<Constraint> = widths.iter().map(|r| Constraint::Length(r.width)).collect();
    let highlight = if focused { theme.selected } else { Style::new().add_modifier(ratatui::style::Modifier::BOLD) };
    let table = Table::new(rows, constraints)
        .header(header)
        .column_spacing(1)
        .row_highlight_style(highlight)
        .highlight_symbol("▶ ")
        .highlight_spacing(ratatui::widgets::HighlightSpacing::Always);
    let mut state = TableState::default().with_selected(Some(view.selected() - offset)).with_offset(0);
    StatefulWidget::render(table, body, buf, &mut state);
}

fn header_label(col: Col) -> &'static str {
    match col {
        Col::State => "state",
        Col::Kind => "kind",
        Col::Method => "method",
        Col::Path => "path",
        Col::Name => "name",
        Col::Error => "error",
    }
}

fn row<'a>(sub: &'a Subtask, spec: &[(Col, Constraint)], widths: &[Rect], theme: &Theme) -> Row<'a> {
    let cells = spec.iter().zip(widths).map(|((col, _), rect)| {
        let w = usize::from(rect.width);
        match col {
            Col::State => {
                let (glyph, word) = labels::subtask_state(sub.state);
                Cell::from(Span::styled(format!("{glyph} {word}"), theme.subtask_state(sub.state)))
            }
            Col::Kind => Cell::from(Span::styled(sub.kind.as_str(), theme.dim)),
            Col::Method => Cell::from(clean(&sub.method, w).into_owned()),
            Col::Path => Cell::from(clean(&sub.path, w).into_owned()),
            Col::Name => Cell::from(clean(&sub.name, w).into_owned()),
            Col::Error => match &sub.error {
                Some(err) => {
                    let text = if err.code.is_empty() {
                        clean(err.trimmed_message(), w).into_owned()
                    } else {
                        let code = clean(&err.code, w).into_owned();
                        let rest = w.saturating_sub(code.chars().count() + 1);
                        format!("{code} {}", clean(err.trimmed_message(), rest))
                    };
                    Cell::from(Span::styled(text, theme.fail))
                }
                None if sub.state.is_problem() => Cell::from(Span::styled("(no error text)", theme.dim)),
                None => Cell::from(Span::styled(
                    sub.action.map_or("", |a| match a {
                        crate::domain::ChangeAction::Create => "created",
                        crate::domain::ChangeAction::Update => "updated",
                    }),
                    theme.dim,
                )),
            },
        }
    });
    Row::new(cells)
}
