//! The poller's actor: one schedule per watched task, and which due task goes out next.
//!
//! Owns the slots (next poll, phase, backoff, what is on screen), the endpoints (their budgets
//! and how their tasks share them) and the lengths of finished tasks. One actor
//! task owns every schedule, so "pause", "refresh", "on screen" and "throttled: everyone wait"
//! are plain field updates rather than cross-task coordination. Each schedule holds a single
//! due time, so a process that was suspended or a laptop that slept wakes up to at most one
//! poll per task, spread by the endpoint budget — never a burst of missed ticks. Reads the clock
//! only through tokio (paused in tests); knows nothing of the app or the terminal.
//!
//! Each answer books the task's next poll: at the gap its forecast asks for (scaled so that all
//! the endpoint's tasks together ask for what its budget can send), or a little off it where
//! the polls already booked would not go out in time at the budget's pace, and never past the
//! task's longest gap. The booked time is the `next_poll_in` the answer carries, so what a row
//! says is what happens. Which due task goes next when an endpoint may send: the selected task;
//! the rows on screen (which go unbooked, within half the budget); a task past its longest gap
//! (a safety net: bookings keep within it); new, refreshed and just-changed tasks; then the
//! earliest booked.

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use futures::StreamExt;
use futures::future::BoxFuture;
use futures::stream::FuturesUnordered;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::budget::Budget;
use super::calendar::Calendar;
use super::outlook::{Change, Forecast, GapCurve, Gaps, History, Outlook, likely, scaled_gap};
use super::{Offered, Output, Policy, PollCmd, Polled, PollerConfig, Sent, Share};
use crate::domain::{FetchError, FetchErrorKind, Task, TaskKind, TaskRef};
use crate::provider::Fetch;

/// Where a task is in its life as far as polling goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Not finished yet: poll as its forecast says.
    Active,
    /// Seen finished once: one more poll to confirm, then stop.
    Confirming,
    /// Finished and confirmed: no more polls until a refresh.
    Done,
    /// A final error (auth, not found): no more polls until a refresh.
    Stopped,
}

/// How much the user sees of a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Focus {
    Off,
    Visible,
    Selected,
}

struct Slot {
    task_ref: TaskRef,
    endpoint: usize,
    /// The next poll; booked in the endpoint's calendar when `booked`.
    due: Option<Instant>,
    booked: bool,
    /// The latest the next poll may come (the longest gap from the last answer): a booking the
    /// calendar had to push past it goes before everything but the selected task.
    deadline: Option<Instant>,
    last_sent: Option<Instant>,
    in_flight: bool,
    /// New, refreshed or just changed: goes before the tasks that are merely due.
    prompt: bool,
    focus: Focus,
    consecutive_errors: u32,
    phase: Phase,
    /// Bumped on every (re)watch so a result from before an unwatch is dropped; the slot's key.
    generation: u64,
    outlook: Outlook,
    kind: Option<TaskKind>,
    /// The earlier of the due time and the deadline, under which the slot sits in its
    /// endpoint's queue while it waits for its next poll (see [`requeue`]).
    queued: Option<Instant>,
}

struct Endpoint {
    key: Arc<str>,
    budget: Budget,
    calendar: Calendar,
    /// What the asked interval of the rows on screen is multiplied by: more than 1 when they
    /// alone would take more than half the budget.
    focus_scale: f64,
    /// The share of the budget the rows on screen take (at most a half).
    focus_share: f64,
    /// Unfinished tasks polled through it.
    active: usize,
    /// What its tasks' forecast gaps are multiplied by, per [`Likely`] class, so that together
    /// they ask for what the budget (or round robin at the asked interval, when that is less)
    /// would send.
    scale: [f64; 3],
    /// Its tasks waiting for their next poll (not in flight), by the earlier of the due time and
    /// the longest-gap deadline (the moment each may go), with the slot's generation. Exact at
    /// all times: the wake-up time is its first, and a dispatch looks only at its front (the
    /// tasks that may go now) instead of every task; at 200 tasks the scan of every slot per
    /// dispatch was about 5 % of `wait`'s CPU per request (perf). One queue, not one by due time
    /// beside it: a second kept in step cost two more tree updates per request (callgrind).
    waiting: BTreeSet<(Instant, u64)>,
    /// The unfinished tasks and the rate its last [`Share`] said: a share goes out with an
    /// answer only when these moved.
    told: Option<(usize, f64)>,
}

struct Completion {
    task_ref: TaskRef,
    /// The endpoint and whether the request was a probe, carried with the answer: the slot may
    /// be gone (unwatched meanwhile), and the endpoint's counts must come down all the same.
    endpoint: usize,
    probe: bool,
    sent: Instant,
    generation: u64,
    at: SystemTime,
    result: Result<Box<Task>, FetchError>,
}

/// Why a due task goes before another: a higher tier first, then a higher score.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Rank {
    tier: u8,
    score: f64,
}

impl Rank {
    fn beats(self, other: Rank) -> bool {
        (self.tier, self.score).partial_cmp(&(other.tier, other.score)) == Some(std::cmp::Ordering::Greater)
    }
}

