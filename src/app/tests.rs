//! Pure `update` tests: actions in, state and effects out.

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyEventState, KeyModifiers};

use super::fixtures::*;
use super::keymap::action_for;
use super::viewer::{RawSource, ViewerTarget};
use super::*;
use crate::domain::{FetchErrorKind, SubtaskState, TaskState};
use crate::poller::PollCmd;

fn selected_name(app: &App) -> String {
    let e = app.selected_entry().unwrap();
    e.task.as_ref().unwrap().subtasks[e.view.selected_pos().unwrap()].name().to_owned()
}

fn viewer_pos(app: &App) -> usize {
    match &app.viewer().unwrap().target {
        ViewerTarget::Subtask { pos, .. } => *pos,
        ViewerTarget::Task | ViewerTarget::Export => panic!("viewer shows the task"),
    }
}

fn three_tasks() -> App {
    let (a, b, c) = (aliyun("aaaa"), aliyun("bbbb"), huawei("cccc"));
    app(vec![
        (a.clone(), Some(task(&a, TaskState::Succeeded, mixed(5, 0, 0)))),
        (b.clone(), Some(task(&b, TaskState::PartiallyFailed, mixed(6, 3, 0)))),
        (c.clone(), Some(task(&c, TaskState::Running, mixed(4, 0, 2)))),
    ])
}

#[test]
fn update_down_up_moves_task_selection_and_clamps() {
    let mut app = three_tasks();
    cmd(&mut app, Command::Down);
    cmd(&mut app, Command::Down);
    cmd(&mut app, Command::Down);
    assert_eq!(app.selected_index(), 2);
    cmd(&mut app, Command::Top);
    assert_eq!(app.selected_index(), 0);
    cmd(&mut app, Command::Bottom);
    assert_eq!(app.selected_index(), 2);
    cmd(&mut app, Command::Up);
    assert_eq!(app.selected_index(), 1);
}

#[test]
fn update_enter_drills_in_and_esc_goes_back() {
    let mut app = three_tasks();
    cmd(&mut app, Command::Enter);
    assert_eq!(app.focus(), Focus::Subtasks);
    cmd(&mut app, Command::Enter);
    assert_eq!(app.focus(), Focus::Viewer);
    assert!(app.viewer().is_some());
    cmd(&mut app, Command::Back);
    assert_eq!(app.focus(), Focus::Subtasks);
    assert!(app.viewer().is_none());
    cmd(&mut app, Command::Back);
    assert_eq!(app.focus(), Focus::Tasks);
}

#[test]
fn update_enter_on_a_task_without_data_stays_and_says_why() {
    let r = aliyun("new");
    let mut app = app(vec![(r, None)]);
    cmd(&mut app, Command::Enter);
    assert_eq!(app.focus(), Focus::Tasks);
    assert!(app.flash().unwrap().text.contains("no data yet"));
}

#[test]
fn update_next_failure_from_task_list_opens_the_first_failure() {
    let mut app = three_tasks();
    cmd(&mut app, Command::Down);
    let effects = cmd(&mut app, Command::NextFailure);
    assert!(effects.is_empty());
    assert_eq!(app.focus(), Focus::Viewer);
    let e = app.selected_entry().unwrap();
    let sub = &e.task.as_ref().unwrap().subtasks[viewer_pos(&app)];
    assert_eq!(sub.state, SubtaskState::Failed);
    assert_eq!(e.view.selected(), 0, "failures sort first");
    assert_eq!(app.flash().unwrap().text, "✘ 1/3 not imported");
}

#[test]
fn update_next_failure_walks_all_failures_and_wraps_with_a_flash() {
    let mut app = three_tasks();
    cmd(&mut app, Command::Down);
    cmd(&mut app, Command::Enter);
    // Sorted by path, failures are spread between successes.
    cmd(&mut app, Command::CycleSort);
    let mut seen = Vec::new();
    for _ in 0..3 {
        cmd(&mut app, Command::NextFailure);
        seen.push(viewer_pos(&app));
        assert!(!app.flash().unwrap().text.contains("wrapped"));
    }
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen.len(), 3, "three distinct failures");
    cmd(&mut app, Command::NextFailure);
    assert_eq!(app.flash().unwrap().text, "wrapped to the first: ✘ 1/3 not imported");
    cmd(&mut app, Command::PrevFailure);
    assert_eq!(app.flash().unwrap().text, "wrapped to the last: ✘ 3/3 not imported");
    cmd(&mut app, Command::PrevFailure);
    assert_eq!(app.flash().unwrap().text, "✘ 2/3 not imported");
    let e = app.selected_entry().unwrap();
    assert_eq!(e.task.as_ref().unwrap().subtasks[viewer_pos(&app)].state, SubtaskState::Failed);
    assert_eq!(e.view.selected_pos(), Some(viewer_pos(&app)), "the table follows the viewer");
}

#[test]
fn update_next_failure_reports_failures_hidden_by_the_filter() {
    let mut app = three_tasks();
    cmd(&mut app, Command::Down);
    cmd(&mut app, Command::Filter);
    type_text(&mut app, "GET");
    cmd(&mut app, Command::Submit);
    // GET rows are i % 4 == 0; failures sit at 1, 4, 7 → only 4 is a GET.
    cmd(&mut app, Command::NextFailure);
    assert_eq!(app.flash().unwrap().text, "✘ 1/1 not imported");
    cmd(&mut app, Command::Back);
    cmd(&mut app, Command::Filter);
    cmd(&mut app, Command::ClearInput);
    type_text(&mut app, "zzz-nothing");
    cmd(&mut app, Command::Submit);
    cmd(&mut app, Command::NextFailure);
    assert_eq!(app.flash().unwrap().text, "3 subtasks not imported are hidden by the filter (Esc clears it)");
}

#[test]
fn update_next_failed_task_skips_healthy_tasks_and_wraps() {
    let (a, b, c, d) = (aliyun("a"), aliyun("b"), aliyun("c"), aliyun("d"));
    let mut app = app(vec![
        (a.clone(), Some(task(&a, TaskState::Failed, mixed(0, 2, 0)))),
        (b.clone(), Some(task(&b, TaskState::Succeeded, mixed(3, 0, 0)))),
        (c.clone(), Some(task(&c, TaskState::Running, mixed(3, 1, 1)))),
        (d, None),
    ]);
    cmd(&mut app, Command::NextFailedTask);
    assert_eq!(app.selected_index(), 2);
    cmd(&mut app, Command::NextFailedTask);
    assert_eq!(app.selected_index(), 0);
    assert!(app.flash().unwrap().text.starts_with("wrapped around"));
    cmd(&mut app, Command::PrevFailedTask);
    assert_eq!(app.selected_index(), 2);
    assert!(app.flash().unwrap().text.starts_with("wrapped around"));
    cmd(&mut app, Command::PrevFailedTask);
    assert_eq!(app.selected_index(), 0);
}

