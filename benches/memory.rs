//! Deterministic counts: heap per stored subtask (a counting global allocator), bytes and
//! `write(2)` calls per frame (a counting writer under the real frame backend). Targets 2 and 6.
//!
//! Prints markdown tables; `scripts/bench.sh` pastes them into BENCHMARKS.md. Counts, not times,
//! so one run is exact.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "bench code: fail loudly")]
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a bench binary reports on stdout, frame dumps on stderr"
)]
#![allow(clippy::cast_precision_loss, clippy::cast_possible_wrap, reason = "byte counts far below 2^52")]

#[path = "support/fixtures.rs"]
mod support;

use std::alloc::System;
use std::cell::Cell;
use std::io::{self, Write};
use std::rc::Rc;
use std::sync::Arc;

use oaswatch::app::{Action, App, AppOptions, Command};
use oaswatch::domain::{SubtaskState, TaskState};
use oaswatch::provider::aliyun::wire as aliyun_wire;
use oaswatch::{tui, ui};
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Heap kept by what `f` returns, and the allocations made while it ran.
fn measure<T>(f: impl FnOnce() -> T) -> (T, usize, usize) {
    let region = Region::new(GLOBAL);
    let value = f();
    let change = region.change();
    let retained = change.bytes_allocated as isize - change.bytes_deallocated as isize;
    (value, usize::try_from(retained).unwrap_or(0), change.allocations + change.reallocations)
}

fn mib(bytes: usize) -> String {
    format!("{:.2} MiB", bytes as f64 / 1_048_576.0)
}

fn heap() {
    let n = 10_000;
    let body = support::aliyun_body(n);
    let task_ref = support::aliyun_ref("bench");
    println!("### Heap (counting global allocator; {n}-subtask Alibaba body of {} bytes)\n", body.len());
    println!("| what | retained | per subtask | allocations |");
    println!("|---|---|---|---|");
    let (value, retained, allocs) = measure(|| serde_json::from_str::<serde_json::Value>(&body).unwrap());
    println!("| reference: `serde_json::Value` of the body | {} | {} B | {allocs} |", mib(retained), retained / n);
    drop(value);
    let (task, retained, allocs) = measure(|| aliyun_wire::describe_task(&task_ref, Arc::from(body.as_str())).unwrap());
    println!(
        "| parsed `Task` incl. the kept response body (`raw_body`) | {} | {} B | {allocs} |",
        mib(retained),
        retained / n
    );
    let raw = task.raw_body.as_ref().map_or(0, |b| b.len());
    let text: usize = task
        .subtasks
        .iter()
        .map(|s| {
            s.id().len()
                + s.name().len()
                + s.method().len()
                + s.path().len()
                + s.raw_status().len()
                + s.error().map_or(0, |e| e.code.len() + e.message.len())
        })
        .sum();
    let errors: usize = task.subtasks.iter().map(|s| s.error().map_or(0, |e| e.message.len())).sum();
    println!(
        "| (text in the subtasks as read: {} B/subtask, of which error messages {} B, past their first 160 B LZ4-compressed when 320 B to 1 MiB long; inline {} B) | | | |",
        text / n,
        errors / n,
        std::mem::size_of::<oaswatch::domain::Subtask>()
    );
    println!(
        "| of which the subtasks (`Vec<Subtask>` + their strings) | {} | **{} B** | |",
        mib(retained - raw),
        (retained - raw) / n
    );
    println!("| of which the response body, kept for the raw-JSON view | {} | {} B | |", mib(raw), raw / n);
    let (app, retained, allocs) = measure(|| {
        let mut app = App::new(vec![(task_ref.clone(), Some(task))], AppOptions::default());
        app.update(Action::Resize { w: support::WIDTH, h: support::HEIGHT });
        app
    });
    println!(
        "| dashboard state on top (view index, failure groups, change marks) | {} | {} B | {allocs} |",
        mib(retained),
        retained / n
    );
    drop(app);
}

