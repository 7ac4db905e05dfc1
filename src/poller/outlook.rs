//! When one task will next have news, from what its answers so far say; and so how long to
//! wait before asking again.
//!
//! Owns the per-task forecast: a finish window from the rate and ETA of its subtasks (the same
//! [`ProgressTracker`] the dashboard draws its ETA from, fed the same answers), the quiet time of
//! a task that stopped moving, and, for a task that lists nothing until it ends (Huawei), its
//! elapsed time against how long similar tasks took before ([`History`]). [`next_gap`] turns a
//! forecast into the wait before the next poll: halfway to the start of the finish window,
//! densely inside it, and ever longer while nothing moves. Pure: time comes in as `Instant`s;
//! must not know budgets, endpoints or channels.

use std::collections::VecDeque;
use std::time::{Duration, SystemTime};

use tokio::time::Instant;

use crate::analysis::{Eta, NotEnoughData, ProgressConfig, ProgressTracker, reports_subtask_progress};
use crate::domain::{Counts, Task, TaskState};

/// The bounds every gap is kept within.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Gaps {
    /// The interval the user asked for: the gap while nothing is known, and the longest gap
    /// inside a finish window.
    pub asked: Duration,
    /// The shortest gap, for a task about to finish.
    pub min: Duration,
    /// The longest gap, however quiet or far from done a task is (no starvation).
    pub max: Duration,
}

/// What is expected of a task.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Forecast {
    /// Too little seen to say: poll at the asked interval.
    Unknown,
    /// No rate yet, but `left` subtasks still to go: the fewer, the sooner it may end.
    Left { left: u32 },
    /// The task should finish between `lo` and `hi`.
    Window { lo: Instant, hi: Instant },
    /// Nothing has moved since `since`: the longer the quiet, the less news is likely.
    Quiet { since: Instant },
}

/// What an answer brought.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Change {
    /// The same state and counts as before.
    None,
    /// More subtasks done.
    Progress,
    /// The first answer.
    First,
    /// A new task state (queued to running, a reset), or moving again after a stall.
    State,
}

/// A task quiet for this long (and for four times its usual gap between changes) is treated as
/// stalled, even when its last rate still promises a finish. Imports report progress in
/// batches; this is longer than the pause between two batches of all but the slowest.
const QUIET_AFTER: Duration = Duration::from_secs(30);

/// While quiet, the gap is this share of the quiet time so far: a task that has not moved for
/// a minute is asked again in 12 s, not every 2 s.
const QUIET_SHARE: f64 = 0.2;

/// The rate and ETA rules of the dashboard, fed only the answers that moved: the poller wants
/// an estimate after two answers with a completion between them, not after three over 10 s.
fn tracker_config() -> ProgressConfig {
    ProgressConfig {
        max_samples: 12,
        max_age: Duration::from_secs(600),
        rate_window: Duration::from_secs(300),
        min_samples: 2,
        min_span: Duration::from_secs(1),
        // Stalls are judged here, against the task's own rhythm (`QUIET_AFTER`).
        stall_after: Duration::from_secs(24 * 3600),
        clock_jitter: Duration::from_secs(1),
        bucket: Duration::from_secs(10),
        buckets: 1,
    }
}

/// The tracker's clock: `Instant`s of this poller mapped onto a `SystemTime` line, so that
/// forecasts follow tokio's clock (paused in tests) rather than the wall clock.
fn wall(origin: Instant, at: Instant) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1 << 30) + at.saturating_duration_since(origin)
}

/// One task's history as far as forecasting goes.
#[derive(Debug, Clone)]
pub(super) struct Outlook {
    /// Rate and ETA of the subtasks, for providers that report them as they go.
    tracker: Option<ProgressTracker>,
    first_seen: Option<Instant>,
    /// When the task was first seen out of its queue (or at all, if never seen queued).
    started: Option<Instant>,
    last: Option<(TaskState, Counts)>,
    changed_at: Option<Instant>,
    /// The usual time between two changes (a moving average).
    change_gap: Option<Duration>,
    /// The most subtasks seen done between two answers. Imports finish their subtasks in
    /// bursts with pauses between, and the rate averages both: a task with no more than this
    /// left may be done by the next answer, whatever the rate says.
    max_step: u32,
}

