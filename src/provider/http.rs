//! The one HTTP client both clouds share, and the transport half of error classification.
//!
//! Owns timeouts, the redirect policy (none: a redirect must not carry our auth headers to
//! another host), the response-size cap, and turning reqwest errors and odd bodies into
//! [`FetchError`]s. Knows nothing about either cloud's JSON; must not retry (the poller owns
//! backoff) and must never put a URL, a header value or a secret into an error.

use std::error::Error as _;
use std::fmt::Write as _;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{RequestBuilder, StatusCode, redirect};

use crate::domain::{FetchError, FetchErrorKind};

/// Limits for every request. The defaults follow the Alibaba SDK's documented 5 s / 10 s
/// (RELIABILITY.md §2) plus a 30 s ceiling for the whole exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpConfig {
    pub connect_timeout: Duration,
    /// Longest wait for the next bytes of a response; resets after every read.
    pub read_timeout: Duration,
    /// Ceiling for the whole exchange, from connecting to the last body byte.
    pub total_timeout: Duration,
    /// Largest response body we read. Huawei export results embed the whole spec, so this stays
    /// well above realistic specs.
    pub body_cap: usize,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            connect_timeout: Duration::from_secs(5),
            read_timeout: Duration::from_secs(10),
            total_timeout: Duration::from_secs(30),
            body_cap: DEFAULT_BODY_CAP,
        }
    }
}

/// 16 MiB.
pub const DEFAULT_BODY_CAP: usize = 16 * 1024 * 1024;

/// The `user-agent` we send.
pub const USER_AGENT: &str = concat!("oaswatch/", env!("CARGO_PKG_VERSION"));

/// Why the HTTP client could not be built (TLS backend initialisation, mostly).
#[derive(Debug, thiserror::Error)]
#[error("could not set up the HTTP client: {0}")]
pub struct HttpBuildError(String);

#[cfg(test)]
impl HttpBuildError {
    pub(crate) fn for_tests(message: &str) -> HttpBuildError {
        HttpBuildError(message.to_owned())
    }
}

/// Builds the shared client: explicit timeouts, no redirects, rustls, an HTTP/1.1 keep-alive pool.
pub fn build_client(config: &HttpConfig) -> Result<reqwest::Client, HttpBuildError> {
    builder(config).build().map_err(|e| HttpBuildError(error_chain(&e.without_url())))
}

/// [`build_client`] for endpoints that are all plain `http://` (the simulator on loopback):
/// the same client, but without the system's root certificates, whose loading (reading and
/// decoding a few hundred files) was most of `oaswatch status`'s time. It cannot verify any
/// server certificate, so it must never be used for an `https://` endpoint.
pub fn build_plain_client(config: &HttpConfig) -> Result<reqwest::Client, HttpBuildError> {
    builder(config)
        .tls_certs_only(std::iter::empty())
        .build()
        .map_err(|e| HttpBuildError(error_chain(&e.without_url())))
}

fn builder(config: &HttpConfig) -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .connect_timeout(config.connect_timeout)
        .read_timeout(config.read_timeout)
        .timeout(config.total_timeout)
        .redirect(redirect::Policy::none())
        // No retries here (the poller owns them). reqwest's default policy would retry only
        // HTTP/2 refusals, which an HTTP/1.1 client never gets, yet copies every request's
        // headers in case it does; with no retries allowed it copies nothing.
        .retry(reqwest::retry::never().max_retries_per_request(0))
        .http1_only()
        .pool_idle_timeout(Duration::from_secs(90))
        .tcp_keepalive(Duration::from_secs(15))
        .user_agent(USER_AGENT)
}

/// A header value that prints as `Sensitive` in `Debug`, for anything that authenticates.
///
/// The error names no value: the text of a credential must not reach a message.
pub fn sensitive_header(value: &str) -> Result<HeaderValue, FetchError> {
    let mut header = HeaderValue::from_str(value).map_err(|_| unsendable(true))?;
    header.set_sensitive(true);
    Ok(header)
}

/// A header value built from our own text (dates, nonces, ids from validated task references).
pub fn plain_header(value: &str) -> Result<HeaderValue, FetchError> {
    HeaderValue::from_str(value).map_err(|_| unsendable(false))
}

/// The error for a header value that cannot be sent; it names no value.
fn unsendable(sensitive: bool) -> FetchError {
    if sensitive {
        FetchError::new(
            FetchErrorKind::Auth,
            "credentials.invalid",
            "a credential contains characters that cannot be sent in an HTTP header (a stray newline or space?)",
        )
    } else {
        FetchError::new(
            FetchErrorKind::Protocol,
            "request.invalid",
            "a request header value contains invalid characters",
        )
    }
}

