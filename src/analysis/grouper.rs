//! The grouping engine of one task: which failure group each failed, cancelled or explained
//! skipped subtask is in, kept from snapshot to snapshot.
//!
//! Owns the task's [`Miner`], the memo of what each failure's text became (its cluster and the
//! failures it names), and the assembly of a snapshot's [`FailureGroup`]s: clusters of causes,
//! each with the consequences folded under it. Pure; the dashboard keeps one per watched task on
//! its preparation worker, the CLI makes one per report.
//!
//! Incremental: a failure whose state, name and error were met in an earlier snapshot costs one
//! hash lookup, so a poll that adds k failures normalises and mines k messages, not all of them.
//! A group's identity is its cluster (plus, for consequences, its cause's cluster): stable as
//! members join, so the view can keep its selection.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::BuildHasher as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::consequences::{ProblemNames, can_be_consequence, root_cause};
use super::groups::{CANCELLED_NO_TEXT, FailureGroup, NO_ERROR_TEXT};
use super::miner::{Item, Miner, render};
use super::signature::{Names, Normaliser};
use crate::domain::{Subtask, SubtaskKind, SubtaskState};

/// Engines made so far, so that each has an id of its own.
static ENGINES: AtomicU64 = AtomicU64::new(1);

/// What a failure's text became.
#[derive(Clone, Debug)]
struct Assigned {
    cluster: u32,
    /// The names of other failures its message gave, in order (consequences only).
    references: Option<References>,
    /// The last snapshot that had this failure, so failures gone from the task are forgotten.
    seen: u32,
}

/// Names a message gave, shared by every failure with that message.
type References = Arc<[Box<str>]>;

/// A grouped subtask of a snapshot: (position, cluster, references).
type Met = (u32, u32, Option<References>);

/// A snapshot's grouped subtasks by position: their cluster and references.
type ByPosition<'a> = HashMap<u32, (u32, Option<&'a [Box<str>]>), foldhash::fast::RandomState>;

/// A cluster's template as groups hand it out, rebuilt only when the template changed.
#[derive(Clone, Debug)]
struct Shown {
    version: u32,
    items: Arc<[Item]>,
    signature: Arc<str>,
}

