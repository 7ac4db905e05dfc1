//! Both clouds behind one [`Fetch`]: dispatch on the task reference, and turn a missing
//! credential into a per-task Auth error so the other cloud's tasks keep working.
//!
//! Owns wiring the shared HTTP client, the endpoint overrides and the discovered credentials
//! together. Must not print: discovery warnings are returned for the caller to show.

use crate::credentials::{CredentialError, CredentialSource, Discovery};
use crate::domain::{FetchError, FetchErrorKind, ProviderKind, Task, TaskRef};

use super::Fetch;
use super::aliyun::AliyunClient;
use super::endpoint::EndpointOverrides;
use super::http::{HttpBuildError, HttpConfig, build_client};
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
        let http = build_client(config)?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::discover;

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
