//! The simulator's state: tasks and their plans, seen nonces, fault counters, lockouts and
//! statistics, and each cloud's own part (its groups; Huawei's instances) in
//! [`Inner::clouds`], typed by the cloud's folder. Groups with their APIs and models are the
//! shape every gateway shares.
//!
//! One `std::sync::Mutex` guards it; no lock is held across an `.await`. Time enters as
//! `Instant`s taken by the handlers.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use serde_json::Value;
use tokio::sync::watch;

use super::cloud::{CloudState, CloudStates};
use super::engine::Item;
use super::ids::Ids;
use super::scenario::{ExistingApi, Scenario};
use super::stats::SimStats;
use crate::domain::{ProviderKind, TaskKind};
use crate::openapi::Operation;

/// An API that exists in a group.
#[derive(Clone, Debug)]
pub(crate) struct GroupApi {
    pub id: String,
    pub name: String,
    pub method: String,
    /// Alibaba: relative to the group's base path. Huawei: the full request path.
    pub path: String,
    pub description: String,
    /// The definition it was imported from; scenario APIs have none and export as stubs.
    pub operation: Option<Operation>,
}

/// A model (schema) that exists in a group.
#[derive(Clone, Debug)]
pub(crate) struct GroupModel {
    pub id: String,
    pub name: String,
    pub schema: Option<Value>,
}

#[derive(Clone, Debug)]
pub(crate) struct Group {
    pub id: String,
    pub name: String,
    pub base_path: String,
    pub apis: Vec<GroupApi>,
    pub models: Vec<GroupModel>,
}

impl Group {
    pub(crate) fn new(id: String, name: String, base_path: String) -> Group {
        Group { id, name, base_path, apis: Vec::new(), models: Vec::new() }
    }

    /// A group as a scenario declares it; missing ids are derived from the seed.
    pub(crate) fn from_scenario(
        ids: Ids,
        id: &str,
        name: &str,
        base_path: &str,
        apis: &[ExistingApi],
        models: &[String],
    ) -> Group {
        let mut group = Group::new(id.to_owned(), name.to_owned(), base_path.to_owned());
        for (n, api) in apis.iter().enumerate() {
            let generated = crate::provider::rules::generated_name(&api.method, &api.path);
            group.apis.push(GroupApi {
                id: api.id.clone().unwrap_or_else(|| ids.hex32(&format!("existing-api/{id}"), n as u64)),
                name: api.name.clone().unwrap_or(generated),
                method: api.method.to_ascii_uppercase(),
                path: api.path.clone(),
                description: api.description.clone(),
                operation: None,
            });
        }
        for (n, model) in models.iter().enumerate() {
            group.models.push(GroupModel {
                id: ids.hex32(&format!("existing-model/{id}"), n as u64),
                name: model.clone(),
                schema: None,
            });
        }
        group
    }
}

/// How a task ends, beyond its items.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum PlanResult {
    /// An import whose outcome is its items'.
    Import { group_id: String, swagger_id: String },
    /// A task-level failure (Huawei), reported inside `task_result`.
    Failed { code: String, message: String },
    /// A finished export.
    Export { file_name: String, file_type: String, comment: String },
}

/// Everything a task will do, fixed at creation.
#[derive(Clone, Debug)]
pub(crate) struct Plan {
    /// Simulated seconds before anything starts (Huawei `waiting`).
    pub queue: f64,
    /// Simulated seconds until the task reports that it has finished.
    pub end: f64,
    pub items: Vec<Item>,
    pub result: PlanResult,
}

#[derive(Clone, Debug)]
pub(crate) struct SimTask {
    pub id: String,
    pub provider: ProviderKind,
    pub kind: TaskKind,
    /// Where the task lives inside its cloud, for clouds whose polls name it (Huawei: the
    /// instance); a poll that names another does not see the task.
    pub scope: Option<String>,
    pub created: Instant,
    pub plan: Plan,
}

/// Consecutive AK/SK failures of one Huawei access key.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Lockout {
    pub failures: u32,
    pub until: Option<Instant>,
}

/// What the watchers of one task saw: how many polls asked about it, and when an answer first
/// said it had finished (the simulator's own record, for benchmarks of how soon a watcher knows).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Watched {
    pub polls: u64,
    pub told_finished: Option<Instant>,
}

/// The mutable state.
#[derive(Debug, Default)]
pub(crate) struct Inner {
    /// Each cloud's own state (`TaskFns::initial_state`).
    pub clouds: CloudStates,
    pub tasks: HashMap<String, SimTask>,
    /// Tasks created so far (the counter behind their ids).
    pub created: u64,
    /// Requests answered so far (the counter behind request ids).
    pub requests: u64,
    pub nonces: HashMap<String, Instant>,
    pub fault_counters: Vec<u64>,
    /// Per fault, the task id its `task` selector names (scenario names resolved at start).
    pub fault_tasks: Vec<Option<String>>,
    pub lockouts: HashMap<String, Lockout>,
    pub stats: SimStats,
    /// Per task id, what its watchers saw.
    pub watched: HashMap<String, Watched>,
    /// What the credential services issued and were asked to do (`creds`).
    pub creds: super::creds::Issued,
}

impl Inner {
    /// A cloud's state, by its type.
    pub(crate) fn cloud<T: CloudState>(&self) -> Option<&T> {
        self.clouds.get()
    }

    pub(crate) fn cloud_mut<T: CloudState + Default>(&mut self) -> &mut T {
        self.clouds.get_mut()
    }

    /// Counts a poll of a task answered at `now`, and the first answer that said it finished.
    pub(crate) fn note_poll(&mut self, task_id: &str, finished: bool, now: Instant) {
        let watched = self.watched.entry(task_id.to_owned()).or_default();
        watched.polls += 1;
        if finished {
            watched.told_finished.get_or_insert(now);
        }
    }

    pub(crate) fn next_request(&mut self) -> u64 {
        self.requests += 1;
        self.requests
    }
}

/// What every handler shares.
#[derive(Debug)]
pub(crate) struct Shared {
    pub scenario: Scenario,
    pub speed: f64,
    pub seed: u64,
    pub ids: Ids,
    pub started: Instant,
    pub inner: Mutex<Inner>,
    pub connections: Arc<AtomicU64>,
    pub shutdown: watch::Receiver<bool>,
    /// `http://host:port` of the redirect target.
    pub redirect_base: String,
}

impl Shared {
    /// The state; a handler that panicked mid-update leaves it usable rather than wedging the
    /// simulator (every update is a few field writes).
    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Simulated seconds since start.
    pub(crate) fn sim_elapsed(&self, now: Instant) -> f64 {
        now.saturating_duration_since(self.started).as_secs_f64() * self.speed
    }

    /// Simulated seconds since a task was created.
    pub(crate) fn task_elapsed(&self, task: &SimTask, now: Instant) -> f64 {
        now.saturating_duration_since(task.created).as_secs_f64() * self.speed
    }

    /// Wall-clock seconds since start (credential expiry).
    pub(crate) fn wall_elapsed(&self, now: Instant) -> f64 {
        now.saturating_duration_since(self.started).as_secs_f64()
    }

    pub(crate) fn stats(&self) -> SimStats {
        let mut stats = self.lock().stats.clone();
        stats.connections = self.connections.load(Ordering::Relaxed);
        stats
    }
}
