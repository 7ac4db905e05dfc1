//! Every cloud and account behind one [`Fetch`]: dispatch on the task reference (its cloud and
//! the profile it names), and turn a missing credential into a per-task Auth error so the other
//! accounts' tasks keep working.
//!
//! Owns wiring the shared HTTP client, the endpoint overrides and the discovered credentials
//! together, one entry per account, made when an account is first needed. Must not print:
//! discovery warnings are returned for the caller to show.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use crate::credentials::{ChainInput, Clock, CredentialError, CredentialSource, Skipped};
use crate::domain::{FetchError, FetchErrorKind, ProviderKind, Target, Task, TaskRef};

use super::endpoint::EndpointOverrides;
use super::http::{HttpBuildError, HttpConfig, build_client, build_plain_client};
use super::{CLOUDS, Cloud, Connection, Discovered, EnvLookup, Fetch, registration};

/// One account of one cloud: the provider, and the credentials profile a reference names
/// (`None`: the cloud's default chain).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Account {
    pub provider: ProviderKind,
    pub profile: Option<String>,
}

impl Account {
    /// The default chain of a cloud.
    pub fn default_of(provider: ProviderKind) -> Account {
        Account { provider, profile: None }
    }

    /// The account a task is watched with.
    pub fn of(task: &TaskRef) -> Account {
        Account { provider: task.provider(), profile: task.profile().map(str::to_owned) }
    }

    /// The account an import or export target is reached with.
    pub fn of_target(target: &Target) -> Account {
        Account { provider: target.provider(), profile: target.profile().map(str::to_owned) }
    }
}

impl fmt::Display for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.profile {
            Some(profile) => write!(f, "{} profile {profile}", self.provider),
            None => write!(f, "{} (default chain)", self.provider),
        }
    }
}

/// What every account's credential chain found; each fails on its own.
#[derive(Debug, Default)]
pub struct Discovery(pub BTreeMap<Account, Result<Discovered, CredentialError>>);

impl Discovery {
    /// Every warning of every account.
    pub fn warnings(&self) -> Vec<String> {
        self.0.values().filter_map(|found| found.as_ref().ok()).flat_map(|found| found.warnings.clone()).collect()
    }

    /// Why a cloud's default chain found no credentials, if it found none.
    pub fn error(&self, provider: ProviderKind) -> Option<&CredentialError> {
        self.error_for(&Account::default_of(provider))
    }

    /// Why an account has no credentials, if it has none.
    pub fn error_for(&self, account: &Account) -> Option<&CredentialError> {
        self.0.get(account).and_then(|found| found.as_ref().err())
    }
}

/// Runs an account's chain with an injected environment lookup and home directory.
pub fn discover_account(
    env: EnvLookup<'_>,
    home: Option<&Path>,
    account: &Account,
) -> Result<Discovered, CredentialError> {
    let input = ChainInput { env, home, profile: account.profile.as_deref() };
    (registration(account.provider).discover)(&input)
}

/// Runs every cloud's default chain with an injected environment lookup and home directory.
pub fn discover(env: EnvLookup<'_>, home: Option<&Path>) -> Discovery {
    discover_accounts(env, home, CLOUDS.iter().map(|cloud| Account::default_of(cloud.kind)))
}

/// Runs the chains of the given accounts.
pub fn discover_accounts(
    env: EnvLookup<'_>,
    home: Option<&Path>,
    accounts: impl IntoIterator<Item = Account>,
) -> Discovery {
    Discovery(
        accounts
            .into_iter()
            .map(|account| {
                let found = discover_account(env, home, &account);
                (account, found)
            })
            .collect(),
    )
}

/// Runs every chain against the real process environment and the user's home directory.
pub fn discover_from_process() -> Discovery {
    let home = directories::BaseDirs::new().map(|dirs| dirs.home_dir().to_path_buf());
    discover(&|name| std::env::var(name).ok(), home.as_deref())
}

/// The environment a [`Resolver`] reads, shareable with the threads that resolve accounts later.
pub type SharedEnv = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// Finds the credentials of accounts that were not discovered up front: a profile a reference
/// added to the dashboard names.
#[derive(Clone)]
pub struct Resolver {
    env: SharedEnv,
    home: Option<PathBuf>,
}

impl fmt::Debug for Resolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Resolver").field("home", &self.home).finish_non_exhaustive()
    }
}

impl Resolver {
    pub fn new(env: SharedEnv, home: Option<PathBuf>) -> Resolver {
        Resolver { env, home }
    }

