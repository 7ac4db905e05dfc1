//! A cloud's answer that is not a task, as a [`FetchError`]: the shape every cloud shares, with
//! each cloud's own rules plugged in.
//!
//! Owns [`WireError`] (why a 2xx body could not become a task) and [`ErrorRules`] (how a cloud
//! names its errors: the body's code and message, the kind a code means, how long a refusal asks
//! us to wait). Each cloud's `wire` module declares its rules as a constant; nothing here knows a
//! cloud. Pure.

use std::time::Duration;

use super::http::{RawResponse, bad_json, looks_like_json, non_json, status_text};
use crate::domain::{FetchError, FetchErrorKind};

/// How one cloud's error answers read.
#[derive(Debug, Clone, Copy)]
pub struct ErrorRules {
    /// The cloud's name in messages that question the endpoint ("Huawei APIG").
    pub service: &'static str,
    /// The code and message of the cloud's error body, when the body is one.
    pub parse_body: fn(&[u8]) -> Option<(String, String)>,
    /// What a code (and the HTTP status) means.
    pub kind: fn(status: u16, code: &str) -> FetchErrorKind,
    /// How long an answer of this kind asks us to wait, from its headers.
    pub retry_after: fn(response: &RawResponse, kind: FetchErrorKind) -> Option<Duration>,
}

impl ErrorRules {
    /// Turns a non-2xx response into a [`FetchError`], by the cloud's code first and the HTTP
    /// status second.
    pub fn error_from_response(&self, response: &RawResponse) -> FetchError {
        let parsed = looks_like_json(&response.body).then(|| (self.parse_body)(&response.body)).flatten();
        if let Some((code, message)) = parsed {
            return self.classify(response.status.as_u16(), &code, &message, response);
        }
        let error = non_json(response);
        let retry_after = (self.retry_after)(response, error.kind);
        error.with_retry_after(retry_after)
    }

    /// The error for a code and message the cloud sent (in an error body, or a 2xx body that
    /// turned out to be one).
    pub fn classify(&self, status: u16, code: &str, message: &str, response: &RawResponse) -> FetchError {
        let kind = (self.kind)(status, code);
        let code = if code.is_empty() { format!("http.{status}") } else { code.to_owned() };
        let message =
            if message.is_empty() { format!("HTTP {}", status_text(response.status)) } else { message.to_owned() };
        FetchError::new(kind, code, message).with_retry_after((self.retry_after)(response, kind))
    }
}

/// Why a 2xx body could not become a task.
#[derive(Debug)]
pub enum WireError {
    /// Not JSON, or JSON of the wrong shape (including serde_json's depth limit).
    Json(serde_json::Error),
    /// A document nested in the body (Huawei's `task_result`) is not the JSON it should be.
    Nested { field: &'static str, error: serde_json::Error },
    /// The body is an error body although the status was 2xx.
    Provider { code: String, message: String },
    /// JSON without the field that says what the answer is (`TaskStatus`, `task_id`).
    MissingField(&'static str),
    /// The answer is about another object than the one asked for (a `task_id` that is not the
    /// reference's): a proxy's cache, or a server bug; never to be shown as the task.
    Mismatch { field: &'static str, expected: String, found: String },
}

impl WireError {
    /// The fetch error for this problem with a response.
    pub fn into_fetch_error(self, response: &RawResponse, rules: &ErrorRules) -> FetchError {
        let status = response.status.as_u16();
        match self {
            WireError::Json(e) => bad_json(response, &e),
            WireError::Nested { field, error } => FetchError::new(
                FetchErrorKind::Protocol,
                format!("http.{status}"),
                format!("{field} is not a valid JSON document: {error}"),
            ),
            WireError::Provider { code, message } => rules.classify(status, &code, &message, response),
            WireError::Mismatch { field, expected, found } => FetchError::new(
                FetchErrorKind::Protocol,
                format!("{field}.mismatch"),
                format!(
                    "the answer is for {field} {}, not {}; is something between us and {} caching answers?",
                    crate::sanitize::line_truncated(&found, 64),
                    crate::sanitize::line_truncated(&expected, 64),
                    rules.service
                ),
            ),
            WireError::MissingField(field) => FetchError::new(
                FetchErrorKind::Protocol,
                format!("http.{status}"),
                format!("the response has no {field}; is the endpoint a {} endpoint?", rules.service),
            ),
        }
    }
}
