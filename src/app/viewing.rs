//! What the viewer shows: the error behind the selection, a subtask's or task's text, the raw
//! provider JSON, and keeping it in step with the selection.
//!
//! Owns choosing and building the viewer's document; the scrolling and wrapping of a document
//! are the viewer's own (`viewer`). Part of `App::update`; pure like it.

use std::fmt::Write as _;

use crate::domain::{SubtaskState, Task};
use crate::sanitize;

use super::labels;
use super::subtask_view::SubtaskKey;
use super::viewer::{Doc, RawSource, Viewer, ViewerTarget};
use super::{App, Entry, Focus};

impl App {
    /// `e`: the error behind what is selected.
    pub(super) fn open_error(&mut self) {
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

    pub(super) fn open_selected_subtask(&mut self) {
        let Some(pos) = self.selected_entry().and_then(|e| e.view.selected_pos()) else { return };
        self.open_subtask_viewer(pos);
    }

    pub(super) fn open_subtask_viewer(&mut self, pos: usize) {
        let Some(sub) = self.selected_entry().and_then(|e| e.task.as_ref()).and_then(|t| t.subtasks.get(pos)) else {
            return;
        };
        let target = ViewerTarget::Subtask { pos, key: SubtaskKey::of(sub) };
        self.show_in_viewer(target);
        self.focus = Focus::Viewer;
    }

    pub(super) fn open_task_viewer(&mut self) {
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

    pub(super) fn set_viewer_raw(&mut self, raw: bool) {
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
    pub(super) fn viewer_doc(&self, target: &ViewerTarget, raw: bool) -> (Doc, Option<RawSource>) {
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
