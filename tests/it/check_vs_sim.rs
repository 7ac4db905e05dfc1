//! `oaswatch check` against what the simulator then does: for every spec under `assets/specs/`,
//! into groups that are empty, hold APIs and models already, or have another base path, with
//! and without overwriting, on both clouds, and on Huawei into a new group (named after the
//! spec's title: free the first time, taken the second), the check's verdict on each subtask
//! (created, left alone, rejected with which code and message, cancelled) is what the import then
//! reports for it. An import that fails as a whole has no subtasks: its error is each item's. The
//! imports run one after another on one simulator, so later checks face groups that earlier
//! imports filled.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "test setup fails loudly")]

use crate::cli_support;
use crate::common;

use std::path::PathBuf;

use cli_support::{Auth, Run, code, json, text};
use oaswatch::sim::scenario;
use serde_json::Value;

const HUAWEI_INSTANCE: &str = "eddc4d25480b4cd6b512f270a1b8b341";

/// The partial-fail scenario's groups (an empty one, one with APIs and a model, one with another
/// base path; Huawei groups with APIs), without its tasks, and without random internal errors:
/// those are the one outcome no check can predict.
async fn simulator() -> oaswatch::sim::SimHandle {
    let mut scenario = scenario::load("partial-fail").unwrap();
    scenario.tasks.clear();
    scenario.faults.clear();
    scenario.defaults.internal_error_rate = Some(0.0);
    scenario.defaults.transient_error_rate = Some(0.0);
    scenario.defaults.duration_secs = Some(3.0);
    common::start_with(scenario, 31, 50.0).await
}

fn specs() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets").join("specs");
    let mut specs: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    specs.sort();
    assert!(specs.len() >= 5, "{specs:?}");
    specs
}

/// One subtask as both sides describe it: what it is, and what happens to it.
type Outcome = (String, String, String, String, String);

fn key(kind: &str, name: &str, method: &str, path: &str) -> (String, String, String, String) {
    // A model has no route; an API is told apart by its route (names may be generated).
    let name = if kind == "model" { name } else { "" };
    (kind.to_owned(), name.to_owned(), method.to_owned(), path.to_owned())
}

fn predicted(check: &Value) -> Vec<Outcome> {
    let mut out: Vec<Outcome> = check["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            let s = |field: &str| item[field].as_str().unwrap_or("").to_owned();
            let outcome = match s("verdict").as_str() {
                "create" | "update" => "imported".to_owned(),
                "skip" => "left alone".to_owned(),
                "cancelled" => "cancelled".to_owned(),
                "rejected" => format!("rejected {} {}", s("code"), s("message")),
                other => panic!("unknown verdict {other}"),
            };
            let (kind, name, method, path) = key(&s("kind"), &s("name"), &s("method"), &s("path"));
            (kind, name, method, path, outcome)
        })
        .collect();
    out.sort();
    out
}

/// What the import did with each item; `items` are the spec's (as the check lists them), for an
/// import that failed as a whole.
fn happened(task: &Value, items: &[Outcome]) -> Vec<Outcome> {
    if let Some(code) = whole_failure(task) {
        let outcome = format!("rejected {code} {}", task["error"]["message"].as_str().unwrap_or(""));
        return items
            .iter()
            .map(|(kind, name, method, path, _)| {
                (kind.clone(), name.clone(), method.clone(), path.clone(), outcome.clone())
            })
            .collect();
    }
    let mut out: Vec<Outcome> = task["subtasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|subtask| {
            let s = |field: &str| subtask[field].as_str().unwrap_or("").to_owned();
            let error = |field: &str| subtask["error"][field].as_str().unwrap_or("").to_owned();
            let outcome = match s("state").as_str() {
                "succeeded" => "imported".to_owned(),
                "skipped" => "left alone".to_owned(),
                "cancelled" => "cancelled".to_owned(),
                "failed" => format!("rejected {} {}", error("code"), error("message")),
                other => format!("unfinished ({other})"),
            };
            let (kind, name, method, path) = key(&s("kind"), &s("name"), &s("method"), &s("path"));
            (kind, name, method, path, outcome)
        })
        .collect();
    out.sort();
    out
}

/// The code of a task that failed before any item (it lists none).
fn whole_failure(task: &Value) -> Option<String> {
    let no_items = task["subtasks"].as_array().is_some_and(Vec::is_empty);
    (task["state"] == "failed" && no_items).then(|| task["error"]["code"].as_str().unwrap_or("").to_owned())
}

/// What one comparison covered.
struct Compared {
    subtasks: usize,
    refused: usize,
    /// The code of an import that failed as a whole.
    whole_failure: Option<String>,
}

/// Differences, one line each, so a failure says which subtasks the check got wrong.
fn differences(predicted: &[Outcome], happened: &[Outcome]) -> Vec<String> {
    let only = |a: &[Outcome], b: &[Outcome], side: &str| -> Vec<String> {
        let mut rest = b.to_vec();
        a.iter()
            .filter(|item| match rest.iter().position(|other| other == *item) {
                Some(i) => {
                    rest.remove(i);
                    false
                }
                None => true,
            })
            .map(|(kind, name, method, path, outcome)| format!("{side}: {kind} {name}{method} {path}: {outcome}"))
            .collect()
    };
    let mut lines = only(predicted, happened, "check said");
    lines.extend(only(happened, predicted, "import did"));
    lines
}

