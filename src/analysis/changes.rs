//! "Changed since you last looked": per task, the state of every subtask as of the last time the
//! user looked at it, and which subtasks differ in a newer snapshot.
//!
//! Owns the baselines and the subtask identity. The UI decides what "looked" means (opening the
//! task, leaving it) and calls [`ChangeTracker::mark_seen`] then; it marks the rows of
//! [`ChangeTracker::changed`] until the next `mark_seen`, and may offer "show only changes".
//! Pure; no clock, no I/O.
//!
//! A subtask's identity is its kind plus the provider's id, or, when the id is empty (Huawei
//! failures, Alibaba items that were never created), its kind, method, path and name. Two
//! subtasks with the same identity in one snapshot (the same operation listed twice) are told
//! apart by their order of appearance. Positions in the array are not identities: Huawei lists
//! successes, then failures, so an item's position moves when another one changes state.
//!
//! Memory: a baseline is 8 bytes per subtask, a sorted `Vec<u64>` of a 61-bit identity hash
//! with the state in the low 3 bits, never clones of the strings (800 KB for 100,000 subtasks).
//! Two identities colliding in 61 bits (about 1 in 10⁹ for 100,000 subtasks) would at worst
//! hide or show one change mark.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use crate::domain::{Subtask, SubtaskState, Task, TaskRef};

const STATE_BITS: u64 = 0b111;

/// The subtasks of a snapshot that changed state since the user last looked.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChangedSet {
    /// Indices into `task.subtasks`, ascending.
    indices: Vec<u32>,
    /// How many of `indices` were not in the baseline at all (new subtasks).
    appeared: u32,
    /// Subtasks of the baseline missing from the snapshot (no index to mark).
    removed: u32,
    has_baseline: bool,
}

impl ChangedSet {
    /// Whether subtask `index` changed (or appeared) since the user last looked.
    pub fn contains(&self, index: usize) -> bool {
        u32::try_from(index).is_ok_and(|i| self.indices.binary_search(&i).is_ok())
    }

    /// The changed subtasks' indices in task order, for "show only changes".
    pub fn indices(&self) -> &[u32] {
        &self.indices
    }

    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.indices.iter().filter_map(|&i| usize::try_from(i).ok())
    }

    pub fn len(&self) -> usize {
        self.indices.len()
    }

    pub fn is_empty(&self) -> bool {
        self.indices.is_empty()
    }

    /// How many of the changes are subtasks that did not exist when the user last looked.
    pub fn appeared(&self) -> u32 {
        self.appeared
    }

    /// How many subtasks the user saw that the snapshot no longer lists.
    pub fn removed(&self) -> u32 {
        self.removed
    }

    /// False when the user never looked at this task: there is nothing to compare with, so the
    /// set is empty rather than "everything changed".
    pub fn has_baseline(&self) -> bool {
        self.has_baseline
    }
}

/// Packed (identity, state) pairs, sorted.
#[derive(Clone, Debug, Default)]
struct Baseline {
    entries: Vec<u64>,
}

impl Baseline {
    fn of(task: &Task) -> Baseline {
        let mut entries: Vec<u64> = identities(&task.subtasks)
            .into_iter()
            .zip(task.subtasks.iter())
            .map(|(identity, subtask)| (identity & !STATE_BITS) | state_code(subtask.state))
            .collect();
        entries.sort_unstable();
        entries.shrink_to_fit();
        Baseline { entries }
    }

    /// The state recorded for `identity`, if the baseline has it.
    fn state_of(&self, identity: u64) -> Option<u64> {
        let key = identity & !STATE_BITS;
        let at = self.entries.partition_point(|&e| (e & !STATE_BITS) < key);
        self.entries.get(at).filter(|&&e| e & !STATE_BITS == key).map(|&e| e & STATE_BITS)
    }
}

fn state_code(state: SubtaskState) -> u64 {
    match state {
        SubtaskState::Waiting => 0,
        SubtaskState::Running => 1,
        SubtaskState::Succeeded => 2,
        SubtaskState::Failed => 3,
        SubtaskState::Cancelled => 4,
        SubtaskState::Skipped => 5,
    }
}

/// Per task, what the user saw last.
#[derive(Clone, Debug, Default)]
pub struct ChangeTracker {
    seen: HashMap<TaskRef, Baseline>,
}

impl ChangeTracker {
    pub fn new() -> Self {
        ChangeTracker::default()
    }

    /// Records `task` as what the user has now seen of `task_ref`.
    pub fn mark_seen(&mut self, task_ref: &TaskRef, task: &Task) {
        self.seen.insert(task_ref.clone(), Baseline::of(task));
    }

