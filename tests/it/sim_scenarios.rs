//! Every built-in scenario runs to the end its file promises, deterministically for a seed;
//! tasks move forward over time and show the clouds' quirks on the way.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "test code: a failure fails the test")]

use crate::common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::Poller;
use futures::future::join_all;
use oaswatch::domain::{TaskRef, TaskState};
use oaswatch::sim::{SimHandle, scenario};
use serde_json::Value;

/// Polls every start task to its end, concurrently; returns the final answers by task name.
async fn run_to_end(sim: &SimHandle) -> BTreeMap<String, Value> {
    let mut poller = Poller::new(sim);
    // Short enough that a hanging or dripping fault costs a retry, not the test.
    poller.client = common::client_with_timeout(Duration::from_secs(3));
    let poller = &poller;
    let finals = join_all(sim.named_task_refs().into_iter().map(|(name, task)| async move {
        let body = poller.until_finished(&task).await;
        (name, body)
    }))
    .await;
    finals.into_iter().collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_builtin_scenario_ends_as_its_file_expects() {
    for name in scenario::builtin_names() {
        let sim = common::start(name, 7, 200.0).await;
        assert!(!sim.task_refs().is_empty(), "{name} creates tasks");
        let finals = run_to_end(&sim).await;
        for task in &sim.scenario().tasks {
            let expected = task.expect.unwrap_or_else(|| panic!("{name}/{}: no `expect`", task.name));
            let body = &finals[&task.name];
            assert_eq!(common::final_state(body), expected, "{name}/{}: {:.600}", task.name, body.to_string());
        }
        sim.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_seed_gives_the_same_final_answers() {
    let mut runs = Vec::new();
    for seed in [42, 42, 43] {
        let sim = common::start("partial-fail", seed, 300.0).await;
        let refs = sim.task_refs();
        let finals: BTreeMap<String, Value> =
            run_to_end(&sim).await.into_iter().map(|(k, v)| (k, common::without_request_ids(v))).collect();
        sim.shutdown().await;
        runs.push((refs, finals));
    }
    assert_eq!(runs[0].0, runs[1].0, "same seed, same task ids");
    assert_eq!(runs[0].1, runs[1].1, "same seed, identical final JSON");
    assert_ne!(runs[0].0, runs[2].0, "another seed, other ids");
    let failures =
        |finals: &BTreeMap<String, Value>| finals.values().map(|body| common::counts(body).failed).collect::<Vec<_>>();
    assert_eq!(failures(&runs[0].1), failures(&runs[1].1));
}

const VISIBILITY: &str = r#"
name = "visibility"
[huawei]
project_id = "0123456789abcdef0123456789abcdef"
[[huawei.credentials]]
access_key = "AK"
secret_key = "SK"
[[huawei.instances]]
id = "eddc4d25480b4cd6b512f270a1b8b341"

[[tasks]]
name = "queued"
provider = "huawei"
spec = "petstore-3.0.yaml"
behaviour = { queue_secs = 1000000, duration_secs = 2000000 }

[[tasks]]
name = "running"
provider = "huawei"
spec = "fleet-3.0.yaml"
behaviour = { queue_secs = 0, duration_secs = 1000000 }

[[tasks]]
name = "done"
provider = "huawei"
spec = "shop-2.0.json"
behaviour = { queue_secs = 0, duration_secs = 1 }
"#;

#[tokio::test]
async fn huawei_hides_subtasks_until_the_task_ends() {
    let sim = common::start_toml(VISIBILITY, 3, 100.0).await;
    let poller = Poller::new(&sim);
    let answer = |task: TaskRef| {
        let poller = &poller;
        async move {
            let (status, text) = poller.poll(&task).await;
            assert_eq!(status, 200, "{text}");
            serde_json::from_str::<Value>(&text).unwrap()
        }
    };
    let queued = answer(sim.task_ref("queued").unwrap()).await;
    assert_eq!(queued["task_status"], "waiting");
    assert_eq!(queued["task_result"], "", "an empty string, not null or {{}}");
    let running = answer(sim.task_ref("running").unwrap()).await;
    assert_eq!(running["task_status"], "processing");
    assert_eq!(running["task_result"], "");

    let done = poller.until_finished(&sim.task_ref("done").unwrap()).await;
    assert_eq!(done["task_status"], "succeed", "never `succeeded`");
    let result = common::huawei_result(&done);
    let keys: Vec<&String> = result.as_object().unwrap().keys().collect();
    assert_eq!(keys.first().map(|k| k.as_str()), Some("success"));
    assert_eq!(keys.last().map(|k| k.as_str()), Some("group_id"), "group_id last, as in the example");
    assert_eq!(result["swagger"]["result"], "Success");
    let first = &result["success"][0];
    let fields: Vec<&String> = first.as_object().unwrap().keys().collect();
    assert_eq!(fields, ["id", "action", "method", "path"]);
    assert!(result["failure"][0]["error_code"].as_str().unwrap().starts_with("APIG."));
}

fn rank(status: &str) -> u8 {
    match status {
        "WAIT" | "RUNNING" => 0,
        _ => 1,
    }
}

#[tokio::test]
async fn alibaba_subtasks_move_forward_and_never_leave_an_end_state() {
    let sim = common::start("partial-fail", 11, 25.0).await;
    let task = sim.task_ref("aliyun-shop").unwrap();
    let poller = Poller::new(&sim);
    let mut last: BTreeMap<String, String> = BTreeMap::new();
    let mut saw_running_item = false;
    let mut saw_running_task = false;
    let final_body = loop {
        let (status, text) = poller.poll(&task).await;
        assert_eq!(status, 200, "{text}");
        let body: Value = serde_json::from_str(&text).unwrap();
        let finished = body["TaskStatus"] == "Finished";
        saw_running_task |= !finished;
        for item in common::aliyun_items(&body) {
            let id = item.get("ApiId").or_else(|| item.get("ModelId")).unwrap().as_str().unwrap().to_owned();
            let now = item["UpdateStatus"].as_str().unwrap().to_owned();
            saw_running_item |= now == "RUNNING";
            if let Some(before) = last.get(&id) {
                assert!(rank(&now) >= rank(before), "{id}: {before} → {now}");
                if rank(before) == 1 {
                    assert_eq!(&now, before, "{id} left its end state");
                }
            }
            last.insert(id, now);
        }
        if finished {
            break body;
        }
        tokio::time::sleep(Duration::from_millis(15)).await;
    };
    assert!(saw_running_task && saw_running_item, "the task was seen in progress");
    let items = common::aliyun_items(&final_body);
    let statuses: std::collections::BTreeSet<&str> =
        items.iter().map(|i| i["UpdateStatus"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["CANCEL", "FAIL", "OVER"].into_iter().collect(), "several kinds of end");
    let money = items.iter().find(|i| i["ModelName"] == "Money").unwrap();
    assert_eq!(money["UpdateStatus"], "FAIL");
    assert!(money["ErrorMessage"].as_str().unwrap().ends_with('\n'), "the trailing-newline quirk");
    assert!(
        items.iter().any(|i| i["UpdateStatus"] == "OVER" && i["ErrorMessage"] == "Internal Error"),
        "a transient error leaves its message on a succeeded item (quirk 3)"
    );
    let conflict = items.iter().find(|i| i["Path"] == "/orders" && i["Method"] == "GET").unwrap();
    assert!(conflict["ErrorMessage"].as_str().unwrap().contains("LegacyListOrders"), "{conflict}");
    assert!(
        items.iter().any(|i| i["Description"]
            .as_str()
            .unwrap()
            .chars()
            .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)))
    );
}

#[tokio::test]
async fn demo_shows_every_state_and_the_finished_but_waiting_quirk() {
    let sim = common::start("demo", 1, 1.0).await;
    let poller = Poller::new(&sim);
    let mut answers = Vec::new();
    for (name, task) in sim.named_task_refs() {
        let (status, text) = poller.poll(&task).await;
        assert_eq!(status, 200, "{name}: {text}");
        let body: Value = serde_json::from_str(&text).unwrap();
        answers.push((name, body));
    }
    let status_of = |name: &str| {
        let body = &answers.iter().find(|(n, _)| n == name).unwrap().1;
        body.get("TaskStatus").or_else(|| body.get("task_status")).unwrap().as_str().unwrap().to_owned()
    };
    assert_eq!(status_of("aliyun-shop"), "Running");
    assert_eq!(status_of("huawei-fleet"), "waiting");
    sim.shutdown().await;

    // At speed the same scenario ends; its Alibaba shop import says Finished with one API still WAIT.
    let sim = common::start("demo", 1, 200.0).await;
    let poller = Poller::new(&sim);
    let shop = poller.until_finished(&sim.task_ref("aliyun-shop").unwrap()).await;
    let waiting = common::aliyun_items(&shop).into_iter().filter(|i| i["UpdateStatus"] == "WAIT").count();
    assert_eq!(waiting, 1, "TaskStatus Finished with an item still WAIT (quirk 4)");
    let done = poller.poll(&sim.task_ref("aliyun-done").unwrap()).await;
    assert!(done.1.contains("\"TaskStatus\":\"Finished\""));
}

#[tokio::test]
async fn huge_tasks_carry_every_subtask() {
    let sim = common::start("huge", 5, 500.0).await;
    let poller = Poller::new(&sim);
    let aliyun = poller.until_finished(&sim.task_ref("aliyun-huge").unwrap()).await;
    let items = common::aliyun_items(&aliyun);
    assert_eq!(items.len(), 12_000, "10,000 APIs and 2,000 models");
    let huawei = poller.until_finished(&sim.task_ref("huawei-huge").unwrap()).await;
    assert!(common::counts(&huawei).total >= 10_000 - 200, "{:?}", common::counts(&huawei));
    assert_eq!(common::final_state(&huawei), TaskState::PartiallyFailed);
}

#[tokio::test]
async fn hostile_text_reaches_names_descriptions_and_messages_unchanged() {
    let sim = common::start("hostile-text", 2, 300.0).await;
    let poller = Poller::new(&sim);
    let aliyun = poller.until_finished(&sim.task_ref("aliyun-hostile").unwrap()).await;
    let items = common::aliyun_items(&aliyun);
    assert!(
        items.iter().any(|i| i["ApiName"].as_str().is_some_and(|n| n.contains("\u{1b}]52;c;"))),
        "OSC 52 in a name"
    );
    assert!(items.iter().any(|i| i["ApiName"].as_str().is_some_and(|n| n.contains('\u{202e}'))), "bidi in a name");
    assert!(items.iter().any(|i| i["ModelName"].as_str().is_some_and(|n| n.contains('\u{1b}'))));
    let messages: Vec<&str> = items.iter().filter_map(|i| i["ErrorMessage"].as_str()).collect();
    assert!(messages.iter().any(|m| m.len() >= 1 << 20), "a 1 MiB message");
    assert!(messages.iter().any(|m| m.contains('\u{9b}') || m.contains('\u{1b}')), "escapes in messages");
    assert!(items.iter().any(|i| i["UpdateStatus"] == "OVER"), "and some items still succeed");

    let huawei = poller.until_finished(&sim.task_ref("huawei-hostile").unwrap()).await;
    let result = common::huawei_result(&huawei);
    let failures = result["failure"].as_array().unwrap();
    assert!(failures.iter().any(|f| f["error_msg"].as_str().unwrap().contains("\u{1b}]")));
    assert!(!result["success"].as_array().unwrap().is_empty());
}
