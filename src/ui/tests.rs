//! Render snapshots (insta + TestBackend) and hostile-text checks.
//!
//! Time is fixed: the app's clock only moves with `Action::Tick`/`Polled.at` from the fixtures.

use std::fmt::Write as _;
use std::time::Duration;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Color;

use crate::app::fixtures::*;
use crate::app::{Action, App, AppOptions, Command};
use crate::config::ThemeName;
use crate::domain::{FetchErrorKind, SubtaskState, TaskState};

fn draw(app: &mut App, w: u16, h: u16) -> Terminal<TestBackend> {
    app.update(Action::Resize { w, h });
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| super::render(app, f)).unwrap();
    terminal
}

fn screen(app: &mut App, w: u16, h: u16) -> String {
    draw(app, w, h).backend().to_string()
}

fn buffer_text(buf: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

/// Three tasks: running, partially failed (with a saved-then-confirmed history), succeeded.
fn dashboard() -> App {
    let (a, b, c) =
        (aliyun("4c53ccf1d40c489686d1adf5c2644a7f"), huawei("d9ce2d1c8e6f4c3f9a1b2c3d4e5f6a7b"), aliyun("0a1b2c3d"));
    let mut app = app(vec![(a.clone(), None), (b.clone(), None), (c.clone(), None)]);
    app.update(Action::Polled(ok(task(&a, TaskState::Running, mixed(12, 2, 6)), 0)));
    app.update(Action::Polled(ok(task(&b, TaskState::PartiallyFailed, mixed(17, 3, 0)), 2)));
    app.update(Action::Polled(ok(task(&c, TaskState::Succeeded, mixed(40, 0, 0)), 3)));
    app.update(Action::Tick(at(12)));
    app
}

#[test]
fn empty_list_shows_how_to_add_a_task() {
    let mut app = app(vec![]);
    insta::assert_snapshot!("empty_100x30", screen(&mut app, 100, 30));
    insta::assert_snapshot!("empty_60x15", screen(&mut app, 60, 15));
}

#[test]
fn loading_before_the_first_answer() {
    let r = aliyun("4c53ccf1d40c489686d1adf5c2644a7f");
    let mut app = app(vec![(r, None)]);
    insta::assert_snapshot!("loading_100x30", screen(&mut app, 100, 30));
}

#[test]
fn running_and_finished_tasks() {
    let mut app = dashboard();
    insta::assert_snapshot!("dashboard_running_100x30", screen(&mut app, 100, 30));
    insta::assert_snapshot!("dashboard_running_60x15", screen(&mut app, 60, 15));
}

#[test]
fn finished_with_failures_subtasks_focused() {
    let mut app = dashboard();
    app.update(Action::Command(Command::Down));
    app.update(Action::Command(Command::Enter));
    insta::assert_snapshot!("partially_failed_subtasks_100x30", screen(&mut app, 100, 30));
    insta::assert_snapshot!("partially_failed_subtasks_60x15", screen(&mut app, 60, 15));
}

#[test]
fn failed_rows_are_red_and_not_only_red() {
    let mut app = dashboard();
    app.update(Action::Command(Command::Down));
    app.update(Action::Command(Command::Enter));
    let term = draw(&mut app, 100, 30);
    let buf = term.backend().buffer();
    let text = buffer_text(buf);
    let (y, line) = text.lines().enumerate().find(|(_, l)| l.starts_with('┃') && l.contains("✘ failed")).unwrap();
    let x = line.chars().position(|c| c == '✘').unwrap();
    assert_eq!(buf[(u16::try_from(x).unwrap(), u16::try_from(y).unwrap())].fg, Color::Red);
    // In monochrome the word and glyph carry the meaning.
    let mut mono = App::new(vec![], AppOptions { theme: ThemeName::Mono, ..AppOptions::default() });
    mono.update(Action::Tick(t0()));
    let term = draw(&mut mono, 60, 15);
    assert!(term.backend().buffer().content().iter().all(|c| c.fg == Color::Reset && c.bg == Color::Reset));
}

#[test]
fn fetch_error_badges_and_stale_data() {
    let (a, b, c, d) = (aliyun("auth0001"), aliyun("throttle2"), huawei("network3"), aliyun("stale0004"));
    let mut app = app(vec![
        (a.clone(), None),
        (b.clone(), Some(task(&b, TaskState::Running, mixed(3, 1, 4)))),
        (c.clone(), None),
        (d.clone(), None),
    ]);
    app.update(Action::Polled(err(&a, FetchErrorKind::Auth, 1)));
    app.update(Action::Polled(ok(task(&b, TaskState::Running, mixed(3, 1, 4)), 1)));
    app.update(Action::Polled(err(&b, FetchErrorKind::Throttled, 30)));
    app.update(Action::Polled(ok(task(&c, TaskState::Running, mixed(1, 0, 1)), 2)));
    app.update(Action::Polled(err(&c, FetchErrorKind::Network, 40)));
    app.update(Action::Polled(ok(task(&d, TaskState::Running, mixed(5, 0, 5)), 3)));
    app.update(Action::Tick(at(60)));
    insta::assert_snapshot!("fetch_errors_and_stale_100x30", screen(&mut app, 100, 30));
    app.update(Action::Command(Command::OpenError));
    insta::assert_snapshot!("fetch_error_viewer_100x30", screen(&mut app, 100, 30));
}

#[test]
fn saved_snapshot_marked_until_confirmed_and_paused_banner() {
    let r = aliyun("4c53ccf1d40c489686d1adf5c2644a7f");
    let mut app = app(vec![(r.clone(), Some(task(&r, TaskState::Running, mixed(8, 1, 3))))]);
    app.update(Action::Command(Command::Pause));
    insta::assert_snapshot!("saved_snapshot_paused_100x30", screen(&mut app, 100, 30));
}

#[test]
fn help_overlay_for_the_subtask_pane() {
    let mut app = dashboard();
    app.update(Action::Command(Command::Enter));
    app.update(Action::Command(Command::Help));
    insta::assert_snapshot!("help_subtasks_100x30", screen(&mut app, 100, 30));
}

#[test]
fn input_line_with_a_validation_error() {
    let mut app = dashboard();
    app.update(Action::Command(Command::Add));
    type_text(&mut app, "aliyun://cn-hangzhou");
    insta::assert_snapshot!("add_invalid_100x30", screen(&mut app, 100, 30));
    type_text(&mut app, "/abc123");
    insta::assert_snapshot!("add_valid_60x15", screen(&mut app, 60, 15));
}

#[test]
fn filter_line_and_title() {
    let mut app = dashboard();
    app.update(Action::Command(Command::Down));
    app.update(Action::Command(Command::Filter));
    type_text(&mut app, "users/1");
    insta::assert_snapshot!("filter_typing_100x30", screen(&mut app, 100, 30));
}

#[test]
fn remove_confirmation() {
    let mut app = dashboard();
    app.update(Action::Command(Command::Remove));
    insta::assert_snapshot!("confirm_remove_100x30", screen(&mut app, 100, 30));
}

fn long_error_app() -> App {
    let r = aliyun("4c53ccf1d40c489686d1adf5c2644a7f");
    let mut subtasks = mixed(3, 2, 0);
    let message = (1..=30)
        .map(|i| {
            format!(
                "line {i}: the API definition at paths./v1/users/{{id}}.post.requestBody does not match schema User"
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    for s in subtasks.iter_mut().filter(|s| s.state == SubtaskState::Failed) {
        s.set_error("APIG.3201", message.clone());
    }
    let mut app = app(vec![(r.clone(), Some(task(&r, TaskState::PartiallyFailed, subtasks)))]);
    app.update(Action::Command(Command::NextFailure));
    app
}

#[test]
fn error_viewer_wrapped_unwrapped_and_raw() {
    let mut app = long_error_app();
    insta::assert_snapshot!("viewer_wrapped_100x30", screen(&mut app, 100, 30));
    app.update(Action::Command(Command::Down));
    app.update(Action::Command(Command::Down));
    app.update(Action::Command(Command::ToggleWrap));
    app.update(Action::Command(Command::Right));
    insta::assert_snapshot!("viewer_unwrapped_scrolled_100x30", screen(&mut app, 100, 30));
    app.update(Action::Command(Command::ToggleRaw));
    insta::assert_snapshot!("viewer_raw_100x30", screen(&mut app, 100, 30));
    app.update(Action::Command(Command::ToggleRaw));
    app.update(Action::Command(Command::ToggleWrap));
    insta::assert_snapshot!("viewer_wide_200x60", screen(&mut app, 200, 60));
    app.update(Action::Resize { w: 60, h: 15 });
    app.update(Action::Command(Command::Bottom));
    insta::assert_snapshot!("viewer_bottom_60x15", screen(&mut app, 60, 15));
}

#[test]
fn tiny_terminals_do_not_panic() {
    let mut app = long_error_app();
    insta::assert_snapshot!("tiny_viewer_20x5", screen(&mut app, 20, 5));
    app.update(Action::Command(Command::Back));
    insta::assert_snapshot!("tiny_subtasks_20x5", screen(&mut app, 20, 5));
    app.update(Action::Command(Command::Back));
    insta::assert_snapshot!("tiny_tasks_20x5", screen(&mut app, 20, 5));
    for (w, h) in [(0, 0), (1, 1), (19, 5), (20, 4), (3, 40), (200, 1), (45, 8), (59, 14)] {
        for focus_cmd in [Command::Back, Command::Enter, Command::Enter, Command::Help] {
            app.update(Action::Command(focus_cmd));
            let _ = buffer_text(draw(&mut app, w, h).backend().buffer());
        }
        app.update(Action::Command(Command::Back));
    }
    let mut empty = crate::app::fixtures::app(vec![]);
    insta::assert_snapshot!("too_small_19x4", screen(&mut empty, 19, 4));
}

/// Every cell of every screen: no escape character, no other control character.
fn assert_no_control_chars(buf: &Buffer) {
    for (i, cell) in buf.content().iter().enumerate() {
        assert!(!cell.symbol().chars().any(char::is_control), "control char at cell {i}: {:?}", cell.symbol());
    }
}

fn hostile_app(message: &str, name: &str) -> App {
    let r = aliyun("4c53ccf1d40c489686d1adf5c2644a7f");
    let mut subtasks = mixed(2, 2, 0);
    for s in subtasks.iter_mut().filter(|s| s.state == SubtaskState::Failed) {
        s.set_error("E\u{1b}[31m", message);
        s.set_name(name);
        s.set_path(format!("/x{name}"));
    }
    app(vec![(r.clone(), Some(task(&r, TaskState::PartiallyFailed, subtasks)))])
}

#[test]
fn hostile_text_renders_visibly_and_never_reaches_a_cell_raw() {
    let osc52 = "evil\u{1b}]52;c;ZXZpbA==\u{7}after \u{1b}[2J\u{1b}]0;pwned\u{7}\r\nsecond line";
    let bidi = "api\u{202E}txt.exe\u{200B}";
    let mut app = hostile_app(osc52, bidi);
    app.update(Action::Command(Command::Enter));
    let table = draw(&mut app, 100, 30);
    assert_no_control_chars(table.backend().buffer());
    let text = buffer_text(table.backend().buffer());
    assert!(text.contains("evil^[]52;c;ZXZpbA=="), "{text}");
    assert!(text.contains("/xapi\\u{202e}txt.exe\\"), "{text}");
    insta::assert_snapshot!("hostile_subtasks_100x30", table.backend());
    app.update(Action::Command(Command::Enter));
    let viewer = draw(&mut app, 100, 30);
    assert_no_control_chars(viewer.backend().buffer());
    let text = buffer_text(viewer.backend().buffer());
    assert!(text.contains("evil^[]52;c;ZXZpbA==^Gafter ^[[2J^[]0;pwned^G"), "{text}");
    assert!(text.contains("second line"), "the CR LF is a line break, the CR is not drawn");
    insta::assert_snapshot!("hostile_viewer_100x30", viewer.backend());
}

#[test]
fn hostile_text_in_the_compressed_rest_of_a_long_message_is_escaped_in_the_viewer() {
    let message =
        format!("{}evil\u{1b}]52;c;ZXZpbA==\u{7}tail", "\tat com.example.Importer.run(Importer.java)\n".repeat(40));
    let mut app = hostile_app(&message, "api");
    app.update(Action::Command(Command::Enter));
    let table = draw(&mut app, 100, 30);
    assert_no_control_chars(table.backend().buffer());
    let rows = buffer_text(table.backend().buffer());
    assert!(rows.contains("E^[[31m  at com.example.Importer.run(Importer.ja…"), "the row shows the head: {rows}");
    app.update(Action::Command(Command::Enter));
    app.update(Action::Command(Command::Bottom));
    let viewer = draw(&mut app, 100, 30);
    assert_no_control_chars(viewer.backend().buffer());
    let text = buffer_text(viewer.backend().buffer());
    assert!(text.contains("evil^[]52;c;ZXZpbA==^Gtail"), "{text}");
}

#[test]
fn huge_messages_are_cut_in_cells_and_scroll_in_the_viewer() {
    for size in [10_000, 1_000_000] {
        let message: String = "0123456789".repeat(size / 10);
        let mut app = hostile_app(&message, "big");
        app.update(Action::Command(Command::Enter));
        let term = draw(&mut app, 100, 30);
        let buf = term.backend().buffer();
        assert_no_control_chars(buf);
        let text = buffer_text(buf);
        // Layout intact: every row still ends inside its border, and the cell was cut with "…".
        assert!(text.contains('…'));
        for line in text.lines().skip(1).take(28) {
            assert!(
                line.ends_with('┃')
                    || line.ends_with('│')
                    || line.ends_with('┛')
                    || line.ends_with('┘')
                    || line.ends_with('┓')
                    || line.ends_with('┐'),
                "{line}"
            );
        }
        app.update(Action::Command(Command::Enter));
        app.update(Action::Command(Command::Bottom));
        let term = draw(&mut app, 100, 30);
        let text = buffer_text(term.backend().buffer());
        assert!(text.contains("0123456789"));
        let v = app.viewer().unwrap();
        assert_eq!(v.top.line, 0, "one long line");
        assert!(v.top.byte > size - 2_000, "scrolled to the end of the line: {}", v.top.byte);
    }
}

#[test]
fn hundred_thousand_line_message_scrolls_to_the_end() {
    let message = (0..100_000).fold(String::new(), |mut s, i| {
        let _ = writeln!(s, "row {i:06} of a very long stack trace");
        s
    });
    let mut app = hostile_app(&message, "trace");
    app.update(Action::Command(Command::NextFailure));
    app.update(Action::Command(Command::Bottom));
    let term = draw(&mut app, 100, 30);
    let text = buffer_text(term.backend().buffer());
    assert!(text.contains("row 099999 of a very long stack trace"), "{text}");
    assert!(text.contains("line 100,000/100,000") || text.contains("/100,000"), "{text}");
}

#[test]
fn hundred_thousand_subtasks_render_the_visible_window() {
    let r = aliyun("big");
    let mut app = app(vec![(r.clone(), Some(task(&r, TaskState::PartiallyFailed, mixed(99_000, 1_000, 0))))]);
    app.update(Action::Command(Command::Enter));
    app.update(Action::Command(Command::Bottom));
    let text = buffer_text(draw(&mut app, 100, 30).backend().buffer());
    assert!(text.contains("[Subtasks] Groups (1) │ ✘ 1,000 failed / 100,000"), "{text}");
    assert!(text.contains("100,000/100,000"));
    assert!(text.contains("/v1/users/99999"));
}

#[test]
fn ages_move_with_the_injected_clock_only() {
    let r = aliyun("4c53ccf1d40c489686d1adf5c2644a7f");
    let mut app = app(vec![(r.clone(), None)]);
    app.update(Action::Polled(ok(task(&r, TaskState::Running, mixed(1, 0, 1)), 0)));
    app.update(Action::Tick(at(12)));
    let text = screen(&mut app, 100, 30);
    assert!(text.contains("updated 12s ago"), "{text}");
    assert!(text.contains("poll due"), "the poll at 5s is overdue at 12s");
    app.update(Action::Tick(at(12) + Duration::from_millis(500)));
    assert_eq!(screen(&mut app, 100, 30), text);
}

#[test]
fn retry_spec_import_offer() {
    let r = aliyun("4c53ccf1d40c489686d1adf5c2644a7f");
    let mut failed = task(&r, TaskState::PartiallyFailed, mixed(17, 3, 0));
    failed.group_id = Some("736508d885074167ba8fbce3bc95ea0b".into());
    let mut app = app(vec![(r.clone(), None)]);
    app.update(Action::Polled(ok(failed, 0)));
    app.update(Action::RetrySpecWritten {
        task_ref: r,
        path: "/home/me/retry-shop.yaml".into(),
        operations: 3,
        precheck: None,
    });
    assert!(app.import_offer().is_some());
    insta::assert_snapshot!("retry_import_offer_100x30", screen(&mut app, 100, 30));
}

#[test]
fn retry_spec_import_offer_shows_a_long_path_whole_and_what_would_still_be_rejected() {
    let r = aliyun("4c53ccf1d40c489686d1adf5c2644a7f");
    let mut failed = task(&r, TaskState::PartiallyFailed, mixed(17, 3, 0));
    failed.group_id = Some("736508d885074167ba8fbce3bc95ea0b".into());
    let mut app = app(vec![(r.clone(), None)]);
    app.update(Action::Polled(ok(failed, 0)));
    let path = "/home/someone/projects/platform/api-specs/generated/retry-4c53ccf1d40c489686d1adf5c2644a7f-20261207T080148.yaml";
    let precheck = "1 of 47 items would not be imported; biggest cause: Duplicate API name [listOrders] in the OAS \
                    data, API [{method} {path}]. — e.g. GET /reports/sales";
    app.update(Action::RetrySpecWritten {
        task_ref: r,
        path: path.into(),
        operations: 28,
        precheck: Some(precheck.to_owned()),
    });
    let text = screen(&mut app, 80, 24);
    let squeezed: String = text.chars().filter(|c| !c.is_whitespace() && !['║', '"'].contains(c)).collect();
    assert!(squeezed.contains(&path.replace(' ', "")), "the whole path:\n{text}");
    assert!(squeezed.contains("GET/reports/sales"), "what would still fail:\n{text}");
    insta::assert_snapshot!("retry_import_offer_precheck_80x24", text);
}

#[test]
fn a_saved_snapshot_still_being_read_says_so_and_then_shows() {
    let (a, b) = (aliyun("aaaa"), aliyun("bbbb"));
    let mut app = app(vec![(a.clone(), Some(task(&a, TaskState::Succeeded, mixed(3, 0, 0)))), (b.clone(), None)]);
    app.expect_saved_snapshots([&b]);
    let before = screen(&mut app, 120, 20);
    assert!(before.contains("reading the saved snapshot"), "{before}");
    app.update(Action::Command(Command::Down));
    assert!(screen(&mut app, 120, 20).contains("Reading the saved snapshot…"));
    app.update(Action::SnapshotRead {
        task_ref: b.clone(),
        task: Ok(task(&b, TaskState::PartiallyFailed, mixed(4, 2, 0))),
    });
    let after = screen(&mut app, 120, 20);
    assert!(!after.contains("eading the saved snapshot"), "{after}");
    assert!(after.contains("2 failed"), "{after}");
}

#[test]
fn the_header_says_when_the_request_budget_falls_short() {
    let mut app = dashboard();
    let r = app.entries()[0].task_ref.clone();
    let mut polled = ok(task(&r, TaskState::Running, mixed(12, 2, 6)), 12);
    polled.share = Some(share("aliyun/cn-hangzhou", 200, 10.0));
    app.update(Action::Polled(polled));
    // Wide enough for the tasks, the budget and the interval; then only the interval; then
    // nothing (the summary comes first).
    let wide = screen(&mut app, 120, 40);
    assert!(wide.lines().next().unwrap().contains("⏱ 200 tasks share 10 req/s: each every ~20s"), "{wide}");
    insta::assert_snapshot!("budget_share_100x30", screen(&mut app, 100, 30));
    insta::assert_snapshot!("budget_share_60x15", screen(&mut app, 60, 15));
}
