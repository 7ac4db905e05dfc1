//! Huawei's part of the simulator's state, its instances (environments and groups), and the
//! tasks it creates: `async-import` and `async-export` after their synchronous checks, and the
//! scenario's start tasks ([`TASKS`] registers them with its import quirks). The plan itself is
//! shared (`sim/import.rs`, on `provider::rules`).

use super::export::{self, ExportRequest};
use super::scenario::Environment;
use super::setup;
use crate::domain::{ProviderKind, TaskKind, TaskRef};
use crate::openapi::{self, Document, OpenApiError, TargetVersion};
use crate::sim::SimError;
use crate::sim::cloud::{CloudState, StartTask, TaskFns};
use crate::sim::ids::Ids;
use crate::sim::import::{ImportQuirks, ImportRules, Origin, next_task_id, plan_items, store_task};
use crate::sim::scenario::Scenario;
use crate::sim::state::{Group, Inner, PlanResult, Shared};

/// Export versions of scenario tasks default to a fixed date, so the same seed gives the same
/// file; the API default (the current time) is what the real service uses.
const SCENARIO_EXPORT_VERSION: &str = "2024-01-01-00:00:00";

#[derive(Clone, Debug)]
pub(crate) struct Instance {
    pub id: String,
    pub environments: Vec<Environment>,
    pub groups: Vec<Group>,
}

/// Huawei's APIG instances.
#[derive(Debug, Default)]
pub(crate) struct Instances(pub Vec<Instance>);

impl Instances {
    pub(crate) fn get(&self, id: &str) -> Option<&Instance> {
        self.0.iter().find(|i| i.id == id)
    }

    pub(crate) fn get_mut(&mut self, id: &str) -> Option<&mut Instance> {
        self.0.iter_mut().find(|i| i.id == id)
    }
}

/// An instance of the simulator's state.
pub(crate) fn instance<'a>(inner: &'a Inner, id: &str) -> Option<&'a Instance> {
    inner.cloud::<Instances>()?.get(id)
}

/// Huawei's state and tasks, as its registration (`CLOUD` in `sim/huawei.rs`) holds them.
pub(super) const TASKS: TaskFns = TaskFns {
    initial_state,
    create_start_task,
    import_quirks: ImportQuirks {
        internal_error: ("APIG.9999", "System error"),
        reports_models: false,
        stuck_waiting: false,
    },
};

/// The instances a scenario declares.
fn initial_state(scenario: &Scenario, ids: Ids) -> Box<dyn CloudState> {
    let instances = setup(scenario)
        .instances
        .iter()
        .map(|i| Instance {
            id: i.id.clone(),
            environments: i.environments.clone(),
            groups: i.groups.iter().map(|g| Group::from_scenario(ids, &g.id, &g.name, "", &g.apis, &[])).collect(),
        })
        .collect();
    Box::new(Instances(instances))
}

fn task_ref(scenario: &Scenario, instance_id: &str, task_id: String) -> TaskRef {
    let setup = setup(scenario);
    TaskRef::Huawei {
        profile: None,
        region: setup.region.as_str().into(),
        project_id: setup.project_id.as_str().into(),
        instance_id: instance_id.into(),
        task_id: task_id.into(),
    }
}

