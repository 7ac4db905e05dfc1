//! A lab for the credential chains: the simulator (both clouds and their credential services),
//! a private home directory, an environment that points the services' overrides at the
//! simulator, and a manual clock the chains and the simulator's credential services share. The
//! clients are the real ones, built by the real chains, over real HTTP.

#![allow(dead_code, reason = "each test file uses a different part of the lab")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "test harness: fail loudly")]

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use oaswatch::credentials::{Clock, ManualClock};
use oaswatch::domain::{FetchError, Task, TaskRef};
use oaswatch::provider::{Account, Clients, EndpointOverrides, Fetch as _, HttpConfig, Resolver};
use oaswatch::sim::SimHandle;
use secrecy::ExposeSecret as _;

pub struct Lab {
    pub sim: SimHandle,
    pub home: tempfile::TempDir,
    pub env: HashMap<String, String>,
    pub clock: ManualClock,
}

impl Lab {
    /// The `happy` scenario, every credential service of the simulator reachable through the
    /// override variables, no credentials configured yet.
    pub async fn new() -> Lab {
        Lab::starting_at(ManualClock::new()).await
    }

    /// A lab on another built-in scenario.
    pub async fn with_scenario(name: &str) -> Lab {
        Lab::build(name, ManualClock::new()).await
    }

    /// A lab whose clock stands at a fixed moment, for snapshots of times.
    pub async fn at_fixed_time() -> Lab {
        let start = std::time::SystemTime::UNIX_EPOCH + Duration::from_secs(1_750_000_000);
        Lab::starting_at(ManualClock::starting_at(start)).await
    }

    async fn starting_at(clock: ManualClock) -> Lab {
        Lab::build("happy", clock).await
    }

    async fn build(scenario: &str, clock: ManualClock) -> Lab {
        let scenario = oaswatch::sim::scenario::load(scenario).unwrap();
        let config = oaswatch::sim::SimConfig { seed: 7, speed: 50.0, ..oaswatch::sim::SimConfig::new(scenario) };
        let sim = oaswatch::sim::start(config).await.unwrap();
        let url = sim.base_url();
        let env = [
            ("OASWATCH_ALIYUN_STS_ENDPOINT", url.as_str()),
            ("OASWATCH_ALIYUN_IMDS_ENDPOINT", url.as_str()),
            ("HUAWEICLOUD_SDK_IAM_ENDPOINT", url.as_str()),
            ("OASWATCH_HUAWEI_METADATA_ENDPOINT", url.as_str()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        sim.use_credential_clock(Arc::new(clock.clone()));
        Lab { sim, home: tempfile::tempdir().unwrap(), env, clock }
    }

    pub fn set(&mut self, name: &str, value: &str) -> &mut Lab {
        self.env.insert(name.to_owned(), value.to_owned());
        self
    }

    pub fn unset(&mut self, name: &str) -> &mut Lab {
        self.env.remove(name);
        self
    }

    /// Writes a file under the home directory, mode 0600.
    pub fn write(&self, rel: &str, text: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt as _;
        let path = self.home.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        path
    }

    /// The scenario's long-term Alibaba key and its STS key, as `(id, secret, token)`.
    pub fn aliyun_key(&self, sts: bool) -> (String, String, Option<String>) {
        let key = if sts { self.sim.aliyun_sts_credentials() } else { self.sim.aliyun_credentials() }.unwrap();
        (
            key.access_key_id,
            key.access_key_secret.expose_secret().to_owned(),
            key.security_token.map(|t| t.expose_secret().to_owned()),
        )
    }

    /// The scenario's permanent Huawei AK/SK.
    pub fn huawei_key(&self) -> (String, String) {
        let key = self.sim.huawei_credentials().unwrap();
        (key.access_key, key.secret_key.expose_secret().to_owned())
    }

    /// Clients as the CLI builds them: the real chains over this lab's environment and home,
    /// both clouds' endpoints on the simulator, the lab's clock.
    pub fn clients(&self) -> Clients {
        let env = self.env.clone();
        let resolver =
            Resolver::new(Arc::new(move |name: &str| env.get(name).cloned()), Some(self.home.path().to_path_buf()));
        let mut endpoints = EndpointOverrides::default();
        for provider in oaswatch::domain::ProviderKind::ALL {
            endpoints.set(provider, self.sim.base_url().parse().unwrap());
        }
        let clock: Arc<dyn Clock> = Arc::new(self.clock.clone());
        let discovery = resolver.discover_all(Vec::<Account>::new());
        let (clients, _) =
            Clients::build_with(&HttpConfig::default(), &endpoints, discovery, Some(resolver), clock).unwrap();
        clients
    }

    pub fn aliyun_task(&self, profile: Option<&str>) -> TaskRef {
        self.sim.task_ref("aliyun-petstore").unwrap().with_profile(profile.map(str::to_owned))
    }

    pub fn huawei_task(&self, profile: Option<&str>) -> TaskRef {
        self.sim.task_ref("huawei-petstore").unwrap().with_profile(profile.map(str::to_owned))
    }

    /// Moves the clock the chains and the simulator's credential services share.
    pub fn advance(&self, by: Duration) {
        self.clock.advance(by);
    }
}

/// One fetch of a task through `clients`.
pub async fn fetch(clients: &Clients, task: &TaskRef) -> Result<Task, FetchError> {
    clients.fetch(task).await
}

/// Waits (up to 10 s of real time) until `check` holds.
pub async fn eventually(what: &str, check: impl Fn() -> bool) {
    for _ in 0..1000 {
        if check() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("timed out waiting for {what}");
}

/// How many keys the cache of a task's account obtained so far.
pub async fn renewals(clients: &Clients, task: &TaskRef) -> u64 {
    let client = clients.account(&Account::of(task)).unwrap();
    client.identity().await.unwrap().cache.map_or(0, |cache| cache.renewals)
}

/// Waits (up to 10 s of real time) until the cache of a task's account obtained `n` keys.
pub async fn until_renewals(clients: &Clients, task: &TaskRef, n: u64) {
    for _ in 0..1000 {
        if renewals(clients, task).await >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("timed out waiting for {n} renewals of {task}");
}

/// The access key ids that signed accepted API requests, most recent counts.
pub fn signers(sim: &SimHandle) -> Vec<String> {
    sim.requests_signed_by().into_keys().collect()
}
