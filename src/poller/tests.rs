//! Scheduler timelines under tokio's paused clock: exact request times, no sleeping.
//!
//! The fetcher here is a scripted stand-in for the cloud (the poller is generic over `Fetch`
//! precisely so its timing can be checked without a network); the clients themselves are
//! tested against real HTTP elsewhere.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;

use super::*;
use crate::domain::{FetchError, FetchErrorKind, Task, TaskKind, TaskRef, TaskState};

mod model;

#[derive(Default)]
struct Scripted {
    /// Per task: answers to give in order; the last one repeats.
    answers: Mutex<HashMap<TaskRef, VecDeque<Result<Task, FetchError>>>>,
    /// Every request: when it started and for which task.
    log: Mutex<Vec<(Instant, TaskRef)>>,
    in_flight: Mutex<(usize, usize)>,
    latency: Duration,
    /// Per task, a latency that replaces `latency` (a request that hangs).
    slow: Mutex<HashMap<TaskRef, Duration>>,
    /// Requests that start in this window are throttled (1 s `Retry-After`).
    throttle_window: Mutex<Option<(Instant, Instant)>>,
}

impl Scripted {
    fn with_latency(latency: Duration) -> Self {
        Scripted { latency, ..Scripted::default() }
    }

    fn script(&self, task_ref: &TaskRef, answers: Vec<Result<Task, FetchError>>) {
        self.answers.lock().unwrap().insert(task_ref.clone(), answers.into());
    }

    fn requests_for(&self, task_ref: &TaskRef) -> Vec<Instant> {
        self.log.lock().unwrap().iter().filter(|(_, r)| r == task_ref).map(|(t, _)| *t).collect()
    }

    fn all_requests(&self) -> Vec<Instant> {
        self.log.lock().unwrap().iter().map(|(t, _)| *t).collect()
    }
}

impl Fetch for Scripted {
    async fn fetch(&self, task: &TaskRef) -> Result<Task, FetchError> {
        let started = Instant::now();
        self.log.lock().unwrap().push((started, task.clone()));
        let throttled = self.throttle_window.lock().unwrap().is_some_and(|(from, to)| started >= from && started < to);
        {
            let mut counts = self.in_flight.lock().unwrap();
            counts.0 += 1;
            counts.1 = counts.1.max(counts.0);
        }
        let latency = self.slow.lock().unwrap().get(task).copied().unwrap_or(self.latency);
        tokio::time::sleep(latency).await;
        self.in_flight.lock().unwrap().0 -= 1;
        if throttled {
            return error(FetchErrorKind::Throttled, Some(Duration::from_secs(1)));
        }
        let mut answers = self.answers.lock().unwrap();
        let queue = answers.entry(task.clone()).or_default();
        let answer = if queue.len() > 1 { queue.pop_front() } else { queue.front().cloned() };
        answer.unwrap_or_else(|| Ok(running(task)))
    }
}

fn aliyun(id: &str) -> TaskRef {
    format!("aliyun://cn-hangzhou/{id}").parse().unwrap()
}

fn huawei(id: &str) -> TaskRef {
    format!("huawei://cn-north-4/p/i/{id}").parse().unwrap()
}

fn running(task_ref: &TaskRef) -> Task {
    Task::new(task_ref.clone(), TaskKind::Import, TaskState::Running, "Running")
}

fn finished(task_ref: &TaskRef) -> Task {
    Task::new(task_ref.clone(), TaskKind::Import, TaskState::Succeeded, "Finished")
}

fn error(kind: FetchErrorKind, retry_after: Option<Duration>) -> Result<Task, FetchError> {
    Err(FetchError::new(kind, "x", "scripted").with_retry_after(retry_after))
}

/// Starts a poller over `fetcher`, watches `tasks`, and collects everything it sends.
async fn start(
    fetcher: &Arc<Scripted>,
    config: PollerConfig,
    tasks: &[TaskRef],
) -> (PollerHandle, Arc<Mutex<Vec<Polled>>>) {
    let (tx, mut rx) = mpsc::channel(16);
    let handle = spawn(Arc::clone(fetcher), config, 7, tx);
    for task in tasks {
        handle.commands().send(PollCmd::Watch(task.clone())).await.unwrap();
    }
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    tokio::spawn(async move {
        while let Some(polled) = rx.recv().await {
            sink.lock().unwrap().push(polled);
        }
    });
    (handle, seen)
}

