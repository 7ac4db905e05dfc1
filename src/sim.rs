//! The embedded cloud simulator: a faithful loopback twin of Alibaba CloudAPI's
//! `ImportOAS`/`DescribeImportOASTask` and Huawei APIG's async import/export/task APIs.
//!
//! What `oaswatch demo` runs, what `oaswatch sim` runs in the foreground, and what end-to-end
//! tests talk to over real HTTP. It verifies signatures and tokens as the real services do,
//! answers in their exact shapes with their quirks (docs/protocols.md), processes real OpenAPI
//! imports with a real gateway's rules, moves tasks forward over simulated time, and injects
//! the faults of a scenario.
//!
//! Owns `src/sim/` and nothing else: it uses the signing functions of `provider` and the
//! `openapi` parser, but no client code, and never touches the app, the UI or the terminal.
//!
//! ```text
//! sim.rs          SimConfig, start → SimHandle, run_foreground
//! ├── scenario    TOML schema, built-in scenarios and specs
//! ├── server      listeners (main + redirect target), dispatch by path
//! ├── aliyun      RPC endpoint `/`; aliyun/auth (ACS3 verifier), aliyun/group (group reads),
//! │               aliyun/sts (STS), aliyun/imds (ECS RAM role, credentials URI)
//! ├── huawei      `/v2/{project}/apigw/instances/{id}/…`; huawei/auth (SDK-HMAC, tokens),
//! │               huawei/group, huawei/export (group → Swagger/OAS document), huawei/iam,
//! │               huawei/metadata (ECS temporary keys)
//! ├── auth        what the verifiers share        ├── errors   the clouds' error bodies
//! ├── import      gateway rules → plan        ├── faults   fault selection and injection
//! ├── engine      plan + time → state         ├── imds     metadata paths, session tokens
//! ├── creds       issued keys, injected faults
//! └── state, ids, stats, hostile, specgen, http; truth (grouping scored against injected causes)
//! ```
//!
//! Determinism: ids, outcomes and timelines derive from `seed`; the state of a task is a pure
//! function of its plan and the simulated time since it was created (wall time × `speed`), so
//! the same seed ends in the same answers however the simulator is polled.

mod aliyun;
mod auth;
pub mod creds;
mod engine;
mod errors;
mod faults;
mod hostile;
mod http;
mod huawei;
mod ids;
mod imds;
mod import;
mod server;
mod specgen;
mod state;
mod stats;

pub mod scenario;
pub mod truth;

use std::future::Future;
use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant};

use secrecy::SecretString;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use scenario::{Scenario, ScenarioError};

/// One start task as the simulator saw it: when it finished by its plan, how many polls asked
/// about it, and when an answer first said it had finished. What benchmarks measure "how soon
/// does a watcher know" against. (An answer a fault replaced still counts as told.)
#[derive(Clone, Debug)]
pub struct TaskRecord {
    pub name: String,
    pub task_ref: TaskRef,
    pub finished_at: Instant,
    pub polls: u64,
    pub told_finished: Option<Instant>,
}
pub use stats::SimStats;

use crate::domain::{ProviderKind, SubtaskKind, Target, TaskKind, TaskRef};
use crate::openapi::{self, OpenApiError, TargetVersion};
use huawei::export::{self, ExportRequest};
use ids::Ids;
use import::{HuaweiImportOptions, Origin, resolve};
use state::{Group, Inner, Instance, Shared};

/// How to run the simulator.
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// Where to listen; port 0 picks a free one.
    pub listen: SocketAddr,
    pub scenario: Scenario,
    /// Drives every id, outcome and timeline.
    pub seed: u64,
    /// Simulated seconds per wall second (`50` makes a 40 s task take 0.8 s).
    pub speed: f64,
}

impl SimConfig {
    /// `127.0.0.1:0`, seed 1, speed 1.
    pub fn new(scenario: Scenario) -> SimConfig {
        SimConfig { listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)), scenario, seed: 1, speed: 1.0 }
    }
}

