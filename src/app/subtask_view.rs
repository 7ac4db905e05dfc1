//! The subtask pane's view of one task: filter, sort, scope, selection and the view index.
//!
//! Owns a `Vec<u32>` of positions into `task.subtasks` (filtered and sorted), recomputed only
//! when the snapshot, the filter, the scope or the sort changes, so that drawing and moving stay
//! O(viewport) with 100,000 subtasks. The scope is a set of positions chosen elsewhere (a failure
//! group's members, the changed subtasks); rows outside it are never shown. Selection follows a
//! subtask's identity across refreshes. May not draw or hold the subtasks themselves: the
//! snapshot is passed in.

use std::cmp::Ordering;

use crate::domain::{Subtask, SubtaskKind, SubtaskState};

/// Order of the subtask table; `s` cycles through them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortMode {
    /// Failed and cancelled first, then running, waiting, skipped, succeeded; provider order within.
    #[default]
    FailuresFirst,
    Path,
    Name,
    State,
    Kind,
}

impl SortMode {
    #[must_use]
    pub fn next(self) -> SortMode {
        match self {
            SortMode::FailuresFirst => SortMode::Path,
            SortMode::Path => SortMode::Name,
            SortMode::Name => SortMode::State,
            SortMode::State => SortMode::Kind,
            SortMode::Kind => SortMode::FailuresFirst,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SortMode::FailuresFirst => "failures first",
            SortMode::Path => "path",
            SortMode::Name => "name",
            SortMode::State => "state",
            SortMode::Kind => "kind",
        }
    }
}

/// What makes a subtask "the same one" in the next snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubtaskKey {
    kind: SubtaskKind,
    id: String,
    method: String,
    path: String,
    name: String,
}

impl SubtaskKey {
    pub fn of(subtask: &Subtask) -> SubtaskKey {
        SubtaskKey {
            kind: subtask.kind,
            id: subtask.id().to_owned(),
            method: subtask.method().to_owned(),
            path: subtask.path().to_owned(),
            name: subtask.name().to_owned(),
        }
    }

    /// Ids win when both sides have one (an API can be renamed between polls of an update).
    pub fn matches(&self, subtask: &Subtask) -> bool {
        if self.kind != subtask.kind {
            return false;
        }
        if !self.id.is_empty() && !subtask.id().is_empty() {
            return self.id == subtask.id();
        }
        self.method == subtask.method() && self.path == subtask.path() && self.name == subtask.name()
    }
}

/// Rank used by "failures first": problems, then work in progress, then the quiet rest.
fn state_rank(state: SubtaskState) -> u8 {
    match state {
        SubtaskState::Failed => 0,
        SubtaskState::Cancelled => 1,
        SubtaskState::Running => 2,
        SubtaskState::Waiting => 3,
        SubtaskState::Skipped => 4,
        SubtaskState::Succeeded => 5,
    }
}

/// Case-insensitive substring test without allocating for ASCII needles (the common case).
fn contains_ci(haystack: &str, needle_lower: &str) -> bool {
    if needle_lower.is_empty() {
        return true;
    }
    if needle_lower.is_ascii() {
        let n = needle_lower.as_bytes();
        return haystack.as_bytes().windows(n.len()).any(|w| w.eq_ignore_ascii_case(n));
    }
    haystack.to_lowercase().contains(needle_lower)
}

/// Whether a subtask matches the `/` filter: method, path, name, id, error code or message.
pub fn matches_filter(subtask: &Subtask, needle_lower: &str) -> bool {
    contains_ci(subtask.method(), needle_lower)
        || contains_ci(subtask.path(), needle_lower)
        || contains_ci(subtask.name(), needle_lower)
        || contains_ci(subtask.id(), needle_lower)
        || subtask
            .error()
            .as_ref()
            .is_some_and(|e| contains_ci(e.code, needle_lower) || contains_ci(&e.message, needle_lower))
}

fn cmp_ci(a: &str, b: &str) -> Ordering {
    a.chars().flat_map(char::to_lowercase).cmp(b.chars().flat_map(char::to_lowercase))
}

/// Per-task state of the subtask pane.
#[derive(Debug, Clone, Default)]
pub struct SubtaskView {
    filter: String,
    /// `filter`, lowercased once.
    needle: String,
    failures_only: bool,
    sort: SortMode,
    /// Position of the selection in `index`.
    selected: usize,
    /// First visible row (position in `index`).
    offset: usize,
    index: Vec<u32>,
    /// Only these positions (ascending) may be shown; `None` shows every subtask.
    scope: Option<Vec<u32>>,
    /// The user moved the selection. Until then a refresh keeps the first row selected (the
    /// first failure under "failures first") instead of following whatever was on top.
    touched: bool,
}

