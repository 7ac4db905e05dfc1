//! Credential checks as the real services make them: Alibaba ACS3-HMAC-SHA256 and Huawei
//! SDK-HMAC-SHA256 recomputed from the received request (honouring the client's own
//! `SignedHeaders`), dates, nonces, STS / temporary tokens, IAM tokens, and the AK lockout.
//!
//! Error codes and statuses (docs/protocols.md, both clouds' "Errors"; where the docs disagree, the choice
//! is ours and written here):
//!
//! | Alibaba code | HTTP | when |
//! |---|---|---|
//! | `IncompleteSignature` | 400 | no/malformed `Authorization`; a required header not signed or absent |
//! | `InvalidAccessKeyId.NotFound` | 404 | unknown `Credential` |
//! | `InvalidTimeStamp.Format` | 400 | `x-acs-date` unreadable |
//! | `InvalidTimeStamp.Expired` | 400 | `x-acs-date` more than 15 min away |
//! | `SignatureDoesNotMatch` | 400 | wrong signature; `x-acs-content-sha256` ≠ body hash |
//! | `InvalidSecurityToken.Mismatch` | 400 | STS key without its token, or another token |
//! | `InvalidSecurityToken.Expired` | 400 | STS token past its expiry |
//! | `SignatureNonceUsed` | 400 | nonce seen in the last 15 min |
//!
//! | Huawei code | HTTP | when |
//! |---|---|---|
//! | `APIG.1000` | 401 | neither `X-Auth-Token` nor `Authorization` |
//! | `APIG.1002` | 401 | unknown token |
//! | `APIG.1001` | 401 | expired token, or expired temporary key |
//! | `APIG.0301` | 401 | any AK/SK failure (malformed, unknown AK, `x-sdk-date` unsigned or 15 min off, wrong signature, missing/wrong `X-Security-Token`, AK locked after 5 failures) |
//! | `APIG.1005` | 403 | `X-Project-Id` or the URL's project is not the credential's project |

use std::time::{Instant, SystemTime};

use axum::http::{HeaderMap, StatusCode};

use super::http::header_str;
use super::state::{Inner, Shared};
use crate::provider::aliyun::sign::ACS3;
use crate::provider::huawei::sign::{SDK_HMAC, UNSIGNED_PAYLOAD};
use crate::provider::signing::{ParsedAuthorization, SignedRequest, parse_acs_date, parse_sdk_date, sha256_hex};

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

fn refuse(status: StatusCode, code: &str, message: impl Into<String>) -> Refusal {
    Refusal { status, code: code.to_owned(), message: message.into() }
}

const INCOMPLETE: &str = "The request signature does not conform to Aliyun standards.";

/// The signed headers' `(name, value)` pairs, or the first listed name the request lacks.
fn signed_values<'h>(headers: &'h HeaderMap, names: &[String]) -> Result<Vec<(String, &'h str)>, String> {
    names
        .iter()
        .map(|name| header_str(headers, name).map(|value| (name.clone(), value)).ok_or_else(|| name.clone()))
        .collect()
}

fn seconds_between(a: SystemTime, b: SystemTime) -> u64 {
    a.duration_since(b).or_else(|_| b.duration_since(a)).map_or(0, |d| d.as_secs())
}

