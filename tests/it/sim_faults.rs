//! Each fault kind does what it says, over real HTTP (RELIABILITY.md §2).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "test code: a failure fails the test")]

use crate::common;

use std::time::Duration;

use common::{AliyunCall, AliyunKey, HuaweiAuth, HuaweiCall, Poller};
use oaswatch::domain::TaskRef;
use oaswatch::sim::SimHandle;
use serde_json::Value;

async fn faults() -> SimHandle {
    common::start("faults", 3, 50.0).await
}

/// Sends one poll of a scenario task and returns the raw response.
async fn poll_raw(sim: &SimHandle, client: &reqwest::Client, name: &str) -> Result<reqwest::Response, reqwest::Error> {
    let task = sim.task_ref(name).unwrap();
    match &task {
        TaskRef::Aliyun { operation_id, .. } => {
            common::aliyun_request(
                client,
                &sim.base_url(),
                &AliyunKey::of(sim, false),
                &AliyunCall::describe(operation_id),
            )
            .send()
            .await
        }
        TaskRef::Huawei { .. } => {
            let auth = HuaweiAuth::AkSk(common::HuaweiSigner::of(sim, false));
            common::huawei_request(client, &sim.base_url(), &auth, &HuaweiCall::get(&common::huawei_task_path(&task)))
                .send()
                .await
        }
    }
}

