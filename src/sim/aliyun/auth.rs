//! Alibaba Cloud's request checks, as CloudAPI makes them: ACS3-HMAC-SHA256 recomputed from the
//! received request (honouring the client's own `SignedHeaders`), dates, nonces and STS tokens.
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

use std::time::{Instant, SystemTime};

use axum::http::StatusCode;

use crate::domain::ProviderKind;
use crate::provider::aliyun::sign::ACS3;
use crate::provider::signing::{parse_acs_date, sha256_hex};
use crate::sim::auth::{KeyView, Refusal, RequestView, refuse, seconds_between, signed_values, with_signed_request};
use crate::sim::http::header_str;
use crate::sim::state::{Inner, Shared};

const INCOMPLETE: &str = "The request signature does not conform to Aliyun standards.";

/// Verifies an Alibaba V3-signed request; records the nonce when everything else is right.
pub(crate) fn verify_aliyun(
    shared: &Shared,
    inner: &mut Inner,
    req: &RequestView<'_>,
    now: Instant,
    now_wall: SystemTime,
) -> Result<(), Refusal> {
    let setup = super::setup(&shared.scenario);
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
    let mismatch = with_signed_request(req, &values, claimed_hash, date_text, |request| {
        (!ACS3.verify(key.secret.as_bytes(), request, &auth.signature)).then(|| ACS3.canonical_request(request).0)
    });
    if let Some(canonical) = mismatch {
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
    match super::setup(&shared.scenario).credentials.iter().find(|k| k.access_key_id == key_id) {
        Some(key) => Some(KeyView {
            secret: key.access_key_secret.clone(),
            token: key.security_token.clone(),
            expired: key.expires_in_secs.is_some_and(|limit| shared.wall_elapsed(now) >= limit),
        }),
        None => inner.creds.issued_key(ProviderKind::Aliyun, key_id).map(|issued| KeyView {
            secret: issued.secret.clone(),
            token: Some(issued.token.clone()),
            expired: inner.creds.now() >= issued.expires,
        }),
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderMap;

    use super::*;
    use crate::sim::auth::fixtures::{headers, shared};

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
}
