//! Rate and ETA: how fast a task's subtasks complete, when it will probably finish, and a
//! completions-over-time series for a sparkline, from the counts of successive polls.
//!
//! Owns one task's bounded sample history and the rules below. Time always comes in as a value
//! (the poll's `at`, the UI tick's `now`); nothing here reads a clock.
//!
//! Rules (defaults in [`ProgressConfig`]):
//! - **History**: at most 120 samples and 10 minutes, newest last. A sample at the same instant
//!   as the last replaces it. A sample up to 1 s *older* than the last is taken as the same instant
//!   (clock jitter, NTP slew); a bigger step back means the clock was set back, and the history
//!   restarts, as it does when the counts restart (fewer subtasks done, or fewer in total, than
//!   before: the provider re-ran or reset the task). Either way the old samples no longer describe
//!   the same timeline, and an estimate from them would be invented.
//! - **Rate**: completions (subtasks reaching a terminal state) per minute between the oldest and
//!   the newest sample of the rate window (the last 3 minutes, stretched to the last 3 samples when
//!   polls are sparse). Measured across the window, not between the last two polls, so a poll
//!   that saw no change does not drop it to zero.
//! - **ETA**, in this order: [`Eta::Done`] once the task is finished (or every subtask is terminal);
//!   [`Eta::NoSubtaskProgress`] for providers that report no subtasks before the end (Huawei);
//!   [`Eta::NotEnoughData`] before any subtask is reported; [`Eta::Stalled`] when the counts have
//!   not changed for 2 minutes; [`Eta::NotEnoughData`] until the window holds ≥ 3 samples over
//!   ≥ 10 s with ≥ 1 completion; otherwise [`Eta::Estimate`] = remaining (waiting + running) ÷ rate,
//!   counted down from the newest sample to `now`.
//! - **Sparkline**: completions per 10 s bucket, 30 buckets ending with the one that holds `now`,
//!   aligned to the Unix epoch so bars do not shift between ticks. Completions seen between two
//!   polls are spread over the time between them (integer shares that add up exactly), because
//!   the provider does not say when inside that interval they happened.

use std::collections::VecDeque;
use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::domain::{Counts, ProviderKind, Task};

/// Whether a provider's task reports per-subtask progress while it runs
/// ([`crate::domain::ProviderFacts::lists_items_while_running`]).
pub fn reports_subtask_progress(provider: ProviderKind) -> bool {
    provider.facts().lists_items_while_running
}

/// The tunables of a [`ProgressTracker`]; [`Default`] holds the documented values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProgressConfig {
    pub max_samples: usize,
    pub max_age: Duration,
    pub rate_window: Duration,
    pub min_samples: usize,
    pub min_span: Duration,
    pub stall_after: Duration,
    /// How far back a sample may be and still count as the newest instant rather than a clock reset.
    pub clock_jitter: Duration,
    pub bucket: Duration,
    pub buckets: usize,
}

impl Default for ProgressConfig {
    fn default() -> Self {
        ProgressConfig {
            max_samples: 120,
            max_age: Duration::from_secs(600),
            rate_window: Duration::from_secs(180),
            min_samples: 3,
            min_span: Duration::from_secs(10),
            stall_after: Duration::from_secs(120),
            clock_jitter: Duration::from_secs(1),
            bucket: Duration::from_secs(10),
            buckets: 30,
        }
    }
}

/// Why there is no estimate yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotEnoughData {
    /// Nothing observed yet.
    NoSamples,
    /// The provider has not listed any subtask yet.
    NoSubtasksYet,
    TooFewSamples {
        have: usize,
        need: usize,
    },
    /// The samples cover too short a time to measure a rate.
    TooShort {
        span: Duration,
        need: Duration,
    },
    /// No subtask completed within the rate window.
    NoCompletions,
}

