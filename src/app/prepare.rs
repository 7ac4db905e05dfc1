//! The part of applying a poll result that needs nothing from the app, done before the result
//! reaches the UI thread.
//!
//! Owns [`Preparer`]: per watched task, the last response body and the task's grouping engine
//! (what each failure met so far became, so a poll that adds k failures mines k messages). An answer that says what the last one said (the same body, or a new request id alone)
//! gets the last one's body (the app then recognises it with a pointer comparison instead of
//! comparing megabytes; the raw-JSON view keeps showing the first request id of such a run of
//! answers); a changed one gets its failure groups. Grouping the 6,000 failures of a
//! 30,000-subtask answer took ~3.4 ms of the ~4 ms the UI thread spent on it, time a key press
//! had to wait for. Pure: the dashboard runs it on a worker between the poller and the event loop.

use std::collections::HashMap;
use std::sync::Arc;

use crate::analysis::Grouper;
use crate::domain::TaskRef;
use crate::poller::Polled;
use crate::provider::same_answer::same_answer;

/// What the preparation remembers of each task between its answers.
#[derive(Debug, Default)]
struct Seen {
    body: Option<Arc<str>>,
    grouper: Grouper,
}

#[derive(Debug, Default)]
pub struct Preparer {
    tasks: HashMap<TaskRef, Seen>,
}

impl Preparer {
    pub fn new() -> Preparer {
        Preparer::default()
    }

    /// Fills in what can be worked out from the result alone.
    pub fn prepare(&mut self, polled: &mut Polled) {
        // The poller has stopped on this task: what is remembered serves this last answer (a
        // finished 30,000-subtask task's signatures are not worked out again), then goes.
        let mut stopped =
            polled.next_poll_in.is_none().then(|| self.tasks.remove(&polled.task_ref).unwrap_or_default());
        let Ok(task) = &mut polled.result else { return };
        let seen = match &mut stopped {
            Some(seen) => seen,
            None => self.tasks.entry(polled.task_ref.clone()).or_default(),
        };
        if let (Some(body), Some(last)) = (&task.raw_body, &seen.body)
            && same_answer(body, last)
        {
            task.raw_body = Some(Arc::clone(last));
            return;
        }
        seen.body.clone_from(&task.raw_body);
        polled.groups = Some(seen.grouper.group(&task.subtasks));
    }

    /// Tasks whose answers are remembered.
    pub fn remembered(&self) -> usize {
        self.tasks.len()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::analysis::group_failures;
    use crate::app::fixtures::*;
    use crate::domain::{SubtaskState, TaskState};

    fn with_body(mut polled: Polled, body: &str) -> Polled {
        if let Ok(task) = &mut polled.result {
            task.raw_body = Some(Arc::from(body));
        }
        polled
    }

    fn failing(r: &TaskRef, messages: &[&str]) -> crate::domain::Task {
        let subtasks = messages
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let mut s = sub(i, SubtaskState::Failed);
                s.set_error("", *m);
                s
            })
            .collect();
        task(r, TaskState::Running, subtasks)
    }

    fn summary(groups: &[crate::analysis::FailureGroup]) -> Vec<(String, Vec<u32>)> {
        groups.iter().map(|g| (g.label(), g.members.clone())).collect()
    }

    #[test]
    fn a_changed_answer_gets_the_groups_the_app_would_compute() {
        let r = aliyun("t");
        let mut preparer = Preparer::new();
        let first =
            failing(&r, &["Path /a conflicts with API 11", "Model Pet exists", "Path /b conflicts with API 12"]);
        let mut polled = with_body(ok(first.clone(), 1), "one");
        preparer.prepare(&mut polled);
        assert_eq!(polled.groups.as_deref().map(summary), Some(summary(&group_failures(&first))));

        // Moved, added and changed failures: remembered signatures must not leak into others.
        let second = failing(
            &r,
            &["Model Pet exists", "Path /c conflicts with API 13", "Backend timed out", "Model Pet exists"],
        );
        let mut polled = with_body(ok(second.clone(), 2), "two");
        preparer.prepare(&mut polled);
        assert_eq!(polled.groups.as_deref().map(summary), Some(summary(&group_failures(&second))));
    }

    #[test]
    fn an_unchanged_answer_shares_the_last_body_and_needs_no_groups() {
        let r = aliyun("t");
        let mut preparer = Preparer::new();
        let snapshot = failing(&r, &["Model Pet exists"]);
        let mut first = with_body(ok(snapshot.clone(), 1), "{\"RequestId\":\"R1\",\"same\":1}");
        preparer.prepare(&mut first);
        let mut again = with_body(ok(snapshot.clone(), 2), "{\"RequestId\":\"R1\",\"same\":1}");
        preparer.prepare(&mut again);
        assert!(again.groups.is_none());
        let body = |p: &Polled| p.result.as_ref().unwrap().raw_body.clone().unwrap();
        assert!(Arc::ptr_eq(&body(&first), &body(&again)), "the very same allocation");
        // Every Alibaba answer carries a new request id: that alone is no news.
        let mut new_id = with_body(ok(snapshot.clone(), 3), "{\"RequestId\":\"R2\",\"same\":1}");
        preparer.prepare(&mut new_id);
        assert!(new_id.groups.is_none());
        assert!(Arc::ptr_eq(&body(&first), &body(&new_id)));
        let mut moved = with_body(ok(snapshot, 4), "{\"RequestId\":\"R3\",\"same\":2}");
        preparer.prepare(&mut moved);
        assert!(moved.groups.is_some(), "a change beside a new id is news");
    }

    #[test]
    fn a_task_the_poller_stopped_on_is_forgotten() {
        let r = aliyun("t");
        let mut preparer = Preparer::new();
        let mut running = with_body(ok(failing(&r, &["x"]), 1), "a");
        preparer.prepare(&mut running);
        assert_eq!(preparer.remembered(), 1);
        let mut last = with_body(ok(failing(&r, &["x", "y"]), 2), "b");
        last.next_poll_in = None;
        preparer.prepare(&mut last);
        assert_eq!(preparer.remembered(), 0);
        assert!(last.groups.is_some(), "a final answer is still prepared");
        let mut error = err(&r, crate::domain::FetchErrorKind::Server, 3);
        error.next_poll_in = Some(Duration::from_secs(1));
        preparer.prepare(&mut error);
        assert!(error.groups.is_none());
    }
}
