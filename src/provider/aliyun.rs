//! Alibaba Cloud API Gateway (CloudAPI): `DescribeImportOASTask` to poll, `ImportOAS` to start.
//!
//! ```text
//! aliyun.rs        registration, the default endpoint of a region
//! ├── client       requests, signed with ACS3; the Cloud implementation
//! ├── wire         answers → domain types; error rules
//! ├── sign         ACS3-HMAC-SHA256 on the shared signing scheme (and STS's RPC V1)
//! ├── endpoints    the SDK's endpoint data, region → host
//! ├── credentials  the SDK's credential chain, every source
//! ├── group        what a group holds (for check)
//! ├── rules        what the gateway does with an imported spec
//! └── raw          the provider's own JSON of an item
//! ```
//!
//! Protocol notes: docs/protocols.md, "Alibaba Cloud".

pub mod client;
pub mod credentials;
pub mod endpoints;
pub mod group;
pub mod raw;
pub mod rules;
pub mod sign;
pub mod wire;

use std::sync::Arc;

use reqwest::Url;

pub use client::{AliyunClient, ImportOasOptions};
pub use credentials::AliyunCredentials;
pub use wire::ImportOasOutcome;

use super::client_support::discovered;
use super::endpoint::{EndpointError, check_region, default_url};
use super::{Discovered, ImportOptions, Registration};
use crate::credentials::{ChainInput, CredentialError};
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
    replaces: |options| options.overwrite,
    creates_group: |_| false,
};

fn discover(input: &ChainInput<'_>) -> Result<Discovered, CredentialError> {
    let chosen = credentials::discover(input)?;
    let (recipe, sdk_name) = (chosen.recipe, chosen.sdk_name);
    Ok(discovered(recipe.source(), chosen.skipped, chosen.warnings, move |connection, source| {
        let provider = recipe.build(connection.http, connection.clock);
        let client =
            AliyunClient::with_provider(connection.http.clone(), connection.endpoint.cloned(), provider, source);
        Arc::new(client.with_provider_name(sdk_name).with_body_cap(connection.body_cap))
    }))
}

/// The base URL for CloudAPI in a region: the override if given, else the host the SDK's
/// endpoint data names ([`endpoints::host`]).
pub fn base_url(region: &str, override_url: Option<&Url>) -> Result<Url, EndpointError> {
    check_region(region)?;
    if let Some(url) = override_url {
        return Ok(url.clone());
    }
    default_url(&format!("https://{}/", endpoints::host(region)))
}
