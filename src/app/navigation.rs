//! Moving around: focus, selection, paging, drilling in and out, and jumping from failure to
//! failure (across a task's subtasks, or to the next task that has failures).
//!
//! Owns the selection and focus changes the keys ask for, keeping what is selected in view. Part
//! of `App::update`; pure like it.

use super::effect::Effect;
use super::labels;
use super::viewer::ViewerTarget;
use super::{App, Entry, Focus, layout};

impl App {
    pub(super) fn cycle_focus(&mut self, forward: bool) {
        let has_subtasks = self.selected_entry().is_some_and(|e| e.task.is_some());
        let mut order = vec![Focus::Tasks];
        if has_subtasks {
            order.push(Focus::Subtasks);
        }
        if self.viewer.is_some() {
            order.push(Focus::Viewer);
        }
        let at = order.iter().position(|f| *f == self.focus).unwrap_or(0);
        let next = if forward { (at + 1) % order.len() } else { (at + order.len() - 1) % order.len() };
        self.focus = order[next];
    }

    /// Selects another task; the viewer belonged to the old one, so it closes.
    pub(super) fn select_task(&mut self, i: usize) {
        if i != self.selected {
            self.viewer = None;
            if self.focus == Focus::Viewer {
                self.focus = Focus::Subtasks;
            }
        }
        self.selected = i.min(self.entries.len().saturating_sub(1));
        if self.selected_entry().is_none_or(|e| e.task.is_none()) {
            self.focus = Focus::Tasks;
        }
    }

    pub(super) fn move_by(&mut self, delta: isize) -> Vec<Effect> {
        match self.focus {
            Focus::Tasks => {
                let target = self.step_task(delta);
                self.select_task(target);
            }
            Focus::Subtasks if self.in_groups_tab() => self.move_group(delta),
            Focus::Subtasks => {
                let rows = self.subtask_page();
                if let Some(e) = self.entries.get_mut(self.selected) {
                    e.view.move_by(delta, rows);
                }
                self.follow_selection();
            }
            Focus::Viewer => {
                if let Some(v) = self.viewer.as_mut() {
                    v.scroll(delta);
                }
            }
        }
        Vec::new()
    }

    pub(super) fn page(&mut self, pages: isize) -> Vec<Effect> {
        match self.focus {
            Focus::Tasks => {
                let rows = layout::inner(self.current_panes().tasks).height;
                let per_page = isize::try_from((usize::from(rows) / 2).max(1)).unwrap_or(1);
                self.move_by(pages * per_page)
            }
            Focus::Subtasks => {
                let rows = isize::try_from(self.subtask_page()).unwrap_or(1);
                self.move_by(pages * (rows - 1).max(1))
            }
            Focus::Viewer => {
                if let Some(v) = self.viewer.as_mut() {
                    v.page(pages);
                }
                Vec::new()
            }
        }
    }

    pub(super) fn move_to_end(&mut self, bottom: bool) -> Vec<Effect> {
        match self.focus {
            Focus::Tasks => {
                let target = self.end_task(bottom);
                self.select_task(target);
            }
            Focus::Subtasks if self.in_groups_tab() => self.group_to_end(bottom),
            Focus::Subtasks => {
                let rows = self.subtask_page();
                if let Some(e) = self.entries.get_mut(self.selected) {
                    let target = if bottom { e.view.len().saturating_sub(1) } else { 0 };
                    e.view.select(target, rows);
                }
                self.follow_selection();
            }
            Focus::Viewer => {
                if let Some(v) = self.viewer.as_mut() {
                    if bottom { v.to_bottom() } else { v.to_top() }
                }
            }
        }
        Vec::new()
    }

    pub(super) fn enter(&mut self) -> Vec<Effect> {
        match self.focus {
            Focus::Tasks => match self.selected_entry() {
                // An export task has no subtasks: its document is what there is to see.
                Some(e) if e.has_export() && e.task.as_ref().is_some_and(|t| t.subtasks.is_empty()) => {
                    self.focus = Focus::Subtasks;
                    self.open_export_viewer();
                }
                Some(e) if e.task.is_some() => self.focus = Focus::Subtasks,
                Some(e) if e.last_error.is_some() => self.open_task_viewer(),
                Some(_) => self.flash_info("no data yet: waiting for the first answer"),
                None => {}
            },
            Focus::Subtasks if self.in_groups_tab() => {
                self.enter_group();
            }
            Focus::Subtasks if self.selected_entry().is_some_and(|e| e.view.is_empty() && e.has_export()) => {
                self.open_export_viewer();
            }
            Focus::Subtasks => self.open_selected_subtask(),
            Focus::Viewer => {}
        }
        Vec::new()
    }

