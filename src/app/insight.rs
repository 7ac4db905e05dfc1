//! Per-task failure analysis the dashboard keeps between snapshots.
//!
//! Owns, for one watched task: the failure groups and the changed-since-seen set of its current
//! snapshot (computed once per new snapshot, never per frame: 100,000 subtasks are not regrouped
//! on each draw), its progress tracker (fed by every successful poll, changed or not, so a stall
//! is noticed), and the state of the groups tab (which tab shows, the selected group, the group
//! whose members are listed, changes only). Pure; the app decides when each part is updated.
//! May not draw, and holds no subtasks: the snapshot stays in the entry.

use std::time::SystemTime;

use crate::analysis::values::{VariableValues, variable_values};
use crate::analysis::{ChangedSet, FailureGroup, Grouper, ProgressTracker};
use crate::domain::{ProviderKind, Task};

use super::subtask_view::view_offset;

/// Which list the subtask pane shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tab {
    #[default]
    Subtasks,
    /// The failure groups, biggest first.
    Groups,
}

/// What makes a group "the same one" in the next snapshot (its rank and size move as failures
/// come and go): its cluster, and for a consequence its cause's, in the engine that made both;
/// its code and template text when the next groups come from another engine (the app's own
/// after the preparation worker's, say).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupKey {
    engine: u64,
    cluster: u32,
    cause: Option<u32>,
    code: String,
    signature: String,
}

impl GroupKey {
    fn of(group: &FailureGroup) -> GroupKey {
        GroupKey {
            engine: group.engine,
            cluster: group.cluster,
            cause: group.cause,
            code: group.code.clone(),
            signature: group.signature.clone(),
        }
    }

    fn matches(&self, group: &FailureGroup) -> bool {
        if self.engine == group.engine {
            self.cluster == group.cluster && self.cause == group.cause
        } else {
            self.code == group.code
                && self.signature == group.signature
                && self.cause.is_some() == group.cause.is_some()
        }
    }
}

/// Values shown per variable; the rest are counted ("… 4 more").
const VALUES_SHOWN: usize = 6;

/// The analysis of one watched task.
#[derive(Debug, Clone)]
pub struct Insight {
    groups: Vec<FailureGroup>,
    /// Groups snapshots that arrive without groups (saved ones, tests); live answers come
    /// grouped by the preparation worker's engine for the task.
    grouper: Grouper,
    changed: ChangedSet,
    progress: ProgressTracker,
    tab: Tab,
    /// Selected row of the groups tab and its first visible row.
    group_selected: usize,
    group_offset: usize,
    /// The group whose members the subtask table lists.
    active: Option<GroupKey>,
    changes_only: bool,
    /// The values of the selected group's variables, while shown (`v`).
    values: Option<(GroupKey, Vec<VariableValues>)>,
}

impl Insight {
    pub fn new(provider: ProviderKind, task: Option<&Task>) -> Insight {
        let mut grouper = Grouper::new();
        Insight {
            groups: task.map(|t| grouper.group(&t.subtasks)).unwrap_or_default(),
            grouper,
            changed: ChangedSet::default(),
            progress: ProgressTracker::new(provider),
            tab: Tab::Subtasks,
            group_selected: 0,
            group_offset: 0,
            active: None,
            changes_only: false,
            values: None,
        }
    }

    /// The failure groups of the current snapshot, biggest first.
    pub fn groups(&self) -> &[FailureGroup] {
        &self.groups
    }

    /// Subtasks of the current snapshot that changed since the user last looked at the task.
    pub fn changed(&self) -> &ChangedSet {
        &self.changed
    }

    pub fn progress(&self) -> &ProgressTracker {
        &self.progress
    }

    pub fn tab(&self) -> Tab {
        self.tab
    }

    pub fn group_selected(&self) -> usize {
        self.group_selected
    }

    pub fn group_offset(&self) -> usize {
        self.group_offset
    }

    pub fn selected_group(&self) -> Option<&FailureGroup> {
        self.groups.get(self.group_selected)
    }

    /// The group whose members are listed, with its rank (from 0).
    pub fn active_group(&self) -> Option<(usize, &FailureGroup)> {
        let key = self.active.as_ref()?;
        self.groups.iter().enumerate().find(|(_, g)| key.matches(g))
    }

    pub fn changes_only(&self) -> bool {
        self.changes_only
    }

