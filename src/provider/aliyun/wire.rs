//! Alibaba CloudAPI wire format: `DescribeImportOASTask` and `ImportOAS` bodies, error bodies,
//! and their normalisation into [`crate::domain`]. Pure: bytes in, domain values out.
//!
//! Every Alibaba quirk of docs/protocols.md (1–10) is handled here: arrays wrapped in
//! `{"ApiResult": [...]}` (or bare, empty, missing, a single object), `UpdateStatus` in capitals
//! and `TaskStatus` in title case, `ErrorMessage` present on items that did not fail, `Finished`
//! with items still `WAIT`. Parsing goes straight into borrowed typed structs, never through
//! `serde_json::Value` (docs/decisions.md). Must not do I/O.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::domain::{
    ApiErrorRef, Counts, FetchErrorKind, Subtask, SubtaskKind, SubtaskState, SubtaskText, Task, TaskKind, TaskRef,
    TaskState,
};
use crate::provider::classify::ErrorRules;
pub use crate::provider::classify::WireError;
use crate::provider::http::{RawResponse, clamp_retry_after};

// ---------------------------------------------------------------------------------------------
// Wrapped arrays (quirk 1)

/// Names the inner key of an XML-heritage wrapper object (`ApiResults.ApiResult`).
pub trait WrapperKey {
    const KEY: &'static str;
}

macro_rules! wrapper_key {
    ($name:ident, $key:literal) => {
        #[derive(Debug)]
        pub struct $name;
        impl WrapperKey for $name {
            const KEY: &'static str = $key;
        }
    };
}

wrapper_key!(ApiResultKey, "ApiResult");
wrapper_key!(ModelResultKey, "ModelResult");
wrapper_key!(SuccessApiKey, "SuccessApi");
wrapper_key!(FailedApiKey, "FailedApi");
wrapper_key!(SuccessModelKey, "SuccessModel");
wrapper_key!(FailedModelKey, "FailedModel");
wrapper_key!(ErrorMessageKey, "ErrorMessage");
wrapper_key!(WarningMessageKey, "WarningMessage");

/// A list that Alibaba sends as `{"Key": [...]}`, and that we also accept bare (`[...]`), empty
/// (`{}`), `null`, missing, or with a single object instead of an array.
pub struct Wrapped<K, T> {
    pub items: Vec<T>,
    key: PhantomData<K>,
}

impl<K, T> Default for Wrapped<K, T> {
    fn default() -> Self {
        Wrapped { items: Vec::new(), key: PhantomData }
    }
}

impl<K, T: fmt::Debug> fmt::Debug for Wrapped<K, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.items.fmt(f)
    }
}

impl<'de, K: WrapperKey, T: Deserialize<'de>> Deserialize<'de> for Wrapped<K, T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct WrappedVisitor<K, T>(PhantomData<(K, T)>);

        impl<'de, K: WrapperKey, T: Deserialize<'de>> Visitor<'de> for WrappedVisitor<K, T> {
            type Value = Wrapped<K, T>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "an object with a {:?} array, or an array", K::KEY)
            }

            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Wrapped::default())
            }

            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Wrapped::default())
            }

            fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
                Wrapped::deserialize(deserializer)
            }

            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                Ok(Wrapped { items: collect_seq(seq)?, key: PhantomData })
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut items = Vec::new();
                while let Some(key) = map.next_key::<Cow<'de, str>>()? {
                    if key == K::KEY {
                        items = map.next_value::<OneOrMany<T>>()?.0;
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(Wrapped { items, key: PhantomData })
            }
        }

        deserializer.deserialize_any(WrappedVisitor::<K, T>(PhantomData))
    }
}

fn collect_seq<'de, A: SeqAccess<'de>, T: Deserialize<'de>>(mut seq: A) -> Result<Vec<T>, A::Error> {
    // Cap the pre-allocation: the size hint comes from the server.
    let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
    while let Some(item) = seq.next_element()? {
        items.push(item);
    }
    Ok(items)
}

/// An array, a single element, or null.
struct OneOrMany<T>(Vec<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OneOrManyVisitor<T>(PhantomData<T>);

        impl<'de, T: Deserialize<'de>> Visitor<'de> for OneOrManyVisitor<T> {
            type Value = OneOrMany<T>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array or an object")
            }

            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(OneOrMany(Vec::new()))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                Ok(OneOrMany(collect_seq(seq)?))
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                Ok(OneOrMany(vec![T::deserialize(de::value::MapAccessDeserializer::new(map))?]))
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                // A single string for a string list (`ErrorMessages.ErrorMessage: "x"`).
                T::deserialize(de::value::StrDeserializer::<E>::new(v)).map(|t| OneOrMany(vec![t]))
            }
        }

        deserializer.deserialize_any(OneOrManyVisitor(PhantomData))
    }
}