/// Why the simulator could not start or run.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("speed must be a positive number, got {0}")]
    Speed(f64),
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    #[error("scenario task `{task}`: {source}")]
    Spec {
        task: String,
        #[source]
        source: OpenApiError,
    },
    #[error("scenario task `{task}`: {message}")]
    Task { task: String, message: String },
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// An Alibaba AccessKey of the scenario (secrets redacted in `Debug`).
#[derive(Clone, Debug)]
pub struct AliyunCredentials {
    pub access_key_id: String,
    pub access_key_secret: SecretString,
    /// Set for an STS key: send it as `x-acs-security-token`.
    pub security_token: Option<SecretString>,
}

/// A Huawei AK/SK of the scenario (secrets redacted in `Debug`).
#[derive(Clone, Debug)]
pub struct HuaweiCredentials {
    pub access_key: String,
    pub secret_key: SecretString,
    /// Set for a temporary key: send it as `X-Security-Token`.
    pub security_token: Option<SecretString>,
}

/// Why the simulator failed, cancelled or skipped one item: the rule that did it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InjectedCause {
    pub kind: SubtaskKind,
    pub name: String,
    pub method: String,
    pub path: String,
    /// `route-exists`, `model-exists`, `internal-error`, `dependency-failed`…
    pub rule: String,
    /// For `dependency-failed`, the model whose failure cancelled the item.
    pub because: Option<String>,
    /// The hostile sample appended to the rule's message, if any.
    pub decoration: Option<String>,
}

/// A running simulator. Dropping it stops the listeners too; [`SimHandle::shutdown`] also
/// waits for them.
#[derive(Debug)]
pub struct SimHandle {
    addr: SocketAddr,
    redirect_addr: SocketAddr,
    shared: Arc<Shared>,
    task_refs: Vec<(String, TaskRef)>,
    shutdown_tx: watch::Sender<bool>,
    servers: Vec<JoinHandle<()>>,
}

impl SimHandle {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, the endpoint for both clouds.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Where the `redirect` fault points: a second listener that only counts requests.
    pub fn redirect_target(&self) -> SocketAddr {
        self.redirect_addr
    }

    /// The tasks created at start, in scenario order.
    pub fn task_refs(&self) -> Vec<TaskRef> {
        self.task_refs.iter().map(|(_, r)| r.clone()).collect()
    }

    /// The tasks created at start with their scenario names.
    pub fn named_task_refs(&self) -> Vec<(String, TaskRef)> {
        self.task_refs.clone()
    }

    /// One start task by its scenario name.
    pub fn task_ref(&self, name: &str) -> Option<TaskRef> {
        self.task_refs.iter().find(|(n, _)| n == name).map(|(_, r)| r.clone())
    }

    pub fn seed(&self) -> u64 {
        self.shared.seed
    }

    pub fn speed(&self) -> f64 {
        self.shared.speed
    }

    pub fn scenario(&self) -> &Scenario {
        &self.shared.scenario
    }

    pub fn aliyun_region(&self) -> &str {
        &self.shared.scenario.aliyun.region
    }

    pub fn huawei_region(&self) -> &str {
        &self.shared.scenario.huawei.region
    }

    pub fn huawei_project_id(&self) -> &str {
        &self.shared.scenario.huawei.project_id
    }

    fn aliyun_key(&self, sts: bool) -> Option<AliyunCredentials> {
        let key = self.shared.scenario.aliyun.credentials.iter().find(|k| k.security_token.is_some() == sts)?;
        Some(AliyunCredentials {
            access_key_id: key.access_key_id.clone(),
            access_key_secret: SecretString::from(key.access_key_secret.clone()),
            security_token: key.security_token.clone().map(SecretString::from),
        })
    }

    /// Why each item of a start or API-created task failed, was cancelled or skipped, in the
    /// task's own order: the ground truth that failure grouping is checked against. Nothing
    /// the clouds answer carries it. `None` for an unknown task.
    pub fn injected_causes(&self, task: &TaskRef) -> Option<Vec<InjectedCause>> {
        let id = match task {
            TaskRef::Aliyun { operation_id, .. } => operation_id,
            TaskRef::Huawei { task_id, .. } => task_id,
        };
        let inner = self.shared.lock();
        let task = inner.tasks.get(id)?;
        let causes = task
            .plan
            .items
            .iter()
            .filter_map(|item| {
                let cause = item.cause.as_ref()?;
                Some(InjectedCause {
                    kind: item.kind,
                    name: item.name.clone(),
                    method: item.method.clone(),
                    path: item.path.clone(),
                    rule: cause.rule.to_owned(),
                    because: cause.because.clone(),
                    decoration: cause.decoration.map(str::to_owned),
                })
            })
            .collect();
        Some(causes)
    }

