//! The activity line above the subtask table: completions per 10 s as a sparkline, then the
//! rate and ETA ("12/min · ETA 3m"), or the honest reason there is none.
//!
//! One row; shown while the task runs and afterwards if this session saw it progress (the app
//! decides, so its paging knows the table is one row shorter). Reads its arguments only.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::{Sparkline, Widget};

use crate::app::{App, Entry};
use crate::domain::TaskKind;

use super::theme::Theme;
use super::{cols, put};

/// Widest sparkline: the tracker keeps 30 buckets of 10 s.
const MAX_BARS: u16 = 30;
const LABEL: &str = "done/10s ";

pub fn render(app: &App, entry: &Entry, theme: &Theme, area: Rect, buf: &mut Buffer) {
    if area.width < 4 || area.height == 0 {
        return;
    }
    let progress = entry.insight.progress();
    let end = area.x + area.width;
    let mut x = area.x + 1;
    let export = entry.task.as_ref().is_some_and(|t| t.kind == TaskKind::Export);
    if !progress.reports_subtask_progress() || export {
        let text = if export {
            "export task: no subtasks; the document arrives when the task ends"
        } else if entry.is_finished() {
            "finished; this provider lists subtasks only at the end, so there was no progress to chart"
        } else {
            "no per-subtask progress: Huawei lists subtasks only when the task ends"
        };
        put(buf, x, area.y, text, cols(end - x), theme.dim);
        return;
    }
    let room = end.saturating_sub(x);
    if room > 24 {
        x = put(buf, x, area.y, LABEL, cols(room), theme.dim);
        let bars = MAX_BARS.min(end.saturating_sub(x).saturating_sub(20)).max(4);
        let series = progress.sparkline(app.now());
        let shown = &series[series.len().saturating_sub(usize::from(bars))..];
        Sparkline::default()
            .data(scaled(shown))
            .max(8)
            .absent_value_symbol("·")
            .absent_value_style(theme.dim)
            .style(theme.running)
            .render(Rect { x, y: area.y, width: bars, height: 1 }, buf);
        x += bars + 2;
    }
    let (text, style) = match entry.progress_label(app.now(), app.options().poll_interval, app.paused()) {
        Some(label) => {
            let room = cols(end.saturating_sub(x));
            let style = theme.tone(label.tone);
            (if label.full.chars().count() <= room { label.full } else { label.short }, style)
        }
        None if entry.is_finished() => ("finished".to_owned(), theme.dim),
        None if app.paused() => ("paused: no new data".to_owned(), theme.dim),
        None => ("no recent answer: no estimate".to_owned(), theme.dim),
    };
    put(buf, x, area.y, &text, cols(end.saturating_sub(x)), style);
}

/// Counts scaled to the eight bar heights so a single completion is still a visible bar; an
/// empty bucket is drawn as `·` rather than nothing, so the line reads as a timeline.
fn scaled(series: &[u64]) -> Vec<Option<u64>> {
    let max = series.iter().copied().max().unwrap_or(0).max(1);
    series.iter().map(|&n| (n > 0).then(|| (n * 8).div_ceil(max).clamp(1, 8))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_completion_is_at_least_the_lowest_bar() {
        assert_eq!(scaled(&[0, 1, 100, 50]), vec![None, Some(1), Some(8), Some(4)]);
        assert_eq!(scaled(&[0, 0]), vec![None, None]);
    }
}
