//! Alibaba Cloud STS at `/` (told apart from CloudAPI by its `Action`): `AssumeRole`, signed with
//! the RPC signature V1 by a scenario key or a key STS issued before (a chained role), and
//! `AssumeRoleWithOIDC`, proven by the simulator's OIDC token. Parameters come from the query and
//! a form body, as credentials-go (POST) and credentials-python (GET) send them.
//!
//! Answers (our choices where the documentation is thin, written here):
//!
//! | Code | HTTP | when |
//! |---|---|---|
//! | `MissingParameter` | 400 | `RoleArn`, `RoleSessionName`, `AccessKeyId`, `Signature`, `OIDCToken`… absent |
//! | `InvalidParameter.DurationSeconds` | 400 | outside 900–43200 |
//! | `InvalidParameter.RoleArn` | 400 | not `acs:ram::<account>:role/<name>` |
//! | `EntityNotExist.Role` | 404 | a role whose name starts with `missing` |
//! | `NoPermission` | 403 | a role whose name starts with `denied` |
//! | `InvalidAccessKeyId.NotFound` | 404 | unknown caller key |
//! | `SignatureDoesNotMatch` | 400 | wrong V1 signature |
//! | `InvalidTimeStamp.Expired` | 400 | `Timestamp` more than 15 minutes off |
//! | `SignatureNonceUsed` | 400 | a nonce seen before |
//! | `InvalidSecurityToken.Mismatch` / `.Expired` | 400 | an issued caller key without its token, or past expiry |
//! | `InvalidParameter.OIDCProviderArn` | 400 | not `acs:ram::<account>:oidc-provider/<name>` |
//! | `AuthenticationFail.OIDCToken.Expired` | 400 | the simulator's expired OIDC token |
//! | `InvalidParameter.OIDCToken` | 400 | any other unknown token |
//! | `Throttling.User` | 400 | an injected fault, with `x-acs-retry-after: 1000` |

use std::time::{Duration, SystemTime};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use serde_json::json;

use crate::domain::ProviderKind;
use crate::provider::aliyun::sign::rpc_v1_signature;
use crate::provider::signing::constant_time_eq;
use crate::sim::creds::{ALIYUN_EXPIRED_OIDC_TOKEN, ALIYUN_OIDC_TOKEN, Fault, Issued, IssuedKey, Service};
use crate::sim::http::{header_str, json_response, parse_query, query_get};
use crate::sim::ids::Ids;
use crate::sim::state::{Inner, Shared};

/// Whether a request at `/` is for STS rather than CloudAPI.
pub(crate) fn is_sts(uri: &Uri, headers: &HeaderMap) -> bool {
    if header_str(headers, "x-acs-action").is_some() {
        return false;
    }
    let query = parse_query(uri.query().unwrap_or(""));
    matches!(query_get(&query, "Action"), Some("AssumeRole" | "AssumeRoleWithOIDC"))
}

/// `2006-01-02T15:04:05Z`, the expiry format of STS and the metadata service (the client's own
/// parser reads it back).
pub(super) fn iso8601(at: SystemTime) -> String {
    crate::provider::aliyun::credentials::sts::iso8601(at)
}

/// STS's error body: `{RequestId, HostId, Code, Message, Recommend}`.
pub(crate) fn aliyun_error(request_id: &str, code: &str, message: &str) -> serde_json::Value {
    serde_json::json!({
        "RequestId": request_id,
        "HostId": "sts.aliyuncs.com",
        "Code": code,
        "Message": message,
        "Recommend": format!("https://api.aliyun.com/troubleshoot?q={code}"),
    })
}