pub(super) struct Scheduler<F> {
    fetcher: Arc<F>,
    config: PollerConfig,
    rng: StdRng,
    /// The zero of the forecasts' clock.
    origin: Instant,
    /// Each watched task's slot, by its generation: the endpoints' queues and the answers carry
    /// it, so the per-request lookups hash a number, not a reference's strings (which, looked
    /// up several times per request, were a few percent of `wait`'s CPU; perf).
    slots: HashMap<u64, Slot, foldhash::fast::RandomState>,
    /// The generation of each watched task: for commands, which name tasks.
    ids: HashMap<TaskRef, u64, foldhash::fast::RandomState>,
    endpoints: Vec<Endpoint>,
    endpoint_index: HashMap<String, usize>,
    /// How long finished tasks took, per endpoint and kind.
    histories: HashMap<(usize, TaskKind), History>,
    paused: bool,
    next_generation: u64,
    /// The tasks per endpoint must be counted again (a task was added, removed or finished).
    recount: bool,
    /// When the endpoints' scales are worked out again.
    next_replan: Instant,
    /// Scratch space for one pass over the endpoints, kept to avoid allocating per dispatch:
    /// when each may send.
    gates: Vec<Option<Instant>>,
    /// The fetches in flight, polled by this task rather than spawned: an answer comes back
    /// without a task of its own, a channel hop and a second wake-up (a spawn, its channel and
    /// the extra wake were about 4 % of `wait`'s CPU per request; perf). Dropping the scheduler
    /// cancels them.
    in_flight: FuturesUnordered<BoxFuture<'static, Completion>>,
    /// The tasks whose first request has gone out, for [`super::PollerHandle::unsent`].
    sent: Sent,
}

impl<F: Fetch> Scheduler<F> {
    pub(super) fn new(fetcher: Arc<F>, config: PollerConfig, seed: u64, sent: Sent) -> Self {
        Scheduler {
            fetcher,
            config,
            rng: StdRng::seed_from_u64(seed),
            origin: Instant::now(),
            slots: HashMap::default(),
            endpoints: Vec::new(),
            endpoint_index: HashMap::new(),
            histories: HashMap::new(),
            paused: false,
            next_generation: 0,
            recount: false,
            next_replan: Instant::now(),
            gates: Vec::new(),
            ids: HashMap::default(),
            in_flight: FuturesUnordered::new(),
            sent,
        }
    }

    pub(super) async fn run(mut self, mut commands: mpsc::Receiver<PollCmd>, mut out: impl Output) {
        let mut commands_open = true;
        // One timer for the whole run, moved only when the next wake moves: a new `Sleep` per
        // turn of the loop registered and removed a timer two or three times per request.
        let timer = tokio::time::sleep_until(Instant::now());
        tokio::pin!(timer);
        let mut armed: Option<Instant> = None;
        let every_share = out.needs_every_share();
        // Answers not yet handed on: `out` was full. They wait here, in order, while the fetches
        // in flight go on; no new fetch starts until they are all handed on (the consumer's pace
        // holds the requests back, as a blocking send did).
        let mut outbox: VecDeque<Polled> = VecDeque::new();
        loop {
            let now = Instant::now();
            if now >= self.next_replan {
                self.replan(now);
                self.next_replan = now + REPLAN_EVERY;
            }
            if outbox.is_empty() {
                self.dispatch_due(now);
            }
            #[cfg(test)]
            self.assert_queues_hold_every_waiting_slot();
            let wake = if outbox.is_empty() { self.next_wake(now) } else { None };
            if wake != armed {
                if let Some(at) = wake {
                    timer.as_mut().reset(at);
                }
                armed = wake;
            }
            // In this order, and the first ready branch wins: a wake by an answer or the timer
            // (nearly every wake) polls nothing after it, where a fair select, starting at a
            // random branch, polled the command channels and `out.closed()` on many of them
            // (about 1.5 % of `wait`'s instructions per request with them; callgrind). Nothing
            // is missed: the select sleeps only after polling every branch, so each waker is
            // registered whenever the loop waits.
            tokio::select! {
                biased;
                Some(done) = self.in_flight.next(), if !self.in_flight.is_empty() => {
                    let polled = self.complete(done, every_share, Instant::now());
                    if !self.hand_on(&mut outbox, polled, &mut out) {
                        return;
                    }
                }
                () = &mut timer, if armed.is_some() => armed = None,
                cmd = commands.recv(), if commands_open => match cmd {
                    Some(cmd) => self.apply(cmd, Instant::now()),
                    // Nobody can steer us any more; keep polling for whoever reads `out`.
                    None => commands_open = false,
                },
                room = out.room(), if !outbox.is_empty() => {
                    if !room || !self.hand_on(&mut outbox, None, &mut out) {
                        return;
                    }
                }
                () = out.gone() => return,
            }
        }
    }

    /// The endpoints' queues hold exactly the slots that wait for a poll, under their times:
    /// checked on every turn of the loop in every poller test.
    #[cfg(test)]
    fn assert_queues_hold_every_waiting_slot(&self) {
        for (index, endpoint) in self.endpoints.iter().enumerate() {
            let waiting: BTreeSet<(Instant, u64)> = self
                .slots
                .values()
                .filter(|s| s.endpoint == index && !s.in_flight)
                .filter_map(|s| s.due.map(|due| (s.deadline.map_or(due, |d| d.min(due)), s.generation)))
                .collect();
            assert_eq!(endpoint.waiting, waiting, "endpoint {index}: the queue of tasks waiting for a poll");
        }
    }

