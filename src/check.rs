//! The pre-flight check: what a gateway would do with each item of a spec imported into a
//! target, before anything is sent (`oaswatch check`, and `import` unless `--no-check`).
//!
//! Owns the verdicts' summary, the grouping of what would be rejected (by the failure-grouping
//! engine, so a check reads like the failures it prevents), the advisories (quotas, what could
//! not be read) and the check's text and JSON. The verdicts themselves are
//! [`crate::provider::rules::plan`]'s, the rule set the simulator imports by too. Pure: the
//! group's contents come in already read.

use std::fmt::Write as _;

use serde::Serialize;

use crate::analysis::{FailureGroup, group_subtasks};
use crate::domain::{ApiErrorRef, ProviderKind, Subtask, SubtaskKind, SubtaskState, SubtaskText};
use crate::openapi::Document;
use crate::provider::rules::{self, GatewayRules, ImportPlan, Planned, Rule, Verdict};
use crate::provider::{self, GroupContents};
use crate::sanitize;

/// What the check knows of the target group.
#[derive(Debug, Clone)]
pub enum GroupKnowledge {
    /// Read from the cloud (for a group the import would create: empty, with the gateway's other
    /// groups).
    Read(GroupContents),
    /// Not read, and why: `--offline`, or the cloud's error.
    Unread(String),
}

/// The outcome of a check.
#[derive(Debug, Clone)]
pub struct Check {
    pub provider: ProviderKind,
    pub group: GroupKnowledge,
    pub plan: ImportPlan,
    /// Documented limits the import may run into, and what was not checked.
    pub advisories: Vec<String>,
    /// One subtask per rejected or cancelled item, as the cloud would report it.
    pub rejected: Vec<(Subtask, Rule)>,
    pub groups: Vec<FailureGroup>,
}

/// How the import would be made, as its options say (the cloud's registration tells).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportMode {
    /// It replaces what the group has on the same routes (Alibaba's `Overwrite`, Huawei's
    /// `api_mode=override`).
    pub replace: bool,
    /// It creates its group, named after the spec's title (Huawei without `group_id`).
    pub new_group: bool,
}

/// Counts of the verdicts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub apis: usize,
    pub models: usize,
    pub create: usize,
    pub update: usize,
    /// Left alone (an existing route under Huawei's merge mode).
    pub skip: usize,
    pub rejected: usize,
    /// Not imported because a model it needs is rejected.
    pub cancelled: usize,
}

/// Checks `doc` against what a `provider` gateway accepts and what the group holds.
pub fn check(doc: &Document, provider: ProviderKind, mut group: GroupKnowledge, mode: ImportMode) -> Check {
    let rules = provider::registration(provider).rules;
    if let GroupKnowledge::Read(contents) = &mut group
        && mode.new_group
        && contents.name.is_empty()
    {
        // The name the gateway gives the group it creates.
        contents.name.clone_from(&doc.title);
    }
    let empty = GroupContents::default();
    let contents = match &group {
        GroupKnowledge::Read(contents) => contents,
        GroupKnowledge::Unread(_) => &empty,
    };
    let plan = rules::plan(rules, doc, &contents.state(), mode.replace);
    let advisories = advisories(rules, doc, &group, mode, &plan);
    let rejected: Vec<(Subtask, Rule)> = plan.models.iter().chain(&plan.apis).filter_map(rejected_subtask).collect();
    let subtasks: Vec<Subtask> = rejected.iter().map(|(s, _)| s.clone()).collect();
    let groups = group_subtasks(&subtasks);
    Check { provider, group, plan, advisories, rejected, groups }
}

fn rejected_subtask(item: &Planned) -> Option<(Subtask, Rule)> {
    let Verdict::Refused { rule, code, message } = &item.verdict else { return None };
    let state = if *rule == Rule::DependencyFailed { SubtaskState::Cancelled } else { SubtaskState::Failed };
    let text = SubtaskText {
        id: item.existing_id.as_deref().unwrap_or_default(),
        name: &item.name,
        method: &item.method,
        path: &item.path,
        raw_status: rule.id(),
        error: Some(ApiErrorRef { code, message: message.into() }),
    };
    Some((Subtask::new(item.kind, state, text), *rule))
}

