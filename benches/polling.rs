//! Polling figures of issue 21 (BENCHMARKS.md, "Detection" and "Cost per request"):
//!
//! - `detection [20] [200] [1000]`: the simulator with that many tasks of mixed sizes and speeds
//!   (a fifth on Huawei; some stall for a while, some fail early), watched to the end by
//!   `oaswatch wait` with the adaptive schedule, by `oaswatch wait` with the old round-robin
//!   schedule (`OASWATCH_POLL_POLICY=round-robin`), and by an SDK-style loop at the same
//!   request budget (one sequential loop per endpoint, 10 requests a second, round robin over the
//!   unfinished tasks). Per task, the time from its finish (the simulator's plan) to the first
//!   answer that said so (the simulator's record), and the requests each spent.
//! - `cost`: CPU per request of `oaswatch wait` polling 200 running tasks at 100 requests a
//!   second, beside two bare reqwest clients on the same runtime sending as many requests a
//!   second (no signing, parsing or scheduling): the polls themselves (signed once by oaswatch's
//!   clients, then sent again and again to a simulator of the same tasks), and exchanges the
//!   size of the polls' (headers and answers) with a loopback server that only sends bytes.
//!   Each client alone in turn, then all three at once.
//! - `status`: `oaswatch status` on one task against `oaswatch --version` (the process floor).
//!
//! `cargo bench --bench polling -- [detection] [cost] [status] [20] [200] [1000] [adaptive]
//! [round-robin] [sdk]` (all sections and watchers when none is named; sizes default to 20 and
//! 200, 1000 only when named). Everything talks to 127.0.0.1.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "bench code: fail loudly")]
#![allow(clippy::print_stdout, reason = "a bench binary reports on stdout")]
#![allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "durations and counts in reports"
)]

#[path = "support/fixtures.rs"]
mod support;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use oaswatch::domain::{ProviderKind, TaskRef};
use oaswatch::provider::Fetch;
use oaswatch::sim::{self, SimConfig, SimHandle, TaskRecord};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if support::run_as_bare_http_child(&args) {
        return;
    }
    let names: Vec<&str> = args.iter().skip(1).map(String::as_str).filter(|a| !a.starts_with('-')).collect();
    let sections: Vec<&str> = names.iter().copied().filter(|n| n.parse::<usize>().is_err()).collect();
    let mut sizes: Vec<usize> = names.iter().filter_map(|n| n.parse().ok()).collect();
    if sizes.is_empty() {
        sizes = vec![20, 200];
    }
    // Watchers to run in the detection section (all when none is named).
    let watchers: Vec<Watcher> =
        [("adaptive", Watcher::Adaptive), ("round-robin", Watcher::RoundRobin), ("sdk", Watcher::SdkLoop)]
            .into_iter()
            .filter(|(name, _)| sections.contains(name))
            .map(|(_, w)| w)
            .collect();
    let sections: Vec<&str> =
        sections.into_iter().filter(|s| !["adaptive", "round-robin", "sdk"].contains(s)).collect();
    let watchers =
        if watchers.is_empty() { vec![Watcher::Adaptive, Watcher::RoundRobin, Watcher::SdkLoop] } else { watchers };
    let want = |name: &str| sections.is_empty() || sections.contains(&name);
    let rt = oaswatch::cli::runtime().map_err(|f| f.message).unwrap();
    if want("detection") {
        rt.block_on(detection(&sizes, &watchers));
    }
    if want("cost") {
        rt.block_on(cost());
    }
    if want("status") {
        rt.block_on(status());
    }
}

// ---------------------------------------------------------------------------------------------
// The scenario: tasks of mixed sizes and speeds.

