//! The services that hand out Huawei temporary keys: IAM's OIDC federation and the ECS metadata
//! service, asked the way huaweicloudsdkcore asks them (docs/credentials.md, "Huawei Cloud").
//!
//! Federation: `POST {iam}/v3.0/OS-AUTH/id-token/tokens` with `X-Idp-Id` and
//! `{"auth":{"id_token":{"id":TOKEN}}}` → an unscoped token in `X-Subject-Token`; then
//! `POST {iam}/v3.0/OS-CREDENTIAL/securitytokens` with
//! `{"auth":{"identity":{"methods":["token"],"token":{"id":…,"duration_seconds":21600}}}}` →
//! `{"credential":{"access","secret","securitytoken","expires_at"}}`.
//!
//! Metadata: `PUT /meta-data/latest/api/token` (`X-Metadata-Token-Ttl-Seconds: 21600`) → token;
//! `GET /openstack/latest/securitykey` with `X-Metadata-Token` → the same `credential` document.
//!
//! Owns those requests and the reading of their answers. Errors never quote a body or a token.

use std::sync::Arc;
use std::time::SystemTime;

use reqwest::Url;
use secrecy::{ExposeSecret as _, SecretString};
use serde::Deserialize;

use super::HuaweiCredentials;
use crate::credentials::{CredentialSource, Lease};
use crate::domain::{FetchError, FetchErrorKind};
use crate::provider::http::{RawResponse, execute, plain_header, sensitive_header};

/// Where IAM is when nothing says otherwise (the SDK's default).
pub const DEFAULT_IAM: &str = "https://iam.myhuaweicloud.com";
/// Where the ECS metadata service is on every instance.
pub const DEFAULT_METADATA: &str = "http://169.254.169.254";
/// What the SDK asks federation for: 6 hours.
const FEDERATION_SECONDS: u32 = 6 * 60 * 60;
const TOKEN_TTL: &str = "21600";
const BODY_CAP: usize = 64 * 1024;
/// The metadata service's answer when the instance has no agency: not worth a token retry.
const NO_AGENCY: &str = "Please configure Cloud Service Agency first";

fn url(base: &Url, path: &str) -> Result<Url, FetchError> {
    let base = base.as_str().trim_end_matches('/');
    Url::parse(&format!("{base}{path}"))
        .map_err(|_| FetchError::new(FetchErrorKind::Protocol, "iam.endpoint", "the endpoint is not a URL"))
}

/// A temporary AK/SK for an OIDC ID token, through IAM federation.
pub async fn federate(
    http: &reqwest::Client,
    iam: &Url,
    idp_id: &str,
    id_token: &SecretString,
    source: &CredentialSource,
) -> Result<Lease<HuaweiCredentials>, FetchError> {
    let body = serde_json::json!({ "auth": { "id_token": { "id": id_token.expose_secret() } } });
    let request = http
        .post(url(iam, "/v3.0/OS-AUTH/id-token/tokens")?)
        .header("x-idp-id", plain_header(idp_id)?)
        .header("content-type", plain_header("application/json;charset=UTF-8")?)
        .body(body.to_string());
    let response = execute(request, BODY_CAP).await?;
    if !response.status.is_success() {
        return Err(refusal(&response, "IAM refused the ID token"));
    }
    let Some(unscoped) =
        response.header("x-subject-token").filter(|t| !t.is_empty()).map(|t| SecretString::from(t.to_owned()))
    else {
        return Err(FetchError::new(FetchErrorKind::Protocol, "iam.answer", "IAM answered without an X-Subject-Token"));
    };
    let body = serde_json::json!({ "auth": { "identity": {
        "methods": ["token"],
        "token": { "id": unscoped.expose_secret(), "duration_seconds": FEDERATION_SECONDS }
    } } });
    let request = http
        .post(url(iam, "/v3.0/OS-CREDENTIAL/securitytokens")?)
        .header("content-type", plain_header("application/json;charset=UTF-8")?)
        .body(body.to_string());
    let response = execute(request, BODY_CAP).await?;
    if !response.status.is_success() {
        return Err(refusal(&response, "IAM refused to issue a temporary key"));
    }
    lease_from(&response, "IAM", source.clone())
}

