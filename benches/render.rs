//! Frame costs at 200x60: the virtualised subtask table against eager `Table` rendering, the
//! whole dashboard through `Terminal::draw`, and the error viewer on a 10 MB message.
//!
//! Targets 1, 2 and 7 of BENCHMARKS.md. `scripts/bench.sh` runs this and copies the medians.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "bench code: fail loudly")]

#[path = "support/fixtures.rs"]
mod support;

use std::hint::black_box;
use std::io;

use criterion::{BenchmarkId, Criterion, criterion_group};
use oaswatch::app::{Action, App, Command};
use oaswatch::domain::{Subtask, SubtaskState};
use oaswatch::ui::theme::Theme;
use oaswatch::{sanitize, tui, ui};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::widgets::{Block, Cell, Row, StatefulWidget, Table, TableState};
use ratatui::{Terminal, TerminalOptions, Viewport};
use support::{HEIGHT, WIDTH, dashboard};

fn screen() -> Rect {
    Rect::new(0, 0, WIDTH, HEIGHT)
}

/// The subtask pane alone, as the dashboard draws it (rows built for the visible window only).
fn table_virtualised(c: &mut Criterion) {
    let mut group = c.benchmark_group("subtask_table");
    for n in [1_000usize, 100_000, 1_000_000] {
        let app = dashboard(n);
        let theme = Theme::of(app.theme());
        let pane = app.panes(screen()).subtasks;
        let mut buf = Buffer::empty(screen());
        group.bench_function(BenchmarkId::new("virtualised", n), |b| {
            b.iter(|| {
                buf.reset();
                ui::subtask_detail::render(black_box(&app), &theme, pane, &mut buf);
            });
        });
    }
    group.finish();
}

/// The reference: typical app code that builds a `Row` for every subtask each frame and lets
/// `Table` pick the visible ones (ratatui#1004).
fn eager_rows(subtasks: &[Subtask]) -> Vec<Row<'_>> {
    subtasks
        .iter()
        .map(|s| {
            let error = s.error_message();
            Row::new([
                Cell::from(format!("{:?}", s.state)),
                Cell::from(s.kind.as_str()),
                Cell::from(sanitize::line_truncated(s.method(), 7)),
                Cell::from(sanitize::line_truncated(s.path(), 60)),
                Cell::from(sanitize::line_truncated(s.name(), 40)),
                Cell::from(sanitize::line_truncated(error.trim_end(), 60).into_owned()),
            ])
        })
        .collect()
}

fn table_eager(c: &mut Criterion) {
    let mut group = c.benchmark_group("subtask_table");
    group.sample_size(20);
    for n in [1_000usize, 10_000, 100_000] {
        let subtasks: Vec<Subtask> = (0..n).map(support::subtask).collect();
        let pane = Rect::new(50, 1, 150, 57);
        let mut buf = Buffer::empty(screen());
        group.bench_function(BenchmarkId::new("eager_reference", n), |b| {
            b.iter(|| {
                buf.reset();
                let widths = [
                    Constraint::Length(11),
                    Constraint::Length(5),
                    Constraint::Length(7),
                    Constraint::Fill(3),
                    Constraint::Fill(2),
                    Constraint::Fill(4),
                ];
                let table = Table::new(eager_rows(black_box(&subtasks)), widths)
                    .block(Block::bordered())
                    .header(Row::new(["state", "kind", "method", "path", "name", "error"]))
                    .highlight_symbol("▶");
                let mut state = TableState::default().with_selected(Some(n / 2));
                StatefulWidget::render(table, pane, &mut buf, &mut state);
            });
        });
    }
    group.finish();
}

/// The whole dashboard: `Terminal::draw` over the 64 KiB frame buffer into a sink.
fn dashboard_frame(c: &mut Criterion) {
    let mut group = c.benchmark_group("dashboard_frame");
    let options = || TerminalOptions { viewport: Viewport::Fixed(screen()) };
    let mut app = dashboard(100_000);
    let mut term = Terminal::with_options(tui::frame_backend(io::sink()), options()).unwrap();
    term.draw(|f| ui::render(&app, f)).unwrap();
    group.bench_function("unchanged", |b| {
        b.iter(|| {
            term.draw(|f| ui::render(black_box(&app), f)).unwrap();
        });
    });
    let mut down = true;
    group.bench_function("scroll_one_row", |b| {
        b.iter(|| {
            // Alternate so the table really scrolls every frame instead of hitting an end.
            for _ in 0..60 {
                app.update(Action::Command(if down { Command::Down } else { Command::Up }));
            }
            down = !down;
            term.draw(|f| ui::render(&app, f)).unwrap();
        });
    });
    group.bench_function("move_selection", |b| {
        b.iter(|| {
            app.update(Action::Command(if down { Command::Down } else { Command::Up }));
            down = !down;
            term.draw(|f| ui::render(&app, f)).unwrap();
        });
    });
    // Reference: the same frame when every tick forces a full repaint (the back buffer reset,
    // as after a resize; `clear` would ask the terminal for the cursor position).
    group.bench_function("full_repaint_reference", |b| {
        b.iter(|| {
            term.resize(screen()).unwrap();
            term.draw(|f| ui::render(&app, f)).unwrap();
        });
    });
    group.finish();
}

