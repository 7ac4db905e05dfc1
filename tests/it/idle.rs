//! Silence when nothing changes: the real event loop over the real frame backend, under tokio's
//! paused clock, with 100 finished tasks of 1,000 subtasks each for a virtual minute. Counts
//! draws and what reaches the "terminal"; CPU time is measured by `benches/system.rs idle`.

#![allow(clippy::unwrap_used, reason = "test code: fail loudly")]
use std::cell::Cell;
use std::io::{self, Write};
use std::rc::Rc;
use std::time::{Duration, SystemTime};

use futures::stream::{self, BoxStream, StreamExt};
use oaswatch::app::{App, AppOptions, Signal};
use oaswatch::domain::{Subtask, SubtaskKind, SubtaskState, SubtaskText, Task, TaskKind, TaskRef, TaskState};
use oaswatch::runtime::{Inputs, run};
use oaswatch::tui::frame_backend;
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};
use tokio::sync::mpsc;
use tokio::time::sleep;

use crate::host_support::QuietHost;

/// Counts `write` calls and bytes.
#[derive(Clone, Default)]
struct Counting(Rc<Cell<(usize, usize)>>);

impl Write for Counting {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let (writes, bytes) = self.0.get();
        self.0.set((writes + 1, bytes + buf.len()));
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn finished(i: usize) -> (TaskRef, Option<Task>) {
    let r = TaskRef::Aliyun { profile: None, region: "cn-hangzhou".into(), operation_id: format!("done{i:03}").into() };
    let subtasks = (0..1_000)
        .map(|j| {
            Subtask::new(
                SubtaskKind::Api,
                SubtaskState::Succeeded,
                SubtaskText {
                    id: &format!("api{j}"),
                    name: &format!("op{j}"),
                    method: "GET",
                    path: &format!("/v1/r/{j}"),
                    raw_status: "OVER",
                    ..SubtaskText::default()
                },
            )
            .at_index(u32::try_from(j).unwrap())
        })
        .collect();
    let task = Task::new(r.clone(), TaskKind::Import, TaskState::Succeeded, "Finished").with_subtasks(subtasks);
    (r, Some(task))
}

#[tokio::test(start_paused = true)]
async fn a_minute_with_100_finished_tasks_draws_once_and_then_writes_nothing() {
    let out = Counting::default();
    let options = TerminalOptions { viewport: Viewport::Fixed(Rect::new(0, 0, 200, 60)) };
    let mut terminal = Terminal::with_options(frame_backend(out.clone()), options).unwrap();
    let mut app = App::new((0..100).map(finished).collect(), AppOptions::default());
    let (_polled_tx, polled) = mpsc::channel(8);
    let (poll_cmds, _cmd_rx) = mpsc::channel(8);
    // A signal after the minute ends the loop; the first frame is drawn at once.
    let signals: BoxStream<'static, Signal> = stream::once(async {
        sleep(Duration::from_secs(60)).await;
        Signal::Terminate
    })
    .chain(stream::pending())
    .boxed();
    let first_frame = {
        let out = out.clone();
        async move {
            sleep(Duration::from_millis(1)).await;
            out.0.get()
        }
    };
    let inputs = Inputs { events: stream::pending(), signals, polled, poll_cmds, background: mpsc::channel(1).1 };
    let mut host = QuietHost::new();
    let (outcome, after_first) = tokio::join!(run(&mut terminal, &mut app, inputs, &mut host), first_frame);
    let outcome = outcome.unwrap();
    assert_eq!(outcome.draws, 1, "one frame at start, none in the minute after");
    assert_eq!(after_first.0, 1, "the first frame is one write");
    assert!(after_first.1 > 10_000, "a full 200x60 paint: {} bytes", after_first.1);
    assert_eq!(out.0.get(), after_first, "nothing written during the idle minute");
}

#[tokio::test(start_paused = true)]
async fn poll_results_every_50_ms_are_drawn_at_most_every_250_ms() {
    use oaswatch::poller::Polled;
    let out = Counting::default();
    let options = TerminalOptions { viewport: Viewport::Fixed(Rect::new(0, 0, 200, 60)) };
    let mut terminal = Terminal::with_options(frame_backend(out.clone()), options).unwrap();
    let r = TaskRef::Aliyun { profile: None, region: "cn-hangzhou".into(), operation_id: "busy".into() };
    let mut app = App::new(vec![(r.clone(), None)], AppOptions::default());
    let (polled_tx, polled) = mpsc::channel(8);
    let (poll_cmds, _cmd_rx) = mpsc::channel(8);
    let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let producer = tokio::spawn(async move {
        for i in 0..40u32 {
            sleep(Duration::from_millis(50)).await;
            let task = Task::new(r.clone(), TaskKind::Import, TaskState::Running, format!("Running {i}"));
            let at = start + Duration::from_millis(50 * u64::from(i + 1));
            let result = Polled {
                task_ref: r.clone(),
                at,
                result: Ok(Box::new(task)),
                next_poll_in: None,
                groups: None,
                share: None,
            };
            polled_tx.send(result).await.unwrap();
        }
    });
    let signals: BoxStream<'static, Signal> = stream::once(async {
        sleep(Duration::from_millis(2_100)).await;
        Signal::Terminate
    })
    .chain(stream::pending())
    .boxed();
    let inputs = Inputs { events: stream::pending(), signals, polled, poll_cmds, background: mpsc::channel(1).1 };
    let mut host = QuietHost::new();
    let outcome = run(&mut terminal, &mut app, inputs, &mut host).await.unwrap();
    producer.await.unwrap();
    // 40 changed snapshots in 2 s: the first frame, then at most one per 250 ms (and the last).
    assert!((8..=10).contains(&outcome.draws), "{} draws for 40 results", outcome.draws);
}