#[test]
fn update_filter_applies_live_and_escape_restores_the_previous_filter() {
    let mut app = three_tasks();
    cmd(&mut app, Command::Down);
    cmd(&mut app, Command::Filter);
    assert_eq!(app.focus(), Focus::Subtasks);
    type_text(&mut app, "users/1");
    // Paths /v1/users/1 and /v1/users/10.. exist among 9 subtasks: only /v1/users/1.
    assert_eq!(app.selected_entry().unwrap().view.len(), 1);
    cmd(&mut app, Command::Submit);
    assert!(app.input().is_none());
    assert_eq!(app.selected_entry().unwrap().view.filter(), "users/1");
    cmd(&mut app, Command::Filter);
    type_text(&mut app, "xyz");
    assert_eq!(app.selected_entry().unwrap().view.len(), 0);
    cmd(&mut app, Command::Cancel);
    assert_eq!(app.selected_entry().unwrap().view.filter(), "users/1", "Esc restores the filter in force");
    cmd(&mut app, Command::Back);
    assert_eq!(app.selected_entry().unwrap().view.filter(), "", "Esc in the pane clears it");
    assert_eq!(app.focus(), Focus::Subtasks);
}

#[test]
fn update_failures_only_and_sort_change_the_view_and_say_so() {
    let mut app = three_tasks();
    cmd(&mut app, Command::Down);
    cmd(&mut app, Command::FailuresOnly);
    assert_eq!(app.selected_entry().unwrap().view.len(), 3);
    assert!(app.flash().unwrap().text.starts_with("showing failures only"));
    cmd(&mut app, Command::FailuresOnly);
    assert_eq!(app.selected_entry().unwrap().view.len(), 9);
    cmd(&mut app, Command::CycleSort);
    assert_eq!(app.flash().unwrap().text, "9 subtasks of cn-hangzhou/bbbb sorted by path ↑");
    cmd(&mut app, Command::CycleSort);
    assert!(app.flash().unwrap().text.ends_with("sorted by name ↑"));
}

#[test]
fn update_add_valid_task_watches_and_saves() {
    let mut app = three_tasks();
    cmd(&mut app, Command::Add);
    assert_eq!(app.key_context(), KeyContext::Input);
    type_text(&mut app, "aliyun://cn-shanghai/0123abcd");
    assert_eq!(app.input_error(), None);
    let effects = cmd(&mut app, Command::Submit);
    let new: TaskRef = "aliyun://cn-shanghai/0123abcd".parse().unwrap();
    assert_eq!(effects[0], Effect::Poll(PollCmd::Watch(new.clone())));
    match &effects[1] {
        Effect::SaveWatchlist(refs) => assert_eq!(refs.last(), Some(&new)),
        other => panic!("expected a save, got {other:?}"),
    }
    assert_eq!(app.entries().len(), 4);
    assert_eq!(app.selected_index(), 3);
    assert!(app.input().is_none());
}

#[test]
fn update_add_invalid_reference_shows_the_reason_and_stays_open() {
    let mut app = three_tasks();
    cmd(&mut app, Command::Add);
    type_text(&mut app, "aliyun://cn-hangzhou");
    let err = app.input_error().unwrap().to_owned();
    assert!(err.starts_with("an aliyun reference has 2 parts"), "{err}");
    assert!(err.contains("expected aliyun://REGION/OPERATION_ID"), "{err}");
    assert!(cmd(&mut app, Command::Submit).is_empty());
    assert!(app.input().is_some());
    type_text(&mut app, "/abc");
    assert_eq!(app.input_error(), None, "validated live as it is typed");
    cmd(&mut app, Command::Cancel);
    assert!(app.input().is_none());
    assert_eq!(app.entries().len(), 3);
}

#[test]
fn update_paste_into_the_input_line_drops_line_breaks() {
    let mut app = three_tasks();
    cmd(&mut app, Command::Add);
    app.update(Action::Paste("aliyun://cn-hangzhou/\u{1b}pasted\r\n".into()));
    assert_eq!(app.input().unwrap().text(), "aliyun://cn-hangzhou/pasted");
    cmd(&mut app, Command::Cancel);
    app.update(Action::Paste("ignored".into()));
    assert!(app.input().is_none());
}

#[test]
fn update_add_duplicate_selects_the_existing_task() {
    let mut app = three_tasks();
    cmd(&mut app, Command::Add);
    type_text(&mut app, "aliyun://cn-hangzhou/bbbb");
    assert!(cmd(&mut app, Command::Submit).is_empty());
    assert_eq!(app.entries().len(), 3);
    assert_eq!(app.selected_index(), 1);
    assert!(app.flash().unwrap().text.starts_with("already watching"));
}

#[test]
fn update_remove_asks_first_and_only_yes_removes() {
    let mut app = three_tasks();
    cmd(&mut app, Command::Down);
    assert!(cmd(&mut app, Command::Remove).is_empty());
    assert_eq!(app.key_context(), KeyContext::Confirm);
    // Other keys do nothing while the dialog is open.
    assert!(cmd(&mut app, Command::Down).is_empty());
    assert!(cmd(&mut app, Command::Deny).is_empty());
    assert_eq!(app.entries().len(), 3);
    cmd(&mut app, Command::Remove);
    let effects = cmd(&mut app, Command::Confirm);
    assert_eq!(effects[0], Effect::Poll(PollCmd::Unwatch(aliyun("bbbb"))));
    assert_eq!(effects[1], Effect::SaveWatchlist(vec![aliyun("aaaa"), huawei("cccc")]));
    assert_eq!(app.entries().len(), 2);
    assert_eq!(app.selected_entry().unwrap().task_ref, huawei("cccc"));
}

