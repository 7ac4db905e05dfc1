//! Pure `update` tests of the failure-analysis features: the groups tab and a group's members,
//! reports, rate and ETA, change marks, the pager and editor, export tasks.

use std::path::PathBuf;
use std::time::Duration;

use super::fixtures::*;
use super::insight::Tab;
use super::viewer::ViewerTarget;
use super::*;
use crate::analysis::FailureGroup;
use crate::domain::{ExportFile, SubtaskKind, SubtaskState, TaskKind, TaskState};
use crate::failure_report::Format;

fn grouped_app() -> (App, TaskRef) {
    let r = aliyun("4c53ccf1d40c489686d1adf5c2644a7f");
    let app = app(vec![(r.clone(), Some(task(&r, TaskState::PartiallyFailed, grouped_subtasks())))]);
    (app, r)
}

fn entry(app: &App) -> &Entry {
    app.selected_entry().unwrap()
}

fn viewer_pos(app: &App) -> usize {
    match &app.viewer().unwrap().target {
        ViewerTarget::Subtask { pos, .. } => *pos,
        other => panic!("viewer shows {other:?}"),
    }
}

// ---- groups ----

#[test]
fn update_groups_key_from_the_task_list_opens_the_groups_tab_biggest_first() {
    let (mut app, _) = grouped_app();
    assert!(cmd(&mut app, Command::Groups).is_empty());
    assert_eq!(app.focus(), Focus::Subtasks);
    let e = entry(&app);
    assert_eq!(e.insight.tab(), Tab::Groups);
    let counts: Vec<usize> = e.insight.groups().iter().map(FailureGroup::count).collect();
    assert_eq!(counts, vec![5, 3, 1]);
    assert_eq!(e.insight.groups()[0].label(), "5 APIs: Path {path} conflicts with existing API {id} [APIG.3201]");
    assert_eq!(e.insight.group_selected(), 0, "the biggest cause is selected");
    // F again goes back to the subtasks.
    cmd(&mut app, Command::Groups);
    assert_eq!(entry(&app).insight.tab(), Tab::Subtasks);
}

#[test]
fn update_groups_key_without_failures_says_so() {
    let r = aliyun("ok");
    let mut app = app(vec![(r.clone(), Some(task(&r, TaskState::Succeeded, mixed(4, 0, 0))))]);
    cmd(&mut app, Command::Groups);
    assert_eq!(entry(&app).insight.tab(), Tab::Groups);
    assert_eq!(app.flash().unwrap().text, "no failed subtasks: nothing to group");
}

#[test]
fn update_enter_on_a_group_lists_its_members_and_esc_returns_to_the_groups() {
    let (mut app, _) = grouped_app();
    cmd(&mut app, Command::Groups);
    cmd(&mut app, Command::Down);
    assert_eq!(entry(&app).insight.group_selected(), 1);
    cmd(&mut app, Command::Enter);
    let e = entry(&app);
    assert_eq!(e.insight.tab(), Tab::Subtasks);
    let (rank, group) = e.insight.active_group().unwrap();
    assert_eq!((rank, group.code.as_str()), (1, "APIG.3202"));
    let shown: Vec<u32> = e.view.index().to_vec();
    assert_eq!(shown, vec![2, 6, 10], "only the group's members, in failures-first order");
    assert_eq!(e.view.selected(), 0);
    cmd(&mut app, Command::Back);
    let e = entry(&app);
    assert_eq!(e.insight.tab(), Tab::Groups);
    assert!(e.insight.active_group().is_none());
    assert_eq!(e.insight.group_selected(), 1, "back on the group that was listed");
    assert_eq!(e.view.len(), 12, "the table shows everything again");
    cmd(&mut app, Command::Back);
    assert_eq!(app.focus(), Focus::Tasks);
}

