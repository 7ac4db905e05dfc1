//! `cargo bench --bench grouping`: how well and how fast failures are grouped.
//!
//! 1. Grouping accuracy (GA) on the eight Loghub-2k samples in `../shared/benchmarks/loghub`
//!    (skipped with a message when missing): each sample's lines become the failure messages of
//!    one simulated Alibaba import, and the release binary's `oaswatch report --format json`
//!    groups them; GA is scored from the report against the samples' `EventId`, beside the
//!    published Drain and Brain figures (tuned per dataset; oaswatch has one configuration).
//! 2. GA on every built-in scenario against the causes the simulator injected, consequences
//!    folded under their causes, in one go and poll by poll.
//! 3. Time to group 100,000 failures from scratch (target < 200 ms), and what a poll that adds
//!    k failures to N known ones costs.
//!
//! Prints Markdown (the section `scripts/bench.sh` pastes into BENCHMARKS.md).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "bench code: fail loudly, print the report"
)]

use std::process::Command;
use std::time::{Duration, Instant};

use oaswatch::analysis::accuracy::grouping_accuracy;
use oaswatch::analysis::{Grouper, group_failures, group_subtasks};
use oaswatch::domain::{ApiErrorRef, Subtask, SubtaskKind, SubtaskState, SubtaskText, Task};
use oaswatch::provider::{Clients, Fetch as _, HttpConfig};
use oaswatch::sim::{self, SimConfig, SimHandle, scenario, truth};
use serde_json::Value;

#[path = "../tests/it/loghub_support.rs"]
mod loghub_support;
use loghub_support::{Sample, loghub_samples, loghub_scenario};

/// Published GA on the same samples, in `loghub_support::SAMPLES` order (logparser benchmark
/// table; Brain, IEEE TSC 2023).
const DRAIN: [f64; 8] = [0.998, 0.948, 0.920, 0.963, 0.690, 0.787, 0.780, 0.765];
const BRAIN: [f64; 8] = [0.998, 0.949, 0.998, 0.986, 0.996, 0.942, 1.000, 1.000];

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

fn clients(handle: &SimHandle) -> Clients {
    use oaswatch::provider::{EndpointOverrides, discover};
    let base = reqwest::Url::parse(&handle.base_url()).unwrap();
    let config = HttpConfig {
        read_timeout: Duration::from_secs(3),
        total_timeout: Duration::from_secs(10),
        ..HttpConfig::default()
    };
    let env: std::collections::HashMap<&str, String> = handle.client_env().into_iter().collect();
    let mut overrides = EndpointOverrides::default();
    for provider in oaswatch::domain::ProviderKind::ALL {
        overrides.set(provider, base.clone());
    }
    Clients::build(&config, &overrides, discover(&|name| env.get(name).cloned(), None)).unwrap().0
}