// ---------------------------------------------------------------------------------------------
// DescribeImportOASTask

type Text<'a> = Option<Cow<'a, str>>;

#[derive(Deserialize)]
struct DescribeBody<'a> {
    #[serde(rename = "ApiResults", default, borrow)]
    api_results: Wrapped<ApiResultKey, ApiResult<'a>>,
    #[serde(rename = "ModelResults", default, borrow)]
    model_results: Wrapped<ModelResultKey, ModelResult<'a>>,
    #[serde(rename = "TaskStatus", default, borrow)]
    task_status: Text<'a>,
    #[serde(rename = "Code", default, borrow)]
    code: Text<'a>,
    #[serde(rename = "Message", default, borrow)]
    message: Text<'a>,
}

#[derive(Deserialize)]
struct ApiResult<'a> {
    #[serde(rename = "ApiId", default, borrow)]
    api_id: Text<'a>,
    #[serde(rename = "ApiName", default, borrow)]
    api_name: Text<'a>,
    #[serde(rename = "Method", default, borrow)]
    method: Text<'a>,
    #[serde(rename = "Path", default, borrow)]
    path: Text<'a>,
    #[serde(rename = "GroupId", default, borrow)]
    group_id: Text<'a>,
    #[serde(rename = "ErrorMessage", default, borrow)]
    error_message: Text<'a>,
    #[serde(rename = "UpdateStatus", default, borrow)]
    update_status: Text<'a>,
}

#[derive(Deserialize)]
struct ModelResult<'a> {
    #[serde(rename = "ModelId", default, borrow)]
    model_id: Text<'a>,
    #[serde(rename = "ModelName", default, borrow)]
    model_name: Text<'a>,
    #[serde(rename = "GroupId", default, borrow)]
    group_id: Text<'a>,
    #[serde(rename = "ErrorMessage", default, borrow)]
    error_message: Text<'a>,
    #[serde(rename = "UpdateStatus", default, borrow)]
    update_status: Text<'a>,
}

fn owned(text: Option<Cow<'_, str>>) -> String {
    text.map(Cow::into_owned).unwrap_or_default()
}

/// `UpdateStatus` → subtask state (quirk 2). Unknown values wait: never a crash, and the raw text
/// stays in `raw_status`.
pub fn item_state(raw: &str) -> SubtaskState {
    let raw = raw.trim();
    let is = |s: &str| raw.eq_ignore_ascii_case(s);
    if is("RUNNING") {
        SubtaskState::Running
    } else if is("OVER") || is("SUCCESS") || is("SUCCEEDED") {
        SubtaskState::Succeeded
    } else if is("FAIL") || is("FAILED") {
        SubtaskState::Failed
    } else if is("CANCEL") || is("CANCELLED") || is("CANCELED") {
        SubtaskState::Cancelled
    } else {
        // `WAIT` and anything new.
        SubtaskState::Waiting
    }
}

/// `TaskStatus` → task state. `Finished` is judged by the items, even if some still `WAIT`
/// (quirk 4: the official example does exactly that).
pub fn task_state(raw: &str, counts: &Counts) -> TaskState {
    let raw = raw.trim();
    if raw.eq_ignore_ascii_case("Running") {
        TaskState::Running
    } else if raw.eq_ignore_ascii_case("Finished") {
        TaskState::finished_from(counts)
    } else {
        TaskState::Unknown
    }
}

/// Only failed and cancelled items carry an error; the official example has `ErrorMessage` on a
/// `WAIT` item too (quirk 3). The message stays verbatim, trailing newline included.
fn item_error(state: SubtaskState, message: Option<&str>) -> Option<ApiErrorRef<'_>> {
    if !state.is_problem() {
        return None;
    }
    message.filter(|m| !m.is_empty()).map(|m| ApiErrorRef::new("", m))
}

fn raw_index(position: usize) -> u32 {
    u32::try_from(position).unwrap_or(u32::MAX)
}

