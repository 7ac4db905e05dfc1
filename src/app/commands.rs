//! The key commands' dispatch table: which method each command calls when no dialog is open.
//!
//! Owns the table and the few commands that are one line of state (pause, refresh, sort, the
//! remove that a confirmation leads to). What the commands do lives with what they serve:
//! `navigation` (moves, focus, failure jumps), `viewing` (the viewer's contents), `clipboard`,
//! `mouse`, `input` (the input line), `overlay` (dialogs), `failures` (analysis). Part of
//! `App::update`; pure like it.

use crate::domain::TaskRef;
use crate::poller::PollCmd;

use super::action::Command;
use super::effect::{Effect, ExternalProgram};
use super::input::InputPurpose;
use super::overlay::Overlay;
use super::{App, Focus, Help, pane_context};

/// Columns `h`/`l` shift an unwrapped viewer.
const HSCROLL_COLS: isize = 8;

impl App {
    /// Ctrl-C: quit as a shell interrupt would, so the exit code says the user aborted (130).
    fn interrupt(&mut self) -> Vec<Effect> {
        self.quit = true;
        self.exit_signal = Some(super::action::Signal::Interrupt);
        vec![Effect::Quit]
    }

    #[expect(clippy::too_many_lines, reason = "the dispatch table: one short arm per command reads best in one place")]
    pub(super) fn on_command(&mut self, command: Command) -> Vec<Effect> {
        if command == Command::Interrupt {
            return self.interrupt();
        }
        if !self.overlays.is_empty() {
            return self.on_overlay_command(command);
        }
        match command {
            Command::Quit => self.quit(),
            Command::Interrupt => self.interrupt(),
            Command::RetrySpec => self.start_retry_spec(),
            Command::Suspend => vec![Effect::Suspend],
            Command::Help => {
                self.overlays.open(Overlay::Help(Help { context: pane_context(self.focus), scroll: 0 }));
                Vec::new()
            }
            Command::FocusNext => {
                self.cycle_focus(true);
                Vec::new()
            }
            Command::FocusPrev => {
                self.cycle_focus(false);
                Vec::new()
            }
            Command::Up => self.move_by(-1),
            Command::Down => self.move_by(1),
            Command::PageUp => self.page(-1),
            Command::PageDown => self.page(1),
            Command::Top => self.move_to_end(false),
            Command::Bottom => self.move_to_end(true),
            Command::Enter => self.enter(),
            Command::Back => {
                self.back();
                Vec::new()
            }
            Command::Left => {
                match self.focus {
                    Focus::Tasks => {}
                    Focus::Subtasks => self.focus = Focus::Tasks,
                    Focus::Viewer => {
                        if let Some(v) = self.viewer.as_mut() {
                            v.scroll_horizontal(-HSCROLL_COLS);
                        }
                    }
                }
                Vec::new()
            }
            Command::Right => match self.focus {
                Focus::Tasks | Focus::Subtasks => self.enter(),
                Focus::Viewer => {
                    if let Some(v) = self.viewer.as_mut() {
                        v.scroll_horizontal(HSCROLL_COLS);
                    }
                    Vec::new()
                }
            },
            Command::NextFailure | Command::PrevFailure => {
                let forward = command == Command::NextFailure;
                // In the groups tab, n opens the selected group's first (N: last) failure.
                if self.focus == Focus::Subtasks && self.in_groups_tab() {
                    if !self.enter_group() {
                        return Vec::new();
                    }
                    if !forward {
                        self.move_to_end(true);
                    }
                }
                self.jump_failure(forward);
                Vec::new()
            }
            Command::NextFailedTask => {
                self.jump_failed_task(true);
                Vec::new()
            }
            Command::PrevFailedTask => {
                self.jump_failed_task(false);
                Vec::new()
            }
            Command::Add => {
                self.open_input(InputPurpose::AddTask, "");
                Vec::new()
            }
            Command::Remove => {
                match self.selected_entry() {
                    Some(e) => self.overlays.open(Overlay::ConfirmRemove(e.task_ref.clone())),
                    None => self.flash_info("nothing to remove"),
                }
                Vec::new()
            }
            Command::Refresh => match self.selected_entry().map(|e| e.task_ref.clone()) {
                Some(task_ref) => {
                    self.flash_info(format!("refreshing {}", task_ref.short()));
                    vec![Effect::Poll(PollCmd::Refresh(Some(task_ref)))]
                }
                None => Vec::new(),
            },
            Command::RefreshAll => {
                if self.entries.is_empty() {
                    return Vec::new();
                }
                self.flash_info("refreshing all tasks");
                vec![Effect::Poll(PollCmd::Refresh(None))]
            }
            Command::Pause => {
                self.paused = !self.paused;
                self.flash_info(if self.paused { "polling paused (p resumes)" } else { "polling resumed" });
                vec![Effect::Poll(PollCmd::Pause(self.paused))]
            }
            Command::Filter => {
                self.show_subtask_tab();
                if self.selected_entry().is_some_and(|e| e.task.is_some()) {
                    if self.focus == Focus::Tasks {
                        self.focus = Focus::Subtasks;
                    }
                    let current = self.selected_entry().map(|e| e.view.filter().to_owned()).unwrap_or_default();
                    self.open_input(InputPurpose::Filter, &current);
                } else {
                    self.flash_info("no subtasks to filter yet");
                }
                Vec::new()
            }
            Command::FailuresOnly => {
                self.show_subtask_tab();
                let rows = self.subtask_page();
                if let Some(e) = self.entries.get_mut(self.selected)
                    && let Some(task) = &e.task
                {
                    let on = !e.view.failures_only();
                    e.view.set_failures_only(&task.subtasks, on);
                    e.view.fit(rows);
                    let msg = if on { "showing failures only (f shows all)" } else { "showing all subtasks" };
                    self.flash_info(msg);
                }
                self.follow_selection();
                Vec::new()
            }
            Command::CycleSort => {
                self.show_subtask_tab();
                if let Some(e) = self.entries.get_mut(self.selected)
                    && let Some(task) = &e.task
                {
                    let sort = e.view.sort().next();
                    e.view.set_sort(&task.subtasks, sort);
                    self.flash_info(format!("sort: {}", sort.label()));
                }
                Vec::new()
            }
            Command::OpenError => {
                self.open_error();
                Vec::new()
            }
            Command::Copy => self.copy(),
            Command::ToggleWrap => {
                if let Some(v) = self.viewer.as_mut() {
                    let wrap = !v.wrap;
                    v.set_wrap(wrap);
                }
                Vec::new()
            }
            Command::ToggleRaw => {
                if let Some(raw) = self.viewer.as_ref().map(|v| !v.raw) {
                    self.set_viewer_raw(raw);
                }
                Vec::new()
            }
            Command::Groups => {
                self.toggle_groups();
                Vec::new()
            }
            Command::Values => {
                self.toggle_values();
                Vec::new()
            }
            Command::Report => {
                self.open_report_prompt();
                Vec::new()
            }
            Command::ChangesOnly => {
                self.toggle_changes_only();
                Vec::new()
            }
            Command::SaveExport => self.save_export(),
            Command::OpenPager => self.open_external(ExternalProgram::Pager),
            Command::OpenEditor => self.open_external(ExternalProgram::Editor),
            // Modal commands outside their modal (only reachable through odd remaps) do nothing.
            Command::Submit
            | Command::Cancel
            | Command::Backspace
            | Command::DeleteForward
            | Command::CursorLeft
            | Command::CursorRight
            | Command::CursorHome
            | Command::CursorEnd
            | Command::ClearInput
            | Command::DeleteWord
            | Command::Confirm
            | Command::Deny
            | Command::ReportMarkdown
            | Command::ReportCsv
            | Command::ReportJson => Vec::new(),
        }
    }

    pub(super) fn remove(&mut self, task_ref: &TaskRef) -> Vec<Effect> {
        let Some(i) = self.entries.iter().position(|e| &e.task_ref == task_ref) else { return Vec::new() };
        self.entries.remove(i);
        self.changes.forget(task_ref);
        if self.looking.as_ref() == Some(task_ref) {
            self.looking = None;
        }
        if i == self.selected {
            self.viewer = None;
            self.focus = Focus::Tasks;
        }
        if i < self.selected {
            self.selected -= 1;
        }
        self.selected = self.selected.min(self.entries.len().saturating_sub(1));
        self.flash_info(format!("removed {}", task_ref.short()));
        vec![Effect::Poll(PollCmd::Unwatch(task_ref.clone())), Effect::SaveWatchlist(self.task_refs())]
    }
}
