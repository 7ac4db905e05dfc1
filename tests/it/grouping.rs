//! Failure grouping against ground truth, over real HTTP: every built-in scenario's tasks,
//! fetched from the simulator with the product's clients, group exactly as the simulator's
//! injected causes (consequences folded under the failure they name); and the eight Loghub-2k
//! samples, served as failure messages and grouped by `oaswatch report --format json`, reach
//! the accuracy.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "test code: a failure fails the test")]

use crate::cli_support;
use crate::common;
use crate::loghub_support::{loghub_samples, loghub_scenario};

use std::time::Duration;

use oaswatch::analysis::accuracy::grouping_accuracy;
use oaswatch::analysis::{FailureGroup, Grouper, group_failures};
use oaswatch::domain::{SubtaskKind, SubtaskState, Task};
use oaswatch::sim::{InjectedCause, scenario, truth};
use serde_json::Value;

/// Checks one snapshot's groups against the truth; returns (GA, consequences folded).
fn check(name: &str, task: &Task, groups: &[FailureGroup], causes: &[InjectedCause]) -> usize {
    let truth = truth::folded_truth(task, causes).unwrap();
    let ga = truth::accuracy(task, groups, causes).unwrap();
    let of = truth::folded_groups(groups, task.subtasks.len());
    let shown: Vec<String> = groups.iter().map(FailureGroup::label).collect();
    let pairs: Vec<(&str, Option<u32>)> = truth.iter().map(|t| (t.label.as_str(), of[t.position as usize])).collect();
    assert!((ga - 1.0).abs() < 1e-9, "{name}: GA {ga}\ngroups: {shown:#?}\n(truth, group): {pairs:?}");
    // Every cancelled subtask that names a failed model is a consequence of that model's group.
    let mut folded = 0;
    for t in &truth {
        let (i, Some(model)) = (&t.position, &t.because) else { continue };
        let subtask = &task.subtasks[*i as usize];
        let group = groups.iter().find(|g| g.members.contains(i)).unwrap();
        let model_at = task.subtasks.iter().position(|s| s.kind == SubtaskKind::Model && s.name() == model).unwrap();
        let model_group = groups.iter().find(|g| g.members.contains(&u32::try_from(model_at).unwrap())).unwrap();
        assert_eq!(subtask.state, SubtaskState::Cancelled);
        assert_eq!(
            group.cause,
            Some(model_group.cluster),
            "{name}: {} is folded under {model}'s group",
            subtask.name()
        );
        folded += 1;
    }
    folded
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_builtin_scenario_groups_as_its_injected_causes() {
    let mut summary = Vec::new();
    let mut folded_anywhere = 0;
    for name in scenario::builtin_names() {
        let sim = common::start(name, 7, 200.0).await;
        let clients = common::sim_clients(&sim, Duration::from_secs(3));
        for (task_name, task_ref) in sim.named_task_refs() {
            let snapshots = common::fetch_until_finished(&clients, &task_ref).await;
            let last = snapshots.last().unwrap();
            let causes = sim.injected_causes(&task_ref).unwrap();
            // In one go, as `oaswatch report` groups a task…
            let folded = check(&format!("{name}/{task_name}"), last, &group_failures(last), &causes);
            // …and poll by poll, as the dashboard's engine meets the failures.
            let mut grouper = Grouper::new();
            let mut groups = Vec::new();
            for snapshot in &snapshots {
                groups = grouper.group(&snapshot.subtasks);
            }
            check(&format!("{name}/{task_name} (incremental)"), last, &groups, &causes);
            folded_anywhere += folded;
            if !causes.is_empty() {
                summary.push(format!("{name}/{task_name}: {} failures, {} groups", causes.len(), groups.len()));
            }
        }
        sim.shutdown().await;
    }
    assert!(folded_anywhere > 0, "some scenario cancels APIs whose model failed");
    eprintln!("{}", summary.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loghub_samples_grouped_by_report_json_reach_a_mean_accuracy_of_0_9() {
    let Some(samples) = loghub_samples() else {
        eprintln!("skipped: ../shared/benchmarks/loghub is not beside the repository");
        return;
    };
    let sim = common::start_with(loghub_scenario(&samples), 5, 50.0).await;
    let clients = common::sim_clients(&sim, Duration::from_secs(10));
    let run = cli_support::Run::new(&sim, cli_support::Auth::Keys);
    let mut total = 0.0;
    let mut lines = Vec::new();
    for (name, rows) in &samples {
        let task = sim.task_ref(name).unwrap();
        common::fetch_until_finished(&clients, &task).await;
        let out = run.oaswatch(&["report", &task.to_string(), "--format", "json"]).await;
        assert_eq!(cli_support::code(&out), 0, "{}", cli_support::text(&out.stderr));
        let report: Value = cli_support::json(&out);
        // Failures come in task order; the APIs' are the operations', one line each.
        let api_failures: Vec<&Value> =
            report["failures"].as_array().unwrap().iter().filter(|f| f["kind"] == "api").collect();
        assert_eq!(api_failures.len(), rows.len(), "{name}: every line is a failure");
        for (failure, (content, _)) in api_failures.iter().zip(rows) {
            assert_eq!(failure["error"]["message"].as_str(), Some(content.as_str()), "{name}: the line, verbatim");
        }
        let predicted: Vec<u64> = api_failures.iter().map(|f| f["group"].as_u64().unwrap()).collect();
        let truth: Vec<&str> = rows.iter().map(|(_, event)| event.as_str()).collect();
        let ga = grouping_accuracy(&truth, &predicted);
        lines.push(format!("{name} {ga:.3}"));
        total += ga;
    }
    sim.shutdown().await;
    #[expect(clippy::cast_precision_loss, reason = "eight samples")]
    let mean = total / samples.len() as f64;
    eprintln!("{}; mean {mean:.4}", lines.join(", "));
    assert!(mean >= 0.90, "mean grouping accuracy {mean:.4} < 0.90: {}", lines.join(", "));
}