/// `n` imports from a fixed seed: a fifth on Huawei; sizes from 10 to 600 operations (as many
/// small ones as large) and running times from 20 s to 4 min (0.4 to 1.2 s per operation);
/// starts spread over the first 20 s; 15 % stall once for 30–90 s; 5 % fail early.
fn mixed_scenario(n: usize, seed: u64) -> String {
    let huge = include_str!("../assets/scenarios/huge.toml");
    let mut text = huge[..huge.find("[[tasks]]").unwrap()].replace("name = \"huge\"", "name = \"mixed\"");
    let mut rng = StdRng::seed_from_u64(seed);
    for i in 0..n {
        let huawei = i % 5 == 4;
        let operations = (10.0 * 60f64.powf(rng.random_range(0.0..1.0))).round() as usize;
        let pace: f64 = rng.random_range(0.4..1.2);
        let duration = (20.0 + operations as f64 * pace).clamp(20.0, 240.0).round();
        let queue: f64 = rng.random_range(0.0..20.0f64).round();
        let roll: f64 = rng.random();
        let mut behaviour = format!("duration_secs = {duration}, queue_secs = {queue}");
        let mut extra = String::new();
        let mut kind = "steady";
        if roll < 0.05 {
            kind = "fails-early";
            // Fails early: an Alibaba import whose every operation fails within seconds; a Huawei
            // import into a group that does not exist.
            if huawei {
                extra = "group = \"0000000000000000000000000000dead\"\nis_create_group = false\n".into();
            } else {
                behaviour = format!("duration_secs = {}, queue_secs = 1, internal_error_rate = 1.0", 5 + i % 8);
            }
        } else if roll < 0.20 {
            kind = "stalls";
            let at = (duration * rng.random_range(0.2..0.7)).round();
            let secs = rng.random_range(30.0..90.0f64).round();
            let _ = write!(behaviour, ", stall_at_secs = {at}, stall_secs = {secs}");
        }
        if huawei {
            let _ = write!(
                text,
                "\n[[tasks]]\nname = \"h{i:04}-{kind}\"\nprovider = \"huawei\"\n\
                 generate = {{ operations = {operations}, title = \"bench {i}\" }}\n{extra}behaviour = {{ {behaviour} }}\n"
            );
        } else {
            let _ = write!(
                text,
                "\n[[tasks]]\nname = \"a{i:04}-{kind}\"\nprovider = \"aliyun\"\ngenerate = {{ operations = {operations} }}\n\
                 group = \"5e1f0a2b3c4d5e6f708192a3b4c5d6e7\"\noverwrite = true\nbehaviour = {{ {behaviour} }}\n"
            );
        }
    }
    text
}

/// The binary under test: the one cargo built beside this bench, or `OASWATCH_BENCH_BIN` (a copy
/// of it, so that long detection runs keep measuring one build while the tree is rebuilt).
fn oaswatch_bin() -> String {
    std::env::var("OASWATCH_BENCH_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_oaswatch").to_owned())
}

fn sim_env(handle: &SimHandle) -> Vec<(String, String)> {
    handle.client_env().into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

/// A child process of a bench that is killed and reaped when dropped.
struct KilledOnDrop(std::process::Child);

impl Drop for KilledOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Private config and data directories for one run of the binary.
fn home(config: &str) -> (tempfile::TempDir, Vec<(String, String)>) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("config")).unwrap();
    std::fs::write(dir.path().join("config/config.toml"), config).unwrap();
    std::fs::create_dir_all(dir.path().join("home")).unwrap();
    let p = |s: &str| dir.path().join(s).display().to_string();
    let env = vec![
        ("OASWATCH_CONFIG_DIR".into(), p("config")),
        ("OASWATCH_DATA_DIR".into(), p("data")),
        ("HOME".into(), p("home")),
        ("PATH".into(), std::env::var("PATH").unwrap_or_default()),
    ];
    (dir, env)
}

/// CPU seconds (user + system) and wall seconds of a command run under GNU time.
struct Timed {
    wall: f64,
    cpu: f64,
    code: i32,
}

fn run_timed(args: &[String], env: &[(String, String)], dir: &std::path::Path) -> Timed {
    let report = dir.join("time.txt");
    let status = Command::new("/usr/bin/time")
        .arg("-f")
        .arg("%e %U %S")
        .arg("-o")
        .arg(&report)
        .arg(oaswatch_bin())
        .args(args)
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    let text = std::fs::read_to_string(&report).unwrap();
    let figures: Vec<f64> = text.lines().last().unwrap().split_whitespace().map(|f| f.parse().unwrap()).collect();
    Timed { wall: figures[0], cpu: figures[1] + figures[2], code: status.code().unwrap_or(-1) }
}

// ---------------------------------------------------------------------------------------------
// Detection.

/// Who watches the tasks.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Watcher {
    Adaptive,
    RoundRobin,
    SdkLoop,
}

impl Watcher {
    fn label(self) -> &'static str {
        match self {
            Watcher::Adaptive => "oaswatch `wait`, adaptive (this version)",
            Watcher::RoundRobin => "oaswatch `wait`, round robin (the schedule before)",
            Watcher::SdkLoop => "SDK-style loop, 10 requests/s per endpoint",
        }
    }
}

