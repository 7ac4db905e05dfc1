//! Failure grouping scored against the causes the simulator injected: the ground truth the
//! grouping tests and `cargo bench --bench grouping` read. Nothing here reaches a cloud answer
//! or the screen.
//!
//! Owns how a fetched task's subtasks are matched with the injected causes (models by name, APIs
//! by method and path, in order) and what the right grouping is: one group per rule and message
//! shape (a hostile sample appended makes another message), with each cancelled API counted in
//! the group of the model whose failure cancelled it (consequences folded under their causes).

use std::collections::{HashMap, VecDeque};

use super::InjectedCause;
use crate::analysis::FailureGroup;
use crate::analysis::accuracy::grouping_accuracy;
use crate::analysis::grouper::in_groups;
use crate::domain::{SubtaskKind, Task};

/// One grouped subtask of a task and the cause it should be grouped by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Truth {
    /// Index into `task.subtasks`.
    pub position: u32,
    /// The injected cause's rule (and sample), the failed model's for a consequence.
    pub label: String,
    /// For a consequence, the model it names.
    pub because: Option<String>,
}

/// An injected cause as a label: its rule, and the hostile sample appended to its text.
fn label(cause: &InjectedCause) -> String {
    match &cause.decoration {
        Some(sample) => format!("{}+{sample}", cause.rule),
        None => cause.rule.clone(),
    }
}

/// The truth for every subtask of `task` that belongs in a failure group; an error names a
/// grouped subtask the simulator did not fail.
pub fn folded_truth(task: &Task, causes: &[InjectedCause]) -> Result<Vec<Truth>, String> {
    let key = |kind: SubtaskKind, name: &str, method: &str, path: &str| match kind {
        SubtaskKind::Model => format!("model {name}"),
        SubtaskKind::Api => format!("api {method} {path}"),
    };
    let mut queue: HashMap<String, VecDeque<&InjectedCause>> = HashMap::new();
    for cause in causes {
        queue.entry(key(cause.kind, &cause.name, &cause.method, &cause.path)).or_default().push_back(cause);
    }
    let model_label = |model: &str| causes.iter().find(|c| c.kind == SubtaskKind::Model && c.name == model).map(label);
    let mut truth = Vec::new();
    for (i, s) in task.subtasks.iter().enumerate().filter(|(_, s)| in_groups(s)) {
        let cause = queue
            .get_mut(&key(s.kind, s.name(), s.method(), s.path()))
            .and_then(VecDeque::pop_front)
            .ok_or_else(|| format!("no injected cause for {} {} {} {}", s.state, s.name(), s.method(), s.path()))?;
        let folded = match &cause.because {
            Some(model) => model_label(model).ok_or_else(|| format!("no injected cause for model {model}"))?,
            None => label(cause),
        };
        truth.push(Truth {
            position: u32::try_from(i).unwrap_or(u32::MAX),
            label: folded,
            because: cause.because.clone(),
        });
    }
    Ok(truth)
}

/// For each of `len` subtasks, its folded group: its own cluster, or its cause's for a consequence.
pub fn folded_groups(groups: &[FailureGroup], len: usize) -> Vec<Option<u32>> {
    let mut of = vec![None; len];
    for group in groups {
        for &m in &group.members {
            if let Some(slot) = of.get_mut(m as usize) {
                *slot = Some(group.cause.unwrap_or(group.cluster));
            }
        }
    }
    of
}

/// Grouping accuracy of `groups` (of `task`) against the injected causes, consequences folded.
pub fn accuracy(task: &Task, groups: &[FailureGroup], causes: &[InjectedCause]) -> Result<f64, String> {
    let truth = folded_truth(task, causes)?;
    let of = folded_groups(groups, task.subtasks.len());
    let predicted: Vec<Option<u32>> = truth.iter().map(|t| of[t.position as usize]).collect();
    let labels: Vec<&str> = truth.iter().map(|t| t.label.as_str()).collect();
    Ok(grouping_accuracy(&labels, &predicted))
}
