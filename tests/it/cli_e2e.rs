//! `oaswatch status` and `oaswatch wait` end to end: the real binary, the real clients, the
//! simulator on 127.0.0.1:0, over HTTP. Each case checks the `--json` document and the exit
//! code of the contract.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "test setup fails loudly")]

use crate::cli_support;
use crate::common;

use std::path::Path;

use cli_support::{Auth, Run, code, json, task_ref, text};
use serde_json::Value;

/// `wait --json` on one task, polling fast.
async fn wait_json(run: &Run, task: &str) -> (i32, Value, String) {
    let out = run.oaswatch(&["wait", task, "--json", "--interval", "200ms", "--timeout", "120s"]).await;
    (code(&out), json(&out), text(&out.stderr))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alibaba_import_runs_then_finishes_with_failed_apis_and_models() {
    let sim = common::start("partial-fail", 11, 2.0).await;
    let run = Run::new(&sim, Auth::Keys);
    let task = task_ref(&sim, "aliyun-shop");

    let status = run.oaswatch(&["status", &task, "--json"]).await;
    assert_eq!(code(&status), 0, "running: no failure known so far; {}", text(&status.stderr));
    let doc = json(&status);
    assert!(["running", "waiting", "partially_failed"].contains(&doc["tasks"][0]["state"].as_str().unwrap()));

    let (exit, doc, progress) = wait_json(&run, &task).await;
    assert_eq!(exit, 1, "finished with failed subtasks");
    let t = &doc["tasks"][0];
    assert_eq!(t["ref"], task);
    assert_eq!((t["provider"].as_str(), t["kind"].as_str()), (Some("aliyun"), Some("import")));
    assert_eq!(t["state"], "partially_failed");
    assert_eq!(t["raw_status"], "Finished");
    assert!(t["fetch_error"].is_null());
    let counts = &t["counts"];
    assert!(counts["failed"].as_u64().unwrap() > 0 && counts["succeeded"].as_u64().unwrap() > 0);
    let subtasks = t["subtasks"].as_array().unwrap();
    assert_eq!(subtasks.len() as u64, counts["total"].as_u64().unwrap());
    let failed: Vec<&Value> = subtasks.iter().filter(|s| s["state"] == "failed").collect();
    assert!(failed.iter().any(|s| s["kind"] == "api") && failed.iter().any(|s| s["kind"] == "model"));
    assert!(failed.iter().all(|s| s["raw_status"] == "FAIL" && s["error"]["message"].is_string()));
    assert!(subtasks.iter().filter(|s| s["state"] == "succeeded").all(|s| s["raw_status"] == "OVER"));
    // Progress lines went to stderr, one per change: never the same line twice in a row.
    let lines: Vec<&str> = progress.lines().filter(|l| l.contains(&task)).collect();
    assert!(!lines.is_empty(), "progress lines: {progress}");
    let bodies: Vec<&str> = lines.iter().map(|l| l.split_once(' ').unwrap().1).collect();
    assert!(bodies.windows(2).all(|w| w[0] != w[1]), "a repeated line: {bodies:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huawei_import_goes_waiting_processing_succeed_with_failures_and_ignores() {
    let sim = common::start("partial-fail", 3, 2.0).await;
    let run = Run::new(&sim, Auth::Keys);
    let task = task_ref(&sim, "huawei-fleet");

    let early = json(&run.oaswatch(&["status", &task, "--json"]).await);
    let early_state = early["tasks"][0]["raw_status"].as_str().unwrap().to_owned();
    assert!(["waiting", "processing"].contains(&early_state.as_str()), "{early_state}");
    assert_eq!(early["tasks"][0]["counts"]["total"], 0, "Huawei shows no subtasks until the end");

    let (exit, doc, _) = wait_json(&run, &task).await;
    assert_eq!(exit, 1);
    let t = &doc["tasks"][0];
    assert_eq!((t["raw_status"].as_str(), t["state"].as_str()), (Some("succeed"), Some("partially_failed")));
    let counts = &t["counts"];
    assert!(counts["failed"].as_u64().unwrap() > 0, "{counts}");
    assert!(counts["skipped"].as_u64().unwrap() > 0, "ignore → skipped: {counts}");
    let subtasks = t["subtasks"].as_array().unwrap();
    let failure = subtasks.iter().find(|s| s["state"] == "failed").unwrap();
    assert!(failure["error"]["code"].as_str().unwrap().starts_with("APIG."), "{failure}");
    let success = subtasks.iter().find(|s| s["state"] == "succeeded").unwrap();
    assert!(["create", "update"].contains(&success["action"].as_str().unwrap()), "{success}");
    assert!(subtasks.iter().filter(|s| s["state"] == "skipped").all(|s| s["raw_status"] == "ignore"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huawei_export_finishes_with_the_document() {
    let sim = common::start("happy", 5, 20.0).await;
    let run = Run::new(&sim, Auth::Keys);
    let (exit, doc, _) = wait_json(&run, &task_ref(&sim, "huawei-export")).await;
    assert_eq!(exit, 0);
    let t = &doc["tasks"][0];
    assert_eq!((t["kind"].as_str(), t["state"].as_str()), (Some("export"), Some("succeeded")));
    let export = &t["export"];
    assert!(export["file_name"].as_str().unwrap().contains(':'), "FileName has colons: {export}");
    let content = export["content"].as_str().unwrap();
    let parsed = oaswatch::openapi::parse(content, "export").expect("the export is an OpenAPI document");
    assert!(!parsed.operations.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huawei_failed_task_reports_its_error_and_exits_1() {
    let sim = common::start("partial-fail", 5, 20.0).await;
    let run = Run::new(&sim, Auth::Keys);
    let (exit, doc, _) = wait_json(&run, &task_ref(&sim, "huawei-group-taken")).await;
    assert_eq!(exit, 1);
    let t = &doc["tasks"][0];
    assert_eq!((t["raw_status"].as_str(), t["state"].as_str()), (Some("failed"), Some("failed")));
    assert_eq!(t["error"]["code"], "APIG.3201");
    assert_eq!(t["error"]["message"], "The API group name already exists");

    let human = run.oaswatch(&["status", &task_ref(&sim, "huawei-group-taken")]).await;
    assert_eq!(code(&human), 1);
    assert!(text(&human.stdout).contains("task error: The API group name already exists [APIG.3201]"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_tasks_are_not_found_and_exit_4() {
    let sim = common::start("happy", 5, 20.0).await;
    let run = Run::new(&sim, Auth::Keys);
    let project = sim.huawei_project_id().to_owned();
    let instance = sim.task_ref("huawei-petstore").unwrap().to_string().split('/').nth(4).unwrap().to_owned();
    let ali = "aliyun://cn-hangzhou/00000000000000000000000000000bad".to_owned();
    let hw = format!("huawei://cn-north-4/{project}/{instance}/00000000000000000000000000000bad");
    for (task, code_expected) in [(&ali, "NotFound.OperationId"), (&hw, "APIG.3093")] {
        let out = run.oaswatch(&["wait", task, "--json", "--timeout", "60s"]).await;
        assert_eq!(code(&out), 4, "{task}");
        let t = &json(&out)["tasks"][0];
        assert_eq!(t["fetch_error"]["kind"], "not_found");
        assert_eq!(t["fetch_error"]["code"], code_expected);
        assert_eq!(t["state"], "unknown");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_5xx_html_truncated_and_empty_bodies_are_retried_until_they_clear() {
    let sim = common::start("faults", 9, 20.0).await;
    let run = Run::new(&sim, Auth::Keys);
    let names = [
        "throttle-aliyun",
        "throttle-huawei",
        "server-error-aliyun",
        "server-error-huawei",
        "html-page",
        "truncated",
        "empty-body",
        "slow",
    ];
    let refs: Vec<String> = names.iter().map(|n| task_ref(&sim, n)).collect();
    let mut args = vec!["wait", "--json", "--interval", "300ms", "--timeout", "120s"];
    args.extend(refs.iter().map(String::as_str));
    let out = run.oaswatch(&args).await;
    let stderr = text(&out.stderr);
    assert_eq!(code(&out), 0, "every task recovered and succeeded: {stderr}");
    let doc = json(&out);
    for t in doc["tasks"].as_array().unwrap() {
        assert_eq!(t["state"], "succeeded", "{}", t["ref"]);
        assert!(t["fetch_error"].is_null());
    }
    // The faults were seen and reported on the way.
    for kind in ["throttled", "server", "protocol"] {
        assert!(stderr.contains(&format!("fetch failed ({kind})")), "no {kind} line in: {stderr}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_hangs_times_out_and_status_exits_4() {
    let sim = common::start("faults", 9, 20.0).await;
    let run = Run::new(&sim, Auth::Keys);
    run.config("[http]\nconnect_timeout = \"1s\"\nread_timeout = \"1s\"\ntotal_timeout = \"2s\"\n");
    let task = task_ref(&sim, "hang");
    let out = run.oaswatch(&["status", &task, "--json", "--timeout", "1s"]).await;
    assert_eq!(code(&out), 4, "{}", text(&out.stderr));
    let t = &json(&out)["tasks"][0];
    assert_eq!(t["fetch_error"]["kind"], "network");

    // Given time, the next request gets an answer: the hang was one request, not the end.
    let (exit, doc, _) = wait_json(&run, &task).await;
    assert_eq!(exit, 0);
    assert_eq!(doc["tasks"][0]["state"], "succeeded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_auth_mode_is_accepted_and_wrong_secrets_are_rejected_without_leaking() {
    let sim = common::start("happy", 5, 20.0).await;
    let tasks = [task_ref(&sim, "aliyun-petstore"), task_ref(&sim, "huawei-petstore")];
    for auth in [Auth::Keys, Auth::Temporary, Auth::Token] {
        let run = Run::new(&sim, auth);
        let out = run.oaswatch(&["status", &tasks[0], &tasks[1], "--json"]).await;
        assert_eq!(code(&out), 0, "{}", text(&out.stderr));
        for t in json(&out)["tasks"].as_array().unwrap() {
            assert!(t["fetch_error"].is_null(), "{t}");
        }
    }

    let run = Run::new(&sim, Auth::WrongSecrets);
    let out = run.oaswatch(&["status", &tasks[0], &tasks[1], "--json"]).await;
    assert_eq!(code(&out), 4);
    let doc = json(&out);
    assert_eq!(doc["tasks"][0]["fetch_error"]["code"], "SignatureDoesNotMatch");
    assert_eq!(doc["tasks"][1]["fetch_error"]["kind"], "auth");
    assert_eq!(doc["tasks"][0]["fetch_error"]["kind"], "auth");
    let everything = format!("{}{}{}", text(&out.stdout), text(&out.stderr), run.log());
    for secret in ["wrong-secret-0123456789", "wrong-sk-0123456789"] {
        assert!(!everything.contains(secret), "secret leaked");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_credentials_are_a_configuration_error_naming_the_variables() {
    let sim = common::start("happy", 5, 20.0).await;
    let run = Run::new(&sim, Auth::None);
    let out = run.oaswatch(&["status", &task_ref(&sim, "aliyun-petstore"), "--json"]).await;
    assert_eq!(code(&out), 2);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("ALIBABA_CLOUD_ACCESS_KEY_ID") && stderr.contains("ALIBABA_CLOUD_ACCESS_KEY_SECRET"),
        "{stderr}"
    );
    assert_eq!(json(&out)["tasks"][0]["fetch_error"]["code"], "credentials.missing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_times_out_with_3_and_runs_the_on_finish_hook() {
    let sim = common::start("partial-fail", 5, 0.5).await;
    let run = Run::new(&sim, Auth::Keys);
    let task = task_ref(&sim, "aliyun-shop");
    let marker = run.dir.path().join("finished.txt");
    let hook = format!("echo \"$OASWATCH_EXIT_CODE $OASWATCH_RESULT $OASWATCH_TASKS\" > '{}'", marker.display());
    let out = run.oaswatch(&["wait", &task, "--timeout", "2s", "--interval", "300ms", "--on-finish", &hook]).await;
    assert_eq!(code(&out), 3, "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.lines().any(|l| l.contains(&task) && l.contains("running")), "progress on stdout: {stdout}");
    assert_eq!(std::fs::read_to_string(&marker).unwrap().trim(), format!("3 timed_out {task}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_watch_list_is_the_default_and_keeps_final_snapshots() {
    let sim = common::start("happy", 5, 20.0).await;
    let run = Run::new(&sim, Auth::Keys);
    let none = run.oaswatch(&["status"]).await;
    assert_eq!(code(&none), 2);
    assert!(text(&none.stderr).contains("oaswatch add TASK"));

    let task = task_ref(&sim, "aliyun-petstore");
    assert_eq!(code(&run.oaswatch(&["add", &task]).await), 0);
    let out = run.oaswatch(&["wait", "--interval", "200ms", "--timeout", "60s"]).await;
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let listed = text(&run.oaswatch(&["list"]).await.stdout);
    assert!(listed.contains(&task) && listed.contains("succeeded"), "the final snapshot is remembered: {listed}");
    let saved = std::fs::read_to_string(run.dir.path().join("data").join("watchlist.json")).unwrap();
    let saved: serde_json::Value = serde_json::from_str(&saved).unwrap();
    assert_eq!(saved["schema"], 1, "{saved}");
    assert_eq!(saved["tasks"][0]["snapshot"]["state"], "succeeded", "{saved}");
    assert_file_private(&run.dir.path().join("data").join("watchlist.json"));
}

fn assert_file_private(path: &Path) {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "{}", path.display());
}

/// Every built-in scenario watched to the end by the real client: each task ends in the state
/// its scenario file declares (faults, throttling and hostile text included).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_scenario_is_watched_to_its_declared_end() {
    for name in oaswatch::sim::scenario::builtin_names() {
        let sim = common::start(name, 31, 40.0).await;
        let run = Run::new(&sim, Auth::Keys);
        run.config("[http]\nread_timeout = \"2s\"\ntotal_timeout = \"4s\"\n");
        let named = sim.named_task_refs();
        let mut args = vec!["wait", "--json", "--interval", "250ms", "--timeout", "180s"];
        let refs: Vec<String> = named.iter().map(|(_, r)| r.to_string()).collect();
        args.extend(refs.iter().map(String::as_str));
        let started = std::time::Instant::now();
        let out = run.oaswatch(&args).await;
        eprintln!("{name}: {:?}", started.elapsed());
        assert!([0, 1].contains(&code(&out)), "{name}: exit {} {}", code(&out), text(&out.stderr));
        let doc = json(&out);
        for ((task_name, task_ref), result) in named.iter().zip(doc["tasks"].as_array().unwrap()) {
            assert_eq!(result["ref"], task_ref.to_string());
            let spec = sim.scenario().tasks.iter().find(|t| t.name == *task_name).unwrap();
            if let Some(expected) = spec.expect {
                assert_eq!(result["state"], expected.as_str(), "{name}/{task_name}: {}", result["fetch_error"]);
            }
        }
        sim.shutdown().await;
    }
}
