//! A stand-in cloud for paused-clock tests of the whole schedule: tasks of mixed sizes and
//! speeds whose counts move with tokio's clock, some stalling for a while, some failing early,
//! some (Huawei) listing nothing until they end. Records every request and when the poller's
//! consumer first learnt that each task had finished.
//!
//! The simulator (`src/sim`) does the same over real HTTP for the benchmarks; this one runs in
//! virtual time, so a 15-minute timeline of 200 tasks takes a second and is the same every run.

#![allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "statistics over a few hundred tasks"
)]

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::super::*;
use crate::domain::{Counts, FetchError, Task, TaskKind, TaskRef, TaskState};

/// One simulated task: when it starts and ends, relative to the start of the run.
#[derive(Debug, Clone)]
pub(super) struct Plan {
    pub start: Duration,
    /// Running time, not counting the stall.
    pub length: Duration,
    pub total: u32,
    /// Progress stops at this share of the length for this long.
    pub stall: Option<(f64, Duration)>,
    pub fails: bool,
}

impl Plan {
    pub(super) fn finish(&self) -> Duration {
        self.start + self.length + self.stall.map_or(Duration::ZERO, |(_, d)| d)
    }

    /// Subtasks done `t` after the start of the run: in twelve batches, as real imports go.
    fn done_at(&self, t: Duration) -> u32 {
        let Some(mut ran) = t.checked_sub(self.start) else { return 0 };
        if let Some((at, pause)) = self.stall {
            let stall_at = self.length.mul_f64(at);
            if ran > stall_at {
                ran = stall_at.max(ran.saturating_sub(pause));
            }
        }
        let share = (ran.as_secs_f64() / self.length.as_secs_f64()).min(1.0);
        let batches = (share * 12.0).floor() as u32;
        self.total * batches / 12
    }
}

pub(super) struct Model {
    t0: Instant,
    pub plans: HashMap<TaskRef, Plan>,
    /// Every request: when it started and for which task.
    pub log: Mutex<Vec<(Instant, TaskRef)>>,
}

impl Model {
    /// `n` tasks, a fifth of them Huawei, from a fixed seed.
    pub(super) fn mixed(n: usize, seed: u64) -> Model {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut plans = HashMap::new();
        for i in 0..n {
            let huawei = i % 5 == 4;
            let task_ref: TaskRef = if huawei {
                format!("huawei://cn-north-4/p/i/t{i:04}").parse().unwrap()
            } else {
                format!("aliyun://cn-hangzhou/t{i:04}").parse().unwrap()
            };
            // As the simulator benchmark's scenario (benches/polling.rs): 10 to 600 operations,
            // as many small as large, at 0.4 to 1.2 s each (20 s to 4 min), starts spread over
            // 20 s; 5 % fail within seconds, 15 % stall once for 30 to 90 s.
            // Like the simulator, the queue is part of the planned duration: a task queued for
            // 15 s of its 20 runs its subtasks in the last 5.
            let total = (10.0 * 60f64.powf(rng.random_range(0.0..1.0))).round();
            let duration = (20.0 + total * rng.random_range(0.4..1.2)).clamp(20.0, 240.0).round();
            let start: f64 = rng.random_range(0.0..20.0f64).round();
            let length = (duration - start).max(0.5);
            let roll: f64 = rng.random();
            let fails = roll < 0.05;
            let stall =
                (0.05..0.2).contains(&roll).then(|| (rng.random_range(0.2..0.7), secs(rng.random_range(30.0..90.0))));
            let plan = Plan {
                start: secs(if fails { 1.0 } else { start }),
                length: secs(if fails { rng.random_range(5.0..12.0) } else { length }),
                total: total as u32,
                stall,
                fails,
            };
            plans.insert(task_ref, plan);
        }
        Model { t0: Instant::now(), plans, log: Mutex::new(Vec::new()) }
    }

    pub(super) fn refs(&self) -> Vec<TaskRef> {
        let mut refs: Vec<TaskRef> = self.plans.keys().cloned().collect();
        refs.sort();
        refs
    }

    pub(super) fn finish_of(&self, task_ref: &TaskRef) -> Instant {
        self.t0 + self.plans[task_ref].finish()
    }

    pub(super) fn requests(&self) -> Vec<(Instant, TaskRef)> {
        self.log.lock().unwrap().clone()
    }
}

