//! The values a group's variables took: `{model}: Money ×7, Address ×3`.
//!
//! Owns reading each member's message back against its group's template: the member is masked
//! as the grouping masked it, aligned with the template, and each slot's stretch is mapped back to
//! the message's own text (so `{path}` reads `/pets/{petId}`, and a referenced `{model}` reads
//! `Money`). Computed on demand for one group, never per frame. Pure.

use std::collections::HashMap;
use std::fmt::Write as _;

use super::consequences::{ProblemNames, can_be_consequence};
use super::grouper::grouping_names;
use super::groups::FailureGroup;
use super::miner::{Item, slot_ranges, varies};
use super::signature::Normaliser;
use super::tokens::tokenize;
use crate::domain::Subtask;

/// One variable of a template and the values its members gave it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VariableValues {
    /// The variable as the template shows it, without surrounding punctuation: `{model}`.
    pub name: String,
    /// The most frequent values first (ties in the order met), at most the number asked for.
    pub values: Vec<(String, u32)>,
    /// How many different values there were in all.
    pub distinct: usize,
}

impl VariableValues {
    /// `{model}: Money ×7, Address ×3` (and `, … 4 more` when some were left out). Not sanitised.
    pub fn line(&self) -> String {
        let shown: Vec<String> = self.values.iter().map(|(v, n)| format!("{v} ×{n}")).collect();
        let mut line = format!("{}: {}", self.name, shown.join(", "));
        let more = self.distinct.saturating_sub(self.values.len());
        if more > 0 {
            let _ = write!(line, ", … {more} more");
        }
        line
    }
}

/// The values of each variable of `group` over its members in `subtasks`, at most `keep` per
/// variable.
pub fn variable_values(group: &FailureGroup, subtasks: &[Subtask], keep: usize) -> Vec<VariableValues> {
    let slots: Vec<usize> =
        group.template.iter().enumerate().filter(|(_, item)| varies(item)).map(|(i, _)| i).collect();
    if slots.is_empty() {
        return Vec::new();
    }
    let names = ProblemNames::of(subtasks);
    let refer = |word: &str| names.mask(word);
    let mut normaliser = Normaliser::new();
    let mut tokens = Vec::new();
    let mut counts: Vec<HashMap<String, (u32, usize)>> = vec![HashMap::new(); slots.len()];
    for &member in &group.members {
        let Some(subtask) = subtasks.get(member as usize) else { continue };
        let message = subtask.error_message();
        let consequence = can_be_consequence(subtask.state) && !names.is_empty();
        let context = grouping_names(consequence.then_some(&refer as &dyn Fn(&str) -> _));
        let signature = normaliser.normalise_with(&message, context).to_owned();
        tokenize(&signature, &mut tokens);
        let ranges = slot_ranges(&group.template, &signature, &tokens);
        for (k, &item) in slots.iter().enumerate() {
            let Some(range) = ranges[item].clone() else { continue };
            let raw = normaliser.original(range.clone()).unwrap_or(&signature[range]);
            let value = strip_wrapping(raw, &group.template[item]);
            let seen = counts[k].len();
            counts[k].entry(value.to_owned()).or_insert((0, seen)).0 += 1;
        }
    }
    slots
        .iter()
        .zip(counts)
        .map(|(&item, counts)| {
            let distinct = counts.len();
            let mut values: Vec<(String, (u32, usize))> = counts.into_iter().collect();
            values.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.1.1.cmp(&b.1.1)));
            values.truncate(keep);
            let name = match &group.template[item] {
                Item::Var { slot, .. } => slot.placeholder_text().to_owned(),
                Item::Const { text, .. } => masked_middle(text).2.to_owned(),
            };
            VariableValues { name, values: values.into_iter().map(|(v, (n, _))| (v, n)).collect(), distinct }
        })
        .collect()
}

/// A value without the punctuation its item shows around it (`[Money]` → `Money`).
fn strip_wrapping<'a>(value: &'a str, item: &Item) -> &'a str {
    let (prefix, suffix) = match item {
        Item::Var { slot, .. } => (&*slot.prefix, &*slot.suffix),
        Item::Const { text, .. } => {
            let (prefix, suffix, _) = masked_middle(text);
            (prefix, suffix)
        }
    };
    let inner = value.strip_prefix(prefix).unwrap_or(value);
    inner.strip_suffix(suffix).unwrap_or(inner)
}

/// A constant with masks split around them: (before the first, after the last, the masks).
fn masked_middle(text: &str) -> (&str, &str, &str) {
    let start = text.find('{').unwrap_or(0);
    let end = text.rfind('}').map_or(text.len(), |i| i + 1).max(start);
    (&text[..start], &text[end..], &text[start..end])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::group_subtasks;
    use crate::domain::{ApiErrorRef, SubtaskKind, SubtaskState, SubtaskText};

    fn sub(kind: SubtaskKind, name: &str, state: SubtaskState, message: &str) -> Subtask {
        Subtask::new(
            kind,
            state,
            SubtaskText { name, error: Some(ApiErrorRef::new("", message)), ..SubtaskText::default() },
        )
    }

    #[test]
    fn referenced_models_and_masked_paths_read_as_their_text() {
        let mut subtasks = vec![
            sub(SubtaskKind::Model, "Money", SubtaskState::Failed, "Internal Error"),
            sub(SubtaskKind::Model, "Address", SubtaskState::Failed, "Internal Error"),
        ];
        for (i, model) in ["Money", "Money", "Address", "Money"].iter().enumerate() {
            let message =
                format!("The import of API [GET /pets/{i}] was cancelled because model [{model}] failed to import.");
            subtasks.push(sub(SubtaskKind::Api, &format!("Api{i}"), SubtaskState::Cancelled, &message));
        }
        let groups = group_subtasks(&subtasks);
        let cancels = groups.iter().find(|g| g.is_consequence()).unwrap();
        let values = variable_values(cancels, &subtasks, 8);
        let lines: Vec<String> = values.iter().map(VariableValues::line).collect();
        assert_eq!(
            lines,
            [
                "{method} {path}: GET /pets/0 ×1, GET /pets/1 ×1, GET /pets/2 ×1, GET /pets/3 ×1",
                "{model}: Money ×3, Address ×1"
            ]
        );
        let few = variable_values(cancels, &subtasks, 2);
        assert_eq!(few[0].line(), "{method} {path}: GET /pets/0 ×1, GET /pets/1 ×1, … 2 more");
    }

    #[test]
    fn learned_names_read_as_themselves() {
        let subtasks: Vec<Subtask> = ["LegacyCheckout", "LegacyListOrders", "LegacyCheckout"]
            .iter()
            .map(|n| {
                sub(SubtaskKind::Api, "", SubtaskState::Failed, &format!("Path /x/{n} conflicts with existing API {n}"))
            })
            .collect();
        let groups = group_subtasks(&subtasks);
        assert_eq!(groups.len(), 1);
        let values = variable_values(&groups[0], &subtasks, 8);
        assert_eq!(values[1].line(), "{name}: LegacyCheckout ×2, LegacyListOrders ×1");
        assert!(
            variable_values(&group_subtasks(&subtasks[..1])[0], &subtasks[..1], 8)[0].line().starts_with("{path}: /x/")
        );
    }
}
