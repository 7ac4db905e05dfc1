//! Subtasks a finished task left unfinished: Alibaba can report `Finished` with an item still
//! `WAIT`, which no count of failures shows. Every surface names them the same way: "1 still WAIT
//! after Finished: GET /x".
//!
//! Owns finding them and that sentence. Pure; the text is the provider's, so callers sanitise it.

use std::fmt::Write as _;

use crate::domain::{Subtask, SubtaskKind, Task};

/// How many stragglers a sentence names before "and N more".
const NAMED: usize = 3;

/// The unfinished subtasks of a finished task.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stragglers {
    /// How many subtasks are still waiting or running.
    pub count: u32,
    /// Their raw statuses, distinct, in order met (`WAIT`).
    pub statuses: Vec<String>,
    /// The task's own raw status (`Finished`).
    pub task_status: String,
    /// The first few of them: `GET /x` for an API, `model Pet` for a model.
    pub named: Vec<String>,
}

/// The stragglers of `task`, if it has finished with some subtasks still unfinished.
pub fn stragglers(task: &Task) -> Option<Stragglers> {
    let count = task.counts.running + task.counts.waiting;
    if !task.is_finished() || count == 0 {
        return None;
    }
    let mut statuses: Vec<String> = Vec::new();
    let mut named = Vec::new();
    for subtask in task.subtasks.iter().filter(|s| !s.state.is_terminal()) {
        let status = if subtask.raw_status().is_empty() { subtask.state.as_str() } else { subtask.raw_status() };
        if !statuses.iter().any(|s| s == status) {
            statuses.push(status.to_owned());
        }
        if named.len() < NAMED {
            named.push(what(subtask));
        }
    }
    Some(Stragglers { count, statuses, task_status: task.raw_status.clone(), named })
}

fn what(subtask: &Subtask) -> String {
    match subtask.kind {
        SubtaskKind::Api if !subtask.method().is_empty() || !subtask.path().is_empty() => {
            format!("{} {}", subtask.method(), subtask.path()).trim().to_owned()
        }
        SubtaskKind::Api => format!("API {}", subtask.name()),
        SubtaskKind::Model => format!("model {}", subtask.name()),
    }
}

impl Stragglers {
    /// `1 still WAIT after Finished: GET /x`, `4 still WAIT/RUNNING after Finished: GET /a, GET /b,
    /// model Pet and 1 more`. The provider's text, not sanitised.
    pub fn sentence(&self) -> String {
        let mut list = self.named.join(", ");
        let more = (self.count as usize).saturating_sub(self.named.len());
        if more > 0 {
            let _ = write!(list, " and {more} more");
        }
        format!("{} still {} after {}: {list}", self.count, self.statuses.join("/"), self.task_status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{SubtaskState, SubtaskText, TaskKind, TaskState};

    fn sub(kind: SubtaskKind, state: SubtaskState, raw: &str, name: &str, path: &str) -> Subtask {
        let method = if path.is_empty() { "" } else { "GET" };
        Subtask::new(kind, state, SubtaskText { name, method, path, raw_status: raw, ..SubtaskText::default() })
    }

    fn task(state: TaskState, subtasks: Vec<Subtask>) -> Task {
        Task::new("aliyun://cn-hangzhou/abc".parse().unwrap(), TaskKind::Import, state, "Finished")
            .with_subtasks(subtasks)
    }

    #[test]
    fn a_finished_task_names_what_it_left_unfinished() {
        let t = task(
            TaskState::Succeeded,
            vec![
                sub(SubtaskKind::Api, SubtaskState::Succeeded, "OVER", "a", "/a"),
                sub(SubtaskKind::Api, SubtaskState::Waiting, "WAIT", "x", "/x"),
            ],
        );
        assert_eq!(stragglers(&t).unwrap().sentence(), "1 still WAIT after Finished: GET /x");
        let many = task(
            TaskState::PartiallyFailed,
            (0..5)
                .map(|i| sub(SubtaskKind::Api, SubtaskState::Waiting, "WAIT", "", &format!("/p{i}")))
                .chain([sub(SubtaskKind::Model, SubtaskState::Running, "RUNNING", "Pet", "")])
                .collect(),
        );
        assert_eq!(
            stragglers(&many).unwrap().sentence(),
            "6 still WAIT/RUNNING after Finished: GET /p0, GET /p1, GET /p2 and 3 more"
        );
    }

    #[test]
    fn running_tasks_and_complete_ones_have_none() {
        let running = task(TaskState::Running, vec![sub(SubtaskKind::Api, SubtaskState::Waiting, "WAIT", "x", "/x")]);
        assert_eq!(stragglers(&running), None);
        let done = task(TaskState::Succeeded, vec![sub(SubtaskKind::Api, SubtaskState::Succeeded, "OVER", "x", "/x")]);
        assert_eq!(stragglers(&done), None);
    }
}