async fn poll_json(sim: &SimHandle, name: &str) -> (u16, reqwest::header::HeaderMap, Value) {
    let response = poll_raw(sim, &common::client(), name).await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.unwrap();
    (status, headers, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

#[tokio::test]
async fn throttling_follows_each_cloud_and_then_lifts() {
    let sim = faults().await;
    for _ in 0..3 {
        let (status, headers, body) = poll_json(&sim, "throttle-aliyun").await;
        assert_eq!((status, body["Code"].as_str().unwrap()), (400, "Throttling.User"), "HTTP 400, not 429");
        let limit = headers["x-ratelimit-user-api"].to_str().unwrap();
        assert!(limit.split(',').any(|kv| kv == "TimeLeft:2000"), "{limit}");
    }
    assert_eq!(poll_json(&sim, "throttle-aliyun").await.0, 200, "the window ends after three polls");

    let (status, headers, body) = poll_json(&sim, "throttle-huawei").await;
    assert_eq!((status, body["error_code"].as_str().unwrap()), (429, "APIG.0308"));
    assert_eq!(headers["retry-after"], "7");
    assert!(body["error_msg"].as_str().unwrap().starts_with("The throttling threshold has been reached"));
    assert_eq!(sim.stats().faults["throttle"], 4);
}

#[tokio::test]
async fn server_errors_html_pages_and_empty_bodies() {
    let sim = faults().await;
    let (status, _, body) = poll_json(&sim, "server-error-aliyun").await;
    assert_eq!((status, body["Code"].as_str().unwrap()), (503, "ServiceUnavailable"));
    let (status, _, body) = poll_json(&sim, "server-error-huawei").await;
    assert_eq!(
        (status, body["error_code"].as_str().unwrap(), body["error_msg"].as_str().unwrap()),
        (500, "APIG.9999", "System error")
    );

    let response = poll_raw(&sim, &common::client(), "html-page").await.unwrap();
    assert_eq!(response.status().as_u16(), 502);
    assert_eq!(response.headers()["content-type"], "text/html");
    let page = response.text().await.unwrap();
    assert!(page.contains("<h1>502 Bad Gateway</h1>"), "{page}");

    let response = poll_raw(&sim, &common::client(), "empty-body").await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert!(response.bytes().await.unwrap().is_empty());
    for name in ["server-error-aliyun", "server-error-huawei"] {
        let _ = poll_json(&sim, name).await;
        let _ = poll_json(&sim, name).await;
        assert_eq!(poll_json(&sim, name).await.0, 200, "{name} recovers after its window");
    }
}

#[tokio::test]
async fn truncated_oversized_and_deeply_nested_bodies() {
    let sim = faults().await;
    let response = poll_raw(&sim, &common::client(), "truncated").await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let promised: usize = response.headers()["content-length"].to_str().unwrap().parse().unwrap();
    match response.bytes().await {
        Ok(bytes) => assert!(bytes.len() < promised, "got {} of {promised} bytes", bytes.len()),
        Err(err) => assert!(err.is_body() || err.is_decode(), "{err}"),
    }

    let mut response = poll_raw(&sim, &common::client(), "oversize").await.unwrap();
    assert_eq!(response.headers()["content-length"], "12582912");
    let cap = 8 << 20;
    let mut read = 0;
    while let Some(chunk) = response.chunk().await.unwrap() {
        read += chunk.len();
        if read > cap {
            break;
        }
    }
    assert!(read > cap, "the body really is bigger than a client's cap");

    let (status, _, _) = poll_json(&sim, "deep-json").await;
    assert_eq!(status, 200);
    let response = poll_raw(&sim, &common::client(), "deep-json").await;
    assert_eq!(response.unwrap().status().as_u16(), 200, "one deep answer, then normal ones");

    let sim = faults().await;
    let bytes = poll_raw(&sim, &common::client(), "deep-json").await.unwrap().bytes().await.unwrap();
    let err = serde_json::from_slice::<Value>(&bytes).unwrap_err();
    assert!(err.to_string().contains("recursion limit"), "{err}");
}

#[tokio::test]
async fn slow_hanging_and_dripping_answers() {
    let sim = faults().await;
    let impatient = common::client_with_timeout(Duration::from_millis(300));
    let err = poll_raw(&sim, &impatient, "slow").await.unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert_eq!(poll_json(&sim, "slow").await.0, 200, "the next answer comes at once");

    let err = poll_raw(&sim, &impatient, "hang").await.unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert_eq!(poll_json(&sim, "hang").await.0, 200);

    let mut response = poll_raw(&sim, &common::client(), "drip").await.unwrap();
    assert_eq!(response.status().as_u16(), 200, "headers arrive, the body drips");
    let total: usize = response.headers()["content-length"].to_str().unwrap().parse().unwrap();
    for _ in 0..3 {
        assert_eq!(response.chunk().await.unwrap().unwrap().len(), 1, "one byte at a time");
    }
    assert!(total > 3);
    drop(response);

    let counters = sim.stats();
    assert_eq!((counters.faults["slow"], counters.faults["hang"], counters.faults["drip"]), (1, 1, 1));
    assert!(counters.connections >= 3, "{counters:?}");
    // A hanging answer must not keep the simulator from stopping.
    sim.shutdown().await;
}

#[tokio::test]
async fn redirects_point_at_another_host_that_a_careful_client_never_reaches() {
    // The built-in scenario redirects one poll; this test needs two.
    let scenario = include_str!("../../assets/scenarios/faults.toml");
    let twice = scenario.replace(
        "task = \"redirect\"\nendpoint = \"poll\"\nuntil_request = 1",
        "task = \"redirect\"\nendpoint = \"poll\"\nuntil_request = 2",
    );
    assert_ne!(twice, scenario, "the redirect fault is where this test expects it");
    let sim = common::start_toml(&twice, 3, 50.0).await;
    let task = sim.task_ref("redirect").unwrap();
    let path = common::huawei_task_path(&task);
    let token = secrecy::ExposeSecret::expose_secret(&sim.huawei_token().unwrap()).to_owned();
    let auth = HuaweiAuth::Token(token);

    let careful = common::client();
    let response =
        common::huawei_request(&careful, &sim.base_url(), &auth, &HuaweiCall::get(&path)).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 302);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(location, format!("http://{}{path}", sim.redirect_target()));
    assert_ne!(sim.redirect_target(), sim.addr(), "another host (or at least another port)");
    assert_eq!(sim.stats().redirect_target_requests, 0, "a client without redirects sends nothing there");

    // What a default client would do: follow, and carry X-Auth-Token to the other host.
    let careless = reqwest::Client::new();
    let response =
        common::huawei_request(&careless, &sim.base_url(), &auth, &HuaweiCall::get(&path)).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let counters = sim.stats();
    assert_eq!(counters.redirect_target_requests, 1);
    assert_eq!(counters.redirect_target_credential_headers, 1, "the token leaked: this is why we never follow");
}

#[tokio::test]
async fn hostile_error_text_comes_through_verbatim() {
    let sim = faults().await;
    let (status, _, body) = poll_json(&sim, "hostile-error").await;
    assert_eq!(status, 400);
    let message = body["Message"].as_str().unwrap();
    for needle in [
        "\u{1b}]52;c;",
        "\u{1b}]0;pwned\u{7}",
        "\u{1b}]8;;http://evil.example/",
        "\u{9b}2J",
        "\r",
        "\u{202e}",
        "\u{200b}",
        "这个API用于查询",
        "🚀",
    ] {
        assert!(message.contains(needle), "missing {needle:?}");
    }
    let (status, _, body) = poll_json(&sim, "hostile-huge").await;
    assert_eq!(status, 400);
    assert!(body["error_msg"].as_str().unwrap().len() >= 1 << 20);
}

const WINDOWS: &str = r#"
name = "windows"
[[aliyun.credentials]]
access_key_id = "LTAIwin"
access_key_secret = "secret"
[[aliyun.groups]]
id = "00000000000000000000000000000001"
name = "g"
[[tasks]]
name = "a"
provider = "aliyun"
spec = "petstore-3.0.yaml"
group = "00000000000000000000000000000001"

[[faults]]
kind = "server_error"
endpoint = "import"
status = 500

[[faults]]
kind = "throttle"
provider = "aliyun"
endpoint = "poll"
from_secs = 10000000

[[faults]]
kind = "empty"
provider = "huawei"

[[faults]]
kind = "html"
task = "a"
from_request = 1
until_request = 2

[[faults]]
kind = "throttle"
task = "a"
from_secs = 0
until_secs = 100000000
from_request = 3
"#;

#[tokio::test]
async fn windows_and_selectors_are_honoured() {
    let sim = common::start_toml(WINDOWS, 1, 1.0).await;
    let poller = Poller::new(&sim);
    let task = sim.task_ref("a").unwrap();
    let statuses: Vec<u16> = {
        let mut out = Vec::new();
        for _ in 0..4 {
            out.push(poller.poll(&task).await.0);
        }
        out
    };
    assert_eq!(statuses, [200, 502, 200, 400], "counts pick request #1 for html and #3 on for throttling");

    let key = AliyunKey::of(&sim, false);
    let call = AliyunCall::import(
        "00000000000000000000000000000001",
        true,
        "swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths: {}\n",
    );
    let response = common::aliyun_send(&common::client(), &sim.base_url(), &key, &call).await;
    assert_eq!(response.status().as_u16(), 500, "the import endpoint has its own fault");
    assert_eq!(sim.stats().tasks_created, 1, "a request answered by a fault creates nothing");
    let counters = sim.stats();
    assert!(!counters.faults.contains_key("empty"), "provider selector: no Huawei request was made");
    assert_eq!(counters.faults["server_error"], 1);
}
