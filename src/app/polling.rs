//! Applying fetch results: snapshots, fetch errors, freshness and notifications.
//!
//! Owns what a [`Polled`] does to an entry (keep the last good snapshot, feed the progress
//! tracker, regroup failures, recompare changes and rebuild the view only when the snapshot
//! changed, keep the selection on the same subtask, drop results older than the one shown) and
//! when a task's finish or first failure is announced — exactly once each, and only against a
//! known earlier state. Also [`coalesce`] for bursts. Pure.

use std::collections::HashMap;

use crate::domain::{Task, TaskRef};
use crate::poller::Polled;

use super::effect::{Effect, Notification, NotifyKind};
use super::{App, NotifyMode, labels, problems};

/// Thins a burst of results to what changes the outcome: per task the newest success, and the
/// newest failure if it came after it. Order of arrival is kept.
pub fn coalesce(batch: Vec<Polled>) -> Vec<Polled> {
    #[derive(Default, Clone, Copy)]
    struct Seen {
        any: bool,
        ok: bool,
    }
    let mut seen: HashMap<TaskRef, Seen> = HashMap::new();
    let mut kept: Vec<Polled> = Vec::with_capacity(batch.len());
    for p in batch.into_iter().rev() {
        let s = seen.entry(p.task_ref.clone()).or_default();
        let is_ok = p.result.is_ok();
        let keep = !s.any || (is_ok && !s.ok);
        s.any = true;
        s.ok |= is_ok;
        if keep {
            kept.push(p);
        }
    }
    kept.reverse();
    kept
}

impl App {
    pub(super) fn on_polled(&mut self, polled: Polled) -> Vec<Effect> {
        let Some(i) = self.entries.iter().position(|e| e.task_ref == polled.task_ref) else {
            // A result for a task removed meanwhile.
            return Vec::new();
        };
        if self.entries[i].last_polled_at.is_some_and(|t| polled.at < t) {
            return Vec::new();
        }
        self.dirty = true;
        if polled.at > self.now {
            self.now = polled.at;
        }
        let rows = self.subtask_page();
        let notify = self.options.notify;
        let changes = &self.changes;
        let entry = &mut self.entries[i];
        let mut group_gone = false;
        entry.last_polled_at = Some(polled.at);
        entry.next_poll_at = polled.next_poll_in.map(|d| polled.at + d);
        let mut effects = Vec::new();
        let mut viewer_stale = false;
        match polled.result {
            Ok(task) => {
                let viewer_on_task_error = entry.last_error.is_some();
                entry.last_error = None;
                entry.error_since = None;
                entry.updated_at = Some(polled.at);
                entry.first_seen.get_or_insert(polled.at);
                entry.from_snapshot = false;
                if task.is_finished() && entry.finished_at.is_none() {
                    entry.finished_at = Some(polled.at);
                }
                if let Some(n) = notification(entry.task.as_ref(), &task, entry, notify) {
                    effects.push(Effect::Notify(n));
                }
                entry.announced.finish |= task.is_finished();
                entry.announced.failure |= problems(&task) > 0;
                entry.announced.baseline_known = true;
                entry.insight.observe(polled.at, &task);
                if entry.task.as_ref() != Some(&task) {
                    let keep = entry.task.as_ref().and_then(|old| entry.view.selected_key(&old.subtasks));
                    group_gone = !entry.insight.on_snapshot(&task, changes.changed(&entry.task_ref, &task));
                    entry.view.set_scope_only(entry.insight.scope());
                    entry.view.rebuild(&task.subtasks, keep.as_ref());
                    entry.view.fit(rows);
                    entry.task = Some(task);
                    viewer_stale = true;
                }
                viewer_stale |= viewer_on_task_error;
            }
            Err(error) => {
                if entry.last_error.is_none() {
                    entry.error_since = Some(polled.at);
                }
                viewer_stale = entry.last_error.as_ref() != Some(&error);
                entry.last_error = Some(error);
            }
        }
        if group_gone && i == self.selected {
            self.flash_info("the listed failure group is gone from the latest snapshot: showing all subtasks");
        }
        if viewer_stale && i == self.selected {
            self.refresh_viewer();
        }
        effects
    }
}

/// The one notification a new snapshot deserves, if any.
///
/// Nothing is announced for a task whose earlier state is unknown (started with no saved
/// snapshot and this is its first answer): a task that finished yesterday is no news. A finish
/// that also brings the first failure is one notification, not two.
fn notification(previous: Option<&Task>, task: &Task, entry: &super::Entry, mode: NotifyMode) -> Option<Notification> {
    if mode == NotifyMode::Off || (previous.is_none() && !entry.announced.baseline_known) {
        return None;
    }
    let failed = problems(task);
    let short = entry.task_ref.short();
    let provider = entry.task_ref.provider();
    let (kind, title, body) = if task.is_finished() && !entry.announced.finish {
        let (_, word) = labels::task_state(task.state);
        let body = if failed > 0 {
            format!(
                "{provider} {short}: {word}, {} of {} subtasks failed",
                labels::count(failed as usize),
                labels::count(task.counts.total as usize)
            )
        } else {
            format!("{provider} {short}: {word}, {} subtasks", labels::count(task.counts.total as usize))
        };
        (NotifyKind::Finished(task.state), format!("oaswatch: task {word}"), body)
    } else if !task.is_finished() && failed > 0 && !entry.announced.failure {
        let body = format!("{provider} {short}: first failure ({} failed so far)", labels::count(failed as usize));
        (NotifyKind::FirstFailure, "oaswatch: a subtask failed".to_owned(), body)
    } else {
        return None;
    };
    Some(Notification { task_ref: entry.task_ref.clone(), kind, title, body, desktop: mode == NotifyMode::Desktop })
}
