//! Import processing: a parsed spec against a group, into a planned task.
//!
//! The gateway's verdict on each item comes from [`crate::provider::rules`], the rule set
//! `oaswatch check` applies too (docs/check.md). On top of it the simulator adds what no spec
//! predicts: internal errors at a scenario's rate, scripted failure messages, items stuck in
//! `Waiting`, hostile text; and it cancels an API whose `$ref` closure includes a model that
//! failed. What differs between gateways here is each cloud's [`ImportQuirks`]; creating a task
//! from a request (and its synchronous checks) is in the cloud's folder, on [`plan_items`] and
//! [`store_task`].
//!
//! The group is updated when the task is created (the gateway reserves the routes at once), so a
//! second import of the same spec sees the first one's APIs.

use std::collections::{BTreeSet, HashMap};
use std::time::Instant;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use super::engine::{self, Cause, Final, Item, Timeline, Timing};
use super::hostile;
use super::ids::Ids;
use super::scenario::Behaviour;
use super::state::{Group, GroupApi, GroupModel, Inner, Plan, PlanResult, Shared, SimTask};
use crate::domain::{ChangeAction, ProviderKind, SubtaskKind, TaskKind};
use crate::openapi::{Document, route_key};
use crate::provider::rules::{
    ExistingItem, GatewayRules, GroupState, ImportPlan, Refusal, Rule, Verdict, WholeRefusal,
};
use crate::provider::{self, rules};

/// Behaviour with every default filled in.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Resolved {
    pub duration: Option<f64>,
    pub queue: f64,
    pub internal_error_rate: f64,
    pub transient_error_rate: f64,
    pub stuck_waiting: u32,
    pub hostile: bool,
    /// When the task stalls and for how long (simulated seconds).
    pub stall: Option<(f64, f64)>,
}

pub(crate) fn resolve(behaviour: &Behaviour, defaults: &Behaviour) -> Resolved {
    let b = behaviour.or(defaults);
    Resolved {
        duration: b.duration_secs,
        queue: b.queue_secs.unwrap_or(2.0),
        internal_error_rate: b.internal_error_rate.unwrap_or(0.0),
        transient_error_rate: b.transient_error_rate.unwrap_or(0.0),
        stuck_waiting: b.stuck_waiting.unwrap_or(0),
        hostile: b.hostile_text.unwrap_or(false),
        stall: b.stall_at_secs.zip(b.stall_secs).filter(|(at, secs)| *at >= 0.0 && *secs > 0.0),
    }
}

/// Everything the rules need to know about one import.
pub(crate) struct ImportRules<'a> {
    pub provider: ProviderKind,
    pub doc: &'a Document,
    pub overwrite: bool,
    pub behaviour: Resolved,
    pub task_id: &'a str,
    /// Messages to fail the first operations with, in order, whatever the rules say.
    pub messages: Option<&'a [String]>,
    /// For an import that creates its group: the groups the gateway has already, whose names the
    /// new one may not take. Empty for an import into an existing group.
    pub other_groups: &'a [Group],
}

/// The planned items (not yet scheduled) and Alibaba's `WarningMessages`; or, when the gateway
/// refuses the import as a whole, that refusal and no items (the group is left as it was).
pub(crate) struct Planned {
    pub items: Vec<Item>,
    pub warnings: Vec<String>,
    pub refused: Option<WholeRefusal>,
}

fn fail(code: &str, message: String) -> Final {
    Final::Fail { code: code.to_owned(), message }
}

/// What the gateway's rules leave of `group`, as [`rules::plan`] reads it, with the gateway's
/// other groups for an import that creates `group`.
fn group_state<'a>(group: &'a Group, other_groups: &'a [Group]) -> GroupState<'a> {
    GroupState {
        id: &group.id,
        name: &group.name,
        base_path: &group.base_path,
        apis: group
            .apis
            .iter()
            .map(|a| ExistingItem { id: &a.id, name: &a.name, method: &a.method, path: &a.path })
            .collect(),
        models: group.models.iter().map(|m| ExistingItem { id: &m.id, name: &m.name, method: "", path: "" }).collect(),
        other_groups: other_groups
            .iter()
            .map(|g| ExistingItem { id: &g.id, name: &g.name, method: "", path: "" })
            .collect(),
    }
}

