//! The request budget seen from the command line: the real binary against the simulator over
//! HTTP, with a budget too small for the tasks watched.
//!
//! A task our own budget never sent before `--timeout` has timed out (exit 3), like a task still
//! running; it is not a fetch error (exit 4), and `wait` says why it had to wait.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "test setup fails loudly")]

use crate::cli_support;
use crate::common;

use std::fmt::Write as _;

use cli_support::{Auth, Run, code, json, text};

/// `n` Alibaba imports that run for an hour.
fn long_imports(n: usize) -> String {
    let huge = include_str!("../../assets/scenarios/huge.toml");
    let mut scenario = huge[..huge.find("[[tasks]]").unwrap()].replace("name = \"huge\"", "name = \"budget\"");
    for i in 0..n {
        let _ = write!(
            scenario,
            "\n[[tasks]]\nname = \"long{i}\"\nprovider = \"aliyun\"\ngenerate = {{ operations = 5 }}\n\
             group = \"5e1f0a2b3c4d5e6f708192a3b4c5d6e7\"\nbehaviour = {{ duration_secs = 3600 }}\n"
        );
    }
    scenario
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tasks_our_budget_never_sent_time_out_with_exit_3_not_4() {
    let sim = common::start_toml(&long_imports(20), 7, 1.0).await;
    let run = Run::new(&sim, Auth::Keys);
    run.config("[poll]\nrequests_per_second = 1\n");
    let refs: Vec<String> = sim.task_refs().iter().map(ToString::to_string).collect();
    let mut args = vec!["wait", "--json", "--timeout", "3s"];
    args.extend(refs.iter().map(String::as_str));

    let out = run.oaswatch(&args).await;

    let stderr = text(&out.stderr);
    assert_eq!(code(&out), 3, "timed out, not a fetch failure; stderr: {stderr}");
    let doc = json(&out);
    let tasks = doc["tasks"].as_array().unwrap();
    assert_eq!(tasks.len(), 20);
    let never_sent: Vec<_> = tasks.iter().filter(|t| t["never_sent"] == true).collect();
    let answered: Vec<_> = tasks.iter().filter(|t| t["state"] == "running").collect();
    // One request a second for 3 s: three or four went out; the others never left.
    assert!((3..=4).contains(&answered.len()), "{} answered", answered.len());
    assert_eq!(never_sent.len() + answered.len(), 20, "{doc}");
    assert!(tasks.iter().all(|t| t["fetch_error"].is_null()), "no fetch error was invented: {doc}");
    assert_eq!(sim.stats().requests_for("aliyun DescribeImportOASTask"), u64::try_from(answered.len()).unwrap());
    // `wait` said why: the budget cannot poll 20 tasks every 2 s.
    assert!(
        stderr.contains("20 tasks share 1 request/s: each polled about every 20 s"),
        "progress says how the budget is shared: {stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_task_under_the_same_budget_times_out_as_before() {
    let sim = common::start_toml(&long_imports(1), 7, 1.0).await;
    let run = Run::new(&sim, Auth::Keys);
    run.config("[poll]\nrequests_per_second = 1\n");
    let task = sim.task_refs()[0].to_string();

    let out = run.oaswatch(&["wait", "--json", "--timeout", "3s", &task]).await;

    assert_eq!(code(&out), 3, "{}", text(&out.stderr));
    let doc = json(&out);
    assert_eq!(doc["tasks"][0]["state"], "running");
    assert!(doc["tasks"][0].get("never_sent").is_none());
    assert!(!text(&out.stderr).contains("share"), "one task at 1 request/s is polled as asked");
}
