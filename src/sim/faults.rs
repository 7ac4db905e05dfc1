//! Fault injection over real HTTP: throttling, 5xx bursts, HTML pages, truncated, empty,
//! oversized and deeply nested bodies, slow, hanging and dripping answers, cross-host
//! redirects, and hostile error text (RELIABILITY.md §2).
//!
//! A fault fires for the requests its selector matches inside its window (see
//! [`FaultSpec`]). "Before" faults replace the answer and skip the endpoint's side effects (no
//! task is created); "after" faults reshape the real answer. The faults that answer with an
//! error (throttling, server errors, hostile text) answer in the cloud's own shape, from its
//! folder (`SimCloud::fault_answers`).

use std::future::Future;
use std::io;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::Response;
use futures::stream::{self, StreamExt};
use tokio::sync::watch;

use super::hostile;
use super::scenario::{EndpointSelector, FaultKind, FaultSpec};
use super::state::{Inner, Shared};
use crate::domain::ProviderKind;

/// What a request is, for fault selection.
#[derive(Clone, Copy, Debug)]
pub(crate) struct FaultContext<'a> {
    pub provider: ProviderKind,
    pub endpoint: EndpointSelector,
    pub task_id: Option<&'a str>,
}

/// Whether a fault replaces the answer or reshapes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stage {
    Before,
    After,
}

pub(crate) fn stage(kind: FaultKind) -> Stage {
    match kind {
        FaultKind::Truncated | FaultKind::Slow | FaultKind::Drip => Stage::After,
        _ => Stage::Before,
    }
}

/// Counts the request against every fault it matches and returns the first that fires.
pub(crate) fn select(shared: &Shared, inner: &mut Inner, ctx: &FaultContext<'_>, now: Instant) -> Option<FaultSpec> {
    let faults = &shared.scenario.faults;
    if inner.fault_counters.len() < faults.len() {
        inner.fault_counters.resize(faults.len(), 0);
    }
    let sim_time = shared.sim_elapsed(now);
    let mut fired = None;
    for (index, fault) in faults.iter().enumerate() {
        let provider_ok = fault.provider.is_none_or(|p| p == ctx.provider);
        let endpoint_ok = fault.endpoint == EndpointSelector::Any || fault.endpoint == ctx.endpoint;
        let task_ok = match inner.fault_tasks.get(index).and_then(Option::as_deref) {
            Some(wanted) => ctx.task_id == Some(wanted),
            None => true,
        };
        if !(provider_ok && endpoint_ok && task_ok) {
            continue;
        }
        let count = inner.fault_counters[index];
        inner.fault_counters[index] += 1;
        let in_count = count >= fault.from_request.unwrap_or(0) && count < fault.until_request.unwrap_or(u64::MAX);
        let in_time =
            sim_time >= fault.from_secs.unwrap_or(0.0) && sim_time < fault.until_secs.unwrap_or(f64::INFINITY);
        if fired.is_none() && in_count && in_time {
            fired = Some(fault.clone());
        }
    }
    if let Some(fault) = &fired {
        inner.stats.count_fault(fault.kind.as_str());
    }
    fired
}

/// Identity of the request a fault answers.
pub(crate) struct Answering<'a> {
    pub provider: ProviderKind,
    pub request_id: &'a str,
    pub host: &'a str,
    /// Path and query, for the redirect's `Location`.
    pub path_and_query: &'a str,
}