#[test]
fn update_n_walks_the_failures_within_the_active_group_and_wraps_there() {
    let (mut app, _) = grouped_app();
    cmd(&mut app, Command::Groups);
    cmd(&mut app, Command::Enter);
    let mut seen = Vec::new();
    for _ in 0..5 {
        cmd(&mut app, Command::NextFailure);
        seen.push(viewer_pos(&app));
    }
    assert_eq!(seen, vec![1, 3, 5, 7, 9], "the five path conflicts, nothing else");
    assert_eq!(app.flash().unwrap().text, "✘ 5/5 not imported, group 1");
    cmd(&mut app, Command::NextFailure);
    assert_eq!(viewer_pos(&app), 1);
    assert_eq!(app.flash().unwrap().text, "wrapped to the first: ✘ 1/5 not imported, group 1");
    cmd(&mut app, Command::PrevFailure);
    assert_eq!(viewer_pos(&app), 9);
    // Esc closes the viewer, then returns to the groups.
    cmd(&mut app, Command::Back);
    assert_eq!(app.focus(), Focus::Subtasks);
    assert!(entry(&app).insight.active_group().is_some());
    cmd(&mut app, Command::Back);
    assert_eq!(entry(&app).insight.tab(), Tab::Groups);
}

#[test]
fn update_n_in_the_groups_tab_opens_the_selected_groups_first_failure() {
    let (mut app, _) = grouped_app();
    cmd(&mut app, Command::Groups);
    cmd(&mut app, Command::Bottom);
    cmd(&mut app, Command::NextFailure);
    assert_eq!(app.focus(), Focus::Viewer);
    assert_eq!(viewer_pos(&app), 11, "the cancelled one is the third group");
    assert_eq!(app.flash().unwrap().text, "⊘ 1/1 not imported, group 3");
}

#[test]
fn update_copy_in_the_groups_tab_copies_the_label_and_example() {
    let (mut app, _) = grouped_app();
    cmd(&mut app, Command::Groups);
    let effects = cmd(&mut app, Command::Copy);
    let [Effect::CopyToClipboard(text)] = effects.as_slice() else { panic!("{effects:?}") };
    assert!(text.starts_with("5 APIs: Path {path} conflicts"), "{text}");
    assert!(text.contains("\nPath /v1/r1 conflicts with existing API 3f2a"), "{text}");
}

#[test]
fn groups_are_computed_once_per_snapshot_and_follow_their_key() {
    let (mut app, r) = grouped_app();
    cmd(&mut app, Command::Groups);
    cmd(&mut app, Command::Down);
    let before = entry(&app).insight.groups().as_ptr();
    // The same snapshot again: nothing is regrouped (the same allocation stays).
    app.update(Action::Polled(ok(task(&r, TaskState::PartiallyFailed, grouped_subtasks()), 5)));
    app.update(Action::Tick(at(6)));
    assert_eq!(entry(&app).insight.groups().as_ptr(), before);
    // A snapshot where the model group grows past the path group: the selection stays on it.
    let mut subs = grouped_subtasks();
    for i in [0, 4, 8] {
        subs[i].state = SubtaskState::Failed;
        subs[i].kind = SubtaskKind::Model;
        subs[i].set_name(format!("Model{i}"));
        subs[i]
            .set_error("APIG.3202", format!("Model Model{i} already exists in group 736508d885074167ba8fbce3bc95ea0b"));
    }
    app.update(Action::Polled(ok(task(&r, TaskState::PartiallyFailed, subs), 10)));
    let e = entry(&app);
    assert_eq!(e.insight.groups()[0].code, "APIG.3202", "now the biggest");
    assert_eq!(e.insight.group_selected(), 0, "still the model group");
}

#[test]
fn a_listed_group_that_disappears_shows_everything_with_a_word() {
    let (mut app, r) = grouped_app();
    cmd(&mut app, Command::Groups);
    cmd(&mut app, Command::Down);
    cmd(&mut app, Command::Enter);
    assert_eq!(entry(&app).view.len(), 3);
    let mut subs = grouped_subtasks();
    for s in subs.iter_mut().filter(|s| s.kind == SubtaskKind::Model) {
        s.state = SubtaskState::Succeeded;
        s.clear_error();
    }
    app.update(Action::Polled(ok(task(&r, TaskState::PartiallyFailed, subs), 5)));
    assert!(entry(&app).insight.active_group().is_none());
    assert_eq!(entry(&app).view.len(), 12);
    assert!(app.flash().unwrap().text.contains("group is gone"), "{:?}", app.flash());
}

#[test]
fn groups_work_for_huawei_codes() {
    let r = huawei("d9ce2d1c8e6f4c3f9a1b2c3d4e5f6a7b");
    let mut subs = mixed(4, 0, 0);
    for (i, code, msg) in
        [(1, "APIG.3301", "The API name already exists"), (2, "APIG.3301", "The API name already exists")]
    {
        subs[i].state = SubtaskState::Failed;
        subs[i].set_id(String::new());
        subs[i].set_error(code, msg);
    }
    let mut app = app(vec![(r.clone(), Some(task(&r, TaskState::PartiallyFailed, subs)))]);
    cmd(&mut app, Command::Groups);
    let groups = entry(&app).insight.groups();
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0].label(), "2 APIs: The API name already exists [APIG.3301]");
}

