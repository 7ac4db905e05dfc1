//! Every cloud behind one [`Fetch`]: dispatch on the task reference, and turn a missing
//! credential into a per-task Auth error so the other clouds' tasks keep working.
//!
//! Owns wiring the shared HTTP client, the endpoint overrides and the discovered credentials
//! together, one entry per cloud. Must not print: discovery warnings are returned for the caller
//! to show.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};

use crate::credentials::{CredentialError, CredentialSource};
use crate::domain::{FetchError, FetchErrorKind, ProviderKind, Task, TaskRef};

use super::endpoint::EndpointOverrides;
use super::http::{HttpBuildError, HttpConfig, build_client};
use super::{CLOUDS, Cloud, Connection, Discovered, EnvLookup, Fetch};

/// What every cloud's credential chain found; each fails on its own.
#[derive(Debug, Default)]
pub struct Discovery(pub BTreeMap<ProviderKind, Result<Discovered, CredentialError>>);

impl Discovery {
    /// Every warning of every cloud.
    pub fn warnings(&self) -> Vec<String> {
        self.0.values().filter_map(|found| found.as_ref().ok()).flat_map(|found| found.warnings.clone()).collect()
    }

    /// Why a cloud has no credentials, if it has none.
    pub fn error(&self, provider: ProviderKind) -> Option<&CredentialError> {
        self.0.get(&provider).and_then(|found| found.as_ref().err())
    }
}

/// Runs every cloud's chain with an injected environment lookup and home directory.
pub fn discover(env: EnvLookup<'_>, home: Option<&Path>) -> Discovery {
    Discovery(CLOUDS.iter().map(|cloud| (cloud.kind, (cloud.discover)(env, home))).collect())
}

/// Runs every chain against the real process environment and the user's home directory.
pub fn discover_from_process() -> Discovery {
    let home = directories::BaseDirs::new().map(|dirs| dirs.home_dir().to_path_buf());
    discover(&|name| std::env::var(name).ok(), home.as_deref())
}

/// One client per cloud, or the reason there is none.
#[derive(Debug, Clone, Default)]
pub struct Clients(BTreeMap<ProviderKind, Result<Arc<dyn Cloud>, CredentialError>>);

impl Clients {
    /// Clients made elsewhere (the simulator's), one per cloud.
    pub fn new(clients: impl IntoIterator<Item = (ProviderKind, Result<Arc<dyn Cloud>, CredentialError>)>) -> Self {
        Clients(clients.into_iter().collect())
    }

    /// Builds the shared HTTP client and every cloud's client. Returns discovery warnings (a
    /// loose credentials file mode) for the caller to log or print.
    pub fn build(
        config: &HttpConfig,
        endpoints: &EndpointOverrides,
        discovery: Discovery,
    ) -> Result<(Clients, Vec<String>), HttpBuildError> {
        let warnings = discovery.warnings();
        let http = build_client(config)?;
        let clients = discovery
            .0
            .into_iter()
            .map(|(kind, found)| {
                let client = found.map(|found| {
                    (found.connect)(Connection {
                        http: &http,
                        endpoint: endpoints.get(kind),
                        body_cap: config.body_cap,
                    })
                });
                (kind, client)
            })
            .collect();
        Ok((Clients(clients), warnings))
    }

    /// The client of a cloud, or why there is none.
    pub fn get(&self, provider: ProviderKind) -> Result<&Arc<dyn Cloud>, CredentialError> {
        match self.0.get(&provider) {
            Some(Ok(client)) => Ok(client),
            Some(Err(error)) => Err(error.clone()),
            None => Err(CredentialError::Missing { provider, hint: "no client was set up for it".to_owned() }),
        }
    }

    /// Why a provider has no client, so the CLI can exit 2 before polling.
    pub fn credential_error(&self, provider: ProviderKind) -> Option<CredentialError> {
        self.get(provider).err()
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
        match self.get(task.provider()) {
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
                discover(&|_| None, Some(dir.path())),
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
        let env = |name: &str| (name == "OASWATCH_HUAWEI_TOKEN").then(|| "token-value".to_owned());
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

    #[test]
    fn auth_errors_name_the_credential_source() {
        let source = CredentialSource::Env { variable: "HUAWEICLOUD_SDK_AK" };
        let e = with_credential_source(FetchError::new(FetchErrorKind::Auth, "APIG.1002", "bad token"), &source);
        assert_eq!(e.message, "bad token (credentials from env HUAWEICLOUD_SDK_AK)");
        let e = with_credential_source(FetchError::new(FetchErrorKind::Server, "APIG.9999", "boom"), &source);
        assert_eq!(e.message, "boom");
    }
}
