//! Fuzz targets as bounded property tests (RELIABILITY.md §5): both providers' response
//! parsers on arbitrary bytes and on structure-aware mutations of the official examples, the
//! JSON document nested in Huawei's `task_result`, the error classifiers with arbitrary statuses
//! and headers, `Retry-After`/`TimeLeft`, the task-reference parser and the sanitiser. None may
//! panic, and each result must keep its invariants.
//!
//! `cargo test` runs each target for a bounded number of cases (`PROPTEST_CASES` raises it);
//! `scripts/fuzz.sh` runs them for a long time.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test setup fails loudly")]

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use oaswatch::domain::{Counts, FetchError, FetchErrorKind, ProviderKind, Target, Task, TaskKind, TaskRef};
use oaswatch::provider::aliyun::wire as aliyun_wire;
use oaswatch::provider::http::RawResponse;
use oaswatch::provider::huawei::wire as huawei_wire;
use oaswatch::sanitize;
use proptest::prelude::*;
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;
use unicode_width::UnicodeWidthChar as _;

/// Cases per target: small by default so `cargo test` stays fast, `PROPTEST_CASES` for long runs.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn config(default: u32) -> ProptestConfig {
    ProptestConfig { cases: cases(default), max_shrink_iters: 2000, ..ProptestConfig::default() }
}

const ALIYUN_DESCRIBE: [&str; 10] = [
    include_str!("../fixtures/aliyun/describe_bare_arrays.json"),
    include_str!("../fixtures/aliyun/describe_empty_wrappers.json"),
    include_str!("../fixtures/aliyun/describe_finished_all_failed.json"),
    include_str!("../fixtures/aliyun/describe_finished_all_over.json"),
    include_str!("../fixtures/aliyun/describe_missing_wrappers.json"),
    include_str!("../fixtures/aliyun/describe_official.json"),
    include_str!("../fixtures/aliyun/describe_official_zh.json"),
    include_str!("../fixtures/aliyun/describe_running.json"),
    include_str!("../fixtures/aliyun/describe_single_object.json"),
    include_str!("../fixtures/aliyun/describe_unknown_statuses.json"),
];
const ALIYUN_OTHER: [&str; 5] = [
    include_str!("../fixtures/aliyun/error_official_example.json"),
    include_str!("../fixtures/aliyun/error_operation_not_found.json"),
    include_str!("../fixtures/aliyun/error_signature.json"),
    include_str!("../fixtures/aliyun/error_throttling_user.json"),
    include_str!("../fixtures/aliyun/import_oas_response.json"),
];
const HUAWEI_TASKS: [&str; 10] = [
    include_str!("../fixtures/huawei/task_export_snake_case.json"),
    include_str!("../fixtures/huawei/task_export_succeed.json"),
    include_str!("../fixtures/huawei/task_import_all_failed.json"),
    include_str!("../fixtures/huawei/task_import_failed.json"),
    include_str!("../fixtures/huawei/task_import_mixed_reordered.json"),
    include_str!("../fixtures/huawei/task_import_succeed.json"),
    include_str!("../fixtures/huawei/task_null_result.json"),
    include_str!("../fixtures/huawei/task_processing.json"),
    include_str!("../fixtures/huawei/task_unknown_status.json"),
    include_str!("../fixtures/huawei/task_waiting.json"),
];
const HUAWEI_OTHER: [&str; 8] = [
    include_str!("../fixtures/huawei/create_task_202.json"),
    include_str!("../fixtures/huawei/error_400_apig_2001.json"),
    include_str!("../fixtures/huawei/error_401_apig_1002.json"),
    include_str!("../fixtures/huawei/error_403_apig_1005.json"),
    include_str!("../fixtures/huawei/error_404_apig_3093.json"),
    include_str!("../fixtures/huawei/error_429_apig_0308.json"),
    include_str!("../fixtures/huawei/error_500_apig_9008.json"),
    include_str!("../fixtures/huawei/error_500_apig_9999.json"),
];

fn aliyun_ref() -> TaskRef {
    "aliyun://cn-hangzhou/4c53ccf1d40c489686d1adf5c2644a7f".parse().unwrap()
}

