//! Failure groups: the failed and cancelled subtasks of a task, clustered by error signature
//! ("37 APIs: Path {path} conflicts with existing API {id}"), biggest group first.
//!
//! Owns the grouping and its order. The masking rules are [`super::signature`]; the text shown
//! for a group is the caller's to lay out. Pure; one pass over the subtasks plus a sort of the
//! groups, one hash lookup per failure and no allocation for a failure that joins an existing group.
//!
//! Both clouds fit one shape: Alibaba items carry only a message (`ErrorMessage`, code empty),
//! Huawei failures carry `error_code` + `error_msg`. A group is keyed by the trimmed code *and*
//! the signature, so the same text under two codes stays two groups.

use std::collections::HashMap;
use std::hash::BuildHasher as _;

use serde::Serialize;

use super::signature::Normaliser;
use crate::domain::{Subtask, SubtaskKind, SubtaskState, Task};
use crate::sanitize;

/// The signature of failed subtasks for which the provider sent no error text at all, so the UI
/// never shows an empty error silently.
pub const NO_ERROR_TEXT: &str = "no error text returned by the API";

/// The same for cancelled subtasks: a cancel without a reason is a different story from a failure.
pub const CANCELLED_NO_TEXT: &str = "cancelled; no error text returned by the API";

/// Failures that share an error code and a normalised message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FailureGroup {
    /// The masked message, safe to draw as is (control characters already made visible).
    pub signature: String,
    /// The provider's error code, trimmed; empty for Alibaba items, which have none.
    pub code: String,
    /// How many members are APIs.
    pub apis: u32,
    /// How many members are models.
    pub models: u32,
    /// The first member's message, verbatim (empty when the provider sent none). Sanitise before drawing.
    pub example: String,
    /// Indices into `task.subtasks` of the members, ascending (task order).
    pub members: Vec<u32>,
}

impl FailureGroup {
    pub fn count(&self) -> usize {
        self.members.len()
    }

    /// False for the groups of failures that came with no text ([`NO_ERROR_TEXT`]).
    pub fn has_text(&self) -> bool {
        !self.example.trim().is_empty()
    }

    /// `37 APIs`, `1 model`, `3 APIs, 2 models`.
    pub fn what(&self) -> String {
        let part = |n: u32, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        match (self.apis, self.models) {
            (apis, 0) => part(apis, "API", "APIs"),
            (0, models) => part(models, "model", "models"),
            (apis, models) => format!("{}, {}", part(apis, "API", "APIs"), part(models, "model", "models")),
        }
    }

    /// One line for a list: `37 APIs: Path {path} conflicts with existing API {id}`, with
    /// ` [CODE]` appended when there is a code. Safe to draw.
    pub fn label(&self) -> String {
        if self.code.is_empty() {
            format!("{}: {}", self.what(), self.signature)
        } else {
            format!("{}: {} [{}]", self.what(), self.signature, sanitize::line(&self.code))
        }
    }
}

/// The failure groups of a task (see [`group_subtasks`]).
pub fn group_failures(task: &Task) -> Vec<FailureGroup> {
    group_subtasks(&task.subtasks)
}

/// Clusters the failed and cancelled subtasks by (code, signature).
///
/// Every failed or cancelled subtask lands in exactly one group; others in none. Groups come
/// sorted by size (largest first), then signature, then code, so the order is stable across polls.
pub fn group_subtasks(subtasks: &[Subtask]) -> Vec<FailureGroup> {
    regroup_subtasks(subtasks, None)
}

/// The groups of the next snapshot of a task, given the previous snapshot and its groups: the
/// same result as [`group_subtasks`], but a subtask whose state, name and error are those of the
/// previous subtask at its position takes that subtask's signature instead of normalising its
/// message again. A poll of a running task changes a few items, so this skips nearly all of the
/// normalising (the bulk of applying a 10,000-subtask snapshot).
pub fn regroup_subtasks(subtasks: &[Subtask], previous: Option<(&[Subtask], &[FailureGroup])>) -> Vec<FailureGroup> {
    let previous = previous.map(|(subs, groups)| (subs, groups, membership(groups, subs.len())));
    let mut normaliser = Normaliser::new();
    let mut groups = GroupBuilder::default();
    for (position, subtask) in subtasks.iter().enumerate() {
        if !subtask.state.is_problem() {
            continue;
        }
        let reused = previous.as_ref().and_then(|(subs, old_groups, of)| {
            let before = subs.get(position)?;
            let unchanged =
                before.state == subtask.state && before.name() == subtask.name() && before.same_error(subtask);
            let group = (*of.get(position)?)?;
            unchanged.then(|| old_groups.get(group as usize).map(|g| g.signature.as_str())).flatten()
        });
        let signature = match reused {
            Some(signature) => signature,
            None => fresh_signature(&mut normaliser, subtask),
        };
        groups.add(position, subtask, signature);
    }
    groups.finish()
}

