//! Background polling: one schedule per watched task, shared rate limits per endpoint.
//!
//! Owns when each task is fetched: fast while it runs, one confirming poll after it finishes and
//! then silence, backoff with full jitter on errors, a throttled endpoint paused for all of its
//! tasks, a request budget per endpoint that no 1 s window ever exceeds, and a cap on requests in
//! flight per endpoint. Feeds both the dashboard and `wait` through a bounded channel of
//! [`Polled`]. May not know `App`, the UI or the terminal; generic over [`Fetch`].
//!
//! One actor task owns every schedule, so "pause", "refresh" and "throttled: everyone wait" are
//! plain field updates rather than cross-task coordination. Each schedule holds a single due
//! time, so a process that was suspended or a laptop that slept wakes up to at most one poll per
//! task, spread by the endpoint budget — never a burst of missed ticks.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::analysis::FailureGroup;
use crate::domain::{FetchError, FetchErrorKind, Task, TaskRef};
use crate::provider::Fetch;

/// The outcome of one fetch of one task, sent to whoever consumes the poller.
#[derive(Debug, Clone)]
pub struct Polled {
    pub task_ref: TaskRef,
    /// When the answer arrived (wall clock, for "updated 3 s ago").
    pub at: SystemTime,
    pub result: Result<Task, FetchError>,
    /// When the poller will fetch this task again; `None` when it has stopped (finished, final
    /// error).
    pub next_poll_in: Option<Duration>,
    /// The failure groups of the snapshot in `result`, when they were worked out on the way to
    /// the dashboard, off its UI thread (`app::prepare`); `None` leaves them to the app.
    pub groups: Option<Vec<FailureGroup>>,
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
}

/// How often and how gently to poll.
#[derive(Debug, Clone, PartialEq)]
pub struct PollerConfig {
    /// Delay between polls of a task that has not finished.
    pub interval: Duration,
    /// Each interval is stretched or shrunk by up to this fraction, so tasks added together do
    /// not stay in lock-step.
    pub jitter: f64,
    /// First backoff step after an error; doubles per consecutive error.
    pub backoff_base: Duration,
    /// Longest delay between retries of a failing task.
    pub backoff_max: Duration,
    /// Requests per endpoint allowed in any sliding 1 s window.
    pub requests_per_second: u32,
    /// Requests per endpoint in flight at once.
    pub max_in_flight: usize,
}

impl Default for PollerConfig {
    fn default() -> Self {
        PollerConfig {
            interval: Duration::from_secs(2),
            jitter: 0.15,
            backoff_base: Duration::from_secs(1),
            backoff_max: Duration::from_secs(60),
            requests_per_second: 10,
            max_in_flight: 4,
        }
    }
}

/// A running poller. Dropping it stops polling.
pub struct PollerHandle {
    commands: mpsc::Sender<PollCmd>,
    actor: JoinHandle<()>,
}

impl PollerHandle {
    /// The channel to steer the poller with (clone it freely).
    pub fn commands(&self) -> mpsc::Sender<PollCmd> {
        self.commands.clone()
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
    let (commands, command_rx) = mpsc::channel(256);
    let scheduler = Scheduler::new(fetcher, config, seed);
    let actor = tokio::spawn(scheduler.run(command_rx, out));
    PollerHandle { commands, actor }
}

/// Where a task is in its life as far as polling goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Not finished yet: poll every interval.
    Active,
    /// Seen finished once: one more poll to confirm, then stop.
    Confirming,
    /// Finished and confirmed: no more polls until a refresh.
    Done,
    /// A final error (auth, not found): no more polls until a refresh.
    Stopped,
}

struct Slot {
    endpoint: String,
    due: Option<Instant>,
    in_flight: bool,
    consecutive_errors: u32,
    phase: Phase,
    /// Bumped on every (re)watch so a result from before an unwatch is dropped.
    generation: u64,
}

#[derive(Default)]
struct Endpoint {
    /// Dispatch times within the last second (at most `requests_per_second` entries).
    recent: VecDeque<Instant>,
    in_flight: usize,
    /// Requests started while the endpoint was throttled (probes), of those in flight. Only
    /// these count against the one-probe rule: a request that was already hanging when the
    /// throttling answer came must not hold back the probe that ends the pause.
    probes_in_flight: usize,
    /// A throttling answer pauses every task of the endpoint until then.
    blocked_until: Option<Instant>,
    consecutive_throttles: u32,
}

