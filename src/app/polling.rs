//! Applying fetch results: snapshots, fetch errors, freshness and notifications.
//!
//! Owns what a [`Polled`] does to an entry (keep the last good snapshot, feed the progress
//! tracker, regroup failures, recompare changes and rebuild the view only when the snapshot
//! changed, keep the selection on the same subtask, drop results older than the one shown) and
//! when a task's finish or first failure is announced — exactly once each, and only against a
//! known earlier state. Also [`coalesce`] for bursts. Pure.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::domain::{Task, TaskRef};
use crate::poller::{PollCmd, Polled};

use super::effect::{Effect, Notification, NotifyKind};
use super::{App, Entry, NotifyMode, labels, problems};

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
        if polled.at > self.now {
            self.now = polled.at;
        }
        let (now, interval, paused) = (self.now, self.options.poll_interval, self.paused);
        let look_before = (i != self.selected).then(|| look(&self.entries[i], now, interval, paused));
        let mut unchanged = false;
        let rows = self.subtask_page();
        let notify = self.options.notify;
        let changes = &self.changes;
        let entry = &mut self.entries[i];
        let mut group_gone = false;
        entry.last_polled_at = Some(polled.at);
        entry.next_poll_at = polled.next_poll_in.map(|d| polled.at + d);
        let mut effects = Vec::new();
        let mut viewer_stale = false;
        let groups = polled.groups;
        let share = polled.share;
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
                if same_snapshot(entry.task.as_ref(), &task) {
                    unchanged = !viewer_on_task_error;
                    // Freeing 30,000 subtasks takes milliseconds: not on the UI's time.
                    discard(&mut self.garbage, *task);
                } else {
                    let keep = entry.task.as_ref().and_then(|old| entry.view.selected_key(&old.subtasks));
                    let since_looked = changes.changed(&entry.task_ref, &task);
                    group_gone = !entry.insight.on_snapshot(&task, since_looked, groups);
                    entry.view.set_scope_only(entry.insight.scope());
                    entry.view.rebuild(&task.subtasks, keep.as_ref());
                    entry.view.fit(rows);
                    if let Some(old) = entry.task.replace(*task) {
                        discard(&mut self.garbage, old);
                    }
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
        // 100 running tasks polled every 5 s answer 20 times a second, mostly to say nothing new.
        // Such an answer of a row that shows "live" changes nothing on screen; one that moves
        // only the row's "updated … ago" and "next in …" labels is drawn by the next clock tick.
        // A frame for each cost ~0.2 % of a core (benches/system.rs idle).
        let quiet = unchanged && effects.is_empty();
        match look_before {
            Some((settled, labels)) if quiet && settled == settled_look(&self.entries[i], now, interval, paused) => {
                self.labels_moved |= labels != moving_labels(&self.entries[i], now, paused);
            }
            _ => self.dirty = true,
        }
        if let Some(share) = share {
            self.note_share(share);
        }
        if group_gone && i == self.selected {
            self.flash_info("the listed failure group is gone from the latest snapshot: showing all subtasks");
        }
        if viewer_stale && i == self.selected {
            self.refresh_viewer();
        }
        // A new state may move the task in a list sorted or filtered by state.
        if !self.task_view.filter.trim().is_empty() || self.task_view.sort.key != super::task_filter::TaskSortKey::Added
        {
            self.reapply_task_view();
        }
        effects
    }
}

