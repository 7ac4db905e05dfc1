//! Property tests of the dashboard's state machine (RELIABILITY.md §5): random sequences of key
//! commands, typed and pasted text, mouse input, resizes (1×1 and 20×5 included), clock ticks,
//! signals and `Polled` results (random tasks with hostile text and up to thousands of subtasks,
//! fetch errors, answers for tasks nobody watches, timestamps out of order) never panic
//! `App::update` and never break its invariants:
//!
//! - the selection is inside the task list, the subtask cursor inside the visible rows;
//! - the viewer's target exists in the selected task's latest snapshot;
//! - the task list is exactly the watched references (the `Watch`/`Unwatch` effects) and the
//!   saved watch list (the last `SaveWatchlist`);
//! - clipboard text, pager text and notifications carry no control characters, and files are
//!   only ever written to the report directory under one plain, clean file name;
//! - a frame rendered into a `TestBackend` at the current size holds no control, bidi or
//!   zero-width character in any cell.

#![allow(clippy::unwrap_used, reason = "test setup fails loudly")]

use std::collections::BTreeSet;
use std::time::{Duration, SystemTime};

use oaswatch::app::viewer::ViewerTarget;
use oaswatch::app::{Action, App, AppOptions, Command, Effect, MouseInput, MouseKind, Signal};
use oaswatch::domain::{
    ApiError, ApiErrorRef, ExportFile, FetchError, FetchErrorKind, Subtask, SubtaskKind, SubtaskState, SubtaskText,
    Task, TaskKind, TaskRef, TaskState,
};
use oaswatch::poller::{PollCmd, Polled};
use oaswatch::sanitize;
use proptest::prelude::*;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

const POOL: [&str; 6] = [
    "aliyun://cn-hangzhou/4c53ccf1d40c489686d1adf5c2644a7f",
    "aliyun://cn-shanghai/0000000000000000000000000000beef",
    "aliyun://cn-hangzhou/short",
    "huawei://cn-north-4/0123456789abcdef0123456789abcdef/eddc4d25480b4cd6b512f270a1b8b341/d9ce8c9eede54b3f841ec324fe0bfdc2",
    "huawei://cn-north-4/p/i/t",
    "huawei://ap-southeast-1/p2/i2/t2",
];

fn pool(i: usize) -> TaskRef {
    POOL[i % POOL.len()].parse().unwrap()
}

fn t0() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000)
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-zA-Z0-9 /{}._-]{0,20}",
        2 => any::<String>(),
        1 => Just("x\u{1b}]52;c;ZXZpbA==\u{7}y\u{1b}[2J\u{1b}]8;;http://e/\u{7}\u{9b}2J\r\u{8}\u{202e}\u{200b}".to_owned()),
        1 => Just("这个API用于查询 🚀 déploiement ✅ 👩‍💻".to_owned()),
        1 => (1usize..30_000).prop_map(|n| "长".repeat(n % 7) + &"y\n".repeat(n)),
    ]
}

fn subtask_state() -> impl Strategy<Value = SubtaskState> {
    prop::sample::select(vec![
        SubtaskState::Waiting,
        SubtaskState::Running,
        SubtaskState::Succeeded,
        SubtaskState::Failed,
        SubtaskState::Cancelled,
        SubtaskState::Skipped,
    ])
}

fn subtask() -> impl Strategy<Value = Subtask> {
    (
        any::<bool>(),
        0u8..12,
        text(),
        prop::sample::select(vec!["GET", "POST", "", "DELETE"]),
        text(),
        subtask_state(),
        prop::option::of((text(), text())),
    )
        .prop_map(|(api, id, name, method, path, state, error)| {
            Subtask::new(
                if api { SubtaskKind::Api } else { SubtaskKind::Model },
                state,
                SubtaskText {
                    name: &name,
                    method,
                    path: &path,
                    raw_status: "RAW",
                    error: error.as_ref().map(|(code, message)| ApiErrorRef::new(code, message)),
                    ..SubtaskText::default()
                },
            )
            .at_index(u32::from(id))
        })
}

fn task(task_ref: TaskRef) -> impl Strategy<Value = Task> {
    let subtasks = prop_oneof![
        6 => prop::collection::vec(subtask(), 0..24),
        1 => (100usize..3000, subtask()).prop_map(|(n, s)| {
            (0..n)
                .map(|i| {
                    let mut bulk = s.clone().at_index(u32::try_from(i).unwrap());
                    bulk.set_id(format!("bulk{i}"));
                    bulk
                })
                .collect()
        }),
    ];
    (
        prop::sample::select(vec![
            TaskState::Waiting,
            TaskState::Running,
            TaskState::Succeeded,
            TaskState::PartiallyFailed,
            TaskState::Failed,
            TaskState::Unknown,
        ]),
        any::<bool>(),
        text(),
        subtasks,
        prop::option::of((text(), text())),
        prop::option::of(text()),
        prop::option::of(text()),
    )
        .prop_map(move |(state, export, raw_status, subtasks, error, raw_body, content)| {
            let kind = if export { TaskKind::Export } else { TaskKind::Import };
            let mut task = Task::new(task_ref.clone(), kind, state, raw_status);
            if export {
                task.export =
                    content.map(|c| ExportFile { file_name: "a:b.json".into(), file_type: "json".into(), content: c });
            } else {
                task = task.with_subtasks(subtasks);
            }
            task.error = error.map(|(c, m)| ApiError::new(c, m));
            task.raw_body = raw_body.map(|b| std::sync::Arc::from(b.as_str()));
            task
        })
}