fn gaps(times: &[Instant]) -> Vec<Duration> {
    times.windows(2).map(|w| w[1] - w[0]).collect()
}

#[tokio::test(start_paused = true)]
async fn running_task_is_polled_every_interval_then_confirmed_once_and_left_alone() {
    let fetcher = Arc::new(Scripted::default());
    let task = aliyun("t1");
    let mut answers: Vec<_> = (0..4).map(|_| Ok(running(&task))).collect();
    answers.push(Ok(finished(&task)));
    fetcher.script(&task, answers);
    let (_handle, seen) = start(&fetcher, PollerConfig::default(), std::slice::from_ref(&task)).await;

    tokio::time::sleep(Duration::from_secs(120)).await;

    let times = fetcher.requests_for(&task);
    assert_eq!(times.len(), 6, "4 running + 1 finished + 1 confirming poll, then nothing");
    for gap in gaps(&times) {
        assert!(gap >= Duration::from_millis(1700) && gap <= Duration::from_millis(2300), "{gap:?}");
    }
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 6);
    assert!(seen[..5].iter().all(|p| p.next_poll_in.is_some()));
    assert_eq!(seen[5].next_poll_in, None, "stops after the confirming poll");
}

#[tokio::test(start_paused = true)]
async fn server_errors_back_off_with_full_jitter_then_recover() {
    let fetcher = Arc::new(Scripted::default());
    let task = aliyun("t1");
    let mut answers: Vec<_> = (0..5).map(|_| error(FetchErrorKind::Server, None)).collect();
    answers.push(Ok(running(&task)));
    fetcher.script(&task, answers);
    let config = PollerConfig::default();
    let (_handle, seen) = start(&fetcher, config.clone(), std::slice::from_ref(&task)).await;

    tokio::time::sleep(Duration::from_secs(90)).await;

    let times = fetcher.requests_for(&task);
    assert!(times.len() > 6, "recovered and kept polling: {}", times.len());
    for (n, gap) in gaps(&times[..6]).iter().enumerate() {
        let cap = config.backoff_base.saturating_mul(1 << n).min(config.backoff_max);
        assert!(*gap <= cap, "retry {n}: {gap:?} > {cap:?}");
    }
    let seen = seen.lock().unwrap();
    assert!(seen[5].result.is_ok(), "the sixth answer is the recovery");
}

#[tokio::test(start_paused = true)]
async fn auth_and_not_found_stop_polling_until_a_refresh() {
    let fetcher = Arc::new(Scripted::default());
    let (denied, missing) = (aliyun("denied"), huawei("missing"));
    fetcher.script(&denied, vec![error(FetchErrorKind::Auth, None), Ok(running(&denied))]);
    fetcher.script(&missing, vec![error(FetchErrorKind::NotFound, None)]);
    let (handle, _seen) = start(&fetcher, PollerConfig::default(), &[denied.clone(), missing.clone()]).await;

    tokio::time::sleep(Duration::from_secs(300)).await;
    assert_eq!(fetcher.requests_for(&denied).len(), 1, "auth errors are never retried on their own");
    assert_eq!(fetcher.requests_for(&missing).len(), 1, "an unknown task is final");

    handle.commands().send(PollCmd::Refresh(Some(denied.clone()))).await.unwrap();
    tokio::time::sleep(Duration::from_secs(10)).await;
    assert!(fetcher.requests_for(&denied).len() >= 4, "refresh restarts a stopped task");
    assert_eq!(fetcher.requests_for(&missing).len(), 1);
}

#[tokio::test(start_paused = true)]
async fn throttling_pauses_every_task_of_the_endpoint_for_retry_after() {
    let fetcher = Arc::new(Scripted::default());
    let (a, b, other) = (aliyun("a"), aliyun("b"), huawei("h"));
    fetcher.script(&a, vec![error(FetchErrorKind::Throttled, Some(Duration::from_secs(7))), Ok(running(&a))]);
    let config = PollerConfig { interval: Duration::from_millis(500), jitter: 0.0, ..PollerConfig::default() };
    let start_at = Instant::now();
    let (_handle, _seen) = start(&fetcher, config, &[a.clone(), b.clone(), other.clone()]).await;

    tokio::time::sleep(Duration::from_secs(20)).await;

    let a_times = fetcher.requests_for(&a);
    assert!(a_times[1] - a_times[0] >= Duration::from_secs(7), "Retry-After honoured");
    // `b` shares the endpoint: its first poll came with `a`'s, the next only after the pause.
    let b_times = fetcher.requests_for(&b);
    let throttled_at = a_times[0];
    assert!(
        b_times.iter().all(|t| *t <= throttled_at || *t - throttled_at >= Duration::from_secs(7)),
        "no request to a throttled endpoint during the pause"
    );
    // The other endpoint kept its rhythm.
    let other_times = fetcher.requests_for(&other);
    assert!(other_times.iter().filter(|t| **t - start_at < Duration::from_secs(7)).count() >= 10);
}

