//! The real clients against small misbehaving servers on 127.0.0.1:0: status codes, odd bodies,
//! timeouts, caps, throttling, redirects, and the official example bodies end to end.

#![expect(clippy::unwrap_used, reason = "test servers and helpers should fail loudly")]

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use oaswatch::credentials::{CredentialSource, SecretString};
use oaswatch::domain::{
    ApiError, ApiErrorRef, ChangeAction, FetchError, FetchErrorKind, SubtaskState, Task, TaskKind, TaskRef, TaskState,
};
use oaswatch::provider::aliyun::AliyunClient;
use oaswatch::provider::aliyun::AliyunCredentials;
use oaswatch::provider::huawei::HuaweiClient;
use oaswatch::provider::huawei::HuaweiCredentials;
use oaswatch::provider::{Fetch, HttpConfig, build_client, validate_endpoint};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const ALIYUN_REF: &str = "aliyun://cn-hangzhou/4c53ccf1d40c489686d1adf5c2644a7f";
const HUAWEI_REF: &str = "huawei://cn-north-4/0123456789abcdef0123456789abcdef/eddc4d25480b4cd6b512f270a1b8b341/d9ce8c9eede54b3f841ec324fe0bfdc2";

/// What a fault server does with each request.
#[derive(Clone)]
enum Reply {
    /// Write these bytes, then close.
    Bytes(Vec<u8>),
    /// Read the request and never answer.
    Hang,
    /// Send `head`, then one byte every `every`, for ever.
    Drip { head: Vec<u8>, every: Duration },
    /// Send `head`, then chunked data without end.
    Endless { head: Vec<u8> },
}

struct Server {
    addr: SocketAddr,
    hits: Arc<AtomicUsize>,
}

impl Server {
    async fn start(reply: Reply) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let hits = Arc::new(AtomicUsize::new(0));
        let counter = hits.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let reply = reply.clone();
                let counter = counter.clone();
                tokio::spawn(async move { serve(stream, reply, counter).await });
            }
        });
        Server { addr, hits }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

async fn serve(mut stream: TcpStream, reply: Reply, hits: Arc<AtomicUsize>) {
    let mut request = Vec::new();
    let mut buf = [0u8; 4096];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => request.extend_from_slice(&buf[..n]),
        }
    }
    hits.fetch_add(1, Ordering::SeqCst);
    match reply {
        Reply::Bytes(bytes) => {
            let _ = stream.write_all(&bytes).await;
            let _ = stream.shutdown().await;
        }
        Reply::Hang => {
            tokio::time::sleep(Duration::from_secs(30)).await;
        }
        Reply::Drip { head, every } => {
            let _ = stream.write_all(&head).await;
            // Bounded: the client gives up long before this ends.
            for _ in 0..60 {
                if stream.write_all(b" ").await.is_err() {
                    return;
                }
                tokio::time::sleep(every).await;
            }
        }
        Reply::Endless { head } => {
            let _ = stream.write_all(&head).await;
            let chunk = format!("{:x}\r\n{}\r\n", 64 * 1024, "x".repeat(64 * 1024));
            // Bounded at 64 MiB so a broken client cannot make this test run for ever.
            for _ in 0..1024 {
                if stream.write_all(chunk.as_bytes()).await.is_err() {
                    return;
                }
            }
        }
    }
}

fn response(status: &str, headers: &[(&str, &str)], body: &str) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n", body.len());
    for (name, value) in headers {
        let _ = write!(out, "{name}: {value}\r\n");
    }
    out.push_str("\r\n");
    out.push_str(body);
    out.into_bytes()
}

fn json(status: &str, body: &str) -> Vec<u8> {
    response(status, &[("content-type", "application/json")], body)
}

fn quick_config() -> HttpConfig {
    HttpConfig {
        connect_timeout: Duration::from_secs(2),
        read_timeout: Duration::from_secs(2),
        total_timeout: Duration::from_secs(5),
        body_cap: 1024 * 1024,
    }
}

