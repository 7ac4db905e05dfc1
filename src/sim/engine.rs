//! The progress engine: a task's whole future is planned when it is created, and every answer is
//! a pure function of that plan and the simulated time since creation.
//!
//! That is what makes results independent of polling: however often or rarely a client asks,
//! the same seed gives the same timeline and the same end state. Subtasks move WAIT → RUNNING →
//! OVER/FAIL in batches; a transient internal error sends one back to WAIT for a while.

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use crate::domain::{ChangeAction, SubtaskKind};

/// What finally happens to a subtask.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Final {
    /// Imported: created, or updated over an existing API/model.
    Over(ChangeAction),
    /// Failed with a message (Alibaba: free text; Huawei: a code too).
    Fail { code: String, message: String },
    /// Not imported because something it depends on failed.
    Cancel { message: String },
    /// Left alone by the merge rules (Huawei `ignore`).
    Ignore,
    /// Never scheduled: stays `WAIT` after the task says `Finished` (Alibaba quirk 4).
    StuckWait,
}

/// When a subtask runs, in simulated seconds since the task was created.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Timeline {
    pub start: f64,
    pub end: f64,
    /// A transient failure: back to WAIT at `.0`, running again at `.1`.
    pub transient: Option<(f64, f64)>,
}

/// One API or model of an import.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Item {
    pub kind: SubtaskKind,
    pub id: String,
    pub name: String,
    pub method: String,
    pub path: String,
    pub description: String,
    pub group_id: String,
    pub outcome: Final,
    pub timeline: Timeline,
    /// Why it failed, was cancelled or skipped, for tests to check grouping against; never sent.
    pub cause: Option<Cause>,
}

/// The rule that failed an item: the ground truth of failure grouping.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Cause {
    /// The rule, e.g. `route-exists`, `model-exists`, `internal-error`, `dependency-failed`.
    pub rule: &'static str,
    /// For a dependency failure, the name of the model whose failure cancelled the item.
    pub because: Option<String>,
    /// The hostile sample appended to the message, if any (the text differs from the rule's).
    pub decoration: Option<&'static str>,
}

impl Cause {
    pub(crate) fn rule(rule: &'static str) -> Cause {
        Cause { rule, because: None, decoration: None }
    }
}

/// Where a subtask is at a given moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    Waiting { after_transient: bool },
    Running { after_transient: bool },
    Done { after_transient: bool },
}

impl Item {
    pub(crate) fn phase(&self, t: f64) -> Phase {
        if self.outcome == Final::StuckWait {
            return Phase::Waiting { after_transient: false };
        }
        let tl = self.timeline;
        let transient = tl.transient.filter(|(fail_at, _)| t >= *fail_at);
        let after_transient = transient.is_some() || (tl.transient.is_some() && t >= tl.end);
        if t >= tl.end {
            return Phase::Done { after_transient: tl.transient.is_some() };
        }
        if matches!(self.outcome, Final::Cancel { .. }) || t < tl.start {
            return Phase::Waiting { after_transient: false };
        }
        match transient {
            Some((_, resume_at)) if t < resume_at => Phase::Waiting { after_transient: true },
            _ => Phase::Running { after_transient },
        }
    }
}

/// Timing parameters of one task.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Timing {
    pub queue: f64,
    pub duration: f64,
    pub transient_rate: f64,
}

/// Default length of a task: 20 s plus a quarter second per subtask, at most 60 s.
pub(crate) fn default_duration(items: usize) -> f64 {
    #[expect(clippy::cast_precision_loss, reason = "item counts are far below 2^52")]
    let by_size = 20.0 + items as f64 * 0.25;
    by_size.min(60.0)
}

/// Spreads the items over `[queue, duration]` in about a dozen batches, in order, with jitter.
/// Returns when the task finishes (the last scheduled end, or `queue` when nothing runs).
pub(crate) fn schedule(items: &mut [Item], timing: Timing, seed: u64) -> f64 {
    let mut rng = StdRng::seed_from_u64(seed);
    let scheduled: Vec<usize> = (0..items.len()).filter(|&i| items[i].outcome != Final::StuckWait).collect();
    let n = scheduled.len();
    let queue = timing.queue.max(0.0);
    let duration = timing.duration.max(queue + 0.5);
    if n == 0 {
        return queue;
    }
    let batches = n.min(12);
    #[expect(clippy::cast_precision_loss, reason = "batch counts are tiny")]
    let slot = (duration - queue) / batches as f64;
    let mut finish = queue;
    for (position, &index) in scheduled.iter().enumerate() {
        let batch = position * batches / n;
        #[expect(clippy::cast_precision_loss, reason = "batch counts are tiny")]
        let batch_start = queue + batch as f64 * slot;
        // Every draw happens for every item, so one item's outcome never shifts another's timing.
        let start_jitter: f64 = rng.random_range(0.0..0.25);
        let length: f64 = rng.random_range(0.55..1.0);
        let transient_roll: f64 = rng.random();
        let start = batch_start + start_jitter * slot;
        let end = (batch_start + length * slot).max(start + 0.01);
        let item = &mut items[index];
        let transient = matches!(item.outcome, Final::Over(_)) && transient_roll < timing.transient_rate;
        item.timeline = Timeline {
            start,
            end,
            transient: transient.then_some((start + (end - start) * 0.3, start + (end - start) * 0.6)),
        };
        finish = finish.max(end);
    }
    finish
}