struct Outcome {
    /// Per task: seconds from its finish to the first answer that said so.
    detection: Vec<f64>,
    /// The same per kind of task (`aliyun steady`, `huawei stalls`, …).
    by_kind: std::collections::BTreeMap<String, Vec<f64>>,
    missed: usize,
    requests: u64,
    /// From the last task's finish to the watcher's exit.
    tail: f64,
    /// CPU of the watching process (oaswatch only).
    cpu: Option<f64>,
}

async fn detection(sizes: &[usize], watchers: &[Watcher]) {
    println!(
        "### Detection: from a task's finish to knowing (simulator, default budget of 10 requests/s per endpoint)\n"
    );
    println!(
        "| tasks | watcher | median | p90 | max | missed | requests | requests per task | last finish to exit | CPU per request |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    let mut summary = Vec::new();
    for &n in sizes {
        let mut row = HashMap::new();
        for &watcher in watchers {
            let outcome = watch_once(n, watcher).await;
            let mut d = outcome.detection.clone();
            d.sort_by(f64::total_cmp);
            let at = |p: f64| d.get(((d.len().max(1) - 1) as f64 * p).round() as usize).copied().unwrap_or(f64::NAN);
            let cpu = outcome.cpu.map_or_else(
                || "–".to_owned(),
                |cpu| format!("{:.3} ms", cpu * 1000.0 / outcome.requests.max(1) as f64),
            );
            println!(
                "| {n} | {} | **{:.2} s** | **{:.2} s** | {:.2} s | {} | {} | {:.1} | {:.1} s | {cpu} |",
                watcher.label(),
                at(0.5),
                at(0.9),
                at(1.0),
                outcome.missed,
                outcome.requests,
                outcome.requests as f64 / n as f64,
                outcome.tail,
            );
            row.insert(watcher as u8, (at(0.5), at(0.9), outcome.requests));
            let mut kinds = String::new();
            for (kind, mut d) in outcome.by_kind {
                d.sort_by(f64::total_cmp);
                let q = |p: f64| d[((d.len() - 1) as f64 * p).round() as usize];
                let _ = write!(kinds, "{kind}: {} tasks, median {:.2} p90 {:.2}; ", d.len(), q(0.5), q(0.9));
            }
            println!("<!-- {n} {}: {kinds}-->", watcher.label());
        }
        summary.push((n, row));
    }
    println!();
    for (n, row) in summary {
        if let (Some(a), Some(r)) = (row.get(&(Watcher::Adaptive as u8)), row.get(&(Watcher::RoundRobin as u8))) {
            println!(
                "<!-- detection {n}: adaptive median {:.2} p90 {:.2} requests {}; round robin median {:.2} p90 {:.2} requests {} -->",
                a.0, a.1, a.2, r.0, r.1, r.2
            );
        }
    }
    println!();
}

/// One watcher over a fresh simulator of `n` tasks (the same seed every time, so every watcher
/// faces the same timeline).
async fn watch_once(n: usize, watcher: Watcher) -> Outcome {
    let scenario = sim::scenario::parse(&mixed_scenario(n, 21), "mixed.toml", None).unwrap();
    let handle = sim::start(SimConfig { seed: 21, ..SimConfig::new(scenario) }).await.unwrap();
    let refs = handle.task_refs();
    let (cpu, ended) = match watcher {
        Watcher::Adaptive | Watcher::RoundRobin => {
            let (dir, mut env) = home("");
            env.extend(sim_env(&handle));
            if watcher == Watcher::RoundRobin {
                env.push(("OASWATCH_POLL_POLICY".into(), "round-robin".into()));
            }
            let mut args: Vec<String> = vec!["wait".into(), "--timeout".into(), "30m".into()];
            args.extend(refs.iter().map(ToString::to_string));
            let dir_path = dir.path().to_owned();
            let env2 = env.clone();
            let timed = tokio::task::spawn_blocking(move || run_timed(&args, &env2, &dir_path)).await.unwrap();
            assert!(timed.code == 0 || timed.code == 1, "wait exited {}", timed.code);
            let _ = timed.wall;
            (Some(timed.cpu), Instant::now())
        }
        Watcher::SdkLoop => {
            sdk_loop(&handle, &refs).await;
            (None, Instant::now())
        }
    };
    let records = handle.task_records();
    let stats = handle.stats();
    // Every task's figures, for a closer look: target/bench-report/detection-N-WATCHER.csv.
    let started = records.iter().map(|r| r.finished_at).min().unwrap();
    let mut csv = String::from("task,finished_s,detection_s,polls\n");
    for r in &records {
        let detection = r.told_finished.map_or(f64::NAN, |t| t.saturating_duration_since(r.finished_at).as_secs_f64());
        let _ = writeln!(
            csv,
            "{},{:.2},{detection:.3},{}",
            r.name,
            r.finished_at.duration_since(started).as_secs_f64(),
            r.polls
        );
    }
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-report");
    let _ = std::fs::create_dir_all(&dir);
    let name = format!("detection-{n}-{}.csv", ["adaptive", "round-robin", "sdk"][watcher as usize]);
    let _ = std::fs::write(dir.join(name), csv);
    handle.shutdown().await;
    summarise(
        &records,
        stats.requests_for("aliyun DescribeImportOASTask") + stats.requests_for("huawei GET async-tasks"),
        cpu,
        ended,
    )
}

fn summarise(records: &[TaskRecord], requests: u64, cpu: Option<f64>, ended: Instant) -> Outcome {
    let mut detection = Vec::new();
    let mut by_kind: std::collections::BTreeMap<String, Vec<f64>> = std::collections::BTreeMap::new();
    let mut missed = 0;
    for record in records {
        match record.told_finished {
            Some(told) => {
                let seconds = told.saturating_duration_since(record.finished_at).as_secs_f64();
                detection.push(seconds);
                let kind = record.name.split_once('-').map_or("steady", |(_, k)| k);
                by_kind.entry(format!("{} {kind}", record.task_ref.provider())).or_default().push(seconds);
            }
            None => missed += 1,
        }
    }
    let last_finish = records.iter().map(|r| r.finished_at).max().unwrap();
    Outcome {
        detection,
        by_kind,
        missed,
        requests,
        tail: ended.saturating_duration_since(last_finish).as_secs_f64(),
        cpu,
    }
}

/// What a user writes with an official SDK instead: per endpoint, one sequential loop that asks
/// about each unfinished task in turn, 10 requests a second (the same budget), until all have
/// finished. The same signed clients as oaswatch, so only the schedule differs.
async fn sdk_loop(handle: &SimHandle, refs: &[TaskRef]) {
    let clients = Arc::new(support::sim_clients(handle));
    let mut loops = Vec::new();
    for provider in ProviderKind::ALL {
        let mut pending: Vec<TaskRef> = refs.iter().filter(|r| r.provider() == provider).cloned().collect();
        let clients = Arc::clone(&clients);
        loops.push(tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(100));
            let mut i = 0;
            while !pending.is_empty() {
                tick.tick().await;
                i %= pending.len();
                match clients.fetch(&pending[i]).await {
                    Ok(task) if task.is_finished() => {
                        pending.remove(i);
                    }
                    _ => i += 1,
                }
            }
        }));
    }
    for l in loops {
        l.await.unwrap();
    }
}