impl fmt::Display for NotEnoughData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NotEnoughData::NoSamples => f.write_str("no poll yet"),
            NotEnoughData::NoSubtasksYet => f.write_str("no subtasks reported yet"),
            NotEnoughData::TooFewSamples { have, need } => write!(f, "{have} of {need} polls needed"),
            NotEnoughData::TooShort { span, need } => {
                write!(f, "polls span {} s of the {} s needed", span.as_secs(), need.as_secs())
            }
            NotEnoughData::NoCompletions => f.write_str("no subtask completed recently"),
        }
    }
}

/// What can honestly be said about when a task will finish.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Eta {
    NotEnoughData {
        reason: NotEnoughData,
    },
    /// The provider reports no subtasks until the task ends (Huawei): no rate, no ETA.
    NoSubtaskProgress,
    Done,
    /// Nothing changed since `since` (the first poll that saw the current counts).
    Stalled {
        since: SystemTime,
    },
    Estimate {
        remaining: Duration,
        rate_per_min: f64,
    },
}

impl fmt::Display for Eta {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Eta::NotEnoughData { reason } => write!(f, "no estimate yet ({reason})"),
            Eta::NoSubtaskProgress => f.write_str("no per-subtask progress from this provider"),
            Eta::Done => f.write_str("done"),
            Eta::Estimate { remaining, .. } if remaining.as_secs() == 0 => f.write_str("finishing any moment"),
            Eta::Stalled { .. } => f.write_str("stalled"),
            Eta::Estimate { remaining, rate_per_min } => {
                write!(f, "~{} left at {rate_per_min:.1}/min", humantime::format_duration(round_secs(*remaining)))
            }
        }
    }
}