    pub fn discover(&self, account: &Account) -> Result<Discovered, CredentialError> {
        discover_account(&*self.env, self.home.as_deref(), account)
    }

    pub fn discover_all(&self, accounts: impl IntoIterator<Item = Account>) -> Discovery {
        discover_accounts(&*self.env, self.home.as_deref(), accounts)
    }
}

/// Where an account's credentials came from and what was passed over on the way.
#[derive(Debug, Clone)]
pub struct Provenance {
    pub source: CredentialSource,
    pub skipped: Vec<Skipped>,
}

type Made = Result<(Arc<dyn Cloud>, Provenance), CredentialError>;

/// How [`Clients`] connect an account they meet for the first time.
struct Maker {
    resolver: Resolver,
    http: reqwest::Client,
    /// Whether `http` is the plain client (no root certificates): an account met later that
    /// needs https gets a full client, built then.
    plain: bool,
    config: HttpConfig,
    full: OnceLock<reqwest::Client>,
    endpoints: EndpointOverrides,
    body_cap: usize,
    clock: Arc<dyn Clock>,
}

impl Maker {
    fn connect(&self, found: Discovered, provider: ProviderKind) -> (Arc<dyn Cloud>, Provenance) {
        let http = if self.plain && needs_tls(&found, self.endpoints.get(provider)) {
            // Were the build to fail, the plain client fails closed: it trusts no certificate.
            self.full.get_or_init(|| build_client(&self.config).unwrap_or_else(|_| self.http.clone()))
        } else {
            &self.http
        };
        connect(found, http, &self.endpoints, provider, self.body_cap, &self.clock)
    }
}

/// Whether an account may reach anything over https, so the system's root certificates must be
/// loaded: its cloud's endpoint is not a plain `http://` override (the simulator on loopback), or
/// its key comes from a service (STS, OIDC, instance metadata, a process) rather than being the
/// static key of the environment or a file.
fn needs_tls(found: &Discovered, endpoint: Option<&reqwest::Url>) -> bool {
    let static_key = matches!(found.source, CredentialSource::Env { .. } | CredentialSource::File { .. });
    !static_key || endpoint.is_none_or(|url| url.scheme() != "http")
}

fn connect(
    found: Discovered,
    http: &reqwest::Client,
    endpoints: &EndpointOverrides,
    provider: ProviderKind,
    body_cap: usize,
    clock: &Arc<dyn Clock>,
) -> (Arc<dyn Cloud>, Provenance) {
    let provenance = Provenance { source: found.source, skipped: found.skipped };
    let client = (found.connect)(Connection { http, endpoint: endpoints.get(provider), body_cap, clock });
    (client, provenance)
}

/// One client per account, made when an account is first needed, or the reason there is none.
/// Cloned handles share the clients.
#[derive(Clone, Default)]
pub struct Clients {
    made: Arc<Mutex<BTreeMap<Account, Made>>>,
    maker: Option<Arc<Maker>>,
}

impl fmt::Debug for Clients {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let made = self.made.lock().unwrap_or_else(PoisonError::into_inner);
        let accounts: Vec<String> = made
            .iter()
            .map(|(account, made)| match made {
                Ok((_, provenance)) => format!("{account}: {}", provenance.source),
                Err(error) => format!("{account}: {error}"),
            })
            .collect();
        f.debug_struct("Clients").field("accounts", &accounts).finish_non_exhaustive()
    }
}

impl Clients {
    /// Clients made elsewhere (the simulator's), one per cloud's default account.
    pub fn new(clients: impl IntoIterator<Item = (ProviderKind, Result<Arc<dyn Cloud>, CredentialError>)>) -> Self {
        let made = clients
            .into_iter()
            .map(|(provider, client)| {
                let made = client.map(|client| {
                    let source = client.credential_source().clone();
                    (client, Provenance { source, skipped: Vec::new() })
                });
                (Account::default_of(provider), made)
            })
            .collect();
        Clients { made: Arc::new(Mutex::new(made)), maker: None }
    }

    /// Builds the shared HTTP client and the client of every discovered account. Returns
    /// discovery warnings (a loose credentials file mode) for the caller to log or print.
    pub fn build(
        config: &HttpConfig,
        endpoints: &EndpointOverrides,
        discovery: Discovery,
    ) -> Result<(Clients, Vec<String>), HttpBuildError> {
        Clients::build_with(config, endpoints, discovery, None, crate::credentials::clock::system())
    }