/// A request's headers in one map: each is a name, a value, and whether the value authenticates
/// (it then prints as `Sensitive`, and a value that cannot be sent is a credentials error).
///
/// The values are cut out of one shared buffer: reqwest clones a request's headers on the way
/// out, and a value in a buffer of its own costs two allocations and two frees on that way
/// (BENCHMARKS.md, cost per request).
pub fn header_map(headers: &[(HeaderName, &str, bool)]) -> Result<HeaderMap, FetchError> {
    let mut buffer = Vec::with_capacity(headers.iter().map(|(_, value, _)| value.len()).sum());
    for (_, value, _) in headers {
        buffer.extend_from_slice(value.as_bytes());
    }
    let shared = bytes::Bytes::from(buffer);
    let mut map = HeaderMap::with_capacity(headers.len() + 4);
    let mut start = 0;
    for (name, value, sensitive) in headers {
        let end = start + value.len();
        let mut header =
            HeaderValue::from_maybe_shared(shared.slice(start..end)).map_err(|_| unsendable(*sensitive))?;
        header.set_sensitive(*sensitive);
        map.append(name.clone(), header);
        start = end;
    }
    Ok(map)
}

/// A complete response: status, headers and the (capped) body.
#[derive(Debug, Clone)]
pub struct RawResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: bytes::Bytes,
}

impl RawResponse {
    /// The media type without parameters (`text/html`), or `unknown`.
    pub fn media_type(&self) -> &str {
        media_type(&self.headers)
    }

    /// A header as text, if present and printable.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

fn media_type(headers: &HeaderMap) -> &str {
    headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .unwrap_or("unknown")
}

/// Sends a request and reads the whole body, up to `body_cap` bytes.
///
/// A 3xx is an error and is never followed. No retries happen here.
pub async fn execute(request: RequestBuilder, body_cap: usize) -> Result<RawResponse, FetchError> {
    let mut response = request.send().await.map_err(classify_transport)?;
    let status = response.status();
    if status.is_redirection() {
        return Err(FetchError::new(
            FetchErrorKind::Protocol,
            format!("http.{}", status.as_u16()),
            format!(
                "the server answered with a redirect ({}); redirects are not followed, so check the endpoint",
                status_text(status)
            ),
        ));
    }
    let headers = std::mem::take(response.headers_mut());
    let body = read_capped(&mut response, body_cap).await?;
    Ok(RawResponse { status, headers, body })
}

/// Reads a body chunk by chunk and stops as soon as it would pass the cap, so a hostile or broken
/// server cannot make us buffer without bound (reqwest's own `bytes()` has no limit).
pub async fn read_capped(response: &mut reqwest::Response, cap: usize) -> Result<bytes::Bytes, FetchError> {
    let too_large = || {
        FetchError::new(
            FetchErrorKind::Protocol,
            "body_too_large",
            format!("response larger than {}", human_size_limit(cap)),
        )
    };
    let announced = response.content_length();
    if announced.is_some_and(|len| len > cap as u64) {
        return Err(too_large());
    }
    let initial = announced.map_or(8 * 1024, |len| usize::try_from(len).unwrap_or(cap)).min(cap);
    // A body that comes in one chunk (a poll's answer, nearly always) is kept as it came; only
    // more chunks are copied together. Copying every body into a buffer of its own cost an
    // allocation and a copy per request (callgrind).
    let mut first: Option<bytes::Bytes> = None;
    let mut joined: Vec<u8> = Vec::new();
    let mut len = 0;
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                len += chunk.len();
                if len > cap {
                    return Err(too_large());
                }
                if first.is_none() && joined.is_empty() {
                    first = Some(chunk);
                } else {
                    if let Some(earlier) = first.take() {
                        joined.reserve(initial.max(len));
                        joined.extend_from_slice(&earlier);
                    }
                    joined.extend_from_slice(&chunk);
                }
            }
            Ok(None) => break,
            Err(e) => {
                if !e.is_timeout()
                    && let Some(expected) = announced
                {
                    // The connection dropped mid-answer: a network failure, which the next
                    // request may not meet, not an answer that will stay wrong.
                    return Err(FetchError::new(
                        FetchErrorKind::Network,
                        "truncated",
                        format!("response body truncated: the connection closed after {len} of {expected} bytes"),
                    ));
                }
                return Err(classify_transport(e));
            }
        }
    }
    Ok(first.unwrap_or_else(|| bytes::Bytes::from(joined)))
}

