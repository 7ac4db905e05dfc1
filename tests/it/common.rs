//! Helpers shared by the integration tests: start the simulator on 127.0.0.1:0, send requests
//! signed the way the official SDKs sign them (built here with reqwest and the crate's signing
//! functions, since the real clients live elsewhere), and read task states from raw answers.
#![allow(dead_code, reason = "each test binary uses a different subset of these helpers")]
#![allow(clippy::expect_used, clippy::panic, reason = "test helpers fail the test that called them, loudly")]

use std::time::{Duration, SystemTime};

use oaswatch::domain::{Counts, SubtaskState, TaskRef, TaskState};
use oaswatch::provider::aliyun::sign::{ACS3, headers_to_sign};
use oaswatch::provider::huawei::sign::{SDK_HMAC, UNSIGNED_PAYLOAD};
use oaswatch::provider::signing::{SignedRequest, acs_date, percent_encode, sdk_date, sha256_hex};
use oaswatch::sim::{self, SimConfig, SimHandle, scenario};
use serde_json::Value;

/// Starts a built-in scenario on 127.0.0.1:0.
pub async fn start(name: &str, seed: u64, pace: f64) -> SimHandle {
    let scenario = scenario::load(name).expect("built-in scenario");
    start_with(scenario, seed, pace).await
}

/// Starts a scenario given as TOML text.
pub async fn start_toml(text: &str, seed: u64, pace: f64) -> SimHandle {
    let scenario = scenario::parse(text, "test scenario", None).expect("test scenario parses");
    start_with(scenario, seed, pace).await
}

pub async fn start_with(scenario: sim::Scenario, seed: u64, pace: f64) -> SimHandle {
    let config = SimConfig { seed, speed: pace, ..SimConfig::new(scenario) };
    sim::start(config).await.expect("simulator starts")
}

/// A client like ours: no redirects, a total timeout.
pub fn client() -> reqwest::Client {
    client_with_timeout(Duration::from_secs(20))
}

pub fn client_with_timeout(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).timeout(timeout).build().expect("client")
}

pub fn nonce() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(1);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let pid = u64::from(std::process::id());
    format!("{:016x}{:016x}", pid, n ^ 0x5eed_0000_0000)
}

fn host_of(base: &str) -> String {
    base.trim_start_matches("http://").trim_end_matches('/').to_owned()
}

/// An Alibaba key (the simulator's credential accessors give these).
#[derive(Clone, Debug)]
pub struct AliyunKey {
    pub id: String,
    pub secret: String,
    pub token: Option<String>,
}

impl AliyunKey {
    pub fn of(handle: &SimHandle, sts: bool) -> AliyunKey {
        use secrecy::ExposeSecret;
        let creds = if sts { handle.aliyun_sts_credentials() } else { handle.aliyun_credentials() }.expect("key");
        AliyunKey {
            id: creds.access_key_id,
            secret: creds.access_key_secret.expose_secret().to_owned(),
            token: creds.security_token.map(|t| t.expose_secret().to_owned()),
        }
    }
}

/// One Alibaba RPC call and the knobs tests turn to break it.
#[derive(Clone, Debug)]
pub struct AliyunCall {
    pub action: String,
    pub version: String,
    pub query: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub content_type: Option<String>,
    pub date: SystemTime,
    pub nonce: String,
    /// Sent as `x-acs-content-sha256` instead of the body's real hash.
    pub claimed_hash: Option<String>,
    /// Headers left out of `SignedHeaders` (they are still sent).
    pub unsigned: Vec<String>,
}

impl AliyunCall {
    pub fn new(action: &str) -> AliyunCall {
        AliyunCall {
            action: action.to_owned(),
            version: "2016-07-14".to_owned(),
            query: Vec::new(),
            body: Vec::new(),
            content_type: None,
            date: SystemTime::now(),
            nonce: nonce(),
            claimed_hash: None,
            unsigned: Vec::new(),
        }
    }

    pub fn describe(operation_id: &str) -> AliyunCall {
        let mut call = AliyunCall::new("DescribeImportOASTask");
        call.query.push(("OperationId".to_owned(), operation_id.to_owned()));
        call
    }

    /// `ImportOAS` the way the SDK sends it: parameters in the query, `Data` in a form body.
    pub fn import(group_id: &str, overwrite: bool, data: &str) -> AliyunCall {
        let mut call = AliyunCall::new("ImportOAS");
        call.query.push(("GroupId".to_owned(), group_id.to_owned()));
        call.query.push(("Overwrite".to_owned(), overwrite.to_string()));
        call.body = format!("Data={}", percent_encode(data)).into_bytes();
        call.content_type = Some("application/x-www-form-urlencoded".to_owned());
        call
    }
}