/// The names masked when grouping: other failures a consequence names, never the subtask's own
/// name. Which words of a message are names is learned (a model called `Error` failing with
/// "Internal Error" must not read "Internal {name}", apart from every other internal error).
pub(crate) fn grouping_names(references: Option<super::signature::Refer<'_>>) -> Names<'_> {
    Names { own: "", references }
}

/// Whether a subtask belongs in a failure group: failed, cancelled, or skipped with a reason.
pub fn in_groups(subtask: &Subtask) -> bool {
    subtask.state.is_problem() || (subtask.state == SubtaskState::Skipped && subtask.has_error())
}

/// The grouping engine of one task.
#[derive(Clone, Debug)]
pub struct Grouper {
    engine: u64,
    miner: Miner,
    /// (error code, has text) of each partition of the miner, by partition number.
    parts: Vec<(Box<str>, bool)>,
    memo: HashMap<u64, Assigned, foldhash::fast::RandomState>,
    /// Snapshots grouped so far.
    generation: u32,
    /// foldhash, seeded per engine: about 4x SipHash's speed over kilobyte-long stack traces.
    hasher: foldhash::quality::RandomState,
    normaliser: Normaliser,
    shown: Vec<Option<Shown>>,
}

impl Default for Grouper {
    fn default() -> Self {
        Grouper::new()
    }
}

impl Grouper {
    pub fn new() -> Grouper {
        Grouper {
            engine: ENGINES.fetch_add(1, Ordering::Relaxed),
            miner: Miner::new(),
            parts: Vec::new(),
            memo: HashMap::default(),
            generation: 0,
            hasher: foldhash::quality::RandomState::default(),
            normaliser: Normaliser::new(),
            shown: Vec::new(),
        }
    }

    /// This engine's id, which the groups it makes carry.
    pub fn engine(&self) -> u64 {
        self.engine
    }

    /// Clusters made so far (a cluster is a group of causes, or of consequences of several).
    pub fn clusters(&self) -> usize {
        self.miner.clusters().len()
    }

    /// The failure groups of a snapshot of the task: causes biggest first (counting what they
    /// caused), each followed by the consequences folded under it. Remembers what it worked out
    /// for the next snapshot and forgets failures this one no longer has.
    pub fn group(&mut self, subtasks: &[Subtask]) -> Vec<FailureGroup> {
        self.generation = self.generation.wrapping_add(1);
        let generation = self.generation;
        // The names of failures matter only to consequences; most snapshots have none to work out.
        let needs_names = subtasks.iter().any(|s| can_be_consequence(s.state) && s.has_error());
        let names = if needs_names { ProblemNames::of(subtasks) } else { ProblemNames::default() };
        let mut of: Vec<Met> = Vec::with_capacity(subtasks.len() / 4);
        if self.memo.is_empty() {
            // A first snapshot: room for all of its failures at once rather than by doubling.
            self.memo.reserve(subtasks.iter().filter(|s| in_groups(s)).count());
        }
        for (position, subtask) in subtasks.iter().enumerate() {
            if !in_groups(subtask) {
                continue;
            }
            let key = self.hasher.hash_one((subtask.state, subtask.kind, subtask.name(), subtask.error_identity()));
            let assigned = if let Some(known) = self.memo.get_mut(&key) {
                known.seen = generation;
                (known.cluster, known.references.clone())
            } else {
                let assigned = self.assign(subtask, &names);
                let found = (assigned.cluster, assigned.references.clone());
                self.memo.insert(key, assigned);
                found
            };
            of.push((u32::try_from(position).unwrap_or(u32::MAX), assigned.0, assigned.1));
        }
        // Forget failures gone from the task, in one sweep once they are as many as the rest.
        if self.memo.len() > 2 * of.len() + 64 {
            self.memo.retain(|_, a| a.seen == generation);
        }
        self.assemble(subtasks, &names, &of)
    }

    /// Works out a failure met for the first time.
    fn assign(&mut self, subtask: &Subtask, names: &ProblemNames<'_>) -> Assigned {
        let message = subtask.error_message();
        let code = subtask.error_code().trim();
        let has_text = !message.trim().is_empty();
        let part = if let Some(part) = self.parts.iter().position(|(c, t)| **c == *code && *t == has_text) {
            part
        } else {
            self.parts.push((code.into(), has_text));
            self.parts.len() - 1
        };
        let part = u32::try_from(part).unwrap_or(u32::MAX);
        let seen = self.generation;
        if !has_text {
            let text = if subtask.state == SubtaskState::Cancelled { CANCELLED_NO_TEXT } else { NO_ERROR_TEXT };
            return Assigned { cluster: self.miner.assign(part, text), references: None, seen };
        }
        let found: RefCell<Vec<Box<str>>> = RefCell::new(Vec::new());
        let refer = |word: &str| {
            let mask = names.mask(word)?;
            let mut found = found.borrow_mut();
            if !found.iter().any(|f| &**f == word) {
                found.push(word.into());
            }
            Some(mask)
        };
        let consequence = can_be_consequence(subtask.state) && !names.is_empty();
        let context = grouping_names(consequence.then_some(&refer as &dyn Fn(&str) -> _));
        let signature = self.normaliser.normalise_with(&message, context);
        let cluster = self.miner.assign(part, signature);
        let found = found.into_inner();
        Assigned { cluster, references: (!found.is_empty()).then(|| found.into()), seen }
    }

    /// The groups of a snapshot from what each failure was assigned.
    fn assemble(&mut self, subtasks: &[Subtask], names: &ProblemNames<'_>, of: &[Met]) -> Vec<FailureGroup> {
        // Only consequences need to look other failures up; most snapshots have few.
        let any_references = of.iter().any(|(_, _, r)| r.is_some());
        let at: ByPosition<'_> = if any_references {
            of.iter().map(|(p, c, r)| (*p, (*c, r.as_deref()))).collect()
        } else {
            HashMap::default()
        };
        // Causes by cluster in a table; consequences (cluster, cause) in a map.
        let mut own: Vec<usize> = vec![usize::MAX; self.miner.clusters().len()];
        let mut parts: HashMap<(u32, u32), usize> = HashMap::new();
        let mut groups: Vec<FailureGroup> = Vec::new();
        for (position, cluster, references) in of {
            let (position, cluster) = (*position, *cluster);
            let subtask = &subtasks[position as usize];
            let cause = match references {
                Some(references) if can_be_consequence(subtask.state) => {
                    root_cause(references, names, |p| at.get(&p).and_then(|(_, r)| *r))
                        .and_then(|root| at.get(&root).map(|(c, _)| *c))
                        .filter(|cause| *cause != cluster)
                }
                _ => None,
            };
            let slot = match cause {
                None if own[cluster as usize] != usize::MAX => own[cluster as usize],
                None => {
                    groups.push(self.empty_group(cluster, None, subtask));
                    own[cluster as usize] = groups.len() - 1;
                    groups.len() - 1
                }
                Some(cause) => *parts.entry((cluster, cause)).or_insert_with(|| {
                    groups.push(self.empty_group(cluster, Some(cause), subtask));
                    groups.len() - 1
                }),
            };
            let group = &mut groups[slot];
            group.members.push(position);
            match subtask.kind {
                SubtaskKind::Api => group.apis += 1,
                SubtaskKind::Model => group.models += 1,
            }
            match subtask.state {
                SubtaskState::Cancelled => group.cancelled += 1,
                SubtaskState::Skipped => group.skipped += 1,
                _ => {}
            }
        }
        super::groups::order(groups)
    }

    fn empty_group(&mut self, cluster: u32, cause: Option<u32>, first: &Subtask) -> FailureGroup {
        let shown = self.shown(cluster);
        FailureGroup {
            cluster,
            cause,
            engine: self.engine,
            signature: shown.signature.to_string(),
            template: shown.items,
            code: first.error_code().trim().to_owned(),
            apis: 0,
            models: 0,
            cancelled: 0,
            skipped: 0,
            example: first.error_message().into_owned(),
            members: Vec::new(),
            consequences: 0,
        }
    }

    fn shown(&mut self, cluster: u32) -> Shown {
        let Some(current) = self.miner.cluster(cluster) else {
            return Shown { version: 0, items: Arc::from([]), signature: Arc::from("") };
        };
        let index = cluster as usize;
        if self.shown.len() <= index {
            self.shown.resize(index + 1, None);
        }
        match &self.shown[index] {
            Some(shown) if shown.version == current.version() => shown.clone(),
            _ => {
                let shown = Shown {
                    version: current.version(),
                    items: current.items().into(),
                    signature: render(current.items()).into(),
                };
                self.shown[index] = Some(shown.clone());
                shown
            }
        }
    }
}