#[tokio::test(start_paused = true)]
async fn the_endpoint_budget_holds_in_every_one_second_window() {
    let fetcher = Arc::new(Scripted::default());
    let tasks: Vec<_> = (0..500).map(|i| aliyun(&format!("t{i}"))).collect();
    let config = PollerConfig {
        interval: Duration::from_secs(5),
        requests_per_second: 10,
        max_in_flight: 8,
        ..PollerConfig::default()
    };
    let (_handle, _seen) = start(&fetcher, config, &tasks).await;

    tokio::time::sleep(Duration::from_secs(120)).await;

    let mut times = fetcher.all_requests();
    times.sort();
    assert!(times.len() >= 1000, "kept polling at the budget: {}", times.len());
    for (i, t) in times.iter().enumerate() {
        let in_window = times[i..].iter().take_while(|u| **u - *t < Duration::from_secs(1)).count();
        assert!(in_window <= 10, "{in_window} requests within 1 s starting at request {i}");
    }
}

/// 500 tasks on two endpoints under a 10 req/s budget each: requests go out as a steady stream
/// (no 100 ms holds more than twice the average), not as a burst whenever the window frees up,
/// and every task keeps being polled.
#[tokio::test(start_paused = true)]
async fn five_hundred_tasks_are_spread_evenly_under_the_budget() {
    let fetcher = Arc::new(Scripted::default());
    let tasks: Vec<_> =
        (0..500).map(|i| if i % 2 == 0 { aliyun(&format!("t{i}")) } else { huawei(&format!("t{i}")) }).collect();
    let config = PollerConfig {
        interval: Duration::from_secs(5),
        requests_per_second: 10,
        policy: Policy::RoundRobin,
        ..PollerConfig::default()
    };
    let (_handle, _seen) = start(&fetcher, config, &tasks).await;
    let begin = Instant::now();

    tokio::time::sleep(Duration::from_secs(300)).await;

    let mut times = fetcher.all_requests();
    times.sort();
    let span = times.last().unwrap().duration_since(times[0]).as_secs_f64();
    let average_per_100ms = f64::from(u32::try_from(times.len()).unwrap()) / (span * 10.0);
    let mut buckets: HashMap<u128, u32> = HashMap::new();
    for t in &times {
        *buckets.entry(t.duration_since(begin).as_millis() / 100).or_default() += 1;
    }
    let busiest = *buckets.values().max().unwrap();
    assert!((1.8..=2.05).contains(&average_per_100ms), "two endpoints at 10/s: {average_per_100ms}");
    assert!(f64::from(busiest) <= 2.0 * average_per_100ms, "{busiest} requests in one 100 ms bucket");
    for (i, t) in times.iter().enumerate() {
        let in_window = times[i..].iter().take_while(|u| **u - *t < Duration::from_secs(1)).count();
        assert!(in_window <= 20, "{in_window} requests within 1 s starting at request {i}");
    }
    for task in &tasks {
        assert!(fetcher.requests_for(task).len() >= 10, "{task} polled {} times", fetcher.requests_for(task).len());
    }
}

#[tokio::test(start_paused = true)]
async fn in_flight_requests_per_endpoint_are_capped() {
    let fetcher = Arc::new(Scripted::with_latency(Duration::from_secs(3)));
    let tasks: Vec<_> = (0..20).map(|i| aliyun(&format!("t{i}"))).collect();
    let config = PollerConfig { max_in_flight: 4, requests_per_second: 100, ..PollerConfig::default() };
    let (_handle, _seen) = start(&fetcher, config, &tasks).await;

    tokio::time::sleep(Duration::from_secs(30)).await;

    assert!(fetcher.all_requests().len() >= 20);
    assert_eq!(fetcher.in_flight.lock().unwrap().1, 4);
}