/// The ground-truth label of a refusal: the rule, or the one the cloud answers alike.
fn cause_of(gateway: &GatewayRules, rule: Rule) -> Cause {
    let shown = gateway.same_answer.iter().find(|(from, _)| *from == rule).map_or(rule, |(_, to)| *to);
    Cause::rule(shown.id())
}

/// The gateway's verdicts ([`rules::plan`], shared with `oaswatch check`; an import it refuses
/// as a whole stops there), then what only the simulator does: internal errors at the
/// scenario's rate, scripted messages, models' failures cancelling the APIs that need them,
/// stuck and hostile items.
pub(crate) fn plan_items(rules: &ImportRules<'_>, group: &mut Group, ids: Ids, seed: u64) -> Planned {
    let mut rng = StdRng::seed_from_u64(seed);
    let quirks = super::cloud(rules.provider).tasks.import_quirks;
    let gateway = provider::registration(rules.provider).rules;
    let doc = rules.doc;
    let rate = rules.behaviour.internal_error_rate;
    let new_id = |label: &str, n: usize| ids.hex32(&format!("{label}/{}", rules.task_id), n as u64);
    let plan = rules::plan(gateway, doc, &group_state(group, rules.other_groups), rules.overwrite);
    if plan.refused.is_some() {
        // The task fails as a whole: no item is imported, and the group is not made.
        return Planned { items: Vec::new(), warnings: plan.warnings, refused: plan.refused };
    }
    let internal_error = || fail(quirks.internal_error.0, quirks.internal_error.1.to_owned());

    let (mut model_items, failed_models) = model_items(gateway, &plan, doc, group, &mut rng, rate, &new_id);
    let mut api_items = Vec::new();
    for planned in &plan.apis {
        let n = planned.index;
        let op = &doc.operations[n];
        let roll: f64 = rng.random();
        let (mut outcome, mut cause) = match &planned.verdict {
            Verdict::Refused { rule: Rule::DependencyFailed, message, .. } => (
                Final::Cancel { message: message.clone() },
                Some(Cause { rule: Rule::DependencyFailed.id(), because: planned.because.clone(), decoration: None }),
            ),
            Verdict::Refused { rule, code, message } => (fail(code, message.clone()), Some(cause_of(gateway, *rule))),
            Verdict::Create if roll < rate => (internal_error(), Some(Cause::rule("internal-error"))),
            Verdict::Create => (Final::Over(ChangeAction::Create), None),
            Verdict::Update => (Final::Over(ChangeAction::Update), None),
            Verdict::Skip => (Final::Ignore, Some(Cause::rule("route-exists-merged"))),
        };
        if let Some(message) = rules.messages.and_then(|m| m.get(n)) {
            outcome = Final::Fail { code: String::new(), message: message.clone() };
            cause = Some(Cause::rule("scripted"));
        }
        // Models the gateway refused are in the plan; those that failed for other reasons
        // (internal errors) cancel the APIs that need them here.
        if matches!(outcome, Final::Over(_))
            && let Some(model) = rules::failed_dependency(doc, n, &failed_models)
        {
            let no_group = GroupState::default();
            let refusal = Refusal {
                method: &planned.method,
                path: &planned.path,
                name: &planned.name,
                other: Some(ExistingItem { id: "", name: model, method: "", path: "" }),
                ..Refusal::new(Rule::DependencyFailed, &no_group, &doc.base_path)
            };
            outcome = Final::Cancel { message: (gateway.refusal_text)(&refusal).1 };
            cause = Some(Cause { rule: Rule::DependencyFailed.id(), because: Some(model.clone()), decoration: None });
        }
        api_items.push(Item {
            kind: SubtaskKind::Api,
            id: planned.existing_id.clone().unwrap_or_else(|| new_id("api", n)),
            name: planned.name.clone(),
            method: planned.method.clone(),
            path: planned.path.clone(),
            description: op.description.clone().or_else(|| op.summary.clone()).unwrap_or_default(),
            group_id: group.id.clone(),
            outcome,
            timeline: Timeline::default(),
            cause,
        });
    }

    if quirks.stuck_waiting && rules.behaviour.stuck_waiting > 0 {
        let mut left = rules.behaviour.stuck_waiting;
        for item in api_items.iter_mut().rev() {
            if left == 0 {
                break;
            }
            if item.outcome == Final::Over(ChangeAction::Create) {
                item.outcome = Final::StuckWait;
                left -= 1;
            }
        }
    }
    if rules.behaviour.hostile {
        decorate_hostile(&mut api_items, quirks.internal_error);
    }

    apply_to_group(group, doc, &api_items, &model_items, quirks.reports_models);
    model_items.extend(api_items);
    Planned { items: model_items, warnings: plan.warnings, refused: None }
}

