//! Helpers for the reliability and security tests (`tests/rel_*.rs`): a recording HTTP proxy
//! between oaswatch and the simulator, a "benign twin" mode of that proxy, and checks for
//! terminal-hostile bytes.
//!
//! The proxy is what lets a test see the wire from the server side without touching the
//! simulator: when each request arrived, which task it was for, the credential headers it
//! carried (to grep every output for them), and the status it got. In `Rewrite::Sanitize` mode
//! it passes every JSON string of the answers (including JSON nested inside strings, like
//! Huawei's `task_result`) through `sanitize::text`, so the dashboard shows a run against it
//! exactly as it must show the hostile original — the reference screen for layout checks.

#![allow(dead_code, reason = "each test file uses a different part of the harness")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "test harness: fail loudly")]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

/// What the proxy does to answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rewrite {
    /// Pass them through unchanged.
    None,
    /// Replace every JSON string by its sanitised form (recursively into JSON-in-a-string).
    Sanitize,
}

/// One request seen by the proxy.
#[derive(Clone, Debug)]
pub struct Seen {
    pub at: Instant,
    pub method: String,
    pub path_and_query: String,
    /// Every request header, lower-case names, values as text.
    pub headers: Vec<(String, String)>,
    /// The status the upstream answered (0 until it has, or if it never did).
    pub status: u16,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// Whether this request was for `task_id` (an Alibaba `OperationId` or a Huawei task id).
    pub fn is_for(&self, task_id: &str) -> bool {
        self.path_and_query.contains(task_id)
    }
}

struct ProxyState {
    upstream: String,
    rewrite: Rewrite,
    client: reqwest::Client,
    seen: Mutex<Vec<Seen>>,
}

/// A loopback HTTP proxy in front of `upstream` (the simulator's base URL).
pub struct Proxy {
    pub url: String,
    state: Arc<ProxyState>,
}

/// Headers that describe one hop's framing; the proxy recomputes them.
const HOP_HEADERS: [&str; 4] = ["content-length", "transfer-encoding", "connection", "keep-alive"];