impl App {
    /// A saved snapshot parsed after the first frame takes the place of "reading"; the task is
    /// then watched unless the snapshot is final. One that cannot be read is reported and the
    /// task fetched instead. A fetch that answered first wins: it is newer.
    pub(super) fn on_snapshot_read(&mut self, task_ref: &TaskRef, read: Result<Task, String>) -> Vec<Effect> {
        let Some(i) = self.entries.iter().position(|e| e.task_ref == *task_ref && e.reading_snapshot) else {
            // Removed meanwhile.
            return Vec::new();
        };
        self.dirty = true;
        self.entries[i].reading_snapshot = false;
        let watch = vec![Effect::Poll(PollCmd::Watch(task_ref.clone()))];
        let task = match read {
            Ok(task) => task,
            Err(error) => {
                self.flash_error(crate::store::unreadable_snapshot(task_ref, &error));
                self.entries[i].polling = super::Polling::Watched;
                return watch;
            }
        };
        if self.entries[i].task.is_some() {
            discard(&mut self.garbage, task);
            // A refresh answered first: that answer decides whether the task needs watching.
            let entry = &mut self.entries[i];
            if entry.polling == super::Polling::Idle && !entry.is_finished() {
                entry.polling = super::Polling::Watched;
                return watch;
            }
            return Vec::new();
        }
        let finished = task.is_finished();
        let mut read_entry = Entry::new(task_ref.clone(), Some(task), false);
        read_entry.view.fit(self.subtask_page());
        let entry = &mut self.entries[i];
        // A failed fetch (there is none before the watch, but a manual refresh could) stays shown.
        read_entry.last_error = entry.last_error.take();
        read_entry.error_since = entry.error_since.take();
        read_entry.label = entry.label.take();
        read_entry.added = entry.added;
        *entry = read_entry;
        if i == self.selected {
            self.refresh_viewer();
        }
        // Its state is known now: the list's sort and filter may place it anew.
        self.reapply_task_view();
        if finished { Vec::new() } else { watch }
    }
}

/// Snapshots this small are freed at once: handing one to a blocking thread costs more (a
/// thread wake per answer, ~10 % of the UI thread's time with 100 running tasks of ~30 subtasks).
const FREED_HERE: usize = 200;

/// Queues a large snapshot for the runtime to free. Bounded: without a runtime draining it
/// (tests, benches), older garbage is freed here rather than kept.
fn discard(garbage: &mut Vec<Task>, task: Task) {
    if task.subtasks.len() <= FREED_HERE {
        return;
    }
    if garbage.len() >= 16 {
        garbage.clear();
    }
    garbage.push(task);
}

/// What a task's row shows, in two parts: see [`settled_look`] and [`moving_labels`].
fn look(
    entry: &Entry,
    now: SystemTime,
    poll_interval: Duration,
    paused: bool,
) -> (u64, (Option<String>, Option<String>)) {
    (settled_look(entry, now, poll_interval, paused), moving_labels(entry, now, paused))
}

/// The labels an answer moves when it says nothing new, unless the row is "live".
fn moving_labels(entry: &Entry, now: SystemTime, paused: bool) -> (Option<String>, Option<String>) {
    let labels = entry.time_labels(now, paused);
    (labels.updated, labels.next)
}

/// Everything a task's row shows except its "updated … ago" and "next in …" labels, which an
/// answer moves unless the row is "live".
fn settled_look(entry: &Entry, now: SystemTime, poll_interval: Duration, paused: bool) -> u64 {
    let mut h = DefaultHasher::new();
    let labels = entry.time_labels(now, paused);
    (labels.elapsed, labels.error_since).hash(&mut h);
    entry.is_stale(now, poll_interval, paused).hash(&mut h);
    entry.progress_label(now, poll_interval, paused).hash(&mut h);
    (entry.from_snapshot, entry.reading_snapshot, entry.last_error.is_some(), entry.height()).hash(&mut h);
    h.finish()
}

