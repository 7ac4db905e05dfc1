//! Credential checks as the real services make them: what both clouds' verifiers share. A
//! verifier sees a [`RequestView`] and answers with a [`Refusal`] (status, code, message); the
//! signed headers' values, clock skew and a key's state ([`KeyView`]) are read the same way for
//! both. Each cloud's verifier and its table of error codes (docs/protocols.md, the clouds'
//! "Errors"; where the docs disagree, the choice is ours and written there) are in
//! `aliyun/auth.rs` (ACS3-HMAC-SHA256, dates, nonces, STS tokens) and `huawei/auth.rs`
//! (SDK-HMAC-SHA256, IAM tokens, temporary keys, the project, the AK lockout). The official
//! signature examples the verifiers are tested with share one scenario (`fixtures`, in tests).

use std::time::SystemTime;

use axum::http::{HeaderMap, StatusCode};

use super::http::header_str;
use crate::provider::signing::SignedRequest;

/// What a verifier needs from a request.
pub(crate) struct RequestView<'a> {
    pub method: &'a str,
    /// Percent-decoded path.
    pub path: &'a str,
    /// Decoded query pairs.
    pub query: &'a [(String, String)],
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}

/// A refusal: status, code, message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub status: StatusCode,
    pub code: String,
    pub message: String,
}

pub(crate) fn refuse(status: StatusCode, code: &str, message: impl Into<String>) -> Refusal {
    Refusal { status, code: code.to_owned(), message: message.into() }
}

/// The signed headers' `(name, value)` pairs, or the first listed name the request lacks.
pub(crate) fn signed_values<'h>(headers: &'h HeaderMap, names: &[String]) -> Result<Vec<(String, &'h str)>, String> {
    names
        .iter()
        .map(|name| header_str(headers, name).map(|value| (name.clone(), value)).ok_or_else(|| name.clone()))
        .collect()
}

pub(crate) fn seconds_between(a: SystemTime, b: SystemTime) -> u64 {
    a.duration_since(b).or_else(|_| b.duration_since(a)).map_or(0, |d| d.as_secs())
}

/// The request as its signer saw it, rebuilt from what was received (the signed headers'
/// values, the decoded query), handed to `check`: the verifiers recompute the signature on it.
pub(crate) fn with_signed_request<R>(
    req: &RequestView<'_>,
    signed_headers: &[(String, &str)],
    hashed_payload: &str,
    date: &str,
    check: impl FnOnce(&SignedRequest<'_>) -> R,
) -> R {
    let pairs: Vec<(&str, &str)> = signed_headers.iter().map(|(n, v)| (n.as_str(), *v)).collect();
    let query: Vec<(&str, &str)> = req.query.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    check(&SignedRequest {
        method: req.method,
        path: req.path,
        query: &query,
        signed_headers: &pairs,
        hashed_payload,
        date,
    })
}

/// A key as a verifier needs it, wherever it came from.
pub(crate) struct KeyView {
    pub secret: String,
    pub token: Option<String>,
    pub expired: bool,
}

#[cfg(test)]
pub(crate) mod fixtures {
    use std::sync::atomic::AtomicU64;
    use std::sync::{Arc, Mutex};
    use std::time::Instant;

    use axum::http::{HeaderName, HeaderValue};
    use tokio::sync::watch;

    use super::*;
    use crate::sim::ids::Ids;
    use crate::sim::scenario;
    use crate::sim::state::{Inner, Shared};

    /// Accepts dates from the official examples (2019, 2023): skew limit of ~3,000 years.
    pub(crate) const TEXT: &str = r#"
name = "vectors"
[aliyun]
max_skew_secs = 100000000000
[[aliyun.credentials]]
access_key_id = "YourAccessKeyId"
access_key_secret = "YourAccessKeySecret"
[[aliyun.credentials]]
access_key_id = "WrongSecretKey"
access_key_secret = "not-the-secret"
[huawei]
project_id = "77b6a44cba5143ab91d13ab9a8ff44fd"
max_skew_secs = 100000000000
[[huawei.credentials]]
access_key = "QTWAOYTTINDUT2QVKYUC"
secret_key = "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc"
[[huawei.credentials]]
access_key = "AccessKey"
secret_key = "SecretKey"
"#;

    pub(crate) fn shared() -> Shared {
        let (_tx, rx) = watch::channel(false);
        Shared {
            scenario: scenario::parse(TEXT, "vectors", None).unwrap(),
            speed: 1.0,
            seed: 1,
            ids: Ids::new(1),
            started: Instant::now(),
            inner: Mutex::new(Inner::default()),
            connections: Arc::new(AtomicU64::new(0)),
            shutdown: rx,
            redirect_base: String::new(),
        }
    }

    pub(crate) fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(HeaderName::from_bytes(name.as_bytes()).unwrap(), HeaderValue::from_str(value).unwrap());
        }
        map
    }
}
