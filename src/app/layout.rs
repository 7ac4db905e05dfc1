//! Where each pane goes, from the terminal size and what is open.
//!
//! Owns the Rect maths only, so the app can use the same numbers to keep selections in view and
//! the mouse can find the pane under the pointer. Pure; may not draw or read state beyond
//! [`LayoutInput`].
//!
//! ```text
//! side by side (when both fit)      stacked (otherwise)         single (< 60x15), ≥ 20x5
//! ┌ header ─────────────────────┐   ┌ header ──────────────┐    ┌ focused pane ──┐
//! │┌Tasks──┐┌Subtasks─────────┐ │   │┌Tasks──────────────┐ │    │                │
//! ││       ││                 │ │   │└───────────────────┘ │    │                │
//! ││       │├Error────────────┤ │   │┌Subtasks / Error───┐ │    └────────────────┘
//! ││       ││  (when open)    │ │   │└───────────────────┘ │    footer
//! │└───────┘└─────────────────┘ │   │ input line (a, /)    │
//! │ input line (a, /)           │   │ footer: keys         │
//! │ footer: keys that work here │   └──────────────────────┘
//! └─────────────────────────────┘
//! ```

use ratatui::layout::Rect;

/// The subtask pane beside the task list must be at least this wide, or as wide as its
/// content wants if that is less (a table whose error column is cut to 20 characters tells
/// less than a stacked one: the task list on top, the table the whole width below).
pub const SUBTASKS_BESIDE: u16 = 100;
/// ... but never narrower than this, whatever its rows want: the pane also shows the task's own
/// error, its activity line and "no subtasks yet", which a table of short rows (a few models, or
/// none at all) does not measure, and a strip of a few columns shows none of them.
pub const SUBTASKS_BESIDE_AT_LEAST: u16 = 60;
/// The task list beside the subtasks is at least this wide and at most this wide.
pub const TASKS_BESIDE: (u16, u16) = (44, 72);
/// The width of an empty terminal for which the empty list's hint is laid out side by side.
const WIDE_COLS: u16 = 120;
/// Below either of these only the focused pane is shown.
pub const SINGLE_COLS: u16 = 60;
pub const SINGLE_ROWS: u16 = 15;
/// Below either of these only a "too small" notice fits.
pub const MIN_COLS: u16 = 20;
pub const MIN_ROWS: u16 = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Wide,
    Stacked,
    Single,
    TooSmall,
}

/// Which pane has the keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Focus {
    #[default]
    Tasks,
    Subtasks,
    Viewer,
}

/// What the layout depends on besides the size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LayoutInput {
    pub focus: Focus,
    pub viewer_open: bool,
    pub input_open: bool,
    /// Rows the task list would like (sum of its item heights), for the stacked layout.
    pub task_rows: u16,
    /// With no task there are no subtasks to show: the list (and its hint) takes the body.
    pub has_tasks: bool,
    /// Columns the task list's rows want (their widest line, borders included).
    pub task_width: u16,
    /// Columns the subtask table's visible rows want (every column whole, borders included).
    pub subtask_width: u16,
}

/// The rectangles of one frame. An absent pane has an empty Rect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Panes {
    pub mode: Mode,
    pub area: Rect,
    pub header: Rect,
    pub tasks: Rect,
    pub subtasks: Rect,
    pub viewer: Rect,
    pub input: Rect,
    pub footer: Rect,
}

pub fn is_shown(r: Rect) -> bool {
    r.width > 0 && r.height > 0
}

/// The inside of a bordered block.
pub fn inner(r: Rect) -> Rect {
    Rect {
        x: r.x.saturating_add(1),
        y: r.y.saturating_add(1),
        width: r.width.saturating_sub(2),
        height: r.height.saturating_sub(2),
    }
}

/// Data rows of the subtask table (inside the borders, below the header row).
pub fn subtask_rows(pane: Rect) -> usize {
    usize::from(inner(pane).height.saturating_sub(1))
}

/// The subtask table inside the pane (header row included): below the activity line when the
/// task has one and the pane is tall enough to spare the row.
pub fn subtask_table(pane: Rect, activity: bool) -> Rect {
    let i = inner(pane);
    if activity && i.height >= 4 { Rect { y: i.y + 1, height: i.height - 1, ..i } } else { i }
}

/// Data rows of a table area whose first row is the header.
pub fn table_rows(table: Rect) -> usize {
    usize::from(table.height.saturating_sub(1))
}

