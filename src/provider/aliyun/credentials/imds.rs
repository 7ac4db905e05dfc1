//! The ECS instance metadata service: the temporary key of the instance's RAM role, with the
//! IMDSv2 session token, as credentials-go asks for it (docs/credentials.md, "ECS RAM role").
//!
//! `PUT /latest/api/token` (header `X-aliyun-ecs-metadata-token-ttl-seconds: 21600`) → session
//! token; `GET /latest/meta-data/ram/security-credentials/` → the role name when none is
//! configured; `GET …/security-credentials/{role}` → `{Code, AccessKeyId, AccessKeySecret,
//! SecurityToken, Expiration}`; each GET carries `X-aliyun-ecs-metadata-token`. Without a token
//! (an old instance) the GETs go without one, unless IMDSv1 is disabled. Plain HTTP to the
//! link-local address, never through a proxy, one-second limits (it answers in milliseconds, and
//! off ECS it does not answer at all).

use std::sync::Arc;

use reqwest::Url;
use secrecy::SecretString;
use serde::Deserialize;

use super::AliyunCredentials;
use super::sts::parse_iso8601;
use crate::credentials::{CredentialSource, Lease};
use crate::domain::{FetchError, FetchErrorKind};
use crate::provider::http::{RawResponse, execute, plain_header, sensitive_header};

/// Where the service lives on every ECS instance.
pub const DEFAULT_ENDPOINT: &str = "http://100.100.100.200";
/// How long the session token lasts, seconds (the SDKs' 6 hours).
const TOKEN_TTL: &str = "21600";
const BODY_CAP: usize = 64 * 1024;

/// What to ask the service for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImdsSpec {
    pub endpoint: Url,
    /// The role; asked of the service when `None`.
    pub role: Option<String>,
    /// `ALIBABA_CLOUD_IMDSV1_DISABLED=true`: a session token is required.
    pub v1_disabled: bool,
}

/// The instance role's temporary key.
pub async fn obtain(spec: &ImdsSpec, source: &CredentialSource) -> Result<Lease<AliyunCredentials>, FetchError> {
    let http = crate::provider::machine::client()?;
    let token = session_token(http, spec).await?;
    let role = if let Some(role) = &spec.role {
        role.clone()
    } else {
        let body = get(http, spec, "latest/meta-data/ram/security-credentials/", token.as_ref()).await?;
        let name = String::from_utf8_lossy(&body.body).trim().lines().next().unwrap_or_default().to_owned();
        if name.is_empty() {
            return Err(no_role());
        }
        name
    };
    if crate::domain::check_part(&role).is_err() {
        return Err(FetchError::new(
            FetchErrorKind::Protocol,
            "imds.answer",
            "the metadata service named a RAM role that is not a plain name",
        ));
    }
    let path = format!("latest/meta-data/ram/security-credentials/{role}");
    let answer = get(http, spec, &path, token.as_ref()).await?;
    lease_from(&answer, source.clone().via(format!("ECS RAM role {role}")))
}

async fn session_token(http: &reqwest::Client, spec: &ImdsSpec) -> Result<Option<SecretString>, FetchError> {
    let url = join(&spec.endpoint, "latest/api/token")?;
    // Content-Length: 0 on the bodiless PUT, as the SDKs send it.
    let request = http
        .put(url)
        .header("x-aliyun-ecs-metadata-token-ttl-seconds", plain_header(TOKEN_TTL)?)
        .header(reqwest::header::CONTENT_LENGTH, "0")
        .body(Vec::new());
    match execute(request, BODY_CAP).await {
        Ok(response) if response.status.is_success() => {
            Ok(Some(SecretString::from(String::from_utf8_lossy(&response.body).trim().to_owned())))
        }
        // IMDSv1 still answers without a token, unless the user turned it off.
        _ if !spec.v1_disabled => Ok(None),
        Ok(response) => Err(refusal(&response, "an IMDSv2 session token")),
        Err(error) => Err(unreachable(&error)),
    }
}

async fn get(
    http: &reqwest::Client,
    spec: &ImdsSpec,
    path: &str,
    token: Option<&SecretString>,
) -> Result<RawResponse, FetchError> {
    use secrecy::ExposeSecret as _;
    let url = join(&spec.endpoint, path)?;
    let mut request = http.get(url.clone());
    if let Some(token) = token {
        request = request.header("x-aliyun-ecs-metadata-token", sensitive_header(token.expose_secret())?);
    }
    let response = execute(request, BODY_CAP).await.map_err(|e| unreachable(&e))?;
    if response.status.is_success() {
        return Ok(response);
    }
    // As the SDKs do: an instance that refuses the token may still answer IMDSv1.
    if token.is_some() && !spec.v1_disabled {
        let retried = execute(http.get(url), BODY_CAP).await.map_err(|e| unreachable(&e))?;
        if retried.status.is_success() {
            return Ok(retried);
        }
    }
    Err(refusal(&response, "credentials for the role"))
}