impl Outlook {
    pub(super) fn new(task: &crate::domain::TaskRef) -> Outlook {
        let tracker = reports_subtask_progress(task.provider())
            .then(|| ProgressTracker::with_config(task.provider(), tracker_config()));
        Outlook {
            tracker,
            first_seen: None,
            started: None,
            last: None,
            changed_at: None,
            change_gap: None,
            max_step: 0,
        }
    }

    /// Feeds one successful answer that arrived at `now`.
    pub(super) fn observe(&mut self, origin: Instant, now: Instant, task: &Task) -> Change {
        self.first_seen.get_or_insert(now);
        if task.state != TaskState::Waiting {
            self.started.get_or_insert(now);
        }
        let seen = (task.state, task.counts);
        if let Some((_, before)) = self.last {
            self.max_step = self.max_step.max(task.counts.done().saturating_sub(before.done()));
        }
        let change = match self.last {
            None => Change::First,
            Some((state, _)) if state != task.state => Change::State,
            Some((_, counts)) if counts.done() != task.counts.done() || counts.total != task.counts.total => {
                Change::Progress
            }
            Some(_) => Change::None,
        };
        self.last = Some(seen);
        // The tracker sees the answers that moved: progress comes in batches, and near the end
        // the task is asked every second or so, so twelve answers between two batches would
        // leave it no completion to measure a rate from.
        if change != Change::None
            && let Some(tracker) = self.tracker.as_mut()
        {
            tracker.observe_task(wall(origin, now), task);
        }
        let mut change = change;
        if change == Change::Progress && self.was_quiet(now) {
            // Moving again after a stall: the rate from before it says nothing of what follows,
            // and the task deserves a prompt look.
            if let Some(tracker) = self.tracker.as_mut() {
                *tracker = ProgressTracker::with_config(task.provider, tracker_config());
                tracker.observe_task(wall(origin, now), task);
            }
            change = Change::State;
        }
        if change != Change::None {
            if let Some(before) = self.changed_at {
                let gap = now.saturating_duration_since(before);
                self.change_gap = Some(self.change_gap.map_or(gap, |g| (g * 3 + gap) / 4));
            }
            self.changed_at = Some(now);
        }
        change
    }

    /// Whether nothing had changed for longer than usual before `now`.
    fn was_quiet(&self, now: Instant) -> bool {
        self.changed_at.is_some_and(|changed| {
            now.saturating_duration_since(changed) >= QUIET_AFTER.max(self.change_gap.unwrap_or_default() * 4)
        })
    }

    /// How long the task has run, for [`History`] once it finished; `None` if it was never
    /// seen before it finished (its length is unknown).
    pub(super) fn ran_for(&self, finished_at: Instant) -> Option<Duration> {
        let started = self.started?;
        (started < finished_at).then(|| finished_at.saturating_duration_since(started))
    }

    /// Whether the task has been seen unfinished (its length can be learnt).
    pub(super) fn seen_running(&self) -> bool {
        self.last.is_some_and(|(state, _)| !state.is_finished())
    }

    /// What to expect of the task as of `now`; `history` holds how long similar tasks took.
    pub(super) fn forecast(&self, origin: Instant, now: Instant, history: Option<&History>) -> Forecast {
        let Some(changed_at) = self.changed_at else { return Forecast::Unknown };
        let stalled = self.was_quiet(now);
        if let Some(tracker) = &self.tracker {
            // The estimate as of the last change (the tracker's newest sample), so that a task
            // that overran it is seen as overdue rather than "finishing any moment" forever.
            return match tracker.eta(wall(origin, changed_at)) {
                Eta::Stalled { .. } => Forecast::Quiet { since: changed_at },
                _ if stalled => Forecast::Quiet { since: changed_at },
                Eta::Estimate { remaining, .. } => {
                    // Progress comes in batches: the estimate is good to about one batch. And a
                    // rate from the first few batches (the start of the task unseen) is good
                    // to about half: the window narrows from ±50 % to ±20 % as the task runs.
                    let batch = self.change_gap.unwrap_or_default() / 2;
                    let (done, left) = self.last.map_or((0.0, 0), |(_, c)| {
                        (f64::from(c.done()) / f64::from(c.total.max(1)), c.total.saturating_sub(c.done()))
                    });
                    let share = 0.5 - 0.3 * done.clamp(0.0, 1.0);
                    let spread = remaining.mul_f64(share).max(batch).max(Duration::from_secs(1));
                    let at = changed_at + remaining;
                    // Little enough left that one burst could finish it: the window is open.
                    let lo =
                        if left <= self.max_step { changed_at } else { at.checked_sub(spread).unwrap_or(changed_at) };
                    Forecast::Window { lo, hi: at + spread }
                }
                Eta::NotEnoughData { reason: NotEnoughData::NoCompletions } => Forecast::Quiet { since: changed_at },
                Eta::NotEnoughData { .. } => match self.last {
                    // One answer gives no rate, but its size does say something: an import of
                    // ten APIs is done long before one of six hundred.
                    Some((_, c)) if c.total > 0 => Forecast::Left { left: c.total.saturating_sub(c.done()) },
                    _ => Forecast::Unknown,
                },
                Eta::NoSubtaskProgress | Eta::Done => Forecast::Unknown,
            };
        }
        // No progress until the end: only the time it has been running, against how long
        // similar tasks took, says anything.
        match self.started {
            None => Forecast::Unknown,
            Some(started) => history.and_then(|h| h.forecast(started, now)).unwrap_or(Forecast::Unknown),
        }
    }
}