/// Counts `write` calls and bytes reaching the "terminal"; keeps the last write's bytes so
/// `OASWATCH_BENCH_DUMP=1` can show what a frame consists of.
#[derive(Clone, Default)]
struct Sink(Rc<Cell<(usize, usize)>>, Rc<std::cell::RefCell<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let (writes, bytes) = self.0.get();
        self.0.set((writes + 1, bytes + buf.len()));
        buf.clone_into(&mut self.1.borrow_mut());
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn frames() {
    let area = Rect::new(0, 0, support::WIDTH, support::HEIGHT);
    let options = || TerminalOptions { viewport: Viewport::Fixed(area) };
    let sink = Sink::default();
    let raw = Sink::default();
    let mut term = Terminal::with_options(tui::frame_backend(sink.clone()), options()).unwrap();
    // Reference: crossterm's backend straight on the writer, as with an unbuffered stderr.
    let mut unbuffered = Terminal::with_options(CrosstermBackend::new(raw.clone()), options()).unwrap();
    let r = support::aliyun_ref("frames");
    let mut task = support::task(&r, 100_000, TaskState::Running);
    let other = support::aliyun_ref("other");
    let mut small = support::task(&other, 20, TaskState::Running);
    let mut app =
        App::new(vec![(r.clone(), Some(task.clone())), (other.clone(), Some(small.clone()))], AppOptions::default());
    app.update(Action::Resize { w: support::WIDTH, h: support::HEIGHT });
    app.update(Action::Tick(support::t0()));
    app.update(Action::Command(Command::Enter));
    println!("### Bytes and `write(2)` calls per frame (200x60, 100,000 subtasks, 64 KiB frame buffer)\n");
    println!("| frame | bytes | writes | writes, unbuffered reference | bytes, unbuffered reference |");
    println!("|---|---|---|---|---|");
    let dump = std::env::var_os("OASWATCH_BENCH_DUMP").is_some();
    let mut row = |what: &str, app: &App| {
        let (w0, b0) = sink.0.get();
        let (rw0, rb0) = raw.0.get();
        term.draw(|f| ui::render(app, f)).unwrap();
        unbuffered.draw(|f| ui::render(app, f)).unwrap();
        let (w1, b1) = sink.0.get();
        let (rw1, rb1) = raw.0.get();
        println!("| {what} | {} | {} | {} | {} |", b1 - b0, w1 - w0, rw1 - rw0, rb1 - rb0);
        if dump && b1 > b0 {
            eprintln!("{what}:\n{}\n", String::from_utf8_lossy(&sink.1.borrow()).replace('\x1b', "\\e"));
        }
    };
    row("first full paint", &app);
    row("nothing changed", &app);
    // A subtask of another task (not the one open) finishes: its progress in the task list moves.
    // A first answer for it, so its "updated 0s ago" label is there already.
    app.update(Action::Polled(support::polled(small.clone(), 0)));
    row("(first answer for another task: its time labels appear)", &app);
    let running = small.subtasks.iter().position(|s| s.state == SubtaskState::Running).unwrap();
    std::sync::Arc::make_mut(&mut small.subtasks)[running].state = SubtaskState::Succeeded;
    small.counts = oaswatch::domain::Counts::of(small.subtasks.iter());
    app.update(Action::Polled(support::polled(small.clone(), 0)));
    row("one subtask of another task finishes (its task-list row: count and bar)", &app);
    // A poll flips one visible subtask (row 3 under "failures first" is a running one) to succeeded.
    let visible = app.selected_entry().unwrap().view.index()[app.selected_entry().unwrap().view.offset() + 2] as usize;
    let before = task.subtasks[visible].state;
    let subtasks = std::sync::Arc::make_mut(&mut task.subtasks);
    subtasks[visible].state = SubtaskState::Succeeded;
    subtasks[visible].set_raw_status("OVER");
    task.counts = oaswatch::domain::Counts::of(task.subtasks.iter());
    app.update(Action::Polled(support::polled(task.clone(), 1)));
    row(&format!("one subtask status changes ({before:?} to Succeeded; counts in title and task list too)"), &app);
    // The same kind of change where the row stays put (sorted by path, a running one finishes):
    // what a poll usually brings.
    app.update(Action::Command(Command::CycleSort));
    row("(sort by path)", &app);
    let entry = app.selected_entry().unwrap();
    let visible = entry.view.index()[entry.view.offset()..]
        .iter()
        .take(40)
        .map(|&p| p as usize)
        .find(|&p| task.subtasks[p].state == SubtaskState::Running)
        .unwrap();
    let subtasks = std::sync::Arc::make_mut(&mut task.subtasks);
    subtasks[visible].state = SubtaskState::Succeeded;
    subtasks[visible].set_raw_status("OVER");
    task.counts = oaswatch::domain::Counts::of(task.subtasks.iter());
    app.update(Action::Polled(support::polled(task.clone(), 2)));
    row("one visible subtask Running to Succeeded, row stays put (sorted by path)", &app);
    app.update(Action::Command(Command::Down));
    row("selection moves one row (inside the viewport)", &app);
    for _ in 0..60 {
        app.update(Action::Command(Command::Down));
    }
    row("table scrolled (60 rows down)", &app);
    app.update(Action::Command(Command::PageDown));
    row("page down", &app);
    println!();
}

/// The same figures for the simulator's own 12,000-subtask Alibaba import, finished (its
/// messages are short, like most real ones; the synthetic body above is the heavy case).
fn heap_simulated() {
    use oaswatch::provider::Fetch as _;
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let task = rt.block_on(async {
        let mut config = oaswatch::sim::SimConfig::new(oaswatch::sim::scenario::load("huge").unwrap());
        config.speed = 1_000.0;
        let handle = oaswatch::sim::start(config).await.unwrap();
        let task_ref = handle.task_ref("aliyun-huge").unwrap();
        let clients = support::sim_clients(&handle);
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        let task = clients.fetch(&task_ref).await.unwrap();
        handle.shutdown().await;
        task
    });
    let body: String = task.raw_body.as_deref().unwrap().to_owned();
    let n = task.subtasks.len();
    let (parsed, retained, allocs) =
        measure(|| aliyun_wire::describe_task(&task.task_ref, Arc::from(body.as_str())).unwrap());
    let raw = parsed.raw_body.as_ref().map_or(0, |b| b.len());
    println!(
        "| simulator `huge` (aliyun-huge, {n} subtasks, {:?}, {} failed; body {} bytes): subtasks | {} | **{} B** | {allocs} |",
        parsed.state,
        parsed.counts.failed,
        body.len(),
        mib(retained - raw),
        (retained - raw) / n
    );
    println!();
}

fn main() {
    // `cargo bench` passes `--bench`; filters are not supported, everything runs in seconds.
    heap();
    heap_simulated();
    frames();
}
