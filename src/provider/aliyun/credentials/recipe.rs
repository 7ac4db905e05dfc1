//! What a chain decided, before anything is fetched: a [`Recipe`] says how to obtain the
//! account's key (a static key, a role to assume with another recipe's key, an OIDC role, the
//! instance metadata, a URI, a process, or the last sources of the default chain in order).
//!
//! Owns turning a recipe into a [`CredentialProvider`] once the HTTP client and the clock exist:
//! static keys as they are, everything else behind a [`Refreshing`] cache. Reading files and
//! variables is the chain's job (the sibling modules); talking to services is `sts`, `imds`,
//! `uri` and `external`'s.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use reqwest::Url;

use super::AliyunCredentials;
use super::imds::ImdsSpec;
use super::sts::RoleSpec;
use crate::credentials::{
    Clock, CredentialProvider, CredentialSource, Lease, Refreshing, Renew, Renewal, Renewer, read_exchange_token,
};
use crate::domain::{FetchError, FetchErrorKind};

/// The SDKs' stale window for STS, OIDC, metadata and URI keys: renew 15 minutes before expiry.
pub const STS_MARGIN: Duration = Duration::from_secs(15 * 60);
/// The SDKs' window for an external process's key: 3 minutes.
pub const EXTERNAL_MARGIN: Duration = Duration::from_secs(3 * 60);

/// An OIDC role: the token file is read anew for every exchange (it is rotated under us).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcSpec {
    pub provider_arn: String,
    pub token_file: PathBuf,
    pub role: RoleSpec,
}

/// How to obtain an account's key.
#[derive(Debug)]
pub enum Recipe {
    Static(AliyunCredentials),
    /// `AssumeRole` signed with the caller's key (itself possibly temporary: a chained role).
    AssumeRole {
        caller: Box<Recipe>,
        role: RoleSpec,
        sts: Url,
        source: CredentialSource,
    },
    Oidc {
        spec: OidcSpec,
        sts: Url,
        source: CredentialSource,
    },
    Imds {
        spec: ImdsSpec,
        source: CredentialSource,
    },
    Uri {
        url: Url,
        source: CredentialSource,
    },
    External {
        command: String,
        source: CredentialSource,
    },
    /// The end of the default chain: each is tried in turn until one gives a key; when none
    /// does, `missing` says what could have been set.
    FirstOf {
        options: Vec<Recipe>,
        missing: String,
    },
}

impl Recipe {
    /// Where the key comes from, for messages.
    pub fn source(&self) -> CredentialSource {
        match self {
            Recipe::Static(credentials) => credentials.source.clone(),
            Recipe::AssumeRole { source, .. }
            | Recipe::Oidc { source, .. }
            | Recipe::Imds { source, .. }
            | Recipe::Uri { source, .. }
            | Recipe::External { source, .. } => source.clone(),
            Recipe::FirstOf { options, .. } => match options.as_slice() {
                [only] => only.source(),
                _ => CredentialSource::Machine {
                    service: options.iter().map(|o| o.source().to_string()).collect::<Vec<_>>().join(", then "),
                },
            },
        }
    }

    /// What the credentials SDK calls this provider, as it sends it in `x-acs-credentials-provider`
    /// (`static_ak`, `ram_role_arn/static_ak`, `ecs_ram_role`…); the chain adds where it was found
    /// (`default/`, `cli_profile/`, `profile/`).
    pub fn sdk_name(&self) -> String {
        match self {
            Recipe::Static(credentials) => match (&credentials.source, &credentials.security_token) {
                (CredentialSource::Env { .. }, _) => "env".to_owned(),
                (_, Some(_)) => "static_sts".to_owned(),
                (_, None) => "static_ak".to_owned(),
            },
            Recipe::AssumeRole { caller, .. } => format!("ram_role_arn/{}", caller.sdk_name()),
            Recipe::Oidc { .. } => "oidc_role_arn".to_owned(),
            Recipe::Imds { .. } => "ecs_ram_role".to_owned(),
            Recipe::Uri { .. } => "credential_uri".to_owned(),
            Recipe::External { .. } => "external".to_owned(),
            // The first that answers is used; the metadata service comes first.
            Recipe::FirstOf { options, .. } => options.first().map_or_else(String::new, Recipe::sdk_name),
        }
    }