fn advisories(
    rules: &GatewayRules,
    doc: &Document,
    group: &GroupKnowledge,
    mode: ImportMode,
    plan: &ImportPlan,
) -> Vec<String> {
    let mut out = Vec::new();
    // Whole: the reason says what to do (which variables to set); bounded for a server's text.
    let why = |why: &str| sanitize::line_truncated(why, 2000).into_owned();
    match group {
        GroupKnowledge::Unread(reason) if mode.new_group => out.push(format!(
            "the gateway's groups were not read ({}): whether a group is already named \"{}\" (the name the new \
             group would get, and the import would fail as a whole) was not checked",
            why(reason),
            sanitize::line_truncated(&doc.title, 100)
        )),
        GroupKnowledge::Unread(reason) => out.push(format!(
            "the group was not read ({}): its base path, routes, API names and models were not compared",
            why(reason)
        )),
        GroupKnowledge::Read(contents) if mode.new_group && plan.refused.is_none() => out.push(format!(
            "the import creates a new group \"{}\" (a name none of the gateway's {} groups has): the spec was \
             checked against an empty group",
            sanitize::line_truncated(&contents.name, 100),
            contents.other_groups.len()
        )),
        GroupKnowledge::Read(_) => {}
    }
    if let Some(limit) = rules.quota.apis_per_import
        && doc.operations.len() > limit
    {
        out.push(format!(
            "{} operations: the gateway's default quota is {limit} APIs per import (import in batches, or ask for \
             a higher quota): {}",
            doc.operations.len(),
            rules.quota.source
        ));
    }
    let existing = match group {
        GroupKnowledge::Read(contents) => contents.apis.len(),
        GroupKnowledge::Unread(_) => 0,
    };
    let created = plan.apis.iter().filter(|a| a.verdict == Verdict::Create).count();
    if existing + created > rules.quota.apis_per_group {
        out.push(format!(
            "the group would hold {} APIs; the gateway's default quota is {} per group: {}",
            existing + created,
            rules.quota.apis_per_group,
            rules.quota.source
        ));
    }
    out.extend(plan.warnings.iter().map(|w| sanitize::line(w).into_owned()));
    out
}

impl Check {
    pub fn summary(&self) -> Summary {
        let mut summary = Summary { apis: self.plan.apis.len(), models: self.plan.models.len(), ..Summary::default() };
        for item in self.plan.models.iter().chain(&self.plan.apis) {
            match &item.verdict {
                Verdict::Create => summary.create += 1,
                Verdict::Update => summary.update += 1,
                Verdict::Skip => summary.skip += 1,
                Verdict::Refused { rule: Rule::DependencyFailed, .. } => summary.cancelled += 1,
                Verdict::Refused { .. } => summary.rejected += 1,
            }
        }
        summary
    }

    /// Whether any item would not be imported.
    pub fn rejects_anything(&self) -> bool {
        !self.rejected.is_empty()
    }

    /// The rule behind a group: its first member's.
    fn rule_of(&self, group: &FailureGroup) -> Option<Rule> {
        group.members.first().and_then(|&m| self.rejected.get(m as usize)).map(|(_, rule)| *rule)
    }

