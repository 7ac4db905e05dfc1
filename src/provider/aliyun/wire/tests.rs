//! Quirk tests fed by fixtures (official examples verbatim in `tests/fixtures/aliyun`).

use super::*;

use crate::domain::ApiError;
use crate::provider::http::test_response as response;

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/aliyun/", $name))
    };
}

fn task_ref() -> TaskRef {
    "aliyun://cn-hangzhou/4c53ccf1d40c489686d1adf5c2644a7f".parse().unwrap()
}

fn describe(body: &str) -> Task {
    describe_task(&task_ref(), Arc::from(body)).unwrap()
}

#[test]
fn official_example_finished_with_a_waiting_api_and_a_failed_model() {
    let body = fixture!("describe_official.json");
    let task = describe(body);
    assert_eq!(task.kind, TaskKind::Import);
    assert_eq!(task.raw_status, "Finished");
    // Quirk 4: Finished while an item is WAIT. The failed model and no success → failed.
    assert_eq!(task.state, TaskState::Failed);
    assert_eq!(task.counts.total, 2);
    assert_eq!(task.counts.waiting, 1);
    assert_eq!(task.counts.failed, 1);
    assert_eq!(task.group_id.as_deref(), Some("736508d885074167ba8fbce3bc95ea0b"));
    assert_eq!(task.raw_body.as_deref(), Some(body));

    let api = &task.subtasks[0];
    assert_eq!(api.kind, SubtaskKind::Api);
    assert_eq!(api.id(), "c5a0c2900ff746b789c007545be22fb8");
    assert_eq!(api.name(), "GetByCreatorIdUsingGET");
    assert_eq!((api.method(), api.path()), ("GET", "/creator/getByCreatorId"));
    assert_eq!(api.state, SubtaskState::Waiting);
    assert_eq!(api.raw_status(), "WAIT");
    // Quirk 3: ErrorMessage on a non-failed item is not an error.
    assert_eq!(api.error(), None);
    assert_eq!(api.raw_index, 0);

    let model = &task.subtasks[1];
    assert_eq!(model.kind, SubtaskKind::Model);
    assert_eq!((model.id(), model.name()), ("6b48d724c921415486e190c494dd6bf8", "Pet"));
    assert_eq!((model.method(), model.path()), ("", ""));
    assert_eq!(model.state, SubtaskState::Failed);
    assert_eq!(model.raw_status(), "FAIL");
    // Verbatim, trailing newline included; the UI trims.
    assert_eq!(model.error().as_ref().map(ApiErrorRef::to_api_error), Some(ApiError::new("", "Internal Error\n")));
    assert_eq!(model.raw_index, 0);
}

#[test]
fn chinese_text_passes_through_unchanged() {
    let task = describe(fixture!("describe_official_zh.json"));
    assert_eq!(task.subtasks.len(), 2);
    assert!(task.raw_body.as_deref().unwrap().contains("这个API用于查询"));
}

#[test]
fn running_task_keeps_item_states() {
    let task = describe(fixture!("describe_running.json"));
    assert_eq!(task.state, TaskState::Running);
    let states: Vec<_> = task.subtasks.iter().map(|s| s.state).collect();
    assert_eq!(states, [SubtaskState::Succeeded, SubtaskState::Running, SubtaskState::Waiting]);
    assert_eq!(task.subtasks.iter().map(|s| s.raw_index).collect::<Vec<_>>(), [0, 1, 2]);
    assert_eq!(task.group_id.as_deref(), Some("g1"));
}

#[test]
fn finished_outcomes_follow_the_items() {
    let ok = describe(fixture!("describe_finished_all_over.json"));
    assert_eq!(ok.state, TaskState::Succeeded);
    assert!(ok.subtasks.iter().all(|s| s.error().is_none()), "OVER items with ErrorMessage are not errors");

    let bad = describe(fixture!("describe_finished_all_failed.json"));
    assert_eq!(bad.state, TaskState::Failed);
    assert_eq!(bad.subtasks[0].error().unwrap().message, "backend address invalid\n");
    assert_eq!(bad.subtasks[1].state, SubtaskState::Cancelled);
    assert_eq!(bad.subtasks[1].error().unwrap().code, "");
}