    /// The subtasks of `task` whose state differs from what the user last saw of `task_ref`,
    /// including ones that did not exist then. Costs one hash per subtask: compute it once per
    /// new snapshot, not per frame.
    pub fn changed(&self, task_ref: &TaskRef, task: &Task) -> ChangedSet {
        let Some(baseline) = self.seen.get(task_ref) else { return ChangedSet::default() };
        let mut set = ChangedSet { has_baseline: true, ..ChangedSet::default() };
        let mut matched = 0usize;
        for (position, (identity, subtask)) in
            identities(&task.subtasks).into_iter().zip(task.subtasks.iter()).enumerate()
        {
            let differs = if let Some(state) = baseline.state_of(identity) {
                matched += 1;
                state != state_code(subtask.state)
            } else {
                set.appeared += 1;
                true
            };
            if differs {
                set.indices.push(u32::try_from(position).unwrap_or(u32::MAX));
            }
        }
        set.removed = u32::try_from(baseline.entries.len().saturating_sub(matched)).unwrap_or(u32::MAX);
        set
    }

    /// Whether the user has looked at `task_ref` at all.
    pub fn has_seen(&self, task_ref: &TaskRef) -> bool {
        self.seen.contains_key(task_ref)
    }

    /// Drops the baseline of a task that left the watch list.
    pub fn forget(&mut self, task_ref: &TaskRef) {
        self.seen.remove(task_ref);
    }
}

/// A stable identity hash per subtask (see the module docs), in task order.
fn identities(subtasks: &[Subtask]) -> Vec<u64> {
    let base: Vec<u64> = subtasks.iter().map(base_identity).collect();
    let mut sorted = base.clone();
    sorted.sort_unstable();
    if sorted.windows(2).all(|w| w[0] != w[1]) {
        return base;
    }
    // Duplicates: the n-th occurrence (n ≥ 1) gets a derived identity, in task order.
    let mut occurrences: HashMap<u64, u32> = HashMap::new();
    base.into_iter()
        .map(|identity| {
            let seen = occurrences.entry(identity).or_insert(0);
            let n = *seen;
            *seen += 1;
            if n == 0 { identity } else { hash_of(&(identity, n)) }
        })
        .collect()
}

fn base_identity(subtask: &Subtask) -> u64 {
    let id = subtask.id().trim();
    if id.is_empty() {
        hash_of(&(subtask.kind, 1u8, subtask.method().trim(), subtask.path().trim(), subtask.name().trim()))
    } else {
        hash_of(&(subtask.kind, 0u8, id))
    }
}

