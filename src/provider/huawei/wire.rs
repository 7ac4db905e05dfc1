//! Huawei APIG wire format: the async-task body, the JSON document inside its `task_result`
//! string, the `{"task_id"}` of create calls, error bodies, and their normalisation into
//! [`crate::domain`]. Pure.
//!
//! Handles quirks 11–17 of docs/protocols.md: `succeed` (and the documented-but-never-sent
//! `succeeded`), `task_result` as a string that is `""` while waiting, errors of failed tasks
//! inside `task_result`, import keys in any order and all optional, PascalCase export keys next
//! to the documented snake_case ones, throttling as 429 `APIG.0308` and as 500 `APIG.9008`.
//! Parses into borrowed typed structs, never `serde_json::Value`. Must not do I/O.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde::Deserialize;
use time::PrimitiveDateTime;
use time::macros::format_description;

use crate::domain::{
    ApiError, ApiErrorRef, ChangeAction, Counts, ExportFile, FetchErrorKind, Subtask, SubtaskKind, SubtaskState,
    SubtaskText, Task, TaskKind, TaskRef, TaskState,
};
use crate::provider::classify::ErrorRules;
pub use crate::provider::classify::WireError;
use crate::provider::http::{RawResponse, clamp_retry_after};

type Text<'a> = Option<Cow<'a, str>>;

fn owned(text: Text<'_>) -> String {
    text.map(Cow::into_owned).unwrap_or_default()
}

fn non_empty(text: Text<'_>) -> Option<String> {
    text.filter(|t| !t.is_empty()).map(Cow::into_owned)
}

#[derive(Deserialize)]
struct TaskBody<'a> {
    #[serde(default, borrow)]
    task_id: Text<'a>,
    #[serde(default, borrow)]
    task_status: Text<'a>,
    #[serde(default, borrow)]
    task_type: Text<'a>,
    #[serde(default, borrow)]
    task_result: Text<'a>,
    #[serde(default, borrow)]
    error_code: Text<'a>,
    #[serde(default, borrow)]
    error_msg: Text<'a>,
}

#[derive(Deserialize, Default)]
struct ImportResult<'a> {
    #[serde(default, borrow)]
    success: Option<Vec<SuccessItem<'a>>>,
    #[serde(default, borrow)]
    failure: Option<Vec<FailureItem<'a>>>,
    #[serde(default, borrow)]
    ignore: Option<Vec<IgnoreItem<'a>>>,
    #[serde(default, borrow)]
    group_id: Text<'a>,
    #[serde(default, borrow)]
    swagger: Option<SwaggerResult<'a>>,
    #[serde(default, borrow)]
    error_code: Text<'a>,
    #[serde(default, borrow)]
    error_msg: Text<'a>,
}

/// `swagger: {id, result}`: how the document itself was stored (docs/protocols.md, quirk 18).
#[derive(Deserialize)]
struct SwaggerResult<'a> {
    #[serde(default, borrow)]
    id: Text<'a>,
    #[serde(default, borrow)]
    result: Text<'a>,
}

#[derive(Deserialize)]
struct SuccessItem<'a> {
    #[serde(default, borrow)]
    id: Text<'a>,
    #[serde(default, borrow)]
    method: Text<'a>,
    #[serde(default, borrow)]
    path: Text<'a>,
    #[serde(default, borrow)]
    action: Text<'a>,
}

#[derive(Deserialize)]
struct FailureItem<'a> {
    #[serde(default, borrow)]
    method: Text<'a>,
    #[serde(default, borrow)]
    path: Text<'a>,
    #[serde(default, borrow)]
    error_code: Text<'a>,
    #[serde(default, borrow)]
    error_msg: Text<'a>,
}

#[derive(Deserialize)]
struct IgnoreItem<'a> {
    #[serde(default, borrow)]
    method: Text<'a>,
    #[serde(default, borrow)]
    path: Text<'a>,
}

