//! The task list's own filter and sort.
//!
//! Owns [`TaskView`] (the filter text and the sort with its direction), which tasks a filter
//! keeps (every word must match the provider, the state, the label or the reference), and the
//! order a sort puts the list in. Sorting reorders the entries themselves, keeping the selected
//! task selected; a filtered-out entry is `hidden` and takes no rows. May not draw.

use std::cmp::Ordering;

use super::{App, Entry, labels};

/// What the task list is sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TaskSortKey {
    /// The order tasks were added in.
    #[default]
    Added,
    /// Worst first: failed, partial, unknown, running, waiting, succeeded.
    State,
    /// Failed and cancelled subtasks, most first.
    Failures,
    /// The label (tasks without one last), then the reference.
    Label,
}

impl TaskSortKey {
    pub fn name(self) -> &'static str {
        match self {
            TaskSortKey::Added => "added",
            TaskSortKey::State => "state",
            TaskSortKey::Failures => "failures",
            TaskSortKey::Label => "label",
        }
    }
}

/// A sort column and its direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TaskSort {
    pub key: TaskSortKey,
    /// The natural direction of the key (oldest, worst, most failures, A–Z) when false.
    pub reversed: bool,
}

impl Default for TaskSort {
    fn default() -> Self {
        TaskSort { key: TaskSortKey::Added, reversed: false }
    }
}

impl TaskSort {
    /// `s` in the task list: each key in its natural direction, then reversed, then the next.
    #[must_use]
    pub fn next(self) -> TaskSort {
        if !self.reversed {
            return TaskSort { reversed: true, ..self };
        }
        let key = match self.key {
            TaskSortKey::Added => TaskSortKey::State,
            TaskSortKey::State => TaskSortKey::Failures,
            TaskSortKey::Failures => TaskSortKey::Label,
            TaskSortKey::Label => TaskSortKey::Added,
        };
        TaskSort { key, reversed: false }
    }

    /// `added ↑`: the column and the direction, for the list's title.
    pub fn label(self) -> String {
        let arrow = if self.reversed { '↓' } else { '↑' };
        format!("{} {arrow}", self.key.name())
    }

    fn compare(self, a: &Entry, b: &Entry) -> Ordering {
        let natural = match self.key {
            TaskSortKey::Added => a.added.cmp(&b.added),
            TaskSortKey::State => state_rank(a).cmp(&state_rank(b)),
            TaskSortKey::Failures => b.problem_count().cmp(&a.problem_count()),
            TaskSortKey::Label => match (label_key(a), label_key(b)) {
                (Some(x), Some(y)) => x.cmp(&y),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            },
        };
        let natural = natural.then_with(|| a.added.cmp(&b.added));
        if self.reversed { natural.reverse() } else { natural }
    }
}

fn state_rank(e: &Entry) -> u8 {
    use crate::domain::TaskState;
    match e.task.as_ref().map(|t| t.state) {
        Some(TaskState::Failed) => 0,
        Some(TaskState::PartiallyFailed) => 1,
        Some(TaskState::Unknown) | None if e.last_error.is_some() => 2,
        Some(TaskState::Unknown) | None => 3,
        Some(TaskState::Running) => 4,
        Some(TaskState::Waiting) => 5,
        Some(TaskState::Succeeded) => 6,
    }
}

fn label_key(e: &Entry) -> Option<String> {
    e.label.as_deref().map(str::to_lowercase)
}

/// The task list's filter and sort.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskView {
    pub filter: String,
    pub sort: TaskSort,
}

/// Whether `entry` is kept by `filter`: every word matches the provider, the state word, the
/// label or the reference, ignoring case (`huawei failed`, `shop`, `cn-north-4`).
pub fn matches(entry: &Entry, filter: &str) -> bool {
    let state = match &entry.task {
        Some(task) => labels::task_state(task.state).1,
        None if entry.last_error.is_some() => "unknown error",
        None => "loading",
    };
    let haystack = format!(
        "{} {} {} {}",
        entry.task_ref.provider(),
        state,
        entry.label.as_deref().unwrap_or_default(),
        entry.task_ref
    )
    .to_lowercase();
    filter.split_whitespace().all(|word| haystack.contains(&word.to_lowercase()))
}

impl App {
    pub fn task_view(&self) -> &TaskView {
        &self.task_view
    }

    /// Tasks the filter keeps.
    pub fn shown_count(&self) -> usize {
        self.entries.iter().filter(|e| !e.hidden).count()
    }

    /// Applies the filter and the sort again (after a change to either, or to the list), keeping
    /// the selected task selected, or the first one shown when the filter hides it.
    pub(super) fn reapply_task_view(&mut self) {
        let selected = self.selected_entry().map(|e| e.task_ref.clone());
        let sort = self.task_view.sort;
        self.entries.sort_by(|a, b| sort.compare(a, b));
        let filter = self.task_view.filter.clone();
        for entry in &mut self.entries {
            entry.hidden = !filter.trim().is_empty() && !matches(entry, &filter);
        }
        let at = selected.and_then(|r| self.entries.iter().position(|e| e.task_ref == r)).unwrap_or(0);
        let at = if self.entries.get(at).is_some_and(|e| e.hidden) {
            self.entries.iter().position(|e| !e.hidden).unwrap_or(at)
        } else {
            at
        };
        if at != self.selected {
            self.select_task(at);
        }
        self.selected = at.min(self.entries.len().saturating_sub(1));
    }

