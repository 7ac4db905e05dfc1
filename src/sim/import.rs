//! Import processing: a parsed spec against a group, through the rules a real gateway applies,
//! into a planned task.
//!
//! Rules, in order, per operation: the spec's base path must match the Alibaba group's; `cookie`
//! parameters and `formData` files cannot be mapped; a route may appear once per spec (templates
//! and trailing slashes do not distinguish routes, see [`crate::openapi::route_key`]); an API
//! name once per spec; a route already in the group fails (Alibaba, unless `Overwrite`) or is
//! skipped (Huawei `api_mode=merge`, reported in `ignore`) or updated (overwrite/override); a
//! name already used by another API in the group fails; then a configurable share of internal
//! errors. Alibaba models: a name already in the group fails unless `Overwrite`; an API whose
//! `$ref` closure includes a failed model is cancelled (`CANCEL`).
//!
//! The group is updated when the task is created (the gateway reserves the routes at once), so a
//! second import of the same spec sees the first one's APIs.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::time::Instant;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use super::engine::{self, Final, Item, Timeline, Timing};
use super::hostile;
use super::ids::Ids;
use super::scenario::Behaviour;
use super::state::{Group, GroupApi, GroupModel, Inner, Plan, PlanResult, Shared, SimTask};
use crate::domain::{ChangeAction, ProviderKind, SubtaskKind, TaskKind};
use crate::openapi::{Document, OpenApiError, Operation, ParamLocation, Parameter, route_key};

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

/// The name Alibaba gives an API whose operation has no `operationId`, in the springfox style
/// of its own example (`GetByCreatorIdUsingGET`).
pub(crate) fn generated_name(method: &str, path: &str) -> String {
    let mut name = String::new();
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(template) => {
                name.push_str("By");
                push_camel(&mut name, template);
            }
            None => push_camel(&mut name, segment),
        }
    }
    if name.is_empty() {
        name.push_str("Root");
    }
    format!("{name}Using{}", method.to_ascii_uppercase())
}

fn push_camel(out: &mut String, text: &str) {
    for word in text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.extend(first.to_uppercase());
            out.push_str(chars.as_str());
        }
    }
}

/// `base` + `path` with exactly one slash between them.
pub(crate) fn join_path(base: &str, path: &str) -> String {
    let base = base.trim_end_matches('/');
    if path.starts_with('/') { format!("{base}{path}") } else { format!("{base}/{path}") }
}

/// The first parameter a gateway cannot map, if any.
fn unsupported_parameter(op: &Operation) -> Option<&Parameter> {
    op.parameters
        .iter()
        .find(|p| p.location == ParamLocation::Cookie || (p.location == ParamLocation::FormData && p.is_file))
}

fn location_label(p: &Parameter) -> &'static str {
    if p.is_file { "formData (file)" } else { p.location.as_str() }
}

/// Everything the rules need to know about one import.
pub(crate) struct ImportRules<'a> {
    pub provider: ProviderKind,
    pub doc: &'a Document,
    pub overwrite: bool,
    pub behaviour: Resolved,
    pub task_id: &'a str,
}

/// The planned items (not yet scheduled) and Alibaba's `WarningMessages`.
pub(crate) struct Planned {
    pub items: Vec<Item>,
    pub warnings: Vec<String>,
}

fn fail(code: &str, message: String) -> Final {
    Final::Fail { code: code.to_owned(), message }
}