    /// The report for a terminal: what would happen, then what would be rejected, by cause.
    pub fn human(&self, spec: &str, target: &str) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "{} → {target}", sanitize::line_truncated(spec, 200));
        if let GroupKnowledge::Read(group) = &self.group
            && !group.id.is_empty()
        {
            let base =
                if group.base_path.is_empty() { String::new() } else { format!(", base path {}", group.base_path) };
            let _ = writeln!(
                out,
                "  group {} ({}){base}: {} APIs, {} models",
                sanitize::line_truncated(&group.name, 60),
                sanitize::line_truncated(&group.id, 64),
                group.apis.len(),
                group.models.len()
            );
        }
        let s = self.summary();
        let models = if s.models > 0 { format!(", {} models", s.models) } else { String::new() };
        let mut parts = vec![format!("{} created", s.create)];
        for (n, what) in
            [(s.update, "updated"), (s.skip, "left alone"), (s.rejected, "rejected"), (s.cancelled, "cancelled")]
        {
            if n > 0 {
                parts.push(format!("{n} {what}"));
            }
        }
        let _ = writeln!(out, "  {} APIs{models}: {}", s.apis, parts.join(", "));
        if let Some(refused) = &self.plan.refused {
            let (taken_id, taken_name) = &refused.taken;
            let _ = writeln!(
                out,
                "  the import would fail as a whole, before any item: {} [{}] (group {} is named \"{}\")",
                sanitize::line_truncated(&refused.message, 200),
                refused.code,
                sanitize::line_truncated(taken_id, 64),
                sanitize::line_truncated(taken_name, 100)
            );
        }
        if !self.groups.is_empty() {
            let _ = writeln!(out, "  would be rejected, by cause:");
        }
        for group in &self.groups {
            let example = group.members.first().and_then(|&m| self.rejected.get(m as usize)).map(|(s, _)| what(s));
            let example = example.map(|e| format!(" — e.g. {}", sanitize::line_truncated(&e, 80))).unwrap_or_default();
            let code = if group.code.is_empty() { String::new() } else { format!(" [{}]", group.code) };
            let template = sanitize::line_truncated(&group.signature, 200);
            let (indent, lead) = if group.is_consequence() { ("      ", "└ ") } else { ("    ", "") };
            let outcome = if group.is_consequence() { format!(" {}", group.outcome()) } else { String::new() };
            let _ = writeln!(out, "{indent}{lead}{}{outcome}: {template}{code}{example}", group.what());
            if let Some(rule) = self.rule_of(group) {
                let source = (provider::registration(self.provider).rules.source)(rule);
                let _ = writeln!(out, "{indent}  rule {} · {source}", rule.id());
            }
        }
        for advisory in &self.advisories {
            let _ = writeln!(out, "  note: {}", sanitize::line_truncated(advisory, 300));
        }
        out
    }

    /// The one-line verdict that ends the report.
    pub fn verdict_line(&self) -> String {
        let s = self.summary();
        let not = s.rejected + s.cancelled;
        if not == 0 {
            "nothing would be rejected".to_owned()
        } else {
            format!("{not} of {} items would not be imported", s.apis + s.models)
        }
    }

    /// The JSON document of `check --json`.
    pub fn json(&self, spec: &str, target: &str) -> serde_json::Result<String> {
        let source = provider::registration(self.provider).rules.source;
        let items: Vec<JsonItem<'_>> = self
            .plan
            .models
            .iter()
            .chain(&self.plan.apis)
            .map(|item| {
                let (verdict, rule, code, message) = match &item.verdict {
                    Verdict::Create => ("create", None, "", ""),
                    Verdict::Update => ("update", None, "", ""),
                    Verdict::Skip => ("skip", None, "", ""),
                    Verdict::Refused { rule: Rule::DependencyFailed, code, message } => {
                        ("cancelled", Some(Rule::DependencyFailed), code.as_str(), message.as_str())
                    }
                    Verdict::Refused { rule, code, message } => {
                        ("rejected", Some(*rule), code.as_str(), message.as_str())
                    }
                };
                JsonItem {
                    kind: item.kind,
                    name: &item.name,
                    method: &item.method,
                    path: &item.path,
                    verdict,
                    rule: rule.map(Rule::id),
                    source: rule.map(source),
                    code,
                    message,
                    because: item.because.as_deref(),
                }
            })
            .collect();
        let numbers: Vec<(u32, usize)> = self
            .groups
            .iter()
            .enumerate()
            .filter(|(_, g)| !g.is_consequence())
            .map(|(n, g)| (g.cluster, n + 1))
            .collect();
        let groups = self
            .groups
            .iter()
            .enumerate()
            .map(|(n, g)| JsonGroup {
                number: n + 1,
                count: g.count(),
                rule: self.rule_of(g).map(Rule::id),
                code: &g.code,
                signature: &g.signature,
                example: &g.example,
                members: g
                    .members
                    .iter()
                    .filter_map(|&m| self.rejected.get(m as usize))
                    .map(|(s, _)| what(s))
                    .collect(),
                cause: g.cause.and_then(|c| numbers.iter().find(|(cluster, _)| *cluster == c).map(|(_, n)| *n)),
            })
            .collect();
        let group = match &self.group {
            GroupKnowledge::Read(g) => Some(JsonGroupRead {
                id: &g.id,
                name: &g.name,
                base_path: &g.base_path,
                apis: g.apis.len(),
                models: g.models.len(),
            }),
            GroupKnowledge::Unread(_) => None,
        };
        let document = JsonCheck {
            spec,
            target,
            provider: self.provider,
            group,
            summary: self.summary(),
            rejects: self.rejects_anything(),
            items,
            groups,
            notes: &self.advisories,
        };
        crate::safe_json::pretty(&document)
    }
}

/// `GET /orders`, or `model Pet`.
fn what(subtask: &Subtask) -> String {
    match subtask.kind {
        SubtaskKind::Model => format!("model {}", subtask.name()),
        SubtaskKind::Api => format!("{} {}", subtask.method(), subtask.path()),
    }
}

#[derive(Serialize)]
struct JsonCheck<'a> {
    spec: &'a str,
    target: &'a str,
    provider: ProviderKind,
    /// The group as read; absent when it was not read.
    group: Option<JsonGroupRead<'a>>,
    summary: Summary,
    /// Whether anything would not be imported (exit status 1).
    rejects: bool,
    items: Vec<JsonItem<'a>>,
    groups: Vec<JsonGroup<'a>>,
    notes: &'a [String],
}

#[derive(Serialize)]
struct JsonGroupRead<'a> {
    id: &'a str,
    name: &'a str,
    base_path: &'a str,
    apis: usize,
    models: usize,
}

#[derive(Serialize)]
struct JsonItem<'a> {
    kind: SubtaskKind,
    name: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    method: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    path: &'a str,
    /// `create`, `update`, `skip`, `rejected` or `cancelled`.
    verdict: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule: Option<&'static str>,
    /// Where the cloud documents the rule.
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<&'static str>,
    #[serde(skip_serializing_if = "str::is_empty")]
    code: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    message: &'a str,
    /// For a cancelled API, the rejected model it needs.
    #[serde(skip_serializing_if = "Option::is_none")]
    because: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonGroup<'a> {
    number: usize,
    count: usize,
    rule: Option<&'static str>,
    code: &'a str,
    signature: &'a str,
    example: &'a str,
    /// `GET /orders` or `model Pet`, per member.
    members: Vec<String>,
    /// For a consequence, the `number` of the group it follows from.
    cause: Option<usize>,
}

#[cfg(test)]
mod tests;