pub async fn aliyun_send(
    client: &reqwest::Client,
    base: &str,
    key: &AliyunKey,
    call: &AliyunCall,
) -> reqwest::Response {
    aliyun_request(client, base, key, call).send().await.expect("request sent")
}

/// The signed request, not yet sent.
pub fn aliyun_request(
    client: &reqwest::Client,
    base: &str,
    key: &AliyunKey,
    call: &AliyunCall,
) -> reqwest::RequestBuilder {
    let host = host_of(base);
    let date = acs_date(call.date);
    let body_hash = call.claimed_hash.clone().unwrap_or_else(|| sha256_hex(&call.body));
    let mut headers: Vec<(String, String)> = vec![
        ("host".into(), host),
        ("x-acs-action".into(), call.action.clone()),
        ("x-acs-version".into(), call.version.clone()),
        ("x-acs-date".into(), date),
        ("x-acs-signature-nonce".into(), call.nonce.clone()),
        ("x-acs-content-sha256".into(), body_hash.clone()),
    ];
    if let Some(ct) = &call.content_type {
        headers.push(("content-type".into(), ct.clone()));
    }
    if let Some(token) = &key.token {
        headers.push(("x-acs-security-token".into(), token.clone()));
    }
    let pairs: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let signed: Vec<(&str, &str)> = headers_to_sign(pairs.iter().copied())
        .into_iter()
        .filter(|(name, _)| !call.unsigned.iter().any(|u| u == name))
        .collect();
    let query: Vec<(&str, &str)> = call.query.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let request = SignedRequest {
        method: "POST",
        path: "/",
        query: &query,
        signed_headers: &signed,
        hashed_payload: &body_hash,
        date: "",
    };
    let authorization = ACS3.authorization(&key.id, key.secret.as_bytes(), &request);
    let query_string: Vec<String> =
        call.query.iter().map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v))).collect();
    let url = format!("{base}/?{}", query_string.join("&"));
    let mut builder = client.post(url).header("authorization", authorization).header("accept", "application/json");
    for (name, value) in &headers {
        if name != "host" {
            builder = builder.header(name.as_str(), value.as_str());
        }
    }
    builder.body(call.body.clone())
}

/// How a Huawei request authenticates.
#[derive(Clone, Debug)]
pub enum HuaweiAuth {
    None,
    Token(String),
    AkSk(HuaweiSigner),
}

#[derive(Clone, Debug)]
pub struct HuaweiSigner {
    pub ak: String,
    pub sk: String,
    pub security_token: Option<String>,
    pub date: SystemTime,
    /// `X-Project-Id` to send (and sign); `None` sends none.
    pub project_header: Option<String>,
    /// Sign `host` too (the Python SDK does; the Go SDK does not).
    pub sign_host: bool,
    /// Leave `x-sdk-date` out of SignedHeaders.
    pub skip_date: bool,
    /// Send `X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD`.
    pub unsigned_payload: bool,
}

impl HuaweiSigner {
    pub fn of(handle: &SimHandle, temporary: bool) -> HuaweiSigner {
        use secrecy::ExposeSecret;
        let creds =
            if temporary { handle.huawei_temporary_credentials() } else { handle.huawei_credentials() }.expect("key");
        HuaweiSigner {
            ak: creds.access_key,
            sk: creds.secret_key.expose_secret().to_owned(),
            security_token: creds.security_token.map(|t| t.expose_secret().to_owned()),
            date: SystemTime::now(),
            project_header: Some(handle.huawei_project_id().to_owned()),
            sign_host: false,
            skip_date: false,
            unsigned_payload: false,
        }
    }
}

/// One Huawei request.
#[derive(Clone, Debug)]
pub struct HuaweiCall {
    pub method: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub content_type: Option<String>,
}

impl HuaweiCall {
    pub fn get(path: &str) -> HuaweiCall {
        HuaweiCall { method: "GET".into(), path: path.into(), query: Vec::new(), body: Vec::new(), content_type: None }
    }
}

pub async fn huawei_send(
    client: &reqwest::Client,
    base: &str,
    auth: &HuaweiAuth,
    call: &HuaweiCall,
) -> reqwest::Response {
    huawei_request(client, base, auth, call).send().await.expect("request sent")
}