#[expect(clippy::too_many_lines, reason = "the rules read best as one ordered list")]
pub(crate) fn plan_items(rules: &ImportRules<'_>, group: &mut Group, ids: Ids, seed: u64) -> Planned {
    let mut rng = StdRng::seed_from_u64(seed);
    let aliyun = rules.provider == ProviderKind::Aliyun;
    let doc = rules.doc;
    let rate = rules.behaviour.internal_error_rate;
    let new_id = |label: &str, n: usize| ids.hex32(&format!("{label}/{}", rules.task_id), n as u64);
    let mut warnings = Vec::new();

    // Models first: Alibaba imports them before the APIs that use them.
    let mut model_items = Vec::new();
    let mut failed_models: BTreeSet<String> = BTreeSet::new();
    if aliyun {
        for (n, schema) in doc.schemas.iter().enumerate() {
            let roll: f64 = rng.random();
            let existing = group.models.iter().find(|m| m.name == schema.name);
            let outcome = match existing {
                Some(model) if !rules.overwrite => fail(
                    "",
                    format!("The model [{}] already exists in group {} (model {}).\n", schema.name, group.id, model.id),
                ),
                Some(_) => Final::Over(ChangeAction::Update),
                None if roll < rate => fail("", "Internal Error\n".to_owned()),
                None => Final::Over(ChangeAction::Create),
            };
            if matches!(outcome, Final::Fail { .. }) {
                failed_models.insert(schema.name.clone());
            }
            model_items.push(Item {
                kind: SubtaskKind::Model,
                id: existing.map_or_else(|| new_id("model", n), |m| m.id.clone()),
                name: schema.name.clone(),
                method: String::new(),
                path: String::new(),
                description: schema.value.get("description").and_then(|d| d.as_str()).unwrap_or_default().to_owned(),
                group_id: group.id.clone(),
                outcome,
                timeline: Timeline::default(),
            });
        }
    }

    let group_base = group.base_path.trim_end_matches('/');
    let base_mismatch = aliyun && !group_base.is_empty() && group_base != doc.base_path;
    let mut first_of_route: HashMap<String, (String, String)> = HashMap::new();
    let mut names_in_spec: HashSet<String> = HashSet::new();
    let mut api_items = Vec::new();
    for (n, op) in doc.operations.iter().enumerate() {
        let roll: f64 = rng.random();
        let path = if aliyun { op.path.clone() } else { join_path(&doc.base_path, &op.path) };
        let method = op.method.clone();
        let name = op.operation_id.clone().unwrap_or_else(|| generated_name(&method, &op.path));
        if aliyun && op.operation_id.is_none() {
            warnings.push(format!(
                "The operationId of API [{method} {path}] is empty; the API name [{name}] is generated."
            ));
        }
        let key = route_key(&method, &path);
        let existing = group.apis.iter().find(|a| route_key(&a.method, &a.path) == key);
        let id = existing.map_or_else(|| new_id("api", n), |a| a.id.clone());
        let mut outcome = if base_mismatch {
            fail(
                "",
                format!(
                    "The basePath [{}] of the OAS data does not match the basePath [{group_base}] of API group {} ({}).",
                    if doc.base_path.is_empty() { "/" } else { &doc.base_path },
                    group.name,
                    group.id
                ),
            )
        } else if let Some(p) = unsupported_parameter(op) {
            if aliyun {
                fail(
                    "",
                    format!(
                        "The parameter [{}] in [{}] of API [{method} {path}] is not supported. Parameters can be in \
                         path, query, header, formData (no files) or body.",
                        p.name,
                        location_label(p)
                    ),
                )
            } else {
                fail(
                    "APIG.2012",
                    format!(
                        "Invalid parameter value,parameterName:{}.location,value:{}. Please refer to the support \
                         documentation",
                        p.name,
                        location_label(p).to_ascii_uppercase()
                    ),
                )
            }
        } else if let Some((first_name, first_id)) = first_of_route.get(&key) {
            if aliyun {
                fail(
                    "",
                    format!(
                        "Duplicate API definition [{method} {path}] in the OAS data: the route is already defined by \
                         API [{first_name}]."
                    ),
                )
            } else {
                fail(
                    "APIG.3302",
                    format!(
                        "The API definition already exists,method:{method},path:{path},api_id:{first_id}. Please \
                         refer to the support documentation"
                    ),
                )
            }
        } else if names_in_spec.contains(&name) {
            if aliyun {
                fail("", format!("Duplicate API name [{name}] in the OAS data, API [{method} {path}]."))
            } else {
                fail(
                    "APIG.3301",
                    format!("The API name already exists,name:{name}. Please refer to the support documentation"),
                )
            }
        } else if let Some(existing) = existing {
            if rules.overwrite {
                Final::Over(ChangeAction::Update)
            } else if aliyun {
                fail(
                    "",
                    format!(
                        "An API with the same method and path already exists in group {}: [{method} {}] is API {} \
                         ({}). Set Overwrite to true to replace it.",
                        group.id, existing.path, existing.name, existing.id
                    ),
                )
            } else {
                Final::Ignore
            }
        } else if let Some(other) = group.apis.iter().find(|a| a.name == name) {
            if aliyun {
                fail("", format!("The API name [{name}] already exists in group {} (API {}).", group.id, other.id))
            } else {
                fail(
                    "APIG.3301",
                    format!("The API name already exists,name:{name}. Please refer to the support documentation"),
                )
            }
        } else if roll < rate {
            if aliyun { fail("", "Internal Error".to_owned()) } else { fail("APIG.9999", "System error".to_owned()) }
        } else {
            Final::Over(ChangeAction::Create)
        };
        first_of_route.entry(key).or_insert_with(|| (name.clone(), id.clone()));
        names_in_spec.insert(name.clone());
        if aliyun && matches!(outcome, Final::Over(_)) && !failed_models.is_empty() {
            let needs = doc.operation_schemas(n);
            if let Some(model) = needs.iter().find(|m| failed_models.contains(*m)) {
                outcome = Final::Cancel {
                    message: format!(
                        "The import of API [{method} {path}] was cancelled because model [{model}] failed to import."
                    ),
                };
            }
        }
        api_items.push(Item {
            kind: SubtaskKind::Api,
            id,
            name,
            method,
            path,
            description: op.description.clone().or_else(|| op.summary.clone()).unwrap_or_default(),
            group_id: group.id.clone(),
            outcome,
            timeline: Timeline::default(),
        });
    }

    if aliyun && rules.behaviour.stuck_waiting > 0 {
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
        decorate_hostile(&mut api_items, aliyun);
    }

    apply_to_group(group, doc, &api_items, &model_items, aliyun);
    model_items.extend(api_items);
    Planned { items: model_items, warnings }
}