// ---------------------------------------------------------------------------------------------
// Cost per request.

/// `n` Alibaba and Huawei imports that run for hours.
fn long_running(n: usize) -> String {
    let huge = include_str!("../assets/scenarios/huge.toml");
    let mut text = huge[..huge.find("[[tasks]]").unwrap()].replace("name = \"huge\"", "name = \"long\"");
    for i in 0..n {
        if i % 2 == 0 {
            let _ = write!(
                text,
                "\n[[tasks]]\nname = \"a{i}\"\nprovider = \"aliyun\"\ngenerate = {{ operations = 20 }}\n\
                 group = \"5e1f0a2b3c4d5e6f708192a3b4c5d6e7\"\noverwrite = true\nbehaviour = {{ duration_secs = 36000 }}\n"
            );
        } else {
            let _ = write!(
                text,
                "\n[[tasks]]\nname = \"h{i}\"\nprovider = \"huawei\"\n\
                 generate = {{ operations = 20, title = \"long {i}\" }}\nbehaviour = {{ duration_secs = 36000 }}\n"
            );
        }
    }
    text
}

/// CPU time of a live process so far, in seconds: each thread's time on a CPU in nanoseconds
/// (`/proc/PID/task/*/schedstat`), not the 10 ms ticks of `/proc/PID/stat`, which over a short
/// window of a process using a few percent of a core are a coarse count.
fn cpu_secs(pid: u32) -> f64 {
    let mut nanos = 0u64;
    for thread in std::fs::read_dir(format!("/proc/{pid}/task")).unwrap().flatten() {
        if let Ok(stat) = std::fs::read_to_string(thread.path().join("schedstat")) {
            nanos += stat.split(' ').next().and_then(|n| n.parse::<u64>().ok()).unwrap_or(0);
        }
    }
    nanos as f64 / 1e9
}