/// Both spellings, because the doc says `file_type`/`content` and the service sends
/// `FileName`/`FileType`/`Comment` (quirk 15). Separate fields, not aliases: an answer carrying
/// both must not be rejected as a duplicate.
#[derive(Deserialize, Default)]
struct ExportResult<'a> {
    #[serde(rename = "FileName", default, borrow)]
    file_name_pascal: Text<'a>,
    #[serde(rename = "file_name", default, borrow)]
    file_name_snake: Text<'a>,
    #[serde(rename = "FileType", default, borrow)]
    file_type_pascal: Text<'a>,
    #[serde(rename = "file_type", default, borrow)]
    file_type_snake: Text<'a>,
    #[serde(rename = "Comment", default, borrow)]
    comment: Text<'a>,
    #[serde(rename = "content", default, borrow)]
    content: Text<'a>,
    #[serde(default, borrow)]
    error_code: Text<'a>,
    #[serde(default, borrow)]
    error_msg: Text<'a>,
}

impl ExportResult<'_> {
    fn has_file(&self) -> bool {
        self.file_name_pascal.is_some()
            || self.file_name_snake.is_some()
            || self.comment.is_some()
            || self.content.is_some()
    }
}

/// What `task_status` says, before the subtasks are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RawState {
    Waiting,
    Processing,
    Succeeded,
    Failed,
    Unknown,
}

/// `waiting` / `processing` / `succeed` (tolerating `succeeded`, `success`) / `failed`.
pub fn raw_state(raw: &str) -> RawState {
    let raw = raw.trim();
    let is = |s: &str| raw.eq_ignore_ascii_case(s);
    if is("waiting") {
        RawState::Waiting
    } else if is("processing") || is("running") {
        RawState::Processing
    } else if is("succeed") || is("succeeded") || is("success") {
        RawState::Succeeded
    } else if is("failed") || is("fail") {
        RawState::Failed
    } else {
        RawState::Unknown
    }
}

fn task_kind(raw: &str) -> Option<TaskKind> {
    match raw.trim() {
        "import_api" => Some(TaskKind::Import),
        "export_api" => Some(TaskKind::Export),
        _ => None,
    }
}

fn raw_index(position: usize) -> u32 {
    u32::try_from(position).unwrap_or(u32::MAX)
}

fn task_error(code: Text<'_>, message: Text<'_>) -> Option<ApiError> {
    let code = owned(code);
    let message = owned(message);
    (!code.is_empty() || !message.is_empty()).then(|| ApiError::new(code, message))
}

/// Normalises a `GET .../async-tasks/{task_id}` body. The task keeps `body` as its `raw_body`.
pub fn async_task(task_ref: &TaskRef, body: Arc<str>) -> Result<Task, WireError> {
    let parsed: TaskBody<'_> = serde_json::from_str(&body).map_err(WireError::Json)?;
    let Some(raw_status) = parsed.task_status else {
        return Err(match parsed.error_code {
            Some(code) => WireError::Provider { code: code.into_owned(), message: owned(parsed.error_msg) },
            None => WireError::MissingField("task_status"),
        });
    };
    if let Some(found) = parsed.task_id.as_deref().filter(|id| !id.is_empty())
        && found != task_ref.task_id()
    {
        return Err(WireError::Mismatch {
            field: "task_id",
            expected: task_ref.task_id().to_owned(),
            found: found.to_owned(),
        });
    }
    let state = raw_state(&raw_status);
    let result_text = parsed.task_result.unwrap_or_default();
    let result_text = result_text.trim();
    let declared_kind = parsed.task_type.as_deref().and_then(task_kind);

    let mut task =
        if declared_kind == Some(TaskKind::Export) || (declared_kind.is_none() && looks_like_export(result_text)) {
            export_task(task_ref, state, &raw_status, result_text)?
        } else {
            import_task(task_ref, state, &raw_status, result_text)?
        };
    task.raw_body = Some(body);
    Ok(task)
}

fn looks_like_export(result_text: &str) -> bool {
    !result_text.is_empty() && serde_json::from_str::<ExportResult<'_>>(result_text).is_ok_and(|r| r.has_file())
}

