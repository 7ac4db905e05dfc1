//! Every pane of the dashboard at 80x24, 120x40 and 200x60, on the demo's tasks fetched to
//! their end from the simulator and labelled as `oaswatch import` labels them: the task list,
//! the subtasks, the error viewer, the groups tab, help, the remove dialog, the report prompt
//! and the task filter. Besides the snapshots, each screen is checked for what issue 16 asks:
//! labels on the rows, whole task and subtask ids in the viewer and the dialogs, the error
//! column at least 40% of the subtask table at 120 and 200 columns, and no help line cut.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "test code: a failure fails the test")]

use crate::common;

use std::time::{Duration, SystemTime};

use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyEventState, KeyModifiers};
use oaswatch::app::keyhelp;
use oaswatch::app::keymap::{KeyContext, action_for_event};
use oaswatch::app::{Action, App, AppOptions};
use oaswatch::domain::{Task, TaskRef};
use oaswatch::ui;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const SIZES: [(u16, u16); 3] = [(80, 24), (120, 40), (200, 60)];

fn key(app: &mut App, code: KeyCode) {
    let modifiers = match code {
        KeyCode::Char(c) if c.is_ascii_uppercase() => KeyModifiers::SHIFT,
        _ => KeyModifiers::NONE,
    };
    let event = Event::Key(KeyEvent { code, modifiers, kind: KeyEventKind::Press, state: KeyEventState::NONE });
    if let Some(action) = action_for_event(app, event) {
        app.update(action);
    }
}

fn keys(app: &mut App, text: &str) {
    for c in text.chars() {
        key(app, if c == '\r' { KeyCode::Enter } else { KeyCode::Char(c) });
    }
}

fn screen(app: &mut App, w: u16, h: u16) -> String {
    app.update(Action::Resize { w, h });
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| ui::render(app, f)).unwrap();
    terminal.backend().to_string()
}

/// The screen's text as TestBackend's Display writes it: one quoted line per row.
fn rows(text: &str) -> Vec<String> {
    text.lines().map(|l| l.trim_start_matches('"').trim_end_matches('"').to_owned()).collect()
}

/// Text without whitespace and borders, so a value wrapped over several rows reads as one.
fn squeeze(text: &str) -> String {
    rows(text)
        .concat()
        .chars()
        .filter(|c| !c.is_whitespace() && !('\u{2500}'..='\u{257f}').contains(c) && *c != '▌')
        .collect()
}

fn dashboard(tasks: &[(TaskRef, Option<Task>)], labels: &[(TaskRef, String)]) -> App {
    let mut app = App::new(tasks.to_vec(), AppOptions::default());
    for (task_ref, label) in labels {
        app.set_label(task_ref, Some(label.clone()));
    }
    app.update(Action::Tick(SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000)));
    app
}

