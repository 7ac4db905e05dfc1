//! Background polling: when each watched task is fetched, within a request budget per endpoint.
//!
//! Owns the poller's outside face: the commands that steer it ([`PollCmd`]), the answers it
//! sends ([`Polled`], with a [`Share`] of its endpoint's budget), its settings
//! ([`PollerConfig`]) and the [`PollerHandle`]. Feeds both the dashboard and `wait` through a
//! bounded channel. May not know `App`, the UI or the terminal; generic over [`Fetch`].
//!
//! ```text
//! poller.rs        PollCmd, Polled, Share, PollerConfig, spawn → PollerHandle
//! ├── scheduler    the actor: one schedule per task, which task goes next, answers
//! ├── outlook      per task: finish window, quiet time, how long similar tasks took → next gap
//! ├── calendar     per endpoint: booked poll times, one request spacing apart
//! └── budget       per endpoint: 1 s window, pacing, in-flight cap, throttling pause, AIMD rate
//! ```
//!
//! The request budget spends itself where news is likely (docs/polling.md): a task is asked
//! again halfway to its expected finish, densely around it, and ever less often while it is
//! quiet or far from done; the selected task and the rows on screen come first, then new and
//! just-changed tasks; no task waits longer than the maximum interval; and the budget shrinks
//! when the cloud throttles and grows back in calm. [`Policy::RoundRobin`] keeps the old
//! schedule (every task every interval, oldest due first), for benchmarks to compare against.

mod budget;
mod calendar;
mod outlook;
mod scheduler;

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::analysis::FailureGroup;
use crate::domain::{FetchError, Task, TaskRef};
use crate::provider::Fetch;

/// The outcome of one fetch of one task, sent to whoever consumes the poller.
#[derive(Debug, Clone)]
pub struct Polled {
    pub task_ref: TaskRef,
    /// When the answer arrived (wall clock, for "updated 3 s ago").
    pub at: SystemTime,
    /// Boxed: a `Polled` moves through the poller, a channel and its consumer, and with the
    /// task inline (336 bytes) each move copied it (about 1 % of `wait`'s instructions per
    /// request; callgrind).
    pub result: Result<Box<Task>, FetchError>,
    /// When the poller will fetch this task again at the latest; `None` when it has stopped
    /// (finished, final error). It may come sooner (the task comes on screen, say), not later
    /// unless the endpoint is throttled meanwhile.
    pub next_poll_in: Option<Duration>,
    /// The failure groups of the snapshot in `result`, when they were worked out on the way to
    /// the dashboard, off its UI thread (`app::prepare`); `None` leaves them to the app.
    pub groups: Option<Vec<FailureGroup>>,
    /// How the task's endpoint shares out its request budget, as of this answer. For an
    /// [`Output`] that reads every answer (`needs_every_share` false), `None` when that has not
    /// changed since the last answer of the same endpoint said it.
    pub share: Option<Share>,
}

/// How one endpoint's request budget is shared among its tasks.
#[derive(Debug, Clone, PartialEq)]
pub struct Share {
    /// The endpoint (`aliyun/cn-hangzhou`).
    pub endpoint: Arc<str>,
    /// Unfinished tasks polled through it.
    pub tasks: usize,
    /// Requests per second allowed now (lower than `ceiling` after throttling answers).
    pub rate: f64,
    /// The configured requests per second.
    pub ceiling: u32,
    /// The interval asked for.
    pub asked: Duration,
    /// How often each task is polled on average: `tasks / rate`, at least `asked`.
    pub every: Duration,
}

/// "200 tasks share 10 requests/s: each polled about every 20 s", and when throttling lowered
/// the budget, "(lowered from 10 after throttling)". What `wait` prints and the dashboard's
/// header shows when the budget cannot honour the asked interval.
impl std::fmt::Display for Share {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let rate = if (self.rate - self.rate.round()).abs() < 0.05 {
            format!("{:.0}", self.rate)
        } else {
            format!("{:.1}", self.rate)
        };
        let unit = if rate == "1" { "request/s" } else { "requests/s" };
        let tasks = if self.tasks == 1 { "1 task".to_owned() } else { format!("{} tasks", self.tasks) };
        let verb = if self.tasks == 1 { "has" } else { "share" };
        write!(f, "{tasks} {verb} {rate} {unit}")?;
        if self.is_lowered() {
            write!(f, " (lowered from {} after throttling)", self.ceiling)?;
        }
        let secs = self.every.as_secs_f64().round();
        if secs < 90.0 {
            write!(f, ": each polled about every {secs:.0} s")
        } else {
            write!(f, ": each polled about every {:.0} min", (secs / 60.0).round())
        }
    }
}

