//! Render snapshots of the failure-analysis screens: the groups tab (both clouds), a group's
//! members, ETA and stalled labels, change marks with the sparkline, an export document in the
//! viewer and the report prompt.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Modifier;

use crate::app::fixtures::*;
use crate::app::{Action, App, Command};
use crate::domain::{ExportFile, SubtaskState, Task, TaskKind, TaskState};

fn screen(app: &mut App, w: u16, h: u16) -> String {
    draw(app, w, h).backend().to_string()
}

fn draw(app: &mut App, w: u16, h: u16) -> Terminal<TestBackend> {
    app.update(Action::Resize { w, h });
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| super::render(app, f)).unwrap();
    terminal
}

fn grouped() -> App {
    let r = aliyun("4c53ccf1d40c489686d1adf5c2644a7f");
    let mut app = app(vec![(r.clone(), Some(task(&r, TaskState::PartiallyFailed, grouped_subtasks())))]);
    app.update(Action::Polled(ok(task(&r, TaskState::PartiallyFailed, grouped_subtasks()), 3)));
    app.update(Action::Tick(at(10)));
    app
}

#[test]
fn groups_tab_aliyun() {
    let mut app = grouped();
    app.update(Action::Command(Command::Groups));
    insta::assert_snapshot!("groups_tab_aliyun_100x30", screen(&mut app, 100, 30));
    insta::assert_snapshot!("groups_tab_aliyun_60x15", screen(&mut app, 60, 15));
}

/// Huawei failures carry `error_code` + `error_msg` and no id; the codes get a column.
fn huawei_failures() -> Vec<crate::domain::Subtask> {
    let mut subs = mixed(6, 0, 0);
    let failures = [
        (1, "APIG.3301", "The API name createUser already exists"),
        (2, "APIG.3301", "The API name getUser already exists"),
        (3, "APIG.3301", "The API name deleteUser already exists"),
        (4, "APIG.2011", "Invalid parameter: req_uri /v1/users/{id}/ contains an illegal character"),
        (5, "APIG.3301", "The API name listOrders already exists"),
    ];
    for (i, code, message) in failures {
        let s = &mut subs[i];
        s.state = SubtaskState::Failed;
        s.set_id(String::new());
        s.set_raw_status(String::new());
        s.set_name(message.split(' ').nth(3).unwrap_or_default());
        s.set_error(code, message);
    }
    subs
}

#[test]
fn groups_tab_huawei() {
    let r = huawei("d9ce2d1c8e6f4c3f9a1b2c3d4e5f6a7b");
    let mut app = app(vec![(r.clone(), None)]);
    app.update(Action::Polled(ok(task(&r, TaskState::PartiallyFailed, huawei_failures()), 3)));
    app.update(Action::Tick(at(10)));
    app.update(Action::Command(Command::Groups));
    let text = screen(&mut app, 100, 30);
    assert!(text.contains("APIG.3301"), "{text}");
    insta::assert_snapshot!("groups_tab_huawei_100x30", text);
}

#[test]
fn a_groups_members() {
    let mut app = grouped();
    app.update(Action::Command(Command::Groups));
    app.update(Action::Command(Command::Enter));
    insta::assert_snapshot!("group_members_100x30", screen(&mut app, 100, 30));
    app.update(Action::Command(Command::NextFailure));
    insta::assert_snapshot!("group_member_viewer_100x30", screen(&mut app, 100, 30));
}

fn running(r: &crate::domain::TaskRef, done: usize, total: usize) -> Task {
    task(r, TaskState::Running, mixed(done, 0, total - done))
}

/// An estimate, a stall, a Huawei task without per-subtask progress, and one just started.
fn eta_dashboard() -> App {
    let (a, b, c, d) = (
        aliyun("4c53ccf1d40c489686d1adf5c2644a7f"),
        aliyun("stalled0000000000000000000000001"),
        huawei("d9ce2d1c8e6f4c3f9a1b2c3d4e5f6a7b"),
        aliyun("new00000000000000000000000000001"),
    );
    let mut app = app(vec![(a.clone(), None), (b.clone(), None), (c.clone(), None), (d.clone(), None)]);
    // Every task answered recently (nothing is stale): the labels are about the tasks.
    for (k, secs) in [(0, 0), (12, 30), (24, 60), (36, 90), (48, 120), (60, 150), (72, 178)] {
        app.update(Action::Polled(ok(running(&a, k, 200), secs)));
    }
    for (k, secs) in [(5, 0), (10, 20), (10, 50), (10, 80), (10, 110), (10, 140), (10, 176)] {
        app.update(Action::Polled(ok(running(&b, k, 40), secs)));
    }
    app.update(Action::Polled(ok(running(&c, 0, 0), 177)));
    app.update(Action::Polled(ok(running(&d, 1, 30), 175)));
    app.update(Action::Tick(at(180)));
    app
}

