//! Fixtures shared by the benches: realistic subtasks, tasks, dashboards and provider bodies.
//!
//! Everything is deterministic (no RNG, no clock), so two runs measure the same work.

#![allow(dead_code, reason = "each bench uses a different part of the fixtures")]
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "bench fixtures: fail loudly")]

use std::fmt::Write as _;
use std::time::{Duration, SystemTime};

use oaswatch::app::{Action, App, AppOptions, Command};
use oaswatch::domain::{
    ApiError, ApiErrorRef, Subtask, SubtaskKind, SubtaskState, SubtaskText, Task, TaskKind, TaskRef, TaskState,
};
use oaswatch::poller::Polled;
use oaswatch::provider::{Clients, EndpointOverrides, HttpConfig};
use oaswatch::sim::SimHandle;

/// The terminal size every target is stated for.
pub const WIDTH: u16 = 200;
pub const HEIGHT: u16 = 60;

pub fn t0() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000)
}

pub fn aliyun_ref(id: &str) -> TaskRef {
    format!("aliyun://cn-hangzhou/{id}").parse().unwrap()
}

pub fn huawei_ref(id: &str) -> TaskRef {
    format!("huawei://cn-north-4/0123456789abcdef0123456789abcdef/eddc4d25480b4cd6b512f270a1b8b341/{id}")
        .parse()
        .unwrap()
}

/// Every fifth subtask fails; the error messages repeat a few causes, as real imports do.
pub fn state_of(i: usize) -> SubtaskState {
    match i % 10 {
        0 | 5 => SubtaskState::Failed,
        7 => SubtaskState::Running,
        _ => SubtaskState::Succeeded,
    }
}

const CAUSES: [&str; 4] = [
    "The API path conflicts with an existing API in the group",
    "Parameter 'X-Request-Id' is defined twice with different locations",
    "Backend address is not a valid URL",
    "Model schema references an undefined model",
];

/// One subtask as the Alibaba normaliser builds it from the simulator's huge scenario.
pub fn subtask(i: usize) -> Subtask {
    let state = state_of(i);
    let model = i % 12 == 11;
    Subtask::new(
        if model { SubtaskKind::Model } else { SubtaskKind::Api },
        state,
        SubtaskText {
            id: &format!("{:032x}", (i as u128).wrapping_mul(0x9e37_79b9_7f4a_7c15)),
            name: &if model { format!("Model{i}") } else { format!("operation{i:06}Using{}", ["GET", "POST"][i % 2]) },
            method: if model { "" } else { ["GET", "POST", "PUT", "DELETE"][i % 4] },
            path: &if model { String::new() } else { format!("/gen/v1/resources{}/{{id}}/items", i % 977) },
            raw_status: match state {
                SubtaskState::Failed => "FAIL",
                SubtaskState::Running => "RUNNING",
                _ => "OVER",
            },
            error: ((state == SubtaskState::Failed)
                .then(|| ApiError::new("", format!("{}\n", CAUSES[i % CAUSES.len()]))))
            .as_ref()
            .map(ApiErrorRef::from),
        },
    )
    .at_index(u32::try_from(i).unwrap())
}

pub fn task(task_ref: &TaskRef, n: usize, state: TaskState) -> Task {
    Task::new(task_ref.clone(), TaskKind::Import, state, "Finished").with_subtasks((0..n).map(subtask).collect())
}

/// A dashboard at 200x60 on one task of `n` subtasks, focus in the subtask table, two pages
/// down: among the failures (listed first) for every n ≥ 1,000, so frames at different n draw
/// the same kind of rows and differ only by n.
pub fn dashboard(n: usize) -> App {
    let r = aliyun_ref("bench");
    let mut app = App::new(vec![(r.clone(), Some(task(&r, n, TaskState::PartiallyFailed)))], AppOptions::default());
    app.update(Action::Resize { w: WIDTH, h: HEIGHT });
    app.update(Action::Tick(t0()));
    app.update(Action::Command(Command::Enter));
    for _ in 0..2 {
        app.update(Action::Command(Command::PageDown));
    }
    app
}

/// A dashboard with `tasks` finished tasks of `per_task` subtasks each.
pub fn many_tasks(tasks: usize, per_task: usize) -> App {
    let initial = (0..tasks)
        .map(|t| {
            let r = aliyun_ref(&format!("task{t:04}"));
            let task = task(&r, per_task, TaskState::PartiallyFailed);
            (r, Some(task))
        })
        .collect();
    let mut app = App::new(initial, AppOptions::default());
    app.update(Action::Resize { w: WIDTH, h: HEIGHT });
    app.update(Action::Tick(t0()));
    app
}

pub fn polled(task: Task, secs: u64) -> Polled {
    Polled {
        task_ref: task.task_ref.clone(),
        at: t0() + Duration::from_secs(secs),
        result: Ok(Box::new(task)),
        next_poll_in: Some(Duration::from_secs(5)),
        groups: None,
        share: None,
    }
}