impl Share {
    /// A share of the endpoint `aliyun/cn-hangzhou` with a ceiling of 10 requests/s and 2 s
    /// asked, for tests.
    #[cfg(test)]
    pub(crate) fn example(tasks: usize, rate: f64, every_secs: u64) -> Share {
        Share {
            endpoint: Arc::from("aliyun/cn-hangzhou"),
            tasks,
            rate,
            ceiling: 10,
            asked: Duration::from_secs(2),
            every: Duration::from_secs(every_secs),
        }
    }

    /// Whether the budget cannot poll every task at the asked interval, or throttling lowered
    /// it: worth saying where the user looks.
    pub fn is_stretched(&self) -> bool {
        self.every > self.asked.mul_f64(1.25) || self.is_lowered()
    }

    /// Whether throttling answers lowered the budget below its ceiling.
    pub fn is_lowered(&self) -> bool {
        self.rate < f64::from(self.ceiling) - 1e-9
    }
}

/// Commands that steer the poller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PollCmd {
    /// Start polling a task (no-op if already watched).
    Watch(TaskRef),
    /// Stop polling a task and forget its schedule.
    Unwatch(TaskRef),
    /// Fetch now: one task, or every watched task when `None`. Also restarts tasks that stopped
    /// on a final error (after the user fixed credentials, say). A task not watched (a finished
    /// task reopened from its saved snapshot) is fetched exactly once: it is watched from then
    /// on only if that answer says it is not finished.
    Refresh(Option<TaskRef>),
    /// Pause or resume all polling.
    Pause(bool),
    /// What the user sees: the selected task and the rows on screen are polled first, never
    /// less often than the interval asked for. Replaces the previous focus.
    Focus { selected: Option<TaskRef>, visible: Vec<TaskRef> },
}

/// Which schedule the poller keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Policy {
    /// Poll where news is likely (the module docs).
    #[default]
    Adaptive,
    /// Every task every interval, oldest due first, nothing on screen first: the schedule
    /// before issue 21, kept so benchmarks can compare against it.
    RoundRobin,
}

impl Policy {
    pub fn as_str(self) -> &'static str {
        match self {
            Policy::Adaptive => "adaptive",
            Policy::RoundRobin => "round-robin",
        }
    }
}

impl std::str::FromStr for Policy {
    type Err = String;

    fn from_str(s: &str) -> Result<Policy, String> {
        match s {
            "adaptive" => Ok(Policy::Adaptive),
            "round-robin" => Ok(Policy::RoundRobin),
            other => Err(format!("unknown poll policy `{other}` (expected `adaptive` or `round-robin`)")),
        }
    }
}

/// How often and how gently to poll.
#[derive(Debug, Clone, PartialEq)]
pub struct PollerConfig {
    /// The interval asked for: how often a task is polled while nothing better is known, and
    /// at least how often the selected task and the rows on screen are.
    pub interval: Duration,
    /// Longest time any unfinished task goes unpolled (while the budget allows it: with more
    /// tasks than half the budget can poll this often, it stretches to fit).
    pub max_interval: Duration,
    /// Each interval is stretched or shrunk by up to this fraction, so tasks added together do
    /// not stay in lock-step.
    pub jitter: f64,
    /// First backoff step after an error; doubles per consecutive error.
    pub backoff_base: Duration,
    /// Longest delay between retries of a failing task.
    pub backoff_max: Duration,
    /// Requests per endpoint allowed in any sliding 1 s window: the ceiling the budget grows
    /// back to after throttling.
    pub requests_per_second: u32,
    /// Requests per endpoint in flight at once.
    pub max_in_flight: usize,
    pub policy: Policy,
}

impl Default for PollerConfig {
    fn default() -> Self {
        PollerConfig {
            interval: Duration::from_secs(2),
            max_interval: Duration::from_secs(60),
            jitter: 0.15,
            backoff_base: Duration::from_secs(1),
            backoff_max: Duration::from_secs(60),
            requests_per_second: 10,
            max_in_flight: 4,
            policy: Policy::Adaptive,
        }
    }
}

/// A running poller. Dropping it stops polling.
pub struct PollerHandle {
    commands: mpsc::Sender<PollCmd>,
    sent: Sent,
    actor: JoinHandle<()>,
}