/// Starts the proxy on 127.0.0.1:0.
pub async fn start_proxy(upstream: &str, rewrite: Rewrite) -> Proxy {
    let state = Arc::new(ProxyState {
        upstream: upstream.trim_end_matches('/').to_owned(),
        rewrite,
        // No redirects (a 302 passes through), no timeout (a hang stays a hang).
        client: reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap(),
        seen: Mutex::new(Vec::new()),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let app = Router::new().fallback(forward).with_state(Arc::clone(&state));
    tokio::spawn(async move { axum::serve(listener, app).await });
    Proxy { url, state }
}

impl Proxy {
    /// Every request so far, in arrival order.
    pub fn seen(&self) -> Vec<Seen> {
        self.state.seen.lock().unwrap().clone()
    }

    /// Requests for one task, in arrival order.
    pub fn seen_for(&self, task_id: &str) -> Vec<Seen> {
        self.seen().into_iter().filter(|s| s.is_for(task_id)).collect()
    }

    /// The values of every credential-bearing header the client sent: `Authorization` (and
    /// its signature alone), `X-Auth-Token`, `x-acs-security-token`, `X-Security-Token`.
    pub fn credential_values(&self) -> Vec<String> {
        let mut out = Vec::new();
        for seen in self.seen() {
            for name in ["authorization", "x-auth-token", "x-acs-security-token", "x-security-token"] {
                if let Some(value) = seen.header(name) {
                    out.push(value.to_owned());
                    if let Some((_, signature)) = value.rsplit_once("Signature=") {
                        out.push(signature.trim().to_owned());
                    }
                }
            }
        }
        out.sort();
        out.dedup();
        out
    }
}

async fn forward(
    State(state): State<Arc<ProxyState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path_and_query = uri.path_and_query().map_or_else(|| "/".to_owned(), ToString::to_string);
    let index = {
        let mut seen = state.seen.lock().unwrap();
        seen.push(Seen {
            at: Instant::now(),
            method: method.to_string(),
            path_and_query: path_and_query.clone(),
            headers: headers
                .iter()
                .map(|(n, v)| (n.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
                .collect(),
            status: 0,
        });
        seen.len() - 1
    };
    let mut request = state.client.request(method, format!("{}{path_and_query}", state.upstream));
    for (name, value) in &headers {
        // `host` is kept as sent: it is signed.
        if !HOP_HEADERS.contains(&name.as_str()) {
            request = request.header(name, value);
        }
    }
    let Ok(answer) = request.body(body).send().await else {
        return StatusCode::BAD_GATEWAY.into_response();
    };
    let status = answer.status();
    state.seen.lock().unwrap()[index].status = status.as_u16();
    let mut out_headers = HeaderMap::new();
    for (name, value) in answer.headers() {
        if !HOP_HEADERS.contains(&name.as_str()) {
            out_headers.append(HeaderName::from_bytes(name.as_ref()).unwrap(), value.clone());
        }
    }
    let Ok(bytes) = answer.bytes().await else {
        return StatusCode::BAD_GATEWAY.into_response();
    };
    let bytes = match state.rewrite {
        Rewrite::None => bytes.to_vec(),
        Rewrite::Sanitize => sanitize_body(&bytes),
    };
    (status, out_headers, bytes).into_response()
}

/// Every JSON string through `sanitize::text`, JSON nested in strings included; anything that is
/// not JSON is passed through.
pub fn sanitize_body(bytes: &[u8]) -> Vec<u8> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(value) => serde_json::to_vec(&sanitize_value(value)).unwrap(),
        Err(_) => bytes.to_vec(),
    }
}

fn sanitize_value(value: Value) -> Value {
    match value {
        Value::String(text) => {
            let trimmed = text.trim_start();
            if (trimmed.starts_with('{') || trimmed.starts_with('['))
                && let Ok(inner) = serde_json::from_str::<Value>(&text)
            {
                return Value::String(serde_json::to_string(&sanitize_value(inner)).unwrap());
            }
            Value::String(oaswatch::sanitize::text(&text).into_owned())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sanitize_value).collect()),
        Value::Object(map) => Value::Object(map.into_iter().map(|(k, v)| (k, sanitize_value(v))).collect()),
        other => other,
    }
}

/// Characters that must never reach a terminal from human output: the sanitiser's forbidden
/// set (controls except `\n`, bidi, zero-width, separators). `\t` is allowed for alignment.
pub fn terminal_hostile_chars(text: &str) -> Vec<(usize, char)> {
    text.char_indices()
        .filter(|(_, c)| *c != '\n' && *c != '\t' && !oaswatch::sanitize::is_clean(c.encode_utf8(&mut [0; 4])))
        .collect()
}

/// Escape sequences a server could use against a terminal, as raw bytes: OSC 0/1/2 (title),
/// OSC 8 (hyperlink), OSC 52 (clipboard), CSI erase/cursor-home, and the 8-bit C1 CSI/OSC/ST.
pub const ATTACK_SEQUENCES: [&[u8]; 10] = [
    b"\x1b]0;",
    b"\x1b]1;",
    b"\x1b]2;",
    b"\x1b]8;",
    b"\x1b]52;",
    b"\x1b[2J\x1b[H",
    b"\x1b[31mFAKE",
    "\u{9b}".as_bytes(),
    "\u{9d}".as_bytes(),
    "\u{9c}".as_bytes(),
];

/// Which attack sequences occur in `bytes`.
pub fn attacks_in(bytes: &[u8]) -> Vec<String> {
    ATTACK_SEQUENCES
        .iter()
        .filter(|needle| bytes.windows(needle.len()).any(|w| w == **needle))
        .map(|needle| String::from_utf8_lossy(needle).escape_debug().to_string())
        .collect()
}

/// Polls `check` every 50 ms until it holds or `patience` passes.
pub async fn eventually(patience: Duration, mut check: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + patience;
    while Instant::now() < deadline {
        if check() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    check()
}
