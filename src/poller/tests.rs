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
use crate::domain::{TaskKind, TaskState};

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
        self.log.lock().unwrap().push((Instant::now(), task.clone()));
        {
            let mut counts = self.in_flight.lock().unwrap();
            counts.0 += 1;
            counts.1 = counts.1.max(counts.0);
        }
        let latency = self.slow.lock().unwrap().get(task).copied().unwrap_or(self.latency);
        tokio::time::sleep(latency).await;
        self.in_flight.lock().unwrap().0 -= 1;
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
    let config = PollerConfig { interval: Duration::from_secs(5), requests_per_second: 10, ..PollerConfig::default() };
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
    let (_handle, _seen) = start(&fetcher, PollerConfig::default(), &tasks).await;

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
    // Everyone resumes together as soon as a probe passes, not after a private backoff.
    assert_eq!(secs(&at[7]), 42, "{at:?}");
    assert_eq!(secs(&at[8]), 42, "{at:?}");
    for task in &tasks {
        let own = fetcher.requests_for(task);
        // Two throttled probes, then every 2 s ± 15 % over the 18 s left: at least 10.
        assert!(own.len() >= 10, "{task} polled at its interval after: {}", own.len());
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