    /// The values of the selected group's variables, if the user asked for them.
    pub fn values(&self) -> Option<&[VariableValues]> {
        let (key, values) = self.values.as_ref()?;
        self.selected_group().filter(|g| key.matches(g)).map(|_| values.as_slice())
    }

    /// `v`: shows the selected group's values (worked out now, from `task`), or hides them.
    /// Returns whether they are shown.
    pub(super) fn toggle_values(&mut self, task: &Task) -> bool {
        if self.values().is_some() {
            self.values = None;
            return false;
        }
        let Some(group) = self.selected_group() else { return false };
        let values = variable_values(group, &task.subtasks, VALUES_SHOWN);
        self.values = Some((GroupKey::of(group), values));
        true
    }

    /// Records a successful poll, whether or not the snapshot changed.
    pub(super) fn observe(&mut self, at: SystemTime, task: &Task) {
        self.progress.observe_task(at, task);
    }

    /// A new snapshot: regroup (unless its `groups` came with it) and take its changed set. The
    /// selected group and the listed one are found again by their [`GroupKey`]. Returns false
    /// when the listed group is gone.
    pub(super) fn on_snapshot(&mut self, task: &Task, changed: ChangedSet, groups: Option<Vec<FailureGroup>>) -> bool {
        let selected = self.selected_group().map(GroupKey::of);
        self.groups = groups.unwrap_or_else(|| self.grouper.group(&task.subtasks));
        self.changed = changed;
        // Values were read from the snapshot before; the next `v` reads them again.
        self.values = None;
        if let Some(at) = selected.and_then(|key| self.groups.iter().position(|g| key.matches(g))) {
            self.group_selected = at;
        }
        self.group_selected = self.group_selected.min(self.groups.len().saturating_sub(1));
        if self.active.is_some() && self.active_group().is_none() {
            self.active = None;
            return false;
        }
        true
    }

    pub(super) fn set_changed(&mut self, changed: ChangedSet) {
        self.changed = changed;
    }

    /// The positions the subtask table may show: the listed group's members, and only the
    /// changed ones under "changes only". Both lists are ascending, so this is a merge.
    pub(super) fn scope(&self) -> Option<Vec<u32>> {
        let members = self.active_group().map(|(_, g)| g.members.as_slice());
        let changed = self.changes_only.then(|| self.changed.indices());
        match (members, changed) {
            (None, None) => None,
            (Some(one), None) | (None, Some(one)) => Some(one.to_vec()),
            (Some(a), Some(b)) => Some(intersect(a, b)),
        }
    }

    pub(super) fn set_tab(&mut self, tab: Tab) {
        self.tab = tab;
    }

    pub(super) fn set_changes_only(&mut self, on: bool) {
        self.changes_only = on;
    }

    /// Lists the selected group's members; false when there is no group to list.
    pub(super) fn enter_group(&mut self) -> bool {
        let Some(group) = self.selected_group() else { return false };
        self.active = Some(GroupKey::of(group));
        self.tab = Tab::Subtasks;
        true
    }

    /// Back from a group's members to the groups tab, on the group that was listed.
    pub(super) fn leave_group(&mut self) {
        if let Some((rank, _)) = self.active_group() {
            self.group_selected = rank;
        }
        self.active = None;
        self.tab = Tab::Groups;
    }

    /// Forgets the listed group without changing tabs (the groups tab was asked for).
    pub(super) fn clear_group(&mut self) {
        if let Some((rank, _)) = self.active_group() {
            self.group_selected = rank;
        }
        self.active = None;
    }

    pub(super) fn select_group(&mut self, row: usize, height: usize) {
        self.group_selected = row.min(self.groups.len().saturating_sub(1));
        self.fit_groups(height);
    }

    pub(super) fn move_group(&mut self, delta: isize, height: usize) {
        self.select_group(self.group_selected.saturating_add_signed(delta), height);
    }

    pub(super) fn fit_groups(&mut self, height: usize) {
        self.group_offset = view_offset(self.group_selected, self.group_offset, height, self.groups.len());
    }
}

/// Values in both ascending lists, ascending.
fn intersect(a: &[u32], b: &[u32]) -> Vec<u32> {
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::with_capacity(a.len().min(b.len()));
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                out.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intersection_of_sorted_lists() {
        assert_eq!(intersect(&[1, 3, 5, 7], &[2, 3, 4, 7, 9]), vec![3, 7]);
        assert!(intersect(&[], &[1]).is_empty());
    }
}