    pub(super) fn back(&mut self) {
        match self.focus {
            Focus::Viewer => {
                self.viewer = None;
                self.focus = Focus::Subtasks;
            }
            Focus::Subtasks => {
                let filtered = self.selected_entry().is_some_and(|e| !e.view.filter().is_empty());
                if filtered && !self.in_groups_tab() {
                    self.apply_filter("");
                    let name = self.selected_entry().map(super::Entry::display_name).unwrap_or_default();
                    self.flash_info(format!("subtask filter of {name} cleared"));
                } else if self.group_active() && !self.in_groups_tab() {
                    self.leave_group();
                } else {
                    self.focus = Focus::Tasks;
                }
            }
            Focus::Tasks => {
                if self.viewer.take().is_none() {
                    self.flash = None;
                }
            }
        }
    }

    /// `n`/`N`: the next or previous failed subtask in the view's order, opening the viewer.
    pub(super) fn jump_failure(&mut self, forward: bool) {
        let rows = self.subtask_page();
        let from_tasks = self.focus == Focus::Tasks;
        let Some(entry) = self.entries.get_mut(self.selected) else { return };
        let Some(task) = entry.task.as_ref() else {
            self.flash_info("no data yet");
            return;
        };
        let view = &entry.view;
        let n = view.len();
        let failing = |row: usize| task.subtasks[view.index()[row] as usize].state.is_problem();
        let total: usize = (0..n).filter(|&r| failing(r)).count();
        if total == 0 {
            let hidden = task.subtasks.iter().filter(|s| s.state.is_problem()).count();
            if hidden > 0 {
                self.flash_info(format!(
                    "{} subtasks not imported are hidden by the filter (Esc clears it)",
                    labels::count(hidden)
                ));
            } else {
                self.flash_info("no subtask failed or was cancelled");
            }
            return;
        }
        let current = view.selected();
        // Start at the current row unless the viewer already shows it: `n` right after Enter
        // opens the first failure instead of skipping it.
        let showing_current = matches!(
            self.viewer.as_ref().map(|v| &v.target),
            Some(ViewerTarget::Subtask { pos, .. }) if Some(*pos) == view.selected_pos()
        );
        let (start, skip) = match (from_tasks, forward) {
            (true, true) => (0, 0),
            (true, false) => (n - 1, 0),
            (false, _) => (current, usize::from(showing_current)),
        };
        let step = |k: usize| if forward { (start + k) % n } else { (start + n - k % n) % n };
        let Some(row) = (skip..n + skip).map(step).find(|&r| failing(r)) else { return };
        let wrapped = !from_tasks
            && if forward {
                row < current || (showing_current && row == current)
            } else {
                row > current || (showing_current && row == current)
            };
        let ordinal = (0..row).filter(|&r| failing(r)).count() + 1;
        // Marked by its state's glyph, as rows mark it: a cancelled subtask is not called a
        // failure (one set of words for the counts on every surface).
        let state = task.subtasks[view.index()[row] as usize].state;
        entry.view.select(row, rows);
        let pos = entry.view.selected_pos();
        let wrap = match (wrapped, forward) {
            (false, _) => "",
            (true, true) => "wrapped to the first: ",
            (true, false) => "wrapped to the last: ",
        };
        let group = entry.insight.active_group().map(|(rank, _)| format!(", group {}", rank + 1)).unwrap_or_default();
        let (glyph, _) = labels::subtask_state(state);
        self.flash_info(format!(
            "{wrap}{glyph} {}/{} not imported{group}",
            labels::count(ordinal),
            labels::count(total)
        ));
        if let Some(pos) = pos {
            self.open_subtask_viewer(pos);
        }
    }

    /// `]`/`[`: the next or previous task that has failures, wrapping around.
    pub(super) fn jump_failed_task(&mut self, forward: bool) {
        let n = self.entries.len();
        if n == 0 {
            return;
        }
        let has_failures = |e: &Entry| e.problem_count() > 0 || e.task.as_ref().is_some_and(|t| t.state.has_failures());
        let current = self.selected;
        let found = (1..=n)
            .map(|k| if forward { (current + k) % n } else { (current + n - k) % n })
            .find(|&i| !self.entries[i].hidden && has_failures(&self.entries[i]));
        match found {
            None => self.flash_info("no task has failures"),
            Some(i) => {
                let wrapped = if forward { i <= current } else { i >= current };
                let focus = self.focus;
                self.select_task(i);
                if focus != Focus::Tasks && self.selected_entry().is_some_and(|e| e.task.is_some()) {
                    self.focus = Focus::Subtasks;
                }
                let name = self.entries[i].display_name();
                let failed = labels::count(self.entries[i].problem_count() as usize);
                if wrapped {
                    self.flash_info(format!("wrapped around to {name}, {failed} failed"));
                } else {
                    self.flash_info(format!("task with failures: {name}, {failed} failed"));
                }
            }
        }
    }
}
