//! Journeys (gitui style): real key events through the keymap and poll results into the app,
//! with a snapshot of the screen at each checkpoint. Time comes only from the results and ticks.

use std::time::{Duration, SystemTime};

use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyEventState, KeyModifiers};
use oaswatch::app::keymap::action_for_event;
use oaswatch::app::{Action, App, AppOptions, Effect};
use oaswatch::domain::{
    ApiError, ApiErrorRef, FetchError, FetchErrorKind, Subtask, SubtaskKind, SubtaskState, SubtaskText, Task, TaskKind,
    TaskRef, TaskState,
};
use oaswatch::poller::{PollCmd, Polled};
use oaswatch::ui;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn t(secs: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000 + secs)
}

const APIS: [(&str, &str, &str); 8] = [
    ("GET", "/v1/users", "listUsers"),
    ("POST", "/v1/users", "createUser"),
    ("GET", "/v1/users/{id}", "getUser"),
    ("PUT", "/v1/users/{id}", "updateUser"),
    ("DELETE", "/v1/users/{id}", "deleteUser"),
    ("GET", "/v1/orders", "listOrders"),
    ("POST", "/v1/orders", "createOrder"),
    ("GET", "/v1/orders/{id}", "getOrder"),
];

fn import(r: &TaskRef, state: TaskState, states: [SubtaskState; 8]) -> Task {
    let subtasks = APIS
        .iter()
        .zip(states)
        .enumerate()
        .map(|(i, ((method, path, name), state))| {
            Subtask::new(
                SubtaskKind::Api,
                state,
                SubtaskText {
                    id: &format!("5d1e0c{i:02}a7b94e"),
                    name,
                    method,
                    path,
                    raw_status: match state {
                        SubtaskState::Failed => "FAIL",
                        SubtaskState::Succeeded => "OVER",
                        SubtaskState::Running => "RUNNING",
                        _ => "WAIT",
                    },
                    error: ((state == SubtaskState::Failed).then(|| {
                        ApiError::new(
                            "",
                            format!(
                                "The API {method} {path} conflicts with an existing API in group users-prod:\n\
                         path and method already bound to API {name}-old (ApiId 9a8b7c6d).\n\
                         Rename the operation or delete the existing API, then import again.\n"
                            ),
                        )
                    }))
                    .as_ref()
                    .map(ApiErrorRef::from),
                },
            )
            .at_index(u32::try_from(i).unwrap_or(u32::MAX))
        })
        .collect();
    Task::new(r.clone(), TaskKind::Import, state, if state.is_finished() { "Finished" } else { "Running" })
        .with_subtasks(subtasks)
}

struct Journey {
    app: App,
    terminal: Terminal<TestBackend>,
    effects: Vec<Effect>,
}

impl Journey {
    fn start(initial: Vec<(TaskRef, Option<Task>)>) -> Journey {
        let mut app = App::new(initial, AppOptions::default());
        app.update(Action::Resize { w: 100, h: 30 });
        app.update(Action::Tick(t(0)));
        Journey { app, terminal: Terminal::new(TestBackend::new(100, 30)).unwrap(), effects: Vec::new() }
    }

    fn apply(&mut self, action: Action) {
        self.effects.extend(self.app.update(action));
    }

    fn press(&mut self, code: KeyCode) {
        let modifiers = if matches!(code, KeyCode::Char(c) if c.is_ascii_uppercase()) {
            KeyModifiers::SHIFT
        } else {
            KeyModifiers::NONE
        };
        let event = Event::Key(KeyEvent { code, modifiers, kind: KeyEventKind::Press, state: KeyEventState::NONE });
        if let Some(action) = action_for_event(&self.app, event) {
            self.apply(action);
        }
    }

    fn keys(&mut self, text: &str) {
        for c in text.chars() {
            self.press(KeyCode::Char(c));
        }
    }

    fn screen(&mut self) -> String {
        self.terminal.draw(|f| ui::render(&self.app, f)).unwrap();
        self.terminal.backend().to_string()
    }
}