/// The signed request, not yet sent.
pub fn huawei_request(
    client: &reqwest::Client,
    base: &str,
    auth: &HuaweiAuth,
    call: &HuaweiCall,
) -> reqwest::RequestBuilder {
    let query_string: Vec<String> =
        call.query.iter().map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v))).collect();
    let url = if query_string.is_empty() {
        format!("{base}{}", call.path)
    } else {
        format!("{base}{}?{}", call.path, query_string.join("&"))
    };
    let method = reqwest::Method::from_bytes(call.method.as_bytes()).expect("method");
    let mut builder = client.request(method, url);
    if let Some(ct) = &call.content_type {
        builder = builder.header("content-type", ct.as_str());
    }
    match auth {
        HuaweiAuth::None => {}
        HuaweiAuth::Token(token) => builder = builder.header("x-auth-token", token.as_str()),
        HuaweiAuth::AkSk(signer) => {
            let date = sdk_date(signer.date);
            let mut headers: Vec<(String, String)> = vec![("x-sdk-date".into(), date.clone())];
            if let Some(project) = &signer.project_header {
                headers.push(("x-project-id".into(), project.clone()));
            }
            if let Some(token) = &signer.security_token {
                headers.push(("x-security-token".into(), token.clone()));
            }
            let payload = if signer.unsigned_payload {
                headers.push(("x-sdk-content-sha256".into(), UNSIGNED_PAYLOAD.into()));
                UNSIGNED_PAYLOAD.to_owned()
            } else {
                sha256_hex(&call.body)
            };
            let mut to_sign: Vec<(String, String)> =
                headers.iter().filter(|(n, _)| !(signer.skip_date && n == "x-sdk-date")).cloned().collect();
            if signer.sign_host {
                to_sign.push(("host".into(), host_of(base)));
            }
            let pairs: Vec<(&str, &str)> = to_sign.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
            let query: Vec<(&str, &str)> = call.query.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let request = SignedRequest {
                method: &call.method,
                path: &call.path,
                query: &query,
                signed_headers: &pairs,
                hashed_payload: &payload,
                date: &date,
            };
            let authorization = SDK_HMAC.authorization(&signer.ak, signer.sk.as_bytes(), &request);
            builder = builder.header("authorization", authorization);
            for (name, value) in &headers {
                builder = builder.header(name.as_str(), value.as_str());
            }
        }
    }
    builder.body(call.body.clone())
}

/// `/v2/{project}/apigw/instances/{instance}/async-tasks/{task}` of a Huawei task reference.
pub fn huawei_task_path(task: &TaskRef) -> String {
    match task {
        TaskRef::Huawei { project_id, instance_id, task_id, .. } => {
            format!("/v2/{project_id}/apigw/instances/{instance_id}/async-tasks/{task_id}")
        }
        TaskRef::Aliyun { .. } => panic!("not a Huawei task: {task}"),
    }
}

/// Default credentials for polling a task of either cloud.
pub struct Poller {
    pub client: reqwest::Client,
    pub base: String,
    pub aliyun: Option<AliyunKey>,
    pub huawei: HuaweiAuth,
}

impl Poller {
    pub fn new(handle: &SimHandle) -> Poller {
        Poller {
            client: client(),
            base: handle.base_url(),
            aliyun: handle.aliyun_credentials().is_some().then(|| AliyunKey::of(handle, false)),
            huawei: if handle.huawei_credentials().is_some() {
                HuaweiAuth::AkSk(HuaweiSigner::of(handle, false))
            } else {
                HuaweiAuth::None
            },
        }
    }

    /// One poll: status and body text; status 0 and the error when the request failed.
    pub async fn poll(&self, task: &TaskRef) -> (u16, String) {
        let sent = match task {
            TaskRef::Aliyun { operation_id, .. } => {
                let key = self.aliyun.as_ref().expect("the scenario has an Alibaba key");
                aliyun_request(&self.client, &self.base, key, &AliyunCall::describe(operation_id)).send().await
            }
            TaskRef::Huawei { .. } => {
                let auth = match &self.huawei {
                    HuaweiAuth::AkSk(signer) => {
                        HuaweiAuth::AkSk(HuaweiSigner { date: SystemTime::now(), ..signer.clone() })
                    }
                    other => other.clone(),
                };
                huawei_request(&self.client, &self.base, &auth, &HuaweiCall::get(&huawei_task_path(task))).send().await
            }
        };
        let response = match sent {
            Ok(response) => response,
            Err(err) => return (0, format!("<request failed: {err}>")),
        };
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_else(|err| format!("<transfer failed: {err}>"));
        (status, text)
    }

    /// Polls until the task reports finished, skipping fault answers; returns the final body.
    pub async fn until_finished(&self, task: &TaskRef) -> Value {
        // A safety net against a hung test, not a timing assertion.
        let deadline = std::time::Instant::now() + Duration::from_secs(120);
        loop {
            assert!(std::time::Instant::now() < deadline, "task {task} never finished");
            let (status, text) = self.poll(task).await;
            if status == 200
                && let Ok(body) = serde_json::from_str::<Value>(&text)
                && is_finished(&body)
            {
                return body;
            }
            tokio::time::sleep(Duration::from_millis(40)).await;
        }
    }
}

/// Whether a raw answer of either cloud says the task ended.
pub fn is_finished(body: &Value) -> bool {
    match (body.get("TaskStatus"), body.get("task_status")) {
        (Some(status), _) => status == "Finished",
        (_, Some(status)) => status == "succeed" || status == "failed",
        _ => false,
    }
}