/// Verifies an Alibaba V3-signed request; records the nonce when everything else is right.
pub(crate) fn verify_aliyun(
    shared: &Shared,
    inner: &mut Inner,
    req: &RequestView<'_>,
    now: Instant,
    now_wall: SystemTime,
) -> Result<(), Refusal> {
    let setup = &shared.scenario.aliyun;
    let bad = StatusCode::BAD_REQUEST;
    let Some(header) = header_str(req.headers, "authorization") else {
        let hint = if req.query.iter().any(|(k, _)| k == "Signature") {
            " Signature version 1.0 (HMAC-SHA1) is not supported by this simulator; sign with ACS3-HMAC-SHA256."
        } else {
            " The Authorization header is missing."
        };
        return Err(refuse(bad, "IncompleteSignature", format!("{INCOMPLETE}{hint}")));
    };
    let auth = ACS3.parse_authorization(header).ok_or_else(|| {
        refuse(bad, "IncompleteSignature", format!("{INCOMPLETE} The Authorization header is malformed."))
    })?;
    let signed: Vec<String> = auth.signed_headers.iter().map(|h| h.to_ascii_lowercase()).collect();
    let mut required: Vec<String> =
        ["host", "x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256"].map(str::to_owned).to_vec();
    let extra: Vec<String> = req
        .headers
        .keys()
        .map(|k| k.as_str().to_owned())
        .filter(|k| k.starts_with("x-acs-") && !required.contains(k))
        .collect();
    required.extend(extra);
    if let Some(missing) = required.iter().find(|name| !signed.contains(name)) {
        return Err(refuse(bad, "IncompleteSignature", format!("{INCOMPLETE} The header {missing} must be signed.")));
    }
    let values = signed_values(req.headers, &signed).map_err(|name| {
        refuse(bad, "IncompleteSignature", format!("{INCOMPLETE} The signed header {name} is not in the request."))
    })?;

    let key = aliyun_key(shared, inner, &auth.key_id, now).ok_or_else(|| {
        refuse(
            StatusCode::NOT_FOUND,
            "InvalidAccessKeyId.NotFound",
            "The Access Key ID provided does not exist in our records.",
        )
    })?;

    let date_text = header_str(req.headers, "x-acs-date").unwrap_or_default();
    let date = parse_acs_date(date_text).ok_or_else(|| {
        refuse(bad, "InvalidTimeStamp.Format", "Specified time stamp or date value is not well formatted.")
    })?;
    if seconds_between(date, now_wall) > setup.max_skew_secs {
        return Err(refuse(bad, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired."));
    }

    let claimed_hash = header_str(req.headers, "x-acs-content-sha256").unwrap_or_default();
    let pairs: Vec<(&str, &str)> = values.iter().map(|(n, v)| (n.as_str(), *v)).collect();
    let query: Vec<(&str, &str)> = req.query.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let request = SignedRequest {
        method: req.method,
        path: req.path,
        query: &query,
        signed_headers: &pairs,
        hashed_payload: claimed_hash,
        date: date_text,
    };
    if !ACS3.verify(key.secret.as_bytes(), &request, &auth.signature) {
        let (canonical, _) = ACS3.canonical_request(&request);
        return Err(refuse(
            bad,
            "SignatureDoesNotMatch",
            format!(
                "The signature we calculated does not match the one you provided. Please refer to the API reference \
                 about authentication for details. server string to sign is:{}",
                ACS3.string_to_sign(date_text, &canonical)
            ),
        ));
    }
    if sha256_hex(req.body) != claimed_hash {
        return Err(refuse(
            bad,
            "SignatureDoesNotMatch",
            "The x-acs-content-sha256 header does not match the SHA-256 of the request body.",
        ));
    }

    if let Some(expected) = &key.token {
        let sent = header_str(req.headers, "x-acs-security-token")
            .or_else(|| req.query.iter().find(|(k, _)| k == "SecurityToken").map(|(_, v)| v.as_str()));
        if sent != Some(expected.as_str()) {
            return Err(refuse(
                bad,
                "InvalidSecurityToken.Mismatch",
                "Specified SecurityToken is missing or does not match the AccessKey.",
            ));
        }
        if key.expired {
            return Err(refuse(bad, "InvalidSecurityToken.Expired", "Specified SecurityToken is expired."));
        }
    }

    let nonce = header_str(req.headers, "x-acs-signature-nonce").unwrap_or_default().to_owned();
    let window = std::time::Duration::from_secs(setup.nonce_window_secs);
    if inner.nonces.len() > 4096 {
        inner.nonces.retain(|_, seen| now.saturating_duration_since(*seen) < window);
    }
    if inner.nonces.get(&nonce).is_some_and(|seen| now.saturating_duration_since(*seen) < window) {
        return Err(refuse(bad, "SignatureNonceUsed", "Specified signature nonce was used already."));
    }
    inner.nonces.insert(nonce, now);
    *inner.creds.signed_by.entry(auth.key_id.clone()).or_default() += 1;
    Ok(())
}

/// An Alibaba key: a scenario key, or a temporary one the credential services issued (`creds`).
fn aliyun_key(shared: &Shared, inner: &Inner, key_id: &str, now: Instant) -> Option<KeyView> {
    match shared.scenario.aliyun.credentials.iter().find(|k| k.access_key_id == key_id) {
        Some(key) => Some(KeyView {
            secret: key.access_key_secret.clone(),
            token: key.security_token.clone(),
            expired: key.expires_in_secs.is_some_and(|limit| shared.wall_elapsed(now) >= limit),
        }),
        None => inner.creds.aliyun.get(key_id).map(|issued| KeyView {
            secret: issued.secret.clone(),
            token: Some(issued.token.clone()),
            expired: inner.creds.now() >= issued.expires,
        }),
    }
}

/// A key as a verifier needs it, wherever it came from.
struct KeyView {
    secret: String,
    token: Option<String>,
    expired: bool,
}

fn iam(message: &str) -> Refusal {
    refuse(StatusCode::UNAUTHORIZED, "APIG.0301", format!("Incorrect IAM authentication information: {message}"))
}

fn no_permission() -> Refusal {
    refuse(StatusCode::FORBIDDEN, "APIG.1005", "No permissions to request this method")
}

/// Verifies a Huawei request (token or AK/SK) for the project named in its URL.
pub(crate) fn verify_huawei(
    shared: &Shared,
    inner: &mut Inner,
    req: &RequestView<'_>,
    project_in_path: &str,
    now: Instant,
    now_wall: SystemTime,
) -> Result<(), Refusal> {
    let setup = &shared.scenario.huawei;
    let unauthorized = StatusCode::UNAUTHORIZED;
    if let Some(token) = header_str(req.headers, "x-auth-token") {
        let known = setup
            .tokens
            .iter()
            .find(|t| t.token == token)
            .ok_or_else(|| refuse(unauthorized, "APIG.1002", "Incorrect token or token resolution failed"))?;
        if known.expires_in_secs.is_some_and(|limit| shared.wall_elapsed(now) >= limit) {
            return Err(refuse(unauthorized, "APIG.1001", "The token has expired"));
        }
        if project_in_path != setup.project_id {
            return Err(no_permission());
        }
        *inner.creds.signed_by.entry("token".to_owned()).or_default() += 1;
        return Ok(());
    }
    let Some(header) = header_str(req.headers, "authorization") else {
        return Err(refuse(unauthorized, "APIG.1000", "The token must be provided"));
    };
    let auth = SDK_HMAC.parse_authorization(header).ok_or_else(|| iam("the Authorization header is malformed"))?;
    let key = match setup.credentials.iter().find(|k| k.access_key == auth.key_id) {
        Some(key) => KeyView {
            secret: key.secret_key.clone(),
            token: key.security_token.clone(),
            expired: key.expires_in_secs.is_some_and(|limit| shared.wall_elapsed(now) >= limit),
        },
        None => match inner.creds.huawei.get(&auth.key_id) {
            Some(issued) => KeyView {
                secret: issued.secret.clone(),
                token: Some(issued.token.clone()),
                expired: inner.creds.now() >= issued.expires,
            },
            None => return Err(iam("verify aksk signature fail, the access key does not exist")),
        },
    };
    let lock = inner.lockouts.entry(auth.key_id.clone()).or_default();
    if lock.until.is_some_and(|until| now < until) {
        return Err(iam("AK access failed to reach the limit,forbidden"));
    }

    let verdict = check_aksk(shared, req, &auth, &key, now_wall);
    let lock = inner.lockouts.entry(auth.key_id.clone()).or_default();
    match verdict {
        Ok(()) => {
            *lock = super::state::Lockout::default();
        }
        Err(refusal) => {
            if refusal.code == "APIG.0301" {
                lock.failures += 1;
                if lock.failures >= setup.lockout_after {
                    lock.until = Some(now + std::time::Duration::from_secs(setup.lockout_secs));
                    lock.failures = 0;
                }
            }
            return Err(refusal);
        }
    }
    if header_str(req.headers, "x-project-id").is_some_and(|p| p != project_in_path)
        || project_in_path != setup.project_id
    {
        return Err(no_permission());
    }
    *inner.creds.signed_by.entry(auth.key_id.clone()).or_default() += 1;
    Ok(())
}

fn check_aksk(
    shared: &Shared,
    req: &RequestView<'_>,
    auth: &ParsedAuthorization,
    key: &KeyView,
    now_wall: SystemTime,
) -> Result<(), Refusal> {
    let signed: Vec<String> = auth.signed_headers.iter().map(|h| h.to_ascii_lowercase()).collect();
    if !signed.iter().any(|h| h == "x-sdk-date") {
        return Err(iam("x-sdk-date must be signed"));
    }
    let values =
        signed_values(req.headers, &signed).map_err(|name| iam(&format!("signed header {name} is missing")))?;
    let date_text = header_str(req.headers, "x-sdk-date").unwrap_or_default();
    let date = parse_sdk_date(date_text).ok_or_else(|| iam("x-sdk-date is not in the format YYYYMMDDTHHMMSSZ"))?;
    if seconds_between(date, now_wall) > shared.scenario.huawei.max_skew_secs {
        return Err(iam(
            "verify aksk signature fail, the request has expired (x-sdk-date is more than 15 minutes off)",
        ));
    }
    let body_hash = sha256_hex(req.body);
    let payload = match header_str(req.headers, "x-sdk-content-sha256") {
        Some(UNSIGNED_PAYLOAD) => UNSIGNED_PAYLOAD.to_owned(),
        Some(claimed) if claimed != body_hash => return Err(iam("verify aksk signature fail, content hash mismatch")),
        Some(claimed) => claimed.to_owned(),
        None => body_hash,
    };
    let pairs: Vec<(&str, &str)> = values.iter().map(|(n, v)| (n.as_str(), *v)).collect();
    let query: Vec<(&str, &str)> = req.query.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let request = SignedRequest {
        method: req.method,
        path: req.path,
        query: &query,
        signed_headers: &pairs,
        hashed_payload: &payload,
        date: date_text,
    };
    if !SDK_HMAC.verify(key.secret.as_bytes(), &request, &auth.signature) {
        return Err(iam("verify aksk signature fail"));
    }
    if let Some(expected) = &key.token {
        match header_str(req.headers, "x-security-token") {
            None => return Err(iam("X-Security-Token is required for temporary credentials")),
            Some(sent) if sent != expected => return Err(iam("the security token does not match the access key")),
            Some(_) => {}
        }
        if key.expired {
            return Err(refuse(StatusCode::UNAUTHORIZED, "APIG.1001", "The security token has expired"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicU64;
    use std::sync::{Arc, Mutex};

    use axum::http::{HeaderName, HeaderValue};
    use tokio::sync::watch;

    use super::*;
    use crate::sim::ids::Ids;
    use crate::sim::scenario;

    /// Accepts dates from the official examples (2019, 2023): skew limit of ~3,000 years.
    const TEXT: &str = r#"
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

    fn shared() -> Shared {
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

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(HeaderName::from_bytes(name.as_bytes()).unwrap(), HeaderValue::from_str(value).unwrap());
        }
        map
    }

    fn official_v3(date: &str, nonce: &str, signature: &str, key_id: &str) -> HeaderMap {
        let auth = format!(
            "ACS3-HMAC-SHA256 Credential={key_id},SignedHeaders=host;x-acs-action;x-acs-content-sha256;\
             x-acs-date;x-acs-signature-nonce;x-acs-version,Signature={signature}"
        );
        headers(&[
            ("host", "ecs.cn-shanghai.aliyuncs.com"),
            ("x-acs-action", "RunInstances"),
            ("x-acs-version", "2014-05-26"),
            ("x-acs-date", date),
            ("x-acs-signature-nonce", nonce),
            ("x-acs-content-sha256", crate::provider::signing::EMPTY_SHA256),
            ("authorization", &auth),
        ])
    }

    fn official_query() -> Vec<(String, String)> {
        vec![
            ("ImageId".into(), "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd".into()),
            ("RegionId".into(), "cn-shanghai".into()),
        ]
    }

    fn verify_v3(shared: &Shared, headers: &HeaderMap, query: &[(String, String)]) -> Result<(), Refusal> {
        let req = RequestView { method: "POST", path: "/", query, headers, body: b"" };
        let mut inner = shared.lock();
        verify_aliyun(shared, &mut inner, &req, Instant::now(), SystemTime::now())
    }

    #[test]
    fn official_acs3_examples_pass_the_verifier() {
        let shared = shared();
        let first = official_v3(
            "2023-10-26T10:22:32Z",
            "3156853299f313e23d1673dc12e1703d",
            "06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0",
            "YourAccessKeyId",
        );
        assert_eq!(verify_v3(&shared, &first, &official_query()), Ok(()));
        let second = official_v3(
            "2023-10-26T09:01:01Z",
            "d410180a5abf7fe235dd9b74aca91fc0",
            "e521358f7776c97df52e6b2891a8bc73026794a071b50c3323388c4e0df64804",
            "YourAccessKeyId",
        );
        assert_eq!(verify_v3(&shared, &second, &official_query()), Ok(()));
        let replay = verify_v3(&shared, &first, &official_query()).unwrap_err();
        assert_eq!(replay.code, "SignatureNonceUsed");
    }

    #[test]
    fn the_verifier_canonicalises_exactly_like_the_official_example() {
        let shared = shared();
        // Same request, verified against another secret: the refusal shows the server's string to
        // sign, which must be the official one.
        let request = official_v3(
            "2023-10-26T10:22:32Z",
            "3156853299f313e23d1673dc12e1703d",
            "06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0",
            "WrongSecretKey",
        );
        let refusal = verify_v3(&shared, &request, &official_query()).unwrap_err();
        assert_eq!(refusal.code, "SignatureDoesNotMatch");
        assert!(
            refusal
                .message
                .ends_with("ACS3-HMAC-SHA256\n7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259"),
            "{}",
            refusal.message
        );
        let mut tampered = official_query();
        tampered[1].1 = "cn-beijing".into();
        let fresh = official_v3(
            "2023-10-26T10:22:32Z",
            "0000000000000000000000000000beef",
            "06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0",
            "YourAccessKeyId",
        );
        assert_eq!(verify_v3(&shared, &fresh, &tampered).unwrap_err().code, "SignatureDoesNotMatch");
    }

    fn verify_hw(
        shared: &Shared,
        method: &str,
        path: &str,
        query: &[(String, String)],
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<(), Refusal> {
        let req = RequestView { method, path, query, headers, body };
        let mut inner = shared.lock();
        verify_huawei(shared, &mut inner, &req, "77b6a44cba5143ab91d13ab9a8ff44fd", Instant::now(), SystemTime::now())
    }

    #[test]
    fn official_huawei_examples_pass_the_verifier() {
        let shared = shared();
        let doc = headers(&[
            ("content-type", "application/json"),
            ("host", "service.region.example.com"),
            ("x-sdk-date", "20191115T033655Z"),
            (
                "authorization",
                "SDK-HMAC-SHA256 Access=QTWAOYTTINDUT2QVKYUC, SignedHeaders=content-type;host;x-sdk-date, \
                 Signature=7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe",
            ),
        ]);
        let query =
            vec![("limit".into(), "2".into()), ("marker".into(), "13551d6b-755d-4757-b956-536f674975c0".into())];
        assert_eq!(verify_hw(&shared, "GET", "/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs", &query, &doc, b""), Ok(()));
        let err =
            verify_hw(&shared, "GET", "/v1/77b6a44cba5143ab91d13ab9a8ff44fd/subnets", &query, &doc, b"").unwrap_err();
        assert_eq!((err.status, err.code.as_str()), (StatusCode::UNAUTHORIZED, "APIG.0301"));

        let go_get = headers(&[
            ("x-sdk-date", "20060102T150405Z"),
            ("test_underscore", "excluded"),
            (
                "authorization",
                "SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=x-sdk-date, \
                 Signature=5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624",
            ),
        ]);
        assert_eq!(verify_hw(&shared, "GET", "/path", &[("limit".into(), "1".into())], &go_get, b""), Ok(()));

        let go_post = headers(&[
            ("x-sdk-date", "20060102T150405Z"),
            ("content-type", "application/json"),
            (
                "authorization",
                "SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=x-sdk-date, \
                 Signature=cecc2af119b18ab70b4d094c0750f3b42c02f254903179a0fc2cc72fc9db4f59",
            ),
        ]);
        let body = b"{\"Name\":\"test\",\"Id\":1}\n";
        assert_eq!(verify_hw(&shared, "POST", "/path", &[("key".into(), "value".into())], &go_post, body), Ok(()));
        let without_newline = &body[..body.len() - 1];
        assert!(
            verify_hw(&shared, "POST", "/path", &[("key".into(), "value".into())], &go_post, without_newline).is_err()
        );
    }
}