/// Stalls a planned task at `at` for `secs` (simulated seconds): everything planned from `at`
/// on happens `secs` later, so subtasks running at `at` stay running through the stall. Returns
/// the new end.
pub(crate) fn stall(items: &mut [Item], end: f64, at: f64, secs: f64) -> f64 {
    let later = |t: f64| if t >= at { t + secs } else { t };
    for item in items.iter_mut() {
        let tl = &mut item.timeline;
        tl.start = later(tl.start);
        tl.end = later(tl.end);
        tl.transient = tl.transient.map(|(fail, resume)| (later(fail), later(resume)));
    }
    later(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(outcome: Final) -> Item {
        Item {
            kind: SubtaskKind::Api,
            id: String::new(),
            name: String::new(),
            method: "GET".into(),
            path: "/".into(),
            description: String::new(),
            group_id: String::new(),
            cause: None,
            outcome,
            timeline: Timeline::default(),
        }
    }

    #[test]
    fn schedule_is_deterministic_ordered_and_bounded() {
        let timing = Timing { queue: 2.0, duration: 30.0, transient_rate: 0.5 };
        let mut a: Vec<Item> = (0..40).map(|_| item(Final::Over(ChangeAction::Create))).collect();
        let mut b = a.clone();
        let end_a = schedule(&mut a, timing, 9);
        let end_b = schedule(&mut b, timing, 9);
        assert_eq!(a, b);
        assert!((end_a - end_b).abs() < f64::EPSILON);
        assert!(end_a <= 30.0 && end_a > 2.0);
        for it in &a {
            assert!(it.timeline.start >= 2.0 && it.timeline.start < it.timeline.end);
        }
        assert!(a.iter().any(|it| it.timeline.transient.is_some()));
        assert!(a[0].timeline.start < a[39].timeline.start, "batches run in order");
    }

    #[test]
    fn phases_follow_the_timeline() {
        let mut it = item(Final::Over(ChangeAction::Create));
        it.timeline = Timeline { start: 1.0, end: 5.0, transient: Some((2.0, 3.0)) };
        assert_eq!(it.phase(0.5), Phase::Waiting { after_transient: false });
        assert_eq!(it.phase(1.5), Phase::Running { after_transient: false });
        assert_eq!(it.phase(2.5), Phase::Waiting { after_transient: true });
        assert_eq!(it.phase(3.5), Phase::Running { after_transient: true });
        assert_eq!(it.phase(5.0), Phase::Done { after_transient: true });

        let mut cancelled = item(Final::Cancel { message: "x".into() });
        cancelled.timeline = Timeline { start: 1.0, end: 5.0, transient: None };
        assert_eq!(cancelled.phase(3.0), Phase::Waiting { after_transient: false });
        assert_eq!(cancelled.phase(6.0), Phase::Done { after_transient: false });
        assert_eq!(item(Final::StuckWait).phase(1e9), Phase::Waiting { after_transient: false });
    }

    #[test]
    fn a_stall_holds_everything_planned_after_it() {
        let timing = Timing { queue: 0.0, duration: 24.0, transient_rate: 0.0 };
        let mut items: Vec<Item> = (0..12).map(|_| item(Final::Over(ChangeAction::Create))).collect();
        let end = schedule(&mut items, timing, 3);
        let before = items.clone();
        let stalled_end = stall(&mut items, end, 10.0, 30.0);
        assert!((stalled_end - (end + 30.0)).abs() < 1e-9);
        let done = |items: &[Item], t: f64| items.iter().filter(|i| matches!(i.phase(t), Phase::Done { .. })).count();
        assert_eq!(done(&items, 10.0), done(&before, 10.0));
        assert_eq!(done(&items, 39.9), done(&before, 10.0), "nothing finishes during the stall");
        assert_eq!(done(&items, 60.0), 12);
        for (a, b) in items.iter().zip(&before) {
            assert!(a.timeline.end >= b.timeline.end);
        }
    }

    #[test]
    fn stuck_items_are_not_scheduled() {
        let mut items = vec![item(Final::StuckWait), item(Final::Over(ChangeAction::Create))];
        let end = schedule(&mut items, Timing { queue: 0.0, duration: 10.0, transient_rate: 0.0 }, 1);
        assert_eq!(items[0].timeline, Timeline::default());
        assert!(end > 0.0);
        assert!((schedule(&mut [], Timing { queue: 3.0, duration: 10.0, transient_rate: 0.0 }, 1) - 3.0).abs() < 1e-9);
    }
}
