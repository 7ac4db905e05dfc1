//! Both clouds behind one [`Fetch`]: dispatch on the task reference, and turn a missing
//! credential into a per-task Auth error so the other cloud's tasks keep working.
//!
//! Owns wiring the shared HTTP client, the endpoint overrides and the discovered credentials
//! together. Must not print: discovery warnings are returned for the caller to show.

use std::sync::{Mutex, OnceLock};

use crate::credentials::{CredentialError, CredentialSource, Discovery};
use crate::domain::{FetchError, FetchErrorKind, ProviderKind, Task, TaskRef};

use super::Fetch;
use super::aliyun::AliyunClient;
use super::endpoint::EndpointOverrides;
use super::http::{HttpBuildError, HttpConfig, build_client, build_plain_client};
use super::huawei::HuaweiClient;

/// One client per cloud, or the reason there is none.
#[derive(Debug, Clone)]
pub struct Clients {
    aliyun: Result<AliyunClient, CredentialError>,
    huawei: Result<HuaweiClient, CredentialError>,
}

impl Clients {
    pub fn new(aliyun: Result<AliyunClient, CredentialError>, huawei: Result<HuaweiClient, CredentialError>) -> Self {
        Clients { aliyun, huawei }
    }

    /// Builds the shared HTTP client and both cloud clients. Returns discovery warnings (a loose
    /// credentials file mode) for the caller to log or print.
    pub fn build(
        config: &HttpConfig,
        endpoints: &EndpointOverrides,
        discovery: Discovery,
    ) -> Result<(Clients, Vec<String>), HttpBuildError> {
        let warnings = discovery.warnings();
        let http = if needs_tls(discovery.aliyun.is_ok(), discovery.huawei.is_ok(), endpoints) {
            build_client(config)?
        } else {
            build_plain_client(config)?
        };
        let aliyun = discovery.aliyun.map(|found| {
            AliyunClient::new(http.clone(), endpoints.aliyun.clone(), found.credentials).with_body_cap(config.body_cap)
        });
        let huawei = discovery.huawei.map(|found| {
            HuaweiClient::new(http.clone(), endpoints.huawei.clone(), found.credentials).with_body_cap(config.body_cap)
        });
        Ok((Clients { aliyun, huawei }, warnings))
    }

    pub fn aliyun(&self) -> Result<&AliyunClient, &CredentialError> {
        self.aliyun.as_ref()
    }

    pub fn huawei(&self) -> Result<&HuaweiClient, &CredentialError> {
        self.huawei.as_ref()
    }

    /// Why a provider has no client, so the CLI can exit 2 before polling.
    pub fn credential_error(&self, provider: ProviderKind) -> Option<&CredentialError> {
        match provider {
            ProviderKind::Aliyun => self.aliyun.as_ref().err(),
            ProviderKind::Huawei => self.huawei.as_ref().err(),
        }
    }
}

/// Whether a cloud we can talk to (one with credentials) is reached over https, so the system's
/// root certificates must be loaded: not for the simulator on loopback.
fn needs_tls(aliyun_usable: bool, huawei_usable: bool, endpoints: &EndpointOverrides) -> bool {
    let https = |usable: bool, endpoint: Option<&reqwest::Url>| usable && endpoint.is_none_or(|u| u.scheme() != "http");
    https(aliyun_usable, endpoints.aliyun.as_ref()) || https(huawei_usable, endpoints.huawei.as_ref())
}

/// The fetch error a task gets when its cloud has no usable credentials.
pub fn credential_fetch_error(error: &CredentialError) -> FetchError {
    let code = match error {
        CredentialError::Missing { .. } => "credentials.missing",
        CredentialError::Invalid { .. } | CredentialError::File { .. } => "credentials.invalid",
    };
    FetchError::new(FetchErrorKind::Auth, code, error.to_string())
}

/// Names where the rejected credential came from, so the user knows what to fix
/// (reliability.md table row 12). The source is a variable name or a path, never a value.
pub(crate) fn with_credential_source(mut error: FetchError, source: &CredentialSource) -> FetchError {
    if error.kind == FetchErrorKind::Auth && !error.code.starts_with("credentials.") {
        error.message = format!("{} (credentials from {source})", error.message);
    }
    error
}

impl Fetch for Clients {
    async fn fetch(&self, task: &TaskRef) -> Result<Task, FetchError> {
        match task.provider() {
            ProviderKind::Aliyun => match &self.aliyun {
                Ok(client) => client.fetch(task).await,
                Err(e) => Err(credential_fetch_error(e)),
            },
            ProviderKind::Huawei => match &self.huawei {
                Ok(client) => client.fetch(task).await,
                Err(e) => Err(credential_fetch_error(e)),
            },
        }
    }
}

/// How [`LazyClients`] makes the clients when they are first needed.
type Build = Box<dyn FnOnce() -> Result<Clients, HttpBuildError> + Send>;

/// [`Clients`] built on the first fetch instead of up front.
///
/// Building the HTTP client sets up TLS (~5 ms warm, 13 ms cold; performance.md §6). The
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
    use crate::credentials::discover;

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
    fn root_certificates_are_needed_only_for_a_usable_cloud_reached_over_https() {
        let loopback = || Some(reqwest::Url::parse("http://127.0.0.1:8080").unwrap());
        let sim = EndpointOverrides { aliyun: loopback(), huawei: loopback() };
        assert!(!needs_tls(true, true, &sim), "the simulator: plain http only");
        let default = EndpointOverrides::default();
        assert!(needs_tls(true, false, &default), "Alibaba's default host is https");
        assert!(!needs_tls(false, false, &default), "no credentials, no requests");
        let mixed = EndpointOverrides { aliyun: loopback(), huawei: None };
        assert!(!needs_tls(true, false, &mixed), "Huawei has no credentials: never reached");
        assert!(needs_tls(true, true, &mixed));
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