// ---- reports ----

#[test]
fn update_report_asks_for_the_format_then_enter_writes_markdown() {
    let (mut app, r) = grouped_app();
    app.update(Action::Tick(at(42)));
    assert!(cmd(&mut app, Command::Report).is_empty(), "nothing is written before the answer");
    assert_eq!(app.key_context(), keymap::KeyContext::Report);
    let prompt = app.report_prompt().unwrap().clone();
    assert_eq!(prompt.task_ref, r);
    let effects = cmd(&mut app, Command::ReportMarkdown);
    assert!(app.report_prompt().is_none());
    let [Effect::WriteFile(file)] = effects.as_slice() else { panic!("{effects:?}") };
    assert_eq!(file.name, "oaswatch-report-4c53ccf1d40c489686d1adf5c2644a7f-20231114T221402.md");
    assert_eq!(file.dir, PathBuf::from("."));
    assert_eq!(file.what, WriteKind::Report(Format::Markdown));
    assert!(file.contents.starts_with("# Failure report: aliyun://cn-hangzhou/4c53"), "{}", file.contents);
    assert!(file.contents.contains("## Failure groups (3)"));
}

#[test]
fn update_report_formats_by_key_and_esc_cancels() {
    let (mut app, _) = grouped_app();
    for (command, format, ext) in
        [(Command::ReportCsv, Format::Csv, ".csv"), (Command::ReportJson, Format::Json, ".json")]
    {
        cmd(&mut app, Command::Report);
        let effects = cmd(&mut app, command);
        let [Effect::WriteFile(file)] = effects.as_slice() else { panic!("{effects:?}") };
        assert_eq!(file.what, WriteKind::Report(format));
        assert!(file.name.ends_with(ext), "{}", file.name);
    }
    cmd(&mut app, Command::Report);
    assert!(cmd(&mut app, Command::Down).is_empty(), "other keys do nothing in the prompt");
    let click = MouseInput { kind: MouseKind::Click, column: 50, row: 20 };
    assert!(app.update(Action::Mouse(click)).is_empty());
    assert_eq!(app.focus(), Focus::Tasks, "nor does the mouse behind it");
    assert!(app.report_prompt().is_some());
    assert!(cmd(&mut app, Command::Cancel).is_empty());
    assert!(app.report_prompt().is_none());
}

#[test]
fn the_report_goes_to_the_configured_directory_and_the_flash_says_where() {
    let r = aliyun("abc");
    let options = AppOptions { output_dir: PathBuf::from("/srv/reports"), ..AppOptions::default() };
    let mut app = App::new(vec![(r.clone(), Some(task(&r, TaskState::Failed, mixed(1, 1, 0))))], options);
    app.update(Action::Resize { w: 100, h: 30 });
    cmd(&mut app, Command::Report);
    let effects = cmd(&mut app, Command::ReportMarkdown);
    let [Effect::WriteFile(file)] = effects.as_slice() else { panic!("{effects:?}") };
    assert_eq!(file.dir, PathBuf::from("/srv/reports"));
    let path = file.dir.join(&file.name);
    app.update(Action::FileWritten { what: file.what, path: path.clone() });
    assert_eq!(app.flash().unwrap().text, format!("report written to {}", path.display()));
    app.update(Action::EffectFailed { what: WriteKind::Export.failure(), error: "disk full".into() });
    assert_eq!(app.flash().unwrap().level, FlashLevel::Error);
    assert_eq!(app.flash().unwrap().text, "could not save the export: disk full");
}

#[test]
fn a_report_needs_data() {
    let r = aliyun("new");
    let mut app = app(vec![(r, None)]);
    cmd(&mut app, Command::Report);
    assert!(app.report_prompt().is_none());
    assert_eq!(app.flash().unwrap().text, "no data yet: nothing to report");
}

// ---- rate and ETA ----

fn running(r: &TaskRef, done: usize, total: usize) -> Task {
    task(r, TaskState::Running, mixed(done, 0, total - done))
}