/// Whether `new` is the snapshot already shown. Equal bodies of the same task normalise to
/// equal tasks, so comparing the kept bodies (one `memcmp`) answers without walking 30,000
/// subtasks; snapshots without a body (saved ones, tests) are compared field by field.
fn same_snapshot(old: Option<&Task>, new: &Task) -> bool {
    match (old, new.raw_body.as_deref()) {
        (Some(old), Some(body)) if old.raw_body.is_some() => {
            // `app::prepare` hands over an unchanged body as the very same allocation.
            let shared = old.raw_body.as_ref().zip(new.raw_body.as_ref()).is_some_and(|(a, b)| Arc::ptr_eq(a, b));
            old.task_ref == new.task_ref && (shared || old.raw_body.as_deref() == Some(body))
        }
        (old, _) => old == Some(new),
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
    // The label says which task it is; the reference, where.
    let short = match entry.label.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
        Some(label) => format!("\"{}\" ({})", crate::sanitize::line(label), entry.task_ref.short()),
        None => entry.task_ref.short(),
    };
    let provider = entry.task_ref.provider();
    let not_imported = task.counts.not_imported();
    let (kind, title, body) = if task.is_finished() && !entry.announced.finish {
        let (_, word) = labels::task_state(task.state);
        let total = labels::count(task.counts.total as usize);
        let body = if not_imported.is_empty() {
            format!("{provider} {short}: {word}, {total} subtasks")
        } else {
            format!("{provider} {short}: {word} · {total} subtasks: {not_imported}")
        };
        (NotifyKind::Finished(task.state), format!("oaswatch: task {word}"), body)
    } else if !task.is_finished() && failed > 0 && !entry.announced.failure {
        let body = format!("{provider} {short}: first failure ({not_imported} so far)");
        (NotifyKind::FirstFailure, "oaswatch: a subtask failed".to_owned(), body)
    } else {
        return None;
    };
    Some(Notification { task_ref: entry.task_ref.clone(), kind, title, body, desktop: mode == NotifyMode::Desktop })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::super::Action;
    use super::super::fixtures::{aliyun, app, mixed, ok, task};
    use super::same_snapshot;
    use crate::domain::TaskState;

    #[test]
    fn update_polled_leaves_large_replaced_and_unchanged_snapshots_for_the_runtime_to_free() {
        let r = aliyun("t");
        let first = task(&r, TaskState::Running, mixed(300, 100, 200));
        let mut app = app(vec![(r.clone(), Some(first.clone()))]);
        app.update(Action::Polled(ok(first.clone(), 1)));
        assert_eq!(app.take_garbage(), vec![first.clone()], "the unchanged answer itself");
        let second = task(&r, TaskState::Running, mixed(400, 100, 100));
        app.update(Action::Polled(ok(second.clone(), 2)));
        assert_eq!(app.take_garbage(), vec![first], "the snapshot it replaced");
        assert_eq!(app.entries()[0].task.as_ref(), Some(&second));
        assert!(app.take_garbage().is_empty());
        for secs in 3..40 {
            app.update(Action::Polled(ok(second.clone(), secs)));
        }
        assert!(app.take_garbage().len() <= 16, "bounded when nobody drains it");
        let small = task(&r, TaskState::Running, mixed(3, 1, 2));
        app.update(Action::Polled(ok(small.clone(), 50)));
        assert_eq!(app.take_garbage(), vec![second], "the large snapshot it replaced");
        app.update(Action::Polled(ok(small.clone(), 51)));
        app.update(Action::Polled(ok(task(&r, TaskState::Running, mixed(4, 1, 1)), 52)));
        assert!(app.take_garbage().is_empty(), "a few subtasks are freed at once");
    }

    #[test]
    fn same_snapshot_compares_bodies_when_both_have_one() {
        let r = aliyun("t");
        let mut a = task(&r, TaskState::Running, mixed(3, 1, 2));
        let mut b = a.clone();
        assert!(same_snapshot(Some(&a), &b));
        b.counts.total += 1;
        assert!(!same_snapshot(Some(&a), &b), "no bodies: field by field");
        a.raw_body = Some(Arc::from("{\"TaskStatus\":\"Running\"}"));
        b.raw_body = Some(Arc::from("{\"TaskStatus\":\"Running\"}"));
        assert!(same_snapshot(Some(&a), &b), "the same body normalises to the same task");
        b.raw_body = Some(Arc::from("{\"TaskStatus\":\"Finished\"}"));
        assert!(!same_snapshot(Some(&a), &b));
        assert!(!same_snapshot(None, &b));
    }
}
