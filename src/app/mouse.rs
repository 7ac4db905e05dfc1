//! The mouse: the wheel scrolls the pane under the pointer, a click selects what it hits.
//!
//! Owns finding the pane and row under a mouse event, with the same layout maths the frame was
//! drawn with. Part of `App::update`; pure like it.

use super::action::{Command, MouseInput, MouseKind};
use super::effect::Effect;
use super::overlay::Overlay;
use super::{App, Focus, layout, task_list_offset};

/// Rows one mouse wheel notch moves.
const WHEEL_ROWS: isize = 3;

impl App {
    pub(super) fn on_mouse(&mut self, mouse: MouseInput) -> Vec<Effect> {
        if self.overlays.top().is_some_and(|o| !matches!(o, Overlay::Help(_))) {
            return Vec::new();
        }
        if self.help().is_some() {
            let delta = match mouse.kind {
                MouseKind::ScrollUp => Command::Up,
                MouseKind::ScrollDown => Command::Down,
                MouseKind::Click => return Vec::new(),
            };
            return self.on_help_command(delta);
        }
        let panes = self.current_panes();
        let Some(pane) = layout::pane_at(&panes, mouse.column, mouse.row) else { return Vec::new() };
        match mouse.kind {
            MouseKind::ScrollUp | MouseKind::ScrollDown => {
                let delta = if mouse.kind == MouseKind::ScrollUp { -WHEEL_ROWS } else { WHEEL_ROWS };
                match pane {
                    Focus::Tasks => {
                        let last = self.entries.len().saturating_sub(1);
                        let target = self.selected.saturating_add_signed(delta.signum()).min(last);
                        self.select_task(target);
                    }
                    Focus::Subtasks if self.in_groups_tab() => self.move_group(delta.signum()),
                    Focus::Subtasks => {
                        let rows = self.subtask_page();
                        if let Some(e) = self.entries.get_mut(self.selected) {
                            e.view.scroll_by(delta, rows);
                        }
                        self.follow_selection();
                    }
                    Focus::Viewer => {
                        if let Some(v) = self.viewer.as_mut() {
                            v.scroll(delta);
                        }
                    }
                }
            }
            MouseKind::Click => self.click(pane, &panes, mouse.row),
        }
        Vec::new()
    }

    pub(super) fn click(&mut self, pane: Focus, panes: &layout::Panes, row: u16) {
        match pane {
            Focus::Tasks => {
                self.focus = Focus::Tasks;
                let inner = layout::inner(panes.tasks);
                if row < inner.y {
                    return;
                }
                let mut y = u32::from(row - inner.y);
                let offset = task_list_offset(&self.entries, self.selected, self.task_offset, inner.height);
                for (i, e) in self.entries.iter().enumerate().skip(offset) {
                    let h = u32::from(e.height());
                    if y < h {
                        self.select_task(i);
                        self.focus = Focus::Tasks;
                        return;
                    }
                    y -= h;
                }
            }
            Focus::Subtasks => {
                let Some(entry) = self.selected_entry().filter(|e| e.task.is_some()) else { return };
                let groups = entry.insight.tab() == super::insight::Tab::Groups;
                let table = if groups {
                    layout::groups_areas(panes.subtasks).0
                } else {
                    layout::subtask_table(panes.subtasks, entry.shows_activity())
                };
                let rows = layout::table_rows(table);
                let was_focused = self.focus == Focus::Subtasks;
                self.focus = Focus::Subtasks;
                if row <= table.y || row >= table.y + table.height {
                    return;
                }
                let Some(e) = self.entries.get_mut(self.selected) else { return };
                let line = usize::from(row - table.y - 1);
                if groups {
                    let target = e.insight.group_offset() + line;
                    if target >= e.insight.groups().len() {
                        return;
                    }
                    let again = was_focused && target == e.insight.group_selected();
                    e.insight.select_group(target, rows);
                    if again {
                        self.enter_group();
                    }
                    return;
                }
                let offset = super::subtask_view::view_offset(e.view.selected(), e.view.offset(), rows, e.view.len());
                let target = offset + line;
                if target >= e.view.len() {
                    return;
                }
                // A click on the row that is already selected opens it, like Enter.
                let again = was_focused && target == e.view.selected();
                e.view.select(target, rows);
                if again {
                    self.open_selected_subtask();
                } else {
                    self.follow_selection();
                }
            }
            Focus::Viewer => self.focus = Focus::Viewer,
        }
    }
}
