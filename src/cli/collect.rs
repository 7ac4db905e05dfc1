//! The polling core of `status` and `wait`: watch a set of tasks through the poller until each
//! one has an answer, printing progress as it changes, and saying so when the request budget
//! cannot poll every task at the asked interval.
//!
//! Shared by both commands (they differ only in what counts as an answer), and generic over
//! [`Fetch`] so it runs against the real clients, the simulator, or anything else. A task the
//! budget never sent before the deadline is reported as such (it timed out), not as a fetch
//! error.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use foldhash::fast::RandomState as FastHash;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

use crate::domain::{Counts, FetchError, FetchErrorKind, Task, TaskRef, TaskState};
use crate::poller::{self, Offered, PollCmd, Polled, PollerConfig, Share};
use crate::provider::Fetch;
use crate::report::{self, TaskOutcome};

/// What counts as "done" for a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Until {
    /// `status`: the first successful fetch, or a final error.
    FirstAnswer,
    /// `wait`: the task finished, or a final error.
    Finished,
}

/// How long a task may fail to fetch without a break before `status` and `wait` give up on it
/// (exit 4) even without `--timeout`: `wait` must end, and a cloud that has not answered for this
/// long is an incident for a person, not something to sit out in a CI job.
pub const GIVE_UP_AFTER: Duration = Duration::from_secs(15 * 60);

/// Failures of one task in a row: whether the latest one confirmed a permanent error.
struct FailureStreak {
    since: Instant,
    last: (FetchErrorKind, String),
    repeats: u32,
}

impl FailureStreak {
    /// Whether to stop polling after `error`: it cannot heal (auth, not found); or it is a protocol
    /// error (a redirect, a body that is not the API's JSON) that one more request confirmed, since
    /// such answers do not change by waiting; or the task has failed for [`GIVE_UP_AFTER`].
    fn settles(streak: &mut Option<FailureStreak>, error: &FetchError, now: Instant) -> bool {
        let key = (error.kind, error.code.clone());
        let current = streak.get_or_insert_with(|| FailureStreak { since: now, last: key.clone(), repeats: 0 });
        if current.last == key {
            current.repeats += 1;
        } else {
            (current.last, current.repeats) = (key, 1);
        }
        !error.kind.is_retryable()
            || (error.kind == FetchErrorKind::Protocol && current.repeats >= 2)
            || now.duration_since(current.since) >= GIVE_UP_AFTER
    }
}

/// What `collect` holds for one task: its outcome so far, what its progress line last said,
/// and its current failure streak.
struct Watched {
    outcome: TaskOutcome,
    printed: Option<(Printed, String)>,
    streak: Option<FailureStreak>,
    /// It has its answer (per [`Until`]): no more are asked for.
    settled: bool,
}

/// What [`watch`] gathers while the answers come in, shared with the [`Collector`] that takes
/// them in the poller's task.
struct Collecting {
    watched: HashMap<TaskRef, Watched, FastHash>,
    /// Tasks not settled yet.
    pending: usize,
    shares: ShareNotes,
    until: Until,
    lines: Option<mpsc::UnboundedSender<String>>,
    /// Told once every task has settled.
    all_settled: Option<oneshot::Sender<()>>,
}

/// Takes each answer in the poller's task ([`poller::Output`]). It always has room, is never
/// gone (`watch` stops the poller by dropping its handle once it has what it waits for) and reads
/// every answer: the trait's provided methods say so.
struct Collector(Arc<Mutex<Collecting>>);

impl poller::Output for Collector {
    fn offer(&mut self, polled: Polled) -> Offered {
        let mut state = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let settled = state.take(polled);
        if state.pending == 0
            && let Some(all_settled) = state.all_settled.take()
        {
            let _ = all_settled.send(());
        }
        Offered::Taken(settled)
    }
}

/// The poller gone before every task settled (it panicked): `watch` stops waiting, as it does
/// for the last answer.
impl Drop for Collector {
    fn drop(&mut self) {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).all_settled = None;
    }
}

