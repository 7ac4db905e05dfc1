//! Failure groups: the failed and cancelled subtasks of a task, clustered by the statement that
//! wrote their error ("37 APIs: Path {path} conflicts with existing API {name}"), causes first
//! and biggest first, with what each cause brought down folded under it ("28 APIs cancelled ←
//! 7 models: Internal Error").
//!
//! Owns [`FailureGroup`], the order of groups and the one-shot entry points
//! ([`group_subtasks`]); the engine that clusters and remembers is [`super::grouper`], the
//! template miner [`super::miner`], the masking rules [`super::signature`]. Pure.
//!
//! Both clouds fit one shape: Alibaba items carry only a message (`ErrorMessage`, code empty),
//! Huawei failures carry `error_code` + `error_msg`. Messages under different codes never share
//! a group, so the same text under two codes stays two groups.
//!
//! Skipped subtasks are in a group only when they carry an error message (a skip with a reason,
//! which may name the failure that caused it); Huawei's merge-mode skips carry none.

use std::sync::Arc;

use serde::Serialize;

use super::grouper::Grouper;
use super::miner::Item;
use crate::domain::{Subtask, Task};
use crate::sanitize;

/// The signature of failed subtasks for which the provider sent no error text at all, so the UI
/// never shows an empty error silently.
pub const NO_ERROR_TEXT: &str = "no error text returned by the API";

/// The same for cancelled subtasks: a cancel without a reason is a different story from a failure.
pub const CANCELLED_NO_TEXT: &str = "cancelled; no error text returned by the API";

/// Failures written by one statement, under one error code.
///
/// A *cause* group (`cause` is `None`) holds failures; a *consequence* group holds the cancelled
/// or skipped subtasks of one template whose messages name a failure of the cause group
/// `cause`, and comes right after it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FailureGroup {
    /// The template's cluster: with `cause`, what makes this group the same one in the next
    /// snapshot of the same engine.
    pub cluster: u32,
    /// For a consequence, the cluster of the cause group it is folded under.
    pub cause: Option<u32>,
    /// The engine that made it ([`Grouper::engine`]): clusters of two engines are unrelated.
    #[serde(skip)]
    pub engine: u64,
    /// The template as text, variables as `{…}`; safe to draw as is (control characters
    /// already made visible).
    pub signature: String,
    /// The template, to draw its variables apart and to read their values.
    #[serde(skip)]
    pub template: Arc<[Item]>,
    /// The provider's error code, trimmed; empty for Alibaba items, which have none.
    pub code: String,
    /// How many members are APIs.
    pub apis: u32,
    /// How many members are models.
    pub models: u32,
    /// How many members were cancelled.
    pub cancelled: u32,
    /// How many members were skipped.
    pub skipped: u32,
    /// The first member's message, verbatim (empty when the provider sent none). Sanitise before drawing.
    pub example: String,
    /// Indices into `task.subtasks` of the members, ascending (task order).
    pub members: Vec<u32>,
    /// For a cause, how many subtasks its consequence groups hold.
    pub consequences: u32,
}

impl FailureGroup {
    pub fn count(&self) -> usize {
        self.members.len()
    }

    /// The group's own members plus those of the consequences folded under it.
    pub fn impact(&self) -> usize {
        self.count() + self.consequences as usize
    }

    pub fn is_consequence(&self) -> bool {
        self.cause.is_some()
    }

    /// False for the groups of failures that came with no text ([`NO_ERROR_TEXT`]).
    pub fn has_text(&self) -> bool {
        !self.example.trim().is_empty()
    }

    /// `37 APIs`, `1 model`, `3 APIs, 2 models`.
    pub fn what(&self) -> String {
        let part = |n: u32, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        match (self.apis, self.models) {
            (apis, 0) => part(apis, "API", "APIs"),
            (0, models) => part(models, "model", "models"),
            (apis, models) => format!("{}, {}", part(apis, "API", "APIs"), part(models, "model", "models")),
        }
    }

