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
use super::labels;
use super::overlay::Overlay;
use super::viewer::Viewer;
use super::{App, Focus, Help, Polling, pane_context};

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
            Command::Refresh => self.refresh_selected(),
            Command::RefreshAll => self.refresh_all(),
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
                    let text = format!(
                        "{} subtasks of {} sorted by {} ↑",
                        labels::count(task.subtasks.len()),
                        e.display_name(),
                        sort.label()
                    );
                    self.flash_info(text);
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
            Command::Label => {
                match self.selected_entry() {
                    Some(e) => {
                        let current = e.label.clone().unwrap_or_default();
                        self.open_input(InputPurpose::Label, &current);
                    }
                    None => self.flash_info("no task to name"),
                }
                Vec::new()
            }
            Command::OpenConsole => self.open_console(),
            Command::FilterTasks => {
                if self.entries.is_empty() {
                    self.flash_info("no tasks to filter");
                } else {
                    self.focus = Focus::Tasks;
                    let current = self.task_view.filter.clone();
                    self.open_input(InputPurpose::TaskFilter, &current);
                }
                Vec::new()
            }
            Command::SortTasks => {
                self.cycle_task_sort();
                Vec::new()
            }
            Command::Search => {
                if self.viewer.is_some() {
                    let current = self.viewer.as_ref().and_then(|v| v.search_query()).unwrap_or_default().to_owned();
                    self.open_input(InputPurpose::Search, &current);
                }
                Vec::new()
            }
            Command::NextMatch | Command::PrevMatch => {
                let forward = command == Command::NextMatch;
                if self.viewer.as_ref().is_some_and(Viewer::has_search) {
                    self.next_match(forward);
                    Vec::new()
                } else {
                    self.on_command(if forward { Command::NextFailure } else { Command::PrevFailure })
                }
            }
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

    /// `r`: fetch the selected task now, a reopened finished one included (one fetch).
    fn refresh_selected(&mut self) -> Vec<Effect> {
        let Some(entry) = self.entries.get_mut(self.selected) else { return Vec::new() };
        entry.polling = Polling::Watched;
        let task_ref = entry.task_ref.clone();
        let name = entry.display_name();
        self.flash_info(format!("refreshing {name}"));
        vec![Effect::Poll(PollCmd::Refresh(Some(task_ref)))]
    }

    /// Ctrl-r: every task the poller has, and one fetch of each reopened finished task.
    fn refresh_all(&mut self) -> Vec<Effect> {
        if self.entries.is_empty() {
            return Vec::new();
        }
        let mut effects = vec![Effect::Poll(PollCmd::Refresh(None))];
        for entry in self.entries.iter_mut().filter(|e| e.polling == Polling::Idle) {
            entry.polling = Polling::Watched;
            effects.push(Effect::Poll(PollCmd::Refresh(Some(entry.task_ref.clone()))));
        }
        let n = self.entries.len();
        self.flash_info(format!("refreshing all {} tasks", super::labels::count(n)));
        effects
    }

    /// Enter on the label line: the new name, kept in the watch list; empty takes it away.
    pub(super) fn rename_selected(&mut self, text: &str) -> Vec<Effect> {
        let Some(entry) = self.entries.get_mut(self.selected) else { return Vec::new() };
        let label = (!text.is_empty()).then(|| text.to_owned());
        if entry.label == label {
            return Vec::new();
        }
        entry.label.clone_from(&label);
        let task_ref = entry.task_ref.clone();
        let message = match &label {
            Some(label) => format!("labelled {} \"{}\"", task_ref.short(), crate::sanitize::line(label)),
            None => format!("label of {} taken away", task_ref.short()),
        };
        self.flash_info(message);
        self.reapply_task_view();
        vec![Effect::SaveLabel { task_ref, label }]
    }

    /// `O`: the task's page in its cloud's web console; the host opens it with `$BROWSER`, or
    /// says where it is. The address holds the region and ids, never a credential.
    fn open_console(&mut self) -> Vec<Effect> {
        let Some(entry) = self.selected_entry() else {
            self.flash_info("no task to open");
            return Vec::new();
        };
        let url = entry.task_ref.console_url();
        let name = entry.display_name();
        vec![Effect::OpenConsole { url, name }]
    }

    pub(super) fn remove(&mut self, task_ref: &TaskRef) -> Vec<Effect> {
        let Some(i) = self.entries.iter().position(|e| &e.task_ref == task_ref) else { return Vec::new() };
        let name = self.entries[i].display_name();
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
        let whole = crate::sanitize::line(&task_ref.to_string()).into_owned();
        let what = if name.starts_with('"') { format!("{name} ({whole})") } else { whole };
        self.flash_info(format!("removed {what} from the watch list"));
        vec![Effect::Poll(PollCmd::Unwatch(task_ref.clone())), Effect::SaveWatchlist(self.task_refs())]
    }
}
