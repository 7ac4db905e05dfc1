//! The event loop's clock under tokio's paused clock (RELIABILITY.md §1, found by the hostile
//! pty test): a flash message set after a long idle period (nothing on screen counting seconds,
//! so no tick) stays up for its full time instead of vanishing on the next tick because the
//! app's `now` was stale.

#![allow(clippy::unwrap_used, reason = "test setup fails loudly")]

use std::io;
use std::time::Duration;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyEventState, KeyModifiers};
use futures::stream::{self, BoxStream, StreamExt};
use oaswatch::app::{App, AppOptions, Signal};
use oaswatch::domain::{
    ApiErrorRef, Subtask, SubtaskKind, SubtaskState, SubtaskText, Task, TaskKind, TaskRef, TaskState,
};
use oaswatch::runtime::{Inputs, run};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::mpsc;
use tokio::time::sleep;

use crate::host_support::QuietHost;

fn finished_with_failures(r: &TaskRef) -> Task {
    let subtasks = (0..3)
        .map(|i| {
            Subtask::new(
                SubtaskKind::Api,
                if i == 0 { SubtaskState::Failed } else { SubtaskState::Succeeded },
                SubtaskText {
                    id: &format!("api{i}"),
                    name: &format!("op{i}"),
                    method: "GET",
                    path: &format!("/v1/r/{i}"),
                    error: (i == 0).then(|| ApiErrorRef::new("E1", "boom")),
                    ..SubtaskText::default()
                },
            )
            .at_index(i)
        })
        .collect();
    Task::new(r.clone(), TaskKind::Import, TaskState::PartiallyFailed, "Finished").with_subtasks(subtasks)
}

/// Presses `n` after `idle` of a quiet screen and returns the screen `look_after` later.
async fn screen_after_key(idle: Duration, look_after: Duration) -> String {
    let r = TaskRef::Aliyun { profile: None, region: "cn-hangzhou".into(), operation_id: "done".into() };
    let mut app = App::new(vec![(r.clone(), Some(finished_with_failures(&r)))], AppOptions::default());
    let mut terminal = Terminal::new(TestBackend::new(100, 30)).unwrap();
    let mut host = QuietHost::new();
    let key = Event::Key(KeyEvent {
        code: KeyCode::Char('n'),
        modifiers: KeyModifiers::NONE,
        kind: KeyEventKind::Press,
        state: KeyEventState::NONE,
    });
    let events = stream::once(async move {
        sleep(idle).await;
        Ok::<Event, io::Error>(key)
    })
    .chain(stream::pending())
    .boxed();
    let signals: BoxStream<'static, Signal> = stream::once(async move {
        sleep(idle + look_after).await;
        Signal::Terminate
    })
    .chain(stream::pending())
    .boxed();
    let (_polled_tx, polled) = mpsc::channel(8);
    let (poll_cmds, _cmd_rx) = mpsc::channel(8);
    let (_background_tx, background) = mpsc::channel(8);
    let inputs = Inputs { events, signals, polled, poll_cmds, background };
    run(&mut terminal, &mut app, inputs, &mut host).await.unwrap();
    terminal.backend().to_string()
}

#[tokio::test(start_paused = true)]
async fn a_flash_after_a_long_idle_stays_for_its_time_then_goes() {
    let shown = screen_after_key(Duration::from_secs(30), Duration::from_secs(2)).await;
    assert!(shown.contains("1/1 not imported"), "the flash is still up 2 s later:\n{shown}");
    let gone = screen_after_key(Duration::from_secs(30), Duration::from_secs(6)).await;
    assert!(!gone.contains("1/1 not imported"), "and gone after its 4 s:\n{gone}");
}