/// Classifies a transport failure. The URL is stripped first (signed URLs can carry
/// credentials), and the text comes only from the source chain, skipping nested reqwest errors
/// whose `Display` would name a URL again.
pub fn classify_transport(error: reqwest::Error) -> FetchError {
    let error = error.without_url();
    let detail = error_chain_sources(&error);
    let (code, what) = if error.is_timeout() {
        ("timeout", "the request timed out")
    } else if error.is_connect() {
        if looks_like_tls(&detail) { ("tls", "the TLS handshake failed") } else { ("connect", "could not connect") }
    } else if error.is_body() || error.is_decode() {
        ("body", "the connection failed while reading the response")
    } else if error.is_request() {
        ("network", "the request could not be sent")
    } else {
        ("network", "the request failed")
    };
    let message = if detail.is_empty() { what.to_owned() } else { format!("{what}: {detail}") };
    FetchError::new(FetchErrorKind::Network, code, message)
}

fn looks_like_tls(detail: &str) -> bool {
    let lower = detail.to_ascii_lowercase();
    ["tls", "certificate", "handshake", "ssl"].iter().any(|needle| lower.contains(needle))
}

/// `outer: inner: innermost` over the sources of an error, without the error's own URL suffix.
fn error_chain_sources(error: &reqwest::Error) -> String {
    let mut out = String::new();
    let mut source = error.source();
    while let Some(err) = source {
        let text = if err.is::<reqwest::Error>() { String::new() } else { err.to_string() };
        if !text.is_empty() && !out.contains(&text) {
            if !out.is_empty() {
                out.push_str(": ");
            }
            out.push_str(&text);
        }
        source = err.source();
    }
    out
}

fn error_chain(error: &reqwest::Error) -> String {
    let mut out = error.to_string();
    let sources = error_chain_sources(error);
    if !sources.is_empty() {
        let _ = write!(out, ": {sources}");
    }
    out
}

/// The body as shared text for [`crate::domain::Task::raw_body`]; both APIs promise UTF-8 JSON.
pub fn utf8_body(response: &RawResponse) -> Result<std::sync::Arc<str>, FetchError> {
    match simdutf8::basic::from_utf8(&response.body) {
        Ok(text) => Ok(std::sync::Arc::from(text)),
        Err(_) => Err(FetchError::new(
            FetchErrorKind::Protocol,
            format!("http.{}", response.status.as_u16()),
            "the response body is not valid UTF-8",
        )),
    }
}

/// `404 Not Found`.
pub fn status_text(status: StatusCode) -> String {
    match status.canonical_reason() {
        Some(reason) => format!("{} {reason}", status.as_u16()),
        None => status.as_u16().to_string(),
    }
}

/// The error for a body that is not the JSON the API documents: Protocol for 2xx/4xx, Server
/// for 5xx, Throttled for 429 (a load balancer's error page), with the `http.<status>` code and no body text.
pub fn non_json(response: &RawResponse) -> FetchError {
    // A 429 means "slow down" whatever its body looks like.
    let kind = if response.status == StatusCode::TOO_MANY_REQUESTS {
        FetchErrorKind::Throttled
    } else if response.status.is_server_error() {
        FetchErrorKind::Server
    } else {
        FetchErrorKind::Protocol
    };
    let message = if response.body.iter().all(u8::is_ascii_whitespace) {
        format!("empty response (HTTP {})", status_text(response.status))
    } else {
        format!(
            "non-JSON response ({}, {}) with HTTP {}",
            response.media_type(),
            human_size(response.body.len()),
            status_text(response.status)
        )
    };
    FetchError::new(kind, format!("http.{}", response.status.as_u16()), message)
}

/// The error for a 2xx body that is JSON but not the documented shape (or too deep).
pub fn bad_json(response: &RawResponse, error: &serde_json::Error) -> FetchError {
    if (error.is_syntax() || error.is_eof()) && !looks_like_json(&response.body) {
        return non_json(response);
    }
    let kind = if response.status.is_server_error() { FetchErrorKind::Server } else { FetchErrorKind::Protocol };
    FetchError::new(
        kind,
        format!("http.{}", response.status.as_u16()),
        format!("unexpected response body ({}): {error}", human_size(response.body.len())),
    )
}

/// Whether a body starts like a JSON object or array (after whitespace).
pub fn looks_like_json(body: &[u8]) -> bool {
    matches!(body.iter().find(|b| !b.is_ascii_whitespace()), Some(b'{' | b'['))
}

/// `512 B`, `1.3 KB`, `2.0 MB` (decimal, as people read sizes in messages).
pub fn human_size(bytes: usize) -> String {
    #[expect(clippy::cast_precision_loss, reason = "a size shown with one decimal")]
    let value = bytes as f64;
    if bytes < 1000 {
        format!("{bytes} B")
    } else if bytes < 1_000_000 {
        format!("{:.1} KB", value / 1e3)
    } else {
        format!("{:.1} MB", value / 1e6)
    }
}

