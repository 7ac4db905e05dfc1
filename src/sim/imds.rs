//! What the clouds' instance metadata services share, on the main listener: the session tokens
//! both issue (`PUT …/api/token` with a TTL header, 1–21600 s) and check, the count of each
//! request, and the faults a test injects (429 when throttled, or 503). Which paths are a
//! cloud's metadata service, and what each answers, is in its folder: `aliyun/imds.rs` (ECS RAM
//! role, credentials URI) and `huawei/metadata.rs` (ECS temporary keys), routed from the cloud's
//! `SimCloud::handle_credentials`.

use std::time::Duration;

use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;

use super::cloud::Request;
use super::creds::{Service, fault_status};
use super::http::header_str;
use super::state::{Inner, Shared};

/// How long the metadata services' temporary keys last.
pub(crate) const SIX_HOURS: Duration = Duration::from_secs(6 * 3600);

/// Where a metadata service issues its session tokens, and how.
pub(crate) struct SessionTokens {
    /// `PUT` here issues one.
    pub path: &'static str,
    /// The header that carries the token's lifetime in seconds.
    pub ttl_header: &'static str,
    /// The prefix of the tokens it issues.
    pub label: &'static str,
}

pub(crate) fn text(status: StatusCode, body: &str) -> Response {
    let mut response = Response::new(axum::body::Body::from(body.to_owned()));
    *response.status_mut() = status;
    response
}

/// Serves one request to a metadata service: counts it, answers an injected fault, issues
/// session tokens at `session.path`, and otherwise asks `answer` (`None`: 405).
pub(crate) fn serve(
    shared: &Shared,
    request: &Request<'_>,
    service: Service,
    session: Option<&SessionTokens>,
    answer: impl FnOnce(&mut Inner) -> Option<Response>,
) -> Response {
    let (method, path) = (request.method, request.uri.path());
    let mut inner = shared.lock();
    inner.stats.count_request(&format!("metadata {method} {path}"));
    if let Some(fault) = inner.creds.take_fault(service) {
        return text(fault_status(fault), "");
    }
    let answer = match session {
        Some(session) if method == Method::PUT && path == session.path => {
            Some(session_token(shared, &mut inner, request.headers, session))
        }
        _ => answer(&mut inner),
    };
    answer.unwrap_or_else(|| text(StatusCode::METHOD_NOT_ALLOWED, "method not allowed"))
}

fn session_token(shared: &Shared, inner: &mut Inner, headers: &HeaderMap, session: &SessionTokens) -> Response {
    let Some(ttl) =
        header_str(headers, session.ttl_header).and_then(|v| v.parse::<u64>().ok()).filter(|s| (1..=21600).contains(s))
    else {
        return text(StatusCode::BAD_REQUEST, "the token TTL header is missing or out of range (1-21600)");
    };
    let token = inner.creds.issue_token(shared.ids, session.label, Duration::from_secs(ttl));
    text(StatusCode::OK, &token)
}

/// `Some(false)` for a token that was sent and is unknown or expired.
pub(crate) fn token_ok(inner: &Inner, headers: &HeaderMap, header: &str) -> bool {
    header_str(headers, header).is_none_or(|token| inner.creds.token_valid(token) == Some(true))
}