impl Collecting {
    /// Takes one answer in: the task's outcome, its progress line, a note on the budget's share.
    /// Returns the task when this answer settled it.
    fn take(&mut self, polled: Polled) -> Option<TaskRef> {
        if let (Some(lines), Some(share)) = (&self.lines, &polled.share)
            && let Some(note) = self.shares.note(share)
        {
            let _ = lines.send(report::progress_line(polled.at, &note));
        }
        let Watched { outcome, printed, streak, settled } = self.watched.get_mut(&polled.task_ref)?;
        if *settled {
            return None;
        }
        *settled = match polled.result {
            Ok(task) => {
                *streak = None;
                let settles = match self.until {
                    Until::FirstAnswer => true,
                    Until::Finished => task.is_finished(),
                };
                outcome.task = Some(*task);
                outcome.fetch_error = None;
                settles
            }
            Err(error) => {
                let settles = FailureStreak::settles(streak, &error, Instant::now());
                outcome.fetch_error = Some(error);
                settles
            }
        };
        if let Some(lines) = &self.lines {
            // The line is formatted only when what it shows may have changed, and printed only
            // when its text did (a message that differs past its truncation prints nothing new).
            if printed.as_ref().is_none_or(|(said, _)| !said.shows(outcome)) {
                let body = report::progress_body(&polled.task_ref, outcome.task.as_ref(), outcome.fetch_error.as_ref());
                if printed.as_ref().is_none_or(|(_, text)| *text != body) {
                    let _ = lines.send(report::progress_line(polled.at, &body));
                }
                *printed = Some((Printed::of(outcome), body));
            }
        }
        if !*settled {
            return None;
        }
        // Its answer is in: no confirming poll, no more requests for it.
        self.pending -= 1;
        Some(polled.task_ref)
    }
}

/// Where progress lines go, if anywhere.
pub struct Progress<'a> {
    pub out: Option<&'a mut dyn Write>,
}

/// The result of collecting.
pub struct Collected {
    /// One outcome per requested task, in the order given.
    pub outcomes: Vec<TaskOutcome>,
    /// True if the deadline passed before every task settled.
    pub timed_out: bool,
}

/// Polls `refs` until each settles per `until`, or until `timeout` passes.
///
/// The answers are taken in the poller's own task (by a [`Collector`]), and a task of its own
/// ([`watch`]) waits for them to settle; only the progress lines to print and, at the end, the
/// outcomes come back here. The caller's future (usually the one `block_on` runs) is then woken
/// only for those: tokio's single-threaded runtime polls its driver once more without blocking
/// each time its `block_on` future was woken, and when that future took in every answer, that
/// was one system call per request more than a bare client makes (BENCHMARKS.md, cost per
/// request).
pub async fn collect<F: Fetch>(
    fetcher: Arc<F>,
    refs: &[TaskRef],
    config: PollerConfig,
    until: Until,
    timeout: Option<Duration>,
    mut progress: Progress<'_>,
) -> std::io::Result<Collected> {
    let (lines_tx, mut lines) = mpsc::unbounded_channel::<String>();
    let lines_tx = progress.out.is_some().then_some(lines_tx);
    let mut worker = AbortOnDrop(tokio::spawn(watch(fetcher, refs.to_vec(), config, until, timeout, lines_tx)));
    while let Some(line) = lines.recv().await {
        if let Some(out) = progress.out.as_deref_mut() {
            writeln!(out, "{line}")?;
            out.flush()?;
        }
    }
    match (&mut worker.0).await {
        Ok(collected) => Ok(collected),
        Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
        Err(error) => Err(std::io::Error::other(error)),
    }
}