impl SubtaskView {
    pub fn filter(&self) -> &str {
        &self.filter
    }

    pub fn failures_only(&self) -> bool {
        self.failures_only
    }

    pub fn sort(&self) -> SortMode {
        self.sort
    }

    /// Whether a scope (group members, changes only) restricts the rows.
    pub fn is_scoped(&self) -> bool {
        self.scope.is_some()
    }

    pub fn selected(&self) -> usize {
        self.selected
    }

    pub fn offset(&self) -> usize {
        self.offset
    }

    /// Positions into `task.subtasks`, in display order.
    pub fn index(&self) -> &[u32] {
        &self.index
    }

    pub fn len(&self) -> usize {
        self.index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// Position in `task.subtasks` of the selected row.
    pub fn selected_pos(&self) -> Option<usize> {
        self.index.get(self.selected).map(|&p| p as usize)
    }

    fn keeps(&self, subtask: &Subtask) -> bool {
        (!self.failures_only || subtask.state.is_problem()) && matches_filter(subtask, &self.needle)
    }

    /// Recomputes the index from scratch (new snapshot or new sort), keeping the selection on the
    /// subtask `keep` identifies, or at the same row when it is gone.
    pub fn rebuild(&mut self, subtasks: &[Subtask], keep: Option<&SubtaskKey>) {
        let keeps = |i: &u32| subtasks.get(*i as usize).is_some_and(|s| self.keeps(s));
        let mut index: Vec<u32> = match &self.scope {
            Some(scope) => scope.iter().copied().filter(keeps).collect(),
            None => (0..u32::try_from(subtasks.len()).unwrap_or(u32::MAX)).filter(keeps).collect(),
        };
        sort_index(&mut index, subtasks, self.sort);
        self.index = index;
        self.reselect(subtasks, keep);
    }

    /// Re-applies the filter after it changed. Narrowing (the new filter extends the old one)
    /// only re-checks rows already shown, which is what typing does.
    fn refilter(&mut self, subtasks: &[Subtask], old_needle: &str, keep: Option<&SubtaskKey>) {
        if !old_needle.is_empty() && self.needle.starts_with(old_needle) {
            let needle = &self.needle;
            self.index.retain(|&i| matches_filter(&subtasks[i as usize], needle));
            self.reselect(subtasks, keep);
        } else {
            self.rebuild(subtasks, keep);
        }
    }

    fn reselect(&mut self, subtasks: &[Subtask], keep: Option<&SubtaskKey>) {
        let keep = keep.filter(|_| self.touched);
        let found = keep
            .and_then(|key| self.index.iter().position(|&i| subtasks.get(i as usize).is_some_and(|s| key.matches(s))));
        self.selected = found.unwrap_or(self.selected).min(self.index.len().saturating_sub(1));
        if self.offset > self.selected {
            self.offset = self.selected;
        }
    }

    /// The identity of the selected subtask, to carry it across a rebuild.
    pub fn selected_key(&self, subtasks: &[Subtask]) -> Option<SubtaskKey> {
        self.selected_pos().and_then(|p| subtasks.get(p)).map(SubtaskKey::of)
    }

    pub fn set_filter(&mut self, subtasks: &[Subtask], filter: &str) {
        if filter == self.filter {
            return;
        }
        let keep = self.selected_key(subtasks);
        let old = std::mem::take(&mut self.needle);
        filter.clone_into(&mut self.filter);
        self.needle = filter.to_lowercase();
        self.refilter(subtasks, &old, keep.as_ref());
    }

    pub fn set_failures_only(&mut self, subtasks: &[Subtask], on: bool) {
        let keep = self.selected_key(subtasks);
        self.failures_only = on;
        self.rebuild(subtasks, keep.as_ref());
    }

    /// Sets the scope without rebuilding; the caller rebuilds (a new snapshot does anyway).
    pub fn set_scope_only(&mut self, scope: Option<Vec<u32>>) {
        self.scope = scope;
    }

    /// Restricts the rows to `scope` (ascending positions) or lifts the restriction, keeping
    /// the selection on the same subtask when it stays visible.
    pub fn set_scope(&mut self, subtasks: &[Subtask], scope: Option<Vec<u32>>) {
        let keep = self.selected_key(subtasks);
        self.scope = scope;
        self.rebuild(subtasks, keep.as_ref());
    }

    pub fn set_sort(&mut self, subtasks: &[Subtask], sort: SortMode) {
        let keep = self.selected_key(subtasks);
        self.sort = sort;
        self.rebuild(subtasks, keep.as_ref());
    }

    /// Selects a row by its position in the view and scrolls it into a viewport of `height` rows.
    pub fn select(&mut self, row: usize, height: usize) {
        self.touched = true;
        self.selected = row.min(self.index.len().saturating_sub(1));
        self.offset = view_offset(self.selected, self.offset, height, self.index.len());
    }

    /// Moves the selection by `delta` rows (negative is up), clamped.
    pub fn move_by(&mut self, delta: isize, height: usize) {
        let target = self.selected.saturating_add_signed(delta);
        self.select(target, height);
    }

    /// Scrolls the viewport without moving past the ends, dragging the selection along.
    pub fn scroll_by(&mut self, delta: isize, height: usize) {
        self.touched = true;
        let max_offset = self.index.len().saturating_sub(height.max(1));
        self.offset = self.offset.saturating_add_signed(delta).min(max_offset);
        let last_visible = self.offset + height.max(1) - 1;
        self.selected =
            self.selected.clamp(self.offset, last_visible.max(self.offset)).min(self.index.len().saturating_sub(1));
    }

    /// Selects the subtask at `pos` in `task.subtasks`, if the view shows it.
    pub fn select_pos(&mut self, pos: usize, height: usize) -> bool {
        match self.index.iter().position(|&p| p as usize == pos) {
            Some(row) => {
                self.select(row, height);
                true
            }
            None => false,
        }
    }

    /// Keeps the selection visible after the viewport height changed.
    pub fn fit(&mut self, height: usize) {
        self.offset = view_offset(self.selected, self.offset, height, self.index.len());
    }
}

/// [`keep_in_view`], and no empty rows below the last one while rows above are hidden.
pub fn view_offset(selected: usize, offset: usize, height: usize, len: usize) -> usize {
    keep_in_view(selected, offset, height).min(len.saturating_sub(height.max(1)))
}

/// The smallest change of `offset` that shows `selected` in a viewport of `height` rows.
pub fn keep_in_view(selected: usize, offset: usize, height: usize) -> usize {
    let height = height.max(1);
    if selected < offset {
        selected
    } else if selected >= offset + height {
        selected + 1 - height
    } else {
        offset
    }
}

fn sort_index(index: &mut [u32], subtasks: &[Subtask], sort: SortMode) {
    let at = |i: &u32| &subtasks[*i as usize];
    match sort {
        SortMode::FailuresFirst => index.sort_by_key(|i| state_rank(at(i).state)),
        SortMode::Path => index.sort_by(|a, b| {
            let (a, b) = (at(a), at(b));
            a.path().cmp(b.path()).then_with(|| a.method().cmp(b.method())).then_with(|| cmp_ci(a.name(), b.name()))
        }),
        SortMode::Name => index.sort_by(|a, b| {
            let (a, b) = (at(a), at(b));
            cmp_ci(a.name(), b.name()).then_with(|| a.path().cmp(b.path()))
        }),
        SortMode::State => index.sort_by(|a, b| {
            let (a, b) = (at(a), at(b));
            a.state.as_str().cmp(b.state.as_str()).then_with(|| a.path().cmp(b.path()))
        }),
        SortMode::Kind => index.sort_by(|a, b| {
            let (a, b) = (at(a), at(b));
            a.kind.cmp(&b.kind).then_with(|| a.path().cmp(b.path())).then_with(|| a.method().cmp(b.method()))
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ApiError;
    use crate::domain::{ApiErrorRef, SubtaskText};

    fn sub(i: usize, state: SubtaskState) -> Subtask {
        Subtask::new(
            if i.is_multiple_of(5) { SubtaskKind::Model } else { SubtaskKind::Api },
            state,
            SubtaskText {
                id: &format!("id{i}"),
                name: &format!("Name{i:03}"),
                method: if i.is_multiple_of(2) { "GET" } else { "POST" },
                path: &format!("/v1/r{:03}", 100 - i),
                error: (state.is_problem().then(|| ApiError::new("E1", format!("Duplicate USERS path {i}"))))
                    .as_ref()
                    .map(ApiErrorRef::from),
                ..SubtaskText::default()
            },
        )
        .at_index(u32::try_from(i).unwrap())
    }

    fn subs() -> Vec<Subtask> {
        (0..20)
            .map(|i| {
                let state = match i % 7 {
                    0 => SubtaskState::Failed,
                    3 => SubtaskState::Running,
                    5 => SubtaskState::Cancelled,
                    _ => SubtaskState::Succeeded,
                };
                sub(i, state)
            })
            .collect()
    }

    fn names(view: &SubtaskView, s: &[Subtask]) -> Vec<String> {
        view.index().iter().map(|&i| s[i as usize].name().to_owned()).collect()
    }

    #[test]
    fn failures_first_is_stable_within_each_state() {
        let s = subs();
        let mut v = SubtaskView::default();
        v.rebuild(&s, None);
        let states: Vec<_> = v.index().iter().map(|&i| s[i as usize].state).collect();
        assert_eq!(&states[..3], &[SubtaskState::Failed; 3]);
        assert_eq!(states[3], SubtaskState::Cancelled);
        assert_eq!(&names(&v, &s)[..3], &["Name000", "Name007", "Name014"]);
        assert_eq!(v.len(), 20);
    }

    #[test]
    fn filter_is_case_insensitive_over_fields_and_error_text() {
        let s = subs();
        let mut v = SubtaskView::default();
        v.rebuild(&s, None);
        v.set_filter(&s, "users");
        assert_eq!(v.len(), 6, "3 failed + 3 cancelled carry the error text");
        v.set_filter(&s, "users path 1");
        assert_eq!(names(&v, &s), ["Name014", "Name012", "Name019"].map(String::from), "failed before cancelled");
        v.set_filter(&s, "NAME00");
        assert_eq!(v.len(), 10);
        v.set_filter(&s, "post");
        assert_eq!(v.len(), 10);
        v.set_filter(&s, "");
        assert_eq!(v.len(), 20);
    }

    #[test]
    fn failures_only_and_sort_modes() {
        let s = subs();
        let mut v = SubtaskView::default();
        v.rebuild(&s, None);
        v.set_failures_only(&s, true);
        assert_eq!(v.len(), 6);
        v.set_failures_only(&s, false);
        v.set_sort(&s, SortMode::Path);
        assert_eq!(names(&v, &s)[0], "Name019", "path /v1/r081 sorts first");
        v.set_sort(&s, SortMode::Name);
        assert_eq!(names(&v, &s)[0], "Name000");
        v.set_sort(&s, SortMode::Kind);
        assert_eq!(s[v.index()[0] as usize].kind, SubtaskKind::Api);
        assert_eq!(s[*v.index().last().unwrap() as usize].kind, SubtaskKind::Model);
        v.set_sort(&s, SortMode::State);
        assert_eq!(s[v.index()[0] as usize].state, SubtaskState::Cancelled, "alphabetical by state word");
        assert_eq!(SortMode::Kind.next(), SortMode::FailuresFirst);
    }

    #[test]
    fn selection_follows_identity_across_rebuilds() {
        let mut s = subs();
        let mut v = SubtaskView::default();
        v.rebuild(&s, None);
        v.select(10, 5);
        let key = v.selected_key(&s).unwrap();
        let chosen = s[v.selected_pos().unwrap()].name().to_owned();
        // A refresh where the chosen subtask failed moves it to the top under "failures first".
        let pos = v.selected_pos().unwrap();
        s[pos].state = SubtaskState::Failed;
        v.rebuild(&s, Some(&key));
        assert_eq!(s[v.selected_pos().unwrap()].name(), chosen);
        assert!(v.selected() < 4);
        // When it disappears the row index is kept (clamped).
        let gone = s.remove(v.selected_pos().unwrap());
        v.rebuild(&s, Some(&SubtaskKey::of(&gone)));
        assert!(v.selected() < s.len());
    }

    #[test]
    fn a_scope_restricts_rows_and_combines_with_the_filter() {
        let s = subs();
        let mut v = SubtaskView::default();
        v.rebuild(&s, None);
        v.set_scope(&s, Some(vec![0, 1, 7, 14, 19]));
        assert!(v.is_scoped());
        assert_eq!(names(&v, &s), ["Name000", "Name007", "Name014", "Name019", "Name001"].map(String::from));
        v.set_filter(&s, "name01");
        assert_eq!(names(&v, &s), ["Name014", "Name019"].map(String::from));
        v.set_filter(&s, "");
        v.set_scope(&s, None);
        assert_eq!(v.len(), 20);
        v.set_scope(&s, Some(vec![]));
        assert!(v.is_empty());
        assert_eq!(v.selected_pos(), None);
    }

    #[test]
    fn moving_and_scrolling_keep_the_selection_in_view() {
        let s = subs();
        let mut v = SubtaskView::default();
        v.rebuild(&s, None);
        v.move_by(7, 5);
        assert_eq!((v.selected(), v.offset()), (7, 3));
        v.move_by(-100, 5);
        assert_eq!((v.selected(), v.offset()), (0, 0));
        v.move_by(100, 5);
        assert_eq!((v.selected(), v.offset()), (19, 15));
        v.scroll_by(-10, 5);
        assert_eq!((v.selected(), v.offset()), (9, 5));
        assert_eq!(keep_in_view(3, 10, 0), 3);
    }
}