async fn cost() {
    // Replayed polls carry a nonce the simulator has seen: it is told to remember none.
    let text = long_running(200).replacen("[aliyun]\n", "[aliyun]\nnonce_window_secs = 0\n", 1);
    let scenario = sim::scenario::parse(&text, "long.toml", None).unwrap();
    // Two simulators of the same tasks (same scenario, same seed): one answers `wait`, the other
    // the bare client, so that each client's server does the same work and the request counts
    // stay apart.
    let handle = sim::start(SimConfig::new(scenario.clone())).await.unwrap();
    let replayed = sim::start(SimConfig::new(scenario)).await.unwrap();
    let (dir, mut env) = home("[poll]\nrequests_per_second = 50\ninterval = \"2s\"\n");
    env.extend(sim_env(&handle));
    let signed = dir.path().join("signed-polls.jsonl");
    support::write_signed_polls(&replayed, &signed).await;
    let (reference_url, same_sized_answered) = support::reference_server().await;
    // 200 tasks every 2 s ask for 100 requests a second; two endpoints of 50 allow it.
    let rate = 100.0;
    let start = |client: Client| -> KilledOnDrop {
        let mut command = match client {
            Client::Wait => {
                let mut wait = Command::new(oaswatch_bin());
                wait.args(["wait", "--timeout", "10m"])
                    .args(handle.task_refs().iter().map(ToString::to_string))
                    .env_clear()
                    .envs(env.iter().map(|(k, v)| (k, v)))
                    .stdout(Stdio::null())
                    .stderr(Stdio::null());
                wait
            }
            // The polls themselves, signed once by oaswatch's clients, then sent again and
            // again, unsigned and unparsed, to the second simulator.
            Client::SamePolls => bare(&signed.to_string_lossy(), rate, "replay"),
            // Exchanges of the same sizes with a server that only sends bytes.
            Client::SameSizes => bare(&reference_url, rate, "polls"),
        };
        KilledOnDrop(command.spawn().unwrap())
    };
    let polls = |h: &SimHandle| {
        let s = h.stats();
        s.requests_for("aliyun DescribeImportOASTask") + s.requests_for("huawei GET async-tasks")
    };
    let requests = |client: Client| match client {
        Client::Wait => polls(&handle),
        Client::SamePolls => polls(&replayed),
        Client::SameSizes => same_sized_answered.load(std::sync::atomic::Ordering::Relaxed),
    };
    let clients = [Client::Wait, Client::SamePolls, Client::SameSizes];

    // Each client alone, in turn: nothing else of the bench runs meanwhile but its own server,
    // so neither client's CPU time carries the other's (two cores shared by two clients and
    // their servers: the busier process loses more to the other's cache and core use).
    let mut alone: Vec<[(u64, f64); 3]> = Vec::new();
    for _ in 0..WINDOWS {
        let mut round = [(0, 0.0); 3];
        for (i, client) in clients.into_iter().enumerate() {
            let child = start(client);
            // Warm-up: every task's first answers, connections open.
            tokio::time::sleep(Duration::from_secs(10)).await;
            round[i] = measure(child.0.id(), || requests(client), ALONE).await;
        }
        alone.push(round);
    }
    // All three together over the same seconds: the machine's speed moves between minutes,
    // which moves all three alike within a window.
    let children = clients.map(start);
    tokio::time::sleep(Duration::from_secs(10)).await;
    let pids = children.each_ref().map(|child| child.0.id());
    let mut together: Vec<[(u64, f64); 3]> = Vec::new();
    for _ in 0..WINDOWS {
        let (requests0, cpu0) = (clients.map(requests), pids.map(cpu_secs));
        tokio::time::sleep(TOGETHER).await;
        let (requests1, cpu1) = (clients.map(requests), pids.map(cpu_secs));
        together.push(std::array::from_fn(|i| (requests1[i] - requests0[i], cpu1[i] - cpu0[i])));
    }
    drop(children);
    // Every replayed poll must have been answered as a poll: a refusal (a signature, a nonce)
    // would be a cheaper exchange than the one measured.
    let refusals = replayed.stats();
    assert_eq!(refusals.rejected_auth, 0, "the simulator refused replayed polls: {:?}", refusals.auth_errors);
    drop(dir);
    handle.shutdown().await;
    replayed.shutdown().await;

    print_cost(&alone, &together);
}