/// The models' items, and the names of those that failed.
fn model_items(
    gateway: &GatewayRules,
    plan: &ImportPlan,
    doc: &Document,
    group: &Group,
    rng: &mut StdRng,
    rate: f64,
    new_id: &dyn Fn(&str, usize) -> String,
) -> (Vec<Item>, BTreeSet<String>) {
    let mut items = Vec::new();
    let mut failed_models: BTreeSet<String> = BTreeSet::new();
    for planned in &plan.models {
        let roll: f64 = rng.random();
        let schema = &doc.schemas[planned.index];
        let (outcome, cause) = match &planned.verdict {
            Verdict::Refused { rule, code, message } => (fail(code, message.clone()), Some(cause_of(gateway, *rule))),
            Verdict::Create if roll < rate => {
                (fail("", "Internal Error\n".to_owned()), Some(Cause::rule("internal-error")))
            }
            Verdict::Create => (Final::Over(ChangeAction::Create), None),
            Verdict::Update | Verdict::Skip => (Final::Over(ChangeAction::Update), None),
        };
        if matches!(outcome, Final::Fail { .. }) {
            failed_models.insert(planned.name.clone());
        }
        items.push(Item {
            kind: SubtaskKind::Model,
            id: planned.existing_id.clone().unwrap_or_else(|| new_id("model", planned.index)),
            name: planned.name.clone(),
            method: String::new(),
            path: String::new(),
            description: schema.value.get("description").and_then(|d| d.as_str()).unwrap_or_default().to_owned(),
            group_id: group.id.clone(),
            outcome,
            timeline: Timeline::default(),
            cause,
        });
    }
    (items, failed_models)
}

/// Hostile text in descriptions and failure messages; a share of items is forced to fail so
/// the hostile messages are seen, and one message is 1 MiB. A gateway's own refusals keep its
/// words: their hostile text is what they echo from the spec.
fn decorate_hostile(items: &mut [Item], (code, internal_error): (&str, &str)) {
    for (k, item) in items.iter_mut().enumerate() {
        let (sample_name, sample) = hostile::nth_named(k);
        if k % 3 == 0 {
            item.description = format!("{} {sample}", item.description);
        }
        if k % 4 == 1 && item.outcome != Final::Ignore {
            item.outcome = fail(code, format!("{internal_error}: {sample}"));
            item.cause = Some(Cause { rule: "internal-error", because: None, decoration: Some(sample_name) });
        } else if let Final::Cancel { message } = &mut item.outcome {
            message.push(' ');
            message.push_str(sample);
            if let Some(cause) = &mut item.cause {
                cause.decoration = Some(sample_name);
            }
        }
        if k == 2 {
            item.outcome = fail(code, hostile::huge_message());
            item.cause = Some(Cause::rule("huge-message"));
        }
    }
}