/// A spawned task that stops when its handle is dropped: `collect` returning early (a progress
/// line that could not be written) must not leave the polling running.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// [`collect`]'s work: watches `refs` through the poller and sends each progress line to print
/// (when `lines` is given). The answers are taken in the poller's own task, by a [`Collector`];
/// this task only waits for all of them to settle, or for the deadline.
async fn watch<F: Fetch>(
    fetcher: Arc<F>,
    refs: Vec<TaskRef>,
    config: PollerConfig,
    until: Until,
    timeout: Option<Duration>,
    lines: Option<mpsc::UnboundedSender<String>>,
) -> Collected {
    let refs = refs.as_slice();
    // One entry per task, looked up once per answer (foldhash: SipHash cost more than the
    // lookups; three maps cost three lookups of cold entries).
    let mut watched: HashMap<TaskRef, Watched, FastHash> = HashMap::default();
    let mut distinct = Vec::new();
    for task_ref in refs {
        if !watched.contains_key(task_ref) {
            let outcome = TaskOutcome::unanswered(task_ref.clone());
            watched.insert(task_ref.clone(), Watched { outcome, printed: None, streak: None, settled: false });
            distinct.push(task_ref.clone());
        }
    }
    let (all_settled, settled) = oneshot::channel();
    let state = Arc::new(Mutex::new(Collecting {
        pending: distinct.len(),
        watched,
        shares: ShareNotes::default(),
        until,
        lines,
        all_settled: Some(all_settled),
    }));
    let handle = poller::spawn_into(fetcher, config, rand::random(), Collector(Arc::clone(&state)));
    let commands = handle.commands();
    for task_ref in distinct.iter().cloned() {
        let _ = commands.send(PollCmd::Watch(task_ref)).await;
    }
    let deadline = timeout.map(|t| Instant::now() + t);
    // A closed `settled` (the poller gone) ends the wait as the last answer does.
    let timed_out = match (distinct.is_empty(), deadline) {
        (true, _) => false,
        (false, Some(deadline)) => tokio::time::timeout_at(deadline, settled).await.is_err(),
        (false, None) => {
            let _ = settled.await;
            false
        }
    };
    let unsent = if timed_out { handle.unsent(&distinct) } else { Vec::new() };
    drop(handle);
    let mut watched = {
        let mut state = state.lock().unwrap_or_else(PoisonError::into_inner);
        // No more progress lines: `collect` stops reading them once this is gone.
        state.lines = None;
        std::mem::take(&mut state.watched)
    };
    if timed_out {
        // Say why a task has no answer rather than leaving it blank in the output: either our
        // own budget never sent its request, or the server has not answered it yet.
        let waited = timeout.map(|t| humantime::format_duration(t).to_string()).unwrap_or_default();
        for outcome in
            watched.values_mut().map(|w| &mut w.outcome).filter(|o| o.task.is_none() && o.fetch_error.is_none())
        {
            if unsent.contains(&outcome.task_ref) {
                outcome.never_sent = true;
            } else {
                outcome.fetch_error = Some(FetchError::new(
                    FetchErrorKind::Network,
                    "deadline",
                    format!("no answer within {waited} (the request is still waiting for the server)"),
                ));
            }
        }
    }
    let mut ordered = Vec::with_capacity(watched.len());
    for task_ref in refs {
        if let Some(w) = watched.remove(task_ref) {
            ordered.push(w.outcome);
        }
    }
    Collected { outcomes: ordered, timed_out }
}

/// What a progress line is made from: the line is formatted again only when this changes,
/// because most answers of a running task are the same as the one before and formatting each
/// was a measurable share of `wait`'s CPU per request. Only the counts the line prints (done,
/// total, failed, cancelled, skipped): running and waiting move without changing it.
#[derive(PartialEq)]
struct Printed {
    task: Option<(TaskState, String, [u32; 5])>,
    error: Option<(FetchErrorKind, String, String)>,
}

impl Printed {
    fn of(outcome: &TaskOutcome) -> Printed {
        Printed {
            task: outcome.task.as_ref().map(|t| (t.state, t.raw_status.clone(), shown(&t.counts))),
            error: outcome.fetch_error.as_ref().map(|e| (e.kind, e.code.clone(), e.message.clone())),
        }
    }

    /// Whether `outcome` shows what this does: [`Printed::of`] compared without copying its
    /// strings, as most answers show the same.
    fn shows(&self, outcome: &TaskOutcome) -> bool {
        let task_same = match (&self.task, &outcome.task) {
            (None, None) => true,
            (Some((state, status, counts)), Some(t)) => {
                *state == t.state && *status == t.raw_status && *counts == shown(&t.counts)
            }
            _ => false,
        };
        let error_same = match (&self.error, &outcome.fetch_error) {
            (None, None) => true,
            (Some((kind, code, message)), Some(e)) => *kind == e.kind && *code == e.code && *message == e.message,
            _ => false,
        };
        task_same && error_same
    }
}

/// The counts a progress line prints: done, total, failed, cancelled, skipped.
fn shown(c: &Counts) -> [u32; 5] {
    [c.done(), c.total, c.failed, c.cancelled, c.skipped]
}

/// What `wait` last said about each endpoint's budget, so that it speaks again only when that
/// changes enough to matter: the budget starts or stops falling short of the asked interval,
/// throttling cuts it again or it is back at its ceiling, or the interval it can give each task
/// moves by a quarter. The small steps by which a cut budget climbs back (every 5 s of calm)
/// are not news on their own.
#[derive(Default)]
struct ShareNotes {
    said: HashMap<Arc<str>, Share>,
}

impl ShareNotes {
    fn note(&mut self, share: &Share) -> Option<String> {
        let last = self.said.get(&share.endpoint);
        let worth = match last {
            None => share.is_stretched(),
            Some(last) => {
                last.is_stretched() != share.is_stretched()
                    || share.rate < last.rate - 1e-9
                    || last.is_lowered() != share.is_lowered()
                    || (share.is_stretched()
                        && (share.every.as_secs_f64() - last.every.as_secs_f64()).abs()
                            > last.every.as_secs_f64() / 4.0)
            }
        };
        if !worth {
            return None;
        }
        self.said.insert(Arc::clone(&share.endpoint), share.clone());
        Some(if share.is_stretched() {
            format!("{}: {share} (interval asked: {})", share.endpoint, humantime::format_duration(share.asked))
        } else {
            format!("{}: every task is polled at the interval asked again", share.endpoint)
        })
    }
}