/// Prints `cost`'s tables: per round, each client's requests, CPU and wait's ratio to it.
fn print_cost(alone: &[[(u64, f64); 3]], together: &[[(u64, f64); 3]]) {
    let rows = [
        "`oaswatch wait` (signing, parsing, scheduling)",
        "reference: bare reqwest, the same polls (the same bytes to a simulator of its own, signed once, not parsed)",
        "reference: bare reqwest, exchanges of the same sizes (a server that only sends bytes)",
    ];
    println!("### Cost per request (200 running tasks at 100 requests/s)\n");
    for (title, windows) in [
        (format!("Each client alone, in turn ({WINDOWS} rounds of {} s each)", ALONE.as_secs()), alone),
        (format!("All three at once ({WINDOWS} windows of {} s)", TOGETHER.as_secs()), together),
    ] {
        println!("{title}:\n");
        println!("| round | client | requests | CPU | CPU per request | wait's ratio to it |");
        println!("|---|---|---|---|---|---|");
        let per_request = |(requests, cpu): (u64, f64)| cpu * 1000.0 / requests.max(1) as f64;
        for (number, round) in windows.iter().enumerate() {
            for (i, row) in rows.iter().enumerate() {
                let (requests, cpu) = round[i];
                println!(
                    "| {} | {row} | {requests} | {cpu:.3} s | {:.3} ms | {:.2}x |",
                    number + 1,
                    per_request(round[i]),
                    per_request(round[0]) / per_request(round[i])
                );
            }
        }
        let median = |i: usize| {
            let mut ratios: Vec<f64> = windows.iter().map(|r| per_request(r[0]) / per_request(r[i])).collect();
            ratios.sort_by(f64::total_cmp);
            ratios[ratios.len() / 2]
        };
        println!(
            "\nMedian ratio of `wait` to the same polls: {:.2}x; to exchanges of the same sizes: {:.2}x.\n",
            median(1),
            median(2)
        );
    }
}

/// The clients `cost` measures.
#[derive(Clone, Copy)]
enum Client {
    Wait,
    SamePolls,
    SameSizes,
}

/// The bench binary run as a bare reqwest client (`support::bare_http_child`).
fn bare(url: &str, rate: f64, shape: &str) -> Command {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command.args([support::BARE_HTTP_CHILD, url, &rate.to_string(), "600", shape]);
    command
}

/// Requests sent and CPU seconds a process spent over `window`.
async fn measure(pid: u32, requests: impl Fn() -> u64, window: Duration) -> (u64, f64) {
    let (requests0, cpu0) = (requests(), cpu_secs(pid));
    tokio::time::sleep(window).await;
    (requests() - requests0, cpu_secs(pid) - cpu0)
}

/// How long each client is measured alone, per round.
const ALONE: Duration = Duration::from_secs(20);

/// How long each window of the three clients together lasts.
const TOGETHER: Duration = Duration::from_secs(20);

/// How many windows `cost` measures.
const WINDOWS: usize = 3;

// ---------------------------------------------------------------------------------------------
// `status` against the process floor.

async fn status() {
    let scenario = sim::scenario::parse(&long_running(2), "long.toml", None).unwrap();
    let handle = sim::start(SimConfig::new(scenario)).await.unwrap();
    let (dir, mut env) = home("");
    env.extend(sim_env(&handle));
    let task = handle.task_refs()[0].to_string();
    let runs = 41;
    let (mut version, mut status) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        for (args, into) in [(vec!["--version"], &mut version), (vec!["status", task.as_str()], &mut status)] {
            let t = Instant::now();
            let out = Command::new(oaswatch_bin())
                .args(&args)
                .env_clear()
                .envs(env.iter().map(|(k, v)| (k, v)))
                .output()
                .unwrap();
            assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
            into.push(t.elapsed());
        }
    }
    drop(dir);
    handle.shutdown().await;
    version.sort();
    status.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let (v, s) = (version[runs / 2], status[runs / 2]);
    println!(
        "### `status` on one task against the process floor ({runs} runs each, alternating, simulator over http)\n"
    );
    println!("| command | min | median | ratio to `--version` (median) |");
    println!("|---|---|---|---|");
    println!("| `oaswatch --version` | {:.2} ms | {:.2} ms | 1.00x |", ms(version[0]), ms(v));
    println!(
        "| `oaswatch status TASK` | {:.2} ms | **{:.2} ms** | **{:.2}x** |\n",
        ms(status[0]),
        ms(s),
        s.as_secs_f64() / v.as_secs_f64()
    );
}