fn aliyun_state(status: &str) -> SubtaskState {
    match status {
        "OVER" => SubtaskState::Succeeded,
        "FAIL" => SubtaskState::Failed,
        "CANCEL" => SubtaskState::Cancelled,
        "RUNNING" => SubtaskState::Running,
        _ => SubtaskState::Waiting,
    }
}

/// The Alibaba items (APIs then models) of an answer.
pub fn aliyun_items(body: &Value) -> Vec<Value> {
    let list = |outer: &str, inner: &str| {
        body.get(outer).and_then(|o| o.get(inner)).and_then(Value::as_array).cloned().unwrap_or_default()
    };
    let mut items = list("ApiResults", "ApiResult");
    items.extend(list("ModelResults", "ModelResult"));
    items
}

/// The parsed `task_result` of a finished Huawei answer.
pub fn huawei_result(body: &Value) -> Value {
    let text = body["task_result"].as_str().expect("task_result is a string");
    serde_json::from_str(text).expect("task_result holds JSON")
}

/// Counts of a finished answer (both clouds), the way a client would derive them.
pub fn counts(body: &Value) -> Counts {
    let mut counts = Counts::default();
    if body.get("TaskStatus").is_some() {
        for item in aliyun_items(body) {
            counts.add(aliyun_state(item["UpdateStatus"].as_str().unwrap_or_default()));
        }
    } else if body["task_status"] == "succeed" {
        let result = huawei_result(body);
        let len = |key: &str| result.get(key).and_then(Value::as_array).map_or(0, Vec::len);
        for _ in 0..len("success") {
            counts.add(SubtaskState::Succeeded);
        }
        for _ in 0..len("failure") {
            counts.add(SubtaskState::Failed);
        }
        for _ in 0..len("ignore") {
            counts.add(SubtaskState::Skipped);
        }
    }
    counts
}

/// The normalised end state of a finished answer.
pub fn final_state(body: &Value) -> TaskState {
    if body["task_status"] == "failed" {
        return TaskState::Failed;
    }
    TaskState::finished_from(&counts(body))
}

/// The answer with per-request fields removed, for comparisons across runs.
pub fn without_request_ids(mut body: Value) -> Value {
    if let Value::Object(map) = &mut body {
        map.remove("RequestId");
        map.remove("request_id");
    }
    body
}

/// The product's own clients for every cloud, pointed at the simulator with its keys (each
/// cloud's credential chain run over the environment the simulator hands out).
pub fn sim_clients(handle: &SimHandle, timeout: Duration) -> oaswatch::provider::Clients {
    use oaswatch::provider::http::HttpConfig;
    use oaswatch::provider::{EndpointOverrides, discover};
    let base = reqwest::Url::parse(&handle.base_url()).expect("simulator URL");
    let config = HttpConfig { read_timeout: timeout, total_timeout: timeout, ..HttpConfig::default() };
    let env: std::collections::HashMap<&str, String> = handle.client_env().into_iter().collect();
    let mut overrides = EndpointOverrides::default();
    for provider in oaswatch::domain::ProviderKind::ALL {
        overrides.set(provider, base.clone());
    }
    let discovery = discover(&|name| env.get(name).cloned(), None);
    oaswatch::provider::Clients::build(&config, &overrides, discovery).expect("HTTP client").0
}

/// The demo scenario's tasks, each fetched with the product's clients until it finished (`None`
/// if it never answered), and the labels the simulator gives them.
pub async fn finished_demo() -> (Vec<(TaskRef, Option<oaswatch::domain::Task>)>, Vec<(TaskRef, String)>) {
    let sim = start("demo", 7, 300.0).await;
    let clients = sim_clients(&sim, Duration::from_secs(3));
    let mut tasks = Vec::new();
    for (_, task_ref) in sim.named_task_refs() {
        let last = fetch_until_finished(&clients, &task_ref).await.pop();
        tasks.push((task_ref, last));
    }
    let labels = sim.task_labels();
    sim.shutdown().await;
    (tasks, labels)
}

/// Fetches a task with the product's clients until it has finished, retrying fetch errors (a
/// scenario's faults) for up to two minutes; returns every successful snapshot, the last one
/// finished.
pub async fn fetch_until_finished(
    clients: &oaswatch::provider::Clients,
    task: &TaskRef,
) -> Vec<oaswatch::domain::Task> {
    use oaswatch::provider::Fetch as _;
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    let mut snapshots = Vec::new();
    loop {
        if let Ok(snapshot) = clients.fetch(task).await {
            let finished = snapshot.is_finished();
            snapshots.push(snapshot);
            if finished {
                return snapshots;
            }
        }
        assert!(std::time::Instant::now() < deadline, "{task} did not finish");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}