    /// What happened to the members when it was not a failure: `cancelled`, `skipped`,
    /// `cancelled or skipped`; empty when they failed.
    pub fn outcome(&self) -> &'static str {
        let others = u32::try_from(self.count()).unwrap_or(u32::MAX).saturating_sub(self.cancelled + self.skipped);
        match (self.cancelled > 0, self.skipped > 0, others > 0) {
            (true, false, false) => "cancelled",
            (false, true, false) => "skipped",
            (true, true, false) => "cancelled or skipped",
            _ => "",
        }
    }

    /// One line for a list: `37 APIs: Path {path} conflicts with existing API {name}`, with
    /// ` [CODE]` appended when there is a code. Safe to draw.
    pub fn label(&self) -> String {
        let mut what = self.what();
        if self.is_consequence() {
            what.push(' ');
            what.push_str(self.outcome());
        }
        if self.code.is_empty() {
            format!("{what}: {}", self.signature)
        } else {
            format!("{what}: {} [{}]", self.signature, sanitize::line(&self.code))
        }
    }

    /// A consequence said by its cause: `28 APIs cancelled ← 7 models: Internal Error`. Safe to draw.
    pub fn caused_by_label(&self, cause: &FailureGroup) -> String {
        format!("{} {} ← {}", self.what(), self.outcome(), cause.label())
    }

    /// The variable parts of the template, in order: their text (`{path}`, `[{model}]`).
    pub fn variables(&self) -> Vec<String> {
        self.template
            .iter()
            .filter_map(|item| match item {
                Item::Var { slot, .. } => Some(format!("{}{}{}", slot.prefix, slot.placeholder_text(), slot.suffix)),
                Item::Const { .. } => None,
            })
            .collect()
    }
}

/// The failure groups of a task (see [`group_subtasks`]).
pub fn group_failures(task: &Task) -> Vec<FailureGroup> {
    group_subtasks(&task.subtasks)
}

/// Clusters the failed and cancelled subtasks (and skipped ones with a reason) of one snapshot,
/// with an engine of its own, in task order.
///
/// Every such subtask lands in exactly one group; others in none. Causes come biggest first
/// (counting the consequences folded under them), each followed by its consequences biggest
/// first; ties keep the order in which the groups were first met.
pub fn group_subtasks(subtasks: &[Subtask]) -> Vec<FailureGroup> {
    Grouper::new().group(subtasks)
}

/// The display order of a snapshot's groups: see [`group_subtasks`].
pub(super) fn order(mut groups: Vec<FailureGroup>) -> Vec<FailureGroup> {
    for k in 0..groups.len() {
        if let Some(cause) = groups[k].cause {
            let folded = u32::try_from(groups[k].count()).unwrap_or(u32::MAX);
            if let Some(owner) = groups.iter_mut().find(|g| g.cause.is_none() && g.cluster == cause) {
                owner.consequences += folded;
            }
        }
    }
    let (mut causes, mut consequences): (Vec<FailureGroup>, Vec<FailureGroup>) =
        groups.into_iter().partition(|g| !g.is_consequence());
    causes.sort_by(|a, b| b.impact().cmp(&a.impact()).then(a.cluster.cmp(&b.cluster)));
    consequences.sort_by(|a, b| b.count().cmp(&a.count()).then(a.cluster.cmp(&b.cluster)));
    let mut ordered = Vec::with_capacity(causes.len() + consequences.len());
    for cause in causes {
        let cluster = cause.cluster;
        ordered.push(cause);
        let (mine, rest): (Vec<FailureGroup>, Vec<FailureGroup>) =
            consequences.into_iter().partition(|c| c.cause == Some(cluster));
        ordered.extend(mine);
        consequences = rest;
    }
    // A consequence whose cause is not in the snapshot stands on its own, at the end.
    ordered.extend(consequences);
    ordered
}

/// For each of `len` subtasks, the index of its group in `groups`, if it has one.
pub fn membership(groups: &[FailureGroup], len: usize) -> Vec<Option<u32>> {
    let mut of = vec![None; len];
    for (g, group) in groups.iter().enumerate() {
        let g = u32::try_from(g).unwrap_or(u32::MAX);
        for &member in &group.members {
            if let Some(slot) = usize::try_from(member).ok().and_then(|m| of.get_mut(m)) {
                *slot = Some(g);
            }
        }
    }
    of
}

#[cfg(test)]
mod tests;
