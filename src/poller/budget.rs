//! One endpoint's request budget: how many requests may start, and when.
//!
//! Owns the sliding window (never more requests than the budget in any 1 s), the pacing of
//! requests 1/rate apart, the cap on requests in flight, the pause a throttling answer imposes
//! (with its one-probe rule), and the rate itself, which listens to the cloud: each throttling
//! answer halves it, each calm period raises it by a tenth of the configured ceiling, and it never
//! goes above that ceiling (additive increase, multiplicative decrease, as TCP does with its
//! congestion window). Knows nothing about tasks and never reads the clock: time comes in as
//! arguments.

use std::collections::VecDeque;
use std::time::Duration;

use tokio::time::Instant;

/// The budget's window, with a 5 % guard: the provider counts requests when they arrive, and a
/// request can leave a few ms after its dispatch (task scheduling on a busy machine), so the
/// budget is kept over 1.05 s to stay within it over any 1 s the server sees.
pub(super) const WINDOW: Duration = Duration::from_millis(1050);

/// How long the cloud must stay quiet (no throttling answer) before the rate goes up a step.
pub(super) const CALM: Duration = Duration::from_secs(5);

/// The lowest rate throttling can push an endpoint to: one request every four seconds still
/// learns when the cloud is ready again, without hammering it.
const FLOOR: f64 = 0.25;

#[derive(Debug)]
pub(super) struct Budget {
    /// The configured requests per second: the rate is never above it.
    ceiling: f64,
    /// Requests per second allowed now.
    rate: f64,
    /// The time between two requests at `rate`, kept with it: asked several times per request.
    spacing: Duration,
    /// Requests allowed in one window at `rate` (its whole part, at least one), kept with it
    /// for the same reason.
    allowed: usize,
    /// Dispatch times within the last window.
    recent: VecDeque<Instant>,
    in_flight: usize,
    /// Requests started while the endpoint was throttled (probes), of those in flight. Only
    /// these count against the one-probe rule: a request that was already hanging when the
    /// throttling answer came must not hold back the probe that ends the pause.
    probes_in_flight: usize,
    /// A throttling answer pauses every task of the endpoint until then.
    blocked_until: Option<Instant>,
    /// The earliest the next request may start as far as the pause, the window and the pacing
    /// go, worked out whenever one of them changes ([`Budget::settle`]): it is asked for each
    /// endpoint on every wake of the poller, and working it out from the window's times each
    /// time was about 1 % of `wait`'s instructions per request (callgrind).
    not_before: Option<Instant>,
    consecutive_throttles: u32,
    /// When the rate was last halved: answers to requests sent before that were sent at the
    /// old rate, so they do not halve it again.
    last_cut: Option<Instant>,
    /// Since when no throttling answer came (or the rate last went up).
    calm_since: Instant,
}

impl Budget {
    pub(super) fn new(requests_per_second: u32, now: Instant) -> Budget {
        let ceiling = f64::from(requests_per_second.max(1));
        Budget {
            ceiling,
            rate: ceiling,
            spacing: spacing_at(ceiling),
            allowed: allowed_at(ceiling),
            recent: VecDeque::with_capacity(requests_per_second.clamp(1, 64) as usize),
            in_flight: 0,
            probes_in_flight: 0,
            blocked_until: None,
            not_before: None,
            consecutive_throttles: 0,
            last_cut: None,
            calm_since: now,
        }
    }

    /// Requests per second allowed now.
    pub(super) fn rate(&self) -> f64 {
        self.rate
    }

    /// The configured ceiling.
    pub(super) fn ceiling(&self) -> f64 {
        self.ceiling
    }

    /// Whether another request may start as far as requests in flight go: one probe at a time
    /// while the endpoint is throttled (each pause ends with a single request, not a burst),
    /// counting only probes; the configured cap otherwise.
    pub(super) fn may_start_one(&self, max_in_flight: usize) -> bool {
        if self.consecutive_throttles > 0 { self.probes_in_flight == 0 } else { self.in_flight < max_in_flight.max(1) }
    }

