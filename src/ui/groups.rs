//! The groups tab of the subtask pane: failed and cancelled subtasks clustered by the statement
//! that wrote their error, causes biggest first, each followed by the consequences folded under
//! it ("└ 28 APIs ⊘ The import of API [{method} {path}] was cancelled because model
//! [{model}]…"), with the selected group's example (or its variables' values, `v`) and what to
//! do next below the table.
//!
//! Draws only the visible window of groups (a task can have as many groups as failures); the
//! groups were computed once per snapshot by the app. A template's variables are drawn apart
//! from its wording, and a template too wide for its column loses the words it shares with the
//! groups beside it first ([`crate::analysis::elide`]). Reads its arguments only.

use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, HighlightSpacing, Row, StatefulWidget, Table, TableState};

use crate::analysis::FailureGroup;
use crate::analysis::elide::elide;
use crate::app::keymap::KeyContext;
use crate::app::subtask_view::view_offset;
use crate::app::{App, Command, Entry, labels};
use crate::domain::{SubtaskState, Task};

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
        details(app, entry, group, theme, detail, buf);
    }
}

fn columns(width: u16, any_code: bool) -> Vec<(Col, Constraint)> {
    // "37 APIs" says the count and the kinds; narrow panes keep only the count.
    let mut c = vec![(Col::Rank, Constraint::Length(3))];
    c.push(if width >= 70 { (Col::What, Constraint::Length(16)) } else { (Col::Count, Constraint::Length(7)) });
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
    let rows: Vec<Row<'_>> = (offset..end)
        .map(|i| {
            Row::new(
                spec.iter()
                    .zip(widths.iter())
                    .map(|((col, _), rect)| cell(*col, i, groups, usize::from(rect.width), theme)),
            )
        })
        .collect();
    let header = Row::new(spec.iter().map(|(col, _)| {
        let label = match col {
            Col::Rank => "#",
            Col::Count => "fails",
            Col::What => "failures",
            Col::Code => "code",
            Col::Error => "error ({…}: the parts that vary)",
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

/// The glyph of what happened to a consequence's members: `⊘` cancelled, `–` skipped.
fn outcome_glyph(group: &FailureGroup) -> &'static str {
    match group.outcome() {
        "cancelled" => labels::subtask_state(SubtaskState::Cancelled).0,
        "skipped" => labels::subtask_state(SubtaskState::Skipped).0,
        _ => "⊘–",
    }
}

fn cell(col: Col, i: usize, groups: &[FailureGroup], w: usize, theme: &Theme) -> Cell<'static> {
    let group = &groups[i];
    let nested = group.is_consequence();
    match col {
        Col::Rank => Cell::from(Line::from(format!("{}", i + 1)).alignment(Alignment::Right).style(theme.dim)),
        Col::Count => {
            let text = if nested {
                format!("└{}{}", labels::count(group.count()), outcome_glyph(group))
            } else {
                labels::count(group.count())
            };
            Cell::from(Line::from(text).alignment(Alignment::Right).style(theme.fail))
        }
        Col::What if nested => Cell::from(Span::styled(
            clean(&format!("└ {} {}", group.what(), outcome_glyph(group)), w).into_owned(),
            theme.text,
        )),
        Col::What => Cell::from(Span::styled(group.what(), theme.text)),
        Col::Code => Cell::from(Span::styled(clean(&group.code, w).into_owned(), theme.key)),
        Col::Error => {
            // The groups beside this one: what it shares with them is what can go.
            let neighbours: Vec<&str> = [i.checked_sub(1), Some(i + 1)]
                .into_iter()
                .flatten()
                .filter_map(|n| groups.get(n))
                .map(|g| g.signature.as_str())
                .collect();
            // The signature is already safe to draw; eliding only drops whole words.
            let text = elide(&group.signature, &neighbours, w);
            Cell::from(Line::from(template_spans(&text, theme)))
        }
    }
}

/// A template's text as spans: its variables (`{path}`, `[{model}]`'s `{model}`) apart.
pub(crate) fn template_spans(text: &str, theme: &Theme) -> Vec<Span<'static>> {
    let mut spans = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let mask_len = rest[open + 1..].find('}').filter(|&close| {
            close > 0 && rest[open + 1..open + 1 + close].bytes().all(|b| b.is_ascii_lowercase() || b == b'*')
        });
        let Some(close) = mask_len else {
            spans.push(Span::styled(rest[..=open].to_owned(), theme.text));
            rest = &rest[open + 1..];
            continue;
        };
        if open > 0 {
            spans.push(Span::styled(rest[..open].to_owned(), theme.text));
        }
        spans.push(Span::styled(rest[open..open + close + 2].to_owned(), theme.variable));
        rest = &rest[open + close + 2..];
    }
    if !rest.is_empty() {
        spans.push(Span::styled(rest.to_owned(), theme.text));
    }
    spans
}

/// The byte index where the first `width` columns of `text` end.
fn split_at_width(text: &str, width: usize) -> usize {
    let mut used = 0;
    for (i, c) in text.char_indices() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w > width {
            return i;
        }
        used += w;
    }
    text.len()
}