fn eta_text(app: &App) -> Option<String> {
    entry(app).progress_label(app.now(), app.options().poll_interval, app.paused()).map(|l| l.full)
}

#[test]
fn eta_from_recorded_polls() {
    let r = aliyun("eta");
    // Polls a minute apart are not late: nothing here is stale.
    let options = AppOptions { poll_interval: Duration::from_secs(60), ..AppOptions::default() };
    let mut app = App::new(vec![(r.clone(), None)], options);
    app.update(Action::Resize { w: 100, h: 30 });
    app.update(Action::Polled(ok(running(&r, 0, 100), 0)));
    assert_eq!(eta_text(&app).as_deref(), Some("ETA: not enough data yet"));
    // 10 completions every 30 s: 20/min, 70 left → 3.5 min from the last poll.
    for (k, secs) in [(1, 30), (2, 60), (3, 90)] {
        app.update(Action::Polled(ok(running(&r, k * 10, 100), secs)));
    }
    assert_eq!(eta_text(&app).as_deref(), Some("20/min · ETA 4m"));
    app.update(Action::Tick(at(90 + 60)));
    assert_eq!(eta_text(&app).as_deref(), Some("20/min · ETA 3m"), "counts down between polls");
    // Nothing changes for two minutes: stalled, said plainly.
    for secs in [120, 150, 180, 210] {
        app.update(Action::Polled(ok(running(&r, 30, 100), secs)));
    }
    app.update(Action::Tick(at(215)));
    assert_eq!(eta_text(&app).as_deref(), Some("stalled 2m"));
    // Answers overdue (three intervals): the connection, not the task, may be stuck.
    app.update(Action::Tick(at(210 + 181)));
    assert_eq!(eta_text(&app), None);
    // Finished: nothing to estimate.
    app.update(Action::Polled(ok(task(&r, TaskState::Succeeded, mixed(100, 0, 0)), 240)));
    assert_eq!(eta_text(&app), None);
}

#[test]
fn eta_is_not_claimed_for_stale_paused_or_huawei_tasks() {
    let h = huawei("hw");
    let a = aliyun("al");
    let mut app = app(vec![(h.clone(), None), (a.clone(), None)]);
    app.update(Action::Polled(ok(running(&h, 0, 0), 0)));
    assert_eq!(eta_text(&app).as_deref(), Some("no per-subtask progress (Huawei)"));
    app.update(Action::Polled(ok(running(&a, 1, 10), 0)));
    cmd(&mut app, Command::Down);
    assert_eq!(eta_text(&app).as_deref(), Some("ETA: not enough data yet"));
    cmd(&mut app, Command::Pause);
    assert_eq!(eta_text(&app), None, "paused: no new data, no claim");
    cmd(&mut app, Command::Pause);
    app.update(Action::Polled(err(&a, crate::domain::FetchErrorKind::Network, 5)));
    assert_eq!(eta_text(&app), None, "not updating: no claim");
}

#[test]
fn the_activity_line_shrinks_the_table_by_one_row() {
    let r = aliyun("act");
    let mut app = app(vec![(r.clone(), None)]);
    app.update(Action::Polled(ok(running(&r, 0, 60), 0)));
    assert!(entry(&app).shows_activity());
    cmd(&mut app, Command::Enter);
    let pane = app.panes(Rect::new(0, 0, 100, 30)).subtasks;
    assert_eq!(table_rows(pane, entry(&app)), layout::subtask_rows(pane) - 1);
    cmd(&mut app, Command::Bottom);
    let e = entry(&app);
    let rows = table_rows(pane, e);
    assert_eq!(e.view.offset(), 60 - rows, "the last row is visible above the bottom border");
}

// ---- changes ----

fn changed(app: &App) -> Vec<usize> {
    entry(app).insight.changed().iter().collect()
}