struct Completion {
    task_ref: TaskRef,
    /// The endpoint and whether the request was a probe, carried with the answer: the slot may
    /// be gone (unwatched meanwhile), and the endpoint's counts must come down all the same.
    endpoint: String,
    probe: bool,
    generation: u64,
    at: SystemTime,
    result: Result<Task, FetchError>,
}

struct Scheduler<F> {
    fetcher: Arc<F>,
    config: PollerConfig,
    rng: StdRng,
    slots: HashMap<TaskRef, Slot>,
    endpoints: HashMap<String, Endpoint>,
    paused: bool,
    next_generation: u64,
    completions_tx: mpsc::UnboundedSender<Completion>,
    completions_rx: mpsc::UnboundedReceiver<Completion>,
}

/// The budget's window, with a 5 % guard: the provider counts requests when they arrive, and a
/// request can leave a few ms after its dispatch (task scheduling on a busy machine), so the
/// budget is kept over 1.05 s to stay within it over any 1 s the server sees.
const WINDOW: Duration = Duration::from_millis(1050);

impl<F: Fetch> Scheduler<F> {
    fn new(fetcher: Arc<F>, config: PollerConfig, seed: u64) -> Self {
        // Completions are bounded by the number of fetches in flight, so unbounded is safe here.
        let (completions_tx, completions_rx) = mpsc::unbounded_channel();
        Scheduler {
            fetcher,
            config,
            rng: StdRng::seed_from_u64(seed),
            slots: HashMap::new(),
            endpoints: HashMap::new(),
            paused: false,
            next_generation: 0,
            completions_tx,
            completions_rx,
        }
    }

    async fn run(mut self, mut commands: mpsc::Receiver<PollCmd>, out: mpsc::Sender<Polled>) {
        let mut commands_open = true;
        loop {
            let now = Instant::now();
            self.dispatch_due(now);
            let wake = self.next_wake(now);
            tokio::select! {
                cmd = commands.recv(), if commands_open => match cmd {
                    Some(cmd) => self.apply(cmd, Instant::now()),
                    // Nobody can steer us any more; keep polling for whoever reads `out`.
                    None => commands_open = false,
                },
                Some(done) = self.completions_rx.recv() => {
                    if let Some(polled) = self.complete(done, Instant::now())
                        && out.send(polled).await.is_err()
                    {
                        return;
                    }
                }
                () = sleep_until_or_forever(wake) => {}
                () = out.closed() => return,
            }
        }
    }

    fn apply(&mut self, cmd: PollCmd, now: Instant) {
        match cmd {
            PollCmd::Watch(task_ref) => {
                if self.slots.contains_key(&task_ref) {
                    return;
                }
                let endpoint = self.fetcher.endpoint_key(&task_ref);
                if !self.endpoints.contains_key(&endpoint) {
                    self.endpoints.insert(endpoint.clone(), Endpoint::default());
                }
                self.next_generation += 1;
                self.slots.insert(
                    task_ref,
                    Slot {
                        endpoint,
                        due: Some(now),
                        in_flight: false,
                        consecutive_errors: 0,
                        phase: Phase::Active,
                        generation: self.next_generation,
                    },
                );
            }
            PollCmd::Unwatch(task_ref) => {
                self.slots.remove(&task_ref);
            }
            PollCmd::Refresh(Some(task_ref)) => {
                if let Some(slot) = self.slots.get_mut(&task_ref) {
                    refresh(slot, now);
                } else {
                    // Known finished: one fetch, and no confirming poll unless it says otherwise.
                    self.apply(PollCmd::Watch(task_ref.clone()), now);
                    if let Some(slot) = self.slots.get_mut(&task_ref) {
                        slot.phase = Phase::Done;
                    }
                }
            }
            PollCmd::Refresh(None) => self.slots.values_mut().for_each(|slot| refresh(slot, now)),
            PollCmd::Pause(paused) => self.paused = paused,
        }
    }