/// Hostile text in descriptions and failure messages; a share of items is forced to fail so
/// the hostile messages are seen, and one message is 1 MiB.
fn decorate_hostile(items: &mut [Item], aliyun: bool) {
    for (k, item) in items.iter_mut().enumerate() {
        let sample = hostile::nth(k);
        if k % 3 == 0 {
            item.description = format!("{} {sample}", item.description);
        }
        if k % 4 == 1 && item.outcome == Final::Over(ChangeAction::Create) {
            item.outcome = if aliyun {
                fail("", format!("Internal Error: {sample}"))
            } else {
                fail("APIG.9999", format!("System error: {sample}"))
            };
        } else if let Final::Fail { message, .. } | Final::Cancel { message } = &mut item.outcome {
            message.push(' ');
            message.push_str(sample);
        }
        if k == 2 {
            let code = if aliyun { "" } else { "APIG.9999" };
            item.outcome = fail(code, hostile::huge_message());
        }
    }
}

/// Records what the import created or replaced in the group.
fn apply_to_group(group: &mut Group, doc: &Document, apis: &[Item], models: &[Item], aliyun: bool) {
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
    let imported: HashMap<&str, &Item> = if aliyun {
        models.iter().filter(|m| matches!(m.outcome, Final::Over(_))).map(|m| (m.name.as_str(), m)).collect()
    } else {
        HashMap::new()
    };
    for schema in &doc.schemas {
        let id = match imported.get(schema.name.as_str()) {
            Some(item) => item.id.clone(),
            None if aliyun => continue,
            // Huawei does not report models; it keeps the definitions for export.
            None => format!("model-{}", schema.name),
        };
        let entry = GroupModel { id, name: schema.name.clone(), schema: Some(schema.value.clone()) };
        match group.models.iter_mut().find(|m| m.name == schema.name) {
            Some(existing) => *existing = entry,
            None => group.models.push(entry),
        }
    }
}

fn next_task_id(shared: &Shared, inner: &mut Inner) -> String {
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
}

/// Schedules items and stores the task.
fn store_task(
    shared: &Shared,
    inner: &mut Inner,
    id: String,
    (provider, kind, instance_id): (ProviderKind, TaskKind, Option<String>),
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
    let task = SimTask { id: id.clone(), provider, kind, instance_id, created: origin.created, plan };
    inner.tasks.insert(id, task);
}

