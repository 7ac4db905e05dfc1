//! Alibaba Cloud STS: `AssumeRole` (signed with the RPC signature V1) and `AssumeRoleWithOIDC`
//! (unsigned; the OIDC token is the proof), as credentials-go sends them: `POST /`, the common
//! parameters in the query, the call's own parameters (and the OIDC token) in a form body.
//!
//! Owns building those two requests and reading their answers into a [`Lease`]. The answers'
//! errors become [`FetchError`]s that say what STS refused, never with a secret (a message that
//! echoes one has it cut out). docs/credentials.md, "STS".

use std::sync::Arc;
use std::time::SystemTime;

use reqwest::Url;
use secrecy::{ExposeSecret as _, SecretString};
use serde::Deserialize;

use super::AliyunCredentials;
use crate::credentials::{CredentialSource, Lease};
use crate::domain::{FetchError, FetchErrorKind};
use crate::provider::aliyun::sign::rpc_v1_signature;
use crate::provider::http::{RawResponse, execute, plain_header};
use crate::provider::signing::percent_encode;

/// The STS API version both calls name.
pub const STS_VERSION: &str = "2015-04-01";
/// The largest STS answer read: a few hundred bytes in practice.
const BODY_CAP: usize = 64 * 1024;

/// The role to assume and how (the parameters of both calls).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleSpec {
    pub role_arn: String,
    pub session_name: String,
    pub duration_secs: u32,
    pub policy: Option<String>,
    pub external_id: Option<String>,
}

/// `2006-01-02T15:04:05Z`, the STS `Timestamp` and `Expiration` format.
pub fn iso8601(at: SystemTime) -> String {
    let at = time::OffsetDateTime::from(at);
    at.format(time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z")).unwrap_or_default()
}

/// Parses an `Expiration` (`2015-04-09T11:52:19Z`).
pub fn parse_iso8601(text: &str) -> Option<SystemTime> {
    let format = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    time::PrimitiveDateTime::parse(text.trim(), format).ok().map(|t| SystemTime::from(t.assume_utc()))
}

/// `AssumeRole` with `caller`'s key: a temporary key of `role`.
pub async fn assume_role(
    http: &reqwest::Client,
    sts: &Url,
    caller: &AliyunCredentials,
    role: &RoleSpec,
    source: &CredentialSource,
) -> Result<Lease<AliyunCredentials>, FetchError> {
    let timestamp = iso8601(SystemTime::now());
    let nonce = hex::encode(rand::random::<[u8; 16]>());
    let token = caller.security_token.as_ref().map(|t| t.expose_secret().to_owned());
    let mut query: Vec<(&str, &str)> = vec![
        ("Version", STS_VERSION),
        ("Action", "AssumeRole"),
        ("Format", "JSON"),
        ("Timestamp", &timestamp),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureVersion", "1.0"),
        ("SignatureNonce", &nonce),
        ("AccessKeyId", &caller.access_key_id),
    ];
    if let Some(token) = &token {
        query.push(("SecurityToken", token));
    }
    let duration = role.duration_secs.to_string();
    let mut form: Vec<(&str, &str)> = vec![("RoleArn", &role.role_arn)];
    if let Some(policy) = &role.policy {
        form.push(("Policy", policy));
    }
    if let Some(external_id) = &role.external_id {
        form.push(("ExternalId", external_id));
    }
    form.push(("RoleSessionName", &role.session_name));
    form.push(("DurationSeconds", &duration));

    let all: Vec<(&str, &str)> = query.iter().chain(form.iter()).copied().collect();
    let signature = rpc_v1_signature("POST", &all, caller.access_key_secret.expose_secret().as_bytes());
    query.push(("Signature", &signature));

    let mut secrets = vec![caller.access_key_secret.expose_secret().to_owned(), signature.clone()];
    secrets.extend(token.clone());
    let response = send(http, sts, &query, &form, &secrets).await?;
    lease_from(&response, "AssumeRole", source.clone())
}

/// `AssumeRoleWithOIDC` with the token read from the token file just before.
pub async fn assume_role_with_oidc(
    http: &reqwest::Client,
    sts: &Url,
    provider_arn: &str,
    role: &RoleSpec,
    token: &SecretString,
    source: &CredentialSource,
) -> Result<Lease<AliyunCredentials>, FetchError> {
    let timestamp = iso8601(SystemTime::now());
    let query: Vec<(&str, &str)> =
        vec![("Version", STS_VERSION), ("Action", "AssumeRoleWithOIDC"), ("Format", "JSON"), ("Timestamp", &timestamp)];
    let duration = role.duration_secs.to_string();
    let mut form: Vec<(&str, &str)> =
        vec![("RoleArn", &role.role_arn), ("OIDCProviderArn", provider_arn), ("OIDCToken", token.expose_secret())];
    if let Some(policy) = &role.policy {
        form.push(("Policy", policy));
    }
    form.push(("RoleSessionName", &role.session_name));
    form.push(("DurationSeconds", &duration));
    let secrets = vec![token.expose_secret().to_owned()];
    let response = send(http, sts, &query, &form, &secrets).await?;
    lease_from(&response, "AssumeRoleWithOIDC", source.clone())
}

async fn send(
    http: &reqwest::Client,
    sts: &Url,
    query: &[(&str, &str)],
    form: &[(&str, &str)],
    secrets: &[String],
) -> Result<RawResponse, FetchError> {
    let mut url = sts.clone();
    let encoded: Vec<String> =
        query.iter().map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v))).collect();
    url.set_query(Some(&encoded.join("&")));
    let body: Vec<String> = form.iter().map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v))).collect();
    let body = body.join("&").into_bytes();
    let request = http
        .post(url)
        .header("accept-encoding", plain_header("identity")?)
        .header("content-type", plain_header("application/x-www-form-urlencoded")?)
        .body(body);
    let response = execute(request, BODY_CAP).await.map_err(|e| scrub(e, secrets))?;
    if response.status.is_success() { Ok(response) } else { Err(scrub(refusal(&response), secrets)) }
}