    /// When the next request may start: after any throttling pause, once the oldest of the
    /// last `rate` requests has left the window, and 1/`rate` after the previous one.
    pub(super) fn ready_at(&self, now: Instant) -> Instant {
        self.not_before.map_or(now, |at| at.max(now))
    }

    /// Works out [`Budget::not_before`] again, after the requests in the window, the pause or
    /// the rate changed.
    fn settle(&mut self) {
        let window = self
            .recent
            .len()
            .checked_sub(self.allowed)
            .and_then(|index| self.recent.get(index))
            .map(|oldest| *oldest + WINDOW);
        let paced = self.recent.back().map(|last| *last + self.spacing);
        self.not_before = [self.blocked_until, window, paced].into_iter().flatten().max();
    }

    /// The time between two requests at the current rate.
    pub(super) fn spacing(&self) -> Duration {
        self.spacing
    }

    fn set_rate(&mut self, rate: f64) {
        self.rate = rate;
        self.spacing = spacing_at(rate);
        self.allowed = allowed_at(rate);
        self.settle();
    }

    /// Counts a request that starts now; returns whether it is a probe of a throttled endpoint.
    pub(super) fn start(&mut self, now: Instant) -> bool {
        // Requests that have left the window count no more.
        while self.recent.front().is_some_and(|t| *t + WINDOW <= now) {
            self.recent.pop_front();
        }
        self.recent.push_back(now);
        self.settle();
        self.in_flight += 1;
        let probe = self.consecutive_throttles > 0;
        self.probes_in_flight += usize::from(probe);
        probe
    }

    /// A request of this endpoint answered (or failed).
    pub(super) fn finish(&mut self, probe: bool) {
        self.in_flight = self.in_flight.saturating_sub(1);
        self.probes_in_flight = self.probes_in_flight.saturating_sub(usize::from(probe));
    }

    /// An answer that was not a throttling one: the throttling is over, and after a calm
    /// period the rate goes up a step, back toward the ceiling.
    pub(super) fn calm(&mut self, now: Instant) {
        self.consecutive_throttles = 0;
        if self.rate < self.ceiling && now.saturating_duration_since(self.calm_since) >= CALM {
            self.set_rate((self.rate + self.step()).min(self.ceiling));
            self.calm_since = now;
        }
    }

    /// A throttling answer to a request sent at `sent`: every task of the endpoint waits
    /// `pause`, and the rate is halved once per throttling episode.
    pub(super) fn throttled(&mut self, now: Instant, sent: Instant, pause: Duration) {
        self.consecutive_throttles += 1;
        let until = now + pause;
        self.blocked_until = Some(self.blocked_until.map_or(until, |b| b.max(until)));
        self.settle();
        if self.last_cut.is_none_or(|cut| sent >= cut) {
            self.set_rate((self.rate / 2.0).max(FLOOR.min(self.ceiling)));
            self.last_cut = Some(now);
        }
        self.calm_since = now;
    }

    pub(super) fn consecutive_throttles(&self) -> u32 {
        self.consecutive_throttles
    }

    /// A tenth of the ceiling, at least one request a second.
    fn step(&self) -> f64 {
        (self.ceiling / 10.0).max(1.0)
    }
}

/// Requests allowed in one window at `rate`: its whole part, at least one.
fn allowed_at(rate: f64) -> usize {
    #[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "a rate between 0.25 and u32::MAX")]
    let whole = rate.floor() as usize;
    whole.max(1)
}