    /// Hands the waiting answers, then `next`, on to `out` while it takes them, oldest first,
    /// keeping the rest in `outbox`, and stops watching the tasks `out` is done with; `false`
    /// once `out` is gone. An answer goes straight to `out` when none waits before it (through
    /// the outbox, each answer was copied twice more).
    fn hand_on(&mut self, outbox: &mut VecDeque<Polled>, mut next: Option<Polled>, out: &mut impl Output) -> bool {
        loop {
            let Some(polled) = outbox.pop_front().or_else(|| next.take()) else { return true };
            match out.offer(polled) {
                Offered::Taken(None) => {}
                Offered::Taken(Some(done_with)) => self.apply(PollCmd::Unwatch(done_with), Instant::now()),
                Offered::Full(polled) => {
                    outbox.push_front(polled);
                    outbox.extend(next);
                    return true;
                }
                Offered::Gone => return false,
            }
        }
    }

    fn adaptive(&self) -> bool {
        self.config.policy == Policy::Adaptive
    }

    fn apply(&mut self, cmd: PollCmd, now: Instant) {
        match cmd {
            PollCmd::Watch(task_ref) => {
                if self.ids.contains_key(&task_ref) {
                    return;
                }
                let endpoint = self.endpoint_for(&task_ref, now);
                self.next_generation += 1;
                let id = self.next_generation;
                let outlook = Outlook::new(&task_ref);
                self.ids.insert(task_ref.clone(), id);
                self.slots.insert(
                    id,
                    Slot {
                        task_ref,
                        endpoint,
                        due: None,
                        booked: false,
                        deadline: None,
                        last_sent: None,
                        in_flight: false,
                        prompt: true,
                        focus: Focus::Off,
                        consecutive_errors: 0,
                        phase: Phase::Active,
                        generation: id,
                        outlook,
                        kind: None,
                        queued: None,
                    },
                );
                self.set_due(id, Some(now), now);
                self.recount = true;
            }
            PollCmd::Unwatch(task_ref) => {
                if let Some(id) = self.ids.remove(&task_ref) {
                    self.set_due(id, None, now);
                    self.slots.remove(&id);
                }
                // Watched again, it has not been sent until its first request goes out again.
                self.sent.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(&task_ref);
                self.recount = true;
            }
            PollCmd::Refresh(Some(task_ref)) => {
                if let Some(&id) = self.ids.get(&task_ref) {
                    self.refresh(id, now);
                } else {
                    // Known finished (reopened from its saved snapshot): one fetch, and no
                    // confirming poll unless the answer says it is not finished after all.
                    self.apply(PollCmd::Watch(task_ref.clone()), now);
                    if let Some(slot) = self.ids.get(&task_ref).and_then(|id| self.slots.get_mut(id)) {
                        slot.phase = Phase::Done;
                    }
                }
                self.recount = true;
            }
            PollCmd::Refresh(None) => {
                let all: Vec<u64> = self.slots.keys().copied().collect();
                for id in all {
                    self.refresh(id, now);
                }
                self.recount = true;
            }
            PollCmd::Pause(paused) => self.paused = paused,
            PollCmd::Focus { selected, visible } => self.focus(selected.as_ref(), &visible, now),
        }
    }

    /// The index of a task's endpoint, made on first use.
    fn endpoint_for(&mut self, task_ref: &TaskRef, now: Instant) -> usize {
        let key = self.fetcher.endpoint_key(task_ref);
        if let Some(index) = self.endpoint_index.get(&key) {
            return *index;
        }
        let index = self.endpoints.len();
        self.endpoints.push(Endpoint {
            key: Arc::from(key.as_str()),
            budget: Budget::new(self.config.requests_per_second, now),
            calendar: Calendar::default(),
            focus_scale: 1.0,
            focus_share: 0.0,
            active: 0,
            scale: [1.0; 3],
            waiting: BTreeSet::new(),
            told: None,
        });
        self.endpoint_index.insert(key, index);
        index
    }

    /// What is on screen now: a task that comes into view is polled within the asked interval
    /// of its last poll, at once if that has passed.
    fn focus(&mut self, selected: Option<&TaskRef>, visible: &[TaskRef], now: Instant) {
        if !self.adaptive() {
            return;
        }
        let visible: HashSet<&TaskRef> = visible.iter().collect();
        let scales: Vec<f64> = self.endpoints.iter().map(|e| e.focus_scale).collect();
        let mut sooner = Vec::new();
        for (&id, slot) in &mut self.slots {
            let focus = if selected == Some(&slot.task_ref) {
                Focus::Selected
            } else if visible.contains(&slot.task_ref) {
                Focus::Visible
            } else {
                Focus::Off
            };
            if focus > slot.focus
                && slot.phase == Phase::Active
                && slot.consecutive_errors == 0
                && let Some(due) = slot.due
            {
                let scale =
                    if focus == Focus::Selected { 1.0 } else { scales.get(slot.endpoint).copied().unwrap_or(1.0) };
                let by = slot.last_sent.map_or(now, |last| last + self.config.interval.mul_f64(scale)).max(now);
                if by < due {
                    sooner.push((id, by));
                }
            }
            slot.focus = focus;
        }
        for (id, by) in sooner {
            self.set_due(id, Some(by), now);
        }
    }