    /// Starts every fetch that is due and allowed by its endpoint's budget and concurrency cap,
    /// oldest due first.
    ///
    /// Requests are paced 1/budget apart, so a wake can start about one fetch per endpoint while
    /// hundreds wait their turn: each pass scans the slots for the oldest due one of an endpoint
    /// that may start now, without cloning, sorting or allocating for the backlog (sorting it on
    /// every wake was most of the poller's CPU with 500 tasks).
    fn dispatch_due(&mut self, now: Instant) {
        if self.paused {
            return;
        }
        loop {
            let config = &self.config;
            let open: Vec<&String> = self
                .endpoints
                .iter_mut()
                .filter_map(|(key, e)| (e.may_start_one(config) && e.ready_at(now, config) <= now).then_some(key))
                .collect();
            if open.is_empty() {
                return;
            }
            let oldest = self
                .slots
                .iter()
                .filter(|(_, slot)| !slot.in_flight && open.contains(&&slot.endpoint))
                .filter_map(|(task_ref, slot)| slot.due.filter(|d| *d <= now).map(|d| (d, task_ref)))
                .min();
            let Some((_, task_ref)) = oldest else { return };
            let task_ref = task_ref.clone();
            let Some(slot) = self.slots.get_mut(&task_ref) else { return };
            let Some(endpoint) = self.endpoints.get_mut(&slot.endpoint) else { return };
            endpoint.recent.push_back(now);
            endpoint.in_flight += 1;
            let probe = endpoint.consecutive_throttles > 0;
            endpoint.probes_in_flight += usize::from(probe);
            slot.in_flight = true;
            let (generation, endpoint_key) = (slot.generation, slot.endpoint.clone());
            let fetcher = Arc::clone(&self.fetcher);
            let tx = self.completions_tx.clone();
            tokio::spawn(async move {
                let result = fetcher.fetch(&task_ref).await;
                let at = SystemTime::now();
                let _ = tx.send(Completion { task_ref, endpoint: endpoint_key, probe, generation, at, result });
            });
        }
    }

    /// The earliest moment something could be dispatched, or `None` if only a completion or a
    /// command can change anything.
    fn next_wake(&mut self, now: Instant) -> Option<Instant> {
        if self.paused {
            return None;
        }
        let config = &self.config;
        // When each endpoint may start its next fetch (`None`: at its in-flight cap, a
        // completion will wake us); a handful of endpoints, so a list beats hashing per slot.
        let gates: Vec<(&String, Option<Instant>)> = self
            .endpoints
            .iter_mut()
            .map(|(key, e)| (key, e.may_start_one(config).then(|| e.ready_at(now, config))))
            .collect();
        self.slots
            .values()
            .filter(|slot| !slot.in_flight)
            .filter_map(|slot| {
                let due = slot.due?;
                let ready =
                    gates.iter().find(|(key, _)| **key == slot.endpoint).map_or(Some(now), |(_, gate)| *gate)?;
                Some(due.max(ready))
            })
            .min()
    }

    fn complete(&mut self, done: Completion, now: Instant) -> Option<Polled> {
        let interval = self.jittered_interval();
        if let Some(endpoint) = self.endpoints.get_mut(&done.endpoint) {
            endpoint.in_flight = endpoint.in_flight.saturating_sub(1);
            endpoint.probes_in_flight = endpoint.probes_in_flight.saturating_sub(usize::from(done.probe));
        }
        let slot = self.slots.get_mut(&done.task_ref)?;
        if slot.generation != done.generation {
            return None; // unwatched and watched again while this fetch was in flight
        }
        slot.in_flight = false;
        match &done.result {
            Ok(task) => {
                slot.consecutive_errors = 0;
                if let Some(endpoint) = self.endpoints.get_mut(&slot.endpoint) {
                    endpoint.consecutive_throttles = 0;
                }
                let (phase, due) = match (task.is_finished(), slot.phase) {
                    (false, _) => (Phase::Active, Some(now + interval)),
                    (true, Phase::Active) => (Phase::Confirming, Some(now + interval)),
                    (true, Phase::Confirming | Phase::Done | Phase::Stopped) => (Phase::Done, None),
                };
                slot.phase = phase;
                slot.due = due;
            }
            Err(error) if !error.kind.is_retryable() => {
                slot.phase = Phase::Stopped;
                slot.due = None;
            }
            Err(error) => {
                slot.consecutive_errors += 1;
                let backoff = full_jitter(&mut self.rng, &self.config, slot.consecutive_errors);
                let mut delay = backoff.max(error.retry_after.unwrap_or_default());
                if error.kind == FetchErrorKind::Throttled
                    && let Some(endpoint) = self.endpoints.get_mut(&slot.endpoint)
                {
                    endpoint.consecutive_throttles += 1;
                    let pause = error
                        .retry_after
                        .unwrap_or_else(|| full_jitter(&mut self.rng, &self.config, endpoint.consecutive_throttles));
                    let until = now + pause;
                    endpoint.blocked_until = Some(endpoint.blocked_until.map_or(until, |b| b.max(until)));
                    // Throttling is the endpoint's state, not this task's: the endpoint pause
                    // (and its one-probe rule) spaces the retries, so the task is due again when
                    // the pause ends rather than after a private backoff that can outlast the
                    // throttling by a minute.
                    delay = pause;
                }
                slot.due = Some(now + delay);
            }
        }
        Some(Polled {
            task_ref: done.task_ref,
            at: done.at,
            result: done.result,
            next_poll_in: slot.due.map(|due| due.saturating_duration_since(now)),
            groups: None,
        })
    }

