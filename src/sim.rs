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
//! sim.rs          SimConfig, start → SimHandle, run_foreground; CLOUDS, the simulated clouds
//! ├── cloud       SimCloud: what the shared files ask of a cloud; its section and state holders
//! ├── aliyun      RPC endpoint `/`; aliyun/scenario (`[aliyun]`), aliyun/tasks (groups, task
//! │               creation), aliyun/handle (handle accessors, banner), aliyun/auth (ACS3
//! │               verifier), aliyun/errors, aliyun/group (group reads), aliyun/sts (STS),
//! │               aliyun/imds (ECS RAM role, credentials URI)
//! ├── huawei      `/v2/{project}/apigw/instances/{id}/…`; the same parts, plus huawei/export
//! │               (group → Swagger/OAS document), huawei/iam, huawei/metadata (ECS keys)
//! ├── scenario    TOML schema, built-in scenarios and specs
//! ├── server      listeners (main + redirect target), dispatch to the cloud that claims a request
//! ├── auth        what the verifiers share        ├── faults   fault selection and injection
//! ├── import      gateway rules → plan        ├── imds     metadata session tokens, faults
//! ├── engine      plan + time → state         ├── creds    issued keys, injected faults
//! └── state, ids, stats, hostile, specgen, http; truth (grouping scored against injected causes)
//! ```
//!
//! Adding a cloud: its folder, and one line in [`CLOUDS`] (docs/adding-a-provider.md).
//!
//! Determinism: ids, outcomes and timelines derive from `seed`; the state of a task is a pure
//! function of its plan and the simulated time since it was created (wall time × `speed`), so
//! the same seed ends in the same answers however the simulator is polled.

mod aliyun;
mod auth;
mod cloud;
pub mod creds;
mod engine;
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

use crate::app::labels;
use std::future::Future;
use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant};

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

pub use aliyun::AliyunCredentials;
pub use huawei::HuaweiCredentials;

use crate::domain::{ProviderKind, SubtaskKind, TaskRef};
use crate::openapi::OpenApiError;
use cloud::{CloudStates, SimCloud, StartTask};
use ids::Ids;
use import::{Origin, resolve};
use state::{Inner, Shared};

/// The simulated clouds, in `ProviderKind::ALL` order: the one table a cloud registers in.
const CLOUDS: &[&SimCloud] = &[&aliyun::CLOUD, &huawei::CLOUD];

/// The simulated cloud of a kind.
fn cloud(kind: ProviderKind) -> &'static SimCloud {
    match CLOUDS.iter().find(|cloud| cloud.kind == kind) {
        Some(cloud) => cloud,
        None => unreachable!("every ProviderKind is registered in CLOUDS (tested)"),
    }
}

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

    /// Why each item of a start or API-created task failed, was cancelled or skipped, in the
    /// task's own order: the ground truth that failure grouping is checked against. Nothing
    /// the clouds answer carries it. `None` for an unknown task.
    pub fn injected_causes(&self, task: &TaskRef) -> Option<Vec<InjectedCause>> {
        let inner = self.shared.lock();
        let task = inner.tasks.get(task.task_id())?;
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

    /// The environment that points an `oaswatch` process at this simulator: every cloud's
    /// endpoint and the scenario's first long-term (made-up) key of each. For the tests, benches
    /// and soak runs that start the real binary.
    pub fn client_env(&self) -> Vec<(&'static str, String)> {
        let mut env: Vec<(&'static str, String)> =
            CLOUDS.iter().map(|cloud| (cloud.kind.facts().endpoint_env, self.base_url())).collect();
        for cloud in CLOUDS {
            env.extend((cloud.client_and_banner.client_key_env)(self));
        }
        env
    }

    /// What `oaswatch import` would have labelled each task created at start: its spec's file
    /// name and its group's name (or id).
    pub fn task_labels(&self) -> Vec<(TaskRef, String)> {
        let scenario = &self.shared.scenario;
        let groups: Vec<(String, String)> =
            CLOUDS.iter().flat_map(|cloud| (cloud.section.group_names)(scenario)).collect();
        let group_name =
            |id: &str| groups.iter().find(|(gid, _)| gid == id).map_or_else(|| id.to_owned(), |(_, name)| name.clone());
        self.named_task_refs()
            .into_iter()
            .filter_map(|(name, task_ref)| {
                let task = scenario.tasks.iter().find(|t| t.name == name)?;
                let spec = task.spec.as_deref().unwrap_or(&name);
                let group = task.group.as_deref().map(group_name);
                let into = labels::ImportedInto::group_if_known(group.as_deref());
                Some((task_ref, labels::import_label(std::path::Path::new(spec), into)))
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
    let clouds = CloudStates(CLOUDS.iter().map(|cloud| (cloud.tasks.initial_state)(scenario, ids)).collect());
    Inner { clouds, fault_counters: vec![0; scenario.faults.len()], ..Inner::default() }
}

fn create_start_tasks(shared: &Shared, started: Instant) -> Result<Vec<(String, TaskRef)>, SimError> {
    let scenario = &shared.scenario;
    let mut inner = shared.lock();
    let mut refs = Vec::new();
    for task in &scenario.tasks {
        let behaviour = resolve(&task.behaviour, &scenario.defaults);
        let messages = (!task.failure_messages.is_empty()).then(|| task.failure_messages.clone().into());
        let origin = Origin { name: Some(task.name.clone()), behaviour, created: started, messages };
        let start = StartTask { scenario, task, origin };
        let task_ref = (cloud(task.provider).tasks.create_start_task)(shared, &mut inner, &start)?;
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

fn print_banner(handle: &SimHandle, out: &mut dyn Write) -> std::io::Result<()> {
    let url = handle.base_url();
    let scenario = handle.scenario();
    writeln!(out, "oaswatch simulator: scenario {} (seed {}, speed {})", scenario.name, handle.seed(), handle.speed())?;
    let served: Vec<&str> = CLOUDS.iter().map(|cloud| cloud.served_at).collect();
    writeln!(out, "listening on {url}  ({})", served.join(", "))?;
    writeln!(out)?;
    writeln!(out, "# point oaswatch at it:")?;
    let endpoints: Vec<String> =
        CLOUDS.iter().map(|cloud| format!("{}={url}", cloud.kind.facts().endpoint_env)).collect();
    writeln!(out, "export {}", endpoints.join(" "))?;
    for cloud in CLOUDS {
        (cloud.client_and_banner.banner_keys)(handle, out)?;
    }
    let per_command: Vec<String> = CLOUDS.iter().map(|cloud| format!("--endpoint {}={url}", cloud.kind)).collect();
    writeln!(out, "# or per command: {}", per_command.join(" "))?;
    creds::banner(&url, out)?;
    writeln!(out)?;
    // Where `oaswatch import --to` can send a spec: every cloud's groups or instances.
    writeln!(out, "import targets (oaswatch import SPEC --to TARGET):")?;
    for cloud in CLOUDS {
        (cloud.client_and_banner.banner_targets)(handle, out)?;
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

    #[test]
    fn every_cloud_is_simulated_once_in_order() {
        let kinds: Vec<ProviderKind> = CLOUDS.iter().map(|cloud| cloud.kind).collect();
        assert_eq!(kinds, ProviderKind::ALL);
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
