//! The polling core of `status` and `wait`: watch a set of tasks through the poller until each
//! one has an answer, printing progress as it changes.
//!
//! Shared by both commands (they differ only in what counts as an answer), and generic over
//! [`Fetch`] so it runs against the real clients, the simulator, or anything else.

use std::collections::HashMap;
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::domain::{FetchError, FetchErrorKind, Task, TaskRef};
use crate::poller::{self, PollCmd, Polled, PollerConfig};
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
pub async fn collect<F: Fetch>(
    fetcher: Arc<F>,
    refs: &[TaskRef],
    config: PollerConfig,
    until: Until,
    timeout: Option<Duration>,
    mut progress: Progress<'_>,
) -> std::io::Result<Collected> {
    let (tx, mut rx) = mpsc::channel::<Polled>(64);
    let handle = poller::spawn(fetcher, config, rand::random(), tx);
    let commands = handle.commands();
    let mut outcomes: HashMap<TaskRef, TaskOutcome> = HashMap::new();
    let mut last_printed: HashMap<TaskRef, String> = HashMap::new();
    let mut pending: Vec<TaskRef> = Vec::new();
    for task_ref in refs {
        if !outcomes.contains_key(task_ref) {
            outcomes
                .insert(task_ref.clone(), TaskOutcome { task_ref: task_ref.clone(), task: None, fetch_error: None });
            pending.push(task_ref.clone());
            let _ = commands.send(PollCmd::Watch(task_ref.clone())).await;
        }
    }
    let deadline = timeout.map(|t| Instant::now() + t);
    let mut timed_out = false;
    while !pending.is_empty() {
        let polled = match deadline {
            Some(deadline) => {
                let Ok(polled) = tokio::time::timeout_at(deadline, rx.recv()).await else {
                    timed_out = true;
                    break;
                };
                polled
            }
            None => rx.recv().await,
        };
        let Some(polled) = polled else { break };
        let Some(outcome) = outcomes.get_mut(&polled.task_ref) else { continue };
        let settled = match polled.result {
            Ok(task) => {
                let settled = match until {
                    Until::FirstAnswer => true,
                    Until::Finished => task.is_finished(),
                };
                outcome.task = Some(task);
                outcome.fetch_error = None;
                settled
            }
            Err(error) => {
                let settled = !error.kind.is_retryable();
                outcome.fetch_error = Some(error);
                settled
            }
        };
        if let Some(out) = progress.out.as_deref_mut() {
            let body = report::progress_body(&polled.task_ref, outcome.task.as_ref(), outcome.fetch_error.as_ref());
            if last_printed.get(&polled.task_ref) != Some(&body) {
                writeln!(out, "{}", report::progress_line(polled.at, &body))?;
                out.flush()?;
                last_printed.insert(polled.task_ref.clone(), body);
            }
        }
        if settled {
            pending.retain(|r| *r != polled.task_ref);
            // Its answer is in: no confirming poll, no more requests for it.
            let _ = commands.send(PollCmd::Unwatch(polled.task_ref.clone())).await;
        }
    }
    drop(handle);
    if timed_out {
        // Say why a task has no answer rather than leaving it blank in the output.
        let waited = timeout.map(|t| humantime::format_duration(t).to_string()).unwrap_or_default();
        for outcome in outcomes.values_mut().filter(|o| o.task.is_none() && o.fetch_error.is_none()) {
            outcome.fetch_error = Some(FetchError::new(
                FetchErrorKind::Network,
                "deadline",
                format!("no answer within {waited} (the request is still waiting for the server)"),
            ));
        }
    }
    let mut ordered = Vec::with_capacity(outcomes.len());
    for task_ref in refs {
        if let Some(outcome) = outcomes.remove(task_ref) {
            ordered.push(outcome);
        }
    }
    Ok(Collected { outcomes: ordered, timed_out })
}

/// The snapshot of a task, if it settled with one (used to save final snapshots).
pub fn finished_snapshots(outcomes: &[TaskOutcome]) -> Vec<(TaskRef, Task)> {
    outcomes
        .iter()
        .filter_map(|o| o.task.as_ref().filter(|t| t.is_finished()).map(|t| (o.task_ref.clone(), t.clone())))
        .collect()
}