    fn jittered_interval(&mut self) -> Duration {
        let jitter = self.config.jitter.clamp(0.0, 0.9);
        let factor = if jitter > 0.0 { self.rng.random_range(1.0 - jitter..=1.0 + jitter) } else { 1.0 };
        self.config.interval.mul_f64(factor)
    }
}

impl Endpoint {
    /// Whether another request may start as far as requests in flight go: one probe at a time
    /// while the endpoint is throttled (each pause ends with a single request, not a burst),
    /// counting only probes, so a request that was hanging before the throttling answer does
    /// not hold the probe back; the configured cap otherwise.
    fn may_start_one(&self, config: &PollerConfig) -> bool {
        if self.consecutive_throttles > 0 {
            self.probes_in_flight == 0
        } else {
            self.in_flight < config.max_in_flight.max(1)
        }
    }

    /// When the next request may start: after any throttling pause, once the oldest of the last
    /// `requests_per_second` requests has left the 1 s window, and 1/`requests_per_second` after
    /// the previous one.
    fn ready_at(&mut self, now: Instant, config: &PollerConfig) -> Instant {
        while self.recent.front().is_some_and(|t| now.saturating_duration_since(*t) >= WINDOW) {
            self.recent.pop_front();
        }
        let mut ready = now;
        if let Some(blocked) = self.blocked_until {
            if blocked > now {
                ready = blocked;
            } else {
                self.blocked_until = None;
            }
        }
        let budget = config.requests_per_second.max(1) as usize;
        if self.recent.len() >= budget
            && let Some(oldest) = self.recent.get(self.recent.len() - budget)
        {
            ready = ready.max(*oldest + WINDOW);
        }
        // Paced at 1/budget apart: without it a saturated window refills all at once, and 500
        // tasks go out in bursts of `budget` every second instead of a steady stream.
        if let Some(last) = self.recent.back() {
            ready = ready.max(*last + WINDOW / config.requests_per_second.max(1));
        }
        ready
    }
}

fn refresh(slot: &mut Slot, now: Instant) {
    if slot.phase == Phase::Stopped {
        slot.consecutive_errors = 0;
    }
    // A finished task gets exactly one fetch: `Done` stays `Done` after it answers finished.
    if slot.phase == Phase::Stopped {
        slot.phase = Phase::Active;
    }
    if !slot.in_flight {
        slot.due = Some(now);
    }
}

/// Exponential backoff with full jitter: uniform in `[0, min(max, base · 2^(n-1))]`.
fn full_jitter(rng: &mut StdRng, config: &PollerConfig, attempt: u32) -> Duration {
    let exponent = attempt.saturating_sub(1).min(20);
    let cap = config.backoff_base.saturating_mul(1 << exponent).min(config.backoff_max);
    cap.mul_f64(rng.random_range(0.0..=1.0))
}

async fn sleep_until_or_forever(wake: Option<Instant>) {
    match wake {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests;