/// Signatures already worked out for a task's earlier snapshots, by a hash of everything that
/// makes one (state, name, code, message). [`group_subtasks_memo`] normalises only what it has
/// not seen, wherever in the list it moved to; it keeps only the entries the latest snapshot used.
#[derive(Debug, Default)]
pub struct SignatureMemo {
    signatures: HashMap<u64, String>,
    /// foldhash, seeded per memo: about 4x SipHash's speed over kilobyte-long stack traces.
    hasher: foldhash::quality::RandomState,
}

/// [`group_subtasks`], remembering signatures across snapshots of the same task in `memo`: the
/// dashboard groups each answer off its UI thread this way, with no earlier snapshot at hand.
pub fn group_subtasks_memo(subtasks: &[Subtask], memo: &mut SignatureMemo) -> Vec<FailureGroup> {
    let mut normaliser = Normaliser::new();
    let mut groups = GroupBuilder::default();
    let mut used: HashMap<u64, String> = HashMap::with_capacity(memo.signatures.len());
    for (position, subtask) in subtasks.iter().enumerate() {
        if !subtask.state.is_problem() {
            continue;
        }
        let key = memo.hasher.hash_one((subtask.state, subtask.name(), subtask.error_identity()));
        let signature = used.entry(key).or_insert_with(|| {
            memo.signatures.remove(&key).unwrap_or_else(|| fresh_signature(&mut normaliser, subtask).to_owned())
        });
        groups.add(position, subtask, signature);
    }
    memo.signatures = used;
    groups.finish()
}

/// The signature of a failure worked out from its own text.
fn fresh_signature<'n>(normaliser: &'n mut Normaliser, subtask: &Subtask) -> &'n str {
    let message = subtask.error_message();
    if !message.trim().is_empty() {
        normaliser.normalise(&message, subtask.name())
    } else if subtask.state == SubtaskState::Cancelled {
        CANCELLED_NO_TEXT
    } else {
        NO_ERROR_TEXT
    }
}

/// Failures gathered into groups by (code, signature), in the order met, then sorted.
#[derive(Default)]
struct GroupBuilder {
    by_key: HashMap<String, usize, foldhash::fast::RandomState>,
    groups: Vec<FailureGroup>,
    key: String,
}

impl GroupBuilder {
    fn add(&mut self, position: usize, subtask: &Subtask, signature: &str) {
        let code = subtask.error_code().trim();
        self.key.clear();
        self.key.push_str(code);
        self.key.push('\0');
        self.key.push_str(signature);
        let slot = if let Some(&slot) = self.by_key.get(self.key.as_str()) {
            slot
        } else {
            self.groups.push(FailureGroup {
                signature: signature.to_owned(),
                code: code.to_owned(),
                apis: 0,
                models: 0,
                example: subtask.error_message().into_owned(),
                members: Vec::new(),
            });
            self.by_key.insert(self.key.clone(), self.groups.len() - 1);
            self.groups.len() - 1
        };
        let group = &mut self.groups[slot];
        group.members.push(u32::try_from(position).unwrap_or(u32::MAX));
        match subtask.kind {
            SubtaskKind::Api => group.apis += 1,
            SubtaskKind::Model => group.models += 1,
        }
    }

    /// Largest first, then by signature and code, so the order is stable across polls.
    fn finish(mut self) -> Vec<FailureGroup> {
        self.groups.sort_by(|a, b| {
            b.members
                .len()
                .cmp(&a.members.len())
                .then_with(|| a.signature.cmp(&b.signature))
                .then_with(|| a.code.cmp(&b.code))
        });
        self.groups
    }
}

