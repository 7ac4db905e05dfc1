//! The groups tab of the subtask pane: failed and cancelled subtasks clustered by error
//! signature, biggest first ("37 APIs: Path {path} conflicts with existing API {id}"), with the
//! selected group's example message and what to do next below the table.
//!
//! Draws only the visible window of groups (a task can have as many groups as failures); the
//! groups were computed once per snapshot by the app. Reads its arguments only.

use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, HighlightSpacing, Row, StatefulWidget, Table, TableState};

use crate::analysis::FailureGroup;
use crate::app::keymap::KeyContext;
use crate::app::subtask_view::view_offset;
use crate::app::{App, Command, Entry, labels};
use crate::domain::Task;

use super::theme::Theme;
use super::{clean, cols, put};
use crate::app::layout::{groups_areas, is_shown, table_rows};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Col {
    Rank,
    Count,
    What,
    Code,
    Error,
}

/// Draws the groups tab inside the subtask pane `pane` (its border is drawn already).
pub fn render(app: &App, entry: &Entry, task: &Task, theme: &Theme, pane: Rect, focused: bool, buf: &mut Buffer) {
    let (table_area, detail) = groups_areas(pane);
    if !is_shown(table_area) {
        return;
    }
    let groups = entry.insight.groups();
    let w = cols(table_area.width.saturating_sub(1));
    if groups.is_empty() {
        let msg = if task.subtasks.is_empty() {
            "No subtasks, so no failures to group."
        } else {
            "No failed or cancelled subtasks: nothing to group. F shows the subtasks."
        };
        put(buf, table_area.x + 1, table_area.y, msg, w, theme.dim);
        return;
    }
    table(entry, groups, theme, table_area, focused, buf);
    if is_shown(detail)
        && let Some(group) = entry.insight.selected_group()
    {
        details(app, group, theme, detail, buf);
    }
}

fn columns(width: u16, any_code: bool) -> Vec<(Col, Constraint)> {
    // "37 APIs" says the count and the kinds; narrow panes keep only the count.
    let mut c = vec![(Col::Rank, Constraint::Length(3))];
    c.push(if width >= 70 { (Col::What, Constraint::Length(16)) } else { (Col::Count, Constraint::Length(6)) });
    if any_code && width >= 56 {
        c.push((Col::Code, Constraint::Length(14)));
    }
    c.push((Col::Error, Constraint::Fill(1)));
    c
}

fn table(entry: &Entry, groups: &[FailureGroup], theme: &Theme, area: Rect, focused: bool, buf: &mut Buffer) {
    let height = table_rows(area).max(1);
    let any_code = groups.iter().any(|g| !g.code.is_empty());
    let spec = columns(area.width, any_code);
    let usable = Rect { width: area.width.saturating_sub(2), ..area };
    let widths = Layout::horizontal(spec.iter().map(|(_, c)| *c)).spacing(1).split(usable);
    let selected = entry.insight.group_selected();
    let offset = view_offset(selected, entry.insight.group_offset(), height, groups.len());
    let end = (offset + height).min(groups.len());
    let rows: Vec<Row<'_>> = groups[offset..end]
        .iter()
        .enumerate()
        .map(|(i, group)| {
            Row::new(
                spec.iter()
                    .zip(widths.iter())
                    .map(|((col, _), rect)| cell(*col, offset + i, group, usize::from(rect.width), theme)),
            )
        })
        .collect();
    let header = Row::new(spec.iter().map(|(col, _)| {
        let label = match col {
            Col::Rank => "#",
            Col::Count => "fails",
            Col::What => "failures",
            Col::Code => "code",
            Col::Error => "error (varying parts masked)",
        };
        Cell::from(Line::from(label).alignment(if matches!(col, Col::Rank | Col::Count) {
            Alignment::Right
        } else {
            Alignment::Left
        }))
    }))
    .style(theme.header_row);
    let constraints: Vec<Constraint> = widths.iter().map(|r| Constraint::Length(r.width)).collect();
    let highlight = if focused { theme.selected } else { Style::new().add_modifier(Modifier::BOLD) };
    let table = Table::new(rows, constraints)
        .header(header)
        .column_spacing(1)
        .row_highlight_style(highlight)
        .highlight_symbol("▶ ")
        .highlight_spacing(HighlightSpacing::Always);
    let mut state = TableState::default().with_selected(Some(selected - offset)).with_offset(0);
    StatefulWidget::render(table, area, buf, &mut state);
}

fn cell(col: Col, rank: usize, group: &FailureGroup, w: usize, theme: &Theme) -> Cell<'static> {
    match col {
        Col::Rank => Cell::from(Line::from(format!("{}", rank + 1)).alignment(Alignment::Right).style(theme.dim)),
        Col::Count => {
            Cell::from(Line::from(labels::count(group.count())).alignment(Alignment::Right).style(theme.fail))
        }
        Col::What => Cell::from(Span::styled(group.what(), theme.text)),
        Col::Code => Cell::from(Span::styled(clean(&group.code, w).into_owned(), theme.key)),
        // The signature is already safe to draw; `clean` only cuts it to the cell.
        Col::Error => Cell::from(Span::styled(clean(&group.signature, w).into_owned(), theme.text)),
    }
}

/// The selected group's example (its first member's message, first line) and the next steps.
fn details(app: &App, group: &FailureGroup, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let w = cols(area.width.saturating_sub(1));
    let example = group.example.trim().lines().next().unwrap_or_default();
    let mut line = vec![Span::styled("e.g. ", theme.dim)];
    if example.is_empty() {
        line.push(Span::styled("(no error text returned by the API)", theme.dim));
    } else {
        line.push(Span::styled(clean(example, w.saturating_sub(5)).into_owned(), theme.text));
    }
    buf.set_line(area.x + 1, area.y, &Line::from(line), area.width.saturating_sub(1));
    let n = labels::count(group.count());
    // Read from the keymap, so a remapped key shows as remapped.
    let steps = [
        (Command::Enter, format!("lists these {n}")),
        (Command::NextFailure, "opens the first".to_owned()),
        (Command::Copy, "copies the message".to_owned()),
        (Command::Report, "writes a report".to_owned()),
    ];
    let hint: Vec<String> = steps
        .into_iter()
        .filter_map(|(command, what)| app.keymap().label(KeyContext::Subtasks, command).map(|k| format!("{k} {what}")))
        .collect();
    put(buf, area.x + 1, area.y + 1, &clean(&hint.join(" · "), w), w, theme.dim);
}