/// The time between two requests at `rate` requests a second.
fn spacing_at(rate: f64) -> Duration {
    WINDOW.div_f64(rate.max(FLOOR))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: f64) -> Duration {
        Duration::from_secs_f64(s)
    }

    #[test]
    fn throttling_halves_the_rate_once_per_episode_and_calm_raises_it_back_to_the_ceiling_only() {
        let t0 = Instant::now();
        let mut budget = Budget::new(10, t0);
        budget.throttled(t0 + secs(1.0), t0 + secs(0.9), secs(2.0));
        assert!((budget.rate() - 5.0).abs() < 1e-9);
        // Another answer to a request sent before the cut belongs to the same episode.
        budget.throttled(t0 + secs(1.1), t0 + secs(0.95), secs(2.0));
        assert!((budget.rate() - 5.0).abs() < 1e-9, "one cut per episode");
        // A request sent after the cut and throttled again: a new episode.
        budget.throttled(t0 + secs(4.0), t0 + secs(3.5), secs(2.0));
        assert!((budget.rate() - 2.5).abs() < 1e-9);
        // Calm answers raise it one step per calm period.
        budget.calm(t0 + secs(6.0));
        assert!((budget.rate() - 2.5).abs() < 1e-9, "not calm long enough");
        budget.calm(t0 + secs(9.0));
        assert!((budget.rate() - 3.5).abs() < 1e-9);
        budget.calm(t0 + secs(10.0));
        assert!((budget.rate() - 3.5).abs() < 1e-9, "one step per calm period");
        let mut at = 10.0;
        for _ in 0..20 {
            at += 5.0;
            budget.calm(t0 + secs(at));
        }
        assert!((budget.rate() - 10.0).abs() < 1e-9, "back at the ceiling, never above: {}", budget.rate());
    }

    #[test]
    fn the_rate_never_drops_below_the_floor() {
        let t0 = Instant::now();
        let mut budget = Budget::new(10, t0);
        for i in 0..20 {
            let at = t0 + secs(f64::from(i));
            budget.throttled(at, at, secs(0.5));
        }
        assert!((budget.rate() - FLOOR).abs() < 1e-9);
        assert_eq!(budget.spacing(), WINDOW.div_f64(FLOOR));
    }

    #[test]
    fn a_lowered_rate_spaces_requests_further_apart() {
        let t0 = Instant::now();
        let mut budget = Budget::new(4, t0);
        budget.start(t0);
        assert_eq!(budget.ready_at(t0), t0 + WINDOW / 4);
        budget.throttled(t0, t0, Duration::ZERO);
        assert_eq!(budget.ready_at(t0 + secs(0.01)), t0 + WINDOW / 2, "two a second now");
    }

    proptest::proptest! {
        /// Requests started whenever `ready_at` allows, while throttling answers and calm ones
        /// move the rate: never more than the allowed requests in a window, never two closer than
        /// the spacing, none during a pause.
        #[test]
        fn requests_started_when_ready_keep_the_window_the_pacing_and_the_pause(
            steps in proptest::collection::vec((0u64..700, 0u8..10), 1..120),
        ) {
            let t0 = Instant::now();
            let mut budget = Budget::new(5, t0);
            let mut now = t0;
            let mut started: Vec<Instant> = Vec::new();
            let mut paused_until = t0;
            for (advance, what) in steps {
                now += Duration::from_millis(advance);
                match what {
                    0 => {
                        budget.throttled(now, now, Duration::from_millis(800));
                        paused_until = paused_until.max(now + Duration::from_millis(800));
                    }
                    1 => budget.calm(now),
                    _ => {
                        now = budget.ready_at(now);
                        proptest::prop_assert!(now >= paused_until, "started during a pause");
                        if let Some(last) = started.last() {
                            proptest::prop_assert!(now >= *last + budget.spacing(), "closer than the spacing");
                        }
                        // The request `allowed` back must have left the window.
                        let allowed = budget.allowed;
                        let back = started.iter().rev().nth(allowed - 1);
                        proptest::prop_assert!(back.is_none_or(|t| *t + WINDOW <= now), "{allowed} already in the window");
                        budget.start(now);
                        budget.finish(false);
                        started.push(now);
                    }
                }
            }
        }
    }
}