/// Below the table: the selected group's example, or the values of its variables (`v`), or
/// for a consequence what caused it; then the next steps.
fn details(app: &App, entry: &Entry, group: &FailureGroup, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let w = cols(area.width.saturating_sub(1));
    let rows = usize::from(area.height);
    let mut lines: Vec<Line<'static>> = Vec::new();
    if let Some(values) = entry.insight.values() {
        if values.is_empty() {
            lines.push(Line::from(Span::styled("(no variable part: every member says the same)", theme.dim)));
        }
        for variable in values {
            let text = clean(&variable.line(), w).into_owned();
            lines.push(Line::from(template_spans(&text, theme)));
        }
    } else {
        if let Some(cause) =
            group.cause.and_then(|c| entry.insight.groups().iter().find(|g| !g.is_consequence() && g.cluster == c))
        {
            let text = format!("← {}", cause.label());
            lines.push(Line::from(vec![
                Span::styled("caused by ", theme.dim),
                Span::styled(clean(&text, w.saturating_sub(10)).into_owned(), theme.fail),
            ]));
        }
        let example = group.example.trim().lines().next().unwrap_or_default();
        if example.is_empty() {
            lines.push(Line::from(vec![
                Span::styled("e.g. ", theme.dim),
                Span::styled("(no error text returned by the API)", theme.dim),
            ]));
        } else {
            // The example over the lines left above the hints, cut on the last one.
            let room = rows.saturating_sub(1).saturating_sub(lines.len()).max(1);
            let text = clean(&format!("e.g. {example}"), w.saturating_mul(room)).into_owned();
            let mut rest = text.as_str();
            for k in 0..room {
                let cut = if k + 1 == room { rest.len() } else { split_at_width(rest, w) };
                let (head, tail) = rest.split_at(cut);
                let style = theme.text;
                let mut spans = Vec::new();
                if let Some(body) = head.strip_prefix("e.g. ") {
                    spans.push(Span::styled("e.g. ", theme.dim));
                    spans.push(Span::styled(body.to_owned(), style));
                } else {
                    spans.push(Span::styled(head.to_owned(), style));
                }
                lines.push(Line::from(spans));
                rest = tail;
                if rest.is_empty() {
                    break;
                }
            }
        }
    }
    lines.truncate(rows.saturating_sub(1).max(1));
    for (k, line) in lines.iter().enumerate() {
        buf.set_line(area.x + 1, area.y + u16::try_from(k).unwrap_or(0), line, area.width.saturating_sub(1));
    }
    if rows < 2 {
        return;
    }
    let n = labels::count(group.count());
    let values_step = if entry.insight.values().is_some() { "shows the example" } else { "shows the values" };
    // Read from the keymap, so a remapped key shows as remapped.
    let steps = [
        (Command::Enter, if group.count() == 1 { "lists it".to_owned() } else { format!("lists these {n}") }),
        (Command::Values, values_step.to_owned()),
        (Command::NextFailure, "opens the first".to_owned()),
        (Command::Copy, "copies".to_owned()),
        (Command::Report, "report".to_owned()),
    ];
    let hint: Vec<String> = steps
        .into_iter()
        .filter_map(|(command, what)| app.keymap().label(KeyContext::Subtasks, command).map(|k| format!("{k} {what}")))
        .collect();
    let y = area.y + area.height - 1;
    put(buf, area.x + 1, y, &clean(&hint.join(" · "), w), w, theme.dim);
}