    /// The scenario's first long-term Alibaba AccessKey.
    pub fn aliyun_credentials(&self) -> Option<AliyunCredentials> {
        self.aliyun_key(false)
    }

    /// The scenario's first Alibaba STS key, with its token.
    pub fn aliyun_sts_credentials(&self) -> Option<AliyunCredentials> {
        self.aliyun_key(true)
    }

    fn huawei_key(&self, temporary: bool) -> Option<HuaweiCredentials> {
        let key = self.shared.scenario.huawei.credentials.iter().find(|k| k.security_token.is_some() == temporary)?;
        Some(HuaweiCredentials {
            access_key: key.access_key.clone(),
            secret_key: SecretString::from(key.secret_key.clone()),
            security_token: key.security_token.clone().map(SecretString::from),
        })
    }

    /// The scenario's first permanent Huawei AK/SK.
    pub fn huawei_credentials(&self) -> Option<HuaweiCredentials> {
        self.huawei_key(false)
    }

    /// The scenario's first temporary Huawei AK/SK, with its security token.
    pub fn huawei_temporary_credentials(&self) -> Option<HuaweiCredentials> {
        self.huawei_key(true)
    }

    /// The environment that points an `oaswatch` process at this simulator: both endpoints and
    /// the scenario's first long-term (made-up) Alibaba and Huawei keys. For the tests, benches
    /// and soak runs that start the real binary.
    pub fn client_env(&self) -> Vec<(&'static str, String)> {
        use secrecy::ExposeSecret as _;
        let mut env =
            vec![("OASWATCH_ALIYUN_ENDPOINT", self.base_url()), ("OASWATCH_HUAWEI_ENDPOINT", self.base_url())];
        if let Some(key) = self.aliyun_credentials() {
            env.push(("ALIBABA_CLOUD_ACCESS_KEY_ID", key.access_key_id));
            env.push(("ALIBABA_CLOUD_ACCESS_KEY_SECRET", key.access_key_secret.expose_secret().to_owned()));
        }
        if let Some(key) = self.huawei_credentials() {
            env.push(("HUAWEICLOUD_SDK_AK", key.access_key));
            env.push(("HUAWEICLOUD_SDK_SK", key.secret_key.expose_secret().to_owned()));
        }
        env
    }

    /// The scenario's first IAM token that does not expire (else the first one).
    pub fn huawei_token(&self) -> Option<SecretString> {
        let tokens = &self.shared.scenario.huawei.tokens;
        let token = tokens.iter().find(|t| t.expires_in_secs.is_none()).or_else(|| tokens.first())?;
        Some(SecretString::from(token.token.clone()))
    }

    /// An import target on Alibaba: the scenario's first group.
    pub fn aliyun_target(&self) -> Option<Target> {
        let group = self.shared.scenario.aliyun.groups.first()?;
        Some(Target::Aliyun { profile: None, region: self.aliyun_region().to_owned(), group_id: group.id.clone() })
    }

    /// An import/export target on Huawei: the scenario's first instance.
    pub fn huawei_target(&self) -> Option<Target> {
        let instance = self.shared.scenario.huawei.instances.first()?;
        Some(Target::Huawei {
            profile: None,
            region: self.huawei_region().to_owned(),
            project_id: self.huawei_project_id().to_owned(),
            instance_id: instance.id.clone(),
        })
    }