/// The temporary AK/SK of the instance's agency, from the ECS metadata service.
pub async fn metadata(
    http: &reqwest::Client,
    endpoint: &Url,
    source: &CredentialSource,
) -> Result<Lease<HuaweiCredentials>, FetchError> {
    let unreachable = |e: FetchError| {
        FetchError::new(
            FetchErrorKind::Network,
            "metadata.unreachable",
            format!("the ECS metadata service did not answer (not on an ECS instance?): {}", e.message),
        )
    };
    let token = session_token(http, endpoint).await.map_err(unreachable)?;
    let key_url = url(endpoint, "/openstack/latest/securitykey")?;
    let get = |token: &Option<SecretString>| -> Result<reqwest::RequestBuilder, FetchError> {
        let mut request = http.get(key_url.clone());
        if let Some(token) = token {
            request = request.header("x-metadata-token", sensitive_header(token.expose_secret())?);
        }
        Ok(request)
    };
    let mut response = execute(get(&token)?, BODY_CAP).await.map_err(unreachable)?;
    if response.status.as_u16() == 401 && !String::from_utf8_lossy(&response.body).contains(NO_AGENCY) {
        // The session token expired: one fresh token, one more try (as the SDK does).
        let token = session_token(http, endpoint).await.map_err(unreachable)?;
        response = execute(get(&token)?, BODY_CAP).await.map_err(unreachable)?;
    }
    if !response.status.is_success() {
        if String::from_utf8_lossy(&response.body).contains(NO_AGENCY) {
            return Err(crate::credentials::refresh::rejected(
                "the ECS metadata service says the instance has no agency: configure a cloud service agency for it",
            ));
        }
        return Err(refusal(&response, "the ECS metadata service refused the security key"));
    }
    lease_from(&response, "the ECS metadata service", source.clone())
}

async fn session_token(http: &reqwest::Client, endpoint: &Url) -> Result<Option<SecretString>, FetchError> {
    let request = http
        .put(url(endpoint, "/meta-data/latest/api/token")?)
        .header("x-metadata-token-ttl-seconds", plain_header(TOKEN_TTL)?)
        // Content-Length: 0 on the bodiless PUT, as the SDK sends it.
        .header(reqwest::header::CONTENT_LENGTH, "0")
        .body(Vec::new());
    let response = execute(request, BODY_CAP).await?;
    match response.status.as_u16() {
        200..=299 => Ok(Some(SecretString::from(String::from_utf8_lossy(&response.body).trim().to_owned()))),
        // An instance without IMDSv2 answers these; the key is asked for without a token.
        404 | 405 | 503 => Ok(None),
        status => Err(FetchError::new(
            FetchErrorKind::Server,
            "metadata.token",
            format!("HTTP {status} for the session token"),
        )),
    }
}

#[derive(Deserialize)]
struct CredentialDocument {
    #[serde(default, alias = "credentials")]
    credential: Option<Credential>,
}

#[derive(Deserialize)]
struct Credential {
    #[serde(default, alias = "accessKeyId", alias = "access_key_id")]
    access: Option<String>,
    #[serde(default, alias = "secretAccessKey", alias = "secret_access_key")]
    secret: Option<String>,
    #[serde(default, alias = "securityToken", alias = "security_token")]
    securitytoken: Option<String>,
    #[serde(default, alias = "expiration")]
    expires_at: Option<String>,
}

/// Parses `2023-08-10T09:20:29.093000Z` (fractional seconds optional).
pub fn parse_expiry(text: &str) -> Option<SystemTime> {
    let text = text.trim();
    let text = text.strip_suffix('Z').unwrap_or(text);
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let format = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    let at = time::PrimitiveDateTime::parse(whole, format).ok()?.assume_utc();
    let nanos = if fraction.is_empty() {
        0
    } else {
        let digits: String = fraction.chars().take(9).collect();
        digits.parse::<u64>().ok()? * 10u64.pow(9 - u32::try_from(digits.len()).ok()?)
    };
    Some(SystemTime::from(at) + std::time::Duration::from_nanos(nanos))
}