#[test]
fn from_a_running_import_to_the_first_failure() {
    use SubtaskState::{Failed as F, Running as R, Succeeded as S, Waiting as W};
    let r: TaskRef = "aliyun://cn-hangzhou/4c53ccf1d40c489686d1adf5c2644a7f".parse().unwrap();
    let mut j = Journey::start(vec![(r.clone(), None)]);
    insta::assert_snapshot!("journey_1_started", j.screen());

    j.apply(Action::Polled(Polled {
        task_ref: r.clone(),
        at: t(2),
        result: Ok(Box::new(import(&r, TaskState::Running, [S, S, R, R, W, W, W, W]))),
        next_poll_in: Some(Duration::from_secs(5)),
        groups: None,
        share: None,
    }));
    j.apply(Action::Tick(t(4)));
    insta::assert_snapshot!("journey_2_running", j.screen());

    j.apply(Action::Polled(Polled {
        task_ref: r.clone(),
        at: t(7),
        result: Ok(Box::new(import(&r, TaskState::PartiallyFailed, [S, F, S, S, F, S, S, F]))),
        next_poll_in: None,
        groups: None,
        share: None,
    }));
    assert!(j.effects.iter().any(|e| matches!(e, Effect::Notify(n) if n.title == "oaswatch: task partial")));
    insta::assert_snapshot!("journey_3_partially_failed", j.screen());

    j.press(KeyCode::Enter);
    insta::assert_snapshot!("journey_4_subtasks", j.screen());

    j.keys("s");
    j.keys("n");
    insta::assert_snapshot!("journey_5_first_failure", j.screen());

    j.keys("n");
    j.keys("w");
    insta::assert_snapshot!("journey_6_second_failure_unwrapped", j.screen());

    j.press(KeyCode::Esc);
    j.keys("f");
    insta::assert_snapshot!("journey_7_failures_only", j.screen());
}

#[test]
fn adding_a_task_by_hand_with_a_typo_then_a_fetch_error() {
    let mut j = Journey::start(vec![]);
    insta::assert_snapshot!("journey_add_1_empty", j.screen());
    j.keys("a");
    j.keys("huawei://cn-north-4/0123/eddc");
    insta::assert_snapshot!("journey_add_2_typo", j.screen());
    j.keys("/d9ce");
    j.press(KeyCode::Enter);
    let added: TaskRef = "huawei://cn-north-4/0123/eddc/d9ce".parse().unwrap();
    assert_eq!(j.effects[0], Effect::Poll(PollCmd::Watch(added.clone())));
    assert_eq!(j.effects[1], Effect::SaveWatchlist(vec![added.clone()]));
    j.apply(Action::Polled(Polled {
        task_ref: added.clone(),
        at: t(3),
        result: Err(FetchError::new(
            FetchErrorKind::Auth,
            "APIG.1002",
            "Incorrect IAM authentication information: verify aksk signature fail",
        )),
        next_poll_in: None,
        groups: None,
        share: None,
    }));
    j.apply(Action::Tick(t(33)));
    insta::assert_snapshot!("journey_add_3_auth_error", j.screen());
    j.keys("e");
    insta::assert_snapshot!("journey_add_4_error_viewer", j.screen());
}