#[tokio::test(start_paused = true)]
async fn pause_stops_requests_and_resume_polls_each_task_once_not_a_burst() {
    let fetcher = Arc::new(Scripted::default());
    let tasks: Vec<_> = (0..5).map(|i| aliyun(&format!("t{i}"))).collect();
    let (handle, _seen) = start(&fetcher, PollerConfig::default(), &tasks).await;
    tokio::time::sleep(Duration::from_secs(3)).await;

    handle.commands().send(PollCmd::Pause(true)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(10)).await;
    let before = fetcher.all_requests().len();
    tokio::time::sleep(Duration::from_secs(600)).await;
    assert_eq!(fetcher.all_requests().len(), before, "nothing while paused");

    handle.commands().send(PollCmd::Pause(false)).await.unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(fetcher.all_requests().len(), before + 5, "one poll per task after a long pause");
}

#[tokio::test(start_paused = true)]
async fn unwatch_stops_and_a_late_answer_is_dropped() {
    let fetcher = Arc::new(Scripted::with_latency(Duration::from_secs(1)));
    let task = aliyun("t1");
    let (handle, seen) = start(&fetcher, PollerConfig::default(), std::slice::from_ref(&task)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    handle.commands().send(PollCmd::Unwatch(task.clone())).await.unwrap();
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert_eq!(fetcher.requests_for(&task).len(), 1);
    assert!(seen.lock().unwrap().is_empty(), "the in-flight answer of an unwatched task is dropped");
}

#[tokio::test(start_paused = true)]
async fn refresh_of_a_finished_task_fetches_once() {
    let fetcher = Arc::new(Scripted::default());
    let task = aliyun("t1");
    fetcher.script(&task, vec![Ok(finished(&task))]);
    let (handle, _seen) = start(&fetcher, PollerConfig::default(), std::slice::from_ref(&task)).await;
    tokio::time::sleep(Duration::from_secs(30)).await;
    assert_eq!(fetcher.requests_for(&task).len(), 2, "first sight + confirmation");
    handle.commands().send(PollCmd::Refresh(None)).await.unwrap();
    tokio::time::sleep(Duration::from_secs(30)).await;
    assert_eq!(fetcher.requests_for(&task).len(), 3);
}

#[tokio::test(start_paused = true)]
async fn a_throttled_endpoint_gets_one_probe_per_pause_and_everyone_resumes_when_it_passes() {
    let fetcher = Arc::new(Scripted::default());
    let tasks: Vec<_> = (0..3).map(|i| aliyun(&format!("t{i}"))).collect();
    let throttled = || error(FetchErrorKind::Throttled, Some(Duration::from_secs(7)));
    // Each task is throttled on its first two polls: the endpoint stays throttled for a while.
    for task in &tasks {
        fetcher.script(task, vec![throttled(), throttled(), Ok(running(task))]);
    }
    let config = PollerConfig { policy: Policy::RoundRobin, ..PollerConfig::default() };
    let (_handle, _seen) = start(&fetcher, config, &tasks).await;

    tokio::time::sleep(Duration::from_secs(60)).await;

    let mut times = fetcher.all_requests();
    times.sort();
    let t0 = times[0];
    let at: Vec<Duration> = times.iter().map(|t| *t - t0).collect();
    // Requests are paced 1/budget apart, so the first poll's throttled answer pauses the
    // endpoint before the second goes out. Then one probe per 7 s pause, round robin: each
    // task is throttled twice, and the seventh probe (t0's third answer) passes.
    let secs = |d: &Duration| d.as_secs();
    assert_eq!(at[..7].iter().map(secs).collect::<Vec<_>>(), vec![0, 7, 14, 21, 28, 35, 42], "{at:?}");
    // Everyone resumes as soon as a probe passes, not after a private backoff; at the rate the
    // throttling lowered (one a second by then), which calm raises a step every 5 s.
    assert!(at[7].checked_sub(at[6]).unwrap() <= Duration::from_millis(1100), "{at:?}");
    assert!(at[8].checked_sub(at[7]).unwrap() <= Duration::from_millis(1100), "{at:?}");
    for task in &tasks {
        let own = fetcher.requests_for(task);
        // Two throttled probes, then a share of the recovering budget over the 18 s left.
        assert!(own.len() >= 6, "{task} polled at its interval after: {}", own.len());
    }
}

#[tokio::test(start_paused = true)]
async fn a_hanging_request_does_not_hold_back_the_probe_that_ends_a_throttling_pause() {
    let fetcher = Arc::new(Scripted::default());
    let (hanging, throttled) = (aliyun("hanging"), aliyun("throttled"));
    fetcher.slow.lock().unwrap().insert(hanging.clone(), Duration::from_secs(10));
    fetcher.script(
        &throttled,
        vec![error(FetchErrorKind::Throttled, Some(Duration::from_secs(1))), Ok(running(&throttled))],
    );
    let (_handle, _seen) = start(&fetcher, PollerConfig::default(), &[hanging.clone(), throttled.clone()]).await;

    tokio::time::sleep(Duration::from_secs(5)).await;

    let first = fetcher.requests_for(&hanging)[0];
    let probes = fetcher.requests_for(&throttled);
    assert!(probes.len() >= 2, "the probe went out while the other request hung: {probes:?}");
    let waited = probes[1] - first;
    assert!(waited < Duration::from_secs(2), "probe {waited:?} after the hanging request began, not after its 10 s");
}

#[tokio::test(start_paused = true)]
async fn an_answer_for_a_task_unwatched_meanwhile_frees_its_endpoint_slot() {
    let fetcher = Arc::new(Scripted::with_latency(Duration::from_secs(3)));
    let config = PollerConfig { max_in_flight: 1, ..PollerConfig::default() };
    let (gone, stays) = (aliyun("gone"), aliyun("stays"));
    let (handle, _seen) = start(&fetcher, config, std::slice::from_ref(&gone)).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    handle.commands().send(PollCmd::Unwatch(gone.clone())).await.unwrap();
    handle.commands().send(PollCmd::Watch(stays.clone())).await.unwrap();
    tokio::time::sleep(Duration::from_secs(20)).await;
    assert!(fetcher.requests_for(&stays).len() >= 3, "the endpoint is not stuck at its in-flight cap");
}

#[tokio::test(start_paused = true)]
async fn refreshing_an_unwatched_task_fetches_it_once_and_watches_it_only_if_it_runs() {
    let fetcher = Arc::new(Scripted::default());
    let (done, moving) = (aliyun("done"), aliyun("moving"));
    fetcher.script(&done, vec![Ok(finished(&done))]);
    fetcher.script(&moving, vec![Ok(running(&moving))]);
    let (handle, _seen) = start(&fetcher, PollerConfig::default(), &[]).await;

    handle.commands().send(PollCmd::Refresh(Some(done.clone()))).await.unwrap();
    handle.commands().send(PollCmd::Refresh(Some(moving.clone()))).await.unwrap();
    tokio::time::sleep(Duration::from_secs(300)).await;
    assert_eq!(
        fetcher.requests_for(&done).len(),
        1,
        "a finished task reopened from its snapshot: one fetch, no confirming poll"
    );
    assert!(fetcher.requests_for(&moving).len() >= 10, "one that turns out to run is polled from then on");

    handle.commands().send(PollCmd::Refresh(Some(done.clone()))).await.unwrap();
    tokio::time::sleep(Duration::from_secs(300)).await;
    assert_eq!(fetcher.requests_for(&done).len(), 2, "each refresh is one more fetch");
}

// ---- the adaptive schedule over a whole run: a model of 200 tasks in virtual time ----

/// Every request of one endpoint, sorted.
fn endpoint_requests(requests: &[(Instant, TaskRef)], provider: crate::domain::ProviderKind) -> Vec<Instant> {
    let mut times: Vec<Instant> = requests.iter().filter(|(_, r)| r.provider() == provider).map(|(t, _)| *t).collect();
    times.sort();
    times
}

fn most_in_any_second(times: &[Instant]) -> usize {
    let mut most = 0;
    let mut first = 0;
    for (i, t) in times.iter().enumerate() {
        while *t - times[first] >= Duration::from_secs(1) {
            first += 1;
        }
        most = most.max(i - first + 1);
    }
    most
}

/// 200 tasks of mixed sizes and speeds (some stall, some fail early, a fifth on Huawei) under the
/// default budget: the adaptive schedule learns of finishes well before round robin does,
/// with fewer requests, and neither exceeds the budget in any second.
#[tokio::test(start_paused = true)]
async fn finishes_are_known_sooner_than_round_robin_with_fewer_requests() {
    let limit = Duration::from_secs(1800);
    let model_a = Arc::new(model::Model::mixed(200, 3));
    let adaptive = model::run_like_wait(Arc::clone(&model_a), PollerConfig::default(), limit).await;
    let round_robin = PollerConfig { policy: Policy::RoundRobin, ..PollerConfig::default() };
    let model_b = Arc::new(model::Model::mixed(200, 3));
    let old = model::run_like_wait(Arc::clone(&model_b), round_robin, limit).await;

    let (median, p90) = (adaptive.percentile(0.5), adaptive.percentile(0.9));
    let (old_median, old_p90) = (old.percentile(0.5), old.percentile(0.9));
    let report = format!("adaptive:\n{}round robin:\n{}", adaptive.summary(&model_a), old.summary(&model_b));
    assert!(adaptive.detection.values().all(Option::is_some), "every finish was seen\n{report}");
    // The targets (median 2.5 s, p90 6 s) are measured against the simulator over real
    // HTTP (`cargo bench --bench polling`, BENCHMARKS.md); here, in virtual time and on the same
    // mix, the schedule must beat round robin on both with fewer requests.
    assert!(median < old_median && p90 < old_p90, "not sooner than round robin\n{report}");
    assert!(adaptive.requests.len() <= old.requests.len(), "more requests than round robin\n{report}");
    for run in [&adaptive, &old] {
        for provider in crate::domain::ProviderKind::ALL {
            let most = most_in_any_second(&endpoint_requests(&run.requests, provider));
            assert!(most <= 10, "{most} requests to {provider} within one second");
        }
    }
}

/// Under the budget of the whole run, every 1 s window of each endpoint holds at most its
/// budget, every task is polled at least every maximum interval while it runs (quiet and
/// stalled ones included), and every answer's `next_poll_in` is kept.
#[tokio::test(start_paused = true)]
async fn the_budget_holds_in_every_second_no_task_starves_and_promises_are_kept() {
    let model = Arc::new(model::Model::mixed(300, 5));
    let config = PollerConfig { max_interval: Duration::from_secs(40), ..PollerConfig::default() };
    let run = model::run_like_wait(Arc::clone(&model), config, Duration::from_secs(1800)).await;

    for provider in crate::domain::ProviderKind::ALL {
        let most = most_in_any_second(&endpoint_requests(&run.requests, provider));
        assert!(most <= 10, "{most} requests to {provider} within one second");
    }
    // 240 Alibaba tasks at 10 requests a second: half the budget polls each every 48 s, the
    // longest gap there; 60 Huawei tasks: every 12 s, within the configured 40 s.
    for task_ref in model.refs() {
        let own: Vec<Instant> = run.requests.iter().filter(|(_, r)| *r == task_ref).map(|(t, _)| *t).collect();
        let longest = own.windows(2).map(|w| w[1] - w[0]).max().unwrap_or_default();
        let bound = if task_ref.provider() == crate::domain::ProviderKind::Aliyun { 48.0 } else { 12.0 };
        let times: Vec<String> = own.iter().map(|t| format!("{:.1}", (*t - own[0]).as_secs_f64())).collect();
        assert!(longest.as_secs_f64() <= bound + 1.0, "{task_ref}: {longest:?} between two polls: {times:?}");
    }
    let mut late = Vec::new();
    for (at, task_ref, next) in &run.answers {
        let Some(next) = next else { continue };
        let following = run.requests.iter().map(|(t, r)| (*t, r)).find(|(t, r)| *r == task_ref && *t > *at);
        if let Some((sent, _)) = following
            && sent > *at + *next + Duration::from_secs(2)
        {
            late.push((task_ref.clone(), *next, sent - *at));
        }
    }
    assert!(
        late.is_empty(),
        "{} polls more than 2 s after the time their answer promised: {:?}",
        late.len(),
        &late[..late.len().min(10)]
    );
}

/// With more tasks than the budget can poll at the asked interval, the selected task and the
/// rows on screen still are, and the share is reported as stretched.
#[tokio::test(start_paused = true)]
async fn the_selected_task_and_the_rows_on_screen_go_first() {
    let fetcher = Arc::new(Scripted::default());
    let tasks: Vec<_> = (0..200).map(|i| aliyun(&format!("t{i:03}"))).collect();
    let (handle, seen) = start(&fetcher, PollerConfig::default(), &tasks).await;
    tokio::time::sleep(Duration::from_secs(60)).await;
    let (selected, visible) = (tasks[150].clone(), tasks[100..108].to_vec());
    handle
        .commands()
        .send(PollCmd::Focus { selected: Some(selected.clone()), visible: visible.clone() })
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(10)).await;
    let from = Instant::now();
    tokio::time::sleep(Duration::from_secs(60)).await;

    let in_window = |r: &TaskRef| fetcher.requests_for(r).into_iter().filter(|t| *t >= from).collect::<Vec<_>>();
    for task_ref in std::iter::once(&selected).chain(&visible) {
        let times = in_window(task_ref);
        assert!(times[0] - from <= Duration::from_secs(3), "{task_ref} polled at once: {:?}", times[0] - from);
        for gap in gaps(&times) {
            // The asked 2 s, give or take the 15 % jitter and the budget's pacing.
            assert!(gap <= Duration::from_secs(3), "{task_ref}: {gap:?} between polls on screen");
        }
    }
    let off_screen = in_window(&tasks[0]).len();
    assert!(off_screen < in_window(&selected).len() / 3, "off screen: {off_screen} polls");
    // A channel's consumer may drop answers unread (the dashboard keeps the newest of a burst):
    // each answer carries the share.
    let seen = seen.lock().unwrap();
    assert!(seen.iter().all(|p| p.share.is_some()), "every answer carries the share");
    let share = seen.last().and_then(|p| p.share.clone()).unwrap();
    assert_eq!((share.tasks, share.ceiling), (200, 10));
    assert_eq!(share.every, Duration::from_secs(20), "200 tasks share 10 requests/s");
    assert!(share.is_stretched());
}