fn huawei_ref() -> TaskRef {
    "huawei://cn-north-4/0123456789abcdef0123456789abcdef/eddc4d25480b4cd6b512f270a1b8b341/d9ce8c9eede54b3f841ec324fe0bfdc2"
        .parse()
        .unwrap()
}

// ---- values and mutations ----------------------------------------------------------------------

/// Text a server could send: plain, hostile, CJK, long, or anything at all.
fn server_text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[ -~]{0,24}",
        2 => any::<String>(),
        1 => Just("\u{1b}]52;c;ZXZpbA==\u{7}\u{1b}[2J\u{9b}2J\u{202e}\r\u{8}".to_owned()),
        1 => Just("这个API用于查询 🚀".to_owned()),
        1 => (1usize..20_000).prop_map(|n| "x".repeat(n)),
        1 => prop::sample::select(vec!["FAIL", "OVER", "WAIT", "RUNNING", "CANCEL", "Finished", "Running", "succeed", "failed", "processing", "waiting", "success", "failure", "ignore", "import_api", "export_api", ""]).prop_map(str::to_owned),
    ]
}

/// A JSON value to plant somewhere: scalars, text, containers, and nesting past serde's limit.
fn planted_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
        server_text().prop_map(Value::String),
    ];
    let containers = leaf.clone().prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((server_text(), inner), 0..6)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
        ]
    });
    prop_oneof![
        4 => containers,
        1 => (100usize..400).prop_map(|depth| {
            let mut v = Value::Null;
            for _ in 0..depth {
                v = Value::Array(vec![v]);
            }
            v
        }),
    ]
}

#[derive(Debug, Clone)]
enum Mutation {
    /// Replace the node picked by the seed.
    Replace(u64, Value),
    /// Remove it from its parent.
    Remove(u64),
    /// Put it inside a one-element array, or a `{"x": …}` object.
    Wrap(u64, bool),
    /// Add a member or element next to its children.
    Add(u64, String, Value),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        3 => (any::<u64>(), planted_value()).prop_map(|(s, v)| Mutation::Replace(s, v)),
        2 => any::<u64>().prop_map(Mutation::Remove),
        1 => (any::<u64>(), any::<bool>()).prop_map(|(s, a)| Mutation::Wrap(s, a)),
        1 => (any::<u64>(), server_text(), planted_value()).prop_map(|(s, k, v)| Mutation::Add(s, k, v)),
    ]
}

/// JSON pointers of every node, root first.
fn pointers(value: &Value, at: &str, out: &mut Vec<String>) {
    out.push(at.to_owned());
    match value {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                pointers(item, &format!("{at}/{i}"), out);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                pointers(item, &format!("{at}/{}", key.replace('~', "~0").replace('/', "~1")), out);
            }
        }
        _ => {}
    }
}

fn apply(value: &mut Value, mutation: &Mutation) {
    let mut all = Vec::new();
    pointers(value, "", &mut all);
    let pick = |seed: u64| all[usize::try_from(seed % all.len() as u64).unwrap()].clone();
    match mutation {
        Mutation::Replace(seed, with) => {
            if let Some(node) = value.pointer_mut(&pick(*seed)) {
                *node = with.clone();
            }
        }
        Mutation::Remove(seed) => {
            let target = pick(*seed);
            if let Some((parent, last)) = target.rsplit_once('/')
                && let Some(node) = value.pointer_mut(parent)
            {
                let key = last.replace("~1", "/").replace("~0", "~");
                match node {
                    Value::Object(map) => {
                        map.shift_remove(&key);
                    }
                    Value::Array(items) => {
                        if let Ok(i) = key.parse::<usize>()
                            && i < items.len()
                        {
                            items.remove(i);
                        }
                    }
                    _ => {}
                }
            }
        }
        Mutation::Wrap(seed, as_array) => {
            if let Some(node) = value.pointer_mut(&pick(*seed)) {
                let inner = node.take();
                *node = if *as_array { Value::Array(vec![inner]) } else { serde_json::json!({ "x": inner }) };
            }
        }
        Mutation::Add(seed, key, with) => match value.pointer_mut(&pick(*seed)) {
            Some(Value::Object(map)) => {
                map.insert(key.clone(), with.clone());
            }
            Some(Value::Array(items)) => items.push(with.clone()),
            _ => {}
        },
    }
}