fn fetch_error() -> impl Strategy<Value = FetchError> {
    (
        prop::sample::select(vec![
            FetchErrorKind::Auth,
            FetchErrorKind::NotFound,
            FetchErrorKind::Throttled,
            FetchErrorKind::Network,
            FetchErrorKind::Server,
            FetchErrorKind::Protocol,
        ]),
        text(),
        text(),
    )
        .prop_map(|(kind, code, message)| FetchError::new(kind, code, message))
}

fn polled() -> impl Strategy<Value = Action> {
    (0usize..POOL.len(), 0u64..600, prop::option::of(0u64..120), any::<bool>()).prop_flat_map(|(i, at, next, ok)| {
        let task_ref = pool(i);
        let result = if ok {
            task(task_ref.clone()).prop_map(|task| Ok(Box::new(task))).boxed()
        } else {
            fetch_error().prop_map(Err).boxed()
        };
        result.prop_map(move |result| {
            Action::Polled(Polled {
                task_ref: task_ref.clone(),
                at: t0() + Duration::from_secs(at),
                result,
                next_poll_in: next.map(Duration::from_secs),
                groups: None,
                share: None,
            })
        })
    })
}

/// One step of a session; some expand to several actions (typing a whole reference).
#[derive(Debug, Clone)]
#[expect(clippy::large_enum_variant, reason = "a few dozen per test case")]
enum Step {
    One(Action),
    /// `a`, the reference typed key by key, Enter.
    AddRef(usize),
}

fn step() -> impl Strategy<Value = Step> {
    let size = prop_oneof![
        Just((1u16, 1u16)),
        Just((20, 5)),
        Just((19, 4)),
        Just((100, 30)),
        Just((60, 15)),
        (1u16..160, 1u16..50),
    ];
    prop_oneof![
        10 => prop::sample::select(Command::ALL.to_vec()).prop_map(|c| Step::One(Action::Command(c))),
        6 => polled().prop_map(Step::One),
        2 => any::<char>().prop_map(|c| Step::One(Action::Insert(c))),
        1 => text().prop_map(|t| Step::One(Action::Paste(t))),
        2 => (0u64..900).prop_map(|s| Step::One(Action::Tick(t0() + Duration::from_secs(s)))),
        2 => size.prop_map(|(w, h)| Step::One(Action::Resize { w, h })),
        1 => (prop::sample::select(vec![MouseKind::ScrollUp, MouseKind::ScrollDown, MouseKind::Click]), 0u16..170, 0u16..60)
            .prop_map(|(kind, column, row)| Step::One(Action::Mouse(MouseInput { kind, column, row }))),
        2 => (0usize..POOL.len()).prop_map(Step::AddRef),
        1 => Just(Step::One(Action::Resumed)),
        1 => text().prop_map(|error| Step::One(Action::EffectFailed { what: "save the watch list", error })),
        1 => prop::sample::select(vec![Signal::Hangup, Signal::Terminate]).prop_map(|s| Step::One(Action::Signal(s))),
    ]
}

fn expand(step: Step) -> Vec<Action> {
    match step {
        Step::One(action) => vec![action],
        Step::AddRef(i) => std::iter::once(Action::Command(Command::Add))
            .chain(POOL[i].chars().map(Action::Insert))
            .chain(std::iter::once(Action::Command(Command::Submit)))
            .collect(),
    }
}

