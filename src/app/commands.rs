//! What each key command, typed character and mouse event does to the app.
//!
//! Owns navigation (including the groups tab's), failure jumps, the input line, the remove
//! dialog, the viewer's contents and the effects they request; the failure-analysis commands
//! themselves are in `failures`. Part of `App::update`; pure like it.

use std::fmt::Write as _;

use crate::domain::{SubtaskState, Task, TaskRef};
use crate::poller::PollCmd;
use crate::sanitize;

use super::action::{Command, MouseInput, MouseKind};
use super::effect::{Effect, ExternalProgram};
use super::input::InputPurpose;
use super::labels;
use super::overlay::Overlay;
use super::subtask_view::SubtaskKey;
use super::viewer::{Doc, RawSource, Viewer, ViewerTarget};
use super::{App, Entry, Focus, Help, layout, pane_context, task_list_offset};

/// Most a copy puts on the clipboard; terminals cap OSC 52 payloads (k9s `K9S_OSC52_MAX`).
const COPY_LIMIT: usize = 1 << 20;
/// Rows one mouse wheel notch moves.
const WHEEL_ROWS: isize = 3;
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

    fn cycle_focus(&mut self, forward: bool) {
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

    fn move_by(&mut self, delta: isize) -> Vec<Effect> {
        match self.focus {
            Focus::Tasks => {
                let last = self.entries.len().saturating_sub(1);
                let target = self.selected.saturating_add_signed(delta).min(last);
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

    fn page(&mut self, pages: isize) -> Vec<Effect> {
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

    fn move_to_end(&mut self, bottom: bool) -> Vec<Effect> {
        match self.focus {
            Focus::Tasks => {
                let target = if bottom { self.entries.len().saturating_sub(1) } else { 0 };
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

    fn enter(&mut self) -> Vec<Effect> {
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

    fn back(&mut self) {
        match self.focus {
            Focus::Viewer => {
                self.viewer = None;
                self.focus = Focus::Subtasks;
            }
            Focus::Subtasks => {
                let filtered = self.selected_entry().is_some_and(|e| !e.view.filter().is_empty());
                if filtered && !self.in_groups_tab() {
                    self.apply_filter("");
                    self.flash_info("filter cleared");
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

    /// `e`: the error behind what is selected.
    fn open_error(&mut self) {
        match self.focus {
            Focus::Tasks => {
                let Some(e) = self.selected_entry() else { return };
                let task_error = e.task.as_ref().is_some_and(|t| t.error.is_some());
                if e.last_error.is_some() || task_error {
                    self.open_task_viewer();
                } else if e.problem_count() > 0 {
                    self.jump_failure(true);
                } else {
                    self.flash_info("no error in this task");
                }
            }
            Focus::Subtasks if self.in_groups_tab() => {
                if self.enter_group() {
                    self.jump_failure(true);
                }
            }
            Focus::Subtasks => self.open_selected_subtask(),
            Focus::Viewer => {}
        }
    }

    fn open_selected_subtask(&mut self) {
        let Some(pos) = self.selected_entry().and_then(|e| e.view.selected_pos()) else { return };
        self.open_subtask_viewer(pos);
    }

    fn open_subtask_viewer(&mut self, pos: usize) {
        let Some(sub) = self.selected_entry().and_then(|e| e.task.as_ref()).and_then(|t| t.subtasks.get(pos)) else {
            return;
        };
        let target = ViewerTarget::Subtask { pos, key: SubtaskKey::of(sub) };
        self.show_in_viewer(target);
        self.focus = Focus::Viewer;
    }

    fn open_task_viewer(&mut self) {
        self.show_in_viewer(ViewerTarget::Task);
        self.focus = Focus::Viewer;
    }

    /// Opens or retargets the viewer, keeping the wrap and raw choices the user made.
    pub(super) fn show_in_viewer(&mut self, target: ViewerTarget) {
        let (wrap, raw) = self.viewer.as_ref().map_or((true, false), |v| (v.wrap, v.raw));
        let (doc, source) = self.viewer_doc(&target, raw);
        match self.viewer.as_mut() {
            Some(v) if v.target == target => v.set_doc(doc),
            _ => {
                let mut v = Viewer::new(target, doc);
                v.set_wrap(wrap);
                v.raw = raw;
                self.viewer = Some(v);
            }
        }
        if let Some(v) = self.viewer.as_mut() {
            v.raw_source = source;
        }
    }

    fn set_viewer_raw(&mut self, raw: bool) {
        let Some(target) = self.viewer.as_ref().map(|v| v.target.clone()) else { return };
        let (doc, source) = self.viewer_doc(&target, raw);
        if let Some(v) = self.viewer.as_mut() {
            v.raw = raw;
            v.raw_source = source;
            v.set_doc(doc);
        }
    }

    /// When the viewer is open beside the subtask table, it follows the selected row.
    pub(super) fn follow_selection(&mut self) {
        let following = matches!(self.viewer.as_ref().map(|v| &v.target), Some(ViewerTarget::Subtask { .. }));
        if !following {
            return;
        }
        match self.selected_entry().and_then(|e| e.view.selected_pos()) {
            Some(pos) => {
                let Some(sub) = self.selected_entry().and_then(|e| e.task.as_ref()).and_then(|t| t.subtasks.get(pos))
                else {
                    return;
                };
                let target = ViewerTarget::Subtask { pos, key: SubtaskKey::of(sub) };
                self.show_in_viewer(target);
            }
            None => self.viewer = None,
        }
    }

    /// Rebuilds the viewer after a new snapshot of the selected task.
    pub(super) fn refresh_viewer(&mut self) {
        let Some(v) = self.viewer.as_ref() else { return };
        let target = match &v.target {
            ViewerTarget::Task => ViewerTarget::Task,
            ViewerTarget::Export => ViewerTarget::Export,
            ViewerTarget::Subtask { key, .. } => {
                let found = self
                    .selected_entry()
                    .and_then(|e| e.task.as_ref())
                    .and_then(|t| t.subtasks.iter().position(|s| key.matches(s)));
                let Some(pos) = found else {
                    self.viewer = None;
                    self.flash_info("that subtask is not in the latest snapshot any more");
                    return;
                };
                ViewerTarget::Subtask { pos, key: key.clone() }
            }
        };
        let raw = v.raw;
        let (doc, source) = self.viewer_doc(&target, raw);
        if let Some(v) = self.viewer.as_mut() {
            v.target = target;
            v.raw_source = source;
            v.set_doc(doc);
        }
    }

    /// The text the viewer shows for `target`, sanitised once here.
    fn viewer_doc(&self, target: &ViewerTarget, raw: bool) -> (Doc, Option<RawSource>) {
        let Some(entry) = self.selected_entry() else { return (Doc::new(""), None) };
        match target {
            ViewerTarget::Task => {
                if raw {
                    return match entry.task.as_ref() {
                        Some(task) => task_raw_json(task),
                        None => (Doc::new("no response body yet"), None),
                    };
                }
                (Doc::from_string(task_error_text(entry)), None)
            }
            ViewerTarget::Export => match entry.task.as_ref() {
                Some(task) if raw => task_raw_json(task),
                Some(Task { export: Some(export), .. }) if export.content.trim().is_empty() => {
                    (Doc::new("The export task returned an empty document."), None)
                }
                Some(Task { export: Some(export), .. }) => (Doc::new(&export.content), None),
                _ => (Doc::new("This task has no exported document (yet)."), None),
            },
            ViewerTarget::Subtask { pos, .. } => {
                let Some(task) = entry.task.as_ref() else { return (Doc::new(""), None) };
                let Some(sub) = task.subtasks.get(*pos) else { return (Doc::new(""), None) };
                if raw {
                    if let Some(json) = self.options.raw_item_json.and_then(|f| f(task, sub)) {
                        return (Doc::new(&json), Some(RawSource::Provider));
                    }
                    let json = serde_json::to_string_pretty(sub).unwrap_or_default();
                    return (Doc::new(&json), Some(RawSource::Normalised));
                }
                (Doc::from_string(subtask_error_text(sub)), None)
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
                    "{} failed subtasks hidden by the filter (Esc clears it)",
                    labels::count(hidden)
                ));
            } else {
                self.flash_info("no failed subtasks");
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
        entry.view.select(row, rows);
        let pos = entry.view.selected_pos();
        let what = if wrapped {
            if forward { "wrapped to the first failure" } else { "wrapped to the last failure" }
        } else {
            "failure"
        };
        let group = entry.insight.active_group().map(|(rank, _)| format!(" of group {}", rank + 1)).unwrap_or_default();
        self.flash_info(format!("{what} {}/{}{group}", labels::count(ordinal), labels::count(total)));
        if let Some(pos) = pos {
            self.open_subtask_viewer(pos);
        }
    }

    /// `]`/`[`: the next or previous task that has failures, wrapping around.
    fn jump_failed_task(&mut self, forward: bool) {
        let n = self.entries.len();
        if n == 0 {
            return;
        }
        let has_failures = |e: &Entry| e.problem_count() > 0 || e.task.as_ref().is_some_and(|t| t.state.has_failures());
        let current = self.selected;
        let found = (1..=n)
            .map(|k| if forward { (current + k) % n } else { (current + n - k) % n })
            .find(|&i| has_failures(&self.entries[i]));
        match found {
            None => self.flash_info("no task has failures"),
            Some(i) => {
                let wrapped = if forward { i <= current } else { i >= current };
                let focus = self.focus;
                self.select_task(i);
                if focus != Focus::Tasks && self.selected_entry().is_some_and(|e| e.task.is_some()) {
                    self.focus = Focus::Subtasks;
                }
                let short = self.entries[i].task_ref.short();
                if wrapped {
                    self.flash_info(format!("wrapped around to {short}"));
                } else {
                    self.flash_info(format!("task with failures: {short}"));
                }
            }
        }
    }

    fn copy(&mut self) -> Vec<Effect> {
        let text: Option<String> = match self.focus {
            Focus::Viewer => self.viewer.as_ref().map(|v| v.doc.as_str().to_owned()),
            Focus::Subtasks if self.in_groups_tab() => self.group_copy_text(),
            Focus::Subtasks => self.selected_entry().and_then(|e| {
                let sub = e.task.as_ref()?.subtasks.get(e.view.selected_pos()?)?;
                Some(match sub.error() {
                    Some(err) if !err.trimmed_message().is_empty() => {
                        sanitize::text(err.trimmed_message()).into_owned()
                    }
                    _ => sanitize::line(&format!("{} {}", sub.method(), sub.path())).trim().to_owned(),
                })
            }),
            Focus::Tasks => self.selected_entry().map(|e| sanitize::line(&e.task_ref.to_string()).into_owned()),
        };
        let Some(mut text) = text.filter(|t| !t.is_empty()) else {
            self.flash_info("nothing to copy");
            return Vec::new();
        };
        let chars = text.chars().count();
        if text.len() > COPY_LIMIT {
            let mut cut = COPY_LIMIT;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text.truncate(cut);
            self.flash_info(format!(
                "copied the first {} of {} characters (clipboard limit)",
                labels::count(text.chars().count()),
                labels::count(chars)
            ));
        } else {
            self.flash_info(format!("copied {} characters", labels::count(chars)));
        }
        vec![Effect::CopyToClipboard(text)]
    }

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

    fn click(&mut self, pane: Focus, panes: &layout::Panes, row: u16) {
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

/// The viewer text for a subtask; never empty, so nobody wonders whether the pane is broken.
fn subtask_error_text(sub: &crate::domain::Subtask) -> String {
    match sub.error() {
        // Moved, not copied, when the message was decompressed: it can be 10 MB.
        Some(err) if !err.trimmed_message().is_empty() => {
            let mut message = err.message.into_owned();
            message.truncate(message.trim_end().len());
            message
        }
        Some(err) if !err.code.is_empty() => {
            format!("no error text returned by the API (only the code {} above)", sanitize::line(err.code))
        }
        _ => match sub.state {
            SubtaskState::Failed | SubtaskState::Cancelled => {
                format!(
                    "no error text returned by the API: the provider marked this {} as {} without a message.",
                    sub.kind.as_str(),
                    sub.state
                )
            }
            SubtaskState::Succeeded => "no error: this subtask succeeded.".to_owned(),
            SubtaskState::Running => "no error: this subtask is still running.".to_owned(),
            SubtaskState::Waiting => "no error: this subtask has not started yet.".to_owned(),
            SubtaskState::Skipped => "no error: the provider skipped this subtask on purpose.".to_owned(),
        },
    }
}

/// The viewer text for a task: the last fetch error, then the task-level error.
fn task_error_text(entry: &Entry) -> String {
    let mut out = String::new();
    if let Some(err) = &entry.last_error {
        let _ = write!(out, "Fetching this task failed ({}", err.kind);
        if !err.code.is_empty() {
            let _ = write!(out, ", code {}", err.code);
        }
        out.push_str("):\n");
        out.push_str(if err.message.trim().is_empty() { "no error text returned" } else { err.message.trim_end() });
        if let Some(delay) = err.retry_after {
            let _ = write!(out, "\nThe provider asked to wait {} before retrying.", labels::duration(delay));
        }
        if !err.kind.is_retryable() {
            out.push_str("\nThis does not heal by retrying: fix it, then press r to fetch again.");
        }
        if entry.task.is_some() {
            out.push_str("\nThe subtasks shown are from the last successful fetch.");
        }
        out.push_str("\n\n");
    }
    match entry.task.as_ref() {
        Some(task) => match &task.error {
            Some(err) => {
                out.push_str("Task error");
                if !err.code.is_empty() {
                    let _ = write!(out, " (code {})", err.code);
                }
                out.push_str(":\n");
                out.push_str(if err.trimmed_message().is_empty() {
                    "no error text returned by the API"
                } else {
                    err.trimmed_message()
                });
            }
            None if entry.last_error.is_none() => {
                let problems = entry.problem_count();
                if problems > 0 {
                    let _ = write!(
                        out,
                        "No task-level error. {} subtasks failed: press n to go to the first one.",
                        labels::count(problems as usize)
                    );
                } else {
                    let _ = write!(out, "No error reported for this task ({}).", task.state);
                }
            }
            None => {}
        },
        None if entry.last_error.is_none() => out.push_str("No answer yet for this task."),
        None => {}
    }
    out
}

fn task_raw_json(task: &Task) -> (Doc, Option<RawSource>) {
    const PRETTY_LIMIT: usize = 1 << 20;
    if let Some(body) = task.raw_body.as_deref() {
        let pretty = if body.len() <= PRETTY_LIMIT {
            serde_json::from_str::<serde_json::Value>(body).ok().and_then(|v| serde_json::to_string_pretty(&v).ok())
        } else {
            None
        };
        return (Doc::new(pretty.as_deref().unwrap_or(body)), Some(RawSource::Provider));
    }
    (Doc::new(&serde_json::to_string_pretty(task).unwrap_or_default()), Some(RawSource::Normalised))
}