/// The tasks whose first request has gone out, kept by the poller as each goes. Shared rather
/// than asked for over a channel: a channel of questions was one more branch the poller's loop
/// polled on every turn, for a question `wait` asks once, at its deadline.
pub(crate) type Sent = Arc<Mutex<HashSet<TaskRef, foldhash::fast::RandomState>>>;

impl PollerHandle {
    /// The channel to steer the poller with (clone it freely).
    pub fn commands(&self) -> mpsc::Sender<PollCmd> {
        self.commands.clone()
    }

    /// Those of `refs` whose first request has not gone out yet: held back by the request
    /// budget (or a throttling pause), not waiting for the cloud. A task the poller has not
    /// taken in yet (its `Watch` still in the channel) has not been sent either.
    pub fn unsent<'a>(&self, refs: impl IntoIterator<Item = &'a TaskRef>) -> Vec<TaskRef> {
        let sent = self.sent.lock().unwrap_or_else(PoisonError::into_inner);
        refs.into_iter().filter(|r| !sent.contains(*r)).cloned().collect()
    }
}

impl Drop for PollerHandle {
    fn drop(&mut self) {
        self.actor.abort();
    }
}

/// Starts the poller. Results go to `out`; when `out` is closed the poller stops.
///
/// `seed` drives the jitter, so tests get the same timeline on every run.
pub fn spawn<F: Fetch>(fetcher: Arc<F>, config: PollerConfig, seed: u64, out: mpsc::Sender<Polled>) -> PollerHandle {
    spawn_into(fetcher, config, seed, out)
}

/// Starts the poller with its answers going to any [`Output`]; it stops when that is gone.
pub fn spawn_into<F: Fetch, O: Output>(fetcher: Arc<F>, config: PollerConfig, seed: u64, out: O) -> PollerHandle {
    let (commands, command_rx) = mpsc::channel(256);
    let sent = Sent::default();
    let scheduler = scheduler::Scheduler::new(fetcher, config, seed, Arc::clone(&sent));
    let actor = tokio::spawn(scheduler.run(command_rx, out));
    PollerHandle { commands, sent, actor }
}

/// Where the poller's answers go: a channel to another task (the dashboard's), or a consumer
/// that takes each answer in the poller's own task. `wait` and `status` take theirs that way:
/// through a channel, each answer cost a second task a wake, a poll and two copies, about 2 %
/// of `wait`'s instructions per request (callgrind).
///
/// The provided methods fit a consumer in the poller's own task, which reads every answer as it
/// is offered: it always has room, is never gone (it says so from `offer` if it must), and needs
/// an endpoint's share only when that moved. A channel overrides all three.
pub trait Output: Send + 'static {
    /// Takes `polled` now, or gives it back when there is no room for it yet.
    fn offer(&mut self, polled: Polled) -> Offered;

    /// Resolves once there is room for one more answer: `false` when nobody takes answers any
    /// more.
    fn room(&self) -> impl Future<Output = bool> + Send {
        std::future::ready(true)
    }

    /// Resolves when nobody takes answers any more.
    fn gone(&self) -> impl Future<Output = ()> + Send {
        std::future::pending()
    }

    /// Whether every answer must carry its endpoint's [`Share`], even one that has not moved.
    /// A consumer that may drop answers unread (the dashboard keeps only the newest of a
    /// burst) needs each; one that reads every answer needs only the changes.
    fn needs_every_share(&self) -> bool {
        false
    }
}

/// What an [`Output`] did with an answer.
#[derive(Debug)]
pub enum Offered {
    /// Taken. With a task, the consumer needs no more answers for it: the poller stops
    /// watching it at once (as [`PollCmd::Unwatch`] would).
    Taken(Option<TaskRef>),
    /// No room for it now: offered again once [`Output::room`] says there is.
    Full(Polled),
    /// Nobody takes answers any more: the poller stops.
    Gone,
}

impl Output for mpsc::Sender<Polled> {
    fn offer(&mut self, polled: Polled) -> Offered {
        match self.try_send(polled) {
            Ok(()) => Offered::Taken(None),
            Err(mpsc::error::TrySendError::Full(polled)) => Offered::Full(polled),
            Err(mpsc::error::TrySendError::Closed(_)) => Offered::Gone,
        }
    }

    async fn room(&self) -> bool {
        // The slot is freed again when the permit drops, and taken by the `offer` that follows:
        // the poller is the channel's only sender.
        self.reserve().await.is_ok()
    }

    async fn gone(&self) {
        self.closed().await;
    }

    /// The dashboard keeps only the newest answer of a burst: each must carry the share.
    fn needs_every_share(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests;