/// A stack-trace-like error message of about `len` bytes with newlines, tabs and quotes that
/// JSON must escape.
fn trace(i: usize, len: usize) -> String {
    let mut s = format!("{}\n", CAUSES[i % CAUSES.len()]);
    let mut frame = 0;
    while s.len() < len {
        let _ = writeln!(s, "\tat com.aliyun.apigateway.importer.\"Stage{frame}\".run(Importer.java:{})", 100 + frame);
        frame += 1;
    }
    s
}

fn json_str(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

/// A `DescribeImportOASTask` answer with `n` API results: the fields the real API sends
/// (docs/protocols.md, "DescribeImportOASTask answer"), every fifth item failed with a 0.2–1.7 KB escaped trace, like the
/// performance note's 6.28 MB document. About 6 MB at n = 10,000.
pub fn aliyun_body(n: usize) -> String {
    let mut out = String::with_capacity(n * 640);
    out.push_str(r#"{"RequestId":"D4E7C1A2-0000-4C61-9E0F-BENCH","TaskStatus":"Running","ApiResults":{"ApiResult":["#);
    for i in 0..n {
        if i > 0 {
            out.push(',');
        }
        let state = state_of(i);
        let status = match state {
            SubtaskState::Failed => "FAIL",
            SubtaskState::Running => "RUNNING",
            _ => "OVER",
        };
        let error = if state == SubtaskState::Failed { trace(i, 200 + (i * 37) % 1500) } else { String::new() };
        let _ = write!(
            out,
            r#"{{"ApiId":"{:032x}","ApiName":"operation{i:06}Using{}","Method":"{}","Path":"/gen/v1/resources{}/{{id}}/items","GroupId":"5e1f0a2b3c4d5e6f708192a3b4c5d6e7","UpdateStatus":"{status}","ErrorMessage":{},"Description":{}}}"#,
            (i as u128).wrapping_mul(0x9e37_79b9_7f4a_7c15),
            ["GET", "POST"][i % 2],
            ["GET", "POST", "PUT", "DELETE"][i % 4],
            i % 977,
            json_str(&error),
            json_str(&format!(
                "Generated operation {i}: lists the items of a resource with paging, filtering and sorting; \
                 returns 200 with a page or 404 when the resource does not exist. 查询资源列表"
            )),
        );
    }
    out.push_str(r#"]},"ModelResults":{"ModelResult":[]}}"#);
    out
}

/// A Huawei async-task answer whose `task_result` string holds `n` items (20 % failures).
pub fn huawei_body(n: usize) -> String {
    let mut success = Vec::new();
    let mut failure = Vec::new();
    for i in 0..n {
        let method = ["GET", "POST", "PUT", "DELETE"][i % 4];
        let path = format!("/gen/v1/resources{}/{{id}}/items", i % 977);
        if state_of(i) == SubtaskState::Failed {
            failure.push(serde_json::json!({
                "method": method, "path": path, "error_code": "APIG.3301",
                "error_msg": trace(i, 200 + (i * 37) % 1500),
            }));
        } else {
            success.push(serde_json::json!({
                "id": format!("{:032x}", i), "method": method, "path": path, "action": "create",
            }));
        }
    }
    let result =
        serde_json::json!({"success": success, "failure": failure, "group_id": "9100ae30705947cc9543d37cd7fb388c"});
    serde_json::json!({
        "id": "bench", "task_type": "import_api", "task_status": "succeed",
        "task_result": result.to_string(),
    })
    .to_string()
}

/// Clients for the simulator, signed with its scenario's first keys (every cloud's credential
/// chain run over the environment the simulator hands out).
pub fn sim_clients(handle: &SimHandle) -> Clients {
    let base = reqwest::Url::parse(&handle.base_url()).unwrap();
    let env: std::collections::HashMap<&str, String> = handle.client_env().into_iter().collect();
    let discovery = oaswatch::provider::discover(&|name| env.get(name).cloned(), None);
    let mut overrides = EndpointOverrides::default();
    for provider in oaswatch::domain::ProviderKind::ALL {
        overrides.set(provider, base.clone());
    }
    Clients::build(&HttpConfig::default(), &overrides, discovery).unwrap().0
}

/// First argument of a bench binary run as the bare-HTTP reference
/// (`ARG URL RATE SECS [plain|polls|replay]`; for `replay`, URL is a file of signed requests).
pub const BARE_HTTP_CHILD: &str = "bare-http-child";

/// What the bare-HTTP reference sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BareShape {
    /// Plain GETs to one URL (whatever it answers).
    Plain,
    /// The same exchanges as polling the long-running benchmark tasks, half on each cloud, to a
    /// [`reference_server`]: the same request lines and the same request headers (names, order
    /// and value lengths; the values are constants, made once), and answers with the same
    /// response headers and body lengths as the simulator's. Measured with `strace` against the
    /// simulator (2026-12-07): an Alibaba `DescribeImportOASTask` of 24 subtasks is
    /// `POST /?OperationId=<32 hex>` with eleven headers (743 bytes with its request line) and a
    /// 4,860-byte answer; a running Huawei task is `GET /v2/<project>/apigw/instances/<instance>/
    /// async-tasks/<task>` with seven headers (470 bytes) and a 115-byte answer. Each answer has
    /// four headers (content type, request id, length, date).
    Polls,
    /// The polls themselves: the URL argument names a file of signed poll requests
    /// ([`write_signed_polls`]), sent in turn to the simulator that answers them. The same bytes
    /// as `oaswatch wait` sends, answered by the same kind of server with the same answers;
    /// signed once up front (the simulator is told not to refuse a nonce seen before), so the
    /// client only sends and reads.
    Replay,
}

/// Runs [`bare_http_child`] when the process was started as one; whether it was.
pub fn run_as_bare_http_child(args: &[String]) -> bool {
    let (mode, url, rate, secs, shape) = match args {
        [_, mode, url, rate, secs] => (mode, url, rate, secs, BareShape::Plain),
        [_, mode, url, rate, secs, shape] if shape == "plain" => (mode, url, rate, secs, BareShape::Plain),
        [_, mode, url, rate, secs, shape] if shape == "polls" => (mode, url, rate, secs, BareShape::Polls),
        [_, mode, url, rate, secs, shape] if shape == "replay" => (mode, url, rate, secs, BareShape::Replay),
        _ => return false,
    };
    if mode != BARE_HTTP_CHILD {
        return false;
    }
    bare_http_child(url, rate.parse().unwrap(), Duration::from_secs(secs.parse().unwrap()), shape);
    true
}

/// The bare-HTTP reference: `rate` requests a second, each spawned on the runtime `wait` uses and
/// sent through a client built by oaswatch's own builder, for `run`. What one request costs on
/// this machine with this stack, before anything oaswatch does with it (signing, parsing,
/// scheduling).
pub fn bare_http_child(url: &str, rate: f64, run: Duration, shape: BareShape) {
    let rt = oaswatch::cli::script_runtime().map_err(|f| f.message).unwrap();
    rt.block_on(async {
        let client = oaswatch::provider::build_client(&oaswatch::provider::HttpConfig::default()).unwrap();
        let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate));
        // Everything a request reuses is made once, so the reference pays only for the request.
        let exchanges = match shape {
            BareShape::Plain => {
                vec![(reqwest::Method::GET, reqwest::Url::parse(url).unwrap(), reqwest::header::HeaderMap::new())]
            }
            BareShape::Polls => {
                let base = reqwest::Url::parse(url).unwrap();
                vec![polls_exchange(&base, PollCloud::Aliyun), polls_exchange(&base, PollCloud::Huawei)]
            }
            BareShape::Replay => read_signed_polls(std::path::Path::new(url)),
        };
        let started = std::time::Instant::now();
        let mut sent = 0usize;
        while started.elapsed() < run {
            tick.tick().await;
            let (method, url, headers) = &exchanges[sent % exchanges.len()];
            sent += 1;
            let request = client.request(method.clone(), url.clone()).headers(headers.clone());
            tokio::spawn(async move {
                if let Ok(response) = request.send().await {
                    let _ = response.bytes().await;
                }
            });
        }
    });
}

