//! Whole-program figures: start to first frame, key press to frame through a pty, idle CPU and
//! output, and HTTP connection reuse and request spread against the simulator. Targets 3, 4, 8
//! and 9 of BENCHMARKS.md.
//!
//! `cargo bench --bench system -- [startup] [latency] [idle] [memory] [http]` (all when none is
//! named).
//! The idle runs take 60 s each; the HTTP run takes 60 s, or 10 minutes with
//! `OASWATCH_BENCH_LONG=1`. Everything talks to 127.0.0.1 only, and every run stops by itself.

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
use std::io::{Read, Write};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use oaswatch::config::Paths;
use oaswatch::domain::{Task, TaskRef, TaskState};
use oaswatch::poller::{self, PollCmd, PollerConfig};
use oaswatch::provider::{Clients, Fetch};
use oaswatch::sim::{self, SimConfig, SimHandle};
use oaswatch::store::{Change, Store};
use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

/// What crossterm's backend writes at the end of every frame that changed something (the
/// first frame also hides the cursor after it).
const FRAME_END: &[u8] = b"\x1b[0m";
const FIRST_FRAME_END: &[u8] = b"\x1b[0m\x1b[?25l";

fn ends_frame(chunk: &[u8]) -> bool {
    chunk.ends_with(FRAME_END) || chunk.ends_with(FIRST_FRAME_END)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if support::run_as_bare_http_child(&args) {
        return;
    }
    let names: Vec<&str> = args.iter().skip(1).map(String::as_str).filter(|a| !a.starts_with('-')).collect();
    let want = |name: &str| names.is_empty() || names.contains(&name);
    let long = std::env::var_os("OASWATCH_BENCH_LONG").is_some();
    // The simulator stands for a cloud on the other side of a network: it runs on oaswatch's own
    // runtime, whose threads run at nice 19, so that generating 12 MB of JSON a second does not
    // take the cores from the process being measured (whose runtime threads are at nice 19 too,
    // below its UI thread).
    let rt = oaswatch::cli::runtime().map_err(|f| f.message).unwrap();
    if want("startup") {
        startup();
    }
    if want("latency") {
        latency();
    }
    if want("idle") {
        rt.block_on(idle());
    }
    if want("memory") {
        rt.block_on(memory(if long { Duration::from_secs(600) } else { Duration::from_secs(30) }));
    }
    if want("http") {
        rt.block_on(http(if long { Duration::from_secs(600) } else { Duration::from_secs(60) }));
    }
}

// ---------------------------------------------------------------------------------------------
// A home for the binary: config and data directories, a watch list with snapshots.

struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new(config: &str) -> Home {
        let home = Home { dir: tempfile::tempdir().unwrap() };
        let paths = home.paths();
        std::fs::create_dir_all(paths.config_file().parent().unwrap()).unwrap();
        std::fs::write(paths.config_file(), config).unwrap();
        std::fs::create_dir_all(home.dir.path().join("home")).unwrap();
        home
    }

    fn env(&self) -> Vec<(String, String)> {
        let p = |s: &str| self.dir.path().join(s).display().to_string();
        vec![
            ("OASWATCH_CONFIG_DIR".into(), p("config")),
            ("OASWATCH_DATA_DIR".into(), p("data")),
            ("HOME".into(), p("home")),
        ]
    }

    fn paths(&self) -> Paths {
        let env = self.env();
        Paths::discover(&|k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())).unwrap()
    }

    fn save(&self, refs: &[TaskRef], snapshots: Vec<(TaskRef, Task)>) {
        let store = Store::new(self.paths().watchlist_file());
        store.update(Change::Add(refs.to_vec()), SystemTime::now()).unwrap();
        if !snapshots.is_empty() {
            store.update(Change::Snapshots(snapshots), SystemTime::now()).unwrap();
        }
    }
}