    /// Sets a task's next poll, booked in its endpoint's calendar under the adaptive policy
    /// (so it may come a little later than asked), freeing its previous booking.
    fn set_due(&mut self, id: u64, at: Option<Instant>, now: Instant) -> Option<Instant> {
        let adaptive = self.adaptive();
        let slot = self.slots.get_mut(&id)?;
        let endpoint = self.endpoints.get_mut(slot.endpoint)?;
        if std::mem::take(&mut slot.booked)
            && let Some(due) = slot.due
        {
            endpoint.calendar.cancel(due, slot.generation);
        }
        slot.due = match at {
            // What is on screen goes first without a booking; the others book around the share
            // of the budget it takes.
            Some(at) if adaptive && slot.focus == Focus::Off => {
                slot.booked = true;
                let spacing = endpoint.budget.spacing().div_f64(1.0 - endpoint.focus_share);
                let latest = slot.deadline.unwrap_or(at).max(at);
                Some(endpoint.calendar.book(at, latest, now, spacing, slot.generation))
            }
            at => at,
        };
        requeue(slot, endpoint);
        slot.due
    }

    /// Fetch now: restarts a task stopped on a final error; a finished task gets exactly one
    /// fetch (`Done` stays `Done` after it answers finished).
    fn refresh(&mut self, id: u64, now: Instant) {
        let Some(slot) = self.slots.get_mut(&id) else { return };
        if slot.phase == Phase::Stopped {
            slot.consecutive_errors = 0;
            slot.phase = Phase::Active;
        }
        if !slot.in_flight {
            slot.prompt = true;
            self.set_due(id, Some(now), now);
        }
    }

    /// Starts every fetch that is due and allowed by its endpoint's budget and concurrency cap,
    /// best ranked first (the module docs).
    ///
    /// Requests are paced 1/budget apart, so a wake can start about one fetch per endpoint while
    /// others wait their turn: each pass looks only at the tasks that may go now (the front of
    /// each open endpoint's queue) for the best one, without cloning, sorting or allocating.
    fn dispatch_due(&mut self, now: Instant) {
        if self.paused {
            return;
        }
        loop {
            let max_in_flight = self.config.max_in_flight;
            self.gates.clear();
            let mut worth_a_scan = false;
            for endpoint in &mut self.endpoints {
                let open = endpoint.budget.may_start_one(max_in_flight) && endpoint.budget.ready_at(now) <= now;
                worth_a_scan |= open && endpoint.waiting.first().is_some_and(|(at, _)| *at <= now);
                self.gates.push(open.then_some(now));
            }
            // Requests go out 1/budget apart, so most wakes (an answer, a command) find every
            // endpoint either closed or with nothing due: nothing to look at.
            if !worth_a_scan {
                return;
            }
            let adaptive = self.adaptive();
            let mut best: Option<(Rank, &Slot)> = None;
            for (endpoint, gate) in self.endpoints.iter().zip(&self.gates) {
                if gate.is_none() {
                    continue;
                }
                // Due, or past its deadline: the front of the queue up to now.
                for (_, generation) in endpoint.waiting.iter().take_while(|(any, _)| *any <= now) {
                    let Some(slot) = self.slots.get(generation) else { continue };
                    let Some(due) = slot.due.filter(|_| !slot.in_flight) else { continue };
                    let rank = if adaptive { rank(slot, due, now) } else { Rank { tier: 0, score: secs(now - due) } };
                    let better = match &best {
                        None => true,
                        Some((b, r)) => rank.beats(*b) || (rank == *b && slot.task_ref < r.task_ref),
                    };
                    if better {
                        best = Some((rank, slot));
                    }
                }
            }
            let Some((_, slot)) = best else { return };
            let id = slot.generation;
            self.start(id, now);
        }
    }

    fn start(&mut self, id: u64, now: Instant) {
        let Some(slot) = self.slots.get_mut(&id) else { return };
        let Some(endpoint) = self.endpoints.get_mut(slot.endpoint) else { return };
        let probe = endpoint.budget.start(now);
        if std::mem::take(&mut slot.booked)
            && let Some(due) = slot.due
        {
            endpoint.calendar.cancel(due, slot.generation);
        }
        slot.due = None;
        slot.deadline = None;
        slot.in_flight = true;
        requeue(slot, endpoint);
        slot.prompt = false;
        if slot.last_sent.replace(now).is_none() {
            self.sent.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(slot.task_ref.clone());
        }
        let (generation, endpoint, task_ref) = (slot.generation, slot.endpoint, slot.task_ref.clone());
        let fetcher = Arc::clone(&self.fetcher);
        self.in_flight.push(Box::pin(async move {
            let result = fetcher.fetch(&task_ref).await.map(Box::new);
            let at = SystemTime::now();
            Completion { task_ref, endpoint, probe, sent: now, generation, at, result }
        }));
    }

