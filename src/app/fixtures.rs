//! Test fixtures shared by the app and UI unit tests: tasks, subtasks and poll results.

use std::time::{Duration, SystemTime};

use crate::domain::{
    ApiError, ApiErrorRef, FetchError, FetchErrorKind, Subtask, SubtaskKind, SubtaskState, SubtaskText, Task, TaskKind,
    TaskRef, TaskState,
};
use crate::poller::Polled;

use super::{Action, App, AppOptions, Command, Effect};

/// A fixed wall clock: 2023-11-14 22:13:20 UTC.
pub fn t0() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000)
}

pub fn at(secs: u64) -> SystemTime {
    t0() + Duration::from_secs(secs)
}

pub fn aliyun(id: &str) -> TaskRef {
    format!("aliyun://cn-hangzhou/{id}").parse().unwrap()
}

pub fn huawei(id: &str) -> TaskRef {
    format!("huawei://cn-north-4/0123456789abcdef0123456789abcdef/eddc4d25480b4cd6b512f270a1b8b341/{id}")
        .parse()
        .unwrap()
}

pub fn sub(i: usize, state: SubtaskState) -> Subtask {
    let error = match state {
        SubtaskState::Failed => {
            Some(ApiError::new("APIG.3201", format!("API path /v1/users/{i} already exists in group")))
        }
        _ => None,
    };
    Subtask::new(
        if i % 10 == 9 { SubtaskKind::Model } else { SubtaskKind::Api },
        state,
        SubtaskText {
            id: &format!("api{i:05}"),
            name: &format!("operation{i:05}"),
            method: ["GET", "POST", "PUT", "DELETE"][i % 4],
            path: &format!("/v1/users/{i}"),
            raw_status: match state {
                SubtaskState::Failed => "FAIL",
                SubtaskState::Succeeded => "OVER",
                SubtaskState::Running => "RUNNING",
                _ => "WAIT",
            },
            error: error.as_ref().map(ApiErrorRef::from),
        },
    )
    .at_index(u32::try_from(i).unwrap())
}

/// Subtasks with the given states in order.
pub fn subs(states: &[SubtaskState]) -> Vec<Subtask> {
    states.iter().enumerate().map(|(i, s)| sub(i, *s)).collect()
}

/// `ok + failed + running` subtasks: failures spread evenly, the last `running` ones running.
pub fn mixed(ok: usize, failed: usize, running: usize) -> Vec<Subtask> {
    let mut states = vec![SubtaskState::Succeeded; ok + failed + running];
    let total = states.len();
    if let Some(step) = total.checked_div(failed) {
        // Evenly spread and distinct: (6, 3, 0) fails rows 1, 4 and 7.
        for i in 0..failed {
            states[i * step + step / 2] = SubtaskState::Failed;
        }
    }
    let mut placed = 0;
    for s in states.iter_mut().rev() {
        if placed == running {
            break;
        }
        if *s == SubtaskState::Succeeded {
            *s = SubtaskState::Running;
            placed += 1;
        }
    }
    subs(&states)
}

/// Twelve subtasks: five path conflicts (APIG.3201), three models that exist (APIG.3202), one
/// cancelled without text, three successes.
pub fn grouped_subtasks() -> Vec<Subtask> {
    (0..12)
        .map(|i| {
            let mut s = sub(i, SubtaskState::Succeeded);
            match i {
                1 | 3 | 5 | 7 | 9 => {
                    s.state = SubtaskState::Failed;
                    s.set_raw_status("FAIL");
                    s.kind = SubtaskKind::Api;
                    s.set_error(
                        "APIG.3201",
                        format!("Path /v1/r{i} conflicts with existing API 3f2a9c81d0e54b6f9a7c3d2e1f0a9b{i:02}"),
                    );
                }
                2 | 6 | 10 => {
                    s.state = SubtaskState::Failed;
                    s.set_raw_status("FAIL");
                    s.kind = SubtaskKind::Model;
                    s.set_name(format!("Model{i}"));
                    s.set_error(
                        "APIG.3202",
                        format!("Model Model{i} already exists in group 736508d885074167ba8fbce3bc95ea0b"),
                    );
                }
                11 => {
                    s.state = SubtaskState::Cancelled;
                    s.set_raw_status("CANCELLED");
                }
                _ => {}
            }
            s
        })
        .collect()
}

pub fn task(task_ref: &TaskRef, state: TaskState, subtasks: Vec<Subtask>) -> Task {
    let raw = match state {
        TaskState::Running => "Running",
        TaskState::Waiting => "Waiting",
        _ => "Finished",
    };
    Task::new(task_ref.clone(), TaskKind::Import, state, raw).with_subtasks(subtasks)
}

/// A successful poll; like the poller, no next poll once the task finished.
pub fn ok(task: Task, secs: u64) -> Polled {
    let next_poll_in = (!task.is_finished()).then_some(Duration::from_secs(5));
    Polled {
        task_ref: task.task_ref.clone(),
        at: at(secs),
        result: Ok(Box::new(task)),
        next_poll_in,
        groups: None,
        share: None,
    }
}

pub fn err(task_ref: &TaskRef, kind: FetchErrorKind, secs: u64) -> Polled {
    let (code, message) = match kind {
        FetchErrorKind::Auth => ("InvalidAccessKeyId.NotFound", "Specified access key is not found."),
        FetchErrorKind::Throttled => ("Throttling.User", "Request was denied due to user flow control."),
        FetchErrorKind::Network => ("timeout", "connect timed out after 5s"),
        FetchErrorKind::NotFound => ("APIG.3093", "The task does not exist."),
        FetchErrorKind::Server => ("http.503", "Service Unavailable"),
        FetchErrorKind::Protocol => ("non_json", "non-JSON response (text/html, 1.3 KB)"),
    };
    Polled {
        task_ref: task_ref.clone(),
        at: at(secs),
        result: Err(FetchError::new(kind, code, message)),
        next_poll_in: Some(Duration::from_secs(10)),
        groups: None,
        share: None,
    }
}

/// An app sized like a 100x30 terminal at `t0`.
pub fn app(initial: Vec<(TaskRef, Option<Task>)>) -> App {
    app_sized(initial, 100, 30)
}

pub fn app_sized(initial: Vec<(TaskRef, Option<Task>)>, w: u16, h: u16) -> App {
    let mut app = App::new(initial, AppOptions::default());
    app.update(Action::Resize { w, h });
    app.update(Action::Tick(t0()));
    app
}

pub fn cmd(app: &mut App, command: Command) -> Vec<Effect> {
    app.update(Action::Command(command))
}

pub fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        app.update(Action::Insert(c));
    }
}

/// An endpoint's budget share as the poller reports it: `tasks` sharing `rate` requests/s of a
/// ceiling of 10, with the asked interval of 2 s.
pub fn share(endpoint: &str, tasks: usize, rate: f64) -> crate::poller::Share {
    #[expect(clippy::cast_precision_loss, reason = "test task counts")]
    let every = Duration::from_secs_f64(tasks as f64 / rate).max(Duration::from_secs(2));
    crate::poller::Share {
        endpoint: std::sync::Arc::from(endpoint),
        tasks,
        rate,
        ceiling: 10,
        asked: Duration::from_secs(2),
        every,
    }
}
