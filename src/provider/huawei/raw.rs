//! Where a Huawei item sits in an async-task answer: `success`/`failure`/`ignore` of the decoded
//! `task_result` by state, then the item's position. Pure.

use serde_json::Value;

use crate::domain::{Subtask, SubtaskState, Task};

/// The JSON of one subtask as Huawei sent it, pretty-printed.
pub fn item_json(task: &Task, subtask: &Subtask) -> Option<String> {
    let body: Value = serde_json::from_str(task.raw_body.as_deref()?).ok()?;
    let index = usize::try_from(subtask.raw_index).ok()?;
    let result: Value = serde_json::from_str(body.get("task_result")?.as_str()?).ok()?;
    let key = match subtask.state {
        SubtaskState::Succeeded => "success",
        SubtaskState::Failed => "failure",
        SubtaskState::Skipped => "ignore",
        SubtaskState::Waiting | SubtaskState::Running | SubtaskState::Cancelled => return None,
    };
    let item = result.get(key)?.as_array()?.get(index)?;
    serde_json::to_string_pretty(item).ok()
}

/// The whole answer, pretty-printed, with the `task_result` string decoded in place when it holds
/// JSON: the escaped string is unreadable.
pub fn task_json(task: &Task) -> Option<String> {
    let mut body: Value = serde_json::from_str(task.raw_body.as_deref()?).ok()?;
    if let Some(slot) = body.get_mut("task_result")
        && let Some(decoded) = slot.as_str().and_then(|text| serde_json::from_str::<Value>(text).ok())
    {
        *slot = decoded;
    }
    serde_json::to_string_pretty(&body).ok()
}