#[test]
fn task_list_with_eta_and_stalled() {
    let mut app = eta_dashboard();
    let text = screen(&mut app, 100, 30);
    for label in ["24/min · ETA 6m", "stalled 2m", "no per-subtask progress (Huawei)", "ETA: not enough data yet"] {
        assert!(text.contains(label), "{label}: {text}");
    }
    insta::assert_snapshot!("task_list_eta_100x30", text);
    insta::assert_snapshot!("task_list_eta_60x15", screen(&mut app, 60, 15));
}

#[test]
fn the_activity_line_with_a_sparkline_and_change_marks() {
    let r = aliyun("4c53ccf1d40c489686d1adf5c2644a7f");
    let mut app = app(vec![(r.clone(), None)]);
    // Completions over three polls; subtask 9 fails at 60 s and 17 at 90 s.
    let snapshot = |done: usize, failed: &[usize]| {
        let mut subs = mixed(0, 0, 40);
        for (i, s) in subs.iter_mut().enumerate().take(done) {
            s.state = SubtaskState::Succeeded;
            s.set_raw_status("OVER");
            if failed.contains(&i) {
                s.state = SubtaskState::Failed;
                s.set_raw_status("FAIL");
                s.set_error("APIG.3201", format!("API path /v1/users/{i} already exists in group"));
            }
        }
        task(&r, TaskState::Running, subs)
    };
    app.update(Action::Polled(ok(snapshot(0, &[]), 0)));
    app.update(Action::Polled(ok(snapshot(3, &[]), 30)));
    app.update(Action::Polled(ok(snapshot(10, &[9]), 60)));
    // The user looks at the task, then goes back to the list: that is what they saw.
    app.update(Action::Command(Command::Enter));
    app.update(Action::Command(Command::Back));
    app.update(Action::Polled(ok(snapshot(18, &[9, 17]), 90)));
    app.update(Action::Tick(at(95)));
    app.update(Action::Command(Command::Enter));
    app.update(Action::Command(Command::CycleSort));
    let term = draw(&mut app, 100, 30);
    let text = term.backend().to_string();
    assert!(text.contains("• 8 changed"), "{text}");
    insta::assert_snapshot!("changes_and_sparkline_100x30", text);
    // The mark is a glyph and emphasis, not colour alone.
    let buf = term.backend().buffer();
    let (x, y) = (0..buf.area.height)
        .flat_map(|y| (0..buf.area.width).map(move |x| (x, y)))
        .find(|&(x, y)| y > 8 && buf[(x, y)].symbol() == "•")
        .unwrap();
    assert!(buf[(x, y)].modifier.contains(Modifier::BOLD));
    assert!(buf[(x + 30, y)].modifier.contains(Modifier::BOLD), "the whole row stands out");
    app.update(Action::Command(Command::ChangesOnly));
    insta::assert_snapshot!("changes_only_100x30", screen(&mut app, 100, 30));
}

#[test]
fn export_content_in_the_viewer() {
    let r = huawei("e1b2c3d4e5f60718293a4b5c6d7e8f90");
    let mut t = Task::new(r.clone(), TaskKind::Export, TaskState::Succeeded, "succeed");
    let spec =
        (0..30).map(|i| format!("\t\t\"/v1/r{i}\": {{\"get\": {{\"operationId\": \"get{i}\"}}}},")).collect::<Vec<_>>();
    t.export = Some(ExportFile {
        file_name: "APIGroup_users_2024-05-01 12:00:00".into(),
        file_type: ".json".into(),
        content: format!("{{\n\t\"swagger\": \"2.0\",\n\t\"paths\": {{\n{}\n\t}}\n}}", spec.join("\n")),
    });
    let mut app = app(vec![(r.clone(), None)]);
    app.update(Action::Polled(ok(t, 4)));
    app.update(Action::Tick(at(10)));
    insta::assert_snapshot!("export_task_listed_100x30", screen(&mut app, 100, 30));
    app.update(Action::Command(Command::Enter));
    insta::assert_snapshot!("export_viewer_100x30", screen(&mut app, 100, 30));
}

#[test]
fn the_report_prompt() {
    let mut app = grouped();
    app.update(Action::Command(Command::Report));
    insta::assert_snapshot!("report_prompt_100x30", screen(&mut app, 100, 30));
    insta::assert_snapshot!("report_prompt_60x15", screen(&mut app, 60, 15));
}