fn lease_from(
    response: &RawResponse,
    from: &str,
    source: CredentialSource,
) -> Result<Lease<HuaweiCredentials>, FetchError> {
    let incomplete = || {
        FetchError::new(
            FetchErrorKind::Protocol,
            "credentials.answer",
            format!("{from} answered without a complete temporary key (access, secret, securitytoken, expires_at)"),
        )
    };
    // serde's messages may quote the body, which holds secrets: only the fact is reported.
    let document: CredentialDocument = serde_json::from_slice(&response.body).map_err(|_| incomplete())?;
    let credential = document.credential.ok_or_else(incomplete)?;
    let (Some(access), Some(secret), Some(token), Some(expires)) =
        (credential.access, credential.secret, credential.securitytoken, credential.expires_at)
    else {
        return Err(incomplete());
    };
    let expires = parse_expiry(&expires).ok_or_else(incomplete)?;
    Ok(Lease {
        value: Arc::new(HuaweiCredentials::AkSk {
            access_key: access,
            secret_key: SecretString::from(secret),
            security_token: Some(SecretString::from(token)),
            source,
        }),
        expires: Some(expires),
    })
}

#[derive(Deserialize, Default)]
struct IamError {
    #[serde(default)]
    error: Option<IamErrorBody>,
    #[serde(default)]
    error_code: Option<String>,
    #[serde(default)]
    error_msg: Option<String>,
}

#[derive(Deserialize, Default)]
struct IamErrorBody {
    #[serde(default)]
    code: Option<serde_json::Value>,
    #[serde(default)]
    message: Option<String>,
}

fn refusal(response: &RawResponse, what: &str) -> FetchError {
    let status = response.status.as_u16();
    let parsed: IamError = serde_json::from_slice(&response.body).unwrap_or_default();
    let (code, message) = match (parsed.error, parsed.error_code, parsed.error_msg) {
        (Some(body), _, _) => (body.code.map(|c| c.to_string().trim_matches('"').to_owned()), body.message),
        (None, code, message) => (code, message),
    };
    let code = crate::sanitize::line(&code.unwrap_or_else(|| format!("HTTP {status}"))).into_owned();
    let message = crate::sanitize::line_truncated(&message.unwrap_or_default(), 300).into_owned();
    if status == 429 {
        return FetchError::new(
            FetchErrorKind::Throttled,
            "iam.throttled",
            format!("{what}: throttled ({code} {message})"),
        );
    }
    if status >= 500 {
        return FetchError::new(FetchErrorKind::Server, "iam.unavailable", format!("{what}: {code} {message}"));
    }
    crate::credentials::refresh::rejected(format!("{what}: {code}: {message}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::http::test_response;

    #[test]
    fn expiries_read_with_or_without_fractions() {
        let whole = parse_expiry("2023-08-10T09:20:29Z").unwrap();
        assert_eq!(parse_expiry("2023-08-10T09:20:29.093000Z").unwrap(), whole + std::time::Duration::from_millis(93));
        assert!(parse_expiry("tomorrow").is_none());
    }

    #[test]
    fn answers_become_leases_and_refusals_quote_no_secret() {
        let source = CredentialSource::Env { variable: "HUAWEICLOUD_SDK_IDP_ID" };
        let ok = test_response(
            201,
            &[],
            r#"{"credential":{"access":"TMPAK","secret":"s","securitytoken":"t","expires_at":"2030-01-01T00:00:00.000000Z"}}"#,
        );
        let lease = lease_from(&ok, "IAM", source.clone()).unwrap();
        assert!(matches!(&*lease.value, HuaweiCredentials::AkSk { access_key, .. } if access_key == "TMPAK"));
        let partial = test_response(201, &[], r#"{"credential":{"access":"A","secret":"LEAKME"}}"#);
        assert!(!lease_from(&partial, "IAM", source).unwrap_err().message.contains("LEAKME"));

        let refused = test_response(
            400,
            &[("content-type", "application/json")],
            r#"{"error":{"code":"1100","message":"Invalid id_token.","title":"Bad Request"}}"#,
        );
        let error = refusal(&refused, "IAM refused the ID token");
        assert_eq!(error.code, "credentials.rejected");
        assert!(error.message.contains("1100") && error.message.contains("Invalid id_token"), "{}", error.message);
        assert_eq!(refusal(&test_response(429, &[], "{}"), "x").kind, FetchErrorKind::Throttled);
    }
}
