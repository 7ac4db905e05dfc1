//! What the failure-analysis keys do: the groups tab and a group's members, changes since last
//! looked (marks and "changes only"), the report prompt, saving an export, and opening the
//! viewer's text in a pager or an editor.
//!
//! Owns these commands and when a task counts as seen (its subtask pane or viewer had the focus,
//! and the focus left). Part of `App::update`; pure like it: files and programs leave as
//! [`Effect`]s, and names and directories come from the options.

use crate::failure_report::{self, Format};
use crate::sanitize;

use super::action::Command;
use super::effect::{Effect, ExternalOpen, ExternalProgram, FileWrite, WriteKind};
use super::insight::Tab;
use super::outputs::{export_file_name, report_file_name};
use super::overlay::Overlay;
use super::viewer::ViewerTarget;
use super::{App, Focus, ReportPrompt, labels};

impl App {
    /// Whether the selected task's subtask pane shows the groups tab.
    pub(super) fn in_groups_tab(&self) -> bool {
        self.selected_entry().is_some_and(|e| e.task.is_some() && e.insight.tab() == Tab::Groups)
    }

    /// `F`: the groups tab of the selected task, from anywhere; in the groups tab, back to the
    /// subtasks.
    pub(super) fn toggle_groups(&mut self) {
        let Some(entry) = self.selected_entry() else { return };
        let Some(task) = entry.task.as_ref() else {
            self.flash_info("no data yet: nothing to group");
            return;
        };
        let failures = task.subtasks.iter().filter(|s| s.state.is_problem()).count();
        if self.focus == Focus::Subtasks && entry.insight.tab() == Tab::Groups {
            self.show_subtask_tab();
            return;
        }
        if self.focus == Focus::Viewer {
            self.viewer = None;
        }
        self.focus = Focus::Subtasks;
        let rows = self.subtask_page();
        if let Some(e) = self.entries.get_mut(self.selected) {
            e.insight.clear_group();
            e.insight.set_tab(Tab::Groups);
            // The tab opens on the biggest cause, whichever group was selected while it ran.
            e.insight.select_group(0, rows);
        }
        self.rescope();
        if failures == 0 {
            self.flash_info("no failed subtasks: nothing to group");
        }
    }

    /// Switches the selected task's pane to the subtask table (commands that work on it do).
    pub(super) fn show_subtask_tab(&mut self) {
        if let Some(e) = self.entries.get_mut(self.selected) {
            e.insight.set_tab(Tab::Subtasks);
        }
    }

    /// `v` in the groups tab: the selected group's variables and the values they took, or back
    /// to its example.
    pub(super) fn toggle_values(&mut self) {
        if !self.in_groups_tab() || self.focus != Focus::Subtasks {
            self.flash_info("v shows the values of a failure group's variables: open the groups with F");
            return;
        }
        let Some(e) = self.entries.get_mut(self.selected) else { return };
        let Some(task) = e.task.as_ref() else { return };
        let shown = e.insight.toggle_values(task);
        let none = shown && e.insight.values().is_some_and(<[_]>::is_empty);
        if none {
            self.flash_info("this group's text has no variable part");
        }
    }

    /// Enter on a group: the subtask table, scoped to its members, first row selected.
    pub(super) fn enter_group(&mut self) -> bool {
        let Some(e) = self.entries.get_mut(self.selected) else { return false };
        if !e.insight.enter_group() {
            self.flash_info("no failure group to open");
            return false;
        }
        self.rescope();
        let rows = self.subtask_page();
        if let Some(e) = self.entries.get_mut(self.selected) {
            e.view.select(0, rows);
        }
        true
    }

    /// Esc from a group's members: back to the groups tab, on that group.
    pub(super) fn leave_group(&mut self) {
        let rows = self.subtask_page();
        if let Some(e) = self.entries.get_mut(self.selected) {
            e.insight.leave_group();
            e.insight.fit_groups(rows);
        }
        self.viewer = None;
        self.rescope();
    }