type Answer = Result<serde_json::Value, (StatusCode, &'static str, String)>;

fn fail(status: StatusCode, code: &'static str, message: impl Into<String>) -> Answer {
    Err((status, code, message.into()))
}

pub(crate) fn handle(shared: &Shared, method: &Method, uri: &Uri, headers: &HeaderMap, body: &Bytes) -> Response {
    let mut params = parse_query(uri.query().unwrap_or(""));
    if header_str(headers, "content-type").is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded")) {
        params.extend(parse_query(&String::from_utf8_lossy(body)));
    }
    let mut inner = shared.lock();
    let request_id = shared.ids.request_id(inner.next_request());
    let action = query_get(&params, "Action").unwrap_or_default().to_owned();
    inner.stats.count_request(&format!("aliyun sts {action}"));
    if let Some(fault) = inner.creds.take_fault(Service::AliyunSts) {
        let (status, code, message, extra) = match fault {
            Fault::Throttle => (
                StatusCode::BAD_REQUEST,
                "Throttling.User",
                "Request was denied due to user flow control.",
                vec![("x-acs-retry-after", "1000".to_owned())],
            ),
            Fault::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "ServiceUnavailable",
                "The request has failed due to a temporary failure of the server.",
                Vec::new(),
            ),
        };
        return json_response(status, &aliyun_error(&request_id, code, message), &extra);
    }
    let answer = match action.as_str() {
        "AssumeRole" => assume_role(shared, &mut inner, method, &params),
        _ => assume_role_with_oidc(shared, &mut inner, &params),
    };
    match answer {
        Ok(mut body) => {
            body["RequestId"] = json!(request_id);
            json_response(StatusCode::OK, &body, &[])
        }
        Err((status, code, message)) => {
            inner.stats.count_auth_error(code);
            json_response(status, &aliyun_error(&request_id, code, &message), &[])
        }
    }
}

fn role_spec(params: &[(String, String)]) -> Result<(String, String, Duration), (StatusCode, &'static str, String)> {
    let bad = StatusCode::BAD_REQUEST;
    let Some(role_arn) = query_get(params, "RoleArn").filter(|v| !v.is_empty()) else {
        return Err((
            bad,
            "MissingParameter",
            "The input parameter \"RoleArn\" that is mandatory for processing this request is not supplied.".into(),
        ));
    };
    let Some(session) = query_get(params, "RoleSessionName").filter(|v| !v.is_empty()) else {
        return Err((
            bad,
            "MissingParameter",
            "The input parameter \"RoleSessionName\" that is mandatory for processing this request is not supplied."
                .into(),
        ));
    };
    let seconds = query_get(params, "DurationSeconds").map_or(Ok(3600), str::parse::<u64>).unwrap_or(0);
    if !(900..=43200).contains(&seconds) {
        return Err((
            bad,
            "InvalidParameter.DurationSeconds",
            "The parameter DurationSeconds is out of range (900-43200).".into(),
        ));
    }
    let name = role_arn
        .strip_prefix("acs:ram::")
        .and_then(|rest| rest.split_once(":role/"))
        .filter(|(account, name)| {
            !account.is_empty() && account.bytes().all(|b| b.is_ascii_digit()) && !name.is_empty()
        })
        .map(|(_, name)| name.to_owned());
    let Some(name) = name else {
        return Err((bad, "InvalidParameter.RoleArn", "The parameter RoleArn is invalid.".into()));
    };
    if name.to_ascii_lowercase().starts_with("missing") {
        return Err((StatusCode::NOT_FOUND, "EntityNotExist.Role", "The specified Role not exists .".into()));
    }
    if name.to_ascii_lowercase().starts_with("denied") {
        return Err((
            StatusCode::FORBIDDEN,
            "NoPermission",
            "You are not authorized to do this action. You should be authorized by RAM.".into(),
        ));
    }
    Ok((role_arn.to_owned(), session.to_owned(), Duration::from_secs(seconds)))
}

fn credentials_body(
    shared: &Shared,
    inner: &mut Inner,
    role_arn: &str,
    session: &str,
    lifetime: Duration,
) -> serde_json::Value {
    let (id, key) = issue_key(&mut inner.creds, shared.ids, lifetime);
    json!({
        "AssumedRoleUser": {
            "Arn": format!("{role_arn}/{session}"),
            "AssumedRoleId": format!("3{}:{session}", &shared.ids.hex32("role-id", 0)[..16]),
        },
        "Credentials": {
            "SecurityToken": key.token,
            "AccessKeyId": id,
            "AccessKeySecret": key.secret,
            "Expiration": iso8601(key.expires),
        },
    })
}