#[derive(Deserialize)]
struct StsAnswer {
    #[serde(rename = "Credentials")]
    credentials: Option<StsCredentials>,
}

#[derive(Deserialize)]
struct StsCredentials {
    #[serde(rename = "AccessKeyId")]
    access_key_id: Option<String>,
    #[serde(rename = "AccessKeySecret")]
    access_key_secret: Option<String>,
    #[serde(rename = "SecurityToken")]
    security_token: Option<String>,
    #[serde(rename = "Expiration")]
    expiration: Option<String>,
}

fn lease_from(
    response: &RawResponse,
    action: &str,
    source: CredentialSource,
) -> Result<Lease<AliyunCredentials>, FetchError> {
    let incomplete = || {
        FetchError::new(
            FetchErrorKind::Protocol,
            "sts.answer",
            format!(
                "STS {action} answered without a complete temporary key (AccessKeyId, AccessKeySecret, SecurityToken, Expiration)"
            ),
        )
    };
    // serde's messages may quote the body, which holds secrets: only the fact is reported.
    let answer: StsAnswer = serde_json::from_slice(&response.body).map_err(|_| incomplete())?;
    let credentials = answer.credentials.ok_or_else(incomplete)?;
    let (Some(id), Some(secret), Some(token), Some(expiration)) =
        (credentials.access_key_id, credentials.access_key_secret, credentials.security_token, credentials.expiration)
    else {
        return Err(incomplete());
    };
    let expires = parse_iso8601(&expiration).ok_or_else(incomplete)?;
    Ok(Lease {
        value: Arc::new(AliyunCredentials {
            access_key_id: id,
            access_key_secret: SecretString::from(secret),
            security_token: Some(SecretString::from(token)),
            source,
        }),
        expires: Some(expires),
    })
}

#[derive(Deserialize, Default)]
struct StsError {
    #[serde(rename = "Code", default)]
    code: Option<String>,
    #[serde(rename = "Message", default)]
    message: Option<String>,
}

