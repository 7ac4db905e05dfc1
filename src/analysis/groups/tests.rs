use proptest::prelude::*;

use super::*;
use crate::domain::{ApiErrorRef, Counts, SubtaskKind, SubtaskState, SubtaskText, TaskKind, TaskRef, TaskState};

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

fn labels(groups: &[FailureGroup]) -> Vec<(String, Vec<u32>)> {
    groups.iter().map(|g| (g.label(), g.members.clone())).collect()
}

#[test]
fn alibaba_messages_cluster_by_statement_biggest_first() {
    let subtasks = vec![
        failed_api("Duplicate API GET /users"),
        failed_api("Path /pets/{petId} conflicts with existing API 3f2a9c81d0e54b6f9a7c3d2e1f0a9b8c"),
        subtask(SubtaskKind::Api, "", SubtaskState::Succeeded, None),
        failed_api("Path /users conflicts with existing API LegacyListUsers"),
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
        failed_api("Path /a conflicts with existing API LegacyCheckout"),
    ];
    let groups = group_subtasks(&subtasks);
    assert_eq!(
        labels(&groups),
        vec![
            ("3 APIs: Path {path} conflicts with existing API {name}".to_owned(), vec![1, 3, 8]),
            ("2 models: Model {name} already exists in group {id}".to_owned(), vec![4, 6]),
            ("2 APIs: Internal Error".to_owned(), vec![5, 7]),
            ("1 API: Duplicate API {method} {path}".to_owned(), vec![0]),
        ],
        "ties keep the order in which the groups were first met"
    );
    assert_eq!(groups[2].example, "Internal Error\n", "the example is the first member's text, verbatim");
    assert_eq!(groups[0].example, subtasks[1].error().unwrap().message);
    assert_eq!(groups[0].variables(), ["{path}", "{name}"]);
}

#[test]
fn cancellations_are_folded_under_the_failure_they_name() {
    let model =
        |name: &str, message: &str| subtask(SubtaskKind::Model, name, SubtaskState::Failed, Some(("", message)));
    let cancelled = |name: &str, model: &str| {
        let message =
            format!("The import of API [GET /{name}] was cancelled because model [{model}] failed to import.");
        subtask(SubtaskKind::Api, name, SubtaskState::Cancelled, Some(("", &message)))
    };
    let subtasks = vec![
        model("Money", "Internal Error"),
        model("Address", "Internal Error"),
        model("Customer", "The model [Customer] already exists in group g1 (model m1)."),
        cancelled("a", "Money"),
        cancelled("b", "Money"),
        cancelled("c", "Address"),
        cancelled("d", "Customer"),
        failed_api("Path /x conflicts with existing API LegacyCheckout"),
        cancelled("e", "Nobody"),
    ];
    let groups = group_subtasks(&subtasks);
    assert_eq!(
        labels(&groups),
        vec![
            ("2 models: Internal Error".to_owned(), vec![0, 1]),
            (
                "3 APIs cancelled: The import of API [{method} {path}] was cancelled because model [{model}] failed to import.".to_owned(),
                vec![3, 4, 5]
            ),
            ("1 model: The model [Customer] already exists in group g1 (model m1).".to_owned(), vec![2]),
            (
                "1 API cancelled: The import of API [{method} {path}] was cancelled because model [{model}] failed to import.".to_owned(),
                vec![6]
            ),
            ("1 API: The import of API [{method} {path}] was cancelled because model [{model}] failed to import.".to_owned(), vec![8]),
            ("1 API: Path {path} conflicts with existing API LegacyCheckout".to_owned(), vec![7]),
        ]
    );
    assert_eq!(groups[0].impact(), 5);
    assert_eq!(groups[1].caused_by_label(&groups[0]), "3 APIs cancelled ← 2 models: Internal Error");
    assert_eq!(groups[1].cause, Some(groups[0].cluster));
    assert_eq!(groups[1].cluster, groups[3].cluster, "one template, two causes");
}