async fn until_finished(clients: &Clients, task: &oaswatch::domain::TaskRef) -> Vec<Task> {
    let mut snapshots = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(180);
    while Instant::now() < deadline {
        if let Ok(t) = clients.fetch(task).await {
            let done = t.is_finished();
            snapshots.push(t);
            if done {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    snapshots
}

fn loghub_section(samples: &[Sample]) -> f64 {
    let scenario = loghub_scenario(samples);
    let rt = runtime();
    let handle = rt.block_on(sim::start(SimConfig { seed: 5, speed: 50.0, ..SimConfig::new(scenario) })).unwrap();
    let clients = clients(&handle);
    let config = tempfile::tempdir().unwrap();
    println!("### Loghub-2k: grouping accuracy of `oaswatch report --format json`\n");
    println!("| sample | oaswatch | Drain (tuned per dataset) | Brain (tuned per dataset) | groups / true |");
    println!("|---|---|---|---|---|");
    let mut sum = 0.0;
    for (k, (name, rows)) in samples.iter().enumerate() {
        let task = handle.task_ref(name).unwrap();
        rt.block_on(until_finished(&clients, &task));
        let out = Command::new(env!("CARGO_BIN_EXE_oaswatch"))
            .args(["report", &task.to_string(), "--format", "json"])
            .envs(handle.client_env())
            .env("OASWATCH_CONFIG_DIR", config.path())
            .env("OASWATCH_DATA_DIR", config.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        let failures: Vec<&Value> =
            report["failures"].as_array().unwrap().iter().filter(|f| f["kind"] == "api").collect();
        let predicted: Vec<u64> = failures.iter().map(|f| f["group"].as_u64().unwrap()).collect();
        let truth: Vec<&str> = rows.iter().map(|(_, e)| e.as_str()).collect();
        let ga = grouping_accuracy(&truth, &predicted);
        let mut distinct: Vec<&str> = truth.clone();
        distinct.sort_unstable();
        distinct.dedup();
        println!(
            "| {name} | **{ga:.3}** | {:.3} | {:.3} | {} / {} |",
            DRAIN[k],
            BRAIN[k],
            report["groups"].as_array().unwrap().len(),
            distinct.len()
        );
        sum += ga;
    }
    #[expect(clippy::cast_precision_loss, reason = "eight samples")]
    let mean = sum / samples.len() as f64;
    let avg = |v: &[f64]| v.iter().sum::<f64>() / 8.0;
    println!("| **mean** | **{mean:.3}** | {:.3} | {:.3} | |\n", avg(&DRAIN), avg(&BRAIN));
    rt.block_on(handle.shutdown());
    mean
}

fn scenario_section() -> f64 {
    println!("### Built-in scenarios: grouping accuracy against the simulator's injected causes\n");
    println!(
        "Consequences folded under their causes; \"poll by poll\" is the dashboard's engine fed every answer in turn.\n"
    );
    println!("| scenario / task | failed, cancelled | groups | GA (one go) | GA (poll by poll) |");
    println!("|---|---|---|---|---|");
    let rt = runtime();
    let mut worst: f64 = 1.0;
    for name in scenario::builtin_names() {
        let loaded = scenario::load(name).unwrap();
        let handle = rt.block_on(sim::start(SimConfig { seed: 7, speed: 200.0, ..SimConfig::new(loaded) })).unwrap();
        let clients = clients(&handle);
        for (task_name, task_ref) in handle.named_task_refs() {
            let snapshots = rt.block_on(until_finished(&clients, &task_ref));
            let Some(last) = snapshots.last() else { continue };
            let causes = handle.injected_causes(&task_ref).unwrap();
            if causes.iter().all(|c| c.rule == "route-exists-merged") {
                continue;
            }
            let groups = group_failures(last);
            let once = truth::accuracy(last, &groups, &causes).unwrap();
            let mut grouper = Grouper::new();
            let mut polled = Vec::new();
            for s in &snapshots {
                polled = grouper.group(&s.subtasks);
            }
            let poll = truth::accuracy(last, &polled, &causes).unwrap();
            worst = worst.min(once).min(poll);
            println!(
                "| {name} / {task_name} | {}, {} | {} | {once:.3} | {poll:.3} |",
                last.counts.failed,
                last.counts.cancelled,
                groups.len()
            );
        }
        rt.block_on(handle.shutdown());
    }
    println!();
    worst
}

fn failure(message: &str) -> Subtask {
    Subtask::new(
        SubtaskKind::Api,
        SubtaskState::Failed,
        SubtaskText { error: Some(ApiErrorRef::new("", message)), ..SubtaskText::default() },
    )
}

/// `n` failures: the samples' lines in turn, each with its own request id, so that no two
/// messages are equal and every one is masked and mined.
fn failures(lines: &[String], n: usize, from: usize) -> Vec<Subtask> {
    (from..from + n).map(|i| failure(&format!("{} (request {i:08x})", lines[i % lines.len()]))).collect()
}

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

fn timing_section(lines: &[String], source: &str) -> Duration {
    println!("### Speed (release build; medians of 7 runs from scratch, of 15 per poll)\n");
    println!("Messages: {source}, each with a request id of its own.\n");
    let all = failures(lines, 100_000, 0);
    let scratch = median(
        (0..7)
            .map(|_| {
                let start = Instant::now();
                std::hint::black_box(group_subtasks(&all));
                start.elapsed()
            })
            .collect(),
    );
    let groups = group_subtasks(&all).len();
    println!("| what | time |");
    println!("|---|---|");
    println!("| group 100,000 failures from scratch ({groups} groups) | **{:.1} ms** |", scratch.as_secs_f64() * 1e3);
    println!("\nA poll that adds k new failures to N known ones (`Grouper::group` on the whole answer):\n");
    println!("| N known | k new | poll | more than k = 0 |");
    println!("|---|---|---|---|");
    let mut slopes = Vec::new();
    for n in [10_000usize, 100_000] {
        let known = failures(lines, n, 0);
        let mut warm = Grouper::new();
        warm.group(&known);
        let mut at_k = Vec::new();
        for k in [0usize, 100, 1_000, 10_000] {
            let mut next = known.clone();
            next.extend(failures(lines, k, 1_000_000));
            let poll = median(
                (0..15)
                    .map(|_| {
                        let mut g = warm.clone();
                        let start = Instant::now();
                        std::hint::black_box(g.group(&next));
                        start.elapsed()
                    })
                    .collect(),
            );
            // The same answer again (k = 0) is the base every other poll is compared with.
            let same = at_k.first().map_or(poll, |(_, base, _)| *base);
            let more = if k == 0 {
                String::from("–")
            } else {
                format!("{:+.2} ms", (poll.as_secs_f64() - same.as_secs_f64()) * 1e3)
            };
            println!("| {n} | {k} | {:.2} ms | {more} |", poll.as_secs_f64() * 1e3);
            at_k.push((k, poll, same));
        }
        // The cost of one new failure: the slope from k = 1,000 to 10,000 (small k drown in noise).
        let (k1, p1, _) = at_k[2];
        let (k2, p2, same) = at_k[3];
        #[expect(clippy::cast_precision_loss, reason = "small counts")]
        let per_new = (p2.as_secs_f64() - p1.as_secs_f64()) * 1e6 / (k2 - k1) as f64;
        #[expect(clippy::cast_precision_loss, reason = "small counts")]
        let per_known = same.as_secs_f64() * 1e6 / n as f64;
        slopes.push((n, per_new, per_known));
    }
    println!();
    for (n, per_new, per_known) in slopes {
        println!(
            "- N = {n}: {per_new:.2} µs per new failure (masked and mined), {per_known:.3} µs per known one (a hash lookup)"
        );
    }
    println!(
        "\nA poll walks the whole answer to find what is new: the known failures' lookups are linear in N but \
         each costs a small fraction of a new failure; only the k new failures are masked and mined.\n"
    );
    scratch
}

/// `OASWATCH_GROUPING_PROFILE=group|normalise|breakdown`: only the 100,000-failure grouping (or
/// only its masking), many times, for `perf record`; `breakdown` prints where the time goes.
fn profile(mode: &str, samples: &[Sample]) {
    let lines: Vec<String> = samples.iter().flat_map(|(_, rows)| rows.iter().map(|(c, _)| c.clone())).collect();
    let all = failures(&lines, 100_000, 0);
    let normalise_all = || {
        let mut n = oaswatch::analysis::Normaliser::new();
        for s in &all {
            std::hint::black_box(n.normalise(&s.error_message(), s.name()).len());
        }
    };
    match mode {
        "normalise" => (0..20).for_each(|_| normalise_all()),
        "breakdown" => {
            let time = |what: &str, f: &dyn Fn()| {
                let start = Instant::now();
                for _ in 0..5 {
                    f();
                }
                eprintln!("{what}: {:.1} ms", start.elapsed().as_secs_f64() * 1e3 / 5.0);
            };
            let signatures: Vec<String> = {
                let mut n = oaswatch::analysis::Normaliser::new();
                all.iter().map(|s| n.normalise(&s.error_message(), s.name()).to_owned()).collect()
            };
            time("mask", &normalise_all);
            time("mine the masked messages", &|| {
                let mut miner = oaswatch::analysis::miner::Miner::new();
                for s in &signatures {
                    std::hint::black_box(miner.assign(0, s));
                }
            });
            time("group (all of it)", &|| {
                std::hint::black_box(group_subtasks(&all));
            });
        }
        _ => (0..10).for_each(|_| {
            std::hint::black_box(group_subtasks(&all));
        }),
    }
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else to parse.
    let samples = loghub_samples();
    if let Ok(mode) = std::env::var("OASWATCH_GROUPING_PROFILE") {
        profile(&mode, samples.as_deref().unwrap_or_default());
        return;
    }
    println!("<!-- grouping:figures -->\n");
    let mean = samples.as_deref().map(loghub_section);
    if mean.is_none() {
        println!("_Loghub samples not found beside the repository (../shared/benchmarks/loghub): skipped._\n");
    }
    let worst = scenario_section();
    let (lines, source): (Vec<String>, &str) = match &samples {
        Some(s) => {
            (s.iter().flat_map(|(_, rows)| rows.iter().map(|(c, _)| c.clone())).collect(), "the 16,000 Loghub lines")
        }
        None => (
            (0..50).map(|i| format!("Path /p{i}/x conflicts with existing API Name{i}")).collect(),
            "synthetic route conflicts",
        ),
    };
    let scratch = timing_section(&lines, source);
    let status = |ok: bool| if ok { "MET" } else { "**NOT MET**" };
    println!("### Targets\n");
    println!("| target | measured | status |");
    println!("|---|---|---|");
    match mean {
        Some(m) => {
            println!(
                "| mean GA over the eight Loghub samples ≥ 0.90 (stretch 0.98) | {m:.3} | {} |",
                status(m >= 0.90)
            );
        }
        None => println!("| mean GA over the eight Loghub samples ≥ 0.90 | not measured | – |"),
    }
    println!(
        "| every built-in scenario: GA 1.0 against injected causes | worst {worst:.3} | {} |",
        status((worst - 1.0).abs() < 1e-9)
    );
    println!(
        "| group 100,000 failures < 200 ms | {:.1} ms | {} |",
        scratch.as_secs_f64() * 1e3,
        status(scratch < Duration::from_millis(200))
    );
}
