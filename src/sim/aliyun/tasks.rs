//! Alibaba's part of the simulator's state, its groups, and the tasks it creates: an
//! `ImportOAS` after its synchronous checks, and the scenario's start tasks (Alibaba has no
//! asynchronous export; [`TASKS`] registers them with its import quirks). The plan itself is
//! shared (`sim/import.rs`, on `provider::rules`).

use super::setup;
use crate::domain::{ProviderKind, TaskKind, TaskRef};
use crate::openapi::Document;
use crate::sim::SimError;
use crate::sim::cloud::{CloudState, StartTask, TaskFns};
use crate::sim::ids::Ids;
use crate::sim::import::{ImportQuirks, ImportRules, Origin, next_task_id, plan_items, store_task};
use crate::sim::scenario::Scenario;
use crate::sim::state::{Group, Inner, PlanResult, Shared};

/// Alibaba's API groups.
#[derive(Debug, Default)]
pub(crate) struct Groups(pub Vec<Group>);

impl Groups {
    pub(crate) fn get(&self, id: &str) -> Option<&Group> {
        self.0.iter().find(|g| g.id == id)
    }

    pub(crate) fn get_mut(&mut self, id: &str) -> Option<&mut Group> {
        self.0.iter_mut().find(|g| g.id == id)
    }
}

/// Alibaba's state and tasks, as its registration (`CLOUD` in `sim/aliyun.rs`) holds them.
pub(super) const TASKS: TaskFns = TaskFns {
    initial_state,
    create_start_task,
    import_quirks: ImportQuirks { internal_error: ("", "Internal Error"), reports_models: true, stuck_waiting: true },
};

/// The groups a scenario declares.
fn initial_state(scenario: &Scenario, ids: Ids) -> Box<dyn CloudState> {
    let groups = setup(scenario)
        .groups
        .iter()
        .map(|g| Group::from_scenario(ids, &g.id, &g.name, &g.base_path, &g.apis, &g.models))
        .collect();
    Box::new(Groups(groups))
}

/// A start task: an import into a scenario group.
fn create_start_task(shared: &Shared, inner: &mut Inner, start: &StartTask<'_>) -> Result<TaskRef, SimError> {
    let task = start.task;
    if task.kind != TaskKind::Import {
        return Err(start.fail("Alibaba has no asynchronous export"));
    }
    let doc = start.spec()?;
    let group = task.group.clone().unwrap_or_default();
    let (id, _) = create_import(shared, inner, &group, &doc, task.overwrite, &start.origin)
        .ok_or_else(|| start.fail(format!("no Alibaba group `{group}`")))?;
    Ok(TaskRef::Aliyun { profile: None, region: setup(start.scenario).region.as_str().into(), operation_id: id.into() })
}

/// `ImportOAS` after its synchronous checks: the group exists and the spec parsed.
pub(crate) fn create_import(
    shared: &Shared,
    inner: &mut Inner,
    group_id: &str,
    doc: &Document,
    overwrite: bool,
    origin: &Origin,
) -> Option<(String, Vec<String>)> {
    let id = next_task_id(shared, inner);
    let seed = shared.ids.rng_seed(&format!("plan/{id}"));
    let group = inner.cloud_mut::<Groups>().get_mut(group_id)?;
    let rules = ImportRules {
        provider: ProviderKind::Aliyun,
        doc,
        overwrite,
        behaviour: origin.behaviour,
        task_id: &id,
        messages: origin.messages.as_deref(),
        // ImportOAS always imports into a group that exists.
        other_groups: &[],
    };
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
