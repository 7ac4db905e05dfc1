//! Drawing the dashboard: `render(&App, &mut Frame)`, one file per pane.
//!
//! Owns how state looks. May not take `&mut App`, do I/O, read the clock, the environment or
//! config files, or send on channels. Every string that came from a server or a user enters a
//! cell through [`clean`] (sanitised, cut to the cell's width), and only visible rows are built.
//!
//! ```text
//! ┌─────────────────────────────────────────────────────────────────────────────────────────┐
//! │ oaswatch  ⏸ PAUSED  3 tasks: ● 1 running  ◐ 1 partial  ✘ 1 failed        flash message  │ status_bar (header)
//! │┌ Tasks ───────────────────┐┌ [Subtasks] Groups (3) │ ✘ 37 failed / 1,204 · • 2 changed ─┐│
//! ││▌✘ failed    aliyun cn-h… ││ done/10s ··▂▅█▃· 12/min · ETA 3m                          ││ task_list │ subtask_detail
//! ││   import ▕██▓▓░░▏ 18/20 …││  state      kind  method  path          name    error     ││   (activity.rs; the
//! ││                          ││▶•✘ failed   api   POST    /v1/users     create  APIG.3201…││   Groups tab: groups.rs)
//! ││   ⚠ throttled: …         │├ Error — api POST /v1/users ──────────────────── line 1/3 ─┤│ error_viewer (when open)
//! ││ ◐ partial   huawei cn-…  ││ ✘ failed  status FAIL  code APIG.3201                     ││
//! ││                          ││ the message, wrapped and scrollable…                      ││
//! │└──────────────────────────┘└───────────────────────────────────────────────────────────┘│
//! │ Add task: aliyun://cn-hangzhou/█                                                        │ input line (a, /)
//! │ n next failure  Enter details  e error  / filter  f failures  ? help  q quit            │ status_bar (footer)
//! └─────────────────────────────────────────────────────────────────────────────────────────┘
//!   help, the remove confirmation and the report prompt draw as centred overlays on top
//!   (help.rs, report_prompt.rs)
//! ```

pub mod activity;
pub mod error_viewer;
pub mod groups;
pub mod help;
pub mod report_prompt;
pub mod status_bar;
pub mod subtask_detail;
pub mod task_list;
pub mod theme;

#[cfg(test)]
mod failure_tests;
#[cfg(test)]
mod tests;

use std::borrow::Cow;

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::app::App;
use crate::app::layout::Mode;
use crate::sanitize;
use theme::Theme;

/// Draws the whole dashboard for `app` into `frame`.
pub fn render(app: &App, frame: &mut Frame<'_>) {
    let area = frame.area();
    let buf = frame.buffer_mut();
    draw(app, area, buf);
}

/// Same as [`render`], into any buffer (benches and tests that need no `Terminal`).
pub fn draw(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = Theme::of(app.theme());
    let panes = app.panes(area);
    if panes.mode == Mode::TooSmall {
        too_small(area, &theme, buf);
        return;
    }
    status_bar::render_header(app, &theme, panes.header, buf);
    task_list::render(app, &theme, panes.tasks, buf);
    subtask_detail::render(app, &theme, panes.subtasks, buf);
    error_viewer::render(app, &theme, panes.viewer, buf);
    status_bar::render_input(app, &theme, panes.input, buf);
    status_bar::render_footer(app, &theme, panes.footer, buf);
    help::render_overlays(app, &theme, area, buf);
    status_bar::render_input_problem(app, &theme, panes.input, buf);
}

fn too_small(area: Rect, theme: &Theme, buf: &mut Buffer) {
    if area.width == 0 || area.height == 0 {
        return;
    }
    let size = format!("{}x{}, need 20x5", area.width, area.height);
    let lines = ["oaswatch", "terminal too small", size.as_str()];
    for (y, text) in (area.y..area.y + area.height).zip(lines) {
        put(buf, area.x, y, text, usize::from(area.width), theme.warn);
    }
}

/// Server or user text made safe for one cell of `width` columns: the one door into the buffer.
pub fn clean(raw: &str, width: usize) -> Cow<'_, str> {
    let out = sanitize::line_truncated(raw, width);
    debug_assert!(sanitize::is_clean(&out), "unsanitised text reached a cell");
    out
}

/// Like [`clean`], but a text too wide loses its middle: paths and messages that begin alike
/// differ at the end (`/api/v2/…/{driverId}`).
pub fn clean_middle(raw: &str, width: usize) -> Cow<'_, str> {
    let out = sanitize::line_middle_truncated(raw, width);
    debug_assert!(sanitize::is_clean(&out), "unsanitised text reached a cell");
    out
}

/// Writes text we produced (or already cleaned) at `x, y`, at most `width` columns.
pub(crate) fn put(buf: &mut Buffer, x: u16, y: u16, text: &str, width: usize, style: Style) -> u16 {
    debug_assert!(sanitize::is_clean(text), "unsanitised text reached a cell");
    if width == 0 || !buf.area.contains(ratatui::layout::Position { x, y }) {
        return x;
    }
    let (end, _) = buf.set_stringn(x, y, text, width, style);
    end
}

/// `text` cut into rows of at most `width` columns, at spaces where a row can end at one and
/// anywhere in a word (a path) too long for a row.
pub(crate) fn wrap_columns(text: &str, width: usize) -> Vec<String> {
    let mut rows = vec![String::new()];
    let mut used = 0;
    for word in text.split_inclusive(' ') {
        let word_width = word.trim_end().width();
        if used > 0 && used + word_width > width && word_width <= width {
            rows.push(String::new());
            used = 0;
        }
        for c in word.chars() {
            let c_width = c.width().unwrap_or(0);
            if used + c_width > width {
                rows.push(String::new());
                used = 0;
            }
            if let Some(row) = rows.last_mut() {
                row.push(c);
            }
            used += c_width;
        }
    }
    rows.iter().map(|row| row.trim_end().to_owned()).filter(|row| !row.is_empty()).collect()
}

/// Server or user text, made safe and wrapped to `width` columns, each row in `style`: a dialog's
/// lines.
pub(crate) fn wrapped_lines(text: &str, width: usize, style: Style) -> Vec<(String, Style)> {
    wrap_columns(&sanitize::line(text), width).into_iter().map(|row| (row, style)).collect()
}

/// The smaller of a `u16` extent and a `usize`, as `usize`.
pub(crate) fn cols(w: u16) -> usize {
    usize::from(w)
}
