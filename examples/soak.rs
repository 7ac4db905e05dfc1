//! Soak test (RELIABILITY.md §6): the real dashboard in a pseudo-terminal for `SOAK_SECS`
//! against the simulator's `soak` scenario (120 long-running tasks and a fault mix repeating
//! every 120 s: 5xx bursts, throttling, answers slower than the read timeout, HTML pages),
//! pressing a key every few seconds, sampling the process as it goes.
//!
//! It reports RSS, open file descriptors, threads, live tokio tasks (from the dashboard's
//! debug "runtime census" log line) and the request rate the simulator sees, at the start and
//! at the end, and fails (exit 1) if the dashboard dies, does not quit cleanly or panicked.
//!
//! ```text
//! SOAK_SECS=600 SOAK_BIN=target/release/oaswatch cargo run --example soak
//! ```
//! `scripts/soak.sh` builds the release binary and runs this. Environment:
//! `SOAK_SECS` (default 600), `SOAK_SAMPLE_SECS` (default 30), `SOAK_KEY_SECS` (default 5),
//! `SOAK_BIN` (default target/release/oaswatch, else target/debug/oaswatch), `SOAK_OUT` (a file
//! to append the Markdown report to).

#![allow(clippy::print_stdout, clippy::print_stderr, reason = "a command-line tool that reports as it goes")]

use std::error::Error;
use std::fmt::Write as _;
use std::io::{Read, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use oaswatch::sim::{self, SimConfig, SimHandle};
use portable_pty::{CommandBuilder, PtySize, native_pty_system};

/// The fault windows in soak.toml describe one period of this many simulated seconds.
const PERIOD_SECS: u16 = 120;

/// Keys pressed in turn: navigation, drilling in, the error viewer and its modes, help,
/// refresh-all. Never quit, suspend, pause, add, remove or copy.
const KEYS: [&[u8]; 16] =
    [b"j", b"j", b"\r", b"n", b"e", b"w", b"\x1b", b"\t", b"k", b"?", b"\x1b", b"G", b"g", b"R", b"]", b"\x1b"];

fn env_secs(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// soak.toml with its fault windows repeated for the whole run.
fn scenario(secs: u64) -> Result<sim::Scenario, Box<dyn Error>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/scenarios/soak.toml");
    let mut table: toml::Table = std::fs::read_to_string(&path)?.parse()?;
    let first: Vec<toml::Value> = table.get("faults").and_then(toml::Value::as_array).cloned().unwrap_or_default();
    let mut faults = first.clone();
    let period = u64::from(PERIOD_SECS);
    let periods = u32::try_from(secs / period + 2)?;
    for k in 1..periods {
        for fault in &first {
            let mut shifted = fault.clone();
            if let Some(t) = shifted.as_table_mut() {
                for key in ["from_secs", "until_secs"] {
                    if let Some(at) = t.get(key).and_then(toml::Value::as_float) {
                        t.insert(key.to_owned(), toml::Value::Float(at + f64::from(k) * f64::from(PERIOD_SECS)));
                    }
                }
            }
            faults.push(shifted);
        }
    }
    table.insert("faults".to_owned(), toml::Value::Array(faults));
    Ok(sim::scenario::parse(&toml::to_string(&table)?, "soak", path.parent().map(Path::to_path_buf))?)
}

#[derive(Debug, Clone, Default)]
struct Sample {
    at: Duration,
    rss_kib: u64,
    fds: usize,
    threads: u64,
    tokio_tasks: Option<u64>,
    requests: u64,
    /// Requests per second since the previous sample (since the start, for the first).
    rate: f64,
}

fn status_field(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// The last "runtime census" the dashboard logged.
fn tokio_tasks(log: &Path) -> Option<u64> {
    let text = std::fs::read_to_string(log).ok()?;
    text.lines().rev().find_map(|line| {
        let rest = line.split("alive_tasks=").nth(1)?;
        rest.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()
    })
}

fn sample(pid: u32, started: Instant, sim: &SimHandle, log: &Path, previous: Option<&Sample>) -> Sample {
    let at = started.elapsed();
    let requests = sim.stats().total_requests();
    let (since_requests, since) = previous.map_or((0, Duration::ZERO), |p| (p.requests, p.at));
    #[expect(clippy::cast_precision_loss, reason = "request counts far below 2^52")]
    let rate = requests.saturating_sub(since_requests) as f64 / at.saturating_sub(since).as_secs_f64().max(0.001);
    Sample {
        at,
        rss_kib: status_field(pid, "VmRSS:"),
        fds: std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, Iterator::count),
        threads: status_field(pid, "Threads:"),
        tokio_tasks: tokio_tasks(log),
        requests,
        rate,
    }
}

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("soak: {error}");
            ExitCode::FAILURE
        }
    }
}

