//! What the adversarial round found (RELIABILITY.md §"Adversarial round"), each against the real
//! binary and the simulator over HTTP:
//!
//! - a reference with a `..` part is refused before any request is signed;
//! - `report -o FILE --force` replaces a file whole or not at all (a write that fails part way,
//!   here through `ulimit -f`, leaves the old report and no partial file);
//! - `export` checks that it can write its output before it starts a task;
//! - an absurd duration is a usage error, not a panic;
//! - the `--on-finish` hook gets none of the cloud credentials in its environment;
//! - `config` never prints an endpoint's password or query.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "test setup fails loudly")]

use crate::cli_support;
use crate::common;

use cli_support::{Auth, Run, code, task_ref, text};
use oaswatch::sim::SimHandle;

fn requests(sim: &SimHandle) -> u64 {
    sim.stats().requests.values().sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dot_parts_in_a_reference_are_refused_before_any_request() {
    let sim = common::start("happy", 1, 1.0).await;
    let run = Run::new(&sim, Auth::Keys);
    let good = task_ref(&sim, "huawei-petstore");
    let parent = format!("{}/..", good.rsplit_once('/').unwrap().0);
    let before = requests(&sim);
    for bad in [parent.as_str(), "huawei://cn-north-4/p/./t", "aliyun://cn-hangzhou/.."] {
        for command in [["status", bad].as_slice(), ["add", bad].as_slice()] {
            let out = run.oaswatch(command).await;
            assert_eq!(code(&out), 2, "{command:?}: {}", text(&out.stderr));
            assert!(text(&out.stderr).contains("relative path segment"), "{}", text(&out.stderr));
        }
    }
    assert_eq!(requests(&sim), before, "nothing was sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forced_report_that_fails_part_way_leaves_the_old_file_and_nothing_else() {
    let sim = common::start("partial-fail", 4, 50.0).await;
    let run = Run::new(&sim, Auth::Keys);
    let task = task_ref(&sim, "aliyun-shop");
    let done = run.oaswatch(&["wait", &task, "--interval", "200ms", "--timeout", "60s"]).await;
    assert_eq!(code(&done), 1, "{}", text(&done.stderr));
    let reports = run.dir.path().join("reports");
    std::fs::create_dir(&reports).unwrap();
    let target = reports.join("failures.md");
    std::fs::write(&target, "the previous report\n").unwrap();

    // The shell ignores SIGXFSZ and caps files at 1 KiB: the report's write fails with EFBIG.
    let bin = env!("CARGO_BIN_EXE_oaswatch");
    let script = r#"trap '' XFSZ; ulimit -f 2; exec "$0" "$@""#;
    let out = tokio::process::Command::new("sh")
        .args(["-c", script, bin, "report", &task, "-o", target.to_str().unwrap(), "--force"])
        .env_clear()
        .envs(run.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .current_dir(run.dir.path())
        .output()
        .await
        .unwrap();
    assert_eq!(code(&out), 2, "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("cannot write"), "{}", text(&out.stderr));
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "the previous report\n", "the old report is intact");
    let left: Vec<String> =
        std::fs::read_dir(&reports).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(left, ["failures.md"], "no partial or empty file left behind");

    // Without the cap the same command replaces it whole.
    let out = run.oaswatch(&["report", &task, "-o", target.to_str().unwrap(), "--force"]).await;
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert!(std::fs::read_to_string(&target).unwrap().starts_with('#'));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_checks_its_output_directory_before_starting_a_task() {
    let sim = common::start("happy", 21, 50.0).await;
    let run = Run::new(&sim, Auth::Keys);
    let source =
        format!("huawei://{}/{}/eddc4d25480b4cd6b512f270a1b8b341", sim.huawei_region(), sim.huawei_project_id());
    let missing = run.dir.path().join("no-such-dir").join("api.yaml");
    let before = requests(&sim);
    let out = run.oaswatch(&["export", "--from", &source, "--group", "g", "-o", missing.to_str().unwrap()]).await;
    assert_eq!(code(&out), 2, "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("nothing was started"), "{}", text(&out.stderr));
    assert_eq!(requests(&sim), before, "no export task was created");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn absurd_durations_are_usage_errors_not_panics() {
    let sim = common::start("happy", 1, 1.0).await;
    let run = Run::new(&sim, Auth::Keys);
    let task = task_ref(&sim, "aliyun-petstore");
    let out = run.oaswatch(&["wait", &task, "--timeout", "18446744073709551615s"]).await;
    assert_eq!(code(&out), 2, "{}", text(&out.stderr));
    run.config("[poll]\ninterval = \"18446744073709551615s\"\n");
    let out = run.oaswatch(&["status", &task]).await;
    assert_eq!(code(&out), 2, "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("365 days"), "{}", text(&out.stderr));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_on_finish_hook_gets_no_cloud_credentials() {
    let sim = common::start("happy", 3, 50.0).await;
    let run = Run::new(&sim, Auth::Temporary);
    let task = task_ref(&sim, "aliyun-petstore");
    let dump = run.dir.path().join("hook-env.txt");
    let hook = format!("env > '{}'", dump.display());
    let out = run.oaswatch(&["wait", &task, "--interval", "200ms", "--timeout", "60s", "--on-finish", &hook]).await;
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let seen = std::fs::read_to_string(&dump).unwrap();
    assert!(seen.contains("OASWATCH_RESULT=ok"), "the hook ran with its own variables: {seen}");
    for (key, value) in &run.env {
        let credential = key.starts_with("ALIBABA_CLOUD_") || key.starts_with("HUAWEICLOUD_SDK_");
        if credential {
            assert!(!seen.contains(&format!("{key}=")), "{key} reached the hook");
            assert!(!seen.contains(value.as_str()), "the value of {key} reached the hook");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_never_prints_an_endpoints_password_or_query() {
    let sim = common::start("happy", 1, 1.0).await;
    let mut run = Run::new(&sim, Auth::Keys);
    // The file's endpoint, not the simulator's from the environment.
    run.env.retain(|(k, _)| k != "OASWATCH_HUAWEI_ENDPOINT");
    for endpoint in ["https://ak:hunter2-secret@apig.example.com", "https://apig.example.com/?token=hunter2-secret"] {
        run.config(&format!("[endpoints]\nhuawei = \"{endpoint}\"\n"));
        let out = run.oaswatch(&["config"]).await;
        assert_eq!(code(&out), 2, "an unusable endpoint is an error: {}", text(&out.stdout));
        let everything = format!("{}{}", text(&out.stdout), text(&out.stderr));
        assert!(!everything.contains("hunter2"), "{everything}");
        let status = run.oaswatch(&["status", &task_ref(&sim, "huawei-petstore"), "--json"]).await;
        assert_eq!(code(&status), 2);
        assert!(!format!("{}{}", text(&status.stdout), text(&status.stderr)).contains("hunter2"));
    }
}