    fn margin(&self) -> Duration {
        match self {
            Recipe::External { .. } => EXTERNAL_MARGIN,
            _ => STS_MARGIN,
        }
    }

    /// The credentials a client signs with, obtained on first use and renewed ahead of expiry.
    pub fn build(self, http: &reqwest::Client, clock: &Arc<dyn Clock>) -> CredentialProvider<AliyunCredentials> {
        if let Recipe::Static(credentials) = self {
            return CredentialProvider::Static(Arc::new(credentials));
        }
        let label = self.source().to_string();
        let margin = self.margin();
        let renew = self.renewer(http, clock);
        CredentialProvider::Refreshing(Refreshing::new(label, renew, Arc::clone(clock), margin))
    }

    fn renewer(self, http: &reqwest::Client, clock: &Arc<dyn Clock>) -> Box<dyn Renew<AliyunCredentials>> {
        match self {
            Recipe::Static(credentials) => Renewer::boxed(Arc::new(credentials), |value| {
                Box::pin(async move { Ok(Lease { value: Arc::clone(value), expires: None }) })
            }),
            Recipe::AssumeRole { caller, role, sts, source } => {
                let caller = caller.build(http, clock);
                Renewer::boxed((caller, role, sts, source, http.clone()), |(caller, role, sts, source, http)| {
                    Box::pin(async move {
                        let key = caller.get().await?;
                        let lease = super::sts::assume_role(http, sts, &key, role, source).await;
                        if lease.as_ref().is_err_and(|e| e.code == "credentials.rejected") {
                            // A caller whose temporary key STS no longer takes gets a fresh one next time.
                            caller.invalidate();
                        }
                        lease
                    })
                })
            }
            Recipe::Oidc { spec, sts, source } => {
                Renewer::boxed((spec, sts, source, http.clone()), |(spec, sts, source, http)| {
                    Box::pin(async move {
                        let token = read_exchange_token(&spec.token_file, "the OIDC token file")?;
                        super::sts::assume_role_with_oidc(http, sts, &spec.provider_arn, &spec.role, &token, source)
                            .await
                    })
                })
            }
            Recipe::Imds { spec, source } => {
                Renewer::boxed((spec, source), |(spec, source)| Box::pin(super::imds::obtain(spec, source)))
            }
            Recipe::Uri { url, source } => Renewer::boxed((url, source, http.clone()), |(url, source, http)| {
                Box::pin(super::uri::obtain(http, url, source))
            }),
            Recipe::External { command, source } => Renewer::boxed((command, source), |(command, source)| {
                Box::pin(super::external::obtain(command, source))
            }),
            Recipe::FirstOf { options, missing } => Box::new(FirstOf {
                options: options.into_iter().map(|o| (o.source(), o.renewer(http, clock))).collect(),
                chosen: Mutex::new(None),
                missing,
            }),
        }
    }
}

/// The last sources of the default chain, tried in order; the first that gives a key is used from
/// then on (the SDKs remember the provider that worked).
struct FirstOf {
    options: Vec<(CredentialSource, Box<dyn Renew<AliyunCredentials>>)>,
    chosen: Mutex<Option<usize>>,
    missing: String,
}

impl Renew<AliyunCredentials> for FirstOf {
    fn renew(&self) -> Renewal<'_, AliyunCredentials> {
        Box::pin(async move {
            let chosen = *self.chosen.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some((_, renew)) = chosen.and_then(|index| self.options.get(index)) {
                return renew.renew().await;
            }
            let mut reasons = Vec::new();
            for (index, (source, renew)) in self.options.iter().enumerate() {
                match renew.renew().await {
                    Ok(lease) => {
                        *self.chosen.lock().unwrap_or_else(PoisonError::into_inner) = Some(index);
                        return Ok(lease);
                    }
                    Err(error) => reasons.push(format!("{source}: {}", error.message)),
                }
            }
            Err(FetchError::new(
                FetchErrorKind::Auth,
                "credentials.missing",
                format!("no aliyun credentials found: {}; and {}", self.missing, reasons.join("; ")),
            ))
        })
    }
}