fn aliyun_creds() -> AliyunCredentials {
    AliyunCredentials {
        access_key_id: "LTAI-test".into(),
        access_key_secret: SecretString::from("aliyun-secret-value"),
        security_token: None,
        source: CredentialSource::Env { variable: "ALIBABA_CLOUD_ACCESS_KEY_ID" },
    }
}

fn aliyun_at(server: &Server, config: &HttpConfig) -> AliyunClient {
    let endpoint = validate_endpoint(&server.url()).unwrap();
    AliyunClient::new(build_client(config).unwrap(), Some(endpoint), aliyun_creds()).with_body_cap(config.body_cap)
}

fn huawei_at(server: &Server, config: &HttpConfig) -> HuaweiClient {
    let endpoint = validate_endpoint(&server.url()).unwrap();
    let creds = HuaweiCredentials::AkSk {
        access_key: "HW-AK".into(),
        secret_key: SecretString::from("huawei-secret-value"),
        security_token: None,
        source: CredentialSource::Env { variable: "HUAWEICLOUD_SDK_AK" },
    };
    HuaweiClient::new(build_client(config).unwrap(), Some(endpoint), creds).with_body_cap(config.body_cap)
}

async fn fetch_aliyun(reply: Reply, config: &HttpConfig) -> Result<Task, FetchError> {
    let server = Server::start(reply).await;
    aliyun_at(&server, config).fetch(&ALIYUN_REF.parse().unwrap()).await
}

async fn fetch_huawei(reply: Reply, config: &HttpConfig) -> Result<Task, FetchError> {
    let task_ref = match &reply {
        Reply::Bytes(bytes) => ref_answered_in(bytes),
        _ => HUAWEI_REF.parse().unwrap(),
    };
    let server = Server::start(reply).await;
    huawei_at(&server, config).fetch(&task_ref).await
}

/// The reference a canned answer is about: the official examples answer for different tasks,
/// and an answer about another task than the one asked for is refused.
fn ref_answered_in(response: &[u8]) -> TaskRef {
    let text = String::from_utf8_lossy(response);
    let body = text.split_once("\r\n\r\n").map_or("", |(_, body)| body);
    let id =
        serde_json::from_str::<serde_json::Value>(body).ok().and_then(|v| v["task_id"].as_str().map(str::to_owned));
    match id {
        Some(id) => HUAWEI_REF.rsplit_once('/').map(|(head, _)| format!("{head}/{id}")).unwrap().parse().unwrap(),
        None => HUAWEI_REF.parse().unwrap(),
    }
}

fn assert_no_secret(error: &FetchError) {
    let text = format!("{error} {error:?}");
    assert!(!text.contains("secret-value"), "{text}");
    assert!(!text.contains("127.0.0.1"), "no URL in messages: {text}");
}

#[tokio::test]
async fn http_500_is_a_server_error_with_the_provider_code() {
    let body = r#"{"RequestId":"R","Code":"InternalError","Message":"The request processing has failed due to some unknown error."}"#;
    let e = fetch_aliyun(Reply::Bytes(json("500 Internal Server Error", body)), &quick_config()).await.unwrap_err();
    assert_eq!((e.kind, e.code.as_str()), (FetchErrorKind::Server, "InternalError"));
    let body = include_str!("../fixtures/huawei/error_500_apig_9999.json");
    let e = fetch_huawei(Reply::Bytes(json("500 Internal Server Error", body)), &quick_config()).await.unwrap_err();
    assert_eq!((e.kind, e.code.as_str(), e.message.as_str()), (FetchErrorKind::Server, "APIG.9999", "System error"));
    assert_no_secret(&e);
}

#[tokio::test]
async fn http_503_with_an_html_page_is_a_server_error_without_the_html() {
    let html = format!("<html><head><title>503</title></head><body>{}</body></html>", "busy ".repeat(250));
    let reply = Reply::Bytes(response("503 Service Unavailable", &[("content-type", "text/html")], &html));
    let e = fetch_aliyun(reply.clone(), &quick_config()).await.unwrap_err();
    assert_eq!((e.kind, e.code.as_str()), (FetchErrorKind::Server, "http.503"));
    assert_eq!(e.message, "non-JSON response (text/html, 1.3 KB) with HTTP 503 Service Unavailable");
    let e = fetch_huawei(reply, &quick_config()).await.unwrap_err();
    assert_eq!(e.kind, FetchErrorKind::Server);
    assert!(!e.message.contains("busy"));
}