    /// The task list's filter, as typed (applied live).
    pub(super) fn set_task_filter(&mut self, filter: &str) {
        filter.clone_into(&mut self.task_view.filter);
        self.reapply_task_view();
    }

    pub(super) fn set_task_sort(&mut self, sort: TaskSort) {
        self.task_view.sort = sort;
        self.reapply_task_view();
    }

    /// `s` in the task list.
    pub(super) fn cycle_task_sort(&mut self) {
        let sort = self.task_view.sort.next();
        self.set_task_sort(sort);
        self.flash_info(format!("tasks sorted by {}", sort.label()));
    }

    /// The entry `delta` shown entries away from the selected one (hidden ones skipped),
    /// stopping at either end.
    pub(super) fn step_task(&self, delta: isize) -> usize {
        let mut at = self.selected;
        let mut left = delta.unsigned_abs();
        let forward = delta > 0;
        let mut k = at;
        while left > 0 {
            let next = if forward { k.checked_add(1).filter(|&n| n < self.entries.len()) } else { k.checked_sub(1) };
            let Some(next) = next else { break };
            k = next;
            if !self.entries[k].hidden {
                at = k;
                left -= 1;
            }
        }
        at
    }

    /// The first (or last) entry shown.
    pub(super) fn end_task(&self, last: bool) -> usize {
        let mut shown = self.entries.iter().enumerate().filter(|(_, e)| !e.hidden).map(|(i, _)| i);
        let found = if last { shown.next_back() } else { shown.next() };
        found.unwrap_or(self.selected)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::Command;
    use crate::app::fixtures::{aliyun, app, cmd, huawei, mixed, task};
    use crate::domain::TaskState;

    fn four() -> App {
        let (a, b, c, d) = (aliyun("aaaa"), huawei("bbbb"), aliyun("cccc"), huawei("dddd"));
        let mut app = app(vec![
            (a.clone(), Some(task(&a, TaskState::Succeeded, mixed(5, 0, 0)))),
            (b.clone(), Some(task(&b, TaskState::PartiallyFailed, mixed(6, 3, 0)))),
            (c.clone(), Some(task(&c, TaskState::Running, mixed(4, 0, 2)))),
            (d.clone(), Some(task(&d, TaskState::Failed, mixed(0, 9, 0)))),
        ]);
        app.set_label(&b, Some("shop-2.0.json → group shop".into()));
        app.set_label(&c, Some("fleet".into()));
        app
    }

    fn order(app: &App) -> Vec<String> {
        app.entries().iter().filter(|e| !e.hidden).map(|e| e.task_ref.task_id().to_owned()).collect()
    }

    #[test]
    fn every_word_of_the_filter_must_match_provider_state_label_or_reference() {
        let mut app = four();
        app.set_task_filter("huawei");
        assert_eq!(order(&app), ["bbbb", "dddd"]);
        app.set_task_filter("HUAWEI failed");
        assert_eq!(order(&app), ["dddd"]);
        assert_eq!(app.selected_entry().unwrap().task_ref.task_id(), "dddd", "the selection moves to what is shown");
        app.set_task_filter("shop");
        assert_eq!(order(&app), ["bbbb"], "by label");
        app.set_task_filter("cccc");
        assert_eq!(order(&app), ["cccc"], "by reference");
        app.set_task_filter("");
        assert_eq!(order(&app).len(), 4);
    }

    #[test]
    fn moving_skips_the_tasks_the_filter_hides() {
        let mut app = four();
        app.set_task_filter("aliyun");
        cmd(&mut app, Command::Top);
        assert_eq!(app.selected_entry().unwrap().task_ref.task_id(), "aaaa");
        cmd(&mut app, Command::Down);
        assert_eq!(app.selected_entry().unwrap().task_ref.task_id(), "cccc");
        cmd(&mut app, Command::Down);
        assert_eq!(app.selected_entry().unwrap().task_ref.task_id(), "cccc", "the end of what is shown");
    }

    #[test]
    fn the_sort_cycles_through_columns_and_directions_and_keeps_the_selection() {
        let mut app = four();
        cmd(&mut app, Command::Down);
        let selected = app.selected_entry().unwrap().task_ref.clone();
        cmd(&mut app, Command::SortTasks);
        assert_eq!(app.task_view().sort.label(), "added ↓");
        assert_eq!(order(&app), ["dddd", "cccc", "bbbb", "aaaa"]);
        cmd(&mut app, Command::SortTasks);
        assert_eq!(app.task_view().sort.label(), "state ↑");
        assert_eq!(order(&app), ["dddd", "bbbb", "cccc", "aaaa"], "worst first");
        assert_eq!(app.selected_entry().unwrap().task_ref, selected);
        cmd(&mut app, Command::SortTasks);
        cmd(&mut app, Command::SortTasks);
        assert_eq!(app.task_view().sort.label(), "failures ↑");
        assert_eq!(order(&app)[0], "dddd");
        cmd(&mut app, Command::SortTasks);
        cmd(&mut app, Command::SortTasks);
        assert_eq!(app.task_view().sort.label(), "label ↑");
        assert_eq!(order(&app)[..2], ["cccc", "bbbb"], "fleet, shop…; unlabelled last");
    }
}
