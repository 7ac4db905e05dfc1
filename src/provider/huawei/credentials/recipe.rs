//! What the Huawei chain decided: a static key or token, an OIDC federation, or the ECS metadata
//! service (which, at the end of the default chain, means "no credentials" when it does not
//! answer). Owns turning that into a [`CredentialProvider`]; the requests are `iam`'s.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;

use super::HuaweiCredentials;
use crate::credentials::{
    Clock, CredentialProvider, CredentialSource, Lease, Refreshing, Renewer, read_exchange_token,
};
use crate::domain::{FetchError, FetchErrorKind};

/// huaweicloudsdkcore renews temporary keys 40 minutes before they expire.
pub const MARGIN: Duration = Duration::from_secs(40 * 60);

/// How to obtain an account's key.
#[derive(Debug)]
pub enum Recipe {
    Static(HuaweiCredentials),
    /// An ID token file exchanged with IAM (the file is read anew each time: it is rotated).
    Federation {
        idp_id: String,
        token_file: PathBuf,
        iam: Url,
        source: CredentialSource,
    },
    /// The agency key of the instance. `missing`, when set, is the default chain's "nothing
    /// found" message for a service that does not answer.
    Metadata {
        endpoint: Url,
        source: CredentialSource,
        missing: Option<String>,
    },
}

impl Recipe {
    pub fn source(&self) -> CredentialSource {
        match self {
            Recipe::Static(credentials) => credentials.source().clone(),
            Recipe::Federation { source, .. } | Recipe::Metadata { source, .. } => source.clone(),
        }
    }

    pub fn build(self, http: &reqwest::Client, clock: &Arc<dyn Clock>) -> CredentialProvider<HuaweiCredentials> {
        let label = self.source().to_string();
        let renew = match self {
            Recipe::Static(credentials) => return CredentialProvider::Static(Arc::new(credentials)),
            Recipe::Federation { idp_id, token_file, iam, source } => Renewer::boxed(
                (idp_id, token_file, iam, source, http.clone()),
                |(idp_id, token_file, iam, source, http)| {
                    Box::pin(async move {
                        let token = read_exchange_token(token_file, "the ID token file")?;
                        super::iam::federate(http, iam, idp_id, &token, source).await
                    })
                },
            ),
            Recipe::Metadata { endpoint, source, missing } => {
                Renewer::boxed((endpoint, source, missing), |(endpoint, source, missing)| {
                    Box::pin(metadata(endpoint, source, missing.as_deref()))
                })
            }
        };
        CredentialProvider::Refreshing(Refreshing::new(label, renew, Arc::clone(clock), MARGIN))
    }
}

/// The agency key from the metadata service; at the end of the default chain (`missing`), a
/// service that does not answer means that no credentials were found.
async fn metadata(
    endpoint: &Url,
    source: &CredentialSource,
    missing: Option<&str>,
) -> Result<Lease<HuaweiCredentials>, FetchError> {
    let http = crate::provider::machine::client()?;
    match (super::iam::metadata(http, endpoint, source).await, missing) {
        (Err(error), Some(missing)) if error.code == "metadata.unreachable" => Err(FetchError::new(
            FetchErrorKind::Auth,
            "credentials.missing",
            format!("no huawei credentials found: {missing}; and {}", error.message),
        )),
        (result, _) => result,
    }
}