/// A 10 MB / 100,000-line error message: opening the viewer, then scrolling it.
fn error_viewer(c: &mut Criterion) {
    let mut group = c.benchmark_group("error_viewer");
    group.sample_size(20);
    let message = huge_message();
    let base = viewer_app(&message);
    let mut buf = Buffer::empty(screen());
    group.bench_function("open_10MB", |b| {
        b.iter_batched(
            || base.clone_for_bench(),
            |mut app| {
                app.update(Action::Command(Command::OpenError));
                buf.reset();
                ui::draw(&app, screen(), &mut buf);
                app
            },
            criterion::BatchSize::PerIteration,
        );
    });
    let mut app = base.clone_for_bench();
    app.update(Action::Command(Command::OpenError));
    let mut down = true;
    let mut step = 0;
    group.bench_function("scroll_10MB", |b| {
        b.iter(|| {
            step += 1;
            if step % 2_000 == 0 {
                down = !down;
            }
            app.update(Action::Command(if down { Command::Down } else { Command::Up }));
            buf.reset();
            ui::draw(&app, screen(), &mut buf);
        });
    });
    group.bench_function("page_10MB", |b| {
        b.iter(|| {
            step += 1;
            if step % 50 == 0 {
                down = !down;
            }
            app.update(Action::Command(if down { Command::PageDown } else { Command::PageUp }));
            buf.reset();
            ui::draw(&app, screen(), &mut buf);
        });
    });
    app.update(Action::Command(Command::Bottom));
    group.bench_function("bottom_10MB", |b| {
        b.iter(|| {
            app.update(Action::Command(Command::Top));
            app.update(Action::Command(Command::Bottom));
            buf.reset();
            ui::draw(&app, screen(), &mut buf);
        });
    });
    group.finish();
}

/// 100,000 lines, 10.5 MB: Java-style frames starting with a tab (which the viewer expands, so
/// the text must be rewritten, not just scanned), every seventh wider than the viewer so it wraps.
pub fn huge_message() -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(10_600_000);
    for i in 0..100_000 {
        let pad = if i % 7 == 0 { 140 } else { 30 };
        let _ = writeln!(s, "\t{i:06} at com.example.importer.Stage.run(Importer.java:{i}) {}", "x".repeat(pad));
    }
    s
}

/// A dashboard whose selected subtask failed with `message`, focus on that subtask.
fn viewer_app(message: &str) -> Snapshot {
    let r = support::aliyun_ref("viewer");
    let mut subs: Vec<Subtask> = (0..100).map(support::subtask).collect();
    subs[0].state = SubtaskState::Failed;
    subs[0].set_error("APIG.3201", message);
    let task = oaswatch::domain::Task::new(
        r.clone(),
        oaswatch::domain::TaskKind::Import,
        oaswatch::domain::TaskState::PartiallyFailed,
        "Finished",
    )
    .with_subtasks(subs);
    Snapshot { task_ref: r, task }
}

struct Snapshot {
    task_ref: oaswatch::domain::TaskRef,
    task: oaswatch::domain::Task,
}

impl Snapshot {
    fn clone_for_bench(&self) -> App {
        let mut app =
            App::new(vec![(self.task_ref.clone(), Some(self.task.clone()))], oaswatch::app::AppOptions::default());
        app.update(Action::Resize { w: WIDTH, h: HEIGHT });
        app.update(Action::Tick(support::t0()));
        app.update(Action::Command(Command::Enter));
        app
    }
}

criterion_group!(benches, table_virtualised, table_eager, dashboard_frame, error_viewer);

/// The frame callgrind counts (`--toggle-collect='*measured_frame*'`): setup is not counted.
#[inline(never)]
fn measured_frame(app: &App, theme: &Theme, pane: Rect, buf: &mut Buffer) {
    buf.reset();
    ui::subtask_detail::render(app, theme, pane, buf);
}

#[inline(never)]
fn measured_frame_eager(subtasks: &[Subtask], buf: &mut Buffer) {
    buf.reset();
    let widths = [Constraint::Length(11), Constraint::Length(5), Constraint::Length(7), Constraint::Fill(3)];
    let table = Table::new(eager_rows(subtasks), widths).block(Block::bordered()).highlight_symbol("▶");
    let mut state = TableState::default().with_selected(Some(subtasks.len() / 2));
    StatefulWidget::render(table, Rect::new(50, 1, 150, 57), buf, &mut state);
}

/// `OASWATCH_CALLGRIND=table:N` renders the subtask table of N subtasks 100 times;
/// `eager:N` renders the eager reference 10 times. For instruction counts, not timing.
fn callgrind(which: &str) {
    let (kind, n) = which.split_once(':').expect("KIND:N");
    let n: usize = n.parse().expect("a number");
    let mut buf = Buffer::empty(screen());
    if kind == "eager" {
        let subtasks: Vec<Subtask> = (0..n).map(support::subtask).collect();
        for _ in 0..10 {
            measured_frame_eager(black_box(&subtasks), &mut buf);
        }
    } else {
        let app = dashboard(n);
        let theme = Theme::of(app.theme());
        let pane = app.panes(screen()).subtasks;
        for _ in 0..100 {
            measured_frame(black_box(&app), &theme, pane, &mut buf);
        }
    }
}

fn main() {
    if let Ok(which) = std::env::var("OASWATCH_CALLGRIND") {
        callgrind(&which);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