/// The snapshot of a task, if it settled with one (used to save final snapshots).
pub fn finished_snapshots(outcomes: &[TaskOutcome]) -> Vec<(TaskRef, Task)> {
    outcomes
        .iter()
        .filter_map(|o| o.task.as_ref().filter(|t| t.is_finished()).map(|t| (o.task_ref.clone(), t.clone())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(kind: FetchErrorKind, code: &str) -> FetchError {
        FetchError::new(kind, code, "x")
    }

    #[test]
    fn a_cut_budget_climbing_back_is_said_once_cut_and_once_back() {
        let share = Share::example;
        let mut notes = ShareNotes::default();
        assert_eq!(notes.note(&share(1, 10.0, 2)), None, "one task at the asked interval: nothing to say");
        let cut = notes.note(&share(1, 5.0, 2)).unwrap();
        assert!(cut.contains("lowered from 10"), "{cut}");
        for rate in [6.0, 7.0, 8.0, 9.0] {
            assert_eq!(notes.note(&share(1, rate, 2)), None, "climbing back by {rate}: no line");
        }
        assert!(notes.note(&share(1, 4.5, 2)).unwrap().contains("4.5"), "cut again");
        let back = notes.note(&share(1, 10.0, 2)).unwrap();
        assert!(back.contains("at the interval asked again"), "{back}");
        // Stretched without throttling: said when the interval moves by a quarter, not less.
        assert!(notes.note(&share(200, 10.0, 20)).is_some());
        assert_eq!(notes.note(&share(210, 10.0, 21)), None);
        assert!(notes.note(&share(300, 10.0, 30)).is_some());
    }

    #[test]
    fn shows_is_the_comparison_of_what_lines_are_made_from() {
        use crate::domain::{Counts, TaskKind};
        let r: TaskRef = "aliyun://cn-hangzhou/t1".parse().unwrap();
        let with = |task: Option<(TaskState, &str, u32)>, err: Option<(FetchErrorKind, &str, &str)>| {
            let mut outcome = TaskOutcome::unanswered(r.clone());
            outcome.task = task.map(|(state, status, done)| {
                let mut t = Task::new(r.clone(), TaskKind::Import, state, status);
                t.counts = Counts { total: 10, succeeded: done, waiting: 10 - done, ..Counts::default() };
                t
            });
            outcome.fetch_error = err.map(|(kind, code, message)| FetchError::new(kind, code, message));
            outcome
        };
        let outcomes = [
            with(None, None),
            with(Some((TaskState::Running, "Running", 3)), None),
            with(Some((TaskState::Running, "Running", 4)), None),
            with(Some((TaskState::Running, "RUNNING", 3)), None),
            with(Some((TaskState::Succeeded, "Running", 3)), None),
            with(Some((TaskState::Running, "Running", 3)), Some((FetchErrorKind::Throttled, "T", "slow"))),
            with(None, Some((FetchErrorKind::Throttled, "T", "slow"))),
            with(None, Some((FetchErrorKind::Throttled, "T", "slower"))),
            with(None, Some((FetchErrorKind::Server, "T", "slow"))),
        ];
        for a in &outcomes {
            for b in &outcomes {
                let said = Printed::of(a);
                assert_eq!(said.shows(b), said == Printed::of(b));
            }
        }
    }

    #[test]
    fn a_protocol_error_settles_once_confirmed_a_transient_one_after_the_give_up_time() {
        let start = Instant::now();
        let mut streak = None;
        let redirect = error(FetchErrorKind::Protocol, "http.302");
        assert!(!FailureStreak::settles(&mut streak, &redirect, start), "the first one may be a glitch");
        assert!(FailureStreak::settles(&mut streak, &redirect, start), "the same answer again is final");

        let mut streak = None;
        let empty = error(FetchErrorKind::Protocol, "empty");
        assert!(!FailureStreak::settles(&mut streak, &redirect, start));
        assert!(!FailureStreak::settles(&mut streak, &empty, start), "a different error starts a new count");

        let mut streak = None;
        let outage = error(FetchErrorKind::Server, "http.503");
        assert!(!FailureStreak::settles(&mut streak, &outage, start));
        assert!(!FailureStreak::settles(&mut streak, &outage, start + GIVE_UP_AFTER / 2));
        assert!(FailureStreak::settles(&mut streak, &outage, start + GIVE_UP_AFTER), "wait ends");

        let mut streak = None;
        assert!(FailureStreak::settles(&mut streak, &error(FetchErrorKind::Auth, "401"), start));
    }
}