fn join(endpoint: &Url, path: &str) -> Result<Url, FetchError> {
    let base = endpoint.as_str().trim_end_matches('/');
    Url::parse(&format!("{base}/{path}"))
        .map_err(|_| FetchError::new(FetchErrorKind::Protocol, "imds.endpoint", "the metadata endpoint is not a URL"))
}

/// Off ECS nothing answers: that is a missing credential, not a network hiccup to retry.
fn unreachable(error: &FetchError) -> FetchError {
    FetchError::new(
        FetchErrorKind::Network,
        "imds.unreachable",
        format!("the ECS metadata service did not answer (not on an ECS instance?): {}", error.message),
    )
}

fn no_role() -> FetchError {
    crate::credentials::refresh::rejected(
        "the ECS metadata service names no RAM role: attach one to the instance, or set ALIBABA_CLOUD_ECS_METADATA",
    )
}

fn refusal(response: &RawResponse, what: &str) -> FetchError {
    let status = response.status.as_u16();
    match status {
        429 => FetchError::new(
            FetchErrorKind::Throttled,
            "imds.throttled",
            format!("the ECS metadata service is throttling {what} requests"),
        ),
        404 => crate::credentials::refresh::rejected(format!(
            "the ECS metadata service has no {what} (HTTP 404): is the RAM role attached to the instance?"
        )),
        401 | 403 => crate::credentials::refresh::rejected(format!(
            "the ECS metadata service refused {what} (HTTP {status}): the session token was not accepted"
        )),
        _ if status >= 500 => FetchError::new(
            FetchErrorKind::Server,
            "imds.unavailable",
            format!("the ECS metadata service failed (HTTP {status})"),
        ),
        _ => crate::credentials::refresh::rejected(format!("the ECS metadata service refused {what} (HTTP {status})")),
    }
}

#[derive(Deserialize)]
struct RoleCredentials {
    #[serde(rename = "Code", default)]
    code: Option<String>,
    #[serde(rename = "AccessKeyId", default)]
    access_key_id: Option<String>,
    #[serde(rename = "AccessKeySecret", default)]
    access_key_secret: Option<String>,
    #[serde(rename = "SecurityToken", default)]
    security_token: Option<String>,
    #[serde(rename = "Expiration", default)]
    expiration: Option<String>,
}

/// Reads the `{Code: "Success", AccessKeyId, …}` documents of the metadata service and of a
/// credentials URI, which share the shape.
pub fn lease_from(response: &RawResponse, source: CredentialSource) -> Result<Lease<AliyunCredentials>, FetchError> {
    let incomplete =
        |why: &str| FetchError::new(FetchErrorKind::Protocol, "credentials.answer", format!("{source} answered {why}"));
    // serde's messages may quote the body, which holds secrets: only the fact is reported.
    let answer: RoleCredentials =
        serde_json::from_slice(&response.body).map_err(|_| incomplete("something that is not its JSON document"))?;
    if answer.code.as_deref() != Some("Success") {
        return Err(crate::credentials::refresh::rejected(format!("{source} answered without Code \"Success\"")));
    }
    let (Some(id), Some(secret), Some(token), Some(expiration)) =
        (answer.access_key_id, answer.access_key_secret, answer.security_token, answer.expiration)
    else {
        return Err(incomplete("without a complete key (AccessKeyId, AccessKeySecret, SecurityToken, Expiration)"));
    };
    let expires = parse_iso8601(&expiration).ok_or_else(|| incomplete("with an Expiration that is not a time"))?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::http::test_response;

    #[test]
    fn only_a_successful_complete_document_is_a_lease_and_errors_quote_nothing() {
        let source = CredentialSource::Machine { service: "ECS instance metadata".into() };
        let ok = test_response(
            200,
            &[],
            r#"{"Code":"Success","AccessKeyId":"STS.a","AccessKeySecret":"s","SecurityToken":"t","Expiration":"2030-01-01T00:00:00Z","LastUpdated":"2029-12-31T18:00:00Z"}"#,
        );
        assert_eq!(lease_from(&ok, source.clone()).unwrap().value.access_key_id, "STS.a");
        let failed = test_response(200, &[], r#"{"Code":"Failed","AccessKeySecret":"LEAKME"}"#);
        let error = lease_from(&failed, source.clone()).unwrap_err();
        assert!(!error.message.contains("LEAKME"));
        let broken = test_response(200, &[], r#"{"Code":"Success","AccessKeySecret":"LEAKME""#);
        assert!(!lease_from(&broken, source).unwrap_err().message.contains("LEAKME"));
    }

    #[test]
    fn refusals_say_what_to_check() {
        assert_eq!(refusal(&test_response(404, &[], ""), "x").code, "credentials.rejected");
        assert_eq!(refusal(&test_response(429, &[], ""), "x").kind, FetchErrorKind::Throttled);
        assert_eq!(refusal(&test_response(500, &[], ""), "x").kind, FetchErrorKind::Server);
    }
}