/// Normalises a `DescribeImportOASTask` body. The task keeps `body` as its `raw_body`.
pub fn describe_task(task_ref: &TaskRef, body: Arc<str>) -> Result<Task, WireError> {
    let parsed: DescribeBody<'_> = serde_json::from_str(&body).map_err(WireError::Json)?;
    let Some(status) = parsed.task_status else {
        return Err(match parsed.code {
            Some(code) => WireError::Provider { code: code.into_owned(), message: owned(parsed.message) },
            None => WireError::MissingField("TaskStatus"),
        });
    };
    let mut group_id: Option<String> = None;
    let mut note_group = |g: &Option<Cow<'_, str>>| {
        if group_id.is_none()
            && let Some(g) = g.as_deref().filter(|g| !g.is_empty())
        {
            group_id = Some(g.to_owned());
        }
    };
    let mut subtasks = Vec::with_capacity(parsed.api_results.items.len() + parsed.model_results.items.len());
    for (position, api) in parsed.api_results.items.into_iter().enumerate() {
        note_group(&api.group_id);
        let raw_status = api.update_status.as_deref().unwrap_or_default();
        let state = item_state(raw_status);
        let text = SubtaskText {
            id: api.api_id.as_deref().unwrap_or_default(),
            name: api.api_name.as_deref().unwrap_or_default(),
            method: api.method.as_deref().unwrap_or_default(),
            path: api.path.as_deref().unwrap_or_default(),
            raw_status,
            error: item_error(state, api.error_message.as_deref()),
        };
        subtasks.push(Subtask::new(SubtaskKind::Api, state, text).at_index(raw_index(position)));
    }
    for (position, model) in parsed.model_results.items.into_iter().enumerate() {
        note_group(&model.group_id);
        let raw_status = model.update_status.as_deref().unwrap_or_default();
        let state = item_state(raw_status);
        let text = SubtaskText {
            id: model.model_id.as_deref().unwrap_or_default(),
            name: model.model_name.as_deref().unwrap_or_default(),
            raw_status,
            error: item_error(state, model.error_message.as_deref()),
            ..SubtaskText::default()
        };
        subtasks.push(Subtask::new(SubtaskKind::Model, state, text).at_index(raw_index(position)));
    }
    let counts = Counts::of(&subtasks);
    let state = task_state(&status, &counts);
    let mut task = Task::new(task_ref.clone(), TaskKind::Import, state, status.into_owned()).with_subtasks(subtasks);
    task.group_id = group_id;
    task.raw_body = Some(body);
    Ok(task)
}

// ---------------------------------------------------------------------------------------------
// ImportOAS