/// Byte-level damage: overwrite, insert or delete at positions.
fn byte_edits() -> impl Strategy<Value = Vec<(usize, u8, u8)>> {
    prop::collection::vec((any::<usize>(), 0u8..3, any::<u8>()), 1..8)
}

fn damage(text: &str, edits: &[(usize, u8, u8)]) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for &(at, op, byte) in edits {
        let at = if bytes.is_empty() { 0 } else { at % bytes.len() };
        match op {
            0 if !bytes.is_empty() => bytes[at] = byte,
            1 => bytes.insert(at, byte),
            _ if !bytes.is_empty() => {
                bytes.remove(at);
            }
            _ => {}
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

// ---- invariants --------------------------------------------------------------------------------

fn ok_response(body: &str) -> RawResponse {
    RawResponse { status: StatusCode::OK, headers: HeaderMap::new(), body: body.as_bytes().to_vec().into() }
}

fn check_task(task: &Task, task_ref: &TaskRef, body: &str) -> Result<(), TestCaseError> {
    prop_assert_eq!(&task.task_ref, task_ref);
    prop_assert_eq!(task.counts, Counts::of(task.subtasks.iter()), "counts are the subtasks'");
    prop_assert_eq!(task.raw_body.as_deref(), Some(body), "the raw body is kept verbatim");
    for subtask in task.subtasks.iter() {
        prop_assert!((subtask.raw_index as usize) < task.subtasks.len().max(1), "raw_index {}", subtask.raw_index);
    }
    if task.kind == TaskKind::Export {
        prop_assert!(task.subtasks.is_empty());
    }
    Ok(())
}

fn check_error(error: &FetchError, status: u16) -> Result<(), TestCaseError> {
    prop_assert!(!error.code.is_empty(), "an error always has a code");
    if let Some(delay) = error.retry_after {
        prop_assert!(delay >= Duration::from_secs(1) && delay <= Duration::from_secs(600), "{delay:?}");
    }
    if status == 429 {
        prop_assert_eq!(error.kind, FetchErrorKind::Throttled, "HTTP 429 is throttling whatever the body says");
    }
    Ok(())
}

fn aliyun_describe(body: &str) -> Result<(), TestCaseError> {
    let task_ref = aliyun_ref();
    match aliyun_wire::describe_task(&task_ref, Arc::from(body)) {
        Ok(task) => check_task(&task, &task_ref, body),
        Err(e) => check_error(&e.into_fetch_error(&ok_response(body), &aliyun_wire::ERRORS), 200),
    }
}

fn huawei_task(body: &str) -> Result<(), TestCaseError> {
    let task_ref = huawei_ref();
    match huawei_wire::async_task(&task_ref, Arc::from(body)) {
        Ok(task) => check_task(&task, &task_ref, body),
        Err(e) => check_error(&e.into_fetch_error(&ok_response(body), &huawei_wire::ERRORS), 200),
    }
}

/// A response with an arbitrary status and headers a server (or a proxy) could send.
fn error_response() -> impl Strategy<Value = (u16, Vec<(&'static str, String)>)> {
    let header = prop_oneof![
        prop::sample::select(vec!["application/json", "text/html; charset=utf-8", "text/xml", ""])
            .prop_map(|v| ("content-type", v.to_owned())),
        prop_oneof![
            any::<u64>().prop_map(|n| n.to_string()),
            Just("Wed, 21 Oct 2015 07:28:00 GMT".to_owned()),
            Just("Fri, 31 Dec 9999 23:59:59 GMT".to_owned()),
            "[ -~]{0,30}",
        ]
        .prop_map(|v| ("retry-after", v)),
        prop_oneof![any::<u64>().prop_map(|n| format!("Limit:20,Remain:0,TimeLeft:{n}")), "[ -~]{0,40}"]
            .prop_map(|v| ("x-ratelimit-user-api", v)),
        "[ -~]{0,40}".prop_map(|v| ("x-ratelimit-user", v)),
    ];
    (
        prop_oneof![3 => prop::sample::select(vec![400u16, 401, 403, 404, 429, 500, 502, 503]), 1 => 100u16..600],
        prop::collection::vec(header, 0..4),
    )
}

fn raw_response(status: u16, headers: &[(&'static str, String)], body: &[u8]) -> RawResponse {
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        if let Ok(value) = HeaderValue::from_str(value) {
            map.insert(HeaderName::from_static(name), value);
        }
    }
    RawResponse { status: StatusCode::from_u16(status).unwrap(), headers: map, body: body.to_vec().into() }
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn aliyun_describe_survives_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        aliyun_describe(&String::from_utf8_lossy(&bytes))?;
    }

    #[test]
    fn aliyun_describe_survives_mutated_official_examples(
        which in 0..ALIYUN_DESCRIBE.len(),
        mutations in prop::collection::vec(mutation(), 1..5),
    ) {
        let mut value: Value = serde_json::from_str(ALIYUN_DESCRIBE[which]).unwrap();
        for m in &mutations {
            apply(&mut value, m);
        }
        aliyun_describe(&serde_json::to_string(&value).unwrap())?;
    }

    #[test]
    fn aliyun_describe_survives_damaged_official_examples(which in 0..ALIYUN_DESCRIBE.len(), edits in byte_edits()) {
        aliyun_describe(&damage(ALIYUN_DESCRIBE[which], &edits))?;
    }

    #[test]
    fn huawei_task_survives_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        huawei_task(&String::from_utf8_lossy(&bytes))?;
    }

    #[test]
    fn huawei_task_survives_mutated_official_examples(
        which in 0..HUAWEI_TASKS.len(),
        mutations in prop::collection::vec(mutation(), 1..5),
    ) {
        let mut value: Value = serde_json::from_str(HUAWEI_TASKS[which]).unwrap();
        for m in &mutations {
            apply(&mut value, m);
        }
        huawei_task(&serde_json::to_string(&value).unwrap())?;
    }

    #[test]
    fn huawei_task_result_survives_mutation_inside_the_nested_document(
        which in 0..HUAWEI_TASKS.len(),
        mutations in prop::collection::vec(mutation(), 1..5),
        damaged in prop::option::of(byte_edits()),
    ) {
        let mut outer: Value = serde_json::from_str(HUAWEI_TASKS[which]).unwrap();
        let text = outer["task_result"].as_str().unwrap_or_default().to_owned();
        let mut inner: Value = serde_json::from_str(&text).unwrap_or_else(|_| serde_json::json!({}));
        for m in &mutations {
            apply(&mut inner, m);
        }
        let mut nested = serde_json::to_string(&inner).unwrap();
        if let Some(edits) = damaged {
            nested = damage(&nested, &edits);
        }
        outer["task_result"] = Value::String(nested);
        huawei_task(&serde_json::to_string(&outer).unwrap())?;
    }

    #[test]
    fn huawei_task_result_survives_arbitrary_text(status in server_text(), kind in server_text(), result in any::<String>()) {
        let body = serde_json::json!({"task_id": "t", "task_status": status, "task_type": kind, "task_result": result});
        huawei_task(&body.to_string())?;
    }

    #[test]
    fn huawei_task_survives_damaged_official_examples(which in 0..HUAWEI_TASKS.len(), edits in byte_edits()) {
        huawei_task(&damage(HUAWEI_TASKS[which], &edits))?;
    }

    #[test]
    fn error_bodies_of_both_clouds_classify_with_sane_codes_and_delays(
        (status, headers) in error_response(),
        which in 0..(ALIYUN_OTHER.len() + HUAWEI_OTHER.len()),
        mutations in prop::collection::vec(mutation(), 0..3),
        raw in prop::option::of(prop::collection::vec(any::<u8>(), 0..256)),
    ) {
        let fixture = ALIYUN_OTHER.iter().chain(HUAWEI_OTHER.iter()).nth(which).unwrap();
        let body = raw.unwrap_or_else(|| {
            let mut value: Value = serde_json::from_str(fixture).unwrap();
            for m in &mutations {
                apply(&mut value, m);
            }
            serde_json::to_vec(&value).unwrap()
        });
        let response = raw_response(status, &headers, &body);
        check_error(&aliyun_wire::ERRORS.error_from_response(&response), status)?;
        check_error(&huawei_wire::ERRORS.error_from_response(&response), status)?;
        let text = String::from_utf8_lossy(&body);
        let _ = aliyun_wire::import_outcome(&text);
        let _ = huawei_wire::created_task_id(&text);
    }

    #[test]
    fn retry_after_and_time_left_never_panic_and_stay_clamped(value in any::<String>(), secs in any::<u64>()) {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        for text in [value.clone(), secs.to_string(), format!("Limit:1,TimeLeft:{value}")] {
            if let Some(delay) = huawei_wire::parse_retry_after(&text, now) {
                prop_assert!(delay >= Duration::from_secs(1) && delay <= Duration::from_secs(600));
            }
            let _ = aliyun_wire::time_left_ms(&text);
        }
    }

    #[test]
    fn task_references_round_trip_and_never_carry_control_characters(
        input in prop_oneof![
            any::<String>(),
            "(aliyun|huawei)://[a-z0-9-]{0,12}(/[A-Za-z0-9_.-]{0,40}){0,5}",
            "(aliyun|huawei)://.{0,60}",
        ]
    ) {
        match input.parse::<TaskRef>() {
            Ok(task_ref) => {
                let shown = task_ref.to_string();
                prop_assert_eq!(&shown, &input, "Display gives back the reference");
                prop_assert!(shown.is_ascii() && sanitize::is_clean(&shown));
                prop_assert_eq!(shown.parse::<TaskRef>().unwrap(), task_ref.clone());
                let parts = match task_ref.provider() { ProviderKind::Aliyun => 2, ProviderKind::Huawei => 4 };
                prop_assert_eq!(shown.split("://").nth(1).unwrap().split('/').count(), parts);
            }
            Err(error) => {
                let message = error.to_string();
                prop_assert!(sanitize::is_clean(&message), "the error echoes no raw control: {message:?}");
            }
        }
        if let Err(error) = input.parse::<Target>() {
            prop_assert!(sanitize::is_clean(&error.to_string()));
        }
    }

    #[test]
    fn the_sanitiser_escapes_every_forbidden_character_visibly_and_keeps_the_rest_in_order(input in any::<String>()) {
        let forbidden = |c: char| c != '\n' && c != '\t' && !sanitize::is_clean(c.encode_utf8(&mut [0; 4]));
        for (out, single_line) in [(sanitize::text(&input), false), (sanitize::line(&input), true)] {
            prop_assert!(sanitize::is_clean(&out));
            prop_assert!(!single_line || !out.contains('\n'));
            prop_assert_eq!(sanitize::text(&out), out.clone(), "idempotent");
            // Allowed characters survive, in order.
            let kept: String = input.chars().filter(|c| !forbidden(*c) && !matches!(c, '\n' | '\t' | '\r')).collect();
            let mut rest = out.chars();
            for c in kept.chars() {
                prop_assert!(rest.any(|o| o == c), "{c:?} lost from {input:?} → {out:?}");
            }
            // Nothing forbidden vanishes silently: each leaves a visible escape (`^X` or `\u{…}`);
            // a CR that ends a CRLF is the only one dropped.
            let crlf = input.matches("\r\n").count();
            let escapes_in = input.chars().filter(|c| *c == '^' || *c == '\\').count();
            let escapes_out = out.chars().filter(|c| *c == '^' || *c == '\\').count();
            let expected = input.chars().filter(|c| forbidden(*c)).count() - crlf;
            prop_assert!(escapes_out >= escapes_in + expected, "{input:?} → {out:?}");
        }
    }

    #[test]
    fn truncation_fits_any_width_and_stays_clean(input in any::<String>(), width in 0usize..200) {
        let out = sanitize::line_truncated(&input, width);
        let used: usize = out.chars().map(|c| c.width().unwrap_or(0)).sum();
        prop_assert!(used <= width && sanitize::is_clean(&out));
    }
}