    /// [`Clients::build`], resolving accounts met later with `resolver`, and judging temporary
    /// credentials by `clock`.
    pub fn build_with(
        config: &HttpConfig,
        endpoints: &EndpointOverrides,
        discovery: Discovery,
        resolver: Option<Resolver>,
        clock: Arc<dyn Clock>,
    ) -> Result<(Clients, Vec<String>), HttpBuildError> {
        let warnings = discovery.warnings();
        // Loading the system's root certificates (reading and decoding a few hundred files) was
        // most of a one-task `status`'s time against the simulator: only when https may be used.
        let plain = !discovery
            .0
            .iter()
            .any(|(account, found)| found.as_ref().is_ok_and(|f| needs_tls(f, endpoints.get(account.provider))));
        let http = if plain { build_plain_client(config)? } else { build_client(config)? };
        let made = discovery
            .0
            .into_iter()
            .map(|(account, found)| {
                let made =
                    found.map(|found| connect(found, &http, endpoints, account.provider, config.body_cap, &clock));
                (account, made)
            })
            .collect();
        let maker = resolver.map(|resolver| {
            Arc::new(Maker {
                resolver,
                http,
                plain,
                config: *config,
                full: OnceLock::new(),
                endpoints: endpoints.clone(),
                body_cap: config.body_cap,
                clock,
            })
        });
        Ok((Clients { made: Arc::new(Mutex::new(made)), maker }, warnings))
    }

    /// The client of an account, made now if this is the first time it is needed.
    pub fn account(&self, account: &Account) -> Result<Arc<dyn Cloud>, CredentialError> {
        // Every poll asks: only the client is cloned, not the provenance (what the chain passed
        // over and said, several strings) that `made` hands out whole.
        if let Some(Ok((client, _))) = self.made.lock().unwrap_or_else(PoisonError::into_inner).get(account) {
            return Ok(Arc::clone(client));
        }
        self.made(account).map(|(client, _)| client)
    }

    /// Where an account's credentials come from, and what its chain passed over.
    pub fn provenance(&self, account: &Account) -> Result<Provenance, CredentialError> {
        self.made(account).map(|(_, provenance)| provenance)
    }

    fn made(&self, account: &Account) -> Made {
        let mut made = self.made.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(found) = made.get(account) {
            return found.clone();
        }
        let Some(maker) = &self.maker else {
            return Err(CredentialError::Missing {
                provider: account.provider,
                hint: format!("no client was set up for {account}"),
            });
        };
        // Reading a profile's files is quick; the network is only used on the first request.
        let result = maker.resolver.discover(account).map(|found| maker.connect(found, account.provider));
        made.insert(account.clone(), result.clone());
        result
    }

    /// The client of a cloud's default account, or why there is none.
    pub fn get(&self, provider: ProviderKind) -> Result<Arc<dyn Cloud>, CredentialError> {
        self.account(&Account::default_of(provider))
    }

    /// The client for a task, with the account its reference names.
    pub fn for_task(&self, task: &TaskRef) -> Result<Arc<dyn Cloud>, CredentialError> {
        self.account(&Account::of(task))
    }

    /// The client for an import or export target, with the account it names.
    pub fn for_target(&self, target: &Target) -> Result<Arc<dyn Cloud>, CredentialError> {
        self.account(&Account::of_target(target))
    }

    /// Why a cloud's default account has no client, so the CLI can exit 2 before polling.
    pub fn credential_error(&self, provider: ProviderKind) -> Option<CredentialError> {
        self.get(provider).err()
    }

    /// Why an account has no client.
    pub fn account_error(&self, account: &Account) -> Option<CredentialError> {
        self.account(account).err()
    }
}

/// The fetch error a task gets when its cloud has no usable credentials.
pub fn credential_fetch_error(error: &CredentialError) -> FetchError {
    let code = match error {
        CredentialError::Missing { .. } => "credentials.missing",
        CredentialError::Invalid { .. } | CredentialError::File { .. } => "credentials.invalid",
    };
    FetchError::new(FetchErrorKind::Auth, code, error.to_string())
}

/// Names where the rejected credential came from, so the user knows what to fix. The source is a
/// variable name or a path, never a value.
pub(crate) fn with_credential_source(mut error: FetchError, source: &CredentialSource) -> FetchError {
    if error.kind == FetchErrorKind::Auth && !error.code.starts_with("credentials.") {
        error.message = format!("{} (credentials from {source})", error.message);
    }
    error
}

impl Fetch for Clients {
    async fn fetch(&self, task: &TaskRef) -> Result<Task, FetchError> {
        match self.for_task(task) {
            Ok(client) => client.fetch(task).await,
            Err(e) => Err(credential_fetch_error(&e)),
        }
    }
}

