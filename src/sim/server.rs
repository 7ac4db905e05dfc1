//! The listeners: the main one serving every registered cloud (each cloud says which requests
//! are its own: its credential services first, then its gateway API; `SimCloud` in `cloud.rs`),
//! and the redirect target, a second listener on another loopback address that only counts
//! what reaches it (RELIABILITY.md §2).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::serve::ListenerExt;
use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::cloud::Request as CloudRequest;
use super::http::json_response;
use super::state::Shared;

/// Largest request body read (a 10,000-operation spec is a few MiB).
const MAX_BODY: usize = 64 << 20;

/// Headers that carry a credential; none may reach another host.
const CREDENTIAL_HEADERS: &[&str] =
    &["authorization", "x-auth-token", "x-acs-security-token", "x-security-token", "x-acs-accesskey-id"];

async fn until_shutdown(mut rx: watch::Receiver<bool>) {
    let _ = rx.wait_for(|down| *down).await;
}

/// Serves every registered cloud until shutdown.
pub(crate) fn spawn_main(shared: Arc<Shared>, listener: TcpListener) -> JoinHandle<()> {
    let connections = Arc::clone(&shared.connections);
    let shutdown = shared.shutdown.clone();
    let app = Router::new().fallback(dispatch).with_state(shared);
    let listener = listener.tap_io(move |_| {
        connections.fetch_add(1, Ordering::Relaxed);
    });
    tokio::spawn(async move {
        let serve = axum::serve(listener, app).with_graceful_shutdown(until_shutdown(shutdown));
        if let Err(err) = serve.await {
            tracing::warn!(%err, "simulator listener stopped");
        }
    })
}

async fn dispatch(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY).await else {
        let mut response = Response::new(Body::from("request body too large"));
        *response.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
        return response;
    };
    let request = CloudRequest { method: &parts.method, uri: &parts.uri, headers: &parts.headers, body: &bytes };
    // Credential services first: one may share a path with a gateway API (Alibaba STS at `/`).
    if let Some(cloud) = super::CLOUDS.iter().find(|cloud| (cloud.serves_credentials)(&request)) {
        return (cloud.handle_credentials)(&shared, &request);
    }
    let path = parts.uri.path();
    if let Some(cloud) = super::CLOUDS.iter().find(|cloud| (cloud.serves_api)(path)) {
        return (cloud.handle_api)(&shared, request).await;
    }
    shared.lock().stats.count_request("unknown path");
    json_response(StatusCode::NOT_FOUND, &json!({ "error": "not found", "path": path }), &[])
}

/// Binds the redirect target: `127.0.0.2` when serving on IPv4 loopback (another host as far
/// as a client's redirect policy is concerned), else the same address on another port.
pub(crate) async fn bind_redirect_target(main: IpAddr) -> std::io::Result<TcpListener> {
    if main.is_loopback() && main.is_ipv4() {
        let other = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2)), 0);
        if let Ok(listener) = TcpListener::bind(other).await {
            return Ok(listener);
        }
    }
    TcpListener::bind(SocketAddr::new(main, 0)).await
}

pub(crate) fn spawn_redirect_target(shared: Arc<Shared>, listener: TcpListener) -> JoinHandle<()> {
    let shutdown = shared.shutdown.clone();
    let app = Router::new().fallback(redirected).with_state(shared);
    tokio::spawn(async move {
        let serve = axum::serve(listener, app).with_graceful_shutdown(until_shutdown(shutdown));
        if let Err(err) = serve.await {
            tracing::warn!(%err, "redirect target stopped");
        }
    })
}

async fn redirected(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let carried = CREDENTIAL_HEADERS.iter().any(|name| request.headers().contains_key(*name));
    {
        let mut inner = shared.lock();
        inner.stats.redirect_target_requests += 1;
        if carried {
            inner.stats.redirect_target_credential_headers += 1;
        }
    }
    json_response(StatusCode::OK, &json!({ "note": "redirect target of the oaswatch simulator" }), &[])
}