/// What `ImportOAS` answered (docs/protocols.md, "ImportOAS").
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportOasOutcome {
    pub request_id: Option<String>,
    /// The id to poll with `DescribeImportOASTask`, when the import runs asynchronously.
    pub operation_id: Option<String>,
    pub success_apis: Vec<ImportedApi>,
    pub failed_apis: Vec<FailedApi>,
    pub success_models: Vec<ImportedModel>,
    pub failed_models: Vec<FailedModel>,
    pub error_messages: Vec<String>,
    pub warning_messages: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportedApi {
    #[serde(rename(deserialize = "ApiId"), default)]
    pub api_id: String,
    /// `CREATE` or `UPDATE`.
    #[serde(rename(deserialize = "ApiOperation"), default)]
    pub operation: String,
    #[serde(rename(deserialize = "HttpMethod"), default)]
    pub method: String,
    #[serde(rename(deserialize = "Path"), default)]
    pub path: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailedApi {
    #[serde(rename(deserialize = "ErrorMsg"), default)]
    pub error: String,
    #[serde(rename(deserialize = "HttpMethod"), default)]
    pub method: String,
    #[serde(rename(deserialize = "Path"), default)]
    pub path: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportedModel {
    #[serde(rename(deserialize = "GroupId"), default)]
    pub group_id: String,
    #[serde(rename(deserialize = "ModelName"), default)]
    pub name: String,
    #[serde(rename(deserialize = "ModelOperation"), default)]
    pub operation: String,
    #[serde(rename(deserialize = "ModelUid"), default)]
    pub uid: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailedModel {
    #[serde(rename(deserialize = "ErrorMsg"), default)]
    pub error: String,
    #[serde(rename(deserialize = "GroupId"), default)]
    pub group_id: String,
    #[serde(rename(deserialize = "ModelName"), default)]
    pub name: String,
}

#[derive(Deserialize)]
struct ImportOasBody {
    #[serde(rename = "RequestId", default)]
    request_id: Option<String>,
    #[serde(rename = "OperationId", default)]
    operation_id: Option<String>,
    #[serde(rename = "SuccessApis", default)]
    success_apis: Wrapped<SuccessApiKey, ImportedApi>,
    #[serde(rename = "FailedApis", default)]
    failed_apis: Wrapped<FailedApiKey, FailedApi>,
    #[serde(rename = "SuccessModels", default)]
    success_models: Wrapped<SuccessModelKey, ImportedModel>,
    #[serde(rename = "FailedModels", default)]
    failed_models: Wrapped<FailedModelKey, FailedModel>,
    #[serde(rename = "ErrorMessages", default)]
    error_messages: Wrapped<ErrorMessageKey, String>,
    #[serde(rename = "WarningMessages", default)]
    warning_messages: Wrapped<WarningMessageKey, String>,
    #[serde(rename = "Code", default)]
    code: Option<String>,
    #[serde(rename = "Message", default)]
    message: Option<String>,
}

/// Parses an `ImportOAS` answer.
pub fn import_outcome(body: &str) -> Result<ImportOasOutcome, WireError> {
    let parsed: ImportOasBody = serde_json::from_str(body).map_err(WireError::Json)?;
    if parsed.operation_id.is_none()
        && let Some(code) = parsed.code
    {
        return Err(WireError::Provider { code, message: parsed.message.unwrap_or_default() });
    }
    Ok(ImportOasOutcome {
        request_id: parsed.request_id,
        operation_id: parsed.operation_id.filter(|id| !id.is_empty()),
        success_apis: parsed.success_apis.items,
        failed_apis: parsed.failed_apis.items,
        success_models: parsed.success_models.items,
        failed_models: parsed.failed_models.items,
        error_messages: parsed.error_messages.items,
        warning_messages: parsed.warning_messages.items,
    })
}

// ---------------------------------------------------------------------------------------------
// Errors (docs/protocols.md, Alibaba Cloud "Errors", quirks 8–10)

/// The Alibaba error body: `{RequestId, HostId, Code, Message, Recommend}` (either case).
#[derive(Debug, Default, Deserialize)]
pub struct ErrorBody {
    #[serde(rename = "Code", alias = "code", default)]
    pub code: Option<String>,
    #[serde(rename = "Message", alias = "message", default)]
    pub message: Option<String>,
    #[serde(rename = "RequestId", alias = "requestId", default)]
    pub request_id: Option<String>,
    #[serde(rename = "HostId", default)]
    pub host_id: Option<String>,
    #[serde(rename = "Recommend", default)]
    pub recommend: Option<String>,
}

/// How Alibaba error answers read (Alibaba throttles with HTTP 400 and a `Throttling.*` code).
pub const ERRORS: ErrorRules = ErrorRules {
    service: "Alibaba CloudAPI",
    parse_body: |body| {
        let body: ErrorBody = serde_json::from_slice(body).ok()?;
        Some((body.code.unwrap_or_default(), body.message.unwrap_or_default()))
    },
    kind: error_kind,
    retry_after: |response, kind| (kind == FetchErrorKind::Throttled).then(|| throttle_delay(response)).flatten(),
};

const AUTH_PREFIXES: &[&str] = &[
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "IncompleteSignature",
    "Forbidden",
    "InvalidSecurityToken",
    "SignatureNonceUsed",
    "InvalidTimeStamp",
];

/// The kind of an Alibaba error, from its code and HTTP status.
pub fn error_kind(status: u16, code: &str) -> FetchErrorKind {
    // A 429 means "slow down" whoever sends it (a gateway or proxy in front of the API).
    if code == "Throttling" || code.starts_with("Throttling.") || status == 429 {
        FetchErrorKind::Throttled
    } else if AUTH_PREFIXES.iter().any(|p| code.starts_with(p)) || status == 401 || status == 403 {
        FetchErrorKind::Auth
    } else if status == 404 || code.contains("NotFound") {
        FetchErrorKind::NotFound
    } else if code == "InternalError" || code == "ServiceUnavailable" || (500..600).contains(&status) {
        FetchErrorKind::Server
    } else {
        FetchErrorKind::Protocol
    }
}

/// How long a throttled answer asks us to wait: `x-acs-retry-after` (milliseconds, a positive
/// integer) as current SDK cores read it, else the larger `TimeLeft` (ms) of
/// `x-ratelimit-user-api` and `x-ratelimit-user`, as older ones did, else `Retry-After`
/// (seconds), which a gateway or proxy in front of the API sends with its 429.
pub fn throttle_delay(response: &RawResponse) -> Option<Duration> {
    let positive = |value: &str| value.trim().parse::<u64>().ok().filter(|n| *n > 0);
    response
        .header("x-acs-retry-after")
        .and_then(positive)
        .or_else(|| {
            ["x-ratelimit-user-api", "x-ratelimit-user"]
                .iter()
                .filter_map(|name| response.header(name))
                .filter_map(time_left_ms)
                .max()
        })
        .or_else(|| response.header("retry-after").and_then(positive).map(|s| s.saturating_mul(1000)))
        .map(|ms| clamp_retry_after(Duration::from_millis(ms)))
}

/// `Limit:10,Remain:0,TimeLeft:7000` → 7000.
pub fn time_left_ms(header: &str) -> Option<u64> {
    header.split(',').find_map(|pair| {
        let (key, value) = pair.split_once(':')?;
        key.trim().eq_ignore_ascii_case("TimeLeft").then(|| value.trim().parse().ok()).flatten()
    })
}

#[cfg(test)]
mod tests;
