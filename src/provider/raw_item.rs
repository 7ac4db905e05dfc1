//! The provider's own JSON for one subtask or a whole task, found again on demand in
//! [`Task::raw_body`] so the fetch path never keeps a JSON tree per subtask.
//!
//! Pure and off the hot path: this is the one place in `provider` where `serde_json::Value` is
//! fine (performance.md §4). The result is the provider's text, so the UI must sanitise it.

use serde_json::Value;

use crate::domain::{ProviderKind, Subtask, SubtaskKind, SubtaskState, Task};

/// The JSON of one subtask as the provider sent it, pretty-printed.
///
/// Alibaba: `ApiResults`/`ModelResults` by kind, then `raw_index` (wrapped, bare or single).
/// Huawei: `success`/`failure`/`ignore` of the decoded `task_result` by state, then `raw_index`.
pub fn raw_item_json(task: &Task, subtask: &Subtask) -> Option<String> {
    let body: Value = serde_json::from_str(task.raw_body.as_deref()?).ok()?;
    let index = usize::try_from(subtask.raw_index).ok()?;
    let item = match task.provider {
        ProviderKind::Aliyun => {
            let (outer, inner) = match subtask.kind {
                SubtaskKind::Api => ("ApiResults", "ApiResult"),
                SubtaskKind::Model => ("ModelResults", "ModelResult"),
            };
            aliyun_item(body.get(outer)?, inner, index)?
        }
        ProviderKind::Huawei => {
            let result: Value = serde_json::from_str(body.get("task_result")?.as_str()?).ok()?;
            let key = match subtask.state {
                SubtaskState::Succeeded => "success",
                SubtaskState::Failed => "failure",
                SubtaskState::Skipped => "ignore",
                SubtaskState::Waiting | SubtaskState::Running | SubtaskState::Cancelled => return None,
            };
            result.get(key)?.as_array()?.get(index)?.clone()
        }
    };
    serde_json::to_string_pretty(&item).ok()
}

fn aliyun_item(list: &Value, inner: &str, index: usize) -> Option<Value> {
    let list = match list {
        Value::Object(map) => map.get(inner)?,
        other => other,
    };
    match list {
        Value::Array(items) => items.get(index).cloned(),
        Value::Object(_) if index == 0 => Some(list.clone()),
        _ => None,
    }
}

/// The whole response, pretty-printed. Huawei's `task_result` string is decoded in place when it
/// holds JSON, because the escaped string is unreadable.
pub fn raw_task_json(task: &Task) -> Option<String> {
    let mut body: Value = serde_json::from_str(task.raw_body.as_deref()?).ok()?;
    if task.provider == ProviderKind::Huawei
        && let Some(slot) = body.get_mut("task_result")
        && let Some(decoded) = slot.as_str().and_then(|text| serde_json::from_str::<Value>(text).ok())
    {
        *slot = decoded;
    }
    serde_json::to_string_pretty(&body).ok()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::domain::TaskRef;
    use crate::provider::{aliyun_wire, huawei_wire};

    fn aliyun(body: &str) -> Task {
        let r: TaskRef = "aliyun://cn-hangzhou/op".parse().unwrap();
        aliyun_wire::describe_task(&r, Arc::from(body)).unwrap()
    }

    fn huawei(body: &str) -> Task {
        let r: TaskRef = "huawei://cn-north-4/p/i/t".parse().unwrap();
        huawei_wire::async_task(&r, Arc::from(body)).unwrap()
    }

    #[test]
    fn aliyun_items_by_kind_and_index() {
        let task = aliyun(include_str!("../../tests/fixtures/aliyun/describe_official.json"));
        let api = raw_item_json(&task, &task.subtasks[0]).unwrap();
        assert!(api.contains("\"ApiName\": \"GetByCreatorIdUsingGET\""), "{api}");
        assert!(api.contains("\"Description\": \"ThisAPIUsed to query\""), "fields we do not keep are shown too");
        let model = raw_item_json(&task, &task.subtasks[1]).unwrap();
        assert!(model.contains("\"ModelName\": \"Pet\""));
        assert!(model.contains("\"ErrorMessage\": \"Internal Error\\n\""));

        let running = aliyun(include_str!("../../tests/fixtures/aliyun/describe_running.json"));
        assert!(raw_item_json(&running, &running.subtasks[2]).unwrap().contains("\"GetPet\""));
    }

    #[test]
    fn aliyun_bare_and_single_object_lists() {
        let bare = aliyun(include_str!("../../tests/fixtures/aliyun/describe_bare_arrays.json"));
        assert!(raw_item_json(&bare, &bare.subtasks[1]).unwrap().contains("CreatePet"));
        assert!(raw_item_json(&bare, &bare.subtasks[2]).unwrap().contains("\"ModelId\": \"m1\""));
        let single = aliyun(include_str!("../../tests/fixtures/aliyun/describe_single_object.json"));
        assert!(raw_item_json(&single, &single.subtasks[0]).unwrap().contains("/only"));
    }

    #[test]
    fn huawei_items_by_state_and_index() {
        let task = huawei(include_str!("../../tests/fixtures/huawei/task_import_mixed_reordered.json"));
        let second_success = raw_item_json(&task, &task.subtasks[1]).unwrap();
        assert!(second_success.contains("\"action\": \"rename\""), "{second_success}");
        let failure = raw_item_json(&task, &task.subtasks[2]).unwrap();
        assert!(failure.contains("\"error_code\": \"APIG.3301\""));
        let ignored = raw_item_json(&task, &task.subtasks[3]).unwrap();
        assert!(ignored.contains("OPTIONS"));
    }

    #[test]
    fn whole_task_with_decoded_task_result() {
        let task = huawei(include_str!("../../tests/fixtures/huawei/task_import_succeed.json"));
        let text = raw_task_json(&task).unwrap();
        assert!(text.contains("\"group_id\": \"9100ae30705947cc9543d37cd7fb388c\""), "{text}");
        assert!(!text.contains("\\\"success\\\""), "task_result is decoded, not an escaped string");
        let ali = aliyun(include_str!("../../tests/fixtures/aliyun/describe_official.json"));
        assert!(raw_task_json(&ali).unwrap().contains("\"TaskStatus\": \"Finished\""));
    }

    #[test]
    fn missing_body_or_index_gives_none() {
        let mut task = aliyun(include_str!("../../tests/fixtures/aliyun/describe_official.json"));
        let mut sub = task.subtasks[0].clone();
        sub.raw_index = 7;
        assert_eq!(raw_item_json(&task, &sub), None);
        task.raw_body = None;
        assert_eq!(raw_item_json(&task, &task.subtasks[0]), None);
        assert_eq!(raw_task_json(&task), None);
        task.raw_body = Some(Arc::from(format!("{}{}", "[".repeat(10_000), "]".repeat(10_000))));
        assert_eq!(raw_task_json(&task), None, "depth limit holds, no stack overflow");
    }
}
