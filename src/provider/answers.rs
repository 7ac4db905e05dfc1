//! Each task's last answer and what it parsed to, so that an answer saying the same again (only
//! its request id differs, [`same_answer`]) is not parsed again.
//!
//! Most polls of a running task find it unchanged; parsing such an answer (JSON, then packing
//! every subtask) was the largest share of `wait`'s own CPU per request against the simulator
//! (`cargo bench --bench polling -- cost`). Bounded: only answers up to [`MAX_BODY`] bytes are
//! kept, and the whole memory is dropped once it holds [`MAX_TOTAL`] bytes of them. Pure apart
//! from its lock; knows nothing of HTTP.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use super::same_answer::same_answer;
use crate::domain::{Task, TaskRef};

/// Larger answers are parsed every time: they are rare, and keeping them would cost memory.
const MAX_BODY: usize = 64 * 1024;

/// Bytes of answers kept at most before all are forgotten (tasks no longer watched included).
const MAX_TOTAL: usize = 4 * 1024 * 1024;

#[derive(Default)]
pub struct Answers {
    kept: Mutex<Kept>,
}

/// Only how much is kept: the answers themselves are task data, too long to print.
impl std::fmt::Debug for Answers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        f.debug_struct("Answers").field("tasks", &kept.tasks.len()).field("bytes", &kept.bytes).finish()
    }
}

#[derive(Default)]
struct Kept {
    /// foldhash: looked up on every answer.
    tasks: HashMap<TaskRef, Task, foldhash::fast::RandomState>,
    bytes: usize,
}

impl Answers {
    /// The task `body` parses to, if it says the same as the last answer kept for `task_ref`:
    /// that answer's task, carrying `body` as its raw body.
    pub fn same(&self, task_ref: &TaskRef, body: &Arc<str>) -> Option<Task> {
        let kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        let task = kept.tasks.get(task_ref)?;
        let last = task.raw_body.as_deref()?;
        if !same_answer(last, body) {
            return None;
        }
        let mut task = task.clone();
        task.raw_body = Some(Arc::clone(body));
        Some(task)
    }

    /// Keeps `task` (parsed from its `raw_body`) as `task_ref`'s last answer.
    pub fn keep(&self, task_ref: &TaskRef, task: &Task) {
        let Some(size) = task.raw_body.as_deref().map(str::len).filter(|len| *len <= MAX_BODY) else { return };
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        if kept.bytes + size > MAX_TOTAL {
            kept.tasks.clear();
            kept.bytes = 0;
        }
        let before = kept.tasks.insert(task_ref.clone(), task.clone());
        let freed = before.and_then(|t| t.raw_body.as_deref().map(str::len)).unwrap_or(0);
        kept.bytes = kept.bytes + size - freed;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Counts, TaskKind, TaskState};

    fn answer(task_ref: &TaskRef, done: u32, request_id: &str) -> Task {
        let mut task = Task::new(task_ref.clone(), TaskKind::Import, TaskState::Running, "Running");
        task.counts = Counts { total: 10, succeeded: done, waiting: 10 - done, ..Counts::default() };
        task.raw_body = Some(Arc::from(format!(r#"{{"RequestId":"{request_id}","Done":{done}}}"#)));
        task
    }

    #[test]
    fn an_answer_that_differs_only_in_its_request_id_is_the_last_task_with_the_new_body() {
        let answers = Answers::default();
        let r: TaskRef = "aliyun://cn-hangzhou/t1".parse().unwrap();
        let first = answer(&r, 3, "A1");
        assert!(answers.same(&r, first.raw_body.as_ref().unwrap()).is_none(), "nothing kept yet");
        answers.keep(&r, &first);
        let again = answer(&r, 3, "B2");
        let body = again.raw_body.clone().unwrap();
        let reused = answers.same(&r, &body).expect("the same answer");
        assert_eq!(reused.counts, first.counts);
        assert_eq!(reused.raw_body.as_deref(), Some(&*body), "the new request id is what the task shows");
        let moved = answer(&r, 4, "C3");
        assert!(answers.same(&r, moved.raw_body.as_ref().unwrap()).is_none(), "progress: parsed again");
        let other: TaskRef = "aliyun://cn-hangzhou/t2".parse().unwrap();
        assert!(answers.same(&other, &body).is_none(), "per task");
    }

    #[test]
    fn memory_is_bounded() {
        let answers = Answers::default();
        let big = "x".repeat(MAX_BODY + 1);
        let r: TaskRef = "aliyun://cn-hangzhou/t1".parse().unwrap();
        let mut task = answer(&r, 0, "A");
        task.raw_body = Some(Arc::from(big.as_str()));
        answers.keep(&r, &task);
        assert!(answers.same(&r, task.raw_body.as_ref().unwrap()).is_none(), "too large to keep");
        let mid = "y".repeat(MAX_BODY);
        for i in 0..(MAX_TOTAL / MAX_BODY + 2) {
            let r: TaskRef = format!("aliyun://cn-hangzhou/m{i}").parse().unwrap();
            let mut task = answer(&r, 0, "A");
            task.raw_body = Some(Arc::from(mid.as_str()));
            answers.keep(&r, &task);
        }
        let kept = answers.kept.lock().unwrap();
        assert!(kept.bytes <= MAX_TOTAL && kept.tasks.len() <= MAX_TOTAL / MAX_BODY, "{} bytes", kept.bytes);
    }
}