/// Records what the import created or replaced in the group.
fn apply_to_group(group: &mut Group, doc: &Document, apis: &[Item], models: &[Item], reports_models: bool) {
    for (item, op) in apis.iter().zip(&doc.operations) {
        let Final::Over(action) = item.outcome else { continue };
        let mut operation = op.clone();
        operation.path.clone_from(&item.path);
        if operation.operation_id.is_none() {
            operation.operation_id = Some(item.name.clone());
        }
        let entry = GroupApi {
            id: item.id.clone(),
            name: item.name.clone(),
            method: item.method.clone(),
            path: item.path.clone(),
            description: item.description.clone(),
            operation: Some(operation),
        };
        // Only an update replaces; looking up every created API would make big imports quadratic.
        let existing = match action {
            ChangeAction::Update => {
                let key = route_key(&item.method, &item.path);
                group.apis.iter_mut().find(|a| route_key(&a.method, &a.path) == key)
            }
            ChangeAction::Create => None,
        };
        match existing {
            Some(existing) => *existing = entry,
            None => group.apis.push(entry),
        }
    }
    let imported: HashMap<&str, &Item> = if reports_models {
        models.iter().filter(|m| matches!(m.outcome, Final::Over(_))).map(|m| (m.name.as_str(), m)).collect()
    } else {
        HashMap::new()
    };
    for schema in &doc.schemas {
        let id = match imported.get(schema.name.as_str()) {
            Some(item) => item.id.clone(),
            None if reports_models => continue,
            // A cloud that does not report models (Huawei) keeps the definitions for export.
            None => format!("model-{}", schema.name),
        };
        let entry = GroupModel { id, name: schema.name.clone(), schema: Some(schema.value.clone()) };
        match group.models.iter_mut().find(|m| m.name == schema.name) {
            Some(existing) => *existing = entry,
            None => group.models.push(entry),
        }
    }
}

pub(crate) fn next_task_id(shared: &Shared, inner: &mut Inner) -> String {
    inner.created += 1;
    inner.stats.tasks_created += 1;
    shared.ids.hex32("task", inner.created)
}

/// Where a task comes from: its scenario name, how it behaves, when it was created.
#[derive(Clone, Debug)]
pub(crate) struct Origin {
    pub name: Option<String>,
    pub behaviour: Resolved,
    pub created: Instant,
    /// The scenario's `failure_messages`: operation n fails with message n.
    pub messages: Option<std::sync::Arc<[String]>>,
}

/// Schedules items and stores the task.
pub(crate) fn store_task(
    shared: &Shared,
    inner: &mut Inner,
    id: String,
    (provider, kind, scope): (ProviderKind, TaskKind, Option<String>),
    mut items: Vec<Item>,
    result: PlanResult,
    origin: &Origin,
) {
    let behaviour = origin.behaviour;
    let queue = behaviour.queue.max(0.0);
    let duration = behaviour.duration.unwrap_or_else(|| match kind {
        TaskKind::Import => engine::default_duration(items.len()),
        TaskKind::Export => 8.0,
    });
    let end = match (items.is_empty(), kind) {
        (false, _) => {
            let timing = Timing { queue, duration, transient_rate: behaviour.transient_error_rate };
            engine::schedule(&mut items, timing, shared.ids.rng_seed(&format!("schedule/{id}")))
        }
        (true, TaskKind::Export) => duration.max(queue + 0.5),
        // A failed or empty import still takes a while: validation, group checks, the file itself.
        (true, TaskKind::Import) => queue + (duration - queue).max(0.5) * 0.3,
    };
    let end = match behaviour.stall {
        Some((at, secs)) => engine::stall(&mut items, end, at, secs),
        None => end,
    };
    tracing::debug!(task = %id, name = origin.name.as_deref().unwrap_or("(api)"), %provider, items = items.len(), end, "simulated task created");
    let plan = Plan { queue, end, items, result };
    let task = SimTask { id: id.clone(), provider, kind, scope, created: origin.created, plan };
    inner.tasks.insert(id, task);
}

/// What a cloud's gateway does on import that its rules do not say
/// (`TaskFns::import_quirks`, in `sim/cloud.rs`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct ImportQuirks {
    /// The code and message of an item's internal error (`("", "Internal Error")`).
    pub internal_error: (&'static str, &'static str),
    /// Whether task results list models as items (Alibaba's `ModelResults`).
    pub reports_models: bool,
    /// Whether a behaviour's `stuck_waiting` leaves APIs in `WAIT` after the task finished
    /// (Alibaba, quirk 4).
    pub stuck_waiting: bool,
}

#[cfg(test)]
mod tests;