#[test]
fn change_marks_appear_persist_until_seen_and_clear_after() {
    let r = aliyun("chg");
    let mut app = app(vec![(r.clone(), None)]);
    app.update(Action::Polled(ok(running(&r, 2, 6), 0)));
    // Never looked at: nothing is marked.
    app.update(Action::Polled(ok(running(&r, 3, 6), 5)));
    assert!(changed(&app).is_empty());
    cmd(&mut app, Command::Enter);
    cmd(&mut app, Command::Back);
    assert_eq!(app.focus(), Focus::Tasks);
    // Two subtasks finish while the user is elsewhere.
    app.update(Action::Polled(ok(running(&r, 5, 6), 10)));
    assert_eq!(changed(&app), vec![3, 4]);
    // Looking at the task keeps them marked, however many snapshots come.
    cmd(&mut app, Command::Enter);
    app.update(Action::Polled(ok(running(&r, 5, 6), 15)));
    cmd(&mut app, Command::Down);
    cmd(&mut app, Command::Enter);
    assert_eq!(app.focus(), Focus::Viewer);
    assert_eq!(changed(&app), vec![3, 4], "still marked in the viewer");
    // Leaving marks them seen.
    cmd(&mut app, Command::Back);
    cmd(&mut app, Command::Back);
    assert!(changed(&app).is_empty());
    assert!(entry(&app).insight.changed().has_baseline());
}

#[test]
fn changes_while_watching_a_task_for_the_first_time_are_marked() {
    let r = aliyun("watch");
    let mut app = app(vec![(r.clone(), None)]);
    app.update(Action::Polled(ok(running(&r, 0, 4), 0)));
    cmd(&mut app, Command::Enter);
    app.update(Action::Polled(ok(running(&r, 1, 4), 5)));
    assert_eq!(changed(&app), vec![0]);
}

#[test]
fn changes_only_shows_just_the_changed_subtasks() {
    let r = aliyun("only");
    let mut app = app(vec![(r.clone(), None)]);
    app.update(Action::Polled(ok(running(&r, 2, 8), 0)));
    cmd(&mut app, Command::Enter);
    cmd(&mut app, Command::Back);
    app.update(Action::Polled(ok(running(&r, 4, 8), 5)));
    cmd(&mut app, Command::ChangesOnly);
    assert_eq!(app.focus(), Focus::Subtasks);
    let e = entry(&app);
    assert!(e.insight.changes_only());
    let mut shown: Vec<u32> = e.view.index().to_vec();
    shown.sort_unstable();
    assert_eq!(shown, vec![2, 3]);
    assert_eq!(app.flash().unwrap().text, "showing the 2 changed subtasks (c shows all)");
    // A newer snapshot with another change joins the list.
    app.update(Action::Polled(ok(running(&r, 5, 8), 10)));
    assert_eq!(entry(&app).view.len(), 3);
    cmd(&mut app, Command::ChangesOnly);
    assert_eq!(entry(&app).view.len(), 8);
}

#[test]
fn a_removed_task_forgets_what_was_seen() {
    let r = aliyun("gone");
    let mut app = app(vec![(r.clone(), Some(running(&r, 1, 3)))]);
    cmd(&mut app, Command::Enter);
    cmd(&mut app, Command::Back);
    assert!(app.changes.has_seen(&r));
    cmd(&mut app, Command::Remove);
    cmd(&mut app, Command::Confirm);
    assert!(!app.changes.has_seen(&r));
}

// ---- pager and editor ----

#[test]
fn update_o_and_e_in_the_viewer_open_the_text_outside() {
    let (mut app, _) = grouped_app();
    cmd(&mut app, Command::NextFailure);
    let text = app.viewer().unwrap().doc.as_str().to_owned();
    let effects = cmd(&mut app, Command::OpenPager);
    assert_eq!(
        effects,
        vec![Effect::OpenExternal(ExternalOpen {
            program: ExternalProgram::Pager,
            text: text.clone(),
            suffix: ".txt".into()
        })]
    );
    let effects = cmd(&mut app, Command::OpenEditor);
    assert!(
        matches!(&effects[..], [Effect::OpenExternal(o)] if o.program == ExternalProgram::Editor && o.text == text)
    );
    cmd(&mut app, Command::ToggleRaw);
    let effects = cmd(&mut app, Command::OpenPager);
    assert!(matches!(&effects[..], [Effect::OpenExternal(o)] if o.suffix == ".json" && o.text.contains("\"state\"")));
}

#[test]
fn the_e_key_opens_the_viewer_outside_it_and_the_editor_inside() {
    use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyEventState, KeyModifiers};
    let key = KeyEvent {
        code: KeyCode::Char('e'),
        modifiers: KeyModifiers::NONE,
        kind: KeyEventKind::Press,
        state: KeyEventState::NONE,
    };
    let (mut app, _) = grouped_app();
    cmd(&mut app, Command::Enter);
    let action = keymap::action_for(&app, key).unwrap();
    assert!(matches!(action, Action::Command(Command::OpenError)));
    assert!(app.update(action).is_empty());
    assert_eq!(app.focus(), Focus::Viewer);
    let action = keymap::action_for(&app, key).unwrap();
    assert!(matches!(action, Action::Command(Command::OpenEditor)));
    assert!(matches!(&app.update(action)[..], [Effect::OpenExternal(_)]));
}