/// One request as the reference sends it again and again: method, URL, headers in order.
type Exchange = (reqwest::Method, reqwest::Url, reqwest::header::HeaderMap);

/// Writes, one JSON line each, the poll request oaswatch's own clients sign now for every task
/// of the simulator (for [`BareShape::Replay`]). Only the simulator's made-up keys sign them.
pub async fn write_signed_polls(handle: &SimHandle, path: &std::path::Path) {
    let clients = sim_clients(handle);
    let mut lines = String::new();
    for task_ref in handle.task_refs() {
        let request = clients.for_task(&task_ref).unwrap().poll_request(&task_ref).await.unwrap();
        let headers: Vec<(&str, &str)> =
            request.headers().iter().map(|(name, value)| (name.as_str(), value.to_str().unwrap())).collect();
        let line = serde_json::json!({
            "method": request.method().as_str(),
            "url": request.url().as_str(),
            "headers": headers,
        });
        lines.push_str(&line.to_string());
        lines.push('\n');
    }
    std::fs::write(path, lines).unwrap();
}

fn read_signed_polls(path: &std::path::Path) -> Vec<Exchange> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).unwrap();
            let mut headers = reqwest::header::HeaderMap::new();
            for pair in value["headers"].as_array().unwrap() {
                let name = reqwest::header::HeaderName::from_bytes(pair[0].as_str().unwrap().as_bytes()).unwrap();
                headers.append(name, pair[1].as_str().unwrap().parse().unwrap());
            }
            let method = reqwest::Method::from_bytes(value["method"].as_str().unwrap().as_bytes()).unwrap();
            (method, reqwest::Url::parse(value["url"].as_str().unwrap()).unwrap(), headers)
        })
        .collect()
}