/// The groups tab inside the pane: the table, and two rows for the selected group's example
/// and what to do with it when the pane is tall enough (else an empty Rect).
pub fn groups_areas(pane: Rect) -> (Rect, Rect) {
    let i = inner(pane);
    // Three lines below the table when there is room: an example (or the values of the
    // group's variables) on two, what to do next on the last.
    let detail_rows = match i.height {
        12.. => 3,
        7..12 => 2,
        _ => 0,
    };
    if detail_rows > 0 {
        let detail = Rect { y: i.y + i.height - detail_rows, height: detail_rows, ..i };
        (Rect { height: i.height - detail_rows, ..i }, detail)
    } else {
        (i, Rect::ZERO)
    }
}

/// The viewer's scrolling body: inside the borders, below `header_rows` fixed lines.
pub fn viewer_body(pane: Rect, header_rows: u16) -> Rect {
    let i = inner(pane);
    let h = header_rows.min(i.height);
    Rect { y: i.y + h, height: i.height - h, ..i }
}

fn take_top(r: &mut Rect, h: u16) -> Rect {
    let h = h.min(r.height);
    let top = Rect { height: h, ..*r };
    r.y += h;
    r.height -= h;
    top
}

fn take_bottom(r: &mut Rect, h: u16) -> Rect {
    let h = h.min(r.height);
    r.height -= h;
    Rect { y: r.y + r.height, height: h, ..*r }
}

pub fn compute(area: Rect, input: &LayoutInput) -> Panes {
    let mut p = Panes {
        mode: Mode::TooSmall,
        area,
        header: Rect::ZERO,
        tasks: Rect::ZERO,
        subtasks: Rect::ZERO,
        viewer: Rect::ZERO,
        input: Rect::ZERO,
        footer: Rect::ZERO,
    };
    if area.width < MIN_COLS || area.height < MIN_ROWS {
        return p;
    }
    let mut body = area;
    if area.width < SINGLE_COLS || area.height < SINGLE_ROWS {
        p.mode = Mode::Single;
        p.footer = take_bottom(&mut body, 1);
        if input.input_open {
            p.input = take_bottom(&mut body, 1);
        }
        match input.focus {
            Focus::Viewer if input.viewer_open => p.viewer = body,
            Focus::Subtasks | Focus::Viewer => p.subtasks = body,
            Focus::Tasks => p.tasks = body,
        }
        return p;
    }
    p.header = take_top(&mut body, 1);
    p.footer = take_bottom(&mut body, 1);
    if input.input_open {
        p.input = take_bottom(&mut body, 1);
    }
    if !input.has_tasks {
        p.mode = if area.width >= WIDE_COLS { Mode::Wide } else { Mode::Stacked };
        p.tasks = body;
        return p;
    }
    let left = input.task_width.clamp(TASKS_BESIDE.0, TASKS_BESIDE.1);
    // Side by side only when the subtasks keep what they need beside the list; the spare width
    // goes to the subtasks.
    let beside = input.subtask_width.clamp(SUBTASKS_BESIDE_AT_LEAST, SUBTASKS_BESIDE);
    if area.width >= left.saturating_add(beside) {
        p.mode = Mode::Wide;
        let mut right = body;
        right.x += left;
        right.width -= left;
        p.tasks = Rect { width: left, ..body };
        if input.viewer_open {
            let top = (right.height * 2 / 5).max(6);
            p.subtasks = take_top(&mut right, top);
            p.viewer = right;
        } else {
            p.subtasks = right;
        }
    } else {
        p.mode = Mode::Stacked;
        let cap = (body.height * 2 / 5).max(4);
        let h = input.task_rows.saturating_add(2).clamp(4, cap);
        p.tasks = take_top(&mut body, h);
        if input.viewer_open {
            if body.height >= 16 {
                p.subtasks = take_top(&mut body, 6);
            }
            p.viewer = body;
        } else {
            p.subtasks = body;
        }
    }
    p
}