/// An import where most failures share one cause: paths that already exist in the group.
fn conflicted_import(r: &TaskRef, state: TaskState, done: usize) -> Task {
    // The eight APIs of the other journeys, and four more.
    let more = [
        ("GET", "/v1/pets", "listPets"),
        ("POST", "/v1/pets", "createPet"),
        ("GET", "/v1/health", "health"),
        ("GET", "/v1/version", "version"),
    ];
    let apis: Vec<_> = APIS.into_iter().chain(more).collect();
    let subtasks = apis
        .iter()
        .enumerate()
        .map(|(i, (method, path, name))| {
            let (state, raw, error) = if i >= done {
                (SubtaskState::Running, "RUNNING", None)
            } else if [1, 3, 4, 6, 7, 9].contains(&i) {
                let message = format!("Path {path} conflicts with existing API 9b8c3d2e1f0a9b8c3f2a9c81d0e54b{i:02}\n");
                (SubtaskState::Failed, "FAIL", Some(ApiError::new("", message)))
            } else if i == 10 {
                let message = "Backend address http://10.0.0.12:8080 is not reachable".to_owned();
                (SubtaskState::Failed, "FAIL", Some(ApiError::new("", message)))
            } else {
                (SubtaskState::Succeeded, "OVER", None)
            };
            Subtask::new(
                SubtaskKind::Api,
                state,
                SubtaskText {
                    id: &format!("5d1e0c{i:02}a7b94e"),
                    name,
                    method,
                    path,
                    raw_status: raw,
                    error: error.as_ref().map(ApiErrorRef::from),
                },
            )
            .at_index(u32::try_from(i).unwrap_or(u32::MAX))
        })
        .collect();
    Task::new(r.clone(), TaskKind::Import, state, if state.is_finished() { "Finished" } else { "Running" })
        .with_subtasks(subtasks)
}

#[test]
fn new_user_finds_the_biggest_failure_cause_and_exports_a_report() {
    let r: TaskRef = "aliyun://cn-hangzhou/4c53ccf1d40c489686d1adf5c2644a7f".parse().unwrap();
    let mut j = Journey::start(vec![(r.clone(), None)]);
    j.apply(Action::Polled(Polled {
        task_ref: r.clone(),
        at: t(2),
        result: Ok(Box::new(conflicted_import(&r, TaskState::Running, 5))),
        next_poll_in: Some(Duration::from_secs(5)),
        groups: None,
        share: None,
    }));
    j.apply(Action::Polled(Polled {
        task_ref: r.clone(),
        at: t(9),
        result: Ok(Box::new(conflicted_import(&r, TaskState::PartiallyFailed, 12))),
        next_poll_in: None,
        groups: None,
        share: None,
    }));
    j.apply(Action::Tick(t(10)));
    let screen = j.screen();
    assert!(screen.contains("F groups") && screen.contains("x report"), "the footer shows the way: {screen}");
    insta::assert_snapshot!("failure_cause_1_partially_failed", screen);

    j.keys("F");
    let screen = j.screen();
    assert!(screen.contains("6 APIs") && screen.contains("Path {path} conflicts with existing API {id}"), "{screen}");
    insta::assert_snapshot!("failure_cause_2_groups", screen);

    j.press(KeyCode::Enter);
    insta::assert_snapshot!("failure_cause_3_top_group_members", j.screen());

    j.keys("n");
    let screen = j.screen();
    assert!(screen.contains("✘ 1/6 not imported, group 1"), "{screen}");
    insta::assert_snapshot!("failure_cause_4_first_member_in_viewer", screen);

    j.press(KeyCode::Esc);
    insta::assert_snapshot!("failure_cause_5_back_to_the_members", j.screen());

    j.keys("x");
    insta::assert_snapshot!("failure_cause_6_report_prompt", j.screen());

    j.effects.clear();
    j.press(KeyCode::Enter);
    let [Effect::WriteFile(file)] = j.effects.as_slice() else { panic!("one file to write: {:?}", j.effects) };
    assert_eq!(file.name, "oaswatch-report-4c53ccf1d40c489686d1adf5c2644a7f-20231114T221330.md");
    assert!(
        file.contents.contains("| 1 |  | 6 | 6 | 0 |  | Path {path} conflicts with existing API {id} |"),
        "{}",
        file.contents
    );
    let path = file.dir.join(&file.name);
    j.apply(Action::FileWritten { what: file.what, path });
    let screen = j.screen();
    assert!(screen.contains("report written to ./oaswatch-report-4c53"), "{screen}");
    insta::assert_snapshot!("failure_cause_7_report_written", screen);
}
