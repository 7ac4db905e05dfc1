//! Huawei Cloud's request checks, as APIG makes them: SDK-HMAC-SHA256 recomputed from the received
//! request, dates, temporary keys, IAM tokens, the project, and the AK lockout.
//!
//! | Huawei code | HTTP | when |
//! |---|---|---|
//! | `APIG.1000` | 401 | neither `X-Auth-Token` nor `Authorization` |
//! | `APIG.1002` | 401 | unknown token |
//! | `APIG.1001` | 401 | expired token, or expired temporary key |
//! | `APIG.0301` | 401 | any AK/SK failure (malformed, unknown AK, `x-sdk-date` unsigned or 15 min off, wrong signature, missing/wrong `X-Security-Token`, AK locked after 5 failures) |
//! | `APIG.1005` | 403 | `X-Project-Id` or the URL's project is not the credential's project |

use std::time::{Instant, SystemTime};

use axum::http::StatusCode;

use crate::domain::ProviderKind;
use crate::provider::huawei::sign::{SDK_HMAC, UNSIGNED_PAYLOAD};
use crate::provider::signing::{ParsedAuthorization, parse_sdk_date, sha256_hex};
use crate::sim::auth::{KeyView, Refusal, RequestView, refuse, seconds_between, signed_values, with_signed_request};
use crate::sim::http::header_str;
use crate::sim::state::{Inner, Shared};

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
    let setup = super::setup(&shared.scenario);
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
        None => match inner.creds.issued_key(ProviderKind::Huawei, &auth.key_id) {
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
            *lock = crate::sim::state::Lockout::default();
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
    if seconds_between(date, now_wall) > super::setup(&shared.scenario).max_skew_secs {
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
    let verified = with_signed_request(req, &values, &payload, date_text, |request| {
        SDK_HMAC.verify(key.secret.as_bytes(), request, &auth.signature)
    });
    if !verified {
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
    use axum::http::HeaderMap;

    use super::*;
    use crate::sim::auth::fixtures::{headers, shared};

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
