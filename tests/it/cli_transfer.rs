//! `oaswatch import` and `oaswatch export` end to end against the simulator: every spec under
//! `assets/specs/` imports to each cloud as a task whose subtasks are the spec's operations (and
//! models on Alibaba); a broken spec never leaves the machine; an export saves a document that
//! parses as the OpenAPI version asked for, and never overwrites a file without `--force`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "test setup fails loudly")]

use crate::cli_support;
use crate::common;

use std::path::PathBuf;

use cli_support::{Auth, Run, code, json, text};
use oaswatch::openapi::{self, SpecVersion};
use oaswatch::sim::SimHandle;

const ALIYUN_GROUP: &str = "736508d885074167ba8fbce3bc95ea0b";
const HUAWEI_INSTANCE: &str = "eddc4d25480b4cd6b512f270a1b8b341";
const HUAWEI_GROUP: &str = "9100ae30705947cc9543d37cd7fb388c";

fn spec_paths() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets").join("specs");
    let mut specs: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    specs.sort();
    assert!(specs.len() >= 4, "{specs:?}");
    specs
}

fn targets(sim: &SimHandle) -> [String; 2] {
    [
        format!("aliyun://{}/{ALIYUN_GROUP}", sim.aliyun_region()),
        format!("huawei://{}/{}/{HUAWEI_INSTANCE}", sim.huawei_region(), sim.huawei_project_id()),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_spec_imports_to_each_cloud_as_its_operations_and_models() {
    let sim = common::start("happy", 21, 50.0).await;
    let run = Run::new(&sim, Auth::Keys);
    for spec in spec_paths() {
        let document = openapi::load(&spec).unwrap();
        for target in targets(&sim) {
            let mut args =
                vec!["import", spec.to_str().unwrap(), "--to", &target, "--wait", "--json", "--timeout", "120s"];
            // What the gateway does with each subtask is under test here, not the pre-check.
            args.push("--no-check");
            if target.starts_with("aliyun") {
                args.push("--overwrite");
            } else {
                // Into an existing group: a new group per spec would clash on the specs' shared titles.
                args.extend(["--group", HUAWEI_GROUP, "--api-mode", "override"]);
            }
            let out = run.oaswatch(&args).await;
            assert!([0, 1].contains(&code(&out)), "{} → {target}: {}", spec.display(), text(&out.stderr));
            let task = &json(&out)["tasks"][0];
            assert!(task["state"] == "succeeded" || task["state"] == "partially_failed", "{task}");
            let subtasks = task["subtasks"].as_array().unwrap();
            let apis: Vec<_> = subtasks.iter().filter(|s| s["kind"] == "api").collect();
            assert_eq!(apis.len(), document.operations.len(), "{} → {target}", spec.display());
            for operation in &document.operations {
                assert!(
                    apis.iter().any(|s| s["method"] == operation.method.as_str()
                        && s["path"].as_str().unwrap().ends_with(operation.path.as_str())),
                    "{} {} missing in {target}",
                    operation.method,
                    operation.path
                );
            }
            let models = subtasks.iter().filter(|s| s["kind"] == "model").count();
            let expected_models = if target.starts_with("aliyun") { document.schemas.len() } else { 0 };
            assert_eq!(models, expected_models, "{} → {target}", spec.display());
        }
    }
    // Every created task is on the watch list.
    let listed = text(&run.oaswatch(&["list"]).await.stdout);
    assert_eq!(listed.lines().count(), spec_paths().len() * 2, "{listed}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_spec_is_reported_with_its_line_and_never_sent() {
    let sim = common::start("happy", 21, 50.0).await;
    let run = Run::new(&sim, Auth::Keys);
    let broken = run.dir.path().join("broken.yaml");
    std::fs::write(&broken, "openapi: 3.0.3\ninfo:\n  title: x\n  version: '1'\npaths:\n  /a:\n    get: [oops\n")
        .unwrap();
    let before = sim.stats();
    for target in targets(&sim) {
        let out = run.oaswatch(&["import", broken.to_str().unwrap(), "--to", &target, "--no-watch"]).await;
        assert_eq!(code(&out), 2, "{}", text(&out.stderr));
        let stderr = text(&out.stderr);
        assert!(stderr.contains("broken.yaml:"), "names the file: {stderr}");
        assert!(stderr.contains("broken.yaml:8:") && stderr.contains("line 7"), "names the lines: {stderr}");
    }
    let after = sim.stats();
    assert_eq!(after.requests_for("aliyun ImportOAS"), before.requests_for("aliyun ImportOAS"));
    assert_eq!(after.requests_for("huawei POST async-import"), before.requests_for("huawei POST async-import"));
    assert_eq!(after.tasks_created, before.tasks_created);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flags_for_the_other_cloud_are_usage_errors() {
    let sim = common::start("happy", 21, 50.0).await;
    let run = Run::new(&sim, Auth::Keys);
    let [aliyun, huawei] = targets(&sim);
    let spec = spec_paths().into_iter().next().unwrap();
    for (target, flag) in [(&huawei, "--overwrite"), (&aliyun, "--simple-mode")] {
        let out = run.oaswatch(&["import", spec.to_str().unwrap(), "--to", target, flag, "--no-watch"]).await;
        assert_eq!(code(&out), 2);
        assert!(text(&out.stderr).contains(flag));
    }
    let out = run.oaswatch(&["export", "--from", &aliyun, "--group", "g"]).await;
    assert_eq!(code(&out), 2);
    assert!(text(&out.stderr).contains("Huawei"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huawei_export_saves_the_version_asked_for_and_never_overwrites() {
    let sim = common::start("happy", 21, 50.0).await;
    let run = Run::new(&sim, Auth::Keys);
    let [_, huawei] = targets(&sim);
    for (oas, format, expected) in [("2.0", "json", SpecVersion::Swagger2), ("3.0", "yaml", SpecVersion::OpenApi30)] {
        let file = run.dir.path().join(format!("export-{oas}.{format}"));
        let file_arg = file.to_str().unwrap();
        let args =
            ["export", "--from", &huawei, "--group", HUAWEI_GROUP, "--oas", oas, "--format", format, "-o", file_arg];
        let out = run.oaswatch(&args).await;
        assert_eq!(code(&out), 0, "{}", text(&out.stderr));
        assert!(text(&out.stdout).contains(&format!("saved {file_arg}")), "{}", text(&out.stdout));
        let document = openapi::load(&file).unwrap();
        assert_eq!(document.version, expected);
        assert!(!document.operations.is_empty());

        let before = std::fs::read(&file).unwrap();
        let again = run.oaswatch(&args).await;
        assert_eq!(code(&again), 2, "refuses to overwrite");
        assert!(text(&again.stderr).contains("--force"));
        assert_eq!(std::fs::read(&file).unwrap(), before);
        let mut forced = args.to_vec();
        forced.push("--force");
        assert_eq!(code(&run.oaswatch(&forced).await), 0);
    }
}

fn failed_routes(task: &serde_json::Value) -> std::collections::BTreeSet<(String, String)> {
    task["subtasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["kind"] == "api" && (s["state"] == "failed" || s["state"] == "cancelled"))
        .map(|s| (s["method"].as_str().unwrap().to_owned(), s["path"].as_str().unwrap().to_owned()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_spec_reimports_exactly_the_failed_operations_and_the_report_lists_them() {
    let sim = common::start("partial-fail", 23, 50.0).await;
    let run = Run::new(&sim, Auth::Keys);
    let spec = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/specs/shop-2.0.json");
    let target = format!("aliyun://{}/4c1f6b0e2d9a4e0f9b8a7c6d5e4f3a21", sim.aliyun_region());
    // The first import fails in part on purpose: past the pre-check.
    let first =
        run.oaswatch(&["import", spec.to_str().unwrap(), "--to", &target, "--wait", "--json", "--no-check"]).await;
    assert_eq!(code(&first), 1, "{}", text(&first.stderr));
    let task = json(&first)["tasks"][0].clone();
    let task_ref = task["ref"].as_str().unwrap().to_owned();
    let failed = failed_routes(&task);
    assert!(failed.len() >= 5, "{failed:?}");

    let retry_file = run.dir.path().join("retry.json");
    let out = run
        .oaswatch(&["retry-spec", &task_ref, "--spec", spec.to_str().unwrap(), "-o", retry_file.to_str().unwrap()])
        .await;
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("re-import it with: oaswatch import"), "{}", text(&out.stderr));
    let retry = openapi::load(&retry_file).unwrap();
    assert_eq!(retry.version, SpecVersion::Swagger2, "same family as the original");
    let retry_routes: std::collections::BTreeSet<(String, String)> =
        retry.operations.iter().map(|op| (op.method.clone(), op.path.clone())).collect();
    assert_eq!(retry_routes, failed);

    // The pre-check knows some of them will fail again (their routes exist); --force imports
    // anyway, with the rejections printed as warnings.
    let second =
        run.oaswatch(&["import", retry_file.to_str().unwrap(), "--to", &target, "--wait", "--json", "--force"]).await;
    assert!(text(&second.stderr).contains("would be rejected"), "{}", text(&second.stderr));
    let again = json(&second)["tasks"][0].clone();
    let created: std::collections::BTreeSet<(String, String)> = again["subtasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["kind"] == "api")
        .map(|s| (s["method"].as_str().unwrap().to_owned(), s["path"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(created, failed, "importing the retry spec creates exactly the failed operations");

    // The report of the first import, in each format, parsed back.
    let csv_file = run.dir.path().join("report.csv");
    let out = run.oaswatch(&["report", &task_ref, "--format", "csv", "-o", csv_file.to_str().unwrap()]).await;
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let mut reader = csv::Reader::from_path(&csv_file).unwrap();
    let problems = task["counts"]["failed"].as_u64().unwrap() + task["counts"]["cancelled"].as_u64().unwrap();
    assert_eq!(reader.records().count() as u64, problems);
    let json_report = run.oaswatch(&["report", &task_ref, "--format", "json"]).await;
    let parsed: serde_json::Value = serde_json::from_slice(&json_report.stdout).unwrap();
    assert_eq!(parsed["failures"].as_array().unwrap().len() as u64, problems);
    let markdown = text(&run.oaswatch(&["report", &task_ref]).await.stdout);
    assert!(markdown.starts_with('#') && markdown.contains('|'), "{markdown}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_spec_from_the_wrong_spec_is_refused_and_a_partial_one_exits_non_zero() {
    let sim = common::start("partial-fail", 23, 50.0).await;
    let run = Run::new(&sim, Auth::Keys);
    let specs = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/specs");
    let shop = specs.join("shop-2.0.json");
    let target = format!("aliyun://{}/4c1f6b0e2d9a4e0f9b8a7c6d5e4f3a21", sim.aliyun_region());
    let first =
        run.oaswatch(&["import", shop.to_str().unwrap(), "--to", &target, "--wait", "--json", "--no-check"]).await;
    let task = json(&first)["tasks"][0].clone();
    let task_ref = task["ref"].as_str().unwrap().to_owned();
    let failed = failed_routes(&task);

    // Another API's spec: refused, with what is missing, and nothing written.
    let wrong = specs.join("fleet-3.0.yaml");
    let out_file = run.dir.path().join("x.yaml");
    let out = run
        .oaswatch(&["retry-spec", &task_ref, "--spec", wrong.to_str().unwrap(), "-o", out_file.to_str().unwrap()])
        .await;
    assert_eq!(code(&out), 2, "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("does not look like the spec this task imported"), "{}", text(&out.stderr));
    assert!(!out_file.exists(), "nothing written");

    // The right spec minus two of the failed operations: written, but the exit says it is partial.
    let mut doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&shop).unwrap()).unwrap();
    let dropped: Vec<(String, String)> = failed.iter().take(2).cloned().collect();
    for (method, path) in &dropped {
        let base = doc["basePath"].as_str().unwrap_or("").trim_end_matches('/').to_owned();
        let key = path.strip_prefix(&base).unwrap_or(path).to_owned();
        doc["paths"][&key].as_object_mut().unwrap().remove(&method.to_ascii_lowercase());
    }
    let partial = run.dir.path().join("partial.json");
    std::fs::write(&partial, serde_json::to_string(&doc).unwrap()).unwrap();
    let out = run
        .oaswatch(&["retry-spec", &task_ref, "--spec", partial.to_str().unwrap(), "-o", out_file.to_str().unwrap()])
        .await;
    assert_eq!(code(&out), 1, "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("2 failed subtasks are not in"), "{}", text(&out.stderr));
    let written = openapi::load(&out_file).unwrap();
    assert_eq!(written.format, openapi::Format::Yaml, "the -o extension decides the format");
    assert_eq!(written.operations.len(), failed.len() - 2);
}
