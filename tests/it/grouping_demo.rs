//! The demo's failures as a new user meets them: every demo task fetched to its end from the
//! simulator over HTTP, the dashboard opened on them, `F` pressed on the import with the most
//! failures. At 80x24 and 120x40 the biggest cause comes first, the consequences sit under the
//! cause that brought them down, and each group's distinguishing words are on screen; `v` shows
//! the values a consequence's variables took.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "test code: a failure fails the test")]

use crate::common;

use std::time::{Duration, SystemTime};

use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyEventState, KeyModifiers};
use oaswatch::analysis::FailureGroup;
use oaswatch::app::keymap::action_for_event;
use oaswatch::app::{Action, App, AppOptions};
use oaswatch::ui;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn press(app: &mut App, c: char) {
    let modifiers = if c.is_ascii_uppercase() { KeyModifiers::SHIFT } else { KeyModifiers::NONE };
    let event = Event::Key(KeyEvent {
        code: KeyCode::Char(c),
        modifiers,
        kind: KeyEventKind::Press,
        state: KeyEventState::NONE,
    });
    if let Some(action) = action_for_event(app, event) {
        app.update(action);
    }
}

fn screen(app: &mut App, w: u16, h: u16) -> String {
    app.update(Action::Resize { w, h });
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| ui::render(app, f)).unwrap();
    terminal.backend().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demos_biggest_cause_comes_first_and_every_group_reads_apart() {
    let (tasks, _) = common::finished_demo().await;
    let shop = &tasks[0].1.as_ref().unwrap();
    let mut app = App::new(tasks.clone(), AppOptions::default());
    app.update(Action::Tick(SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000)));
    press(&mut app, 'F');

    let groups = app.selected_entry().unwrap().insight.groups().to_vec();
    assert!(groups.len() >= 3, "{groups:#?}");
    let impact: Vec<usize> = groups.iter().filter(|g| !g.is_consequence()).map(FailureGroup::impact).collect();
    assert!(impact.windows(2).all(|w| w[0] >= w[1]), "biggest cause first: {impact:?}");
    assert_eq!(app.selected_entry().unwrap().insight.group_selected(), 0, "the tab opens on the biggest");
    assert!(groups.iter().any(FailureGroup::is_consequence), "the demo cancels APIs whose model failed");

    for (w, h) in [(80, 24), (120, 40)] {
        let text = screen(&mut app, w, h);
        // Every visible group row shows words that its neighbours' rows do not.
        let rows: Vec<&str> = text.lines().filter(|l| l.contains("APIs") || l.contains("model")).collect();
        for pair in rows.windows(2) {
            assert_ne!(pair[0].trim_start_matches(['┃', '▶', ' ']), pair[1].trim_start_matches(['┃', '▶', ' ']));
        }
        insta::assert_snapshot!(format!("demo_groups_{w}x{h}"), text);
    }

    // On the first consequence: the values its variables took.
    let consequence = groups.iter().position(FailureGroup::is_consequence).unwrap();
    for _ in 0..consequence {
        press(&mut app, 'j');
    }
    press(&mut app, 'v');
    let values = app.selected_entry().unwrap().insight.values().unwrap().to_vec();
    let model = values.iter().find(|v| v.name == "{model}").expect("the cancelled APIs name a {model}");
    let named: u32 = model.values.iter().map(|(_, n)| n).sum();
    assert_eq!(named as usize, groups[consequence].count(), "every member names its model");
    for (name, _) in &model.values {
        assert!(shop.subtasks.iter().any(|s| s.name() == name), "{name} is a model of the task");
    }
    insta::assert_snapshot!("demo_groups_values_120x40", screen(&mut app, 120, 40));
}