#[test]
fn update_pause_refresh_and_quit_emit_effects() {
    let mut app = three_tasks();
    assert_eq!(cmd(&mut app, Command::Pause), vec![Effect::Poll(PollCmd::Pause(true))]);
    assert!(app.paused());
    assert_eq!(cmd(&mut app, Command::Pause), vec![Effect::Poll(PollCmd::Pause(false))]);
    assert_eq!(cmd(&mut app, Command::Refresh), vec![Effect::Poll(PollCmd::Refresh(Some(aliyun("aaaa"))))]);
    // Two finished tasks came from saved snapshots: the poller has neither, so each gets its
    // own one-fetch refresh (the first already got one from `r`).
    assert_eq!(
        cmd(&mut app, Command::RefreshAll),
        vec![Effect::Poll(PollCmd::Refresh(None)), Effect::Poll(PollCmd::Refresh(Some(aliyun("bbbb"))))]
    );
    assert_eq!(cmd(&mut app, Command::RefreshAll), vec![Effect::Poll(PollCmd::Refresh(None))]);
    assert_eq!(cmd(&mut app, Command::Suspend), vec![Effect::Suspend]);
    assert_eq!(cmd(&mut app, Command::Quit), vec![Effect::Quit]);
    assert!(app.should_quit());
}

#[test]
fn update_resumed_refreshes_once_unless_paused() {
    let mut app = three_tasks();
    assert_eq!(app.update(Action::Resumed), vec![Effect::Poll(PollCmd::Refresh(None))]);
    cmd(&mut app, Command::Pause);
    assert!(app.update(Action::Resumed).is_empty());
}

#[test]
fn update_signal_quits_and_reports_it() {
    let mut app = three_tasks();
    assert_eq!(app.update(Action::Signal(Signal::Terminate)), vec![Effect::Quit]);
    assert!(app.should_quit());
    assert_eq!(app.exit_signal().map(Signal::exit_code), Some(143));
}

#[test]
fn the_continue_that_ends_our_own_suspend_does_not_take_the_terminal_a_second_time() {
    let mut app = three_tasks();
    assert_eq!(app.update(Action::Signal(Signal::Stop)), vec![Effect::Suspend]);
    // The host came back from the stop, took the terminal and said so; then the SIGCONT that
    // woke it arrives.
    app.update(Action::Resumed);
    assert_eq!(app.update(Action::Signal(Signal::Continue)), vec![], "already ours");
    // A later outside stop and continue (kill -STOP, kill -CONT) still takes it back.
    assert_eq!(app.update(Action::Signal(Signal::Continue)), vec![Effect::ReclaimTerminal]);
}

#[test]
fn update_stop_and_continue_signals_suspend_and_reclaim_without_quitting() {
    let mut app = three_tasks();
    assert_eq!(app.update(Action::Signal(Signal::Stop)), vec![Effect::Suspend]);
    assert_eq!(app.update(Action::Signal(Signal::Continue)), vec![Effect::ReclaimTerminal]);
    assert!(!app.should_quit());
    assert_eq!(app.update(Action::Signal(Signal::Ending(10))), vec![Effect::Quit]);
    assert_eq!(app.exit_signal().map(Signal::exit_code), Some(138));
}

#[test]
fn update_polled_keeps_the_selected_subtask_across_refreshes() {
    let r = aliyun("aaaa");
    let mut app = app(vec![(r.clone(), Some(task(&r, TaskState::Running, mixed(10, 0, 10))))]);
    cmd(&mut app, Command::Enter);
    for _ in 0..12 {
        cmd(&mut app, Command::Down);
    }
    let chosen = selected_name(&app);
    // Next poll: two earlier subtasks failed, which reorders "failures first".
    let mut next = mixed(10, 0, 10);
    next[5].state = SubtaskState::Failed;
    next[7].state = SubtaskState::Failed;
    app.update(Action::Polled(ok(task(&r, TaskState::Running, next), 5)));
    assert_eq!(selected_name(&app), chosen);
    assert_eq!(app.selected_entry().unwrap().view.selected(), 14, "two rows moved above it");
}

#[test]
fn update_polled_viewer_follows_its_subtask_and_closes_when_it_vanishes() {
    let r = aliyun("aaaa");
    let mut app = app(vec![(r.clone(), Some(task(&r, TaskState::Running, mixed(4, 2, 0))))]);
    cmd(&mut app, Command::NextFailure);
    let pos = viewer_pos(&app);
    let name = app.selected_entry().unwrap().task.as_ref().unwrap().subtasks[pos].name().to_owned();
    let mut next = mixed(4, 2, 0);
    next.reverse();
    app.update(Action::Polled(ok(task(&r, TaskState::Running, next.clone()), 5)));
    let pos = viewer_pos(&app);
    assert_eq!(app.selected_entry().unwrap().task.as_ref().unwrap().subtasks[pos].name(), name);
    next.retain(|s| s.name() != name);
    app.update(Action::Polled(ok(task(&r, TaskState::Running, next), 10)));
    assert!(app.viewer().is_none());
    assert_eq!(app.focus(), Focus::Subtasks);
}

#[test]
fn update_polled_older_result_does_not_overwrite_a_newer_one() {
    let r = aliyun("aaaa");
    let mut app = app(vec![(r.clone(), None)]);
    app.update(Action::Polled(ok(task(&r, TaskState::Succeeded, mixed(3, 0, 0)), 10)));
    app.update(Action::Polled(ok(task(&r, TaskState::Running, mixed(1, 0, 2)), 5)));
    assert_eq!(app.selected_entry().unwrap().task.as_ref().unwrap().state, TaskState::Succeeded);
}

#[test]
fn update_polled_for_an_unknown_task_is_ignored_and_not_drawn() {
    let mut app = three_tasks();
    app.take_dirty();
    let stranger = aliyun("zzzz");
    assert!(app.update(Action::Polled(ok(task(&stranger, TaskState::Running, vec![]), 1))).is_empty());
    assert!(!app.take_dirty());
}

#[test]
fn update_fetch_error_keeps_the_last_good_snapshot_and_marks_it_stale() {
    let r = aliyun("aaaa");
    let mut app = app(vec![(r.clone(), None)]);
    app.update(Action::Polled(ok(task(&r, TaskState::Running, mixed(3, 1, 2)), 1)));
    let e = app.selected_entry().unwrap();
    assert!(!e.is_stale(app.now(), Duration::from_secs(5), false));
    app.update(Action::Polled(err(&r, FetchErrorKind::Throttled, 6)));
    app.update(Action::Polled(err(&r, FetchErrorKind::Throttled, 16)));
    let e = app.selected_entry().unwrap();
    assert_eq!(e.task.as_ref().unwrap().counts.total, 6);
    assert_eq!(e.last_error.as_ref().unwrap().kind, FetchErrorKind::Throttled);
    assert_eq!(e.error_since, Some(at(6)), "since the first failure, not the latest");
    assert!(e.is_stale(app.now(), Duration::from_secs(5), false));
    assert_eq!(e.height(), 3);
    app.update(Action::Polled(ok(task(&r, TaskState::Running, mixed(3, 1, 2)), 20)));
    let e = app.selected_entry().unwrap();
    assert!(e.last_error.is_none() && e.error_since.is_none());
}

