//! Background polling: one schedule per watched task, shared rate limits per endpoint.
//!
//! Owns when each task is fetched (fast while running, one confirming poll after it finishes,
//! backoff with jitter on errors, per-endpoint throttling, bounded concurrency per host). Feeds
//! both the dashboard and `wait` through a bounded channel of [`Polled`]. May not know `App`, the
//! UI or the terminal; generic over [`crate::provider::Fetch`].

use std::time::{Duration, SystemTime};

use crate::domain::{FetchError, Task, TaskRef};

/// The outcome of one fetch of one task, sent to whoever consumes the poller.
#[derive(Debug, Clone)]
pub struct Polled {
    pub task_ref: TaskRef,
    /// When the answer arrived (wall clock, for "updated 3 s ago").
    pub at: SystemTime,
    pub result: Result<Task, FetchError>,
    /// When the poller will fetch this task again; `None` when it has stopped (finished, final
    /// error, paused).
    pub next_poll_in: Option<Duration>,
}

/// Commands that steer the poller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PollCmd {
    /// Start polling a task (no-op if already watched).
    Watch(TaskRef),
    /// Stop polling a task and forget its schedule.
    Unwatch(TaskRef),
    /// Fetch now: one task, or every watched task when `None`. Also restarts tasks that stopped
    /// on a final error (after the user fixed credentials, say).
    Refresh(Option<TaskRef>),
    /// Pause or resume all polling.
    Pause(bool),
}