impl<'a> Answering<'a> {
    pub(crate) fn of(provider: ProviderKind, request_id: &'a str, host: &'a str, uri: &'a Uri) -> Answering<'a> {
        Answering { provider, request_id, host, path_and_query: uri.path_and_query().map_or("/", |pq| pq.as_str()) }
    }
}

/// A gateway API's answer under the fault that fired for it, if any: a "before" fault's answer
/// instead of `normal` (which then never runs, so no task is created), an "after" fault
/// reshaping it.
pub(crate) async fn respond(
    shared: &Shared,
    fault: Option<&FaultSpec>,
    request: &Answering<'_>,
    normal: impl Future<Output = Response>,
) -> Response {
    match fault {
        Some(fault) if stage(fault.kind) == Stage::Before => before(shared, fault, request).await,
        Some(fault) => after(shared, fault, normal.await).await,
        None => normal.await,
    }
}

pub(crate) fn status_or(fault: &FaultSpec, default: StatusCode) -> StatusCode {
    fault.status.and_then(|s| StatusCode::from_u16(s).ok()).unwrap_or(default)
}

fn with_body(status: StatusCode, content_type: &'static str, body: Body) -> Response {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// Waits until the simulator shuts down.
async fn until_shutdown(mut rx: watch::Receiver<bool>) {
    while !*rx.borrow() {
        if rx.changed().await.is_err() {
            return;
        }
    }
}

/// The answer of a "before" fault.
pub(crate) async fn before(shared: &Shared, fault: &FaultSpec, req: &Answering<'_>) -> Response {
    let cloud = &super::cloud(req.provider).fault_answers;
    match fault.kind {
        FaultKind::Throttle => {
            let throttled = &cloud.throttled;
            (cloud.error)(throttled.status, throttled.code, throttled.message, req, &[(throttled.retry_header)(fault)])
        }
        FaultKind::ServerError => {
            let (status, code, message) = (cloud.server_error)(fault);
            (cloud.error)(status, code, message, req, &[])
        }
        FaultKind::Html => {
            let status = status_or(fault, StatusCode::BAD_GATEWAY);
            let reason = status.canonical_reason().unwrap_or("Error");
            let page = format!(
                "<html>\r\n<head><title>{code} {reason}</title></head>\r\n<body>\r\n<center><h1>{code} {reason}</h1></center>\r\n\
                 <hr><center>Tengine</center>\r\n</body>\r\n</html>\r\n",
                code = status.as_u16()
            );
            with_body(status, "text/html", Body::from(page))
        }
        FaultKind::Empty => with_body(StatusCode::OK, "application/json;charset=utf-8", Body::empty()),
        FaultKind::Oversize => oversize(shared, fault.size_bytes.unwrap_or(50 << 20), req.request_id),
        FaultKind::DeepJson => {
            let depth = fault.depth.unwrap_or(10_000);
            let field = cloud.deep_json_field;
            let body = format!(
                "{{\"RequestId\":\"{}\",\"{field}\":{}{}}}",
                req.request_id,
                "[".repeat(depth),
                "]".repeat(depth)
            );
            with_body(StatusCode::OK, "application/json;charset=utf-8", Body::from(body))
        }
        FaultKind::Hang => {
            until_shutdown(shared.shutdown.clone()).await;
            with_body(StatusCode::SERVICE_UNAVAILABLE, "text/plain", Body::from("shutting down"))
        }
        FaultKind::Redirect => {
            let mut response = with_body(status_or(fault, StatusCode::FOUND), "text/html", Body::empty());
            let location = format!("{}{}", shared.redirect_base, req.path_and_query);
            if let Ok(value) = HeaderValue::try_from(location) {
                response.headers_mut().insert(header::LOCATION, value);
            }
            response
        }
        FaultKind::HostileError => {
            let text = hostile::sample(fault.hostile.as_deref().unwrap_or("all")).unwrap_or_default();
            let (status, code) = cloud.hostile_error;
            (cloud.error)(status, code, &text, req, &[])
        }
        FaultKind::Truncated | FaultKind::Slow | FaultKind::Drip => {
            with_body(StatusCode::INTERNAL_SERVER_ERROR, "text/plain", Body::from("misrouted fault"))
        }
    }
}

/// A JSON-looking body of `size` bytes, produced lazily; `size == 0` never ends.
fn oversize(shared: &Shared, size: u64, request_id: &str) -> Response {
    const CHUNK: usize = 64 * 1024;
    let prefix = format!("{{\"RequestId\":\"{request_id}\",\"Padding\":\"");
    let suffix = "\"}";
    let endless = size == 0;
    let overhead = (prefix.len() + suffix.len()) as u64;
    let padding = size.saturating_sub(overhead);
    let shutdown = shared.shutdown.clone();
    // State: padding bytes still to send, and whether the closing suffix went out.
    let body = stream::unfold((padding, false), move |(left, done)| {
        let shutdown = shutdown.clone();
        async move {
            if done || *shutdown.borrow() {
                return None;
            }
            if endless {
                return Some((Ok(Bytes::from(vec![b'x'; CHUNK])), (left, false)));
            }
            if left == 0 {
                return Some((Ok(Bytes::from_static(suffix.as_bytes())), (0, true)));
            }
            let n = left.min(CHUNK as u64);
            #[expect(clippy::cast_possible_truncation, reason = "n ≤ CHUNK")]
            Some((Ok(Bytes::from(vec![b'x'; n as usize])), (left - n, false)))
        }
    });
    let chunks = stream::once(async move { Ok::<Bytes, io::Error>(Bytes::from(prefix)) }).chain(body);
    let mut response = with_body(StatusCode::OK, "application/json;charset=utf-8", Body::from_stream(chunks));
    if !endless {
        response.headers_mut().insert(header::CONTENT_LENGTH, HeaderValue::from(size.max(overhead)));
    }
    response
}

/// Reshapes the real answer for an "after" fault.
pub(crate) async fn after(shared: &Shared, fault: &FaultSpec, normal: Response) -> Response {
    let (mut parts, body) = normal.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return with_body(StatusCode::INTERNAL_SERVER_ERROR, "text/plain", Body::from("body unavailable"));
    };
    let full_length = HeaderValue::from(bytes.len());
    let shutdown = shared.shutdown.clone();
    let body = match fault.kind {
        FaultKind::Slow => {
            let delay = Duration::from_millis(fault.delay_ms.unwrap_or(3000));
            tokio::select! {
                () = tokio::time::sleep(delay) => {}
                () = until_shutdown(shutdown.clone()) => {}
            }
            Body::from(bytes)
        }
        FaultKind::Truncated => {
            // A Content-Length that promises everything, half the bytes, then an aborted stream:
            // the connection closes mid-body.
            let half = bytes.slice(..bytes.len() / 2);
            // The pause lets the head and the first half go out before the connection is cut;
            // an immediate error would drop everything unsent.
            let cut = stream::once(async {
                tokio::time::sleep(Duration::from_millis(50)).await;
                Err(io::Error::other("truncated by the simulator"))
            });
            let chunks = stream::once(async { Ok(half) }).chain(cut);
            parts.headers.insert(header::CONTENT_LENGTH, full_length);
            Body::from_stream(chunks)
        }
        FaultKind::Drip => {
            let interval = Duration::from_millis(fault.interval_ms.unwrap_or(2000));
            parts.headers.insert(header::CONTENT_LENGTH, full_length);
            let drip = stream::unfold(0usize, move |at| {
                let bytes = bytes.clone();
                let mut stop = shutdown.clone();
                async move {
                    if at >= bytes.len() {
                        return None;
                    }
                    tokio::select! {
                        () = tokio::time::sleep(interval) => Some((Ok::<Bytes, io::Error>(bytes.slice(at..=at)), at + 1)),
                        () = async { let _ = stop.wait_for(|down| *down).await; } => {
                            Some((Err(io::Error::other("simulator shutting down")), usize::MAX))
                        }
                    }
                }
            });
            Body::from_stream(drip)
        }
        _ => Body::from(bytes),
    };
    Response::from_parts(parts, body)
}
