//! The provider's own JSON for one subtask or a whole task, found again on demand in
//! [`Task::raw_body`] so the fetch path never keeps a JSON tree per subtask.
//!
//! Dispatches to the task's cloud (`<cloud>::raw`), which knows where its items sit in its
//! answer. Pure and off the hot path. The result is the provider's text, so the UI must sanitise it.

use crate::domain::{Subtask, Task};

/// The JSON of one subtask as the provider sent it, pretty-printed.
pub fn raw_item_json(task: &Task, subtask: &Subtask) -> Option<String> {
    (super::registration(task.provider).raw_item_json)(task, subtask)
}

/// The whole response, pretty-printed, with nested JSON documents decoded in place.
pub fn raw_task_json(task: &Task) -> Option<String> {
    (super::registration(task.provider).raw_task_json)(task)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::domain::TaskRef;
    use crate::provider::{aliyun, huawei};

    fn aliyun(body: &str) -> Task {
        let r: TaskRef = "aliyun://cn-hangzhou/op".parse().unwrap();
        aliyun::wire::describe_task(&r, Arc::from(body)).unwrap()
    }

    fn huawei(body: &str) -> Task {
        // The task the answer is about: an answer for another task is refused.
        let id = serde_json::from_str::<serde_json::Value>(body).unwrap()["task_id"].as_str().unwrap_or("t").to_owned();
        let r: TaskRef = format!("huawei://cn-north-4/p/i/{id}").parse().unwrap();
        huawei::wire::async_task(&r, Arc::from(body)).unwrap()
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