    /// Whether the selected task's table lists one group's members.
    pub(super) fn group_active(&self) -> bool {
        self.selected_entry().is_some_and(|e| e.insight.active_group().is_some())
    }

    pub(super) fn move_group(&mut self, delta: isize) {
        let rows = self.subtask_page();
        if let Some(e) = self.entries.get_mut(self.selected) {
            e.insight.move_group(delta, rows);
        }
    }

    pub(super) fn group_to_end(&mut self, bottom: bool) {
        let rows = self.subtask_page();
        if let Some(e) = self.entries.get_mut(self.selected) {
            let target = if bottom { e.insight.groups().len().saturating_sub(1) } else { 0 };
            e.insight.select_group(target, rows);
        }
    }

    /// Applies the selected task's scope (listed group, changes only) to its subtask table.
    pub(super) fn rescope(&mut self) {
        let rows = self.subtask_page();
        if let Some(e) = self.entries.get_mut(self.selected)
            && let Some(task) = &e.task
        {
            e.view.set_scope(&task.subtasks, e.insight.scope());
            e.view.fit(rows);
        }
    }

    /// `c`: only the subtasks that changed since the user last looked, or all again.
    pub(super) fn toggle_changes_only(&mut self) {
        let Some(e) = self.selected_entry() else { return };
        if e.task.is_none() {
            self.flash_info("no data yet");
            return;
        }
        let on = !e.insight.changes_only();
        let changed = e.insight.changed().len();
        let has_baseline = e.insight.changed().has_baseline();
        if let Some(e) = self.entries.get_mut(self.selected) {
            e.insight.set_changes_only(on);
            e.insight.set_tab(Tab::Subtasks);
        }
        if self.focus == Focus::Tasks {
            self.focus = Focus::Subtasks;
        }
        self.rescope();
        self.follow_selection();
        let msg = match (on, changed, has_baseline) {
            (false, ..) => "showing all subtasks".to_owned(),
            (true, 0, false) => "changes only: nothing yet; changes are marked • from your first visit on".to_owned(),
            (true, 0, true) => "changes only: nothing changed since you last looked".to_owned(),
            (true, n, _) => format!("showing the {} changed subtasks (c shows all)", labels::count(n)),
        };
        self.flash_info(msg);
    }

    /// Runs when the focus may have moved: leaving a task's subtasks (or viewer) marks what it
    /// showed as seen, so the marks stay visible for as long as the user is looking. The first
    /// visit to a task is its first baseline, so changes that happen while the user watches it
    /// are marked too.
    pub(super) fn track_looking(&mut self) {
        let now = match self.focus {
            Focus::Subtasks | Focus::Viewer => {
                self.selected_entry().filter(|e| e.task.is_some()).map(|e| e.task_ref.clone())
            }
            Focus::Tasks => None,
        };
        if now == self.looking {
            return;
        }
        if let Some(left) = self.looking.take() {
            self.mark_seen(&left);
        }
        if let Some(entered) = now.as_ref().filter(|r| !self.changes.has_seen(r)) {
            self.mark_seen(&entered.clone());
        }
        self.looking = now;
    }

    fn mark_seen(&mut self, task_ref: &crate::domain::TaskRef) {
        let Some(i) = self.entries.iter().position(|e| &e.task_ref == task_ref) else { return };
        let changes = &mut self.changes;
        let entry = &mut self.entries[i];
        let Some(task) = entry.task.as_ref() else { return };
        changes.mark_seen(task_ref, task);
        entry.insight.set_changed(changes.changed(task_ref, task));
        if entry.insight.changes_only() {
            entry.view.set_scope(&task.subtasks, entry.insight.scope());
        }
        self.dirty = true;
    }