/// A throttling answer halves the endpoint's budget; calm raises it back step by step to the
/// configured ceiling, never above, and no second ever holds more than the budget of its time.
#[tokio::test(start_paused = true)]
async fn throttling_lowers_the_budget_and_calm_raises_it_back_to_the_ceiling() {
    let fetcher = Arc::new(Scripted::default());
    let tasks: Vec<_> = (0..100).map(|i| aliyun(&format!("t{i:03}"))).collect();
    // The cloud throttles every request from 20 s to 30 s, with a 1 s Retry-After.
    let throttled_at = Instant::now() + Duration::from_secs(20);
    *fetcher.throttle_window.lock().unwrap() = Some((throttled_at, throttled_at + Duration::from_secs(10)));
    let config = PollerConfig { policy: Policy::RoundRobin, ..PollerConfig::default() };
    let (_handle, seen) = start(&fetcher, config, &tasks).await;
    tokio::time::sleep(Duration::from_secs(200)).await;

    let rates: Vec<f64> = seen.lock().unwrap().iter().filter_map(|p| p.share.as_ref().map(|s| s.rate)).collect();
    let lowest = rates.iter().copied().fold(f64::MAX, f64::min);
    assert!(lowest <= 5.0, "the budget was lowered: {lowest}");
    assert!(rates.iter().all(|r| *r <= 10.0), "never above the ceiling");
    assert!((rates.last().unwrap() - 10.0).abs() < 1e-9, "back at the ceiling: {}", rates.last().unwrap());
    let times = {
        let mut t = fetcher.all_requests();
        t.sort();
        t
    };
    assert!(most_in_any_second(&times) <= 10);
    // While lowered, fewer requests went out than the ceiling allows: in the 10 s after the
    // throttling ended, well under 100.
    let after = throttled_at + Duration::from_secs(10);
    let lowered = times.iter().filter(|t| **t >= after && **t < after + Duration::from_secs(10)).count();
    assert!(lowered < 60, "{lowered} requests in the 10 s after the throttling");
}