    /// What `oaswatch import` would have labelled each task created at start: its spec's file
    /// name and its group's name (or id).
    pub fn task_labels(&self) -> Vec<(TaskRef, String)> {
        let scenario = &self.shared.scenario;
        let group_name = |id: &str| {
            let aliyun = scenario.aliyun.groups.iter().map(|g| (&g.id, &g.name));
            let huawei = scenario.huawei.instances.iter().flat_map(|i| i.groups.iter().map(|g| (&g.id, &g.name)));
            aliyun.chain(huawei).find(|(gid, _)| *gid == id).map_or_else(|| id.to_owned(), |(_, name)| name.clone())
        };
        self.named_task_refs()
            .into_iter()
            .filter_map(|(name, task_ref)| {
                let task = scenario.tasks.iter().find(|t| t.name == name)?;
                let spec = task.spec.as_deref().unwrap_or(&name);
                let group = task.group.as_deref().map(group_name);
                Some((task_ref, crate::app::labels::import_label(std::path::Path::new(spec), group.as_deref())))
            })
            .collect()
    }

    /// The start tasks' records, in scenario order.
    pub fn task_records(&self) -> Vec<TaskRecord> {
        let inner = self.shared.lock();
        self.task_refs
            .iter()
            .filter_map(|(name, task_ref)| {
                let task = inner.tasks.get(task_ref.task_id())?;
                let watched = inner.watched.get(task_ref.task_id()).copied().unwrap_or_default();
                Some(TaskRecord {
                    name: name.clone(),
                    task_ref: task_ref.clone(),
                    finished_at: task.created + Duration::from_secs_f64(task.plan.end / self.shared.speed),
                    polls: watched.polls,
                    told_finished: watched.told_finished,
                })
            })
            .collect()
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> SimStats {
        self.shared.stats()
    }

    /// Stops accepting, ends hanging and dripping answers, and waits (up to 5 s) for the
    /// listeners to finish.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown_tx.send(true);
        for server in std::mem::take(&mut self.servers) {
            let abort = server.abort_handle();
            if tokio::time::timeout(Duration::from_secs(5), server).await.is_err() {
                abort.abort();
            }
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        let _ = self.shutdown_tx.send(true);
    }
}

/// Binds, creates the scenario's groups, instances and start tasks, and serves in background
/// tokio tasks.
pub async fn start(config: SimConfig) -> Result<SimHandle, SimError> {
    if !(config.speed.is_finite() && config.speed > 0.0) {
        return Err(SimError::Speed(config.speed));
    }
    let listener =
        TcpListener::bind(config.listen).await.map_err(|source| SimError::Bind { addr: config.listen, source })?;
    let addr = listener.local_addr()?;
    let redirect_listener = server::bind_redirect_target(addr.ip()).await?;
    let redirect_addr = redirect_listener.local_addr()?;
    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let ids = Ids::new(config.seed);
    let started = Instant::now();
    let inner = initial_state(&config.scenario, ids);
    let shared = Arc::new(Shared {
        scenario: config.scenario,
        speed: config.speed,
        seed: config.seed,
        ids,
        started,
        inner: std::sync::Mutex::new(inner),
        connections: Arc::new(AtomicU64::new(0)),
        shutdown: shutdown_rx,
        redirect_base: format!("http://{redirect_addr}"),
    });
    let task_refs = create_start_tasks(&shared, started)?;
    let servers = vec![
        server::spawn_main(Arc::clone(&shared), listener),
        server::spawn_redirect_target(Arc::clone(&shared), redirect_listener),
    ];
    tracing::info!(%addr, tasks = task_refs.len(), "simulator started");
    Ok(SimHandle { addr, redirect_addr, shared, task_refs, shutdown_tx, servers })
}

fn initial_state(scenario: &Scenario, ids: Ids) -> Inner {
    let aliyun_groups = scenario
        .aliyun
        .groups
        .iter()
        .map(|g| Group::from_scenario(ids, &g.id, &g.name, &g.base_path, &g.apis, &g.models))
        .collect();
    let instances = scenario
        .huawei
        .instances
        .iter()
        .map(|i| Instance {
            id: i.id.clone(),
            environments: i.environments.clone(),
            groups: i.groups.iter().map(|g| Group::from_scenario(ids, &g.id, &g.name, "", &g.apis, &[])).collect(),
        })
        .collect();
    Inner { aliyun_groups, instances, fault_counters: vec![0; scenario.faults.len()], ..Inner::default() }
}

/// Export versions of scenario tasks default to a fixed date, so the same seed gives the same
/// file; the API default (the current time) is what the real service uses.
const SCENARIO_EXPORT_VERSION: &str = "2024-01-01-00:00:00";

fn create_start_tasks(shared: &Shared, started: Instant) -> Result<Vec<(String, TaskRef)>, SimError> {
    let scenario = &shared.scenario;
    let mut inner = shared.lock();
    let mut refs = Vec::new();
    for task in &scenario.tasks {
        let fail = |message: String| SimError::Task { task: task.name.clone(), message };
        let behaviour = resolve(&task.behaviour, &scenario.defaults);
        let messages = (!task.failure_messages.is_empty()).then(|| task.failure_messages.clone().into());
        let origin = Origin { name: Some(task.name.clone()), behaviour, created: started, messages };
        let spec_text = || -> Result<(String, String), SimError> {
            match (&task.spec, &task.generate) {
                (Some(name), _) => Ok((scenario.spec_text(name)?, name.clone())),
                (None, Some(generate)) => Ok((specgen::generate(generate), "generated".to_owned())),
                (None, None) => Err(fail("an import needs `spec` or `generate`".to_owned())),
            }
        };
        let instance_id = || {
            task.instance
                .clone()
                .or_else(|| scenario.huawei.instances.first().map(|i| i.id.clone()))
                .unwrap_or_default()
        };
        let task_ref = match (task.provider, task.kind) {
            (ProviderKind::Aliyun, TaskKind::Import) => {
                let (text, name) = spec_text()?;
                let doc = openapi::parse(&text, &name)
                    .map_err(|source| SimError::Spec { task: task.name.clone(), source })?;
                let group = task.group.clone().unwrap_or_default();
                let (id, _) = import::create_aliyun_import(shared, &mut inner, &group, &doc, task.overwrite, &origin)
                    .ok_or_else(|| fail(format!("no Alibaba group `{group}`")))?;
                TaskRef::Aliyun { profile: None, region: scenario.aliyun.region.clone(), operation_id: id }
            }
            (ProviderKind::Huawei, TaskKind::Import) => {
                let (text, name) = spec_text()?;
                let instance = instance_id();
                let options = HuaweiImportOptions {
                    is_create_group: task.is_create_group.unwrap_or(task.group.is_none()),
                    group_id: task.group.clone(),
                    api_mode_override: task.api_mode.as_deref() == Some("override"),
                };
                let parsed = openapi::parse(&text, &name);
                let id = import::create_huawei_import(shared, &mut inner, &instance, parsed, &options, &origin);
                huawei_ref(scenario, &instance, id)
            }
            (ProviderKind::Huawei, TaskKind::Export) => {
                let instance_id = instance_id();
                let instance = inner.instance(&instance_id).ok_or_else(|| fail("no such instance".to_owned()))?;
                let group_id = task.group.clone().unwrap_or_default();
                let group =
                    instance.groups.iter().find(|g| g.id == group_id).ok_or_else(|| fail("no such group".into()))?;
                let env = match &task.env {
                    Some(id) => instance.environments.iter().find(|e| e.id == *id),
                    None => instance.environments.first(),
                }
                .ok_or_else(|| fail("no such environment".to_owned()))?;
                let request = ExportRequest {
                    env_name: env.name.clone(),
                    define: task.define.clone().unwrap_or_else(|| "spec".to_owned()),
                    file_type: task.format.clone().unwrap_or_else(|| "json".to_owned()),
                    target: match task.oas_version.as_deref() {
                        Some("3.0") => TargetVersion::OpenApi30,
                        _ => TargetVersion::Swagger2,
                    },
                    version: task.version.clone().unwrap_or_else(|| SCENARIO_EXPORT_VERSION.to_owned()),
                    apis: None,
                };
                let result = export::export(group, &scenario.huawei.region, &request).map_err(fail)?;
                let id = import::create_huawei_export(shared, &mut inner, &instance_id, result, &origin);
                huawei_ref(scenario, &instance_id, id)
            }
            (ProviderKind::Aliyun, TaskKind::Export) => return Err(fail("Alibaba has no asynchronous export".into())),
        };
        refs.push((task.name.clone(), task_ref));
    }
    inner.fault_tasks = scenario
        .faults
        .iter()
        .map(|f| {
            f.task.as_ref().map(|wanted| {
                refs.iter()
                    .find(|(name, _)| name == wanted)
                    .map_or_else(|| wanted.clone(), |(_, r)| r.task_id().to_owned())
            })
        })
        .collect();
    Ok(refs)
}

fn huawei_ref(scenario: &Scenario, instance_id: &str, task_id: String) -> TaskRef {
    TaskRef::Huawei {
        profile: None,
        region: scenario.huawei.region.clone(),
        project_id: scenario.huawei.project_id.clone(),
        instance_id: instance_id.to_owned(),
        task_id,
    }
}

/// Runs the simulator in the foreground: prints how to point oaswatch (or an official SDK) at
/// it and the tasks it created, then serves until Ctrl-C or SIGTERM.
///
/// The credentials printed are the scenario's own, fake by construction; printing them is the
/// point of this command.
pub async fn run_foreground<W: Write>(config: SimConfig, out: &mut W) -> Result<(), SimError> {
    run_until(config, out, wait_for_signal()).await
}

/// [`run_foreground`] with the stop signal supplied by the caller (tests, embedding).
pub async fn run_until<W: Write, F: Future<Output = ()>>(
    config: SimConfig,
    out: &mut W,
    stop: F,
) -> Result<(), SimError> {
    let handle = start(config).await?;
    print_banner(&handle, out)?;
    stop.await;
    handle.shutdown().await;
    writeln!(out, "simulator stopped")?;
    out.flush()?;
    Ok(())
}

fn print_banner<W: Write>(handle: &SimHandle, out: &mut W) -> std::io::Result<()> {
    use secrecy::ExposeSecret;
    let url = handle.base_url();
    let scenario = handle.scenario();
    writeln!(out, "oaswatch simulator: scenario {} (seed {}, speed {})", scenario.name, handle.seed(), handle.speed())?;
    writeln!(out, "listening on {url}  (Alibaba CloudAPI at /, Huawei APIG under /v2/)")?;
    writeln!(out)?;
    writeln!(out, "# point oaswatch at it:")?;
    writeln!(out, "export OASWATCH_ALIYUN_ENDPOINT={url} OASWATCH_HUAWEI_ENDPOINT={url}")?;
    if let Some(key) = handle.aliyun_credentials() {
        writeln!(
            out,
            "export ALIBABA_CLOUD_ACCESS_KEY_ID={} ALIBABA_CLOUD_ACCESS_KEY_SECRET={}",
            key.access_key_id,
            key.access_key_secret.expose_secret()
        )?;
    }
    if let Some(key) = handle.huawei_credentials() {
        writeln!(
            out,
            "export HUAWEICLOUD_SDK_AK={} HUAWEICLOUD_SDK_SK={} HUAWEICLOUD_SDK_PROJECT_ID={}",
            key.access_key,
            key.secret_key.expose_secret(),
            handle.huawei_project_id()
        )?;
    }
    if let Some(token) = handle.huawei_token() {
        writeln!(out, "# or, for Huawei token auth: export OASWATCH_HUAWEI_TOKEN={}", token.expose_secret())?;
    }
    writeln!(out, "# or per command: --endpoint aliyun={url} --endpoint huawei={url}")?;
    creds::banner(&url, out)?;
    writeln!(out)?;
    // Where `oaswatch import --to` can send a spec: every group (Alibaba) and instance (Huawei).
    writeln!(out, "import targets (oaswatch import SPEC --to TARGET):")?;
    for group in &scenario.aliyun.groups {
        writeln!(out, "  aliyun://{}/{}  (group {})", handle.aliyun_region(), group.id, group.name)?;
    }
    for instance in &scenario.huawei.instances {
        let target = format!("huawei://{}/{}/{}", handle.huawei_region(), handle.huawei_project_id(), instance.id);
        let groups: Vec<String> = instance.groups.iter().map(|g| format!("--group {} ({})", g.id, g.name)).collect();
        if groups.is_empty() {
            writeln!(out, "  {target}")?;
        } else {
            writeln!(out, "  {target}  {}", groups.join(", "))?;
        }
    }
    writeln!(out, "  e.g. oaswatch import assets/specs/shop-2.0.json --to <a target above>")?;
    writeln!(out)?;
    let refs = handle.named_task_refs();
    if refs.is_empty() {
        writeln!(out, "no tasks were created at start")?;
    } else {
        writeln!(out, "tasks:")?;
        let width = refs.iter().map(|(name, _)| name.len()).max().unwrap_or(0);
        for (name, task_ref) in refs {
            writeln!(out, "  {name:<width$}  {task_ref}")?;
        }
    }
    writeln!(out)?;
    writeln!(out, "press Ctrl-C to stop")?;
    out.flush()
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn foreground_prints_how_to_connect_and_stops_cleanly() {
        let mut out = Vec::new();
        let config = SimConfig { seed: 5, ..SimConfig::new(scenario::load("happy").unwrap()) };
        run_until(config, &mut out, async {}).await.unwrap();
        let text = String::from_utf8(out).unwrap();
        let url_line = text.lines().find(|l| l.starts_with("export OASWATCH_ALIYUN_ENDPOINT=")).unwrap();
        let url = url_line.split_whitespace().nth(1).unwrap().trim_start_matches("OASWATCH_ALIYUN_ENDPOINT=");
        assert!(url.starts_with("http://127.0.0.1:"), "{url}");
        assert!(url_line.contains(&format!("OASWATCH_HUAWEI_ENDPOINT={url}")));
        assert!(text.contains(&format!("--endpoint aliyun={url} --endpoint huawei={url}")));
        assert!(
            text.contains("ALIBABA_CLOUD_ACCESS_KEY_ID=LTAI5tSimulatorKey0000001 ALIBABA_CLOUD_ACCESS_KEY_SECRET=")
        );
        assert!(text.contains("HUAWEICLOUD_SDK_AK=SIMULATORAKNOTREAL001"));
        assert!(text.contains("HUAWEICLOUD_SDK_PROJECT_ID=0123456789abcdef0123456789abcdef"));
        assert!(text.contains("OASWATCH_HUAWEI_TOKEN="));
        assert!(text.contains("aliyun-petstore  aliyun://cn-hangzhou/"), "{text}");
        assert!(
            text.contains("huawei://cn-north-4/0123456789abcdef0123456789abcdef/eddc4d25480b4cd6b512f270a1b8b341/")
        );
        assert!(text.contains("(seed 5, speed 1)"));
        assert!(text.ends_with("simulator stopped\n"));
    }

    #[tokio::test]
    async fn bad_speeds_and_busy_ports_are_errors() {
        let scenario = scenario::load("happy").unwrap();
        let err = start(SimConfig { speed: 0.0, ..SimConfig::new(scenario.clone()) }).await.unwrap_err();
        assert!(matches!(err, SimError::Speed(_)));
        let first = start(SimConfig::new(scenario.clone())).await.unwrap();
        let err = start(SimConfig { listen: first.addr(), ..SimConfig::new(scenario) }).await.unwrap_err();
        assert!(err.to_string().contains(&first.addr().to_string()), "{err}");
        first.shutdown().await;
    }

    #[tokio::test]
    async fn handles_expose_targets_and_redacted_credentials() {
        let sim = start(SimConfig::new(scenario::load("demo").unwrap())).await.unwrap();
        assert_eq!(sim.task_refs().len(), sim.scenario().tasks.len());
        assert_eq!(sim.aliyun_target().unwrap().to_string(), "aliyun://cn-hangzhou/736508d885074167ba8fbce3bc95ea0b");
        assert!(sim.huawei_target().unwrap().to_string().starts_with("huawei://cn-north-4/"));
        let creds = sim.aliyun_sts_credentials().unwrap();
        assert!(creds.security_token.is_some());
        assert!(!format!("{creds:?}").contains("SimulatorStsSecret"));
        assert!(!format!("{sim:?}").contains("SimulatorSecretNotARealKey"), "no secret in the handle's Debug");
        sim.shutdown().await;
    }
}