fn human_size_limit(cap: usize) -> String {
    if cap >= 1024 * 1024 && cap.is_multiple_of(1024 * 1024) {
        format!("{} MiB", cap / (1024 * 1024))
    } else {
        format!("{cap} bytes")
    }
}

/// A response as a client would have read it, for the wire tests of every cloud.
#[cfg(test)]
pub fn test_response(status: u16, headers: &[(&str, &str)], body: &str) -> RawResponse {
    use reqwest::header::HeaderName;
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        let (Ok(name), Ok(value)) = (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(value)) else {
            continue;
        };
        map.insert(name, value);
    }
    RawResponse {
        status: StatusCode::from_u16(status).unwrap_or(StatusCode::OK),
        headers: map,
        body: bytes::Bytes::copy_from_slice(body.as_bytes()),
    }
}

/// Turns a delay the server asked for into something sane: at least 1 s, at most 10 min
/// (RELIABILITY.md §2), so a typo on the server cannot park a task for a day.
pub fn clamp_retry_after(delay: Duration) -> Duration {
    delay.clamp(Duration::from_secs(1), Duration::from_secs(600))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, content_type: Option<&'static str>, body: &'static [u8]) -> RawResponse {
        let mut headers = HeaderMap::new();
        if let Some(ct) = content_type {
            headers.insert(reqwest::header::CONTENT_TYPE, HeaderValue::from_static(ct));
        }
        RawResponse { status: StatusCode::from_u16(status).unwrap(), headers, body: bytes::Bytes::from_static(body) }
    }

    #[test]
    fn html_from_a_load_balancer_is_a_server_error_for_5xx_and_protocol_otherwise() {
        let html: &'static [u8] = b"<html><body>502 Bad Gateway</body></html>";
        let e = non_json(&response(502, Some("text/html; charset=utf-8"), html));
        assert_eq!(e.kind, FetchErrorKind::Server);
        assert_eq!(e.code, "http.502");
        assert_eq!(e.message, "non-JSON response (text/html, 41 B) with HTTP 502 Bad Gateway");
        let e = non_json(&response(200, Some("text/html"), html));
        assert_eq!(e.kind, FetchErrorKind::Protocol);
        assert!(!e.message.contains("Bad Gateway</body>"), "body text must not leak into messages");
    }

    #[test]
    fn empty_body_says_empty() {
        let e = non_json(&response(200, None, b""));
        assert_eq!(e.kind, FetchErrorKind::Protocol);
        assert_eq!(e.message, "empty response (HTTP 200 OK)");
    }

    #[test]
    fn sizes_read_like_people_write_them() {
        assert_eq!(human_size(999), "999 B");
        assert_eq!(human_size(1300), "1.3 KB");
        assert_eq!(human_size(6_280_000), "6.3 MB");
        assert_eq!(human_size_limit(16 * 1024 * 1024), "16 MiB");
        assert_eq!(human_size_limit(1000), "1000 bytes");
    }

    #[test]
    fn sensitive_headers_are_redacted_in_debug_and_reject_newlines_without_echoing() {
        let value = sensitive_header("s3cr3t-token").unwrap();
        assert!(value.is_sensitive());
        assert!(!format!("{value:?}").contains("s3cr3t"));
        let err = sensitive_header("s3cr3t\nx").unwrap_err();
        assert_eq!(err.kind, FetchErrorKind::Auth);
        assert!(!format!("{err:?}").contains("s3cr3t"));
    }

    #[test]
    fn retry_after_is_clamped() {
        assert_eq!(clamp_retry_after(Duration::ZERO), Duration::from_secs(1));
        assert_eq!(clamp_retry_after(Duration::from_secs(7)), Duration::from_secs(7));
        assert_eq!(clamp_retry_after(Duration::from_secs(86_400)), Duration::from_secs(600));
    }

    #[test]
    fn json_sniffing() {
        assert!(looks_like_json(b"  {\"a\":1}"));
        assert!(looks_like_json(b"\n[1]"));
        assert!(!looks_like_json(b"<Error/>"));
        assert!(!looks_like_json(b""));
    }

    #[test]
    fn default_limits_match_the_design() {
        let c = HttpConfig::default();
        assert_eq!(
            (c.connect_timeout, c.read_timeout, c.total_timeout, c.body_cap),
            (Duration::from_secs(5), Duration::from_secs(10), Duration::from_secs(30), 16 * 1024 * 1024)
        );
        assert!(build_client(&c).is_ok());
        assert!(build_plain_client(&c).is_ok());
        assert!(USER_AGENT.starts_with("oaswatch/"));
    }
}