#[derive(Clone, Copy)]
enum PollCloud {
    Aliyun,
    Huawei,
}

/// One poll's request as oaswatch sends it (see [`BareShape::Polls`]): method, URL and headers
/// in oaswatch's order, each value as long as the signed one; the client adds `user-agent`.
fn polls_exchange(
    base: &reqwest::Url,
    cloud: PollCloud,
) -> (reqwest::Method, reqwest::Url, reqwest::header::HeaderMap) {
    let hex = |n: usize| "0123456789abcdef".repeat(n.div_ceil(16))[..n].to_owned();
    let host = format!("{}:{}", base.host_str().unwrap(), base.port_or_known_default().unwrap());
    let (method, path, headers): (_, String, Vec<(&str, String)>) = match cloud {
        PollCloud::Aliyun => (
            reqwest::Method::POST,
            format!("/?OperationId={}", hex(32)),
            vec![
                ("host", host),
                ("x-acs-action", "DescribeImportOASTask".into()),
                ("x-acs-version", "2016-07-14".into()),
                ("x-acs-date", "2026-12-07T17:47:12Z".into()),
                ("x-acs-signature-nonce", hex(32)),
                ("x-acs-content-sha256", hex(64)),
                ("accept", "application/json".into()),
                ("x-acs-credentials-provider", "default/env".into()),
                ("accept-encoding", "identity".into()),
                (
                    "authorization",
                    format!(
                        "ACS3-HMAC-SHA256 Credential=LTAI5tSimulatorKey0000001,SignedHeaders=host;x-acs-action;\
                         x-acs-content-sha256;x-acs-credentials-provider;x-acs-date;x-acs-signature-nonce;\
                         x-acs-version,Signature={}",
                        hex(64)
                    ),
                ),
                ("content-length", "0".into()),
            ],
        ),
        PollCloud::Huawei => (
            reqwest::Method::GET,
            format!("/v2/{}/apigw/instances/{}/async-tasks/{}", hex(32), hex(32), hex(32)),
            vec![
                ("x-project-id", hex(32)),
                ("host", host),
                ("x-sdk-date", "20261207T174712Z".into()),
                (
                    "authorization",
                    format!(
                        "SDK-HMAC-SHA256 Access=SIMULATORAKNOTREAL001, SignedHeaders=host;x-project-id;x-sdk-date, \
                         Signature={}",
                        hex(64)
                    ),
                ),
                ("accept", "*/*".into()),
            ],
        ),
    };
    let mut map = reqwest::header::HeaderMap::new();
    for (name, value) in headers {
        map.append(reqwest::header::HeaderName::from_static(name), value.parse().unwrap());
    }
    (method, base.join(&path).unwrap(), map)
}

/// A loopback HTTP/1.1 server for the bare-HTTP reference: answers each request as the simulator
/// answers a poll (see [`BareShape::Polls`]), on keep-alive connections; nothing else. Its cost
/// is not measured (only the client's is). Gives its base URL and the count of requests answered.
pub async fn reference_server() -> (String, std::sync::Arc<std::sync::atomic::AtomicU64>) {
    use std::sync::atomic::{AtomicU64, Ordering};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let answered = std::sync::Arc::new(AtomicU64::new(0));
    let counter = std::sync::Arc::clone(&answered);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let counter = std::sync::Arc::clone(&counter);
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                loop {
                    let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
                        match socket.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                        continue;
                    };
                    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
                    buf.drain(..end + 4);
                    // The simulator's answers to the polls: a long Alibaba one to each POST, a
                    // short Huawei one to each GET, with its four headers.
                    let (n, id_header, id) = if head.starts_with("POST") {
                        (4860, "x-acs-request-id", "696B766D-5546-E809-AB33-E0E24B2581D2")
                    } else {
                        (115, "x-request-id", "9f9dfb56e030fac9bfaae643e68350ed")
                    };
                    let mut answer = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json;charset=utf-8\r\n{id_header}: {id}\r\n\
                         content-length: {n}\r\ndate: Mon, 07 Dec 2026 17:47:12 GMT\r\n\r\n"
                    )
                    .into_bytes();
                    answer.resize(answer.len() + n, b'x');
                    if socket.write_all(&answer).await.is_err() {
                        return;
                    }
                    counter.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
    });
    (format!("http://{addr}"), answered)
}