/// `ImportOAS` after its synchronous checks: the group exists and the spec parsed.
pub(crate) fn create_aliyun_import(
    shared: &Shared,
    inner: &mut Inner,
    group_id: &str,
    doc: &Document,
    overwrite: bool,
    origin: &Origin,
) -> Option<(String, Vec<String>)> {
    let id = next_task_id(shared, inner);
    let seed = shared.ids.rng_seed(&format!("plan/{id}"));
    let group = inner.aliyun_group_mut(group_id)?;
    let rules =
        ImportRules { provider: ProviderKind::Aliyun, doc, overwrite, behaviour: origin.behaviour, task_id: &id };
    let planned = plan_items(&rules, group, shared.ids, seed);
    let result = PlanResult::Import { group_id: group_id.to_owned(), swagger_id: String::new() };
    store_task(
        shared,
        inner,
        id.clone(),
        (ProviderKind::Aliyun, TaskKind::Import, None),
        planned.items,
        result,
        origin,
    );
    Some((id, planned.warnings))
}

/// The multipart fields of `async-import` that shape the result.
#[derive(Clone, Debug)]
pub(crate) struct HuaweiImportOptions {
    pub is_create_group: bool,
    pub group_id: Option<String>,
    pub api_mode_override: bool,
}

/// `async-import` after its synchronous checks: the instance exists. A spec that does not parse,
/// a group name that is taken, or a group that does not exist fail the task, not the request.
pub(crate) fn create_huawei_import(
    shared: &Shared,
    inner: &mut Inner,
    instance_id: &str,
    parsed: Result<Document, OpenApiError>,
    options: &HuaweiImportOptions,
    origin: &Origin,
) -> String {
    let id = next_task_id(shared, inner);
    let seed = shared.ids.rng_seed(&format!("plan/{id}"));
    let new_group_id = shared.ids.hex32("group", inner.created);
    let swagger_id = shared.ids.hex32("swagger", inner.created);
    let failed = |code: &str, message: String| (Vec::new(), PlanResult::Failed { code: code.to_owned(), message });
    let (items, result) = match (parsed, inner.instance_mut(instance_id)) {
        (_, None) => failed("APIG.3030", "The instance does not exist".to_owned()),
        (Err(err), Some(_)) => failed(
            "APIG.2012",
            format!(
                "Invalid parameter value,parameterName:file_name,reason:{err}. Please refer to the support \
                 documentation"
            ),
        ),
        (Ok(doc), Some(instance)) => {
            let group = if options.is_create_group {
                if instance.groups.iter().any(|g| g.name == doc.title) {
                    Err(("APIG.3201", "The API group name already exists".to_owned()))
                } else {
                    instance.groups.push(Group::new(new_group_id, doc.title.clone(), String::new()));
                    Ok(instance.groups.len() - 1)
                }
            } else {
                let wanted = options.group_id.clone().unwrap_or_default();
                instance
                    .groups
                    .iter()
                    .position(|g| g.id == wanted)
                    .ok_or(("APIG.3001", format!("The API group does not exist,id:{wanted}")))
            };
            match group {
                Err((code, message)) => failed(code, message),
                Ok(index) => {
                    let group = &mut instance.groups[index];
                    let rules = ImportRules {
                        provider: ProviderKind::Huawei,
                        doc: &doc,
                        overwrite: options.api_mode_override,
                        behaviour: origin.behaviour,
                        task_id: &id,
                    };
                    let planned = plan_items(&rules, group, shared.ids, seed);
                    (planned.items, PlanResult::Import { group_id: group.id.clone(), swagger_id })
                }
            }
        }
    };
    let meta = (ProviderKind::Huawei, TaskKind::Import, Some(instance_id.to_owned()));
    store_task(shared, inner, id.clone(), meta, items, result, origin);
    id
}

/// An export task whose document is already written.
pub(crate) fn create_huawei_export(
    shared: &Shared,
    inner: &mut Inner,
    instance_id: &str,
    result: PlanResult,
    origin: &Origin,
) -> String {
    let id = next_task_id(shared, inner);
    let meta = (ProviderKind::Huawei, TaskKind::Export, Some(instance_id.to_owned()));
    store_task(shared, inner, id.clone(), meta, Vec::new(), result, origin);
    id
}

#[cfg(test)]
mod tests;