/// A task with this many subtasks left and no rate yet is polled at the asked interval (before
/// the budget's scale): smaller ones more often, larger ones less. Large enough that a task
/// known only by its size goes before one whose finish is known to be far off (the virtual-time
/// model of 200 tasks, `poller::tests`, had p90 detection 7.3 s at 30, 6.3 s at 100, 6.1 s at
/// 300).
const LEFT_REFERENCE: f64 = 300.0;

/// The wait before the next poll, for a task with `forecast`, as of `now`.
///
/// Before its finish window, halfway to the window's start (the last answers may have moved
/// it); inside, a quarter of the window's width (at most the asked interval); past it, half the
/// time it is overdue; while quiet, a fifth of the quiet time. Always within `gaps`.
pub(super) fn next_gap(forecast: Forecast, now: Instant, gaps: Gaps) -> Duration {
    let within = |gap: Duration, low: Duration, high: Duration| gap.clamp(low, high.max(low));
    match forecast {
        Forecast::Unknown => gaps.asked,
        // The chance that a task ends in the next second goes as 1/(time left), and with a
        // fixed budget the polling rate that minimises the mean time to notice goes as the
        // square root of that chance: so the gap grows as the square root of what is left.
        Forecast::Left { left } => {
            within(gaps.asked.mul_f64((f64::from(left.max(1)) / LEFT_REFERENCE).sqrt()), gaps.min, gaps.max)
        }
        Forecast::Quiet { since } => {
            within(now.saturating_duration_since(since).mul_f64(QUIET_SHARE), gaps.asked, gaps.max)
        }
        Forecast::Window { lo, .. } if now < lo => within((lo - now) / 2, gaps.min, gaps.max),
        Forecast::Window { lo, hi } if now <= hi => within((hi - lo) / 4, gaps.min, gaps.asked),
        Forecast::Window { hi, .. } => within((now - hi) / 2, gaps.min, gaps.max),
    }
}

/// How likely news is, for sharing out a budget that cannot give every task its gap: tasks
/// near or inside their finish window first, then those with nothing better known or still
/// far from it, then quiet ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Likely {
    Near = 0,
    Unknown = 1,
    Quiet = 2,
}

pub(super) fn likely(forecast: Forecast, now: Instant, gaps: Gaps) -> Likely {
    match forecast {
        Forecast::Window { lo, .. } if lo.saturating_duration_since(now) <= gaps.asked => Likely::Near,
        Forecast::Window { .. } | Forecast::Unknown | Forecast::Left { .. } => Likely::Unknown,
        Forecast::Quiet { .. } => Likely::Quiet,
    }
}

/// [`next_gap`] multiplied by `scale` (the budget's say), but never past the start of the
/// finish window: a short budget must not skip the moment a task is expected to end.
pub(super) fn scaled_gap(forecast: Forecast, now: Instant, gaps: Gaps, scale: f64) -> Duration {
    GapCurve::new(forecast, now, gaps).at(scale)
}

/// [`scaled_gap`] of one forecast as of one moment, for any scale: what does not depend on the
/// scale is worked out once. The scheduler's replanning asks each task's gap at a few dozen
/// scales while it searches for the one that fits the budget, and working out [`next_gap`]
/// each time was most of its cost (callgrind).
#[derive(Debug, Clone, Copy)]
pub(super) struct GapCurve {
    unscaled: Duration,
    /// The time to the start of the finish window, when it lies ahead.
    window_in: Option<Duration>,
    min: Duration,
    max: Duration,
    /// The same four in floating-point seconds (no window ahead: infinity), converted once
    /// for [`GapCurve::rate_at`].
    secs: [f64; 4],
}