impl Fetch for Model {
    async fn fetch(&self, task_ref: &TaskRef) -> Result<Task, FetchError> {
        self.log.lock().unwrap().push((Instant::now(), task_ref.clone()));
        tokio::time::sleep(Duration::from_millis(30)).await;
        let plan = &self.plans[task_ref];
        let t = Instant::now() - self.t0;
        let huawei = task_ref.provider() == crate::domain::ProviderKind::Huawei;
        let (state, raw) = if t >= plan.finish() {
            if plan.fails { (TaskState::Failed, "Failed") } else { (TaskState::Succeeded, "Finished") }
        } else if t < plan.start && huawei {
            (TaskState::Waiting, "waiting")
        } else {
            (TaskState::Running, "Running")
        };
        let mut task = Task::new(task_ref.clone(), TaskKind::Import, state, raw);
        if !huawei || state.is_finished() {
            let done = if state.is_finished() { plan.total } else { plan.done_at(t) };
            task.counts =
                Counts { total: plan.total, succeeded: done, waiting: plan.total - done, ..Counts::default() };
        }
        Ok(task)
    }
}

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

/// What one run of a model under one poller config showed.
pub(super) struct Run {
    /// Per task, from its finish to the consumer's first finished answer (`None`: never).
    pub detection: HashMap<TaskRef, Option<Duration>>,
    pub requests: Vec<(Instant, TaskRef)>,
    /// Every answer: when it arrived and what it promised.
    pub answers: Vec<(Instant, TaskRef, Option<Duration>)>,
}

impl Run {
    pub(super) fn detections(&self) -> Vec<Duration> {
        let mut all: Vec<Duration> = self.detection.values().map(|d| d.unwrap_or(Duration::MAX)).collect();
        all.sort();
        all
    }

    pub(super) fn percentile(&self, p: f64) -> Duration {
        let all = self.detections();
        let i = ((all.len() - 1) as f64 * p).round() as usize;
        all[i]
    }
}

/// Watches every task of `model` the way `wait` does (a task is unwatched once its finished
/// answer is in) until all are known finished or `limit` passes.
pub(super) async fn run_like_wait(model: Arc<Model>, config: PollerConfig, limit: Duration) -> Run {
    let (tx, mut rx) = mpsc::channel(64);
    let handle = spawn(Arc::clone(&model), config, 11, tx);
    let refs = model.refs();
    for task_ref in &refs {
        handle.commands().send(PollCmd::Watch(task_ref.clone())).await.unwrap();
    }
    let mut detection: HashMap<TaskRef, Option<Duration>> = refs.iter().map(|r| (r.clone(), None)).collect();
    let mut answers = Vec::new();
    let mut pending = refs.len();
    let deadline = Instant::now() + limit;
    while pending > 0 {
        let Ok(Some(polled)) = tokio::time::timeout_at(deadline, rx.recv()).await else { break };
        let now = Instant::now();
        answers.push((now, polled.task_ref.clone(), polled.next_poll_in));
        if polled.result.as_ref().is_ok_and(|task| task.is_finished()) {
            let finish = model.finish_of(&polled.task_ref);
            detection.insert(polled.task_ref.clone(), Some(now.saturating_duration_since(finish)));
            pending -= 1;
            handle.commands().send(PollCmd::Unwatch(polled.task_ref.clone())).await.unwrap();
        }
    }
    drop(handle);
    Run { detection, requests: model.requests(), answers }
}

/// Picks the tasks of one kind.
type Pick = dyn Fn(&TaskRef, &Plan) -> bool;

impl Run {
    /// Median and p90 detection and requests per kind of task, for diagnosing a schedule.
    pub(super) fn summary(&self, model: &Model) -> String {
        let mut out = String::new();
        let kinds: [(&str, &Pick); 5] = [
            ("aliyun steady", &|r, p| {
                r.provider() == crate::domain::ProviderKind::Aliyun && p.stall.is_none() && !p.fails
            }),
            ("aliyun stall", &|r, p| r.provider() == crate::domain::ProviderKind::Aliyun && p.stall.is_some()),
            ("fails early", &|_, p| p.fails),
            ("huawei", &|r, p| r.provider() == crate::domain::ProviderKind::Huawei && !p.fails),
            ("all", &|_, _| true),
        ];
        for (name, pick) in kinds {
            let mut d: Vec<f64> = self
                .detection
                .iter()
                .filter(|(r, _)| pick(r, &model.plans[*r]))
                .map(|(_, d)| d.map_or(f64::INFINITY, |d| d.as_secs_f64()))
                .collect();
            d.sort_by(f64::total_cmp);
            let reqs = self.requests.iter().filter(|(_, r)| pick(r, &model.plans[r])).count();
            if d.is_empty() {
                continue;
            }
            let at = |p: f64| d[((d.len() - 1) as f64 * p).round() as usize];
            let _ = writeln!(
                out,
                "{name}: n {} median {:.2} p90 {:.2} max {:.2} requests {reqs} ({:.1}/task)",
                d.len(),
                at(0.5),
                at(0.9),
                at(1.0),
                reqs as f64 / d.len() as f64
            );
        }
        out
    }
}