/// Whole seconds (at least 1) so a label reads `~3m 12s`, not nanoseconds.
fn round_secs(d: Duration) -> Duration {
    Duration::from_secs(d.as_secs().max(1) + u64::from(d.subsec_millis() >= 500))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Sample {
    at: SystemTime,
    counts: Counts,
}

/// One task's progress history. Feed it every successful poll; ask it for a rate, an ETA and a
/// sparkline series whenever the UI draws.
#[derive(Clone, Debug)]
pub struct ProgressTracker {
    config: ProgressConfig,
    per_subtask: bool,
    samples: VecDeque<Sample>,
    finished: bool,
    /// When the current counts were first seen.
    last_change: Option<SystemTime>,
}

impl ProgressTracker {
    /// A tracker for a task of `provider`, with the default rules.
    pub fn new(provider: ProviderKind) -> Self {
        ProgressTracker::with_config(provider, ProgressConfig::default())
    }

    pub fn with_config(provider: ProviderKind, config: ProgressConfig) -> Self {
        ProgressTracker {
            config,
            per_subtask: reports_subtask_progress(provider),
            samples: VecDeque::with_capacity(config.max_samples.min(128)),
            finished: false,
            last_change: None,
        }
    }

    /// Whether this task's provider reports progress per subtask (see [`reports_subtask_progress`]).
    pub fn reports_subtask_progress(&self) -> bool {
        self.per_subtask
    }

    /// Records a successful poll of the task: its counts and whether it is finished.
    pub fn observe_task(&mut self, at: SystemTime, task: &Task) {
        self.observe(at, task.counts);
        self.finished = task.is_finished();
    }

    /// Records the counts seen by a poll at `at`.
    pub fn observe(&mut self, at: SystemTime, counts: Counts) {
        let mut at = at;
        if let Some(last) = self.samples.back().copied() {
            let jitter = last.at.duration_since(at).is_ok_and(|back| back <= self.config.clock_jitter);
            let restarted = counts.done() < last.counts.done() || counts.total < last.counts.total;
            if at < last.at && jitter && !restarted {
                at = last.at;
            }
            if at < last.at || restarted {
                self.samples.clear();
                self.last_change = None;
            } else if at == last.at {
                self.samples.pop_back();
            }
            if counts != last.counts {
                self.last_change = None;
            }
        }
        self.last_change.get_or_insert(at);
        self.samples.push_back(Sample { at, counts });
        while self.samples.len() > self.config.max_samples.max(1) {
            self.samples.pop_front();
        }
        while self.samples.front().is_some_and(|s| at.duration_since(s.at).is_ok_and(|age| age > self.config.max_age)) {
            self.samples.pop_front();
        }
    }

    /// How many samples the history holds (bounded by the config).
    pub fn len(&self) -> usize {
        self.samples.len()
    }

    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    /// The counts of the newest sample.
    pub fn latest(&self) -> Option<Counts> {
        self.samples.back().map(|s| s.counts)
    }

    /// The samples of the rate window: the last `rate_window`, or the last `min_samples` if that is more.
    fn window(&self) -> impl ExactSizeIterator<Item = &Sample> {
        let newest = self.samples.back().map(|s| s.at);
        let in_window = self
            .samples
            .iter()
            .rev()
            .take_while(|s| {
                newest.and_then(|n| n.duration_since(s.at).ok()).is_some_and(|d| d <= self.config.rate_window)
            })
            .count();
        let keep = in_window.max(self.config.min_samples).min(self.samples.len());
        self.samples.iter().skip(self.samples.len() - keep)
    }

    /// (samples, time span, completions) of the rate window.
    fn window_stats(&self) -> (usize, Duration, u32) {
        let mut window = self.window();
        let n = window.len();
        let (Some(oldest), Some(newest)) = (window.next(), window.last()) else { return (n, Duration::ZERO, 0) };
        let span = newest.at.duration_since(oldest.at).unwrap_or_default();
        (n, span, newest.counts.done().saturating_sub(oldest.counts.done()))
    }

    /// Completions per minute over the rate window; `None` with fewer than two samples or no time between them.
    pub fn rate_per_min(&self) -> Option<f64> {
        if !self.per_subtask {
            return None;
        }
        let (n, span, completions) = self.window_stats();
        (n >= 2 && !span.is_zero()).then(|| f64::from(completions) * 60.0 / span.as_secs_f64())
    }

    /// The ETA as of `now` (the UI's tick time), following the rules in the module docs.
    pub fn eta(&self, now: SystemTime) -> Eta {
        let Some(newest) = self.samples.back() else {
            return if self.finished { Eta::Done } else { Eta::NotEnoughData { reason: NotEnoughData::NoSamples } };
        };
        let counts = newest.counts;
        let remaining = counts.waiting + counts.running;
        if self.finished || (counts.total > 0 && remaining == 0) {
            return Eta::Done;
        }
        if !self.per_subtask {
            return Eta::NoSubtaskProgress;
        }
        if counts.total == 0 {
            return Eta::NotEnoughData { reason: NotEnoughData::NoSubtasksYet };
        }
        let now = now.max(newest.at);
        let since = self.last_change.unwrap_or(newest.at);
        if now.duration_since(since).is_ok_and(|quiet| quiet >= self.config.stall_after) {
            return Eta::Stalled { since };
        }
        let (n, span, completions) = self.window_stats();
        let reason = if n < self.config.min_samples {
            Some(NotEnoughData::TooFewSamples { have: n, need: self.config.min_samples })
        } else if span < self.config.min_span {
            Some(NotEnoughData::TooShort { span, need: self.config.min_span })
        } else if completions == 0 {
            Some(NotEnoughData::NoCompletions)
        } else {
            None
        };
        if let Some(reason) = reason {
            return Eta::NotEnoughData { reason };
        }
        let per_sec = f64::from(completions) / span.as_secs_f64();
        let from_newest = Duration::try_from_secs_f64(f64::from(remaining) / per_sec).unwrap_or(Duration::MAX);
        let elapsed = now.duration_since(newest.at).unwrap_or_default();
        Eta::Estimate { remaining: from_newest.saturating_sub(elapsed), rate_per_min: per_sec * 60.0 }
    }

    /// Completions per bucket, oldest first, `config.buckets` long, the last bucket holding `now`.
    /// Ready for ratatui's `Sparkline::data`.
    pub fn sparkline(&self, now: SystemTime) -> Vec<u64> {
        let buckets = self.config.buckets;
        let mut series = vec![0u64; buckets];
        let width = self.config.bucket.as_millis().max(1);
        let Some(last) = buckets.checked_sub(1).and_then(|b| u128::try_from(b).ok()) else { return series };
        let end_bucket = millis(now) / width;
        let first_bucket = end_bucket.saturating_sub(last);
        let horizon = (end_bucket + 1) * width;
        for (a, b) in self.samples.iter().zip(self.samples.iter().skip(1)) {
            let delta = u128::from(b.counts.done().saturating_sub(a.counts.done()));
            let (t0, t1) = (millis(a.at), millis(b.at));
            if delta == 0 || t1 <= first_bucket * width || t0 >= horizon {
                continue;
            }
            // Completions reached by time x, assuming an even pace between the two polls.
            let reached = |x: u128| if t1 == t0 { delta } else { delta * (x.clamp(t0, t1) - t0) / (t1 - t0) };
            let from = (t0 / width).max(first_bucket);
            let to = (t1 / width).min(end_bucket);
            for k in from..=to {
                let share = if t1 == t0 {
                    if k == t1 / width { delta } else { 0 }
                } else {
                    reached((k + 1) * width) - reached(k * width)
                };
                if let Some(slot) = usize::try_from(k - first_bucket).ok().and_then(|i| series.get_mut(i)) {
                    *slot += u64::try_from(share).unwrap_or(u64::MAX);
                }
            }
        }
        series
    }
}

fn millis(at: SystemTime) -> u128 {
    at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::SubtaskText;
    use crate::domain::{SubtaskState, TaskKind, TaskRef, TaskState};
    use proptest::prelude::*;

    /// A fixed origin, aligned to a 10 s bucket, so tests read in seconds from it.
    fn t(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_700_000_000 + secs)
    }

    fn counts(total: u32, done: u32, running: u32) -> Counts {
        Counts { total, succeeded: done, running, waiting: total - done - running, ..Counts::default() }
    }

    fn aliyun() -> ProgressTracker {
        ProgressTracker::new(ProviderKind::Aliyun)
    }

    fn feed(tracker: &mut ProgressTracker, polls: &[(u64, u32)], total: u32) {
        for &(at, done) in polls {
            tracker.observe(t(at), counts(total, done, (total - done).min(5)));
        }
    }

    fn estimate(eta: Eta) -> (Duration, f64) {
        match eta {
            Eta::Estimate { remaining, rate_per_min } => (remaining, rate_per_min),
            other => panic!("expected an estimate, got {other:?}"),
        }
    }

    #[test]
    fn steady_progress_gives_rate_and_eta() {
        let mut tracker = aliyun();
        feed(&mut tracker, &[(0, 0), (5, 10), (10, 20)], 200);
        let (remaining, rate) = estimate(tracker.eta(t(10)));
        assert!((rate - 120.0).abs() < 1e-9, "{rate}");
        assert_eq!(remaining, Duration::from_secs(90), "180 left at 2/s");
        assert_eq!(tracker.rate_per_min(), Some(120.0));
        // The countdown continues between polls.
        assert_eq!(estimate(tracker.eta(t(40))).0, Duration::from_secs(60));
        assert_eq!(estimate(tracker.eta(t(100))).0, Duration::ZERO, "overdue counts down to zero, not below");
    }

    #[test]
    fn not_enough_data_until_three_samples_over_ten_seconds_with_a_completion() {
        let mut tracker = aliyun();
        assert_eq!(tracker.eta(t(0)), Eta::NotEnoughData { reason: NotEnoughData::NoSamples });
        tracker.observe(t(0), Counts::default());
        assert_eq!(tracker.eta(t(0)), Eta::NotEnoughData { reason: NotEnoughData::NoSubtasksYet });
        let mut tracker = aliyun();
        feed(&mut tracker, &[(0, 0), (2, 4)], 100);
        assert_eq!(tracker.eta(t(2)), Eta::NotEnoughData { reason: NotEnoughData::TooFewSamples { have: 2, need: 3 } });
        feed(&mut tracker, &[(4, 8)], 100);
        assert_eq!(
            tracker.eta(t(4)),
            Eta::NotEnoughData {
                reason: NotEnoughData::TooShort { span: Duration::from_secs(4), need: Duration::from_secs(10) }
            }
        );
        feed(&mut tracker, &[(12, 8)], 100);
        assert!(matches!(tracker.eta(t(12)), Eta::Estimate { .. }));
        let mut idle = aliyun();
        feed(&mut idle, &[(0, 0), (10, 0), (20, 0)], 100);
        assert_eq!(idle.eta(t(20)), Eta::NotEnoughData { reason: NotEnoughData::NoCompletions });
        assert_eq!(idle.eta(t(20)).to_string(), "no estimate yet (no subtask completed recently)");
    }

    #[test]
    fn bursty_progress_keeps_the_window_rate_through_quiet_polls() {
        let mut tracker = aliyun();
        // 30 completions every 30 s, polled every 5 s: most polls see no change.
        let polls: Vec<(u64, u32)> = (0..=24).map(|i| (i * 5, u32::try_from(i / 6 * 30).unwrap())).collect();
        feed(&mut tracker, &polls, 1000);
        let (_, rate) = estimate(tracker.eta(t(120)));
        assert!((rate - 60.0).abs() < 1e-9, "120 done over 120 s, got {rate}");
        // A quiet poll right after a burst does not collapse the rate.
        feed(&mut tracker, &[(125, 120)], 1000);
        let (_, rate) = estimate(tracker.eta(t(125)));
        assert!(rate > 50.0, "{rate}");
    }

    #[test]
    fn the_rate_window_forgets_old_pace() {
        let mut tracker = aliyun();
        // Fast for 5 minutes, then slow for 3 minutes: only the slow pace is in the window.
        let mut polls: Vec<(u64, u32)> = (0..=30).map(|i| (i * 10, u32::try_from(i * 100).unwrap())).collect();
        polls.extend((1..=18).map(|i| (300 + i * 10, 3000 + u32::try_from(i).unwrap())));
        feed(&mut tracker, &polls, 10_000);
        let (_, rate) = estimate(tracker.eta(t(480)));
        assert!((rate - 6.0).abs() < 1e-9, "1 per 10 s, got {rate}");
    }

    #[test]
    fn stalled_after_two_quiet_minutes_since_the_last_change() {
        let mut tracker = aliyun();
        feed(&mut tracker, &[(0, 0), (10, 5), (20, 10)], 100);
        feed(&mut tracker, &(3..=13).map(|i| (i * 10, 10)).collect::<Vec<_>>(), 100);
        assert!(matches!(tracker.eta(t(139)), Eta::Estimate { .. }), "{:?}", tracker.eta(t(139)));
        assert_eq!(tracker.eta(t(140)), Eta::Stalled { since: t(20) });
        // Time passing without polls counts too.
        let mut quiet = aliyun();
        feed(&mut quiet, &[(0, 0), (10, 5), (20, 10)], 100);
        assert_eq!(quiet.eta(t(200)), Eta::Stalled { since: t(20) });
        // Movement ends the stall.
        feed(&mut tracker, &[(150, 11)], 100);
        assert!(!matches!(tracker.eta(t(150)), Eta::Stalled { .. }));
    }

    #[test]
    fn restarted_counts_restart_the_history() {
        let mut tracker = aliyun();
        feed(&mut tracker, &[(0, 0), (10, 50), (20, 90)], 100);
        feed(&mut tracker, &[(30, 3)], 100);
        assert_eq!(tracker.len(), 1);
        assert_eq!(
            tracker.eta(t(30)),
            Eta::NotEnoughData { reason: NotEnoughData::TooFewSamples { have: 1, need: 3 } }
        );
        // Fewer subtasks in total is a restart too.
        feed(&mut tracker, &[(40, 5)], 100);
        tracker.observe(t(50), counts(80, 5, 1));
        assert_eq!(tracker.len(), 1);
        assert_eq!(tracker.sparkline(t(50)).iter().sum::<u64>(), 0, "no completions invented across a restart");
    }

    #[test]
    fn clock_going_backwards() {
        let mut tracker = aliyun();
        feed(&mut tracker, &[(0, 0), (10, 10), (20, 20)], 100);
        // Half a second back is jitter: the sample replaces the newest one.
        tracker.observe(t(20) - Duration::from_millis(500), counts(100, 21, 5));
        assert_eq!(tracker.len(), 3);
        assert_eq!(tracker.latest().map(|c| c.done()), Some(21));
        // An hour back is a clock reset: the old timeline is dropped.
        tracker.observe(t(20) - Duration::from_secs(3600), counts(100, 22, 5));
        assert_eq!(tracker.len(), 1);
        let reset_at = t(20) - Duration::from_secs(3600);
        assert_eq!(
            tracker.eta(reset_at),
            Eta::NotEnoughData { reason: NotEnoughData::TooFewSamples { have: 1, need: 3 } }
        );
        // A `now` behind the newest sample is read as the newest sample's time.
        let mut steady = aliyun();
        feed(&mut steady, &[(0, 0), (5, 10), (10, 20)], 200);
        assert_eq!(estimate(steady.eta(t(0))).0, Duration::from_secs(90));
    }

    #[test]
    fn a_task_that_finishes_is_done() {
        let mut tracker = aliyun();
        feed(&mut tracker, &[(0, 0), (10, 50)], 100);
        tracker.observe(t(20), Counts { total: 100, succeeded: 90, failed: 10, ..Counts::default() });
        assert_eq!(tracker.eta(t(20)), Eta::Done);
        // A finished task with no subtasks (an export) is done too, once the task says so.
        let task_ref: TaskRef = "aliyun://cn-hangzhou/abc".parse().unwrap();
        let export = Task::new(task_ref, TaskKind::Export, TaskState::Succeeded, "Finished");
        let mut tracker = aliyun();
        tracker.observe_task(t(0), &export);
        assert_eq!(tracker.eta(t(0)), Eta::Done);
    }

    #[test]
    fn huawei_says_it_has_no_subtask_progress_instead_of_guessing() {
        let task_ref: TaskRef = "huawei://cn-north-4/p/i/t".parse().unwrap();
        let mut tracker = ProgressTracker::new(ProviderKind::Huawei);
        let running = Task::new(task_ref.clone(), TaskKind::Import, TaskState::Running, "processing");
        for i in 0..10 {
            tracker.observe_task(t(i * 10), &running);
        }
        assert_eq!(tracker.eta(t(95)), Eta::NoSubtaskProgress);
        assert_eq!(tracker.eta(t(95)).to_string(), "no per-subtask progress from this provider");
        assert_eq!(tracker.rate_per_min(), None);
        assert!(!tracker.reports_subtask_progress());
        let sub = |state| {
            crate::domain::Subtask::new(
                crate::domain::SubtaskKind::Api,
                state,
                SubtaskText { method: "GET", path: "/a", ..SubtaskText::default() },
            )
        };
        let done = Task::new(task_ref, TaskKind::Import, TaskState::PartiallyFailed, "succeed")
            .with_subtasks(vec![sub(SubtaskState::Succeeded), sub(SubtaskState::Failed)]);
        tracker.observe_task(t(100), &done);
        assert_eq!(tracker.eta(t(100)), Eta::Done);
    }

    #[test]
    fn history_is_bounded_by_count_and_age() {
        let mut tracker = aliyun();
        for i in 0..1000u32 {
            tracker.observe(t(u64::from(i)), counts(10_000, i, 5));
        }
        assert_eq!(tracker.len(), 120);
        let mut slow = aliyun();
        for i in 0..100u32 {
            slow.observe(t(u64::from(i) * 30), counts(10_000, i, 5));
        }
        assert_eq!(slow.len(), 21, "10 minutes of 30 s polls, both ends included");
    }

    #[test]
    fn sparkline_buckets_completions_and_spreads_long_intervals() {
        let mut tracker = aliyun();
        feed(&mut tracker, &[(0, 0), (10, 7), (20, 7), (50, 37)], 1000);
        let series = tracker.sparkline(t(55));
        assert_eq!(series.len(), 30);
        // Buckets [0-10, 10-20, 20-30, 30-40, 40-50, 50-60]: the 30 seen over 20-50 s spread 10/10/10.
        assert_eq!(&series[24..], &[7, 0, 10, 10, 10, 0]);
        assert_eq!(series.iter().sum::<u64>(), 37);
        // Same bucket, later tick: identical bars (epoch-aligned buckets do not shift).
        assert_eq!(tracker.sparkline(t(59)), series);
        // A later tick scrolls them left.
        assert_eq!(&tracker.sparkline(t(65))[23..], &[7, 0, 10, 10, 10, 0, 0]);
    }

    #[test]
    fn sparkline_drops_what_is_off_screen_and_keeps_exact_sums() {
        let mut tracker = aliyun();
        feed(&mut tracker, &[(0, 0), (7, 10)], 1000);
        // 10 completions over 7 s across the 0-10 bucket only.
        assert_eq!(tracker.sparkline(t(9))[29], 10);
        feed(&mut tracker, &[(13, 13)], 1000);
        // 3 completions over 7-13 s: 1 (floor of 1.5) before the 10 s boundary, 2 after; the sum stays exact.
        let series = tracker.sparkline(t(13));
        assert_eq!(&series[28..], &[11, 2]);
        // Far in the future, everything has scrolled off.
        assert!(tracker.sparkline(t(10_000)).iter().all(|&v| v == 0));
        let empty =
            ProgressTracker::with_config(ProviderKind::Aliyun, ProgressConfig { buckets: 0, ..Default::default() });
        assert!(empty.sparkline(t(0)).is_empty());
    }

    #[test]
    fn estimates_read_well() {
        let eta = Eta::Estimate { remaining: Duration::from_millis(192_600), rate_per_min: 12.34 };
        assert_eq!(eta.to_string(), "~3m 13s left at 12.3/min");
        assert_eq!(
            Eta::NotEnoughData { reason: NotEnoughData::TooFewSamples { have: 1, need: 3 } }.to_string(),
            "no estimate yet (1 of 3 polls needed)"
        );
    }

    proptest! {
        #[test]
        fn any_poll_sequence_gives_sane_answers(polls in prop::collection::vec((0u64..2000, 0u32..500, 0u32..50), 0..80)) {
            let mut tracker = aliyun();
            for &(at, done, running) in &polls {
                let total = 500 + running;
                tracker.observe(t(at), Counts { total, succeeded: done, running, waiting: total - done - running, ..Counts::default() });
                prop_assert!(tracker.len() <= 120);
            }
            let now = t(2000);
            match tracker.eta(now) {
                Eta::Estimate { rate_per_min, .. } => prop_assert!(rate_per_min.is_finite() && rate_per_min > 0.0),
                Eta::Stalled { since } => prop_assert!(since <= now),
                _ => {}
            }
            let series = tracker.sparkline(now);
            prop_assert_eq!(series.len(), 30);
            let first = tracker.samples.front().map_or(0, |s| s.counts.done());
            let last = tracker.samples.back().map_or(0, |s| s.counts.done());
            prop_assert!(series.iter().sum::<u64>() <= u64::from(last.saturating_sub(first)));
        }
    }
}