/// Checks every invariant after one action.
fn check(
    app: &App,
    effects: &[Effect],
    watched: &mut BTreeSet<String>,
    terminal: &mut Terminal<TestBackend>,
) -> Result<(), TestCaseError> {
    let entries = app.entries();
    if entries.is_empty() {
        prop_assert_eq!(app.selected_index(), 0);
        prop_assert!(app.viewer().is_none(), "a viewer with no task");
    } else {
        prop_assert!(app.selected_index() < entries.len(), "selection {} of {}", app.selected_index(), entries.len());
    }
    for entry in entries {
        let view = &entry.view;
        if !view.is_empty() {
            prop_assert!(view.selected() < view.len(), "subtask cursor {} of {}", view.selected(), view.len());
            prop_assert!(view.offset() <= view.selected(), "cursor above the visible rows");
        }
        let count = entry.task.as_ref().map_or(0, |t| t.subtasks.len());
        prop_assert!(view.index().iter().all(|i| (*i as usize) < count), "view index past the subtasks");
    }
    if let Some(viewer) = app.viewer() {
        let entry = app.selected_entry();
        prop_assert!(entry.is_some(), "a viewer without a selected task");
        if let ViewerTarget::Subtask { pos, key } = &viewer.target {
            let sub = entry.and_then(|e| e.task.as_ref()).and_then(|t| t.subtasks.get(*pos));
            prop_assert!(sub.is_some_and(|s| key.matches(s)), "the viewer's subtask is not in the snapshot");
        }
        prop_assert!(sanitize::is_clean(viewer.doc.as_str()), "the viewer document is not sanitised");
    }

    for effect in effects {
        match effect {
            Effect::Poll(PollCmd::Watch(r)) => {
                prop_assert!(watched.insert(r.to_string()), "watched twice: {r}");
            }
            Effect::Poll(PollCmd::Unwatch(r)) => {
                prop_assert!(watched.remove(&r.to_string()), "unwatched an unknown task: {r}");
            }
            Effect::SaveWatchlist(refs) => prop_assert_eq!(refs, &app.task_refs(), "the saved list is the list"),
            Effect::CopyToClipboard(text) => prop_assert!(sanitize::is_clean(text), "clipboard: {text:?}"),
            Effect::Notify(n) => prop_assert!(sanitize::is_clean(&n.title) && sanitize::is_clean(&n.body), "{n:?}"),
            Effect::WriteFile(file) => {
                // Names come from task ids and server text: one plain component, nothing else.
                let name = file.name.as_str();
                prop_assert!(
                    !name.is_empty()
                        && !name.contains(['/', '\\'])
                        && name != "."
                        && name != ".."
                        && sanitize::is_clean(name),
                    "unsafe file name {name:?}"
                );
                prop_assert_eq!(&file.dir, &app.options().output_dir, "files go to the report directory only");
            }
            Effect::OpenExternal(open) => {
                prop_assert!(sanitize::is_clean(&open.text), "unsanitised text for the pager");
                prop_assert!(!open.suffix.contains('/') && sanitize::is_clean(&open.suffix));
            }
            Effect::WriteRetrySpec(request) | Effect::CheckRetrySpec { request, .. } => {
                prop_assert_eq!(&request.dir, &app.options().output_dir);
            }
            Effect::SaveLabel { task_ref, .. } => {
                prop_assert!(app.task_refs().contains(task_ref), "a label for a task not in the list: {task_ref}");
            }
            Effect::OpenConsole { url, .. } => {
                prop_assert!(url.starts_with("https://") && sanitize::is_clean(url), "console address {url:?}");
            }
            Effect::Poll(_) | Effect::StartImport(_) | Effect::Suspend | Effect::ReclaimTerminal | Effect::Quit => {}
        }
    }
    let listed: BTreeSet<String> = app.task_refs().iter().map(ToString::to_string).collect();
    prop_assert_eq!(&listed, watched, "the task list is the watched set");
    prop_assert_eq!(listed.len(), entries.len(), "no task twice");

    terminal.draw(|frame| oaswatch::ui::render(app, frame)).unwrap();
    let buffer = terminal.backend().buffer();
    for cell in &buffer.content {
        prop_assert!(sanitize::is_clean(cell.symbol()), "cell holds {:?}", cell.symbol());
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(48), max_shrink_iters: 4000, ..ProptestConfig::default() })]

    #[test]
    fn random_sessions_never_panic_or_break_the_invariants(
        initial in prop::collection::vec((0usize..POOL.len(), prop::option::of(0usize..POOL.len())), 0..4),
        snapshots in prop::collection::vec(task(pool(0)), 0..1),
        steps in prop::collection::vec(step(), 1..60),
    ) {
        // Initial tasks, some with a saved snapshot (reusing a generated task for its ref).
        let initial: Vec<(TaskRef, Option<Task>)> = initial
            .into_iter()
            .map(|(i, snap)| {
                let task_ref = pool(i);
                let task = snap.and_then(|_| snapshots.first().cloned()).map(|mut t| {
                    t.task_ref = task_ref.clone();
                    t.provider = task_ref.provider();
                    t
                });
                (task_ref, task)
            })
            .collect();
        let mut watched: BTreeSet<String> = initial.iter().map(|(r, _)| r.to_string()).collect();
        let options = AppOptions { raw_item_json: Some(oaswatch::provider::raw_item_json), ..AppOptions::default() };
        let mut app = App::new(initial, options);
        let (mut w, mut h) = (100, 30);
        app.update(Action::Resize { w, h });
        let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
        for action in steps.into_iter().flat_map(expand) {
            if let Action::Resize { w: nw, h: nh } = action {
                (w, h) = (nw, nh);
                terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
            }
            let effects = app.update(action);
            check(&app, &effects, &mut watched, &mut terminal)?;
        }
    }
}