#[tokio::test]
async fn a_truncated_body_is_a_network_error() {
    let mut bytes = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n".to_vec();
    bytes.extend_from_slice(&include_bytes!("../fixtures/aliyun/describe_official.json")[..500]);
    let e = fetch_aliyun(Reply::Bytes(bytes.clone()), &quick_config()).await.unwrap_err();
    assert_eq!((e.kind, e.code.as_str()), (FetchErrorKind::Network, "truncated"));
    assert!(e.message.contains("after 500 of 1000 bytes"), "{}", e.message);
    let e = fetch_huawei(Reply::Bytes(bytes), &quick_config()).await.unwrap_err();
    assert_eq!(e.kind, FetchErrorKind::Network);
}

#[tokio::test]
async fn an_empty_200_is_a_protocol_error() {
    let e = fetch_aliyun(Reply::Bytes(json("200 OK", "")), &quick_config()).await.unwrap_err();
    assert_eq!((e.kind, e.code.as_str()), (FetchErrorKind::Protocol, "http.200"));
    assert_eq!(e.message, "empty response (HTTP 200 OK)");
    let e = fetch_huawei(Reply::Bytes(json("200 OK", "")), &quick_config()).await.unwrap_err();
    assert_eq!(e.message, "empty response (HTTP 200 OK)");
}

#[tokio::test]
async fn a_body_over_the_cap_is_refused_announced_or_streamed() {
    let config = HttpConfig { body_cap: 4096, ..quick_config() };
    let big = format!("{{\"TaskStatus\":\"Running\",\"Pad\":\"{}\"}}", "x".repeat(10_000));
    let e = fetch_aliyun(Reply::Bytes(json("200 OK", &big)), &config).await.unwrap_err();
    assert_eq!((e.kind, e.code.as_str()), (FetchErrorKind::Protocol, "body_too_large"));
    assert_eq!(e.message, "response larger than 4096 bytes");

    let head = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n".to_vec();
    let config = HttpConfig { body_cap: 1024 * 1024, ..quick_config() };
    let e = fetch_huawei(Reply::Endless { head }, &config).await.unwrap_err();
    assert_eq!(e.code, "body_too_large");
    assert_eq!(e.message, "response larger than 1 MiB");
}

#[tokio::test]
async fn json_nested_ten_thousand_deep_is_an_error_not_a_crash() {
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let e = fetch_aliyun(Reply::Bytes(json("200 OK", &deep)), &quick_config()).await.unwrap_err();
    assert_eq!(e.kind, FetchErrorKind::Protocol);
    let deep_object = format!("{}{}", "{\"a\":".repeat(10_000), "}".repeat(10_000));
    let e = fetch_huawei(Reply::Bytes(json("200 OK", &deep_object)), &quick_config()).await.unwrap_err();
    assert_eq!(e.kind, FetchErrorKind::Protocol);
}

#[tokio::test]
async fn a_server_that_never_answers_hits_the_read_timeout() {
    let config = HttpConfig { read_timeout: Duration::from_millis(300), ..quick_config() };
    let e = fetch_aliyun(Reply::Hang, &config).await.unwrap_err();
    assert_eq!((e.kind, e.code.as_str()), (FetchErrorKind::Network, "timeout"));
    assert!(e.kind.is_retryable());
    assert_no_secret(&e);
}

#[tokio::test]
async fn a_dripping_server_hits_the_total_timeout() {
    // A byte every 300 ms keeps the read timeout (1 s) happy; only the total deadline stops it.
    let config = HttpConfig {
        read_timeout: Duration::from_secs(1),
        total_timeout: Duration::from_millis(1500),
        ..quick_config()
    };
    let head = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n".to_vec();
    let e = fetch_huawei(Reply::Drip { head, every: Duration::from_millis(300) }, &config).await.unwrap_err();
    assert_eq!((e.kind, e.code.as_str()), (FetchErrorKind::Network, "timeout"));
}