/// How [`LazyClients`] makes the clients when they are first needed.
type Build = Box<dyn FnOnce() -> Result<Clients, HttpBuildError> + Send>;

/// [`Clients`] built on the first fetch instead of up front.
///
/// Building the HTTP client sets up TLS (~5 ms warm, 13 ms cold; BENCHMARKS.md, start-up). The
/// dashboard hands this to the poller, whose first fetch runs on a worker thread, so the first
/// frame is drawn from the saved watch list meanwhile. A build failure becomes every fetch's
/// error, shown per task like any other.
pub struct LazyClients {
    build: Mutex<Option<Build>>,
    built: OnceLock<Result<Clients, FetchError>>,
}

impl LazyClients {
    pub fn new(build: impl FnOnce() -> Result<Clients, HttpBuildError> + Send + 'static) -> LazyClients {
        LazyClients { build: Mutex::new(Some(Box::new(build))), built: OnceLock::new() }
    }

    /// Clients that already exist (the simulator's, or the ones an import has just used).
    pub fn ready(clients: Clients) -> LazyClients {
        let built = OnceLock::new();
        let _ = built.set(Ok(clients));
        LazyClients { build: Mutex::new(None), built }
    }

    /// The clients, built now if no fetch has built them yet (the dashboard's `R` import).
    pub fn clients(&self) -> Result<&Clients, FetchError> {
        self.get().as_ref().map_err(Clone::clone)
    }

    /// Whether the clients exist yet (for tests of the start-up path).
    pub fn is_built(&self) -> bool {
        self.built.get().is_some()
    }

    fn get(&self) -> &Result<Clients, FetchError> {
        self.built.get_or_init(|| {
            let build = self.build.lock().ok().and_then(|mut slot| slot.take());
            match build {
                Some(build) => {
                    build().map_err(|e| FetchError::new(FetchErrorKind::Network, "http.client", e.to_string()))
                }
                None => Err(FetchError::new(FetchErrorKind::Network, "http.client", "the HTTP client was not built")),
            }
        })
    }
}

impl std::fmt::Debug for LazyClients {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LazyClients").field("built", &self.built.get()).finish_non_exhaustive()
    }
}