/// An output that reads every answer in the poller's task, as `wait`'s does.
struct Reader(Arc<Mutex<Vec<Polled>>>);

impl super::Output for Reader {
    fn offer(&mut self, polled: Polled) -> super::Offered {
        self.0.lock().unwrap().push(polled);
        super::Offered::Taken(None)
    }
}

/// An output that reads every answer gets the endpoint's share only when it moves (its
/// unfinished tasks or its rate), not with every answer.
#[tokio::test(start_paused = true)]
async fn an_output_that_reads_every_answer_gets_the_share_only_when_it_moves() {
    let fetcher = Arc::new(Scripted::default());
    let tasks: Vec<_> = (0..40).map(|i| aliyun(&format!("t{i:02}"))).collect();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let handle = super::spawn_into(Arc::clone(&fetcher), PollerConfig::default(), 7, Reader(Arc::clone(&seen)));
    for task in &tasks {
        handle.commands().send(PollCmd::Watch(task.clone())).await.unwrap();
    }
    tokio::time::sleep(Duration::from_secs(30)).await;
    let seen = seen.lock().unwrap();
    let shares: Vec<&Share> = seen.iter().filter_map(|p| p.share.as_ref()).collect();
    assert!(seen.len() > 100, "{} answers", seen.len());
    // The first answers may come before every task is counted; after that, nothing moves.
    assert!(shares.len() <= 3, "shares for an endpoint whose tasks and rate did not move: {shares:?}");
    assert!(shares.windows(2).all(|pair| pair[0] != pair[1]), "a share that did not move came again: {shares:?}");
    let last = shares.last().unwrap();
    assert_eq!((last.tasks, last.ceiling), (40, 10));
}