fn import_task(task_ref: &TaskRef, state: RawState, raw_status: &str, result_text: &str) -> Result<Task, WireError> {
    let (result, text_error) = parse_result::<ImportResult<'_>>(state, result_text)?;
    let mut subtasks = Vec::new();
    for (position, item) in result.success.unwrap_or_default().into_iter().enumerate() {
        let action = match item.action.as_deref().map(str::trim) {
            Some(a) if a.eq_ignore_ascii_case("create") => Some(ChangeAction::Create),
            Some(a) if a.eq_ignore_ascii_case("update") => Some(ChangeAction::Update),
            _ => None,
        };
        let text = SubtaskText {
            id: item.id.as_deref().unwrap_or_default(),
            method: item.method.as_deref().unwrap_or_default(),
            path: item.path.as_deref().unwrap_or_default(),
            raw_status: "success",
            ..SubtaskText::default()
        };
        let subtask = Subtask::new(SubtaskKind::Api, SubtaskState::Succeeded, text);
        subtasks.push(subtask.with_action(action).at_index(raw_index(position)));
    }
    for (position, item) in result.failure.unwrap_or_default().into_iter().enumerate() {
        let error = ApiErrorRef::new(
            item.error_code.as_deref().unwrap_or_default(),
            item.error_msg.as_deref().unwrap_or_default(),
        );
        let text = SubtaskText {
            method: item.method.as_deref().unwrap_or_default(),
            path: item.path.as_deref().unwrap_or_default(),
            raw_status: "failure",
            error: Some(error),
            ..SubtaskText::default()
        };
        subtasks.push(Subtask::new(SubtaskKind::Api, SubtaskState::Failed, text).at_index(raw_index(position)));
    }
    for (position, item) in result.ignore.unwrap_or_default().into_iter().enumerate() {
        let text = SubtaskText {
            method: item.method.as_deref().unwrap_or_default(),
            path: item.path.as_deref().unwrap_or_default(),
            raw_status: "ignore",
            ..SubtaskText::default()
        };
        subtasks.push(Subtask::new(SubtaskKind::Api, SubtaskState::Skipped, text).at_index(raw_index(position)));
    }
    let counts = Counts::of(&subtasks);
    let task_state = match state {
        RawState::Waiting => TaskState::Waiting,
        RawState::Processing => TaskState::Running,
        RawState::Succeeded => TaskState::finished_from(&counts),
        RawState::Failed => TaskState::Failed,
        RawState::Unknown => TaskState::Unknown,
    };
    let mut task = Task::new(task_ref.clone(), TaskKind::Import, task_state, raw_status).with_subtasks(subtasks);
    task.group_id = non_empty(result.group_id);
    if let Some(swagger) = result.swagger
        && let Some(outcome) = swagger.result.as_deref().map(str::trim).filter(|r| !r.is_empty())
        && !outcome.eq_ignore_ascii_case("success")
    {
        let id = swagger.id.as_deref().filter(|id| !id.is_empty()).map(|id| format!(" {id}")).unwrap_or_default();
        task.warnings.push(
            crate::sanitize::line_truncated(&format!("the swagger document{id} was not stored: result {outcome}"), 300)
                .into_owned(),
        );
    }
    task.error = task_error(result.error_code, result.error_msg).or(text_error);
    Ok(task)
}

fn export_task(task_ref: &TaskRef, state: RawState, raw_status: &str, result_text: &str) -> Result<Task, WireError> {
    let (result, text_error) = parse_result::<ExportResult<'_>>(state, result_text)?;
    let task_state = match state {
        RawState::Waiting => TaskState::Waiting,
        RawState::Processing => TaskState::Running,
        RawState::Succeeded => TaskState::Succeeded,
        RawState::Failed => TaskState::Failed,
        RawState::Unknown => TaskState::Unknown,
    };
    let export = result.has_file().then(|| ExportFile {
        file_name: owned(result.file_name_pascal.or(result.file_name_snake)),
        file_type: owned(result.file_type_pascal.or(result.file_type_snake)),
        content: owned(result.comment.or(result.content)),
    });
    let mut task = Task::new(task_ref.clone(), TaskKind::Export, task_state, raw_status);
    task.export = export;
    task.error = task_error(result.error_code, result.error_msg).or(text_error);
    Ok(task)
}