impl GapCurve {
    pub(super) fn new(forecast: Forecast, now: Instant, gaps: Gaps) -> GapCurve {
        let window_in = match forecast {
            Forecast::Window { lo, .. } if now < lo => Some(lo - now),
            _ => None,
        };
        let (unscaled, min, max) = (next_gap(forecast, now, gaps), gaps.min, gaps.max.max(gaps.min));
        let secs = [
            unscaled.as_secs_f64(),
            window_in.as_ref().map_or(f64::INFINITY, Duration::as_secs_f64),
            min.as_secs_f64(),
            max.as_secs_f64(),
        ];
        GapCurve { unscaled, window_in, min, max, secs }
    }

    pub(super) fn at(&self, scale: f64) -> Duration {
        let gap = self.unscaled.mul_f64(scale);
        let gap = self.window_in.map_or(gap, |window_in| gap.min(window_in));
        gap.clamp(self.min, self.max)
    }

    /// The requests a second this task asks for at `scale`: [`GapCurve::at`] in floating-point
    /// seconds, for the replanning search that evaluates every task's curve several times a
    /// second (in `Duration` arithmetic, about 4 % of `wait`'s instructions per request at 200
    /// tasks; callgrind). Agrees with `1 / at(scale)` to the nanosecond rounding of a `Duration`.
    pub(super) fn rate_at(&self, scale: f64) -> f64 {
        let [unscaled, window_in, min, max] = self.secs;
        1.0 / (unscaled * scale).min(window_in).clamp(min, max).max(0.001)
    }
}

/// How long similar tasks (one endpoint, one kind) took from start to finish, as seen here.
#[derive(Debug, Clone, Default)]
pub(super) struct History {
    /// The most recent lengths, oldest first.
    lengths: VecDeque<Duration>,
}

/// Lengths kept per kind of task and endpoint.
const HISTORY_LEN: usize = 64;

/// Fewer lengths than this say too little to forecast from.
const HISTORY_MIN: usize = 3;

impl History {
    pub(super) fn record(&mut self, length: Duration) {
        if self.lengths.len() == HISTORY_LEN {
            self.lengths.pop_front();
        }
        self.lengths.push_back(length);
    }