#[test]
fn update_stale_after_three_quiet_intervals() {
    let r = aliyun("aaaa");
    let mut app = app(vec![(r.clone(), None)]);
    app.update(Action::Polled(ok(task(&r, TaskState::Running, mixed(3, 0, 2)), 0)));
    app.update(Action::Tick(at(15)));
    assert!(!app.selected_entry().unwrap().is_stale(app.now(), Duration::from_secs(5), false));
    app.update(Action::Tick(at(16)));
    assert!(app.selected_entry().unwrap().is_stale(app.now(), Duration::from_secs(5), false));
    assert!(!app.selected_entry().unwrap().is_stale(app.now(), Duration::from_secs(5), true), "not while paused");
}

#[test]
fn saved_snapshot_is_stale_until_confirmed_unless_final() {
    let (r, f) = (aliyun("aaaa"), aliyun("ffff"));
    let app = app(vec![
        (r.clone(), Some(task(&r, TaskState::Running, mixed(1, 0, 2)))),
        (f.clone(), Some(task(&f, TaskState::Succeeded, mixed(3, 0, 0)))),
    ]);
    assert!(app.entries()[0].is_stale(app.now(), Duration::from_secs(5), false), "a running task moved on since");
    assert!(!app.entries()[1].is_stale(app.now(), Duration::from_secs(5), false), "a finished one's data is final");
}

#[test]
fn update_tick_redraws_only_when_a_label_changes() {
    let r = aliyun("aaaa");
    let mut app = app(vec![(r.clone(), None)]);
    app.update(Action::Polled(ok(task(&r, TaskState::Succeeded, mixed(3, 0, 0)), 0)));
    app.update(Action::Tick(at(10)));
    app.take_dirty();
    // A finished, healthy task shows no running clock: ticks change nothing.
    assert!(!app.needs_clock());
    app.update(Action::Tick(at(11)));
    assert!(!app.take_dirty());
    let mut running = App::new(vec![(r.clone(), None)], AppOptions::default());
    running.update(Action::Polled(ok(task(&r, TaskState::Running, mixed(1, 0, 2)), 0)));
    running.take_dirty();
    assert!(running.needs_clock());
    // Answered at 0 s, next poll due at 5 s: the row says "live" until that poll is 2 s late.
    for second in 1..=7 {
        running.update(Action::Tick(at(second)));
        assert!(!running.take_dirty(), "nothing on screen moves at {second} s");
    }
    running.update(Action::Tick(at(8)));
    assert!(running.take_dirty(), "the poll due at 5 s is late: the row counts the seconds");
    running.update(Action::Tick(at(9)));
    assert!(running.take_dirty(), "updated 8s → 9s ago");
    running.update(Action::Tick(at(9)));
    assert!(!running.take_dirty(), "same second, nothing to draw");
}

#[test]
fn time_labels_count_seconds_only_where_the_seconds_are_news() {
    let r = aliyun("aaaa");
    let labels = |app: &App| {
        let l = app.selected_entry().unwrap().time_labels(app.now(), app.paused());
        (l.elapsed, l.updated, l.next)
    };
    let some = |s: &str| Some(s.to_owned());
    let mut app = app(vec![(r.clone(), None)]);
    app.update(Action::Polled(ok(task(&r, TaskState::Running, mixed(1, 0, 2)), 0)));
    app.update(Action::Tick(at(3)));
    assert_eq!(labels(&app), (some("<1m"), some("live"), None), "healthy: nothing counts seconds");
    app.update(Action::Tick(at(9)));
    assert_eq!(labels(&app), (some("<1m"), some("updated 9s ago"), some("poll due")), "late");
    // A long wait (`Retry-After`, slow polling) is worth a countdown, in minutes.
    let mut slow = ok(task(&r, TaskState::Running, mixed(1, 0, 2)), 70);
    slow.next_poll_in = Some(Duration::from_secs(150));
    app.update(Action::Polled(slow));
    assert_eq!(labels(&app), (some("1m"), some("live"), some("next in 2m")));
    // A failing fetch counts the seconds to its retry.
    let mut failed = err(&r, FetchErrorKind::Network, 80);
    failed.next_poll_in = Some(Duration::from_secs(7));
    app.update(Action::Polled(failed));
    assert_eq!(labels(&app), (some("1m"), some("updated 10s ago"), some("next in 7s")));
    // Paused: how old the data is, and no countdown.
    app.update(Action::Polled(ok(task(&r, TaskState::Running, mixed(1, 0, 2)), 90)));
    cmd(&mut app, Command::Pause);
    app.update(Action::Tick(at(95)));
    assert_eq!(labels(&app), (some("1m"), some("updated 5s ago"), None));
}

#[test]
fn an_answer_that_moves_only_the_time_labels_of_a_task_not_selected_is_drawn_with_the_next_tick() {
    let (a, b) = (aliyun("aaaa"), aliyun("bbbb"));
    let running = |r: &TaskRef| task(r, TaskState::Running, mixed(1, 0, 2));
    let mut app = app(vec![(a.clone(), None), (b.clone(), None)]);
    app.update(Action::Polled(ok(running(&a), 0)));
    app.update(Action::Polled(ok(running(&b), 0)));
    app.update(Action::Tick(at(1)));
    app.take_dirty();
    // `b` is not selected, its row says "live" and its answer says nothing new: nothing moves.
    app.update(Action::Polled(ok(running(&b), 5)));
    assert!(!app.take_dirty(), "no frame of its own");
    app.update(Action::Tick(at(5)));
    assert!(!app.take_dirty(), "nor one at the next tick");
    // Its next poll (due at 10 s) is late: the row counts the seconds since the last answer.
    app.update(Action::Tick(at(13)));
    assert!(app.take_dirty());
    // An answer with nothing new moves only those labels, back to "live": the next tick draws it.
    app.update(Action::Polled(ok(running(&b), 13)));
    assert!(!app.take_dirty(), "no frame of its own");
    assert!(app.needs_clock());
    app.update(Action::Tick(at(13)));
    assert!(app.take_dirty(), "the next tick draws the labels, even within the same second");
    app.update(Action::Tick(at(13)));
    assert!(!app.take_dirty());
    // The selected task's pane shows more of an answer: drawn at once.
    app.update(Action::Polled(ok(running(&a), 13)));
    assert!(app.take_dirty());
    // News from the task not selected: drawn at once.
    app.update(Action::Polled(ok(task(&b, TaskState::Running, mixed(2, 0, 1)), 14)));
    assert!(app.take_dirty());
    // An answer after a failed fetch removes the error row: drawn at once.
    app.update(Action::Polled(err(&b, FetchErrorKind::Network, 15)));
    assert!(app.take_dirty());
    app.update(Action::Polled(ok(task(&b, TaskState::Running, mixed(2, 0, 1)), 16)));
    assert!(app.take_dirty());
}