fn assume_role(shared: &Shared, inner: &mut Inner, method: &Method, params: &[(String, String)]) -> Answer {
    let bad = StatusCode::BAD_REQUEST;
    let (Some(key_id), Some(signature)) = (query_get(params, "AccessKeyId"), query_get(params, "Signature")) else {
        return fail(
            bad,
            "MissingParameter",
            "The input parameter \"AccessKeyId\" or \"Signature\" that is mandatory for processing this request is not supplied.",
        );
    };
    // The caller: a scenario key, or one STS issued before (a chained role).
    let scenario = super::setup(&shared.scenario).credentials.iter().find(|k| k.access_key_id == key_id);
    let (secret, token, expires) = match (scenario, inner.creds.issued_key(ProviderKind::Aliyun, key_id)) {
        (Some(key), _) => (key.access_key_secret.clone(), key.security_token.clone(), None),
        (None, Some(issued)) => (issued.secret.clone(), Some(issued.token.clone()), Some(issued.expires)),
        (None, None) => {
            return fail(StatusCode::NOT_FOUND, "InvalidAccessKeyId.NotFound", "Specified access key is not found.");
        }
    };
    let signed: Vec<(&str, &str)> =
        params.iter().filter(|(k, _)| k != "Signature").map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let expected = rpc_v1_signature(method.as_str(), &signed, secret.as_bytes());
    if !constant_time_eq(&expected, signature) {
        return fail(bad, "SignatureDoesNotMatch", "Specified signature is not matched with our calculation.");
    }
    let timestamp = query_get(params, "Timestamp").and_then(crate::provider::aliyun::credentials::sts::parse_iso8601);
    let skew = timestamp.map(|t| match t.duration_since(SystemTime::now()) {
        Ok(ahead) => ahead,
        Err(behind) => behind.duration(),
    });
    if skew.is_none_or(|s| s > Duration::from_secs(super::setup(&shared.scenario).max_skew_secs)) {
        return fail(bad, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.");
    }
    let nonce = format!("sts:{}", query_get(params, "SignatureNonce").unwrap_or_default());
    if inner.nonces.contains_key(&nonce) {
        return fail(bad, "SignatureNonceUsed", "Specified signature nonce was used already.");
    }
    inner.nonces.insert(nonce, std::time::Instant::now());
    if let Some(expected) = &token {
        if query_get(params, "SecurityToken") != Some(expected.as_str()) {
            return fail(
                bad,
                "InvalidSecurityToken.Mismatch",
                "Specified SecurityToken is missing or does not match the AccessKey.",
            );
        }
        if expires.is_some_and(|at| inner.creds.now() >= at) {
            return fail(bad, "InvalidSecurityToken.Expired", "Specified SecurityToken is expired.");
        }
    }
    let (role_arn, session, lifetime) = role_spec(params)?;
    Ok(credentials_body(shared, inner, &role_arn, &session, lifetime))
}

fn assume_role_with_oidc(shared: &Shared, inner: &mut Inner, params: &[(String, String)]) -> Answer {
    let bad = StatusCode::BAD_REQUEST;
    let provider_ok = query_get(params, "OIDCProviderArn")
        .and_then(|arn| arn.strip_prefix("acs:ram::"))
        .and_then(|rest| rest.split_once(":oidc-provider/"))
        .is_some_and(|(account, name)| !account.is_empty() && !name.is_empty());
    if !provider_ok {
        return fail(bad, "InvalidParameter.OIDCProviderArn", "The parameter OIDCProviderArn is invalid.");
    }
    match query_get(params, "OIDCToken") {
        None | Some("") => {
            return fail(
                bad,
                "MissingParameter",
                "The input parameter \"OIDCToken\" that is mandatory for processing this request is not supplied.",
            );
        }
        Some(ALIYUN_OIDC_TOKEN) => {}
        Some(ALIYUN_EXPIRED_OIDC_TOKEN) => {
            return fail(bad, "AuthenticationFail.OIDCToken.Expired", "The OIDC token has expired.");
        }
        Some(_) => return fail(bad, "InvalidParameter.OIDCToken", "The OIDC token is invalid."),
    }
    let (role_arn, session, lifetime) = role_spec(params)?;
    Ok(credentials_body(shared, inner, &role_arn, &session, lifetime))
}

/// A new STS key (`STS.…`) valid for `lifetime`, as STS, the metadata service and the
/// credentials URI issue it.
pub(super) fn issue_key(creds: &mut Issued, ids: Ids, lifetime: Duration) -> (String, IssuedKey) {
    creds.issue_key(ProviderKind::Aliyun, lifetime, |n| {
        (
            format!("STS.NSim{}", &ids.hex32("sts-id", n)[..20]),
            format!("SimIssuedSecret{}", &ids.hex32("sts-secret", n)[..24]),
            format!("CAISsimIssuedToken{}", ids.hex32("sts-token", n)),
        )
    })
}