    /// The earliest moment something could be dispatched, or `None` if only a completion or a
    /// command can change anything.
    fn next_wake(&mut self, now: Instant) -> Option<Instant> {
        if self.paused {
            return None;
        }
        let max_in_flight = self.config.max_in_flight;
        // When each endpoint may start its next fetch (`None`: at its in-flight cap, a
        // completion will wake us).
        // Per endpoint, not per task: the first moment one of its tasks may go.
        self.endpoints
            .iter_mut()
            .filter_map(|endpoint| {
                let gate = endpoint.budget.may_start_one(max_in_flight).then(|| endpoint.budget.ready_at(now))?;
                Some(endpoint.waiting.first()?.0.max(gate))
            })
            .min()
    }

    fn complete(&mut self, done: Completion, every_share: bool, now: Instant) -> Option<Polled> {
        if let Some(endpoint) = self.endpoints.get_mut(done.endpoint) {
            endpoint.budget.finish(done.probe);
        }
        // Gone when it was unwatched (and perhaps watched again, under a new generation) while
        // this fetch was in flight.
        let id = done.generation;
        let phase_before = self.slots.get(&id)?.phase;
        self.count_tasks();
        match &done.result {
            Ok(task) => self.answered(id, task, now),
            Err(error) => self.failed(id, error, done.sent, now),
        }
        let slot = self.slots.get_mut(&id)?;
        slot.in_flight = false;
        // Its next poll was set while it was still in flight: it waits in the queue from now.
        if let Some(endpoint) = self.endpoints.get_mut(slot.endpoint) {
            requeue(slot, endpoint);
        }
        self.recount |= slot.phase != phase_before;
        let (endpoint, due) = (slot.endpoint, slot.due);
        self.count_tasks();
        let next_poll_in = due.map(|at| at.saturating_duration_since(now));
        Some(Polled {
            task_ref: done.task_ref,
            at: done.at,
            result: done.result,
            next_poll_in,
            groups: None,
            share: if every_share { Some(self.share(endpoint)) } else { self.share_if_moved(endpoint) },
        })
    }

    /// A successful answer: the task's forecast learns from it and sets its next poll.
    fn answered(&mut self, id: u64, task: &Task, now: Instant) {
        let gaps = self.gaps(self.slots.get(&id).map_or(0, |s| s.endpoint));
        let adaptive = self.adaptive();
        let (origin, asked) = (self.origin, self.config.interval);
        let Some(slot) = self.slots.get_mut(&id) else { return };
        slot.consecutive_errors = 0;
        slot.kind = Some(task.kind);
        if let Some(endpoint) = self.endpoints.get_mut(slot.endpoint) {
            endpoint.budget.calm(now);
        }
        let seen_running = slot.outlook.seen_running();
        let change = slot.outlook.observe(origin, now, task);
        let gap = match (task.is_finished(), slot.phase) {
            (false, _) => {
                slot.phase = Phase::Active;
                if adaptive {
                    let history = self.histories.get(&(slot.endpoint, task.kind));
                    let forecast = slot.outlook.forecast(origin, now, history);
                    let class = likely(forecast, now, gaps) as usize;
                    let scale = self.endpoints.get(slot.endpoint).map_or(1.0, |e| e.scale[class]);
                    let mut gap = scaled_gap(forecast, now, gaps, scale);
                    // Something happened (a new state, moving again after a stall): more may
                    // follow soon. A first answer that shows subtasks already done: the next one
                    // gives a rate, and a task that far along may be about to finish.
                    let moving = change == Change::First && task.counts.done() > 0 && task.counts.total > 0;
                    if change == Change::State || moving {
                        slot.prompt = true;
                        gap = gap.min(asked);
                    }
                    if slot.focus == Focus::Selected {
                        gap = gap.min(asked);
                    } else if slot.focus == Focus::Visible {
                        let scale = self.endpoints.get(slot.endpoint).map_or(1.0, |e| e.focus_scale);
                        gap = gap.min(asked.mul_f64(scale));
                    }
                    Some(gap)
                } else {
                    Some(asked)
                }
            }
            (true, Phase::Active) => {
                if seen_running && let Some(length) = slot.outlook.ran_for(now) {
                    self.histories.entry((slot.endpoint, task.kind)).or_default().record(length);
                }
                slot.phase = Phase::Confirming;
                Some(asked)
            }
            (true, Phase::Confirming | Phase::Done | Phase::Stopped) => {
                slot.phase = Phase::Done;
                None
            }
        };
        // Jittered, but never past the longest gap.
        let gap = gap.map(|g| jittered(&mut self.rng, self.config.jitter, g).min(gaps.max.max(g)));
        slot.deadline = (adaptive && slot.phase == Phase::Active).then(|| now + gaps.max);
        self.set_due(id, gap.map(|g| now + g), now);
    }

