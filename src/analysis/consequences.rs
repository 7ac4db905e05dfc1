//! Consequences: subtasks cancelled or skipped because another subtask failed, found from their
//! messages: a consequence names the subtask whose failure stopped it ("The import of API
//! [GET /a] was cancelled because model [Money] failed").
//!
//! Owns the names a message may refer to ([`ProblemNames`]) and how a chain of references is
//! followed to the failure at its root ([`root_cause`]). Which group a consequence is folded
//! under is [`super::grouper`]'s. Pure.

use std::collections::HashMap;

use crate::domain::{Subtask, SubtaskKind, SubtaskState};

/// Names shorter than this are not taken as references: `id` or `v2` in a message is too
/// likely to be a word of its own.
const MIN_NAME_CHARS: usize = 3;

/// How many references are followed from a consequence to its root (a model whose failure
/// cancelled a model that cancelled an API is two).
const MAX_CHAIN: usize = 8;

/// The names of a snapshot's failed and cancelled subtasks, by name.
#[derive(Debug, Default)]
pub struct ProblemNames<'a> {
    by_name: HashMap<&'a str, (u32, SubtaskKind, SubtaskState)>,
}

impl<'a> ProblemNames<'a> {
    /// A failed subtask wins over a cancelled one of the same name, the first over later ones.
    pub fn of(subtasks: &'a [Subtask]) -> ProblemNames<'a> {
        let mut by_name: HashMap<&'a str, (u32, SubtaskKind, SubtaskState)> = HashMap::new();
        for (position, subtask) in subtasks.iter().enumerate() {
            let name = subtask.name().trim();
            if !subtask.state.is_problem() || name.chars().count() < MIN_NAME_CHARS || name.contains(' ') {
                continue;
            }
            let entry = (u32::try_from(position).unwrap_or(u32::MAX), subtask.kind, subtask.state);
            by_name
                .entry(name)
                .and_modify(|known| {
                    if known.2 != SubtaskState::Failed && subtask.state == SubtaskState::Failed {
                        *known = entry;
                    }
                })
                .or_insert(entry);
        }
        ProblemNames { by_name }
    }

    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }

    /// The mask a reference to `word` takes in a signature: `{model}` or `{api}`.
    pub fn mask(&self, word: &str) -> Option<&'static str> {
        self.by_name.get(word).map(|(_, kind, _)| match kind {
            SubtaskKind::Model => "{model}",
            SubtaskKind::Api => "{api}",
        })
    }

    /// The position of the subtask called `name`, and whether it failed (rather than was cancelled).
    fn find(&self, name: &str) -> Option<(u32, bool)> {
        self.by_name.get(name).map(|(position, _, state)| (*position, *state == SubtaskState::Failed))
    }
}

/// Whether a subtask can be the consequence of another's failure.
pub fn can_be_consequence(state: SubtaskState) -> bool {
    matches!(state, SubtaskState::Cancelled | SubtaskState::Skipped)
}

/// The position of the failed subtask at the root of `references` (names the consequence's
/// message gave, in order), following cancelled subtasks through `references_of` their own.
pub fn root_cause<'r>(
    references: &'r [Box<str>],
    names: &ProblemNames<'_>,
    references_of: impl Fn(u32) -> Option<&'r [Box<str>]>,
) -> Option<u32> {
    let mut current = references;
    for _ in 0..MAX_CHAIN {
        let (position, failed) = current.iter().find_map(|name| names.find(name))?;
        if failed {
            return Some(position);
        }
        current = references_of(position)?;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::SubtaskText;

    fn sub(kind: SubtaskKind, name: &str, state: SubtaskState) -> Subtask {
        Subtask::new(kind, state, SubtaskText { name, ..SubtaskText::default() })
    }

    #[test]
    fn names_of_failures_are_references_and_failures_win() {
        let subtasks = vec![
            sub(SubtaskKind::Model, "Money", SubtaskState::Cancelled),
            sub(SubtaskKind::Model, "Money", SubtaskState::Failed),
            sub(SubtaskKind::Api, "ListPets", SubtaskState::Failed),
            sub(SubtaskKind::Model, "Ok", SubtaskState::Failed),
            sub(SubtaskKind::Model, "Fine", SubtaskState::Succeeded),
        ];
        let names = ProblemNames::of(&subtasks);
        assert_eq!(names.mask("Money"), Some("{model}"));
        assert_eq!(names.mask("ListPets"), Some("{api}"));
        assert_eq!(names.mask("Ok"), None, "too short to be taken as a reference");
        assert_eq!(names.mask("Fine"), None, "succeeded: nothing to refer to");
        assert_eq!(names.find("Money"), Some((1, true)));
    }

    #[test]
    fn chains_are_followed_to_the_failure() {
        let subtasks = vec![
            sub(SubtaskKind::Model, "Address", SubtaskState::Failed),
            sub(SubtaskKind::Model, "Customer", SubtaskState::Cancelled),
            sub(SubtaskKind::Api, "GetCustomer", SubtaskState::Cancelled),
        ];
        let names = ProblemNames::of(&subtasks);
        let customer_refs: Vec<Box<str>> = vec!["Address".into()];
        let api_refs: Vec<Box<str>> = vec!["Customer".into()];
        let refs_of = |position: u32| (position == 1).then_some(customer_refs.as_slice());
        assert_eq!(root_cause(&api_refs, &names, refs_of), Some(0));
        assert_eq!(root_cause(&[], &names, refs_of), None);
        // A cycle of cancellations has no root.
        let loop_refs: Vec<Box<str>> = vec!["Customer".into()];
        assert_eq!(root_cause(&loop_refs, &names, |_| Some(loop_refs.as_slice())), None);
    }
}