/// `wait` asks which tasks were never sent: held back by the budget, not lost in the network.
#[tokio::test(start_paused = true)]
async fn tasks_held_back_by_the_budget_are_reported_unsent() {
    let fetcher = Arc::new(Scripted::with_latency(Duration::from_secs(5)));
    let tasks: Vec<_> = (0..20).map(|i| aliyun(&format!("t{i:02}"))).collect();
    let config = PollerConfig { requests_per_second: 1, ..PollerConfig::default() };
    let (handle, _seen) = start(&fetcher, config, &tasks).await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let unsent = handle.unsent(&tasks);
    assert_eq!(fetcher.all_requests().len(), 3);
    assert_eq!(unsent.len(), 17, "{unsent:?}");
    assert!(unsent.iter().all(|r| fetcher.requests_for(r).is_empty()));
}

#[test]
fn a_share_reads_like_a_sentence() {
    let share = Share::example;
    assert_eq!(share(200, 10.0, 20).to_string(), "200 tasks share 10 requests/s: each polled about every 20 s");
    assert!(share(200, 10.0, 20).is_stretched());
    assert!(!share(10, 10.0, 2).is_stretched(), "10 tasks at 10/s: every 2 s as asked");
    assert_eq!(
        share(20, 2.5, 8).to_string(),
        "20 tasks share 2.5 requests/s (lowered from 10 after throttling): each polled about every 8 s"
    );
    assert!(share(20, 2.5, 8).is_stretched(), "lowered: worth saying");
    let slow = share(1000, 1.0, 1000).to_string();
    assert!(slow.starts_with("1000 tasks share 1 request/s") && slow.ends_with("every 17 min"), "{slow}");
}