/// Which pane contains the point, for the mouse.
pub fn pane_at(p: &Panes, column: u16, row: u16) -> Option<Focus> {
    let hit = |r: Rect| is_shown(r) && r.contains(ratatui::layout::Position { x: column, y: row });
    if hit(p.viewer) {
        Some(Focus::Viewer)
    } else if hit(p.subtasks) {
        Some(Focus::Subtasks)
    } else if hit(p.tasks) {
        Some(Focus::Tasks)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(focus: Focus, viewer_open: bool) -> LayoutInput {
        LayoutInput {
            focus,
            viewer_open,
            input_open: false,
            task_rows: 6,
            has_tasks: true,
            task_width: 50,
            subtask_width: 140,
        }
    }

    #[test]
    fn modes_follow_the_size() {
        let at = |w, h| compute(Rect::new(0, 0, w, h), &input(Focus::Tasks, false)).mode;
        assert_eq!(at(200, 60), Mode::Wide);
        assert_eq!(at(150, 30), Mode::Wide);
        assert_eq!(at(149, 30), Mode::Stacked, "the subtasks would get less than they need");
        assert_eq!(at(120, 30), Mode::Stacked);
        assert_eq!(at(100, 30), Mode::Stacked);
        assert_eq!(at(60, 15), Mode::Stacked);
        assert_eq!(at(59, 30), Mode::Single);
        assert_eq!(at(20, 5), Mode::Single);
        assert_eq!(at(19, 5), Mode::TooSmall);
        assert_eq!(at(0, 0), Mode::TooSmall);
    }

    #[test]
    fn panes_tile_the_area_without_overlap() {
        for (w, h) in [(200, 60), (100, 30), (60, 15), (20, 5), (130, 16)] {
            for viewer_open in [false, true] {
                for input_open in [false, true] {
                    let li = LayoutInput {
                        focus: Focus::Viewer,
                        viewer_open,
                        input_open,
                        task_rows: 40,
                        has_tasks: true,
                        task_width: 60,
                        subtask_width: 70,
                    };
                    let p = compute(Rect::new(0, 0, w, h), &li);
                    let rects = [p.header, p.tasks, p.subtasks, p.viewer, p.input, p.footer];
                    let cells: u32 = rects.iter().map(|r| u32::from(r.width) * u32::from(r.height)).sum();
                    assert_eq!(cells, u32::from(w) * u32::from(h), "{w}x{h} viewer={viewer_open} input={input_open}");
                    for (i, a) in rects.iter().enumerate() {
                        for b in &rects[i + 1..] {
                            assert!(!is_shown(a.intersection(*b)), "{a:?} overlaps {b:?} at {w}x{h}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn side_by_side_when_both_fit_and_the_spare_width_goes_to_the_subtasks() {
        let narrow = LayoutInput { task_width: 50, subtask_width: 64, ..input(Focus::Tasks, false) };
        let p = compute(Rect::new(0, 0, 120, 40), &narrow);
        assert_eq!(p.mode, Mode::Wide, "short rows fit beside the list");
        assert_eq!((p.tasks.width, p.subtasks.width), (50, 70));
        let p = compute(Rect::new(0, 0, 120, 40), &input(Focus::Tasks, false));
        assert_eq!(p.mode, Mode::Stacked, "long error texts do not");
        assert_eq!(p.subtasks.width, 120);
        let p = compute(Rect::new(0, 0, 200, 60), &input(Focus::Tasks, false));
        assert_eq!((p.tasks.width, p.subtasks.width), (50, 150));
    }

    #[test]
    fn a_task_without_a_table_does_not_squeeze_the_subtask_pane_beside_the_list() {
        // A task that failed as a whole (no subtasks): its rows want nothing, its error a lot.
        let bare = LayoutInput { task_width: 72, subtask_width: 0, ..input(Focus::Tasks, false) };
        let p = compute(Rect::new(0, 0, 80, 24), &bare);
        assert_eq!(p.mode, Mode::Stacked, "8 columns beside the list would show nothing");
        assert_eq!(p.subtasks.width, 80);
        let p = compute(Rect::new(0, 0, 120, 40), &LayoutInput { task_width: 50, ..bare });
        assert_eq!((p.mode, p.subtasks.width), (Mode::Wide, 70), "room for the error beside");
    }

    #[test]
    fn single_mode_shows_the_focused_pane() {
        let p = compute(Rect::new(0, 0, 40, 10), &input(Focus::Subtasks, false));
        assert!(is_shown(p.subtasks) && !is_shown(p.tasks));
        let p = compute(Rect::new(0, 0, 40, 10), &input(Focus::Viewer, true));
        assert!(is_shown(p.viewer) && !is_shown(p.subtasks));
        assert_eq!(pane_at(&p, 5, 5), Some(Focus::Viewer));
        assert_eq!(pane_at(&p, 5, 9), None, "the footer is no pane");
    }

    #[test]
    fn table_areas_leave_room_for_the_activity_line_and_group_details() {
        let pane = Rect::new(0, 0, 50, 12);
        assert_eq!(table_rows(subtask_table(pane, false)), subtask_rows(pane));
        assert_eq!(table_rows(subtask_table(pane, true)), subtask_rows(pane) - 1);
        assert_eq!(subtask_table(Rect::new(0, 0, 50, 5), true), inner(Rect::new(0, 0, 50, 5)), "too short to spare");
        let (table, detail) = groups_areas(pane);
        assert_eq!((table.height, detail.height, detail.y), (8, 2, 9));
        assert_eq!(groups_areas(Rect::new(0, 0, 50, 6)).1, Rect::ZERO);
    }

    #[test]
    fn helpers_never_underflow() {
        assert_eq!(inner(Rect::new(0, 0, 1, 1)).width, 0);
        assert_eq!(subtask_rows(Rect::new(0, 0, 5, 2)), 0);
        assert_eq!(viewer_body(Rect::new(0, 0, 10, 4), 9).height, 0);
    }
}