#[tokio::test]
async fn a_refused_connection_is_a_network_error() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let endpoint = validate_endpoint(&format!("http://{addr}")).unwrap();
    let client = AliyunClient::new(build_client(&quick_config()).unwrap(), Some(endpoint), aliyun_creds());
    let e = client.fetch(&ALIYUN_REF.parse().unwrap()).await.unwrap_err();
    assert_eq!((e.kind, e.code.as_str()), (FetchErrorKind::Network, "connect"));
    assert_no_secret(&e);
}

#[tokio::test]
async fn alibaba_throttling_is_http_400_with_time_left() {
    let reply = Reply::Bytes(response(
        "400 Bad Request",
        &[("content-type", "application/json"), ("x-ratelimit-user-api", "TimeLeft:7000")],
        include_str!("../fixtures/aliyun/error_throttling_user.json"),
    ));
    let e = fetch_aliyun(reply, &quick_config()).await.unwrap_err();
    assert_eq!((e.kind, e.code.as_str()), (FetchErrorKind::Throttled, "Throttling.User"));
    assert_eq!(e.retry_after, Some(Duration::from_secs(7)));
}

#[tokio::test]
async fn huawei_throttling_is_429_with_retry_after() {
    let reply = Reply::Bytes(response(
        "429 Too Many Requests",
        &[("content-type", "application/json"), ("retry-after", "7")],
        include_str!("../fixtures/huawei/error_429_apig_0308.json"),
    ));
    let e = fetch_huawei(reply, &quick_config()).await.unwrap_err();
    assert_eq!((e.kind, e.code.as_str()), (FetchErrorKind::Throttled, "APIG.0308"));
    assert_eq!(e.retry_after, Some(Duration::from_secs(7)));
}

#[tokio::test]
async fn a_redirect_is_never_followed() {
    let target =
        Server::start(Reply::Bytes(json("200 OK", include_str!("../fixtures/huawei/task_waiting.json")))).await;
    let location = format!("{}/stolen", target.url());
    let redirect = Reply::Bytes(response("302 Found", &[("location", &location)], ""));
    let e = fetch_huawei(redirect.clone(), &quick_config()).await.unwrap_err();
    assert_eq!((e.kind, e.code.as_str()), (FetchErrorKind::Protocol, "http.302"));
    assert!(e.message.contains("redirects are not followed"), "{}", e.message);
    let e = fetch_aliyun(redirect, &quick_config()).await.unwrap_err();
    assert_eq!(e.code, "http.302");
    // Give a wrongly followed redirect time to land before counting.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(target.hits(), 0, "the redirect target must receive no request");
}

#[tokio::test]
async fn huawei_404_unknown_task_is_not_found() {
    let reply = Reply::Bytes(json("404 Not Found", include_str!("../fixtures/huawei/error_404_apig_3093.json")));
    let e = fetch_huawei(reply, &quick_config()).await.unwrap_err();
    assert_eq!((e.kind, e.code.as_str()), (FetchErrorKind::NotFound, "APIG.3093"));
    assert!(!e.kind.is_retryable());
    let reply = Reply::Bytes(json("404 Not Found", include_str!("../fixtures/aliyun/error_operation_not_found.json")));
    let e = fetch_aliyun(reply, &quick_config()).await.unwrap_err();
    assert_eq!((e.kind, e.code.as_str()), (FetchErrorKind::NotFound, "NotFound.OperationId"));
}

#[tokio::test]
async fn auth_errors_name_the_credential_source_not_the_secret() {
    let reply = Reply::Bytes(json("403 Forbidden", include_str!("../fixtures/aliyun/error_signature.json")));
    let e = fetch_aliyun(reply, &quick_config()).await.unwrap_err();
    assert_eq!((e.kind, e.code.as_str()), (FetchErrorKind::Auth, "SignatureDoesNotMatch"));
    assert!(e.message.ends_with("(credentials from env ALIBABA_CLOUD_ACCESS_KEY_ID)"), "{}", e.message);
    assert_no_secret(&e);
    let reply = Reply::Bytes(json("401 Unauthorized", include_str!("../fixtures/huawei/error_401_apig_1002.json")));
    let e = fetch_huawei(reply, &quick_config()).await.unwrap_err();
    assert_eq!((e.kind, e.code.as_str()), (FetchErrorKind::Auth, "APIG.1002"));
    assert_no_secret(&e);
}

