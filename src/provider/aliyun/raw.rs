//! Where an Alibaba item sits in a `DescribeImportOASTask` answer: `ApiResults`/`ModelResults` by
//! kind, then the item's position (in the wrapped, bare or single-object list). Pure.

use serde_json::Value;

use crate::domain::{Subtask, SubtaskKind, Task};

/// The JSON of one subtask as Alibaba sent it, pretty-printed.
pub fn item_json(task: &Task, subtask: &Subtask) -> Option<String> {
    let body: Value = serde_json::from_str(task.raw_body.as_deref()?).ok()?;
    let index = usize::try_from(subtask.raw_index).ok()?;
    let (outer, inner) = match subtask.kind {
        SubtaskKind::Api => ("ApiResults", "ApiResult"),
        SubtaskKind::Model => ("ModelResults", "ModelResult"),
    };
    let list = match body.get(outer)? {
        Value::Object(map) => map.get(inner)?,
        other => other,
    };
    let item = match list {
        Value::Array(items) => items.get(index).cloned(),
        Value::Object(_) if index == 0 => Some(list.clone()),
        _ => None,
    }?;
    serde_json::to_string_pretty(&item).ok()
}

/// The whole answer, pretty-printed.
pub fn task_json(task: &Task) -> Option<String> {
    let body: Value = serde_json::from_str(task.raw_body.as_deref()?).ok()?;
    serde_json::to_string_pretty(&body).ok()
}
