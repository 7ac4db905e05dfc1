//! Quirk tests fed by fixtures (the five official examples verbatim in `tests/fixtures/huawei`).

use super::*;
use crate::provider::http::test_response as response;

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/huawei/", $name))
    };
}

fn task_ref() -> TaskRef {
    "huawei://cn-north-4/0123456789abcdef0123456789abcdef/eddc4d25480b4cd6b512f270a1b8b341/d9ce8c9eede54b3f841ec324fe0bfdc2"
        .parse()
        .unwrap()
}

/// The task a body is the answer for: the reference, with the body's own `task_id` when it has
/// one (the fixtures are answers about different tasks).
fn task(body: &str) -> Task {
    let id =
        serde_json::from_str::<serde_json::Value>(body).ok().and_then(|v| v["task_id"].as_str().map(str::to_owned));
    let task_ref = match id {
        Some(id) => TaskRef::from_parts(
            crate::domain::ProviderKind::Huawei,
            &["cn-north-4", "0123456789abcdef0123456789abcdef", "eddc4d25480b4cd6b512f270a1b8b341", &id],
        )
        .unwrap(),
        None => task_ref(),
    };
    async_task(&task_ref, Arc::from(body)).unwrap()
}

#[test]
fn an_answer_about_another_task_is_a_protocol_error() {
    let body = r#"{"task_id":"00000000000000000000000000000bad","task_status":"succeed","task_type":"import_api","task_result":""}"#;
    let Err(error) = async_task(&task_ref(), Arc::from(body)) else { panic!("accepted") };
    let error = error.into_fetch_error(&response(200, &[], body), &ERRORS);
    assert_eq!((error.kind, error.code.as_str()), (crate::domain::FetchErrorKind::Protocol, "task_id.mismatch"));
    assert!(error.message.contains("00000000000000000000000000000bad"), "{}", error.message);
    // No task_id at all is fine: the field is optional in the answers we have seen.
    let body = r#"{"task_status":"processing","task_type":"import_api","task_result":""}"#;
    assert!(async_task(&task_ref(), Arc::from(body)).is_ok());
}

#[test]
fn a_swagger_result_other_than_success_is_a_task_warning() {
    let result = |outcome: &str| {
        format!(
            r#"{{"task_status":"succeed","task_type":"import_api","task_result":"{{\"success\":[{{\"id\":\"a\",\"action\":\"create\",\"method\":\"GET\",\"path\":\"/x\"}}],\"failure\":[],\"swagger\":{{\"id\":\"de18\",\"result\":\"{outcome}\"}},\"group_id\":\"g\"}}"}}"#
        )
    };
    assert!(task(&result("Success")).warnings.is_empty());
    assert!(task(&result("success")).warnings.is_empty());
    let failed = task(&result("Failed: swagger too large"));
    assert_eq!(failed.warnings, ["the swagger document de18 was not stored: result Failed: swagger too large"]);
    assert_eq!(failed.state, TaskState::Succeeded, "the APIs were imported; the warning says what was not");
    let json = serde_json::to_value(&failed).unwrap();
    assert_eq!(json["warnings"][0], failed.warnings[0]);
    assert!(serde_json::to_value(task(&result("Success"))).unwrap().get("warnings").is_none(), "absent when empty");
}

#[test]
fn official_import_succeed() {
    let body = fixture!("task_import_succeed.json");
    let t = task(body);
    assert_eq!(t.kind, TaskKind::Import);
    assert_eq!(t.raw_status, "succeed");
    assert_eq!(t.state, TaskState::Succeeded);
    assert_eq!(t.group_id.as_deref(), Some("9100ae30705947cc9543d37cd7fb388c"));
    assert_eq!(t.subtasks.len(), 1);
    let s = &t.subtasks[0];
    assert_eq!(s.id(), "ee93ce6815f04896b301452982b92222");
    assert_eq!((s.method(), s.path()), ("GET", "/test1"));
    assert_eq!(s.action, Some(ChangeAction::Create));
    assert_eq!((s.state, s.raw_status(), s.raw_index), (SubtaskState::Succeeded, "success", 0));
    assert_eq!(t.raw_body.as_deref(), Some(body));
    assert_eq!(t.error, None);
}

#[test]
fn official_export_succeed_keeps_the_triple_escaped_spec() {
    let t = task(fixture!("task_export_succeed.json"));
    assert_eq!(t.kind, TaskKind::Export);
    assert_eq!(t.state, TaskState::Succeeded);
    assert!(t.subtasks.is_empty());
    let export = t.export.unwrap();
    assert_eq!(export.file_name, "test8-RELEASE-all-2023-07-11-19:54:22");
    assert_eq!(export.file_type, ".json");
    assert!(export.content.starts_with("{\n\t\"swagger\": \"2.0\",\n\t\"info\": {"), "{}", &export.content[..40]);
    assert!(export.content.contains("\"x-apigateway-auth-type\": \"AppSigv1\""));
}