    /// A failed fetch: a final error stops the task, a throttling answer pauses and slows its
    /// endpoint, anything else backs off with full jitter.
    fn failed(&mut self, id: u64, error: &FetchError, sent: Instant, now: Instant) {
        let Some(slot) = self.slots.get_mut(&id) else { return };
        if !error.kind.is_retryable() {
            slot.phase = Phase::Stopped;
            self.set_due(id, None, now);
            return;
        }
        slot.consecutive_errors += 1;
        let backoff = full_jitter(&mut self.rng, &self.config, slot.consecutive_errors);
        let mut delay = backoff.max(error.retry_after.unwrap_or_default());
        if error.kind == FetchErrorKind::Throttled
            && let Some(endpoint) = self.endpoints.get_mut(slot.endpoint)
        {
            let throttles = endpoint.budget.consecutive_throttles() + 1;
            let pause = error.retry_after.unwrap_or_else(|| full_jitter(&mut self.rng, &self.config, throttles));
            endpoint.budget.throttled(now, sent, pause);
            // Throttling is the endpoint's state, not this task's: the endpoint pause (and its
            // one-probe rule) spaces the retries, so the task is due again when the pause ends
            // rather than after a private backoff that can outlast the throttling by a minute.
            delay = pause;
        }
        self.set_due(id, Some(now + delay), now);
    }

    /// The gaps for a task of `endpoint`: its longest one grows with the endpoint's tasks when
    /// half its budget could not poll every task that often.
    fn gaps(&self, endpoint: usize) -> Gaps {
        let asked = self.config.interval;
        let min = (asked / 4).max(Duration::from_millis(250)).min(asked);
        Gaps { asked, min, max: self.max_gap(endpoint).max(asked) }
    }

    /// The longest gap of an endpoint's tasks: half its budget polling every task in turn
    /// (round robin at half speed), but not more often than every four asked intervals, and at
    /// least every configured maximum interval while half the budget allows that. The rest of the budget goes where news is likely; a forecast that was
    /// wrong (a stall, an estimate from too few answers) costs at most this long.
    fn max_gap(&self, endpoint: usize) -> Duration {
        let Some(e) = self.endpoints.get(endpoint) else { return self.config.max_interval };
        #[expect(clippy::cast_precision_loss, reason = "task counts are far below 2^52")]
        let turn =
            Duration::try_from_secs_f64(FLOOR_SHARE * e.active as f64 / e.budget.rate()).unwrap_or(Duration::MAX);
        if turn > self.config.max_interval {
            turn
        } else {
            turn.max(self.config.interval * 4).min(self.config.max_interval)
        }
    }

    /// Works out each endpoint's scale: the factor that makes its tasks' forecast gaps add up
    /// to the requests round robin would send at the asked interval, or to the whole budget
    /// when that is less. The same number of requests as the old schedule, spent where news is
    /// likely; what the selected task and the rows on screen take comes first.
    fn replan(&mut self, now: Instant) {
        if !self.adaptive() || self.endpoints.is_empty() {
            return;
        }
        self.count_tasks();
        let asked = self.config.interval;
        let mut wanted: Vec<[Vec<Forecast>; 3]> = vec![Default::default(); self.endpoints.len()];
        let mut reserved = vec![0.0; self.endpoints.len()];
        let gaps: Vec<Gaps> = (0..self.endpoints.len()).map(|index| self.gaps(index)).collect();
        for slot in self.slots.values() {
            if slot.consecutive_errors > 0 {
                continue;
            }
            let Some(r) = reserved.get_mut(slot.endpoint) else { continue };
            match slot.phase {
                Phase::Confirming => *r += 1.0 / secs(asked),
                Phase::Active if slot.focus != Focus::Off => *r += 1.0 / secs(asked),
                Phase::Active => {
                    let history = slot.kind.and_then(|kind| self.histories.get(&(slot.endpoint, kind)));
                    let forecast = slot.outlook.forecast(self.origin, now, history);
                    let class = likely(forecast, now, gaps[slot.endpoint]) as usize;
                    wanted[slot.endpoint][class].push(forecast);
                }
                Phase::Done | Phase::Stopped => {}
            }
        }
        for (index, forecasts) in wanted.iter().enumerate() {
            let gaps = gaps[index];
            let Some(endpoint) = self.endpoints.get_mut(index) else { continue };
            // What round robin would send for the tasks shared out here (those backing off
            // after errors keep their own schedule).
            #[expect(clippy::cast_precision_loss, reason = "task counts are far below 2^52")]
            let round_robin = forecasts.iter().map(Vec::len).sum::<usize>() as f64 / secs(asked);
            // All of the budget: the calendar spaces bookings at its pace anyway, and a tenth
            // held back made startup (every task new, none with a rate yet) slower to catch
            // the first finishes without sparing a request the window would have refused.
            let budget = endpoint.budget.rate();
            // The rows on screen take up to half the budget at the asked interval.
            let focused = reserved[index];
            endpoint.focus_scale = (focused / (budget / 2.0)).max(1.0);
            endpoint.focus_share = (focused / endpoint.focus_scale / endpoint.budget.rate()).min(0.5);
            let target = round_robin.min(budget) - focused / endpoint.focus_scale;
            endpoint.scale = scales_for(forecasts, target, now, gaps);
        }
    }