/// Decodes the `task_result` document. Empty (waiting, processing) → defaults. A failed task
/// whose result is not JSON keeps the text as its error instead of failing the whole fetch.
fn parse_result<'a, T: Deserialize<'a> + Default>(
    state: RawState,
    text: &'a str,
) -> Result<(T, Option<ApiError>), WireError> {
    if text.is_empty() {
        return Ok((T::default(), None));
    }
    match serde_json::from_str::<T>(text) {
        Ok(result) => Ok((result, None)),
        Err(_) if state == RawState::Failed => Ok((T::default(), Some(ApiError::new("", text)))),
        Err(error) => Err(WireError::Nested { field: "task_result", error }),
    }
}

#[derive(Deserialize)]
struct CreatedBody {
    #[serde(default)]
    task_id: Option<String>,
    #[serde(default)]
    error_code: Option<String>,
    #[serde(default)]
    error_msg: Option<String>,
}

/// The `task_id` of a 202 answer to async-import or async-export.
pub fn created_task_id(body: &str) -> Result<String, WireError> {
    let parsed: CreatedBody = serde_json::from_str(body).map_err(WireError::Json)?;
    match (parsed.task_id.filter(|id| !id.is_empty()), parsed.error_code) {
        (Some(id), _) => Ok(id),
        (None, Some(code)) => Err(WireError::Provider { code, message: parsed.error_msg.unwrap_or_default() }),
        (None, None) => Err(WireError::MissingField("task_id")),
    }
}

// ---------------------------------------------------------------------------------------------
// Errors (docs/protocols.md, Huawei Cloud "Errors")

/// `{error_code, error_msg, request_id}`, falling back to `code`/`message` as the SDK does.
#[derive(Debug, Default, Deserialize)]
pub struct ErrorBody {
    #[serde(default)]
    pub error_code: Option<String>,
    #[serde(default)]
    pub error_msg: Option<String>,
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub request_id: Option<String>,
}

/// How Huawei error answers read: `{error_code, error_msg}`, falling back to `code`/`message` as
/// the SDK does; `Retry-After` on any refusal.
pub const ERRORS: ErrorRules = ErrorRules {
    service: "Huawei APIG",
    parse_body: |body| {
        let body: ErrorBody = serde_json::from_slice(body).ok()?;
        Some((body.error_code.or(body.code).unwrap_or_default(), body.error_msg.or(body.message).unwrap_or_default()))
    },
    kind: error_kind,
    retry_after: |response, _| retry_after_header(response, SystemTime::now()),
};

/// The kind of a Huawei error, from its code and HTTP status.
pub fn error_kind(status: u16, code: &str) -> FetchErrorKind {
    let number = code.strip_prefix("APIG.").or_else(|| code.strip_prefix("APIGW.")).unwrap_or_default();
    if status == 429 || number == "0308" || code == "APIG.9008" {
        FetchErrorKind::Throttled
    } else if matches!(number, "1000" | "1001" | "1002" | "1003" | "1004" | "1005" | "0301")
        || status == 401
        || status == 403
    {
        FetchErrorKind::Auth
    } else if status == 404 || matches!(code, "APIG.3093" | "APIG.3072" | "APIG.3094" | "APIG.3030") {
        FetchErrorKind::NotFound
    } else if (500..600).contains(&status) || code == "APIG.9999" {
        FetchErrorKind::Server
    } else {
        FetchErrorKind::Protocol
    }
}

fn retry_after_header(response: &RawResponse, now: SystemTime) -> Option<Duration> {
    response.header("retry-after").and_then(|v| parse_retry_after(v, now))
}

/// `Retry-After` as delta-seconds or an HTTP date (RFC 9110 §10.2.3), clamped to [1 s, 10 min].
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(clamp_retry_after(Duration::from_secs(seconds)));
    }
    let fmt = format_description!("[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT");
    let at: SystemTime = PrimitiveDateTime::parse(value, fmt).ok()?.assume_utc().into();
    Some(clamp_retry_after(at.duration_since(now).unwrap_or(Duration::ZERO)))
}

#[cfg(test)]
mod tests;