#[test]
fn bare_arrays_are_accepted() {
    let task = describe(fixture!("describe_bare_arrays.json"));
    assert_eq!(task.counts.total, 3);
    assert_eq!(task.state, TaskState::PartiallyFailed);
    assert_eq!(task.subtasks[2].kind, SubtaskKind::Model);
    assert_eq!(task.group_id, None);
}

#[test]
fn empty_null_and_missing_wrappers_mean_no_items() {
    for body in [fixture!("describe_empty_wrappers.json"), fixture!("describe_missing_wrappers.json")] {
        let task = describe(body);
        assert_eq!(task.state, TaskState::Running);
        assert!(task.subtasks.is_empty());
        assert_eq!(task.counts, Counts::default());
    }
}

#[test]
fn a_single_object_instead_of_an_array_is_one_item() {
    let task = describe(fixture!("describe_single_object.json"));
    assert_eq!(task.subtasks.len(), 1);
    assert_eq!(task.subtasks[0].path(), "/only");
    assert_eq!(task.state, TaskState::Succeeded);
    assert_eq!(task.group_id.as_deref(), Some("g9"));
}

#[test]
fn unknown_statuses_never_crash() {
    let task = describe(fixture!("describe_unknown_statuses.json"));
    assert_eq!(task.state, TaskState::Unknown);
    assert_eq!(task.raw_status, "Paused");
    assert_eq!(task.subtasks[0].state, SubtaskState::Waiting);
    assert_eq!(task.subtasks[0].raw_status(), "QUEUED");
    assert_eq!(task.subtasks[0].error(), None);
    assert_eq!(task.subtasks[1].raw_status(), "");
}

#[test]
fn status_mapping_table() {
    for (raw, state) in [
        ("RUNNING", SubtaskState::Running),
        ("WAIT", SubtaskState::Waiting),
        ("OVER", SubtaskState::Succeeded),
        ("FAIL", SubtaskState::Failed),
        ("CANCEL", SubtaskState::Cancelled),
        ("over", SubtaskState::Succeeded),
        ("", SubtaskState::Waiting),
    ] {
        assert_eq!(item_state(raw), state, "{raw}");
    }
    let counts = Counts::default();
    assert_eq!(task_state("Running", &counts), TaskState::Running);
    assert_eq!(task_state("Finished", &counts), TaskState::Succeeded);
    assert_eq!(task_state("Exploded", &counts), TaskState::Unknown);
}

#[test]
fn a_2xx_error_body_and_a_body_without_status_are_errors() {
    let err = describe_task(&task_ref(), Arc::from(fixture!("error_operation_not_found.json"))).unwrap_err();
    let WireError::Provider { code, .. } = &err else { panic!("{err:?}") };
    assert_eq!(code, "NotFound.OperationId");
    let fe = err.into_fetch_error(&response(200, &[], fixture!("error_operation_not_found.json")), &ERRORS);
    assert_eq!(fe.kind, FetchErrorKind::NotFound);
    assert!(matches!(describe_task(&task_ref(), Arc::from("{}")), Err(WireError::MissingField("TaskStatus"))));
    assert!(matches!(describe_task(&task_ref(), Arc::from("[1,2")), Err(WireError::Json(_))));
}

#[test]
fn nesting_past_the_depth_limit_is_an_error_not_a_stack_overflow() {
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let err = describe_task(&task_ref(), Arc::from(deep.as_str())).unwrap_err();
    // The typed structs are shallow, so deep input fails within a few levels (a type error,
    // or serde_json's recursion limit for recursive shapes), never by exhausting the stack.
    assert!(matches!(err, WireError::Json(_)), "{err:?}");
    let nested = format!("{{\"TaskStatus\":\"Running\",\"ApiResults\":{}{}}}", "[".repeat(10_000), "]".repeat(10_000));
    assert!(matches!(describe_task(&task_ref(), Arc::from(nested.as_str())), Err(WireError::Json(_))));
    // Inside a field we do not read, serde_json skips iteratively: harmless, no error.
    let ignored = format!("{{\"TaskStatus\":\"Running\",\"X\":{}{}}}", "[".repeat(10_000), "]".repeat(10_000));
    assert_eq!(describe_task(&task_ref(), Arc::from(ignored.as_str())).unwrap().state, TaskState::Running);
}