#[test]
fn pager_and_editor_do_nothing_without_a_viewer() {
    let (mut app, _) = grouped_app();
    assert!(cmd(&mut app, Command::OpenPager).is_empty());
    assert!(cmd(&mut app, Command::OpenEditor).is_empty());
}

// ---- export tasks ----

fn export_task(r: &TaskRef) -> Task {
    let mut t = Task::new(r.clone(), TaskKind::Export, TaskState::Succeeded, "succeed");
    t.export = Some(ExportFile {
        file_name: "APIGroup_users_2024-05-01 12:00:00".into(),
        file_type: ".json".into(),
        content: "{\n\t\"swagger\": \"2.0\",\n\t\"info\": {\"title\": \"users\"}\n}".into(),
    });
    t
}

#[test]
fn update_enter_on_an_export_task_shows_its_document() {
    let r = huawei("export1");
    let mut app = app(vec![(r.clone(), Some(export_task(&r)))]);
    cmd(&mut app, Command::Enter);
    assert_eq!(app.focus(), Focus::Viewer);
    let v = app.viewer().unwrap();
    assert_eq!(v.target, ViewerTarget::Export);
    assert_eq!(v.doc.line(1), "    \"swagger\": \"2.0\",", "tabs expanded, text otherwise kept");
    let effects = cmd(&mut app, Command::OpenPager);
    assert!(matches!(&effects[..], [Effect::OpenExternal(o)] if o.suffix == ".json"));
    // From the (empty) subtask table, Enter opens it again.
    cmd(&mut app, Command::Back);
    assert_eq!(app.focus(), Focus::Subtasks);
    cmd(&mut app, Command::Enter);
    assert_eq!(app.viewer().unwrap().target, ViewerTarget::Export);
}

#[test]
fn update_save_export_writes_the_document_under_a_safe_name() {
    let r = huawei("export2");
    let mut app = app(vec![(r.clone(), Some(export_task(&r)))]);
    let effects = cmd(&mut app, Command::SaveExport);
    let [Effect::WriteFile(file)] = effects.as_slice() else { panic!("{effects:?}") };
    assert_eq!(file.name, "APIGroup_users_2024-05-01 12-00-00.json");
    assert_eq!(file.what, WriteKind::Export);
    assert!(file.contents.contains("\t\"swagger\""), "saved verbatim, tabs and all");
    let (mut other, _) = grouped_app();
    assert!(cmd(&mut other, Command::SaveExport).is_empty());
    assert!(other.flash().unwrap().text.contains("no exported file"));
}

#[test]
fn update_groups_tab_reopens_on_the_biggest_cause_whatever_was_selected() {
    let (mut app, _) = grouped_app();
    cmd(&mut app, Command::Groups);
    cmd(&mut app, Command::Bottom);
    assert_eq!(entry(&app).insight.group_selected(), 2);
    cmd(&mut app, Command::Groups);
    cmd(&mut app, Command::Back);
    assert_eq!(app.focus(), Focus::Tasks);
    cmd(&mut app, Command::Groups);
    assert_eq!(entry(&app).insight.group_selected(), 0, "the biggest cause, not the last one looked at");
}

#[test]
fn update_values_shows_the_selected_groups_variables_and_hides_them_again() {
    let (mut app, _) = grouped_app();
    cmd(&mut app, Command::Values);
    assert!(app.flash().unwrap().text.contains("open the groups with F"), "{:?}", app.flash());
    cmd(&mut app, Command::Groups);
    cmd(&mut app, Command::Values);
    let values = entry(&app).insight.values().unwrap();
    assert!(values.iter().any(|v| v.name == "{path}" && v.distinct == 5), "{values:?}");
    cmd(&mut app, Command::Down);
    assert!(entry(&app).insight.values().is_none(), "another group: its example again until asked");
    cmd(&mut app, Command::Up);
    cmd(&mut app, Command::Values);
    assert!(entry(&app).insight.values().is_none(), "v again hides them");
}