async fn compare(run: &Run, spec: &std::path::Path, target: &str, flags: &[&str]) -> Compared {
    let spec = spec.to_str().unwrap();
    let mut check_args = vec!["check", spec, "--for", target, "--json"];
    check_args.extend(flags);
    let check = run.oaswatch(&check_args).await;
    let check_code = code(&check);
    assert!([0, 1].contains(&check_code), "check {spec} → {target} {flags:?}: {}", text(&check.stderr));
    let check = json(&check);
    assert!(check["group"].is_object(), "the group was read: {check}");

    let mut import_args = vec!["import", spec, "--to", target, "--no-check", "--wait", "--json", "--timeout", "120s"];
    import_args.extend(flags);
    let import = run.oaswatch(&import_args).await;
    assert!([0, 1].contains(&code(&import)), "import {spec} → {target} {flags:?}: {}", text(&import.stderr));
    let task = json(&import)["tasks"][0].clone();

    let predicted = predicted(&check);
    let happened = happened(&task, &predicted);
    let differences = differences(&predicted, &happened);
    assert!(differences.is_empty(), "{spec} → {target} {flags:?}:\n{}", differences.join("\n"));
    assert_eq!(check_code == 1, predicted.iter().any(|o| o.4.starts_with("rejected") || o.4 == "cancelled"));
    let refused = predicted.iter().filter(|o| o.4 != "imported" && o.4 != "left alone").count();
    Compared { subtasks: predicted.len(), refused, whole_failure: whole_failure(&task) }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_predicts_every_subtask_of_every_builtin_spec_on_alibaba() {
    let sim = simulator().await;
    let run = Run::new(&sim, Auth::Keys);
    let region = sim.aliyun_region();
    let groups = [
        "736508d885074167ba8fbce3bc95ea0b", // petstore, /api/v3, empty
        "4c1f6b0e2d9a4e0f9b8a7c6d5e4f3a21", // acme-shop, /shop/v1, APIs and a model already
        "a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5", // wrong-base, /api
    ];
    let (mut subtasks, mut refused) = (0, 0);
    for spec in specs() {
        for group in groups {
            let target = format!("aliyun://{region}/{group}");
            for flags in [&[][..], &["--overwrite"][..]] {
                let compared = compare(&run, &spec, &target, flags).await;
                subtasks += compared.subtasks;
                refused += compared.refused;
            }
        }
    }
    eprintln!("alibaba: {subtasks} subtasks compared, {refused} of them refused");
    // The comparison covered both outcomes in numbers, not a few tidy cases.
    assert!(subtasks > 1000 && refused > 100 && refused < subtasks, "{subtasks} subtasks, {refused} refused");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_predicts_every_subtask_of_every_builtin_spec_on_huawei() {
    let sim = simulator().await;
    let run = Run::new(&sim, Auth::Keys);
    let target = format!("huawei://{}/{}/{HUAWEI_INSTANCE}", sim.huawei_region(), sim.huawei_project_id());
    let groups = [
        "9100ae30705947cc9543d37cd7fb388c", // test8: GET /test1 exists
        "c77f5e81d9cb4424bf704ef2b0ac7600", // fleet: three of fleet's routes exist
    ];
    let (mut subtasks, mut refused) = (0, 0);
    // Subtasks of imports into a new group whose name was free, and whose name was taken.
    let (mut free, mut taken) = (0, 0);
    for spec in specs() {
        for group in groups {
            for mode in ["merge", "override"] {
                let compared = compare(&run, &spec, &target, &["--group", group, "--api-mode", mode]).await;
                subtasks += compared.subtasks;
                refused += compared.refused;
            }
        }
        // Without --group the import creates a group named after the spec's title: free the
        // first time; the second time the gateway refuses the whole import ("The name of a new
        // API group cannot be the same as that of an existing one"), which the check must say.
        let first = compare(&run, &spec, &target, &[]).await;
        assert_eq!(first.whole_failure, None, "{spec:?}: the first new group's name is free");
        let second = compare(&run, &spec, &target, &[]).await;
        assert_eq!(second.whole_failure.as_deref(), Some("APIG.3201"), "{spec:?}: the name is taken now");
        assert_eq!(second.refused, second.subtasks, "{spec:?}: no item of a refused import is imported");
        free += first.subtasks;
        taken += second.subtasks;
        subtasks += first.subtasks + second.subtasks;
        refused += first.refused + second.refused;
    }
    eprintln!(
        "huawei: {subtasks} subtasks compared, {refused} of them refused; {free} into new groups with a free name, \
         {taken} with a taken one"
    );
    assert!(subtasks > 1000 && refused > 10 && refused < subtasks, "{subtasks} subtasks, {refused} refused");
    assert!(free > 0 && taken > 0, "{free} free, {taken} taken");
}
