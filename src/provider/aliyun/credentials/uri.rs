//! A credentials URI: `GET` it, read `{Code: "Success", AccessKeyId, AccessKeySecret,
//! SecurityToken, Expiration}` (the ECS metadata document's shape), as credentials-go and the
//! aliyun CLI's `CredentialsURI` mode do (docs/credentials.md, "Credentials URI").
//!
//! Owns that one request. The URI is the user's (a sidecar, a vault agent); it may carry a token in
//! its query, so it is only ever shown as [`shown`] makes it: scheme, host, port and path.

use reqwest::Url;

use super::AliyunCredentials;
use crate::credentials::{CredentialSource, Lease};
use crate::domain::{FetchError, FetchErrorKind};
use crate::provider::http::execute;

const BODY_CAP: usize = 64 * 1024;

/// A credentials URI as it may be shown: no user name, password, query or fragment.
pub fn shown(url: &Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    let hidden = shown.query().is_some();
    shown.set_query(None);
    shown.set_fragment(None);
    if hidden { format!("{shown}?…") } else { shown.to_string() }
}

/// Parses a credentials URI from configuration: http or https only. Never echoes the value.
pub fn parse(text: &str) -> Result<Url, String> {
    let url = Url::parse(text.trim()).map_err(|_| "is not a URL".to_owned())?;
    match url.scheme() {
        "http" | "https" if url.host_str().is_some() => Ok(url),
        _ => Err("must be an http:// or https:// URL".to_owned()),
    }
}

/// The key the URI hands out.
pub async fn obtain(
    http: &reqwest::Client,
    url: &Url,
    source: &CredentialSource,
) -> Result<Lease<AliyunCredentials>, FetchError> {
    let response = execute(http.get(url.clone()), BODY_CAP).await.map_err(|e| {
        // The transport error names no URL; the source says which one.
        FetchError::new(e.kind, e.code, format!("{source} did not answer: {}", e.message))
    })?;
    let status = response.status.as_u16();
    if !response.status.is_success() {
        return Err(match status {
            429 => FetchError::new(
                FetchErrorKind::Throttled,
                "uri.throttled",
                format!("{source} is throttling (HTTP 429)"),
            ),
            _ if status >= 500 => {
                FetchError::new(FetchErrorKind::Server, "uri.unavailable", format!("{source} failed (HTTP {status})"))
            }
            _ => crate::credentials::refresh::rejected(format!("{source} refused (HTTP {status})")),
        });
    }
    super::imds::lease_from(&response, source.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_uri_is_shown_without_its_query_or_user() {
        let url = parse("http://user:pw@127.0.0.1:8080/creds?token=LEAKME#x").unwrap();
        assert_eq!(shown(&url), "http://127.0.0.1:8080/creds?…");
        assert_eq!(shown(&parse("https://vault.internal/v1/aliyun").unwrap()), "https://vault.internal/v1/aliyun");
        for bad in ["file:///etc/passwd", "not a url LEAKME", "ftp://x/y"] {
            assert!(!parse(bad).unwrap_err().contains("LEAKME"));
        }
    }
}