/// Columns of the subtask table on its header row, and of its error column.
fn error_share(text: &str) -> Option<(usize, usize)> {
    let header =
        rows(text).into_iter().find(|l| l.contains(" state") && l.ends_with(['│', '┃']) && l.contains(" error"))?;
    let chars: Vec<char> = header.chars().collect();
    let state = header[..header.find(" state")?].chars().count();
    let left = chars[..state].iter().rposition(|c| matches!(c, '│' | '┃'))?;
    let right = chars.len() - 1;
    let error =
        chars.iter().enumerate().skip(state).find(|(i, _)| chars[*i..].starts_with(&['e', 'r', 'r', 'o', 'r']))?.0;
    Some((error, right - left - 1)).map(|(error, table)| (right - error, table))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_pane_at_three_sizes_shows_what_tells_tasks_apart() {
    let (tasks, labels) = common::finished_demo().await;
    assert!(labels.len() >= 5, "{labels:?}");
    // The import with the most failures: the subtasks, the viewer and the groups show it.
    let worst = tasks
        .iter()
        .max_by_key(|(_, t)| t.as_ref().map_or(0, |t| t.counts.failed + t.counts.cancelled))
        .map(|(r, _)| r.clone())
        .unwrap();

    for (w, h) in SIZES {
        let name = |pane: &str| format!("{pane}_{w}x{h}");

        // The task list: every row carries its label (as far as the row's width goes).
        let mut app = dashboard(&tasks, &labels);
        let text = screen(&mut app, w, h);
        let mut shown = 0;
        for (task_ref, label) in &labels {
            let id = &task_ref.task_id()[..6];
            let Some(row) = rows(&text).into_iter().find(|r| r.contains(id)) else { continue };
            let file = label.split(" → ").next().unwrap();
            assert!(row.contains(file), "{w}x{h}: the label {label:?} is on its row:\n{text}");
            shown += 1;
        }
        assert!(shown >= 3, "{w}x{h}: {shown} labelled rows on screen:\n{text}");
        insta::assert_snapshot!(name("tasks"), text);

        // The subtasks of the worst import: the error column gets its share.
        assert!(app.select_task_ref(&worst));
        key(&mut app, KeyCode::Enter);
        let text = screen(&mut app, w, h);
        if w >= 120 {
            let (error, table) = error_share(&text).unwrap_or_else(|| panic!("no table header:\n{text}"));
            assert!(error * 100 >= table * 40, "{w}x{h}: error {error} of {table} columns:\n{text}");
        }
        insta::assert_snapshot!(name("subtasks"), text);

        // Its first failure in the viewer: the whole subtask id, and the task reference whole
        // in the task-level viewer.
        key(&mut app, KeyCode::Char('n'));
        let text = screen(&mut app, w, h);
        let entry = app.selected_entry().unwrap();
        let pos = entry.view.selected_pos().unwrap();
        let id = entry.task.as_ref().unwrap().subtasks[pos].id().to_owned();
        assert!(!id.is_empty() && squeeze(&text).contains(&id), "{w}x{h}: the whole id {id}:\n{text}");
        insta::assert_snapshot!(name("viewer"), text);

        // The viewer's search: matches highlighted, n/N between them, the count in the title.
        keys(&mut app, "/the\r");
        let text = screen(&mut app, w, h);
        assert!(text.contains("/the "), "{w}x{h}: the search in the title:\n{text}");
        insta::assert_snapshot!(name("viewer_search"), text);
        key(&mut app, KeyCode::Esc);

        // The groups tab.
        key(&mut app, KeyCode::Char('F'));
        insta::assert_snapshot!(name("groups"), screen(&mut app, w, h));

        // The remove dialog names the task by its label and its whole reference.
        let mut app = dashboard(&tasks, &labels);
        assert!(app.select_task_ref(&worst));
        key(&mut app, KeyCode::Char('d'));
        let text = screen(&mut app, w, h);
        assert!(squeeze(&text).contains(&worst.to_string()), "{w}x{h}: the whole reference:\n{text}");
        insta::assert_snapshot!(name("remove"), text);
        key(&mut app, KeyCode::Esc);

        // The report prompt.
        key(&mut app, KeyCode::Char('x'));
        insta::assert_snapshot!(name("report"), screen(&mut app, w, h));
        key(&mut app, KeyCode::Esc);

        // The task filter and a sort: shown in the list's frame.
        keys(&mut app, "/huawei\rs");
        let text = screen(&mut app, w, h);
        assert!(text.contains("sort: added ↓") && text.contains("filter \"huawei\""), "{w}x{h}:\n{text}");
        assert!(!text.contains("aliyun://"), "{w}x{h}: only Huawei tasks:\n{text}");
        insta::assert_snapshot!(name("tasks_filtered"), text);

        // Help, sized to the screen and scrolled to the end: every line whole.
        let mut app = dashboard(&tasks, &labels);
        key(&mut app, KeyCode::Char('?'));
        let mut seen = String::new();
        let mut pages = Vec::new();
        for _ in 0..30 {
            let text = screen(&mut app, w, h);
            // Only what is inside the help box: the panes around it are not help.
            for row in rows(&text) {
                if let (Some(a), Some(b)) = (row.find('║'), row.rfind('║'))
                    && a < b
                {
                    seen.extend(row[a + '║'.len_utf8()..b].chars().filter(|c| !c.is_whitespace()));
                }
            }
            let done = !text.contains("more (j/k");
            pages.push(text);
            if done {
                break;
            }
            for _ in 0..h / 2 {
                key(&mut app, KeyCode::Char('j'));
            }
        }
        for section in keyhelp::sections(app.keymap(), KeyContext::Tasks) {
            for row in section.rows {
                let line = format!("{}·{}·{}", row.keys_label(), row.command.name(), row.what);
                let line: String = line.chars().filter(|c| !c.is_whitespace()).collect();
                assert!(seen.contains(&line), "{w}x{h}: help line cut or missing: {line}\n{}", pages.join("\n"));
            }
        }
        for page in &pages {
            assert!(!page.contains("…║"), "{w}x{h}: a help line ends cut:\n{page}");
        }
        insta::assert_snapshot!(name("help"), &pages[0]);
    }
}