#[test]
fn update_flash_expires_on_a_later_tick() {
    let mut app = three_tasks();
    cmd(&mut app, Command::CycleSort);
    assert!(app.flash().is_some());
    app.update(Action::Tick(at(3)));
    assert!(app.flash().is_some());
    app.update(Action::Tick(at(5)));
    assert!(app.flash().is_none());
}

fn notifications(effects: &[Effect]) -> Vec<NotifyKind> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Notify(n) => Some(n.kind),
            _ => None,
        })
        .collect()
}

#[test]
fn update_notifies_first_failure_and_finish_exactly_once_each() {
    let r = aliyun("aaaa");
    let mut app = app(vec![(r.clone(), None)]);
    let mut all = Vec::new();
    let script = [
        task(&r, TaskState::Running, mixed(2, 0, 4)),
        task(&r, TaskState::Running, mixed(3, 1, 2)),
        task(&r, TaskState::Running, mixed(3, 2, 1)),
        task(&r, TaskState::PartiallyFailed, mixed(4, 2, 0)),
        task(&r, TaskState::PartiallyFailed, mixed(4, 2, 0)),
    ];
    for (i, t) in script.into_iter().enumerate() {
        all.extend(notifications(&app.update(Action::Polled(ok(t, i as u64 * 5)))));
    }
    assert_eq!(all, vec![NotifyKind::FirstFailure, NotifyKind::Finished(TaskState::PartiallyFailed)]);
}