#[test]
fn official_failed_import_carries_the_error_from_task_result() {
    let t = task(fixture!("task_import_failed.json"));
    assert_eq!(t.state, TaskState::Failed);
    assert_eq!(t.error, Some(ApiError::new("APIG.3201", "The API group name already exists")));
    assert!(t.subtasks.is_empty());
}

#[test]
fn official_processing_and_waiting_have_empty_results() {
    let p = task(fixture!("task_processing.json"));
    assert_eq!((p.state, p.raw_status.as_str()), (TaskState::Running, "processing"));
    let w = task(fixture!("task_waiting.json"));
    assert_eq!((w.state, w.raw_status.as_str()), (TaskState::Waiting, "waiting"));
    assert!(w.subtasks.is_empty() && w.error.is_none() && w.export.is_none());
    let n = task(fixture!("task_null_result.json"));
    assert_eq!((n.kind, n.state), (TaskKind::Export, TaskState::Running));
}

#[test]
fn reordered_keys_ignore_and_succeeded_spelling() {
    let t = task(fixture!("task_import_mixed_reordered.json"));
    assert_eq!(t.raw_status, "succeeded");
    assert_eq!(t.state, TaskState::PartiallyFailed);
    assert_eq!((t.counts.succeeded, t.counts.failed, t.counts.skipped, t.counts.total), (2, 1, 1, 4));
    assert_eq!(t.group_id.as_deref(), Some("9100ae30705947cc9543d37cd7fb388c"));
    let update = &t.subtasks[0];
    assert_eq!(update.action, Some(ChangeAction::Update));
    let unknown_action = &t.subtasks[1];
    assert_eq!((unknown_action.action, unknown_action.raw_index), (None, 1));
    let failed = &t.subtasks[2];
    assert_eq!((failed.state, failed.raw_index, failed.id()), (SubtaskState::Failed, 0, ""));
    assert_eq!(
        failed.error().as_ref().map(ApiErrorRef::to_api_error),
        Some(ApiError::new("APIG.3301", "The API name already exists"))
    );
    let ignored = &t.subtasks[3];
    assert_eq!((ignored.state, ignored.raw_status(), ignored.method()), (SubtaskState::Skipped, "ignore", "OPTIONS"));
}

#[test]
fn a_succeed_import_with_only_failures_is_failed() {
    let t = task(fixture!("task_import_all_failed.json"));
    assert_eq!(t.state, TaskState::Failed);
    assert_eq!(t.subtasks[0].error().unwrap().message, "Invalid backend\n");
}

#[test]
fn unknown_task_status_is_unknown_not_a_crash() {
    let t = task(fixture!("task_unknown_status.json"));
    assert_eq!((t.state, t.raw_status.as_str()), (TaskState::Unknown, "suspended"));
}

#[test]
fn snake_case_export_keys_are_tolerated() {
    let t = task(fixture!("task_export_snake_case.json"));
    let export = t.export.unwrap();
    assert_eq!((export.file_name.as_str(), export.file_type.as_str()), ("pets-RELEASE-spec", ".yaml"));
    assert_eq!(export.content, "swagger: '2.0'\ninfo:\n  title: pets\n");
}

#[test]
fn unknown_task_type_is_guessed_from_the_result() {
    let body =
        r#"{"task_status":"succeed","task_type":"mystery","task_result":"{\"FileName\":\"f\",\"Comment\":\"{}\"}"}"#;
    assert_eq!(task(body).kind, TaskKind::Export);
    let body = r#"{"task_status":"succeed","task_result":"{\"success\":[]}"}"#;
    assert_eq!(task(body).kind, TaskKind::Import);
}

#[test]
fn broken_task_result() {
    let body = r#"{"task_status":"succeed","task_type":"import_api","task_result":"{not json"}"#;
    let err = async_task(&task_ref(), Arc::from(body)).unwrap_err();
    assert!(matches!(err, WireError::Nested { field: "task_result", .. }), "{err:?}");
    assert_eq!(err.into_fetch_error(&response(200, &[], body), &ERRORS).kind, FetchErrorKind::Protocol);
    // A failed task whose result is plain text keeps the text as its error.
    let body = r#"{"task_status":"failed","task_type":"import_api","task_result":"backend exploded"}"#;
    assert_eq!(task(body).error, Some(ApiError::new("", "backend exploded")));
}

#[test]
fn bodies_that_are_not_tasks() {
    let err = async_task(&task_ref(), Arc::from(fixture!("error_404_apig_3093.json"))).unwrap_err();
    assert!(matches!(&err, WireError::Provider { code, .. } if code == "APIG.3093"));
    assert!(matches!(async_task(&task_ref(), Arc::from("{}")), Err(WireError::MissingField("task_status"))));
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    assert!(matches!(async_task(&task_ref(), Arc::from(deep.as_str())), Err(WireError::Json(_))));
}