fn sim_env(handle: &SimHandle) -> Vec<(String, String)> {
    handle.client_env().into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

/// `n` finished tasks of `per_task` subtasks each, as saved snapshots.
fn finished_tasks(n: usize, per_task: usize) -> (Vec<TaskRef>, Vec<(TaskRef, Task)>) {
    let refs: Vec<TaskRef> = (0..n).map(|i| support::aliyun_ref(&format!("done{i:04}"))).collect();
    let snaps = refs.iter().map(|r| (r.clone(), support::task(r, per_task, TaskState::PartiallyFailed))).collect();
    (refs, snaps)
}

// ---------------------------------------------------------------------------------------------
// The binary on a pty, every chunk of output timestamped on arrival.

struct Pty {
    chunks: mpsc::Receiver<(Instant, Vec<u8>)>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn Child + Send + Sync>,
    _master: Box<dyn MasterPty + Send>,
    started: Instant,
    screen: vt100::Parser,
    output_bytes: Arc<Mutex<usize>>,
}

impl Pty {
    fn spawn(args: &[&str], env: &[(String, String)]) -> Pty {
        let pty = native_pty_system()
            .openpty(PtySize { rows: support::HEIGHT, cols: support::WIDTH, pixel_width: 0, pixel_height: 0 })
            .unwrap();
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_oaswatch"));
        cmd.args(args);
        cmd.env_clear();
        cmd.cwd(env!("CARGO_MANIFEST_DIR"));
        cmd.env("PATH", std::env::var("PATH").unwrap_or_default());
        cmd.env("TERM", "xterm-256color");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let started = Instant::now();
        let child = pty.slave.spawn_command(cmd).unwrap();
        drop(pty.slave);
        let mut reader = pty.master.try_clone_reader().unwrap();
        let (tx, chunks) = mpsc::channel();
        let output_bytes = Arc::new(Mutex::new(0));
        let counted = Arc::clone(&output_bytes);
        thread::spawn(move || {
            let mut buf = vec![0u8; 65536];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let at = Instant::now();
                *counted.lock().unwrap() += n;
                if tx.send((at, buf[..n].to_vec())).is_err() {
                    break;
                }
            }
        });
        let writer = pty.master.take_writer().unwrap();
        let size = |n: u16| std::num::NonZeroU16::new(n).unwrap();
        let screen = vt100::Parser::new(size(support::HEIGHT), size(support::WIDTH), 0);
        Pty { chunks, writer, child, _master: pty.master, started, screen, output_bytes }
    }

    fn pid(&self) -> u32 {
        self.child.process_id().unwrap()
    }

    fn bytes_out(&self) -> usize {
        *self.output_bytes.lock().unwrap()
    }

    /// Feeds output to the screen until `done` holds after a chunk that ends a frame; returns
    /// that chunk's arrival time.
    fn until(&mut self, patience: Duration, done: impl Fn(&vt100::Screen) -> bool) -> Option<Instant> {
        let deadline = Instant::now() + patience;
        loop {
            let left = deadline.checked_duration_since(Instant::now())?;
            let (at, chunk) = self.chunks.recv_timeout(left).ok()?;
            self.screen.process(&chunk);
            if ends_frame(&chunk) && done(self.screen.screen()) {
                return Some(at);
            }
        }
    }

    /// Drops output that arrived so far (frames from poll results).
    fn drain(&mut self) {
        while let Ok((_, chunk)) = self.chunks.try_recv() {
            self.screen.process(&chunk);
        }
    }

    fn send(&mut self, bytes: &[u8]) -> Instant {
        let at = Instant::now();
        self.writer.write_all(bytes).unwrap();
        self.writer.flush().unwrap();
        at
    }

    fn quit(mut self) {
        self.send(b"q");
        for _ in 0..100 {
            if self.child.try_wait().unwrap().is_some() {
                return;
            }
            thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
    }
}

fn has(screen: &vt100::Screen, text: &str) -> bool {
    screen.contents().contains(text)
}

/// utime + stime of a process, in clock ticks (1/100 s on Linux).
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = after.split(' ').collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

fn rss_kib(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

// ---------------------------------------------------------------------------------------------

/// Process start to the first complete frame, drawn from the saved watch list before any
/// network reply: finished tasks need no fetch, and the running ones point at a closed port.
fn startup() {
    println!("### Start to first frame (pty, 200x60, 21 runs each)\n");
    println!("| saved watch list | watch list file | min | median | max | every snapshot shown (median) | peak RSS |");
    println!("|---|---|---|---|---|---|---|");
    // Floor: exec, dynamic loading and clap, no terminal, no runtime.
    let mut floor = Vec::new();
    for _ in 0..21 {
        let t = Instant::now();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_oaswatch")).arg("--version").output().unwrap();
        assert!(out.status.success());
        floor.push(t.elapsed());
    }
    floor.sort();
    println!(
        "| reference: `oaswatch --version` (process floor, no pty) | | {} | {} | {} | | |",
        ms(floor[0]),
        ms(percentile(&floor, 0.5)),
        ms(floor[floor.len() - 1])
    );
    for (finished, running, per_task) in [(0, 10, 0), (5, 5, 1_000), (100, 0, 1_000)] {
        let home = Home::new("");
        let (mut refs, snaps) = finished_tasks(finished, per_task);
        refs.extend((0..running).map(|i| support::aliyun_ref(&format!("running{i:03}"))));
        home.save(&refs, snaps);
        if let Some(keep) = std::env::var_os("OASWATCH_BENCH_KEEP_HOME") {
            // For profiling by hand: the same watch list, left in place.
            let to = std::path::PathBuf::from(keep).join(format!("{finished}-{running}"));
            std::fs::create_dir_all(&to).unwrap();
            std::fs::copy(home.paths().watchlist_file(), to.join("watchlist.json")).unwrap();
        }
        let size = std::fs::metadata(home.paths().watchlist_file()).unwrap().len();
        let mut env = home.env();
        // Unfinished tasks are polled: at a closed port, so no reply can come before the frame.
        env.push(("OASWATCH_ALIYUN_ENDPOINT".into(), "http://127.0.0.1:9".into()));
        env.push(("ALIBABA_CLOUD_ACCESS_KEY_ID".into(), "LTAI5tBenchNotARealKey01".into()));
        env.push(("ALIBABA_CLOUD_ACCESS_KEY_SECRET".into(), "BenchSecretNotARealKey0000000001".into()));
        let (mut times, mut complete) = (Vec::new(), Vec::new());
        let mut peak = 0;
        // Saved snapshots are parsed after the first frame; the header counts a task once its
        // snapshot is shown. The peak RSS is taken after that.
        let all_shown = format!("◐ {finished} partial");
        for _ in 0..21 {
            let mut app = Pty::spawn(&[], &env);
            let at = app.until(Duration::from_secs(30), |s| has(s, "quit")).expect("a first frame");
            times.push(at - app.started);
            let shown = if finished == 0 || has(app.screen.screen(), &all_shown) {
                at
            } else {
                app.until(Duration::from_secs(30), |s| has(s, &all_shown)).expect("every snapshot shown")
            };
            complete.push(shown - app.started);
            peak = peak.max(rss_kib(app.pid()).1);
            app.quit();
        }
        times.sort();
        complete.sort();
        let what = match (finished, running) {
            (0, n) => format!("{n} unfinished tasks, no snapshots"),
            (f, 0) => format!("{f} finished tasks x {} subtasks", oaswatch::app::labels::count(per_task)),
            (f, r) => format!("{f} finished x {} subtasks + {r} unfinished", oaswatch::app::labels::count(per_task)),
        };
        println!(
            "| {what} | {:.1} MB | {} | **{}** | {} | {} | {:.1} MiB |",
            size as f64 / 1e6,
            ms(times[0]),
            ms(percentile(&times, 0.5)),
            ms(times[times.len() - 1]),
            ms(percentile(&complete, 0.5)),
            peak as f64 / 1024.0
        );
    }
    println!();
}

/// Key press to frame: `j` in the subtask table of a 100,000-subtask task, 300 presses; then
/// again while the simulator's two huge tasks (12,000 and 10,000 subtasks) are polled every
/// second, so responses are parsed while keys arrive.
fn latency() {
    println!("### Key press to frame (pty, 200x60, `j` in a table of 100,000 subtasks)\n");
    println!("| condition | presses | p50 | p95 | p99 | max | peak RSS |");
    println!("|---|---|---|---|---|---|---|");
    let big = support::aliyun_ref("big100k");
    let snapshot = support::task(&big, 100_000, TaskState::PartiallyFailed);
    for with_parse in [false, true] {
        let home = Home::new("[poll]\ninterval = \"1s\"\n");
        let mut env = home.env();
        let mut refs = vec![big.clone()];
        // Speed 0.05: the imports stay running for the whole measurement.
        let simulator = with_parse.then(|| SimProcess::start(&huge_running_text(2, 25_000), 0.05));
        if let Some(simulator) = &simulator {
            env.extend(simulator.env.iter().cloned());
            refs.extend(simulator.refs.iter().cloned());
        }
        home.save(&refs, vec![(big.clone(), snapshot.clone())]);
        let mut app = Pty::spawn(&[], &env);
        app.until(Duration::from_secs(60), |s| has(s, "100,000")).expect("the big task on screen");
        if let Some(simulator) = &simulator {
            // Let both huge tasks be fetched and applied once.
            let t = Instant::now();
            while t.elapsed() < Duration::from_secs(3) {
                app.drain();
                thread::sleep(Duration::from_millis(50));
            }
            println!(
                "<!-- simulator: its own process and session (2 imports of 25,000 operations: ~6.1 MB per answer), \
                 scheduling group {} -->",
                simulator.group
            );
        }
        app.send(b"\r");
        app.until(Duration::from_secs(10), |s| has(s, "1/100,000")).expect("focus in the table");
        let mut times = Vec::new();
        for i in 0..300usize {
            app.drain();
            let label = format!(" {}/100,000 ", oaswatch::app::labels::count(i + 2));
            let sent = app.send(b"j");
            let at = app.until(Duration::from_secs(10), |s| has(s, &label)).expect("the frame for the key");
            times.push(at - sent);
            thread::sleep(Duration::from_millis(5 + ((i * 7) % 20) as u64));
        }
        let peak = rss_kib(app.pid()).1;
        app.quit();
        times.sort();
        let what =
            if with_parse { "while 2 huge responses are fetched and parsed every second" } else { "idle otherwise" };
        println!(
            "| {what} | {} | {} | {} | **{}** | {} | {:.1} MiB |",
            times.len(),
            ms(percentile(&times, 0.5)),
            ms(percentile(&times, 0.95)),
            ms(percentile(&times, 0.99)),
            ms(times[times.len() - 1]),
            peak as f64 / 1024.0
        );
        drop(simulator);
    }
    println!();
}

/// The simulator as a process of its own, for the latency run. It stands for a cloud on the
/// other side of a network, so it must not take the cores from the dashboard more than a
/// remote cloud would. Niceness alone does not do that: with autogroup scheduling (on by
/// default in Linux desktops and on this machine) each session is one scheduling group, and
/// groups share the CPU equally whatever their threads' nice values. So it runs in a session
/// of its own (`setsid`) whose group is set to nice 19 (`/proc/PID/autogroup`).
struct SimProcess {
    /// Held only to be killed when the run ends.
    _child: KilledOnDrop,
    /// The endpoint and credential variables it printed.
    env: Vec<(String, String)>,
    refs: Vec<TaskRef>,
    /// Its scheduling group as the kernel reports it, e.g. `/autogroup-12 nice 19`.
    group: String,
    _scenario: tempfile::NamedTempFile,
}

impl SimProcess {
    fn start(scenario: &str, speed: f64) -> SimProcess {
        use std::io::BufRead as _;
        let mut file = tempfile::Builder::new().suffix(".toml").tempfile().unwrap();
        file.write_all(scenario.as_bytes()).unwrap();
        let mut child = std::process::Command::new("setsid")
            .arg(env!("CARGO_BIN_EXE_oaswatch"))
            .args(["sim", "--seed", "7", "--speed", &speed.to_string(), "--scenario"])
            .arg(file.path())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let (mut env, mut refs) = (Vec::new(), Vec::new());
        let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let mut in_tasks = false;
        for line in lines.by_ref() {
            let line = line.unwrap();
            if let Some(pairs) = line.strip_prefix("export ") {
                env.extend(
                    pairs.split_whitespace().filter_map(|p| p.split_once('=')).map(|(k, v)| (k.into(), v.into())),
                );
            } else if line == "tasks:" {
                in_tasks = true;
            } else if in_tasks && let Some(task_ref) = line.split_whitespace().last() {
                refs.push(task_ref.parse().unwrap());
            } else if in_tasks {
                break; // the blank line after the list
            }
        }
        // The rest of what it prints is read and dropped: a closed pipe would stop it.
        thread::spawn(move || lines.for_each(drop));
        // Only now, with its banner printed, has `setsid` surely made the new session: before,
        // the write would lower the bench's own group, the pty reader's included.
        let autogroup = |pid: &str| std::fs::read_to_string(format!("/proc/{pid}/autogroup")).unwrap_or_default();
        let own = child.id().to_string();
        let group = if autogroup(&own) == autogroup("self") {
            "shared with the bench (no session of its own)".to_owned()
        } else {
            match std::fs::write(format!("/proc/{own}/autogroup"), "19") {
                Ok(()) => autogroup(&own).trim().to_owned(),
                Err(e) => format!("left as it was ({e})"),
            }
        };
        assert!(!env.is_empty() && !refs.is_empty(), "the simulator printed its endpoint and tasks");
        SimProcess { _child: KilledOnDrop(child), env, refs, group, _scenario: file }
    }
}

/// A child process of a bench that is killed and reaped when dropped, so that a run that
/// fails half-way leaves no simulator or reference client behind.
struct KilledOnDrop(std::process::Child);

impl KilledOnDrop {
    fn id(&self) -> u32 {
        self.0.id()
    }
}

impl Drop for KilledOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `n` Alibaba imports of `operations` operations each that run for hours (25,000 operations
/// give a ~6 MB `DescribeImportOASTask` answer).
fn huge_running(n: usize, operations: usize) -> sim::Scenario {
    sim::scenario::parse(&huge_running_text(n, operations), "big.toml", None).unwrap()
}

/// The scenario file of [`huge_running`].
fn huge_running_text(n: usize, operations: usize) -> String {
    let huge = include_str!("../assets/scenarios/huge.toml");
    let mut text = huge[..huge.find("[[tasks]]").unwrap()].to_owned();
    for i in 0..n {
        let _ = write!(
            text,
            "\n[[tasks]]\nname = \"big{i}\"\nprovider = \"aliyun\"\ngenerate = {{ operations = {operations} }}\n\
             group = \"5e1f0a2b3c4d5e6f708192a3b4c5d6e7\"\nbehaviour = {{ duration_secs = 36000 }}\n"
        );
    }
    text
}

/// A scenario with `n` small imports (half per cloud) that keep running for hours.
fn many_running(n: usize) -> sim::Scenario {
    let huge = include_str!("../assets/scenarios/huge.toml");
    let head = &huge[..huge.find("[[tasks]]").unwrap()];
    let mut text = head.replace("name = \"huge\"", "name = \"many\"");
    for i in 0..n {
        if i % 2 == 0 {
            let _ = write!(
                text,
                "\n[[tasks]]\nname = \"a{i}\"\nprovider = \"aliyun\"\ngenerate = {{ operations = 20 }}\n\
                 group = \"5e1f0a2b3c4d5e6f708192a3b4c5d6e7\"\nbehaviour = {{ duration_secs = 36000 }}\n"
            );
        } else {
            let _ = write!(
                text,
                "\n[[tasks]]\nname = \"h{i}\"\nprovider = \"huawei\"\ngenerate = {{ operations = 20 }}\n\
                 behaviour = {{ duration_secs = 36000 }}\n"
            );
        }
    }
    sim::scenario::parse(&text, "many.toml", None).unwrap()
}

/// Idle: 100 finished tasks for 60 s (no poll, no clock), then 100 running tasks polled every
/// 5 s against the simulator for 60 s. CPU from /proc, bytes from the pty, frames counted by
/// their trailing reset.
async fn idle() {
    println!("### Idle (pty, 200x60, 60 s each, CPU of the oaswatch process from /proc/PID/stat)\n");
    println!("| condition | CPU time | % of one core | frames | bytes to the terminal | RSS |");
    println!("|---|---|---|---|---|---|");
    let window = Duration::from_secs(60);
    {
        let home = Home::new("");
        let (refs, snaps) = finished_tasks(100, 1_000);
        home.save(&refs, snaps);
        let mut app = Pty::spawn(&[], &home.env());
        app.until(Duration::from_secs(30), |s| has(s, "quit")).expect("a first frame");
        // Start-up notices (this home has no credentials) are flashed for a few seconds and
        // their removal is a frame: idle starts once they are gone.
        thread::sleep(Duration::from_secs(12));
        app.drain();
        let _ = report_window(&mut app, window, "100 finished tasks x 1,000 subtasks");
        app.quit();
    }
    {
        let handle = sim::start(SimConfig::new(many_running(100))).await.unwrap();
        let home = Home::new("[poll]\ninterval = \"5s\"\n");
        let mut env = home.env();
        env.extend(sim_env(&handle));
        home.save(&handle.task_refs(), Vec::new());
        let mut app = Pty::spawn(&[], &env);
        app.until(Duration::from_secs(30), |s| has(s, "quit")).expect("a first frame");
        // The references run beside the dashboard over the same window, so the machine's noise
        // is the same for all three: `oaswatch wait` polls the same tasks with the same poller
        // and clients but no terminal; the bare child sends as many plain GETs a second through
        // a client built the same way, with no signing, parsing or scheduling around them.
        let wait = KilledOnDrop(
            std::process::Command::new(env!("CARGO_BIN_EXE_oaswatch"))
                .args(["wait", "--timeout", "10m"])
                .env_clear()
                .envs(env.iter().map(|(k, v)| (k, v)))
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap(),
        );
        let rate = 100.0 / 5.0;
        let bare = KilledOnDrop(
            std::process::Command::new(std::env::current_exe().unwrap())
                .args([
                    support::BARE_HTTP_CHILD,
                    &format!("{}/v2/bare-http-reference", handle.base_url()),
                    &rate.to_string(),
                    "600",
                ])
                .spawn()
                .unwrap(),
        );
        let before = handle.stats().total_requests();
        thread::sleep(Duration::from_secs(10));
        app.drain();
        let polled = handle.stats().total_requests();
        let references = [(wait.id(), cpu_ticks(wait.id())), (bare.id(), cpu_ticks(bare.id()))];
        let started = Instant::now();
        let dashboard = report_window(&mut app, window, "100 running tasks polled every 5 s (simulator)");
        let elapsed = started.elapsed();
        let after = handle.stats().total_requests();
        let [(wait_cpu, wait_rss), (bare_cpu, bare_rss)] = references
            .map(|(pid, ticks)| (Duration::from_millis((cpu_ticks(pid) - ticks) * 10), rss_kib(pid).0 as f64 / 1024.0));
        let share = |cpu: Duration| cpu.as_secs_f64() / elapsed.as_secs_f64() * 100.0;
        println!(
            "| reference: `oaswatch wait` on the same tasks, same window (same poller and clients, no terminal) | {} | {:.3} % | – | – | {wait_rss:.1} MiB |",
            ms(wait_cpu),
            share(wait_cpu)
        );
        println!(
            "| reference: bare reqwest, {rate} GETs a second on one pooled connection, same window (no signing, parsing or scheduler) | {} | {:.3} % | – | – | {bare_rss:.1} MiB |",
            ms(bare_cpu),
            share(bare_cpu)
        );
        println!(
            "<!-- requests: {} during warm-up, {} during the window (dashboard, wait and the bare child together); dashboard {:.2}x the bare floor, wait {:.2}x -->",
            polled.saturating_sub(before),
            after.saturating_sub(polled),
            dashboard.as_secs_f64() / bare_cpu.as_secs_f64().max(0.001),
            wait_cpu.as_secs_f64() / bare_cpu.as_secs_f64().max(0.001)
        );
        drop((wait, bare));
        app.quit();
        handle.shutdown().await;
    }
    println!();
}

/// Reports the app's CPU, frames and bytes over `window` and returns its CPU time.
fn report_window(app: &mut Pty, window: Duration, what: &str) -> Duration {
    let pid = app.pid();
    let (ticks, bytes) = (cpu_ticks(pid), app.bytes_out());
    let start = Instant::now();
    let mut frames = 0;
    while start.elapsed() < window {
        while let Ok((_, chunk)) = app.chunks.recv_timeout(Duration::from_millis(200)) {
            app.screen.process(&chunk);
            if ends_frame(&chunk) {
                frames += 1;
            }
            if start.elapsed() >= window {
                break;
            }
        }
    }
    let elapsed = start.elapsed();
    let cpu = Duration::from_millis((cpu_ticks(pid) - ticks) * 10);
    let share = cpu.as_secs_f64() / elapsed.as_secs_f64() * 100.0;
    println!(
        "| {what} | {} | **{share:.3} %** | {frames} | {} | {:.1} MiB |",
        ms(cpu),
        app.bytes_out() - bytes,
        rss_kib(pid).0 as f64 / 1024.0
    );
    cpu
}

/// Peak and steady RSS with 100 finished tasks x 1,000 subtasks plus one running 12,000-subtask
/// task (the simulator's, 2.4 MB per answer) open in the subtask table and polled every 2 s; RSS
/// sampled every 10 s for `run` (10 minutes with `OASWATCH_BENCH_LONG=1`).
async fn memory(run: Duration) {
    let mut config = SimConfig::new(huge_running(1, 10_000));
    config.speed = 0.05;
    let handle = sim::start(config).await.unwrap();
    let home = Home::new("");
    let (mut refs, snaps) = finished_tasks(100, 1_000);
    refs.extend(handle.task_refs());
    home.save(&refs, snaps);
    let mut env = home.env();
    env.extend(sim_env(&handle));
    let mut app = Pty::spawn(&[], &env);
    app.until(Duration::from_secs(60), |s| has(s, "quit")).expect("a first frame");
    app.send(b"G");
    app.send(b"\r");
    let start = Instant::now();
    let mut samples = Vec::new();
    while start.elapsed() < run {
        let until = start.elapsed() + Duration::from_secs(10);
        while start.elapsed() < until {
            app.drain();
            thread::sleep(Duration::from_millis(100));
        }
        samples.push(rss_kib(app.pid()));
    }
    let open = app.screen.screen().contents().contains("12,000") || app.screen.screen().contents().contains("/12,");
    let first = samples.first().map_or(0, |s| s.0);
    let last = samples.last().map_or(0, |s| s.0);
    let peak = samples.iter().map(|s| s.1).max().unwrap_or(0);
    let growth = 100.0 * (last as f64 - first as f64) / first.max(1) as f64;
    println!(
        "### Memory (pty, 100 finished tasks x 1,000 subtasks + one running 12,000-subtask task open, {} s)\n",
        run.as_secs()
    );
    println!("| peak RSS (VmHWM) | RSS after 10 s | RSS at the end | growth | requests | big task on screen |");
    println!("|---|---|---|---|---|---|");
    println!(
        "| **{:.1} MiB** | {:.1} MiB | {:.1} MiB | {growth:+.1} % | {} | {open} |\n",
        peak as f64 / 1024.0,
        first as f64 / 1024.0,
        last as f64 / 1024.0,
        handle.stats().total_requests()
    );
    app.quit();
    handle.shutdown().await;
}

// ---------------------------------------------------------------------------------------------

/// Logs when each request starts, then fetches for real.
struct Logged {
    inner: Clients,
    starts: Mutex<Vec<Instant>>,
}

impl Fetch for Logged {
    async fn fetch(&self, task: &TaskRef) -> Result<Task, oaswatch::domain::FetchError> {
        self.starts.lock().unwrap().push(Instant::now());
        self.inner.fetch(task).await
    }
}

/// 500 running tasks through the real poller and clients against the simulator: connections
/// opened vs requests, and how evenly the requests spread (default budget: 10 req/s per
/// endpoint, two endpoints, 15 % jitter).
async fn http(run: Duration) {
    let handle = sim::start(SimConfig::new(many_running(500))).await.unwrap();
    let fetcher = Arc::new(Logged { inner: support::sim_clients(&handle), starts: Mutex::new(Vec::new()) });
    let (tx, mut rx) = tokio::sync::mpsc::channel(1024);
    let config = PollerConfig::default();
    let poller = poller::spawn(Arc::clone(&fetcher), config.clone(), 7, tx);
    let commands = poller.commands();
    for r in handle.task_refs() {
        commands.send(PollCmd::Watch(r)).await.unwrap();
    }
    let began = Instant::now();
    let mut errors: HashMap<String, u64> = HashMap::new();
    while began.elapsed() < run {
        if let Ok(Some(p)) = tokio::time::timeout(Duration::from_millis(500), rx.recv()).await
            && let Err(e) = p.result
        {
            *errors.entry(e.kind.to_string()).or_default() += 1;
        }
    }
    drop(poller);
    let stats = handle.stats();
    let request_times = fetcher.starts.lock().unwrap().clone();
    handle.shutdown().await;
    let requests = stats.total_requests();
    let reuse = 100.0 * (1.0 - stats.connections as f64 / requests.max(1) as f64);
    let per_window = |w: Duration| {
        let mut best = 0;
        let mut j = 0;
        for i in 0..request_times.len() {
            while request_times[i] - request_times[j] >= w {
                j += 1;
            }
            best = best.max(i - j + 1);
        }
        best
    };
    let steady: Vec<Instant> = request_times.iter().copied().filter(|t| *t - began >= Duration::from_secs(5)).collect();
    let span = steady.last().map_or(0.0, |l| (*l - steady[0]).as_secs_f64());
    let average_100ms = steady.len() as f64 / (span / 0.1).max(1.0);
    let mut buckets: HashMap<u64, usize> = HashMap::new();
    for t in &steady {
        *buckets.entry(((*t - steady[0]).as_secs_f64() * 10.0) as u64).or_default() += 1;
    }
    let max_100ms = buckets.values().copied().max().unwrap_or(0);
    println!("### HTTP against the simulator (500 running tasks, real poller and clients, {} s)\n", run.as_secs());
    println!(
        "| requests | TCP connections | reuse | max requests in any 1 s window (both endpoints) | budget | max in a 100 ms bucket | average per 100 ms | errors |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    println!(
        "| {requests} | {} | **{reuse:.2} %** | {} | {} (2 endpoints x {}) | {max_100ms} | {average_100ms:.2} | {errors:?} |\n",
        stats.connections,
        per_window(Duration::from_secs(1)),
        2 * config.requests_per_second,
        config.requests_per_second,
    );
}