/// For each of `len` subtasks, the index of its group in `groups`, if it has one.
pub fn membership(groups: &[FailureGroup], len: usize) -> Vec<Option<u32>> {
    let mut of = vec![None; len];
    for (g, group) in groups.iter().enumerate() {
        let g = u32::try_from(g).unwrap_or(u32::MAX);
        for &member in &group.members {
            if let Some(slot) = usize::try_from(member).ok().and_then(|m| of.get_mut(m)) {
                *slot = Some(g);
            }
        }
    }
    of
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::signature::signature;
    use crate::domain::{ApiErrorRef, SubtaskText};
    use crate::domain::{Counts, TaskKind, TaskRef, TaskState};
    use proptest::prelude::*;

    fn subtask(kind: SubtaskKind, name: &str, state: SubtaskState, error: Option<(&str, &str)>) -> Subtask {
        Subtask::new(
            kind,
            state,
            SubtaskText {
                name,
                method: if kind == SubtaskKind::Api { "GET" } else { "" },
                path: if kind == SubtaskKind::Api { "/x" } else { "" },
                error: error.map(|(code, message)| ApiErrorRef::new(code, message)),
                ..SubtaskText::default()
            },
        )
    }

    fn failed_api(message: &str) -> Subtask {
        subtask(SubtaskKind::Api, "", SubtaskState::Failed, Some(("", message)))
    }

    #[test]
    fn regrouping_from_the_previous_snapshot_gives_the_same_groups() {
        let named = |name: &str, state, error: Option<(&str, &str)>| subtask(SubtaskKind::Api, name, state, error);
        let before = vec![
            failed_api("Path /a conflicts with existing API 3f2a9c81d0e54b6f9a7c3d2e1f0a9b8c"),
            named("Pet", SubtaskState::Failed, Some(("", "Model Pet already exists"))),
            named("", SubtaskState::Running, None),
            named("", SubtaskState::Failed, None),
            failed_api("Timeout after 30s"),
        ];
        let old_groups = group_subtasks(&before);
        let mut after = before.clone();
        after[1].set_name("Owner"); // same message, another own name: must be normalised again
        after[2] = failed_api("Path /b conflicts with existing API 9b8c3d2e1f0a9b8c3f2a9c81d0e54b6f");
        after[3].state = SubtaskState::Cancelled; // no text: the fallback depends on the state
        after[4].set_error("APIG.1", "Timeout after 30s"); // same text, a code now
        after.push(failed_api("Backend unreachable"));
        let regrouped = regroup_subtasks(&after, Some((&before, &old_groups)));
        assert_eq!(regrouped, group_subtasks(&after));
        assert_eq!(regroup_subtasks(&before, Some((&before, &old_groups))), old_groups);
        assert_eq!(regroup_subtasks(&after[..2], Some((&before, &old_groups))), group_subtasks(&after[..2]));
    }

    #[test]
    fn alibaba_messages_cluster_by_signature_biggest_first() {
        let subtasks = vec![
            failed_api("Duplicate API GET /users"),
            failed_api("Path /pets/{petId} conflicts with existing API 3f2a9c81d0e54b6f9a7c3d2e1f0a9b8c"),
            subtask(SubtaskKind::Api, "", SubtaskState::Succeeded, None),
            failed_api("Path /users conflicts with existing API 9b8c3d2e1f0a9b8c3f2a9c81d0e54b6f"),
            subtask(
                SubtaskKind::Model,
                "Pet",
                SubtaskState::Failed,
                Some(("", "Model Pet already exists in group 736508d885074167ba8fbce3bc95ea0b")),
            ),
            failed_api("Internal Error\n"),
            subtask(
                SubtaskKind::Model,
                "Owner",
                SubtaskState::Failed,
                Some(("", "Model Owner already exists in group 736508d885074167ba8fbce3bc95ea0b")),
            ),
            failed_api("Internal Error"),
            failed_api("Path /a conflicts with existing API 00000000000000000000000000000abc"),
        ];
        let groups = group_subtasks(&subtasks);
        let summary: Vec<_> = groups.iter().map(|g| (g.label(), g.members.clone())).collect();
        assert_eq!(
            summary,
            vec![
                ("3 APIs: Path {path} conflicts with existing API {id}".to_owned(), vec![1, 3, 8]),
                ("2 APIs: Internal Error".to_owned(), vec![5, 7]),
                ("2 models: Model {name} already exists in group {id}".to_owned(), vec![4, 6]),
                ("1 API: Duplicate API {method} {path}".to_owned(), vec![0]),
            ]
        );
        assert_eq!(groups[1].example, "Internal Error\n", "the example is the first member's text, verbatim");
        assert_eq!(groups[0].example, subtasks[1].error().unwrap().message);
    }

    #[test]
    fn huawei_codes_split_groups_with_the_same_text() {
        let huawei =
            |code: &str, message: &str| subtask(SubtaskKind::Api, "", SubtaskState::Failed, Some((code, message)));
        let subtasks = vec![
            huawei("APIG.3301", "The API already exists"),
            huawei(" APIG.3301 ", "The API already exists"),
            huawei("APIG.2012", "The API already exists"),
            huawei(
                "APIG.2012",
                "Invalid parameter value,parameterName:req_uri. Please refer to the support documentation",
            ),
        ];
        let groups = group_subtasks(&subtasks);
        let summary: Vec<_> = groups.iter().map(|g| (g.code.as_str(), g.signature.as_str(), g.count())).collect();
        assert_eq!(
            summary,
            vec![
                ("APIG.3301", "The API already exists", 2),
                (
                    "APIG.2012",
                    "Invalid parameter value,parameterName:req_uri. Please refer to the support documentation",
                    1
                ),
                ("APIG.2012", "The API already exists", 1),
            ]
        );
        assert_eq!(groups[0].label(), "2 APIs: The API already exists [APIG.3301]");
    }

    #[test]
    fn failures_without_text_form_their_own_groups() {
        let subtasks = vec![
            subtask(SubtaskKind::Api, "", SubtaskState::Failed, None),
            subtask(SubtaskKind::Api, "", SubtaskState::Failed, Some(("", " \n"))),
            subtask(SubtaskKind::Model, "M", SubtaskState::Cancelled, None),
            subtask(SubtaskKind::Api, "", SubtaskState::Failed, Some(("APIG.9999", ""))),
            subtask(SubtaskKind::Api, "", SubtaskState::Cancelled, Some(("", "cancelled by user"))),
        ];
        let groups = group_subtasks(&subtasks);
        let summary: Vec<_> = groups.iter().map(|g| (g.label(), g.has_text())).collect();
        assert_eq!(
            summary,
            vec![
                ("2 APIs: no error text returned by the API".to_owned(), false),
                ("1 API: cancelled by user".to_owned(), true),
                ("1 model: cancelled; no error text returned by the API".to_owned(), false),
                ("1 API: no error text returned by the API [APIG.9999]".to_owned(), false),
            ]
        );
    }

    #[test]
    fn ties_are_ordered_by_signature_then_code_whatever_the_input_order() {
        let a = || subtask(SubtaskKind::Api, "", SubtaskState::Failed, Some(("B", "alpha")));
        let b = || subtask(SubtaskKind::Api, "", SubtaskState::Failed, Some(("A", "alpha")));
        let c = || failed_api("beta");
        let forward = group_subtasks(&[a(), b(), c()]);
        let backward = group_subtasks(&[c(), b(), a()]);
        let keys =
            |groups: &[FailureGroup]| groups.iter().map(|g| (g.signature.clone(), g.code.clone())).collect::<Vec<_>>();
        let expected = vec![("alpha".into(), "A".into()), ("alpha".into(), "B".into()), ("beta".into(), String::new())];
        assert_eq!(keys(&forward), expected);
        assert_eq!(keys(&backward), expected);
    }

    #[test]
    fn mixed_groups_count_apis_and_models() {
        let subtasks = vec![
            failed_api("Internal Error"),
            subtask(SubtaskKind::Model, "Pet", SubtaskState::Failed, Some(("", "Internal Error"))),
            failed_api("Internal Error"),
        ];
        let groups = group_subtasks(&subtasks);
        assert_eq!((groups[0].apis, groups[0].models), (2, 1));
        assert_eq!(groups[0].what(), "2 APIs, 1 model");
    }

    #[test]
    fn group_failures_reads_the_task_and_membership_maps_back() {
        let task_ref: TaskRef = "aliyun://cn-hangzhou/abc".parse().unwrap();
        let task = Task::new(task_ref, TaskKind::Import, TaskState::PartiallyFailed, "Finished").with_subtasks(vec![
            subtask(SubtaskKind::Api, "", SubtaskState::Succeeded, None),
            failed_api("x"),
            failed_api("y"),
            failed_api("x"),
        ]);
        let groups = group_failures(&task);
        assert_eq!(membership(&groups, task.subtasks.len()), vec![None, Some(0), Some(1), Some(0)]);
    }

    #[test]
    fn hundred_thousand_subtasks_group_into_a_handful() {
        let templates = [
            "Path /p{i}/{{id}} conflicts with existing API {h}",
            "Model M{i} already exists in group {h}",
            "Parameter location cookie is not supported (parameter session)",
            "Duplicate API GET /users/{i}",
            "Internal Error\n",
        ];
        let subtasks: Vec<Subtask> = (0..100_000u32)
            .map(|i| {
                if i % 3 == 0 {
                    return subtask(SubtaskKind::Api, "", SubtaskState::Succeeded, None);
                }
                let h = format!("{:032x}", u128::from(i) * 0x9e37_79b9_7f4a_7c15 + 0xabc);
                let message = templates[(i % 5) as usize].replace("{i}", &i.to_string()).replace("{h}", &h);
                let (kind, name) =
                    if i % 5 == 1 { (SubtaskKind::Model, format!("M{i}")) } else { (SubtaskKind::Api, String::new()) };
                subtask(kind, &name, SubtaskState::Failed, Some(("", &message)))
            })
            .collect();
        let groups = group_subtasks(&subtasks);
        assert_eq!(groups.len(), 5, "{:#?}", groups.iter().map(FailureGroup::label).collect::<Vec<_>>());
        let counts = Counts::of(&subtasks);
        assert_eq!(groups.iter().map(FailureGroup::count).sum::<usize>(), counts.failed as usize);
    }

    fn arb_subtask() -> impl Strategy<Value = Subtask> {
        let states = prop::sample::select(SubtaskState::ALL.to_vec());
        let kinds = prop::sample::select(vec![SubtaskKind::Api, SubtaskKind::Model]);
        let messages = prop::sample::select(vec![
            "",
            "Internal Error",
            "Internal Error\n",
            "Path /a conflicts with existing API 3f2a9c81d0e54b6f9a7c3d2e1f0a9b8c",
            "Path /b/{x} conflicts with existing API 9b8c3d2e1f0a9b8c3f2a9c81d0e54b6f",
            "Duplicate API POST /users",
            "weird \u{1b}[31m text",
        ]);
        let codes = prop::sample::select(vec!["", "APIG.3301", "APIG.2012"]);
        (states, kinds, prop::option::of((codes, messages)))
            .prop_map(|(state, kind, error)| subtask(kind, "", state, error.map(|(c, m): (&str, &str)| (c, m))))
    }

    proptest! {
        #[test]
        fn grouping_partitions_the_failures(subtasks in prop::collection::vec(arb_subtask(), 0..60)) {
            let groups = group_subtasks(&subtasks);
            let of = membership(&groups, subtasks.len());
            let mut seen = vec![0u32; subtasks.len()];
            for group in &groups {
                prop_assert!(!group.members.is_empty());
                prop_assert!(group.members.windows(2).all(|w| w[0] < w[1]), "members in task order");
                prop_assert_eq!((group.apis + group.models) as usize, group.count());
                for &m in &group.members {
                    seen[m as usize] += 1;
                    let s = &subtasks[m as usize];
                    let code = s.error().map_or("", |e| e.code.trim());
                    prop_assert_eq!(code, group.code.as_str());
                    let message = s.error_message();
                    if !message.trim().is_empty() {
                        prop_assert_eq!(signature(&message, s.name()), group.signature.clone());
                    }
                }
            }
            for (i, s) in subtasks.iter().enumerate() {
                let expected = u32::from(s.state.is_problem());
                prop_assert_eq!(seen[i], expected, "subtask {} ({:?})", i, s.state);
                prop_assert_eq!(of[i].is_some(), s.state.is_problem());
            }
            let counts = Counts::of(&subtasks);
            prop_assert_eq!(groups.iter().map(FailureGroup::count).sum::<usize>(), (counts.failed + counts.cancelled) as usize);
            prop_assert!(groups.windows(2).all(|w| (std::cmp::Reverse(w[0].count()), &w[0].signature, &w[0].code)
                < (std::cmp::Reverse(w[1].count()), &w[1].signature, &w[1].code)), "sorted and keys unique");
        }

        #[test]
        fn memoised_grouping_over_successive_snapshots_is_plain_grouping(
            snapshots in prop::collection::vec(prop::collection::vec(arb_subtask(), 0..40), 1..5)
        ) {
            let mut memo = SignatureMemo::default();
            for subtasks in &snapshots {
                prop_assert_eq!(group_subtasks_memo(subtasks, &mut memo), group_subtasks(subtasks));
            }
        }
    }
}