impl Fetch for LazyClients {
    async fn fetch(&self, task: &TaskRef) -> Result<Task, FetchError> {
        match self.get() {
            Ok(clients) => clients.fetch(task).await,
            Err(error) => Err(error.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// No credentials anywhere, and the metadata services (the end of both default chains) off,
    /// so nothing reaches for the real ones.
    fn quiet(name: &str) -> Option<String> {
        matches!(name, "ALIBABA_CLOUD_ECS_METADATA_DISABLED" | "OASWATCH_HUAWEI_METADATA_DISABLED")
            .then(|| "true".to_owned())
    }

    #[test]
    fn root_certificates_are_needed_unless_a_static_key_goes_to_a_plain_http_endpoint() {
        let found = |source: CredentialSource| Discovered {
            source,
            skipped: Vec::new(),
            warnings: Vec::new(),
            connect: Box::new(|_| unreachable!("never connected here")),
        };
        let sim = reqwest::Url::parse("http://127.0.0.1:8080").unwrap();
        let https = reqwest::Url::parse("https://apig.example.com").unwrap();
        let env = found(CredentialSource::Env { variable: "ALIBABA_CLOUD_ACCESS_KEY_ID" });
        assert!(!needs_tls(&env, Some(&sim)), "the simulator with a key from the environment: plain http");
        assert!(needs_tls(&env, None), "the cloud's own host is https");
        assert!(needs_tls(&env, Some(&https)));
        let file = found(CredentialSource::File { path: "credentials".into(), profile: None });
        assert!(!needs_tls(&file, Some(&sim)));
        // A key from a service may be fetched over https whatever the cloud's endpoint is.
        let machine = found(CredentialSource::Machine { service: "ECS metadata".to_owned() });
        assert!(needs_tls(&machine, Some(&sim)));
        let sts = found(CredentialSource::Env { variable: "ALIBABA_CLOUD_ACCESS_KEY_ID" }.via("RamRoleArn r"));
        assert!(needs_tls(&sts, Some(&sim)));
    }

    #[tokio::test]
    async fn lazy_clients_are_built_by_the_first_fetch_once() {
        let builds = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = std::sync::Arc::clone(&builds);
        let lazy = LazyClients::new(move || {
            counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let dir = tempfile::tempdir().expect("a temp dir");
            let (clients, _) = Clients::build(
                &HttpConfig::default(),
                &EndpointOverrides::default(),
                discover(&quiet, Some(dir.path())),
            )?;
            Ok(clients)
        });
        assert!(!lazy.is_built(), "nothing is built before a fetch");
        let task: TaskRef = "aliyun://cn-hangzhou/abc".parse().unwrap();
        for _ in 0..2 {
            let err = lazy.fetch(&task).await.unwrap_err();
            assert_eq!(err.code, "credentials.missing", "the built clients answered");
        }
        assert!(lazy.is_built());
        assert_eq!(builds.load(std::sync::atomic::Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_lazy_build_failure_is_every_fetch_error() {
        let lazy = LazyClients::new(|| Err(HttpBuildError::for_tests("no TLS roots")));
        let task: TaskRef = "aliyun://cn-hangzhou/abc".parse().unwrap();
        let err = lazy.fetch(&task).await.unwrap_err();
        assert_eq!((err.kind, err.code.as_str()), (FetchErrorKind::Network, "http.client"));
        assert!(err.message.contains("no TLS roots"), "{}", err.message);
    }

    #[tokio::test]
    async fn a_missing_credential_fails_only_its_own_tasks() {
        let env = |name: &str| match name {
            "OASWATCH_HUAWEI_TOKEN" => Some("token-value".to_owned()),
            other => quiet(other),
        };
        let dir = tempfile::tempdir().unwrap();
        let (clients, warnings) =
            Clients::build(&HttpConfig::default(), &EndpointOverrides::default(), discover(&env, Some(dir.path())))
                .unwrap();
        assert!(warnings.is_empty());
        assert!(clients.credential_error(ProviderKind::Huawei).is_none());
        let missing = clients.credential_error(ProviderKind::Aliyun).unwrap();
        assert!(missing.to_string().contains("ALIBABA_CLOUD_ACCESS_KEY_ID"));

        let task: TaskRef = "aliyun://cn-hangzhou/abc".parse().unwrap();
        let err = clients.fetch(&task).await.unwrap_err();
        assert_eq!((err.kind, err.code.as_str()), (FetchErrorKind::Auth, "credentials.missing"));
        assert!(err.message.contains("ALIBABA_CLOUD_ACCESS_KEY_SECRET"), "{}", err.message);
        assert!(!format!("{clients:?}").contains("token-value"));
    }

    #[tokio::test]
    async fn an_account_named_later_is_resolved_on_first_use_and_its_errors_name_the_profile() {
        let dir = tempfile::tempdir().unwrap();
        let ini = dir.path().join(".huaweicloud/credentials");
        std::fs::create_dir_all(ini.parent().unwrap()).unwrap();
        std::fs::write(&ini, "[basic]\nak = BASIC\nsk = S1\n[prod]\nak = PRODAK\nsk = PRODSECRET2\n").unwrap();
        let resolver = Resolver::new(Arc::new(quiet), Some(dir.path().to_path_buf()));
        let discovery = resolver.discover_all([Account::default_of(ProviderKind::Huawei)]);
        let (clients, _) = Clients::build_with(
            &HttpConfig::default(),
            &EndpointOverrides::default(),
            discovery,
            Some(resolver),
            crate::credentials::clock::system(),
        )
        .unwrap();
        let prod: TaskRef = "huawei://prod@cn-north-4/p/i/t".parse().unwrap();
        let provenance = clients.provenance(&Account::of(&prod)).unwrap();
        assert!(provenance.source.to_string().ends_with("credentials (profile prod)"), "{}", provenance.source);
        let identity = clients.for_task(&prod).unwrap().identity().await.unwrap();
        assert_eq!(identity.kind, "AK/SK");
        let staging: TaskRef = "huawei://staging@cn-north-4/p/i/t".parse().unwrap();
        let err = clients.fetch(&staging).await.unwrap_err();
        assert_eq!(err.code, "credentials.missing");
        assert!(err.message.contains("no profile \"staging\""), "{}", err.message);
        assert!(format!("{clients:?}").contains("huawei profile prod"));
        assert!(!format!("{clients:?}").contains("PRODSECRET2"));
    }

    #[test]
    fn auth_errors_name_the_credential_source() {
        let source = CredentialSource::Env { variable: "HUAWEICLOUD_SDK_AK" };
        let e = with_credential_source(FetchError::new(FetchErrorKind::Auth, "APIG.1002", "bad token"), &source);
        assert_eq!(e.message, "bad token (credentials from env HUAWEICLOUD_SDK_AK)");
        let e = with_credential_source(FetchError::new(FetchErrorKind::Server, "APIG.9999", "boom"), &source);
        assert_eq!(e.message, "boom");
    }
}