    /// The finish window of a task started at `started`: where the lengths of similar tasks
    /// that ran longer than it has so far fall (their 10th to 90th percentile). `None` when
    /// fewer than three ran longer: the lengths seen so far are those of the tasks that ended
    /// first, so outlasting them says little about when this one ends.
    pub(super) fn forecast(&self, started: Instant, now: Instant) -> Option<Forecast> {
        let ran = now.saturating_duration_since(started);
        let mut longer: Vec<Duration> = self.lengths.iter().copied().filter(|l| *l > ran).collect();
        if longer.len() < HISTORY_MIN {
            return None;
        }
        longer.sort_unstable();
        let at = |q: f64| {
            #[expect(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                clippy::cast_precision_loss,
                reason = "an index below 64"
            )]
            let i = ((longer.len() - 1) as f64 * q).round() as usize;
            longer[i]
        };
        Some(Forecast::Window { lo: started + at(0.1), hi: started + at(0.9) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Subtask, SubtaskKind, SubtaskState, SubtaskText, TaskKind, TaskRef};

    const GAPS: Gaps =
        Gaps { asked: Duration::from_secs(2), min: Duration::from_millis(500), max: Duration::from_secs(60) };

    fn secs(s: f64) -> Duration {
        Duration::from_secs_f64(s)
    }

    fn aliyun() -> TaskRef {
        "aliyun://cn-hangzhou/t1".parse().unwrap()
    }

    fn huawei() -> TaskRef {
        "huawei://cn-north-4/p/i/t1".parse().unwrap()
    }

    /// An Alibaba task with `done` of `total` subtasks finished.
    fn progress(task_ref: &TaskRef, total: usize, done: usize) -> Task {
        let subtasks = (0..total)
            .map(|i| {
                let state = if i < done { SubtaskState::Succeeded } else { SubtaskState::Waiting };
                Subtask::new(
                    SubtaskKind::Api,
                    state,
                    SubtaskText { method: "GET", path: "/x", ..SubtaskText::default() },
                )
            })
            .collect();
        Task::new(task_ref.clone(), TaskKind::Import, TaskState::Running, "Running").with_subtasks(subtasks)
    }

    #[test]
    fn the_rate_a_curve_asks_for_is_one_over_its_gap() {
        let now = Instant::now();
        let forecasts = [
            Forecast::Unknown,
            Forecast::Left { left: 3 },
            Forecast::Left { left: 400 },
            Forecast::Window { lo: now + secs(7.5), hi: now + secs(30.0) },
            Forecast::Window { lo: now - secs(1.0), hi: now + secs(4.0) },
            Forecast::Quiet { since: now - secs(90.0) },
        ];
        for forecast in forecasts {
            let curve = GapCurve::new(forecast, now, GAPS);
            for scale in [0.05, 0.3, 1.0, 1.7, 6.0, 20.0] {
                let by_duration = 1.0 / curve.at(scale).as_secs_f64();
                let rate = curve.rate_at(scale);
                assert!(
                    (rate - by_duration).abs() <= by_duration * 1e-6,
                    "{forecast:?} at {scale}: {rate} against {by_duration}"
                );
            }
        }
    }

    #[test]
    fn a_steady_task_gets_a_finish_window_and_polls_close_in_on_it() {
        let t0 = Instant::now();
        let r = aliyun();
        let mut outlook = Outlook::new(&r);
        assert_eq!(outlook.forecast(t0, t0, None), Forecast::Unknown);
        assert_eq!(outlook.observe(t0, t0, &progress(&r, 100, 0)), Change::First);
        assert_eq!(outlook.observe(t0, t0 + secs(5.0), &progress(&r, 100, 10)), Change::Progress);
        // 10 done in 5 s: 90 left at 2/s, 45 s from now, give or take 47 % (a tenth done: the
        // start of the task went unseen, so the rate is rough).
        let now = t0 + secs(5.0);
        let Forecast::Window { lo, hi } = outlook.forecast(t0, now, None) else { panic!("a window") };
        assert_eq!((lo - now, hi - now), (secs(23.85), secs(66.15)));
        // Halfway to the window, then a quarter of its width inside, then backing off past it.
        assert_eq!(next_gap(Forecast::Window { lo, hi }, now, GAPS), secs(23.85 / 2.0));
        assert_eq!(next_gap(Forecast::Window { lo, hi }, lo, GAPS), GAPS.asked, "a wide window: the asked interval");
        let narrow = Forecast::Window { lo: now, hi: now + secs(2.0) };
        assert_eq!(next_gap(narrow, now + secs(1.0), GAPS), GAPS.min, "about to finish: the shortest gap");
        assert_eq!(next_gap(narrow, now + secs(42.0), GAPS), secs(20.0), "40 s overdue: every 20 s");
    }

    #[test]
    fn a_task_that_stops_moving_is_quiet_and_asked_less_and_less_often() {
        let t0 = Instant::now();
        let r = aliyun();
        let mut outlook = Outlook::new(&r);
        outlook.observe(t0, t0, &progress(&r, 100, 0));
        outlook.observe(t0, t0 + secs(2.0), &progress(&r, 100, 20));
        for s in 3..40 {
            outlook.observe(t0, t0 + secs(f64::from(s)), &progress(&r, 100, 20));
        }
        let now = t0 + secs(40.0);
        let forecast = outlook.forecast(t0, now, None);
        assert_eq!(forecast, Forecast::Quiet { since: t0 + secs(2.0) });
        assert_eq!(next_gap(forecast, now, GAPS), secs(7.6), "a fifth of 38 s of quiet");
        assert_eq!(next_gap(forecast, now + secs(600.0), GAPS), GAPS.max, "never longer than the maximum");
        // It moves again: news, and the rate from before the stall is forgotten.
        assert_eq!(outlook.observe(t0, now, &progress(&r, 100, 30)), Change::State);
        assert_eq!(outlook.forecast(t0, now, None), Forecast::Left { left: 70 }, "no rate: only its size");
        outlook.observe(t0, now + secs(5.0), &progress(&r, 100, 40));
        let Forecast::Window { lo, hi } = outlook.forecast(t0, now + secs(5.0), None) else { panic!("a window") };
        // 60 left at 2/s from the new rate: 30 s after the last change, ±38 % (40 % done).
        assert_eq!((lo - now, hi - now), (secs(5.0 + 30.0 - 11.4), secs(5.0 + 30.0 + 11.4)));
    }

    #[test]
    fn a_task_one_burst_from_done_is_expected_at_the_next_answer() {
        // Bursts of 30 subtasks, one every 20 s: the rate says 1.5 a second, but each burst
        // lands between two answers.
        let (r, t0) = (aliyun(), Instant::now());
        let mut outlook = Outlook::new(&r);
        outlook.observe(t0, t0, &progress(&r, 120, 0));
        for (burst, done) in [(1.0, 30), (2.0, 60)] {
            let at = t0 + secs(20.0 * burst);
            outlook.observe(t0, at, &progress(&r, 120, done));
            outlook.observe(t0, at + secs(8.0), &progress(&r, 120, done));
        }
        // 60 left, two bursts' worth: a window ahead, as the rate says.
        let now = t0 + secs(48.0);
        let Forecast::Window { lo, .. } = outlook.forecast(t0, now, None) else { panic!("a window") };
        assert!(lo > now + secs(10.0), "{:?}", lo - now);
        // 30 left, one burst: the next answer may say it finished.
        let now = t0 + secs(60.0);
        outlook.observe(t0, now, &progress(&r, 120, 90));
        let forecast = outlook.forecast(t0, now, None);
        let Forecast::Window { lo, hi } = forecast else { panic!("a window") };
        assert_eq!(lo, now, "open from the last change");
        assert!(hi > now + secs(15.0), "the rate's estimate still bounds it: {:?}", hi - now);
        assert_eq!(likely(forecast, now, GAPS), Likely::Near);
        assert_eq!(next_gap(forecast, now, GAPS), GAPS.asked, "a wide window: the asked interval");
    }

    #[test]
    fn with_no_rate_yet_a_task_with_less_left_is_asked_sooner() {
        let (r, t0) = (aliyun(), Instant::now());
        let small = {
            let mut outlook = Outlook::new(&r);
            outlook.observe(t0, t0, &progress(&r, 12, 2));
            outlook.forecast(t0, t0, None)
        };
        let large = {
            let mut outlook = Outlook::new(&r);
            outlook.observe(t0, t0, &progress(&r, 600, 30));
            outlook.forecast(t0, t0, None)
        };
        assert_eq!((small, large), (Forecast::Left { left: 10 }, Forecast::Left { left: 570 }));
        assert_eq!(likely(small, t0, GAPS), Likely::Unknown, "shares the budget with the unknown");
        // Square roots: 10 of 300 left is 0.18 asked intervals, 570 of 300 is 1.38 of them.
        assert_eq!(next_gap(small, t0, GAPS), GAPS.min, "0.37 s, kept to the shortest gap");
        assert_eq!(next_gap(large, t0, GAPS).as_millis(), 2756);
        // Nothing listed at all (the count unknown): nothing to go by.
        let mut outlook = Outlook::new(&r);
        outlook.observe(t0, t0, &progress(&r, 0, 0));
        assert_eq!(outlook.forecast(t0, t0, None), Forecast::Unknown);
    }

    #[test]
    fn a_huawei_task_is_forecast_from_how_long_similar_tasks_took() {
        let t0 = Instant::now();
        let r = huawei();
        let running = Task::new(r.clone(), TaskKind::Import, TaskState::Running, "processing");
        let mut outlook = Outlook::new(&r);
        outlook.observe(t0, t0, &running);
        let mut history = History::default();
        assert_eq!(outlook.forecast(t0, t0 + secs(1.0), Some(&history)), Forecast::Unknown, "nothing to go by yet");
        for length in [20.0, 30.0, 40.0, 50.0, 60.0] {
            history.record(secs(length));
        }
        // At 25 s only the lengths over 25 s still apply: 30 to 60 s.
        assert_eq!(
            outlook.forecast(t0, t0 + secs(25.0), Some(&history)),
            Forecast::Window { lo: t0 + secs(30.0), hi: t0 + secs(60.0) }
        );
        // Longer than most before: nothing to go by.
        assert_eq!(outlook.forecast(t0, t0 + secs(45.0), Some(&history)), Forecast::Unknown);
        assert_eq!(outlook.ran_for(t0 + secs(33.0)), Some(secs(33.0)));
    }
}