/// `DefaultHasher::new()` has fixed keys, so identities agree across calls in one process; they
/// are never persisted.
fn hash_of<T: Hash>(value: &T) -> u64 {
    let mut hasher = DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::SubtaskText;
    use crate::domain::{SubtaskKind, TaskKind, TaskState};

    fn sub(kind: SubtaskKind, id: &str, method: &str, path: &str, name: &str, state: SubtaskState) -> Subtask {
        Subtask::new(kind, state, SubtaskText { id, name, method, path, ..SubtaskText::default() })
    }

    fn api(id: &str, state: SubtaskState) -> Subtask {
        sub(SubtaskKind::Api, id, "GET", &format!("/{id}"), "", state)
    }

    fn task(task_ref: &TaskRef, subtasks: Vec<Subtask>) -> Task {
        Task::new(task_ref.clone(), TaskKind::Import, TaskState::Running, "Running").with_subtasks(subtasks)
    }

    fn aliyun_ref() -> TaskRef {
        "aliyun://cn-hangzhou/abc".parse().unwrap()
    }

    use SubtaskState::{Cancelled, Failed, Running, Succeeded, Waiting};

    #[test]
    fn reports_state_changes_since_the_last_look() {
        let r = aliyun_ref();
        let mut tracker = ChangeTracker::new();
        let before = task(&r, vec![api("a", Running), api("b", Waiting), api("c", Succeeded)]);
        assert!(!tracker.changed(&r, &before).has_baseline(), "never looked: nothing to compare");
        assert!(tracker.changed(&r, &before).is_empty());
        tracker.mark_seen(&r, &before);
        assert!(tracker.has_seen(&r));
        assert!(tracker.changed(&r, &before).is_empty());

        let after = task(&r, vec![api("a", Succeeded), api("b", Waiting), api("c", Succeeded), api("d", Failed)]);
        let changed = tracker.changed(&r, &after);
        assert!(changed.has_baseline());
        assert_eq!(changed.indices(), &[0, 3]);
        assert!(changed.contains(0) && changed.contains(3) && !changed.contains(1) && !changed.contains(99));
        assert_eq!((changed.appeared(), changed.removed()), (1, 0));
        assert_eq!(changed.iter().collect::<Vec<_>>(), vec![0, 3]);

        // Looking again clears the marks.
        tracker.mark_seen(&r, &after);
        assert!(tracker.changed(&r, &after).is_empty());
    }

    #[test]
    fn identity_survives_reordering_and_counts_removals() {
        let r = aliyun_ref();
        let mut tracker = ChangeTracker::new();
        tracker.mark_seen(&r, &task(&r, vec![api("a", Running), api("b", Running), api("c", Running)]));
        let reordered = task(&r, vec![api("c", Running), api("a", Failed)]);
        let changed = tracker.changed(&r, &reordered);
        assert_eq!(changed.indices(), &[1]);
        assert_eq!((changed.appeared(), changed.removed()), (0, 1));
    }

    #[test]
    fn huawei_failures_without_ids_are_keyed_by_method_path_and_name() {
        let r: TaskRef = "huawei://cn-north-4/p/i/t".parse().unwrap();
        let mut tracker = ChangeTracker::new();
        let failure = |method: &str, path: &str| sub(SubtaskKind::Api, "", method, path, "", Failed);
        let first = task(&r, vec![sub(SubtaskKind::Api, "x1", "GET", "/a", "", Succeeded), failure("GET", "/b")]);
        tracker.mark_seen(&r, &first);
        // Huawei lists successes first: a new success shifts the failure's position, not its identity.
        let second = task(
            &r,
            vec![
                sub(SubtaskKind::Api, "x1", "GET", "/a", "", Succeeded),
                sub(SubtaskKind::Api, "x2", "PUT", "/c", "", Succeeded),
                failure("GET", "/b"),
                failure("POST", "/b"),
            ],
        );
        assert_eq!(tracker.changed(&r, &second).indices(), &[1, 3]);
    }

    #[test]
    fn kind_is_part_of_the_identity() {
        let r = aliyun_ref();
        let mut tracker = ChangeTracker::new();
        tracker.mark_seen(&r, &task(&r, vec![sub(SubtaskKind::Api, "same", "", "", "Pet", Running)]));
        let now = task(&r, vec![sub(SubtaskKind::Model, "same", "", "", "Pet", Running)]);
        let changed = tracker.changed(&r, &now);
        assert_eq!((changed.indices(), changed.appeared(), changed.removed()), (&[0][..], 1, 1));
    }

    #[test]
    fn duplicate_identities_are_told_apart_by_order() {
        let r: TaskRef = "huawei://cn-north-4/p/i/t".parse().unwrap();
        let dup = |state| sub(SubtaskKind::Api, "", "GET", "/users", "", state);
        let mut tracker = ChangeTracker::new();
        tracker.mark_seen(&r, &task(&r, vec![dup(Succeeded), dup(Running)]));
        let changed = tracker.changed(&r, &task(&r, vec![dup(Succeeded), dup(Failed)]));
        assert_eq!(changed.indices(), &[1]);
        assert_eq!((changed.appeared(), changed.removed()), (0, 0));
    }

    #[test]
    fn tasks_are_tracked_separately_and_can_be_forgotten() {
        let a = aliyun_ref();
        let b: TaskRef = "aliyun://cn-hangzhou/other".parse().unwrap();
        let mut tracker = ChangeTracker::new();
        tracker.mark_seen(&a, &task(&a, vec![api("x", Running)]));
        tracker.mark_seen(&b, &task(&b, vec![api("x", Succeeded)]));
        assert_eq!(tracker.changed(&a, &task(&a, vec![api("x", Succeeded)])).indices(), &[0]);
        assert!(tracker.changed(&b, &task(&b, vec![api("x", Succeeded)])).is_empty());
        tracker.forget(&a);
        assert!(!tracker.has_seen(&a));
        assert!(!tracker.changed(&a, &task(&a, vec![api("x", Cancelled)])).has_baseline());
    }

    #[test]
    fn a_hundred_thousand_subtasks_in_eight_bytes_each() {
        let r = aliyun_ref();
        let ids: Vec<String> = (0..100_000).map(|i| format!("{i:032x}")).collect();
        let before = task(&r, ids.iter().map(|id| api(id, Running)).collect());
        let mut tracker = ChangeTracker::new();
        tracker.mark_seen(&r, &before);
        assert_eq!(tracker.seen[&r].entries.capacity(), 100_000);
        let after = task(
            &r,
            ids.iter().enumerate().map(|(i, id)| api(id, if i % 1000 == 7 { Failed } else { Running })).collect(),
        );
        let changed = tracker.changed(&r, &after);
        assert_eq!(changed.len(), 100);
        assert!(changed.iter().all(|i| i % 1000 == 7));
    }
}