/// What a refusal means: throttling waits, a 5xx is the service's problem, anything else is the
/// configuration's (a role that does not exist or may not be assumed, a wrong key or token).
fn refusal(response: &RawResponse) -> FetchError {
    let status = response.status.as_u16();
    let parsed: StsError = serde_json::from_slice(&response.body).unwrap_or_default();
    let code = parsed.code.unwrap_or_default();
    let message = crate::sanitize::line_truncated(&parsed.message.unwrap_or_default(), 300).into_owned();
    let what = if code.is_empty() { format!("HTTP {status}") } else { crate::sanitize::line(&code).into_owned() };
    if code.starts_with("Throttling") || status == 429 {
        let retry = crate::provider::aliyun::wire::throttle_delay(response);
        return FetchError::new(
            FetchErrorKind::Throttled,
            "sts.throttled",
            format!("STS is throttling: {what} {message}"),
        )
        .with_retry_after(retry);
    }
    if status >= 500 {
        return FetchError::new(FetchErrorKind::Server, "sts.unavailable", format!("STS failed: {what} {message}"));
    }
    crate::credentials::refresh::rejected(format!("STS refused: {what}: {message}"))
}

/// Cuts any secret we sent out of a message built from the answer.
fn scrub(mut error: FetchError, secrets: &[String]) -> FetchError {
    for secret in secrets.iter().filter(|s| s.len() >= 4) {
        if error.message.contains(secret.as_str()) {
            error.message = error.message.replace(secret.as_str(), "[REDACTED]");
        }
    }
    error
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::http::test_response;

    #[test]
    fn expirations_round_trip_in_the_sts_format() {
        let at = parse_iso8601("2015-04-09T11:52:19Z").unwrap();
        assert_eq!(iso8601(at), "2015-04-09T11:52:19Z");
        assert!(parse_iso8601("2015-04-09 11:52:19").is_none());
    }

    #[test]
    fn refusals_are_classified_and_never_echo_a_secret() {
        let throttled = test_response(
            400,
            &[("content-type", "application/json"), ("x-acs-retry-after", "1500")],
            r#"{"Code":"Throttling.User","Message":"Request was denied due to user flow control."}"#,
        );
        let error = refusal(&throttled);
        assert_eq!((error.kind, error.code.as_str()), (FetchErrorKind::Throttled, "sts.throttled"));
        assert_eq!(error.retry_after, Some(std::time::Duration::from_millis(1500)));

        let echoed = test_response(
            400,
            &[("content-type", "application/json")],
            r#"{"Code":"InvalidParameter.OIDCToken","Message":"token eyJsecret-token-value is malformed"}"#,
        );
        let error = scrub(refusal(&echoed), &["eyJsecret-token-value".to_owned()]);
        assert_eq!((error.kind, error.code.as_str()), (FetchErrorKind::Auth, "credentials.rejected"));
        assert!(error.message.contains("InvalidParameter.OIDCToken"), "{}", error.message);
        assert!(!error.message.contains("eyJsecret"), "{}", error.message);

        let down = test_response(503, &[], "");
        assert_eq!(refusal(&down).kind, FetchErrorKind::Server);
    }

    #[test]
    fn an_answer_without_a_full_key_is_a_protocol_error_that_quotes_nothing() {
        let source = CredentialSource::Env { variable: "ALIBABA_CLOUD_ROLE_ARN" };
        let partial = test_response(200, &[], r#"{"Credentials":{"AccessKeyId":"STS.x","AccessKeySecret":"LEAKME"}}"#);
        let error = lease_from(&partial, "AssumeRole", source.clone()).unwrap_err();
        assert_eq!(error.kind, FetchErrorKind::Protocol);
        assert!(!error.message.contains("LEAKME"));
        let full = test_response(
            200,
            &[],
            r#"{"RequestId":"r","AssumedRoleUser":{"Arn":"acs:ram::1:role/r/s","AssumedRoleId":"1:s"},
               "Credentials":{"AccessKeyId":"STS.id","AccessKeySecret":"sec","SecurityToken":"tok","Expiration":"2030-01-01T00:00:00Z"}}"#,
        );
        let lease = lease_from(&full, "AssumeRole", source).unwrap();
        assert_eq!(lease.value.access_key_id, "STS.id");
        assert_eq!(lease.expires, parse_iso8601("2030-01-01T00:00:00Z"));
    }
}
