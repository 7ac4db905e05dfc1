//! Alibaba Cloud API Gateway (CloudAPI): `DescribeImportOASTask` to poll, `ImportOAS` to start.
//!
//! ```text
//! aliyun.rs        registration, the default endpoint of a region
//! ├── client       requests, signed with ACS3; the Cloud implementation
//! ├── wire         answers → domain types; error rules
//! ├── sign         ACS3-HMAC-SHA256 on the shared signing scheme
//! ├── credentials  the SDK's credential chain
//! └── raw          the provider's own JSON of an item
//! ```
//!
//! Protocol notes: docs/protocols.md, "Alibaba Cloud".

pub mod client;
pub mod credentials;
pub mod raw;
pub mod rules;
pub mod sign;
pub mod wire;

use std::path::Path;
use std::sync::Arc;

use reqwest::Url;

pub use client::{AliyunClient, ImportOasOptions};
pub use credentials::AliyunCredentials;
pub use wire::ImportOasOutcome;

use super::endpoint::{EndpointError, check_region, default_url};
use super::{Discovered, EnvLookup, ImportOptions, Registration};
use crate::credentials::CredentialError;
use crate::domain::ProviderKind;

pub static REGISTRATION: Registration = Registration {
    kind: ProviderKind::Aliyun,
    discover,
    raw_item_json: raw::item_json,
    raw_task_json: raw::task_json,
    credential_env_vars: &credentials::ENV_VARS,
    import_flags: &[
        "--overwrite",
        "--request-mode",
        "--auth-type",
        "--backend-name",
        "--skip-dry-run",
        "--ignore-warning",
    ],
    // The target names the group; `Overwrite` replaces the APIs that are there.
    replacing_import: |_| ImportOptions { overwrite: true, ..ImportOptions::default() },
    rules: &rules::RULES,
};

fn discover(env: EnvLookup<'_>, home: Option<&Path>) -> Result<Discovered, CredentialError> {
    let found = credentials::discover(env, home)?;
    let source = found.credentials.source.clone();
    let credentials = found.credentials;
    Ok(Discovered {
        source,
        warnings: found.warnings,
        connect: Box::new(move |connection| {
            Arc::new(
                AliyunClient::new(connection.http.clone(), connection.endpoint.cloned(), credentials)
                    .with_body_cap(connection.body_cap),
            )
        }),
    })
}

/// The base URL for CloudAPI in a region: the override if given, else
/// `https://apigateway.{region}.aliyuncs.com`.
pub fn base_url(region: &str, override_url: Option<&Url>) -> Result<Url, EndpointError> {
    check_region(region)?;
    if let Some(url) = override_url {
        return Ok(url.clone());
    }
    default_url(&format!("https://apigateway.{region}.aliyuncs.com/"))
}
