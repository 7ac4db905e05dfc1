//! Where requests go: the default host per cloud and region, and the validation of overrides.
//!
//! Owns the base-URL rules of docs/contract.md ("Endpoints"): https anywhere, plain http only to
//! loopback, no credentials or query in the URL. Pure; must not read env or config (the CLI
//! merges flags, env and config file and hands the result in).

use std::collections::BTreeMap;
use std::net::IpAddr;

use reqwest::Url;

use crate::domain::ProviderKind;
use crate::provider::signing::Scheme;

/// Endpoint overrides per provider; a provider without one uses its cloud's host per region.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EndpointOverrides(pub BTreeMap<ProviderKind, Url>);

impl EndpointOverrides {
    pub fn get(&self, provider: ProviderKind) -> Option<&Url> {
        self.0.get(&provider)
    }

    pub fn set(&mut self, provider: ProviderKind, url: Url) {
        self.0.insert(provider, url);
    }
}

/// Why an endpoint URL or a region was refused. Messages say how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EndpointError {
    #[error("endpoint {input:?} is not a URL ({reason}); expected e.g. https://apigateway.cn-hangzhou.aliyuncs.com")]
    NotAUrl { input: String, reason: String },
    #[error(
        "endpoint {input:?} uses {scheme}://; use https:// (http:// is allowed only for a literal loopback address such as 127.0.0.1 or [::1])"
    )]
    Scheme { input: String, scheme: String },
    #[error(
        "endpoint {host:?} uses http:// but is not a literal loopback address; use https://, or http://127.0.0.1 or http://[::1] for a local server (a name such as localhost could resolve elsewhere, and the request carries credentials)"
    )]
    InsecureHost { host: String },
    #[error(
        "endpoint URLs must not contain a user name or password; put credentials in the environment or a credentials file"
    )]
    UserInfo,
    /// `input` is the URL without its query and fragment, which may hold a token.
    #[error(
        "endpoint {input:?} must not have a query string or fragment (not shown); give only scheme, host, port and optional path"
    )]
    QueryOrFragment { input: String },
    #[error("endpoint {input:?} has no host")]
    NoHost { input: String },
    #[error("region {region:?} is not a valid region id (letters, digits and '-' only), e.g. cn-hangzhou")]
    BadRegion { region: String },
}

/// A credential service's endpoint from a variable, checked like `--endpoint` (https, or http
/// to a loopback address), else `default`; an error names the variable.
pub fn endpoint_var(
    input: &crate::credentials::ChainInput<'_>,
    provider: ProviderKind,
    var: &'static str,
    default: &str,
) -> Result<Url, crate::credentials::CredentialError> {
    let invalid = |reason: String| crate::credentials::CredentialError::Invalid {
        provider,
        source_desc: format!("env {var}"),
        reason,
    };
    match input.var(var) {
        Some(text) => validate_endpoint(&text).map_err(|e| invalid(e.to_string())),
        None => Url::parse(default).map_err(|e| invalid(e.to_string())),
    }
}

/// Checks an override URL: https anywhere, http only for loopback hosts, no userinfo, no query
/// or fragment.
pub fn validate_endpoint(input: &str) -> Result<Url, EndpointError> {
    let trimmed = input.trim();
    let url = Url::parse(trimmed).map_err(|e| EndpointError::NotAUrl {
        // Never echo userinfo or a query, even in the error about the URL itself.
        input: redact(trimmed),
        reason: e.to_string(),
    })?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(EndpointError::UserInfo);
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(EndpointError::QueryOrFragment { input: redact(trimmed) });
    }
    let Some(host) = url.host_str() else {
        return Err(EndpointError::NoHost { input: trimmed.to_owned() });
    };
    match url.scheme() {
        "https" => {}
        "http" => {
            if !is_loopback(host) {
                return Err(EndpointError::InsecureHost { host: host.to_owned() });
            }
        }
        other => return Err(EndpointError::Scheme { input: trimmed.to_owned(), scheme: other.to_owned() }),
    }
    Ok(url)
}

/// An endpoint as it may be shown: without a user name, password, query or fragment, any of
/// which may hold a secret (`https://…@host/path?…`).
pub fn redact(input: &str) -> String {
    let (rest, cut) = match input.find(['?', '#']) {
        Some(at) => (&input[..at], true),
        None => (input, false),
    };
    let mut shown = match (rest.find("://"), rest.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => format!("{}://…{}", &rest[..scheme_end], &rest[at..]),
        _ => rest.to_owned(),
    };
    if cut {
        shown.push_str("?…");
    }
    shown
}

/// A literal loopback address: `127.0.0.0/8` or `::1`. Names are not trusted, `localhost`
/// included: a resolver (or a hosts file) may send them elsewhere, and the request is signed.
pub fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

pub(super) fn check_region(region: &str) -> Result<(), EndpointError> {
    let ok = !region.is_empty()
        && region.len() <= 64
        && region.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !region.starts_with('-');
    if ok { Ok(()) } else { Err(EndpointError::BadRegion { region: region.to_owned() }) }
}

pub(super) fn default_url(text: &str) -> Result<Url, EndpointError> {
    Url::parse(text).map_err(|e| EndpointError::NotAUrl { input: text.to_owned(), reason: e.to_string() })
}

/// A base URL with `path` appended below its own path (`/prefix` + `/v2/...`).
pub fn join_path(base: &Url, path: &str) -> Url {
    let mut url = base.clone();
    let prefix = base.path().trim_end_matches('/');
    url.set_path(&format!("{prefix}/{}", path.trim_start_matches('/')));
    url
}