#[test]
fn huawei_codes_split_groups_with_the_same_text() {
    let huawei = |code: &str, message: &str| subtask(SubtaskKind::Api, "", SubtaskState::Failed, Some((code, message)));
    let subtasks = vec![
        huawei("APIG.3301", "The API already exists"),
        huawei(" APIG.3301 ", "The API already exists"),
        huawei("APIG.2012", "The API already exists"),
        huawei("APIG.2012", "Invalid parameter value,parameterName:req_uri. Please refer to the support documentation"),
    ];
    let groups = group_subtasks(&subtasks);
    let summary: Vec<_> = groups.iter().map(|g| (g.code.as_str(), g.signature.as_str(), g.count())).collect();
    assert_eq!(
        summary,
        vec![
            ("APIG.3301", "The API already exists", 2),
            ("APIG.2012", "The API already exists", 1),
            (
                "APIG.2012",
                "Invalid parameter value,parameterName:req_uri. Please refer to the support documentation",
                1
            ),
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
        subtask(SubtaskKind::Api, "", SubtaskState::Skipped, None),
    ];
    let groups = group_subtasks(&subtasks);
    let summary: Vec<_> = groups.iter().map(|g| (g.label(), g.has_text())).collect();
    assert_eq!(
        summary,
        vec![
            ("2 APIs: no error text returned by the API".to_owned(), false),
            ("1 model: cancelled; no error text returned by the API".to_owned(), false),
            ("1 API: no error text returned by the API [APIG.9999]".to_owned(), false),
            ("1 API: cancelled by user".to_owned(), true),
        ],
        "a skip without a reason is not a failure"
    );
}

#[test]
fn a_group_keeps_its_identity_as_members_join() {
    let mut grouper = Grouper::new();
    let first = vec![failed_api("Internal Error"), failed_api("Path /a conflicts with existing API Alpha")];
    let before = grouper.group(&first);
    let conflicts = before.iter().find(|g| g.signature.starts_with("Path")).unwrap().cluster;
    let mut more = first.clone();
    for i in 0..5 {
        more.push(failed_api(&format!("Path /p{i} conflicts with existing API Name{i}")));
    }
    let after = grouper.group(&more);
    assert_eq!(after[0].cluster, conflicts, "grown past the other, same group");
    assert_eq!(after[0].count(), 6);
    assert_eq!(after[0].engine, before[0].engine);
    assert_eq!(grouper.clusters(), 2, "no group was made for members that joined");
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
    let names = prop::sample::select(vec!["", "Money", "Address", "ListPets"]);
    let messages = prop::sample::select(vec![
        "",
        "Internal Error",
        "Internal Error\n",
        "Path /a conflicts with existing API 3f2a9c81d0e54b6f9a7c3d2e1f0a9b8c",
        "Path /b/{x} conflicts with existing API LegacyCheckout",
        "Duplicate API POST /users",
        "cancelled because model [Money] failed",
        "cancelled because model [Address] failed",
        "skipped: ListPets failed first",
        "weird \u{1b}[31m text",
    ]);
    let codes = prop::sample::select(vec!["", "APIG.3301", "APIG.2012"]);
    (states, kinds, names, prop::option::of((codes, messages)))
        .prop_map(|(state, kind, name, error)| subtask(kind, name, state, error.map(|(c, m): (&str, &str)| (c, m))))
}

proptest! {
    #[test]
    fn grouping_partitions_the_failures(subtasks in prop::collection::vec(arb_subtask(), 0..60)) {
        let groups = group_subtasks(&subtasks);
        let of = membership(&groups, subtasks.len());
        let mut seen = vec![0u32; subtasks.len()];
        for (n, group) in groups.iter().enumerate() {
            prop_assert!(!group.members.is_empty());
            prop_assert!(group.members.windows(2).all(|w| w[0] < w[1]), "members in task order");
            prop_assert_eq!((group.apis + group.models) as usize, group.count());
            prop_assert!(crate::sanitize::is_clean(&group.signature));
            if let Some(cause) = group.cause {
                let owner = groups[..n].iter().rposition(|g| g.cause.is_none());
                prop_assert_eq!(owner.map(|o| groups[o].cluster), Some(cause), "a consequence follows its cause");
            }
            for &m in &group.members {
                seen[m as usize] += 1;
                let s = &subtasks[m as usize];
                prop_assert_eq!(s.error().map_or("", |e| e.code.trim()), group.code.as_str());
            }
        }
        for (i, s) in subtasks.iter().enumerate() {
            let expected = u32::from(crate::analysis::grouper::in_groups(s));
            prop_assert_eq!(seen[i], expected, "subtask {} ({:?})", i, s.state);
            prop_assert_eq!(of[i].is_some(), expected == 1);
        }
        let causes: Vec<&FailureGroup> = groups.iter().filter(|g| !g.is_consequence()).collect();
        prop_assert!(causes.windows(2).all(|w| w[0].impact() >= w[1].impact()), "causes biggest first");
    }

    #[test]
    fn one_engine_over_successive_snapshots_groups_the_same_failures_and_keeps_its_groups(
        snapshots in prop::collection::vec(prop::collection::vec(arb_subtask(), 0..40), 1..5)
    ) {
        // An engine that met the failures over several snapshots may group them differently from
        // a fresh one (online clustering depends on the order messages arrive in; a consequence
        // met before the failure it names is not masked as a reference), but it groups the same
        // failures, each in one group, and a failure met before stays in the group it joined.
        let mut grouper = Grouper::new();
        let mut joined: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
        for subtasks in &snapshots {
            let kept = grouper.group(subtasks);
            let fresh = group_subtasks(subtasks);
            let members = |groups: &[FailureGroup]| {
                let mut all: Vec<u32> = groups.iter().flat_map(|g| g.members.clone()).collect();
                all.sort_unstable();
                all
            };
            prop_assert_eq!(members(&kept), members(&fresh));
            for group in &kept {
                for &m in &group.members {
                    let s = &subtasks[m as usize];
                    let key = format!("{:?} {:?} {} {:?}", s.state, s.kind, s.name(), s.error());
                    let cluster = *joined.entry(key).or_insert(group.cluster);
                    prop_assert_eq!(cluster, group.cluster, "a failure never moves to another cluster");
                }
            }
        }
    }
}

#[test]
fn a_name_that_is_also_a_word_does_not_split_a_cause() {
    // A model called `Error` failing with "Internal Error" is one more internal error.
    let model = |name: &str| subtask(SubtaskKind::Model, name, SubtaskState::Failed, Some(("", "Internal Error")));
    let groups = group_subtasks(&[model("Money"), model("Error"), model("Address")]);
    assert_eq!(labels(&groups), vec![("3 models: Internal Error".to_owned(), vec![0, 1, 2])]);
}