/// A start task: an import into an instance (a new group or an existing one), or an export of
/// a group.
fn create_start_task(shared: &Shared, inner: &mut Inner, start: &StartTask<'_>) -> Result<TaskRef, SimError> {
    let (scenario, task) = (start.scenario, start.task);
    let instance_id =
        task.instance.clone().or_else(|| setup(scenario).instances.first().map(|i| i.id.clone())).unwrap_or_default();
    let id = match task.kind {
        TaskKind::Import => {
            let (text, name) = start.spec_text()?;
            let options = HuaweiImportOptions {
                is_create_group: task.is_create_group.unwrap_or(task.group.is_none()),
                group_id: task.group.clone(),
                api_mode_override: task.api_mode.as_deref() == Some("override"),
            };
            let parsed = openapi::parse(&text, &name);
            create_import(shared, inner, &instance_id, parsed, &options, &start.origin)
        }
        TaskKind::Export => {
            let instance = instance(inner, &instance_id).ok_or_else(|| start.fail("no such instance"))?;
            let group_id = task.group.clone().unwrap_or_default();
            let group = instance.groups.iter().find(|g| g.id == group_id).ok_or_else(|| start.fail("no such group"))?;
            let env = match &task.env {
                Some(id) => instance.environments.iter().find(|e| e.id == *id),
                None => instance.environments.first(),
            }
            .ok_or_else(|| start.fail("no such environment"))?;
            let request = ExportRequest {
                env_name: env.name.clone(),
                define: task.define.clone().unwrap_or_else(|| "spec".to_owned()),
                file_type: task.format.clone().unwrap_or_else(|| "json".to_owned()),
                target: match task.oas_version.as_deref() {
                    Some("3.0") => TargetVersion::OpenApi30,
                    _ => TargetVersion::Swagger2,
                },
                version: task.version.clone().unwrap_or_else(|| SCENARIO_EXPORT_VERSION.to_owned()),
                apis: None,
            };
            let result = export::export(group, &setup(scenario).region, &request).map_err(|m| start.fail(m))?;
            create_export(shared, inner, &instance_id, result, &start.origin)
        }
    };
    Ok(task_ref(scenario, &instance_id, id))
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
pub(crate) fn create_import(
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
    let (items, result) = match (parsed, inner.cloud_mut::<Instances>().get_mut(instance_id)) {
        (_, None) => failed("APIG.3030", "The instance does not exist".to_owned()),
        (Err(err), Some(_)) => failed(
            "APIG.2012",
            format!(
                "Invalid parameter value,parameterName:file_name,reason:{err}. Please refer to the support \
                 documentation"
            ),
        ),
        (Ok(doc), Some(instance)) => {
            let imported = |group: &Group| PlanResult::Import { group_id: group.id.clone(), swagger_id };
            if options.is_create_group {
                // The new group is named after the spec's title; whether that name is free is the
                // shared rule's to say (`group-name-exists`), as `check` predicts it.
                let mut group = Group::new(new_group_id, doc.title.clone(), String::new());
                let planned = plan_items(
                    &import_rules(&doc, options, origin, &id, &instance.groups),
                    &mut group,
                    shared.ids,
                    seed,
                );
                if let Some(refused) = planned.refused {
                    failed(&refused.code, refused.message)
                } else {
                    let result = imported(&group);
                    instance.groups.push(group);
                    (planned.items, result)
                }
            } else {
                let wanted = options.group_id.clone().unwrap_or_default();
                match instance.groups.iter_mut().find(|g| g.id == wanted) {
                    None => failed("APIG.3001", format!("The API group does not exist,id:{wanted}")),
                    Some(group) => {
                        let planned =
                            plan_items(&import_rules(&doc, options, origin, &id, &[]), group, shared.ids, seed);
                        (planned.items, imported(group))
                    }
                }
            }
        }
    };
    let meta = (ProviderKind::Huawei, TaskKind::Import, Some(instance_id.to_owned()));
    store_task(shared, inner, id.clone(), meta, items, result, origin);
    id
}

fn import_rules<'a>(
    doc: &'a Document,
    options: &HuaweiImportOptions,
    origin: &'a Origin,
    task_id: &'a str,
    other_groups: &'a [Group],
) -> ImportRules<'a> {
    ImportRules {
        provider: ProviderKind::Huawei,
        doc,
        overwrite: options.api_mode_override,
        behaviour: origin.behaviour,
        task_id,
        messages: origin.messages.as_deref(),
        other_groups,
    }
}

/// An export task whose document is already written.
pub(crate) fn create_export(
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