    /// Counts the unfinished tasks of each endpoint again, if anything changed them.
    fn count_tasks(&mut self) {
        if !std::mem::take(&mut self.recount) {
            return;
        }
        for endpoint in &mut self.endpoints {
            endpoint.active = 0;
        }
        for slot in self.slots.values() {
            if matches!(slot.phase, Phase::Active | Phase::Confirming)
                && let Some(endpoint) = self.endpoints.get_mut(slot.endpoint)
            {
                endpoint.active += 1;
            }
        }
    }

    /// The endpoint's [`Share`], when it moved since the last one an answer carried.
    fn share_if_moved(&mut self, endpoint: usize) -> Option<Share> {
        let e = self.endpoints.get_mut(endpoint)?;
        let current = (e.active, e.budget.rate());
        if e.told == Some(current) {
            return None;
        }
        e.told = Some(current);
        Some(self.share(endpoint))
    }

    fn share(&self, endpoint: usize) -> Share {
        let asked = self.config.interval;
        let Some(e) = self.endpoints.get(endpoint) else {
            return Share {
                endpoint: Arc::from(""),
                tasks: 0,
                rate: f64::from(self.config.requests_per_second),
                ceiling: self.config.requests_per_second,
                asked,
                every: asked,
            };
        };
        #[expect(clippy::cast_precision_loss, reason = "task counts are far below 2^52")]
        let every = Duration::try_from_secs_f64(e.active as f64 / e.budget.rate()).unwrap_or(Duration::MAX);
        #[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "the configured u32 ceiling")]
        let ceiling = e.budget.ceiling() as u32;
        Share {
            endpoint: Arc::clone(&e.key),
            tasks: e.active,
            rate: e.budget.rate(),
            ceiling,
            asked,
            every: every.max(asked),
        }
    }
}

/// The longest gap lets every task be polled in turn with 1/`FLOOR_SHARE` of the budget.
const FLOOR_SHARE: f64 = 2.0;

/// How often the endpoints' scales are worked out again. Every 2 s cost less, but a task back
/// from an error streak (left out of the scales while it failed) then kept a stale scale for
/// up to 2 s, and was polled at three times the asked interval (`rel_backoff`).
const REPLAN_EVERY: Duration = Duration::from_secs(1);

/// Scales are kept between these: a task is polled at most 20 times more or less often than
/// its forecast alone would have it (and always within its gaps).
const SCALE_RANGE: (f64, f64) = (1.0 / 20.0, 20.0);

/// The scales per [`Likely`] class for which the gaps of `forecasts` ask for `target` requests
/// a second together. Tasks near or inside their finish window get their forecast gaps first
/// (stretched only if they alone ask for more than the target); the rest share what is left
/// with one factor, down to the longest gap; a budget left over is spent on all alike.
fn scales_for(forecasts: &[Vec<Forecast>; 3], target: f64, now: Instant, gaps: Gaps) -> [f64; 3] {
    if forecasts.iter().all(Vec::is_empty) {
        return [1.0; 3];
    }
    let curves: [Vec<GapCurve>; 3] =
        std::array::from_fn(|class| forecasts[class].iter().map(|f| GapCurve::new(*f, now, gaps)).collect());
    let demand =
        |classes: &[Vec<GapCurve>], m: f64| -> f64 { classes.iter().flatten().map(|curve| curve.rate_at(m)).sum() };
    let (least, most) = SCALE_RANGE;
    let (near, rest) = curves.split_at(1);
    let near_at_one = demand(near, 1.0);
    if near_at_one >= target {
        return [solve(|m| demand(near, m), target.max(0.0), 1.0, most), most, most];
    }
    let left = target - near_at_one;
    if demand(rest, 1.0) >= left {
        let m = solve(|m| demand(rest, m), left, 1.0, most);
        return [1.0, m, m];
    }
    [solve(|m| demand(&curves, m), target, least, 1.0); 3]
}

/// The `m` in `[lo, hi]` at which the falling `demand(m)` meets `target` (an end if it never does),
/// to within [`SCALE_TOLERANCE`].
///
/// Regula falsi on `ln m`, with the Illinois rule (an end that stays put twice has its demand
/// halved, so that a curved demand cannot hold the search at one end). Each step costs one pass
/// over every task's curve; demand is close to proportional to `1/m` over most of the range, so
/// this takes a handful of steps where halving the range took eighteen (callgrind: replanning
/// was about 2 % of `wait`'s instructions per request at 200 tasks).
fn solve(demand: impl Fn(f64) -> f64, target: f64, lo: f64, hi: f64) -> f64 {
    let (mut lo, mut hi) = (lo.ln(), hi.ln());
    // Above zero: demand too high, so the scale must grow.
    let excess = |ln_m: f64| demand(ln_m.exp()) - target;
    let (mut at_lo, mut at_hi) = (excess(lo), excess(hi));
    if at_lo <= 0.0 {
        return lo.exp();
    }
    if at_hi >= 0.0 {
        return hi.exp();
    }
    // Which end of the bracket the last step kept.
    let mut kept: Option<End> = None;
    for _ in 0..MAX_SOLVE_STEPS {
        let mid = (lo * at_hi - hi * at_lo) / (at_hi - at_lo);
        let mid = if mid.is_finite() && mid > lo && mid < hi { mid } else { f64::midpoint(lo, hi) };
        let at_mid = excess(mid);
        if at_mid.abs() <= target.abs() * SCALE_TOLERANCE || hi - lo <= SCALE_TOLERANCE {
            return mid.exp();
        }
        if at_mid > 0.0 {
            lo = mid;
            at_lo = at_mid;
            if kept == Some(End::High) {
                at_hi /= 2.0;
            }
            kept = Some(End::High);
        } else {
            hi = mid;
            at_hi = at_mid;
            if kept == Some(End::Low) {
                at_lo /= 2.0;
            }
            kept = Some(End::Low);
        }
    }
    hi.exp()
}