/// A reader that stops reading: answers wait in the scheduler, no new request goes out while
/// they do, commands are still obeyed, and every answer arrives in order once reading resumes.
#[tokio::test(start_paused = true)]
async fn a_consumer_that_stops_reading_holds_new_requests_back_without_losing_answers() {
    let fetcher = Arc::new(Scripted::with_latency(Duration::from_millis(50)));
    let tasks: Vec<TaskRef> = (0..20).map(|i| aliyun(&format!("t{i}"))).collect();
    let (tx, mut rx) = mpsc::channel(2);
    let handle = spawn(Arc::clone(&fetcher), PollerConfig::default(), 7, tx);
    for task in &tasks {
        handle.commands().send(PollCmd::Watch(task.clone())).await.unwrap();
    }
    // Nobody reads for a minute: two answers fill the channel, the answers already on their way
    // wait in the scheduler, and nothing more is sent.
    tokio::time::sleep(Duration::from_secs(60)).await;
    let sent_while_stuck = fetcher.all_requests().len();
    let cap = PollerConfig::default().max_in_flight;
    assert!(
        sent_while_stuck <= 2 + cap + 1,
        "{sent_while_stuck} requests with nobody reading (channel 2, {cap} in flight)"
    );
    // Commands still reach it: an unwatched task is never polled again.
    handle.commands().send(PollCmd::Unwatch(tasks[0].clone())).await.unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let polls_of_first = fetcher.requests_for(&tasks[0]).len();
    // Reading again: every answer held back arrives, and polling goes on for the others.
    let mut answers = Vec::new();
    let reading = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(polled) = rx.recv().await {
            answers.push(polled);
        }
    });
    let _ = reading.await;
    assert!(answers.len() >= sent_while_stuck, "{} answers for {sent_while_stuck} requests", answers.len());
    let answered: std::collections::HashSet<&TaskRef> = answers.iter().map(|p| &p.task_ref).collect();
    assert_eq!(answered.len(), tasks.len(), "every task answered once reading resumed");
    assert_eq!(fetcher.requests_for(&tasks[0]).len(), polls_of_first, "the unwatched task stays unpolled");
}