#[test]
fn update_finish_with_failures_in_one_step_is_one_notification() {
    let r = aliyun("aaaa");
    let mut app = app(vec![(r.clone(), None)]);
    assert!(notifications(&app.update(Action::Polled(ok(task(&r, TaskState::Running, mixed(0, 0, 3)), 0)))).is_empty());
    let all_failed = subs(&[SubtaskState::Failed; 3]);
    let effects = app.update(Action::Polled(ok(task(&r, TaskState::Failed, all_failed), 5)));
    assert_eq!(notifications(&effects), vec![NotifyKind::Finished(TaskState::Failed)]);
    match &effects[0] {
        Effect::Notify(n) => {
            assert_eq!(n.title, "oaswatch: task failed");
            assert!(n.body.ends_with("failed · 3 subtasks: 3 failed"), "{}", n.body);
            assert!(n.desktop);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn update_no_notification_for_a_task_first_seen_already_finished() {
    let r = aliyun("aaaa");
    let mut app = app(vec![(r.clone(), None)]);
    let effects = app.update(Action::Polled(ok(task(&r, TaskState::PartiallyFailed, mixed(1, 1, 0)), 0)));
    assert!(notifications(&effects).is_empty());
    // But a task added in this session announces its finish even on its first answer.
    cmd(&mut app, Command::Add);
    type_text(&mut app, "aliyun://cn-hangzhou/fresh");
    cmd(&mut app, Command::Submit);
    let fresh = aliyun("fresh");
    let effects = app.update(Action::Polled(ok(task(&fresh, TaskState::Succeeded, mixed(2, 0, 0)), 5)));
    assert_eq!(notifications(&effects), vec![NotifyKind::Finished(TaskState::Succeeded)]);
}

#[test]
fn update_notify_off_is_silent_and_bell_mode_skips_the_desktop() {
    let r = aliyun("aaaa");
    for (mode, expect) in [(NotifyMode::Off, None), (NotifyMode::Bell, Some(false))] {
        let options = AppOptions { notify: mode, ..AppOptions::default() };
        let mut app = App::new(vec![(r.clone(), Some(task(&r, TaskState::Running, mixed(0, 0, 2))))], options);
        let effects = app.update(Action::Polled(ok(task(&r, TaskState::Succeeded, mixed(2, 0, 0)), 1)));
        let desktop = effects.iter().find_map(|e| match e {
            Effect::Notify(n) => Some(n.desktop),
            _ => None,
        });
        assert_eq!(desktop, expect);
    }
}

#[test]
fn coalesce_keeps_the_newest_success_and_a_later_failure_per_task() {
    let (a, b) = (aliyun("a"), aliyun("b"));
    let batch = vec![
        ok(task(&a, TaskState::Running, mixed(1, 0, 1)), 1),
        ok(task(&b, TaskState::Running, mixed(1, 0, 1)), 1),
        ok(task(&a, TaskState::Running, mixed(2, 0, 0)), 2),
        err(&a, FetchErrorKind::Network, 3),
        err(&b, FetchErrorKind::Network, 2),
        ok(task(&b, TaskState::Succeeded, mixed(2, 0, 0)), 3),
    ];
    let kept: Vec<(String, u64, bool)> = coalesce(batch)
        .into_iter()
        .map(|p| {
            let secs = p.at.duration_since(t0()).unwrap().as_secs();
            (p.task_ref.task_id().to_owned(), secs, p.result.is_ok())
        })
        .collect();
    assert_eq!(kept, vec![("a".into(), 2, true), ("a".into(), 3, false), ("b".into(), 3, true)]);
}

#[test]
fn update_viewer_wrap_raw_and_copy() {
    #[expect(clippy::unnecessary_wraps, reason = "must have the RawItemJson signature")]
    fn fake_raw(_: &Task, s: &Subtask) -> Option<String> {
        Some(format!("{{\"ApiUid\": \"{}\", \"ErrorMessage\": \"x\\u001b[2J\"}}", s.id()))
    }
    let r = aliyun("aaaa");
    let options = AppOptions { raw_item_json: Some(fake_raw), ..AppOptions::default() };
    let mut app = App::new(vec![(r.clone(), Some(task(&r, TaskState::Failed, mixed(0, 2, 0))))], options);
    app.update(Action::Resize { w: 100, h: 30 });
    cmd(&mut app, Command::NextFailure);
    let v = app.viewer().unwrap();
    assert!(v.wrap && !v.raw);
    assert!(v.doc.as_str().starts_with("API path /v1/users/"));
    cmd(&mut app, Command::ToggleWrap);
    assert!(!app.viewer().unwrap().wrap);
    cmd(&mut app, Command::ToggleRaw);
    let v = app.viewer().unwrap();
    assert_eq!(v.raw_source, Some(RawSource::Provider));
    assert!(v.doc.as_str().contains("\"ApiUid\": \"api00000\""));
    assert!(!v.wrap, "wrap choice survives the mode switch");
    let effects = cmd(&mut app, Command::Copy);
    assert_eq!(effects, vec![Effect::CopyToClipboard(app.viewer().unwrap().doc.as_str().to_owned())]);
    // Without the provider function the raw view falls back to our normalised JSON.
    let mut plain =
        App::new(vec![(r.clone(), Some(task(&r, TaskState::Failed, mixed(0, 2, 0))))], AppOptions::default());
    plain.update(Action::Resize { w: 100, h: 30 });
    cmd(&mut plain, Command::NextFailure);
    cmd(&mut plain, Command::ToggleRaw);
    assert_eq!(plain.viewer().unwrap().raw_source, Some(RawSource::Normalised));
    assert!(plain.viewer().unwrap().doc.as_str().contains("\"state\": \"failed\""));
}

#[test]
fn update_viewer_says_so_when_a_failure_has_no_text() {
    let r = aliyun("aaaa");
    let mut failures = mixed(0, 1, 0);
    failures[0].clear_error();
    let mut app = app(vec![(r.clone(), Some(task(&r, TaskState::Failed, failures)))]);
    cmd(&mut app, Command::NextFailure);
    assert!(app.viewer().unwrap().doc.as_str().starts_with("no error text returned by the API"));
}

#[test]
fn update_e_on_a_task_with_a_fetch_error_opens_the_task_viewer() {
    let r = aliyun("aaaa");
    let mut app = app(vec![(r.clone(), None)]);
    app.update(Action::Polled(err(&r, FetchErrorKind::Auth, 1)));
    cmd(&mut app, Command::OpenError);
    assert_eq!(app.viewer().unwrap().target, ViewerTarget::Task);
    let text = app.viewer().unwrap().doc.as_str().to_owned();
    assert!(text.contains("Fetching this task failed (auth, code InvalidAccessKeyId.NotFound)"), "{text}");
    assert!(text.contains("does not heal by retrying"));
}

#[test]
fn update_copy_in_the_task_list_copies_the_reference() {
    let mut app = three_tasks();
    assert_eq!(cmd(&mut app, Command::Copy), vec![Effect::CopyToClipboard("aliyun://cn-hangzhou/aaaa".into())]);
}

#[test]
fn update_help_captures_navigation_until_closed() {
    let mut app = three_tasks();
    cmd(&mut app, Command::Help);
    assert_eq!(app.key_context(), KeyContext::Help);
    cmd(&mut app, Command::Down);
    assert_eq!(app.selected_index(), 0);
    assert_eq!(app.help().unwrap().scroll, 1);
    cmd(&mut app, Command::Back);
    assert!(app.help().is_none());
}

#[test]
fn update_focus_cycles_through_open_panes() {
    let mut app = three_tasks();
    cmd(&mut app, Command::FocusNext);
    assert_eq!(app.focus(), Focus::Subtasks);
    cmd(&mut app, Command::FocusNext);
    assert_eq!(app.focus(), Focus::Tasks, "no viewer open yet");
    cmd(&mut app, Command::FocusPrev);
    assert_eq!(app.focus(), Focus::Subtasks);
    cmd(&mut app, Command::Enter);
    cmd(&mut app, Command::FocusNext);
    assert_eq!(app.focus(), Focus::Tasks);
    cmd(&mut app, Command::FocusPrev);
    assert_eq!(app.focus(), Focus::Viewer);
}

#[test]
fn update_mouse_click_selects_and_wheel_scrolls() {
    // 100x30 stacked: header row 0, task pane from row 1 (border), items 2 rows each.
    let mut app = three_tasks();
    app.update(Action::Mouse(MouseInput { kind: MouseKind::Click, column: 5, row: 4 }));
    assert_eq!(app.selected_index(), 1);
    assert_eq!(app.focus(), Focus::Tasks);
    let panes = app.current_panes();
    let sub_y = layout::inner(panes.subtasks).y;
    app.update(Action::Mouse(MouseInput { kind: MouseKind::Click, column: 10, row: sub_y + 3 }));
    assert_eq!(app.focus(), Focus::Subtasks);
    assert_eq!(app.selected_entry().unwrap().view.selected(), 2);
    app.update(Action::Mouse(MouseInput { kind: MouseKind::Click, column: 10, row: sub_y + 3 }));
    assert_eq!(app.focus(), Focus::Viewer, "a second click on the selected row opens it");
    app.update(Action::Mouse(MouseInput { kind: MouseKind::ScrollDown, column: 5, row: 2 }));
    assert_eq!(app.selected_index(), 2);
}

#[test]
fn hundred_thousand_subtasks_move_and_filter_correctly() {
    let r = aliyun("big");
    let big = mixed(99_000, 1_000, 0);
    let mut app = app(vec![(r.clone(), Some(task(&r, TaskState::PartiallyFailed, big)))]);
    cmd(&mut app, Command::Enter);
    cmd(&mut app, Command::Bottom);
    let e = app.selected_entry().unwrap();
    assert_eq!(e.view.selected(), 99_999);
    let rows = layout::subtask_rows(app.current_panes().subtasks);
    assert_eq!(e.view.offset(), 100_000 - rows);
    cmd(&mut app, Command::PageUp);
    assert_eq!(app.selected_entry().unwrap().view.selected(), 99_999 - (rows - 1));
    cmd(&mut app, Command::Filter);
    type_text(&mut app, "users/9999");
    // /v1/users/9999 and /v1/users/99990..99999.
    assert_eq!(app.selected_entry().unwrap().view.len(), 11);
    cmd(&mut app, Command::Submit);
    cmd(&mut app, Command::Back);
    cmd(&mut app, Command::FailuresOnly);
    assert_eq!(app.selected_entry().unwrap().view.len(), 1_000);
    cmd(&mut app, Command::Bottom);
    cmd(&mut app, Command::NextFailure);
    assert_eq!(app.flash().unwrap().text, "✘ 1,000/1,000 not imported", "the selected failure opens first");
    cmd(&mut app, Command::NextFailure);
    assert_eq!(app.flash().unwrap().text, "wrapped to the first: ✘ 1/1,000 not imported");
}

fn key(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
    KeyEvent { code, modifiers: mods, kind: KeyEventKind::Press, state: KeyEventState::NONE }
}

fn action_name(app: &App, code: KeyCode, mods: KeyModifiers) -> Option<String> {
    action_for(app, key(code, mods)).map(|a| match a {
        Action::Command(c) => c.name().to_owned(),
        Action::Insert(c) => format!("insert {c}"),
        other => format!("{other:?}"),
    })
}

#[test]
fn keys_depend_on_the_context() {
    let mut app = three_tasks();
    assert_eq!(action_name(&app, KeyCode::Char('r'), KeyModifiers::NONE).as_deref(), Some("refresh"));
    assert_eq!(action_name(&app, KeyCode::Char('N'), KeyModifiers::SHIFT).as_deref(), Some("prev-failure"));
    assert_eq!(action_name(&app, KeyCode::Char('c'), KeyModifiers::CONTROL).as_deref(), Some("interrupt"));
    assert_eq!(action_name(&app, KeyCode::Char('z'), KeyModifiers::CONTROL).as_deref(), Some("suspend"));
    let release = KeyEvent { kind: KeyEventKind::Release, ..key(KeyCode::Char('q'), KeyModifiers::NONE) };
    assert!(action_for(&app, release).is_none(), "only presses count");
    cmd(&mut app, Command::NextFailure);
    cmd(&mut app, Command::Top);
    cmd(&mut app, Command::Down);
    cmd(&mut app, Command::Enter);
    cmd(&mut app, Command::Enter);
    assert_eq!(app.focus(), Focus::Viewer);
    assert_eq!(action_name(&app, KeyCode::Char('r'), KeyModifiers::NONE).as_deref(), Some("raw"));
    assert_eq!(action_name(&app, KeyCode::Char('w'), KeyModifiers::NONE).as_deref(), Some("wrap"));
    cmd(&mut app, Command::Add);
    assert_eq!(action_name(&app, KeyCode::Char('q'), KeyModifiers::NONE).as_deref(), Some("insert q"));
    assert_eq!(action_name(&app, KeyCode::Esc, KeyModifiers::NONE).as_deref(), Some("cancel"));
    cmd(&mut app, Command::Cancel);
    cmd(&mut app, Command::Remove);
    assert_eq!(action_name(&app, KeyCode::Char('y'), KeyModifiers::NONE).as_deref(), Some("confirm"));
    assert_eq!(action_name(&app, KeyCode::Char('j'), KeyModifiers::NONE), None);
}

#[test]
fn remapped_keys_drive_the_same_commands() {
    let keymap = keymap::Keymap::default().with_overrides(&[("next-failure", "X")]).unwrap();
    let r = aliyun("aaaa");
    let app = App::new(
        vec![(r.clone(), Some(task(&r, TaskState::Failed, mixed(0, 2, 0))))],
        AppOptions { keymap, ..AppOptions::default() },
    );
    assert_eq!(action_name(&app, KeyCode::Char('X'), KeyModifiers::SHIFT).as_deref(), Some("next-failure"));
    assert_eq!(action_name(&app, KeyCode::Char('n'), KeyModifiers::NONE), None);
}

#[test]
fn empty_app_is_calm() {
    let mut app = app(vec![]);
    for c in [
        Command::Down,
        Command::Enter,
        Command::NextFailure,
        Command::NextFailedTask,
        Command::Remove,
        Command::Filter,
        Command::Copy,
        Command::OpenError,
    ] {
        cmd(&mut app, c);
    }
    assert_eq!(app.focus(), Focus::Tasks);
    assert!(app.entries().is_empty());
    assert!(!app.needs_clock() || app.flash().is_some());
}

#[test]
fn update_ctrl_c_quits_with_the_interrupt_signal_from_any_context() {
    let mut app = three_tasks();
    cmd(&mut app, Command::Add);
    assert!(app.input().is_some());
    let effects = cmd(&mut app, Command::Interrupt);
    assert!(effects.contains(&Effect::Quit));
    assert!(app.should_quit());
    assert_eq!(app.exit_signal().map(Signal::exit_code), Some(130));
}

#[test]
fn select_task_ref_picks_the_task_just_created() {
    let mut app = three_tasks();
    let last = app.entries()[2].task_ref.clone();
    assert!(app.select_task_ref(&last));
    assert_eq!(app.selected_index(), 2);
    let unknown: TaskRef = "aliyun://cn-hangzhou/not-watched".parse().unwrap();
    assert!(!app.select_task_ref(&unknown));
    assert_eq!(app.selected_index(), 2);
}

#[test]
fn saved_snapshots_read_after_the_first_frame_are_watched_unless_final() {
    let (done, running, broken, removed) = (aliyun("done"), aliyun("running"), aliyun("broken"), aliyun("removed"));
    let mut app =
        app(vec![(done.clone(), None), (running.clone(), None), (broken.clone(), None), (removed.clone(), None)]);
    app.expect_saved_snapshots([&done, &running, &broken, &removed]);
    assert!(app.entries().iter().all(|e| e.reading_snapshot && e.task.is_none()));
    let watch = |r: &TaskRef| vec![Effect::Poll(PollCmd::Watch(r.clone()))];

    let final_snapshot = task(&done, TaskState::PartiallyFailed, mixed(3, 2, 0));
    let effects = app.update(Action::SnapshotRead { task_ref: done.clone(), task: Ok(final_snapshot.clone()) });
    assert!(effects.is_empty(), "a finished snapshot is final: {effects:?}");
    let entry = &app.entries()[0];
    assert_eq!(entry.task.as_ref(), Some(&final_snapshot));
    assert!(entry.from_snapshot && !entry.reading_snapshot);
    assert_eq!(entry.view.len(), 5, "the subtask view is built for it");

    let effects = app.update(Action::SnapshotRead {
        task_ref: running.clone(),
        task: Ok(task(&running, TaskState::Running, mixed(1, 0, 3))),
    });
    assert_eq!(effects, watch(&running));

    let effects =
        app.update(Action::SnapshotRead { task_ref: broken.clone(), task: Err("unknown variant `X`".into()) });
    assert_eq!(effects, watch(&broken), "an unreadable snapshot is fetched instead");
    let flash = app.flash().map(|f| f.text.clone()).unwrap_or_default();
    assert!(flash.contains("aliyun://cn-hangzhou/broken") && flash.contains("unknown variant"), "{flash}");
    assert!(app.entries()[2].task.is_none() && !app.entries()[2].reading_snapshot);

    app.select_task_ref(&removed);
    cmd(&mut app, Command::Remove);
    cmd(&mut app, Command::Confirm);
    let effects = app.update(Action::SnapshotRead {
        task_ref: removed.clone(),
        task: Ok(task(&removed, TaskState::Running, mixed(1, 0, 1))),
    });
    assert!(effects.is_empty() && app.entries().iter().all(|e| e.task_ref != removed), "{effects:?}");

    // A second copy of a snapshot already applied changes nothing.
    let effects = app.update(Action::SnapshotRead { task_ref: running.clone(), task: Err("late".into()) });
    assert!(effects.is_empty());
}

#[test]
fn update_label_names_the_task_and_keeps_it_in_the_watch_list() {
    let mut app = three_tasks();
    cmd(&mut app, Command::Label);
    type_text(&mut app, "shop import");
    let effects = cmd(&mut app, Command::Submit);
    assert_eq!(effects, vec![Effect::SaveLabel { task_ref: aliyun("aaaa"), label: Some("shop import".into()) }]);
    assert_eq!(app.entries()[0].label.as_deref(), Some("shop import"));
    assert!(app.flash().unwrap().text.contains("\"shop import\""), "{:?}", app.flash());
    // Empty takes the name away.
    cmd(&mut app, Command::Label);
    cmd(&mut app, Command::ClearInput);
    let effects = cmd(&mut app, Command::Submit);
    assert_eq!(effects, vec![Effect::SaveLabel { task_ref: aliyun("aaaa"), label: None }]);
    assert_eq!(app.entries()[0].label, None);
}

#[test]
fn update_copy_says_what_it_copied() {
    let mut app = three_tasks();
    cmd(&mut app, Command::Down);
    cmd(&mut app, Command::Enter);
    let effects = cmd(&mut app, Command::Copy);
    let Some(Effect::CopyToClipboard(text)) = effects.first() else { panic!("{effects:?}") };
    let flash = app.flash().unwrap().text.clone();
    assert!(
        flash.starts_with("copied the error of ") && flash.ends_with(&format!(", {} characters", text.chars().count())),
        "{flash}"
    );
    cmd(&mut app, Command::FocusPrev);
    cmd(&mut app, Command::Copy);
    assert!(app.flash().unwrap().text.starts_with("copied the reference of "), "{:?}", app.flash());
}

#[test]
fn update_console_opens_the_task_page_and_says_whose() {
    let mut app = three_tasks();
    app.set_label(&aliyun("aaaa"), Some("shop".into()));
    let effects = cmd(&mut app, Command::OpenConsole);
    let [Effect::OpenConsole { url, name }] = effects.as_slice() else { panic!("{effects:?}") };
    assert!(url.starts_with("https://") && url.contains("cn-hangzhou"), "{url}");
    assert_eq!(name, "\"shop\"");
    app.update(Action::ConsoleShown { url: url.clone(), name: name.clone(), browser: None });
    let flash = &app.flash().unwrap().text;
    assert!(flash.contains("\"shop\"") && flash.contains(url.as_str()) && flash.contains("$BROWSER"), "{flash}");
}

#[test]
fn update_polled_keeps_the_most_stretched_budget_share_for_the_header() {
    let (a, h) = (aliyun("aaaa"), huawei("hhhh"));
    let mut app = app(vec![(a.clone(), None), (h.clone(), None)]);
    let mut polled = ok(task(&a, TaskState::Running, mixed(4, 0, 2)), 1);
    polled.share = Some(share("aliyun/cn-hangzhou", 2, 10.0));
    app.update(Action::Polled(polled));
    assert!(app.budget_note().is_none(), "two tasks at 10 requests/s: polled as asked");

    let mut polled = ok(task(&h, TaskState::Running, Vec::new()), 2);
    polled.share = Some(share("huawei/cn-north-4", 200, 10.0));
    app.take_dirty();
    app.update(Action::Polled(polled));
    assert!(app.take_dirty(), "the header changes");
    let note = app.budget_note().unwrap().to_string();
    assert_eq!(note, "200 tasks share 10 requests/s: each polled about every 20 s");

    // Throttling halves Alibaba's budget: the longer wait is shown.
    let mut polled = ok(task(&a, TaskState::Running, mixed(4, 0, 2)), 3);
    polled.share = Some(share("aliyun/cn-hangzhou", 300, 5.0));
    app.update(Action::Polled(polled));
    assert_eq!(
        app.budget_note().unwrap().to_string(),
        "300 tasks share 5 requests/s (lowered from 10 after throttling): each polled about every 60 s"
    );
}

#[test]
fn the_poller_is_told_what_is_on_screen_once_per_change() {
    let refs: Vec<TaskRef> = (0..30).map(|i| aliyun(&format!("t{i:02}"))).collect();
    let mut app = app(refs.iter().map(|r| (r.clone(), None)).collect());
    let Some(PollCmd::Focus { selected, visible }) = app.take_poll_focus() else { panic!("a focus command") };
    assert_eq!(selected.as_ref(), Some(&refs[0]));
    assert!(visible.len() > 3 && visible.len() < 30, "the rows that fit: {}", visible.len());
    assert_eq!(visible[..], refs[..visible.len()]);
    assert_eq!(app.take_poll_focus(), None, "nothing changed");

    cmd(&mut app, Command::Down);
    let Some(PollCmd::Focus { selected, visible: same }) = app.take_poll_focus() else { panic!("the selection moved") };
    assert_eq!((selected.as_ref(), &same), (Some(&refs[1]), &visible));
    cmd(&mut app, Command::Bottom);
    let Some(PollCmd::Focus { selected, visible }) = app.take_poll_focus() else { panic!("scrolled") };
    assert_eq!(selected.as_ref(), Some(&refs[29]));
    assert_eq!(visible.last(), Some(&refs[29]), "the list scrolled to the end");
}