/// An end of [`solve`]'s bracket.
#[derive(Clone, Copy, PartialEq, Eq)]
enum End {
    Low,
    High,
}

/// How closely [`solve`] meets its target: a hundredth of a percent of the demand (or of `ln m`),
/// far finer than the jitter every gap gets.
const SCALE_TOLERANCE: f64 = 1e-4;

/// Steps [`solve`] takes at most; the Illinois rule converges in far fewer, this bounds a pathological demand.
const MAX_SOLVE_STEPS: usize = 40;

/// Puts a slot where it belongs in its endpoint's queue after its due time, deadline or
/// in-flight state changed: out of it, then back in under its new time if it waits for a
/// poll. The slot remembers where it sits, so the order of those changes does not matter.
fn requeue(slot: &mut Slot, endpoint: &mut Endpoint) {
    if let Some(at) = slot.queued.take() {
        endpoint.waiting.remove(&(at, slot.generation));
    }
    if let Some(due) = slot.due.filter(|_| !slot.in_flight) {
        let at = slot.deadline.map_or(due, |deadline| deadline.min(due));
        endpoint.waiting.insert((at, slot.generation));
        slot.queued = Some(at);
    }
}

/// The rank of a due task under the adaptive policy (the module docs).
fn rank(slot: &Slot, due: Instant, now: Instant) -> Rank {
    let waited = secs(now.saturating_duration_since(due));
    let tier = if slot.focus == Focus::Selected {
        7
    } else if slot.focus == Focus::Visible {
        6
    } else if slot.deadline.is_some_and(|deadline| deadline <= now) {
        5
    } else if slot.prompt {
        3
    } else {
        1
    };
    Rank { tier, score: waited }
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// `gap` stretched or shrunk by up to `jitter`, so tasks watched together drift apart.
fn jittered(rng: &mut StdRng, jitter: f64, gap: Duration) -> Duration {
    let jitter = jitter.clamp(0.0, 0.9);
    let factor = if jitter > 0.0 { rng.random_range(1.0 - jitter..=1.0 + jitter) } else { 1.0 };
    gap.mul_f64(factor)
}

/// Exponential backoff with full jitter: uniform in `[0, min(max, base · 2^(n-1))]`.
fn full_jitter(rng: &mut StdRng, config: &PollerConfig, attempt: u32) -> Duration {
    let exponent = attempt.saturating_sub(1).min(20);
    let cap = config.backoff_base.saturating_mul(1 << exponent).min(config.backoff_max);
    cap.mul_f64(rng.random_range(0.0..=1.0))
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// The scale `solve` finds makes the demand meet the target, in fewer passes over the
        /// tasks than halving the range did (eighteen), whatever mix of clamped, window-capped and
        /// free curves the demand sums.
        #[test]
        fn the_scale_found_meets_the_target_in_few_passes(
            curves in prop::collection::vec((0.05f64..120.0, 0.1f64..2.0, 2.0f64..600.0, 0.5f64..300.0, any::<bool>()), 1..300),
            target_share in 0.01f64..1.5,
            (lo, hi) in prop_oneof![Just((1.0 / 20.0, 1.0)), Just((1.0, 20.0))],
        ) {
            let demand_at = |m: f64| -> f64 {
                curves
                    .iter()
                    .map(|&(gap, min, max, window, capped)| {
                        let gap = if capped { (gap * m).min(window) } else { gap * m };
                        1.0 / gap.clamp(min, max)
                    })
                    .sum()
            };
            let target = demand_at(1.0) * target_share;
            let passes = Cell::new(0);
            let m = solve(
                |m| {
                    passes.set(passes.get() + 1);
                    demand_at(m)
                },
                target,
                lo,
                hi,
            );
            // `exp(ln x)` may come back a rounding off `x`.
            let near = |a: f64, b: f64| (a - b).abs() <= b * 1e-12;
            prop_assert!((lo * (1.0 - 1e-12)..=hi * (1.0 + 1e-12)).contains(&m), "{m} outside {lo}..{hi}");
            let met = (demand_at(m) - target).abs() <= target * 1e-3;
            let at_an_end = (near(m, lo) && demand_at(lo) <= target) || (near(m, hi) && demand_at(hi) >= target);
            prop_assert!(met || at_an_end, "demand {} at {m} against {target}", demand_at(m));
            prop_assert!(passes.get() <= 18, "{} passes", passes.get());
        }
    }
}