#[tokio::test]
async fn the_official_alibaba_example_becomes_a_task() {
    let body = include_str!("../fixtures/aliyun/describe_official.json");
    let task = fetch_aliyun(Reply::Bytes(json("200 OK", body)), &quick_config()).await.unwrap();
    let expected_ref: TaskRef = ALIYUN_REF.parse().unwrap();
    assert_eq!(task.task_ref, expected_ref);
    assert_eq!((task.kind, task.state, task.raw_status.as_str()), (TaskKind::Import, TaskState::Failed, "Finished"));
    assert_eq!((task.counts.waiting, task.counts.failed), (1, 1));
    assert_eq!(
        task.subtasks[1].error().as_ref().map(ApiErrorRef::to_api_error),
        Some(ApiError::new("", "Internal Error\n"))
    );
    assert_eq!(task.raw_body.as_deref(), Some(body));
}

#[tokio::test]
async fn the_official_huawei_examples_become_tasks() {
    let cases: [(&str, TaskKind, TaskState); 5] = [
        (include_str!("../fixtures/huawei/task_import_succeed.json"), TaskKind::Import, TaskState::Succeeded),
        (include_str!("../fixtures/huawei/task_export_succeed.json"), TaskKind::Export, TaskState::Succeeded),
        (include_str!("../fixtures/huawei/task_import_failed.json"), TaskKind::Import, TaskState::Failed),
        (include_str!("../fixtures/huawei/task_processing.json"), TaskKind::Import, TaskState::Running),
        (include_str!("../fixtures/huawei/task_waiting.json"), TaskKind::Import, TaskState::Waiting),
    ];
    for (body, kind, state) in cases {
        let task = fetch_huawei(Reply::Bytes(json("200 OK", body)), &quick_config()).await.unwrap();
        assert_eq!((task.kind, task.state), (kind, state), "{body}");
    }
    let task = fetch_huawei(
        Reply::Bytes(json("200 OK", include_str!("../fixtures/huawei/task_import_succeed.json"))),
        &quick_config(),
    )
    .await
    .unwrap();
    assert_eq!(task.subtasks[0].action, Some(ChangeAction::Create));
    assert_eq!(task.subtasks[0].state, SubtaskState::Succeeded);
    let export = fetch_huawei(
        Reply::Bytes(json("200 OK", include_str!("../fixtures/huawei/task_export_succeed.json"))),
        &quick_config(),
    )
    .await
    .unwrap()
    .export
    .unwrap();
    assert_eq!(export.file_type, ".json");
    let failed = fetch_huawei(
        Reply::Bytes(json("200 OK", include_str!("../fixtures/huawei/task_import_failed.json"))),
        &quick_config(),
    )
    .await
    .unwrap();
    assert_eq!(failed.error.unwrap().code, "APIG.3201");
}

#[tokio::test]
async fn one_client_reuses_its_connection() {
    // Keep-alive: three polls, one TCP connection.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let connections = Arc::new(AtomicUsize::new(0));
    let counter = connections.clone();
    let body = include_str!("../fixtures/huawei/task_waiting.json");
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut buf = [0u8; 8192];
                for _ in 0..10 {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(_) => {}
                    }
                    let head = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                        body.len()
                    );
                    if stream.write_all(head.as_bytes()).await.is_err()
                        || stream.write_all(body.as_bytes()).await.is_err()
                    {
                        return;
                    }
                }
            });
        }
    });
    let server = Server { addr, hits: Arc::new(AtomicUsize::new(0)) };
    let client = huawei_at(&server, &quick_config());
    let task_ref = ref_answered_in(format!("\r\n\r\n{body}").as_bytes());
    for _ in 0..3 {
        assert_eq!(client.fetch(&task_ref).await.unwrap().state, TaskState::Waiting);
    }
    assert_eq!(connections.load(Ordering::SeqCst), 1);
}