    /// `x`: asks for the report's format; nothing is written before the answer.
    pub(super) fn open_report_prompt(&mut self) {
        match self.selected_entry() {
            Some(e) if e.task.is_some() => {
                let prompt = ReportPrompt { task_ref: e.task_ref.clone(), at: self.now };
                self.overlays.open(Overlay::ReportPrompt(prompt));
            }
            Some(_) => self.flash_info("no data yet: nothing to report"),
            None => self.flash_info("no task selected"),
        }
    }

    pub(super) fn on_report_command(&mut self, command: Command) -> Vec<Effect> {
        let format = match command {
            Command::ReportMarkdown | Command::Submit | Command::Enter => Format::Markdown,
            Command::ReportCsv => Format::Csv,
            Command::ReportJson => Format::Json,
            Command::Cancel | Command::Back | Command::Deny | Command::Report => {
                self.overlays.close_top();
                return Vec::new();
            }
            _ => return Vec::new(),
        };
        let Some(Overlay::ReportPrompt(prompt)) = self.overlays.close_top() else { return Vec::new() };
        let Some(task) = self
            .entries
            .iter()
            .find(|e| e.task_ref == prompt.task_ref)
            .and_then(|e| e.task.as_ref().map(|t| (t, e.insight.groups())))
        else {
            self.flash_info("that task is gone: no report written");
            return Vec::new();
        };
        let (task, groups) = task;
        let contents = failure_report::render(task, groups, format, prompt.at);
        let name = report_file_name(&prompt.task_ref, format, prompt.at);
        vec![Effect::WriteFile(FileWrite {
            dir: self.options.output_dir.clone(),
            name,
            contents,
            what: WriteKind::Report(format),
        })]
    }

    /// `S`: writes the export task's document next to the reports.
    pub(super) fn save_export(&mut self) -> Vec<Effect> {
        let Some(export) = self.selected_entry().and_then(|e| e.task.as_ref()).and_then(|t| t.export.as_ref()) else {
            self.flash_info("this task has no exported file (Huawei export tasks have one when they finish)");
            return Vec::new();
        };
        vec![Effect::WriteFile(FileWrite {
            dir: self.options.output_dir.clone(),
            name: export_file_name(export),
            contents: export.content.clone(),
            what: WriteKind::Export,
        })]
    }

    /// Enter on an export task: its document in the viewer.
    pub(super) fn open_export_viewer(&mut self) {
        self.show_in_viewer(ViewerTarget::Export);
        self.focus = Focus::Viewer;
    }

    /// `o` / `e` in the viewer: the text shown, in the user's pager or editor.
    pub(super) fn open_external(&mut self, program: ExternalProgram) -> Vec<Effect> {
        let Some(viewer) = self.viewer.as_ref() else { return Vec::new() };
        if viewer.doc.is_empty() {
            self.flash_info("nothing to open");
            return Vec::new();
        }
        let suffix = match (&viewer.target, viewer.raw) {
            (_, true) => ".json".to_owned(),
            (ViewerTarget::Export, false) => self
                .selected_entry()
                .and_then(|e| e.task.as_ref())
                .and_then(|t| t.export.as_ref())
                .map_or_else(|| ".txt".to_owned(), |x| suffix_of(&export_file_name(x))),
            _ => ".txt".to_owned(),
        };
        vec![Effect::OpenExternal(ExternalOpen { program, text: viewer.doc.as_str().to_owned(), suffix })]
    }

    /// `y` in the groups tab: the selected group's label and example message.
    pub(super) fn group_copy_text(&self) -> Option<String> {
        let group = self.selected_entry()?.insight.selected_group()?;
        let mut text = group.label();
        if group.has_text() {
            text.push('\n');
            text.push_str(&sanitize::text(group.example.trim_end()));
        }
        Some(text)
    }
}

/// `.json` of `spec.json`; `.txt` when there is none.
fn suffix_of(name: &str) -> String {
    match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => format!(".{ext}"),
        _ => ".txt".to_owned(),
    }
}