#[test]
fn created_task_ids() {
    assert_eq!(created_task_id(fixture!("create_task_202.json")).unwrap(), "d9ce8c9eede54b3f841ec324fe0bfdc2");
    assert!(matches!(created_task_id("{}"), Err(WireError::MissingField("task_id"))));
    assert!(matches!(created_task_id(fixture!("error_400_apig_2001.json")), Err(WireError::Provider { .. })));
}

#[test]
fn official_error_examples_classify() {
    for (status, body, kind, code) in [
        (400, fixture!("error_400_apig_2001.json"), FetchErrorKind::Protocol, "APIG.2001"),
        (401, fixture!("error_401_apig_1002.json"), FetchErrorKind::Auth, "APIG.1002"),
        (403, fixture!("error_403_apig_1005.json"), FetchErrorKind::Auth, "APIG.1005"),
        (404, fixture!("error_404_apig_3093.json"), FetchErrorKind::NotFound, "APIG.3093"),
        (500, fixture!("error_500_apig_9999.json"), FetchErrorKind::Server, "APIG.9999"),
        (500, fixture!("error_500_apig_9008.json"), FetchErrorKind::Throttled, "APIG.9008"),
    ] {
        let e = ERRORS.error_from_response(&response(status, &[], body));
        assert_eq!((e.kind, e.code.as_str()), (kind, code), "{status}");
    }
    let e = ERRORS.error_from_response(&response(404, &[], fixture!("error_404_apig_3093.json")));
    assert_eq!(e.message, "The asynchronous task d9ce8c9eede54b3f841ec324fe0bfdc2 does not exist");
    let e = ERRORS.error_from_response(&response(400, &[], fixture!("error_400_apig_2001.json")));
    assert!(e.message.contains("must be specified,parameterName:task_id."), "quirk 16 spacing kept verbatim");
}

#[test]
fn throttling_with_retry_after_seconds() {
    let e = ERRORS.error_from_response(&response(429, &[("retry-after", "7")], fixture!("error_429_apig_0308.json")));
    assert_eq!((e.kind, e.code.as_str()), (FetchErrorKind::Throttled, "APIG.0308"));
    assert_eq!(e.retry_after, Some(Duration::from_secs(7)));
    let e = ERRORS.error_from_response(&response(429, &[], "Too Many Requests"));
    assert_eq!((e.kind, e.code.as_str()), (FetchErrorKind::Throttled, "http.429"));
}

#[test]
fn error_kind_table() {
    for (status, code, kind) in [
        (429, "", FetchErrorKind::Throttled),
        (400, "APIGW.0308", FetchErrorKind::Throttled),
        (401, "APIG.1000", FetchErrorKind::Auth),
        (400, "APIG.1003", FetchErrorKind::Auth),
        (401, "APIGW.0301", FetchErrorKind::Auth),
        (400, "APIG.0301", FetchErrorKind::Auth),
        (403, "", FetchErrorKind::Auth),
        (400, "APIG.3072", FetchErrorKind::NotFound),
        (400, "APIG.3094", FetchErrorKind::NotFound),
        (400, "APIG.3030", FetchErrorKind::NotFound),
        (404, "", FetchErrorKind::NotFound),
        (200, "APIG.9999", FetchErrorKind::Server),
        (503, "", FetchErrorKind::Server),
        (400, "APIG.2012", FetchErrorKind::Protocol),
    ] {
        assert_eq!(error_kind(status, code), kind, "{status} {code}");
    }
}

#[test]
fn retry_after_http_date_and_clamping() {
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777); // Sun, 06 Nov 1994 08:49:37 GMT
    assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:49:47 GMT", now), Some(Duration::from_secs(10)));
    assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now), Some(Duration::from_secs(1)));
    assert_eq!(parse_retry_after("0", now), Some(Duration::from_secs(1)));
    assert_eq!(parse_retry_after("99999", now), Some(Duration::from_secs(600)));
    assert_eq!(parse_retry_after("soon", now), None);
}

#[test]
fn html_and_empty_error_bodies() {
    let e = ERRORS.error_from_response(&response(502, &[("content-type", "text/html")], &"<p>x</p>".repeat(160)));
    assert_eq!((e.kind, e.code.as_str()), (FetchErrorKind::Server, "http.502"));
    assert_eq!(e.message, "non-JSON response (text/html, 1.3 KB) with HTTP 502 Bad Gateway");
    let e = ERRORS.error_from_response(&response(403, &[], ""));
    assert_eq!((e.kind, e.message.as_str()), (FetchErrorKind::Protocol, "empty response (HTTP 403 Forbidden)"));
}