#[test]
fn import_oas_outcome_unwraps_every_list() {
    let outcome = import_outcome(fixture!("import_oas_response.json")).unwrap();
    assert_eq!(outcome.operation_id.as_deref(), Some("4c53ccf1d40c489686d1adf5c2644a7f"));
    assert_eq!(outcome.success_apis[0].operation, "CREATE");
    assert_eq!(outcome.success_apis[0].method, "GET");
    assert_eq!(outcome.failed_apis[0].error, "Path /pets/{id} conflicts with an existing API");
    assert_eq!(outcome.success_models[0].uid, "6b48d724c921415486e190c494dd6bf8");
    assert!(outcome.failed_models.is_empty());
    assert!(outcome.error_messages.is_empty());
    assert_eq!(outcome.warning_messages, ["basePath /v1 differs from the group's basePath"]);

    let sync = import_outcome(r#"{"RequestId":"x","OperationId":"","ErrorMessages":{"ErrorMessage":"one"}}"#).unwrap();
    assert_eq!(sync.operation_id, None);
    assert_eq!(sync.error_messages, ["one"]);
    assert!(matches!(import_outcome(fixture!("error_signature.json")), Err(WireError::Provider { .. })));
}

#[test]
fn throttling_is_classified_by_code_even_with_http_400() {
    let resp = response(
        400,
        &[("x-ratelimit-user-api", "Limit:10,Remain:0,TimeLeft:7000"), ("x-ratelimit-user", "TimeLeft:3000")],
        fixture!("error_throttling_user.json"),
    );
    let e = ERRORS.error_from_response(&resp);
    assert_eq!(e.kind, FetchErrorKind::Throttled);
    assert_eq!(e.code, "Throttling.User");
    assert_eq!(e.message, "Request was denied due to user flow control.");
    assert_eq!(e.retry_after, Some(Duration::from_secs(7)));
    let sdk_core =
        ERRORS.error_from_response(&response(400, &[("x-acs-retry-after", "2500")], r#"{"Code":"Throttling"}"#));
    assert_eq!(sdk_core.retry_after, Some(Duration::from_millis(2500)), "x-acs-retry-after is in milliseconds");
    let gateway = ERRORS.error_from_response(&response(429, &[("retry-after", "4"), ("x-acs-retry-after", "0")], "{}"));
    assert_eq!((gateway.kind, gateway.retry_after), (FetchErrorKind::Throttled, Some(Duration::from_secs(4))));
    let page = ERRORS.error_from_response(&response(429, &[("retry-after", "3")], "<html>Too Many Requests</html>"));
    assert_eq!((page.kind, page.retry_after), (FetchErrorKind::Throttled, Some(Duration::from_secs(3))));
    let no_header = ERRORS.error_from_response(&response(400, &[], r#"{"Code":"Throttling"}"#));
    assert_eq!((no_header.kind, no_header.retry_after), (FetchErrorKind::Throttled, None));
    assert_eq!(error_kind(503, "Throttling.Api"), FetchErrorKind::Throttled);
}

#[test]
fn error_kinds_by_code_then_status() {
    for (status, code, kind) in [
        (403, "SignatureDoesNotMatch", FetchErrorKind::Auth),
        (400, "SignatureDoesNotMatch", FetchErrorKind::Auth),
        (404, "InvalidAccessKeyId.NotFound", FetchErrorKind::Auth),
        (400, "InvalidAccessKeyId.Inactive", FetchErrorKind::Auth),
        (400, "IncompleteSignature", FetchErrorKind::Auth),
        (403, "Forbidden.RAM", FetchErrorKind::Auth),
        (400, "InvalidSecurityToken.Expired", FetchErrorKind::Auth),
        (400, "SignatureNonceUsed", FetchErrorKind::Auth),
        (400, "InvalidTimeStamp.Expired", FetchErrorKind::Auth),
        (401, "Whatever", FetchErrorKind::Auth),
        (404, "NotFound.OperationId", FetchErrorKind::NotFound),
        (400, "InvalidOperation.NotFound", FetchErrorKind::NotFound),
        (404, "", FetchErrorKind::NotFound),
        (500, "InternalError", FetchErrorKind::Server),
        (503, "ServiceUnavailable", FetchErrorKind::Server),
        (400, "InternalError", FetchErrorKind::Server),
        (502, "", FetchErrorKind::Server),
        (400, "MissingParameter", FetchErrorKind::Protocol),
        (429, "", FetchErrorKind::Throttled),
        (429, "TooManyRequests", FetchErrorKind::Throttled),
    ] {
        assert_eq!(error_kind(status, code), kind, "{status} {code}");
    }
    let e = ERRORS.error_from_response(&response(404, &[], fixture!("error_official_example.json")));
    assert_eq!((e.kind, e.code.as_str()), (FetchErrorKind::NotFound, "InvalidImageId.NotFound"));
    let e = ERRORS.error_from_response(&response(403, &[], fixture!("error_signature.json")));
    assert_eq!(e.kind, FetchErrorKind::Auth);
}

#[test]
fn non_json_error_bodies() {
    let e = ERRORS.error_from_response(&response(503, &[("content-type", "text/html")], "<html>busy</html>"));
    assert_eq!((e.kind, e.code.as_str()), (FetchErrorKind::Server, "http.503"));
    assert!(e.message.starts_with("non-JSON response (text/html, "), "{}", e.message);
    let xml = "<?xml version='1.0'?><Error><Code>Throttling</Code></Error>";
    let e = ERRORS.error_from_response(&response(400, &[("content-type", "text/xml;charset=utf-8")], xml));
    assert_eq!((e.kind, e.code.as_str()), (FetchErrorKind::Protocol, "http.400"));
    let e = ERRORS.error_from_response(&response(400, &[], r#"{"Message":"no code"}"#));
    assert_eq!((e.kind, e.code.as_str(), e.message.as_str()), (FetchErrorKind::Protocol, "http.400", "no code"));
}

#[test]
fn time_left_parsing() {
    assert_eq!(time_left_ms("TimeLeft:7000"), Some(7000));
    assert_eq!(time_left_ms("Limit:5, Remain:0, TimeLeft: 250"), Some(250));
    assert_eq!(time_left_ms("Limit:5"), None);
    assert_eq!(time_left_ms("TimeLeft:soon"), None);
}

#[test]
fn x_acs_retry_after_wins_over_the_rate_limit_headers_as_in_current_sdk_cores() {
    let throttled = |headers: &[(&str, &str)]| {
        let body = r#"{"Code":"Throttling.User","Message":"Request was denied due to user flow control."}"#;
        throttle_delay(&response(400, headers, body))
    };
    let both = [("x-acs-retry-after", "2200"), ("x-ratelimit-user", "Limit:5,Remain:0,TimeLeft:7000")];
    assert_eq!(throttled(&both), Some(Duration::from_millis(2200)));
    // Missing, empty, zero, negative or garbage: the older headers decide, as the SDK's
    // `get_throttling_time_left` returns nothing for those.
    for bad in ["", "0", "-5", "soon"] {
        let headers = [("x-acs-retry-after", bad), ("x-ratelimit-user", "TimeLeft:3700")];
        assert_eq!(throttled(&headers), Some(Duration::from_millis(3700)), "{bad:?}");
    }
    assert_eq!(throttled(&[]), None);
    let e = ERRORS.error_from_response(&response(
        400,
        &[("content-type", "application/json"), ("x-acs-retry-after", "2500")],
        r#"{"Code":"Throttling.Api","Message":"slow down"}"#,
    ));
    assert_eq!((e.kind, e.retry_after), (FetchErrorKind::Throttled, Some(Duration::from_millis(2500))));
}