#[expect(clippy::too_many_lines, reason = "one linear script: set up, run, sample, report")]
fn run() -> Result<bool, Box<dyn Error>> {
    let secs = env_secs("SOAK_SECS", 600);
    let sample_every = Duration::from_secs(env_secs("SOAK_SAMPLE_SECS", 30).max(1));
    let key_every = Duration::from_secs(env_secs("SOAK_KEY_SECS", 5).max(1));
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let bin = std::env::var("SOAK_BIN").map_or_else(
        |_| {
            let release = root.join("target/release/oaswatch");
            if release.exists() { release } else { root.join("target/debug/oaswatch") }
        },
        |path| root.join(path),
    );

    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let sim = runtime.block_on(sim::start(SimConfig { seed: 1, speed: 1.0, ..SimConfig::new(scenario(secs)?) }))?;
    let refs: Vec<String> = sim.task_refs().iter().map(ToString::to_string).collect();
    let dir = tempfile::tempdir()?;
    let (config_dir, data_dir) = (dir.path().join("config"), dir.path().join("data"));
    std::fs::create_dir_all(&config_dir)?;
    std::fs::write(
        config_dir.join("config.toml"),
        "[poll]\ninterval = \"10s\"\n\n[notify]\nbell = false\ndesktop = false\n",
    )?;
    let log = data_dir.join("oaswatch.log");

    let pty = native_pty_system().openpty(PtySize { rows: 40, cols: 140, pixel_width: 0, pixel_height: 0 })?;
    let mut cmd = CommandBuilder::new(&bin);
    cmd.args(&refs);
    cmd.env_clear();
    let local = [
        ("PATH", std::env::var("PATH").unwrap_or_default()),
        ("TERM", "xterm-256color".to_owned()),
        ("HOME", dir.path().display().to_string()),
        ("OASWATCH_CONFIG_DIR", config_dir.display().to_string()),
        ("OASWATCH_DATA_DIR", data_dir.display().to_string()),
        ("OASWATCH_LOG", "warn,oaswatch::cli::dashboard=debug".to_owned()),
    ];
    for (key, value) in local.into_iter().chain(sim.client_env()) {
        cmd.env(key, value);
    }
    let mut child = pty.slave.spawn_command(cmd)?;
    drop(pty.slave);
    let pid = child.process_id().ok_or("no pid")?;
    let size = |n: u16| std::num::NonZeroU16::new(n).ok_or("a terminal has rows and columns");
    let screen = Arc::new(Mutex::new(vt100::Parser::new(size(40)?, size(140)?, 0)));
    let output_bytes = Arc::new(Mutex::new(0u64));
    let mut reader = pty.master.try_clone_reader()?;
    let (screen_in, bytes_in) = (Arc::clone(&screen), Arc::clone(&output_bytes));
    std::thread::spawn(move || {
        let mut buf = [0u8; 16 * 1024];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            if let Ok(mut parser) = screen_in.lock() {
                parser.process(&buf[..n]);
            }
            if let Ok(mut total) = bytes_in.lock() {
                *total += n as u64;
            }
        }
    });
    let mut writer = pty.master.take_writer()?;

    println!("soak: {} tasks, {secs} s, binary {}, pid {pid}", refs.len(), bin.display());
    println!("| t (s) | RSS (KiB) | fds | threads | tokio tasks | requests | req/s |");
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    let started = Instant::now();
    let deadline = started + Duration::from_secs(secs);
    let (mut next_sample, mut next_key) = (started + sample_every, started + key_every);
    let mut samples: Vec<Sample> = Vec::new();
    let mut keys_sent = 0usize;
    let mut died = None;
    while Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
        if let Some(status) = child.try_wait()? {
            died = Some(status);
            break;
        }
        let now = Instant::now();
        if now >= next_key {
            writer.write_all(KEYS[keys_sent % KEYS.len()])?;
            writer.flush()?;
            keys_sent += 1;
            next_key += key_every;
        }
        if now >= next_sample {
            let s = sample(pid, started, &sim, &log, samples.last());
            let tasks = s.tokio_tasks.map_or_else(|| "-".to_owned(), |n| n.to_string());
            println!(
                "| {} | {} | {} | {} | {tasks} | {} | {:.1} |",
                s.at.as_secs(),
                s.rss_kib,
                s.fds,
                s.threads,
                s.requests,
                s.rate
            );
            samples.push(s);
            next_sample += sample_every;
        }
    }
    let final_screen = screen.lock().map(|p| p.screen().contents()).unwrap_or_default();
    let died_early = died.is_some();
    let exit = if let Some(status) = died {
        Some(status)
    } else {
        // `Esc` first so `q` is not read as Alt+q or as "close the help".
        writer.write_all(b"\x1b")?;
        writer.flush()?;
        std::thread::sleep(Duration::from_millis(500));
        writer.write_all(b"q")?;
        writer.flush()?;
        let quit_by = Instant::now() + Duration::from_secs(15);
        let mut status = None;
        while Instant::now() < quit_by && status.is_none() {
            status = child.try_wait()?;
            std::thread::sleep(Duration::from_millis(100));
        }
        if status.is_none() {
            child.kill()?;
        }
        status
    };
    let stats = sim.stats();
    runtime.block_on(sim.shutdown());
    let log_text = std::fs::read_to_string(&log).unwrap_or_default();
    let panicked = log_text.contains("panicked") || final_screen.contains("panicked");

    let (Some(first), Some(last)) = (samples.first(), samples.last()) else {
        println!("soak: no sample taken (the dashboard ended after {:?}: {exit:?})", started.elapsed());
        return Ok(false);
    };
    let growth = |a: u64, b: u64| {
        #[expect(clippy::cast_precision_loss, reason = "percentages")]
        let pct = (b as f64 - a as f64) / (a.max(1) as f64) * 100.0;
        format!("{pct:+.1} %")
    };
    let mut report = String::new();
    let _ = writeln!(
        report,
        "\n### Soak run: {} s, {} tasks, {} keys ({})\n",
        started.elapsed().as_secs(),
        refs.len(),
        keys_sent,
        bin.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
    );
    let _ = writeln!(report, "| measure | at {} s | at {} s | change |", first.at.as_secs(), last.at.as_secs());
    let _ = writeln!(report, "|---|---:|---:|---:|");
    let _ = writeln!(
        report,
        "| RSS (KiB) | {} | {} | {} |",
        first.rss_kib,
        last.rss_kib,
        growth(first.rss_kib, last.rss_kib)
    );
    let _ = writeln!(report, "| open file descriptors | {} | {} | |", first.fds, last.fds);
    let _ = writeln!(report, "| threads | {} | {} | |", first.threads, last.threads);
    let tasks = |s: &Sample| s.tokio_tasks.map_or_else(|| "-".to_owned(), |n| n.to_string());
    let _ = writeln!(report, "| tokio tasks alive | {} | {} | |", tasks(first), tasks(last));
    let _ = writeln!(
        report,
        "| requests/s (previous {} s) | {:.1} | {:.1} | |",
        sample_every.as_secs(),
        first.rate,
        last.rate
    );
    let peak = samples.iter().map(|s| s.rss_kib).max().unwrap_or(0);
    let _ = writeln!(
        report,
        "\nPeak RSS {peak} KiB; {} requests in all; faults injected {:?}; {} bytes drawn; exit {:?}; panics: {}.",
        stats.total_requests(),
        stats.faults,
        output_bytes.lock().map_or(0, |b| *b),
        exit.as_ref().map(portable_pty::ExitStatus::exit_code),
        if panicked { "YES" } else { "none" }
    );
    println!("{report}");
    if let Ok(path) = std::env::var("SOAK_OUT") {
        let mut out = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
        out.write_all(report.as_bytes())?;
    }
    let clean_exit = !died_early && exit.as_ref().is_some_and(|s| s.exit_code() == 0);
    let still_drawing = final_screen.contains("Tasks");
    if !clean_exit || panicked || !still_drawing {
        println!("soak: FAILED (died early: {died_early}, panicked: {panicked}, screen ok: {still_drawing})");
        println!("{final_screen}");
        return Ok(false);
    }
    Ok(true)
}
