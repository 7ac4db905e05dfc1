//! `oaswatch import` and `oaswatch export` end to end against the simulator: every spec under
//! `assets/specs/` imports to each cloud as a task whose subtasks are the spec's operations (and
//! models on Alibaba); a broken spec never leaves the machine; an export saves a document that
//! parses as the OpenAPI version asked for, and never overwrites a file without `--force`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "test setup fails loudly")]

mod cli_support;
mod common;

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