/// Where a request goes, with the canonical URI and query its signature covers: the same on
/// every poll of a task, so a client works it out once per task ([`super::per_task`]).
#[derive(Debug)]
pub struct Address {
    pub url: Url,
    /// The `host` header.
    pub host: String,
    pub canonical_uri: String,
    pub canonical_query: String,
}

impl Address {
    /// `base` with `path` joined to it, if any, and `query` in the canonical (sorted) order the
    /// signature uses, which is also the order the SDKs send; the URI as `scheme` encodes it.
    pub fn new(base: &Url, path: Option<&str>, query: &[(&str, &str)], scheme: &Scheme) -> Address {
        let mut url = path.map_or_else(|| base.clone(), |path| join_path(base, path));
        let canonical_query = super::signing::canonical_query(query);
        url.set_query((!canonical_query.is_empty()).then_some(canonical_query.as_str()));
        Address { host: host_header(&url), canonical_uri: (scheme.canonical_uri)(url.path()), canonical_query, url }
    }
}

/// The `host` header a client sends for a URL: host plus the port when it is not the default.
pub fn host_header(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_hosts_follow_the_region() {
        assert_eq!(
            crate::provider::aliyun::base_url("cn-hangzhou", None).unwrap().as_str(),
            "https://apigateway.cn-hangzhou.aliyuncs.com/"
        );
        assert_eq!(
            crate::provider::huawei::base_url("cn-north-4", None).unwrap().as_str(),
            "https://apig.cn-north-4.myhuaweicloud.com/"
        );
        assert_eq!(
            crate::provider::huawei::base_url("eu-west-101", None).unwrap().as_str(),
            "https://apig.eu-west-101.myhuaweicloud.eu/"
        );
    }

    #[test]
    fn an_override_serves_every_region() {
        let url = validate_endpoint("http://127.0.0.1:8080").unwrap();
        assert_eq!(crate::provider::aliyun::base_url("cn-hangzhou", Some(&url)).unwrap(), url);
        assert_eq!(crate::provider::huawei::base_url("ap-southeast-1", Some(&url)).unwrap(), url);
    }

    #[test]
    fn bad_regions_are_refused() {
        assert!(matches!(
            crate::provider::aliyun::base_url("cn-hangzhou.evil.com/x", None),
            Err(EndpointError::BadRegion { .. })
        ));
        assert!(matches!(crate::provider::huawei::base_url("", None), Err(EndpointError::BadRegion { .. })));
    }

    #[test]
    fn https_anywhere_http_only_on_loopback() {
        assert!(validate_endpoint("https://apig.example.com").is_ok());
        assert!(validate_endpoint("http://127.0.0.1:1234").is_ok());
        assert!(validate_endpoint("http://127.8.9.10").is_ok());
        assert!(validate_endpoint("http://[::1]:99/base").is_ok());
        for name in ["http://localhost:5", "http://api.localhost", "http://LOCALHOST", "http://127.0.0.1.nip.io"] {
            assert!(matches!(validate_endpoint(name), Err(EndpointError::InsecureHost { .. })), "{name}");
        }
        assert!(validate_endpoint("https://localhost:5").is_ok(), "https to a name is fine");
        let err = validate_endpoint("http://10.0.0.1").unwrap_err();
        assert!(matches!(err, EndpointError::InsecureHost { .. }));
        assert!(err.to_string().contains("use https://"));
        assert!(matches!(validate_endpoint("ftp://x.example"), Err(EndpointError::Scheme { .. })));
        assert!(matches!(validate_endpoint("not a url"), Err(EndpointError::NotAUrl { .. })));
    }

    #[test]
    fn userinfo_query_and_fragment_are_refused_without_echoing_secrets() {
        let err = validate_endpoint("https://ak:topsecret@apig.example.com").unwrap_err();
        assert_eq!(err, EndpointError::UserInfo);
        assert!(!err.to_string().contains("topsecret"));
        let err = validate_endpoint("https://a.example/?token=topsecret").unwrap_err();
        assert!(matches!(err, EndpointError::QueryOrFragment { .. }));
        assert!(!err.to_string().contains("topsecret"), "{err}");
        assert!(matches!(validate_endpoint("https://a.example/#f"), Err(EndpointError::QueryOrFragment { .. })));
        let err = validate_endpoint("ht tp://ak:topsecret@x/?t=othersecret").unwrap_err();
        assert!(!err.to_string().contains("secret"), "{err}");
        assert_eq!(redact("https://ak:topsecret@x/p?t=1#f"), "https://…@x/p?…");
        assert_eq!(redact("https://x/p"), "https://x/p");
    }

    #[test]
    fn paths_join_below_a_prefix_and_hosts_keep_their_port() {
        let base = Url::parse("http://127.0.0.1:9000/huawei/").unwrap();
        assert_eq!(join_path(&base, "/v2/p/x").as_str(), "http://127.0.0.1:9000/huawei/v2/p/x");
        let root = Url::parse("https://apig.cn-north-4.myhuaweicloud.com").unwrap();
        assert_eq!(join_path(&root, "/v2/p").path(), "/v2/p");
        assert_eq!(host_header(&base), "127.0.0.1:9000");
        assert_eq!(host_header(&root), "apig.cn-north-4.myhuaweicloud.com");
    }
}
