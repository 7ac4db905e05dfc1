//! Huawei Cloud APIG: `GET …/async-tasks/{task_id}` to poll, async-import and async-export to start.
//!
//! ```text
//! huawei.rs        registration, the default endpoint of a region
//! ├── client       requests, signed with SDK-HMAC-SHA256 or sent with an IAM token; the Cloud
//! ├── wire         answers → domain types; error rules
//! ├── sign         SDK-HMAC-SHA256 on the shared signing scheme
//! ├── credentials  the SDK's credential chain, KooCLI profiles, federation, metadata
//! ├── group        what a group holds (for check)
//! ├── rules        what the gateway does with an imported spec
//! └── raw          the provider's own JSON of an item
//! ```
//!
//! Protocol notes: docs/protocols.md, "Huawei Cloud".

pub mod client;
pub mod credentials;
pub mod group;
pub mod raw;
pub mod rules;
pub mod sign;
pub mod wire;

use std::sync::Arc;

use reqwest::Url;

pub use client::{HuaweiClient, HuaweiExportOptions, HuaweiImportOptions};
pub use credentials::HuaweiCredentials;

use super::client_support::discovered;
use super::endpoint::{EndpointError, check_region, default_url};
use super::{Discovered, ImportOptions, Registration};
use crate::credentials::{ChainInput, CredentialError};
use crate::domain::ProviderKind;

pub static REGISTRATION: Registration = Registration {
    kind: ProviderKind::Huawei,
    discover,
    raw_item_json: raw::item_json,
    raw_task_json: raw::task_json,
    credential_env_vars: &credentials::ENV_VARS,
    import_flags: &["--group", "--extend-mode", "--api-mode", "--simple-mode", "--mock-mode"],
    // Into the same group, with `api_mode=override` replacing the APIs that are there.
    replacing_import: |group| ImportOptions {
        group,
        api_mode: Some("override".to_owned()),
        ..ImportOptions::default()
    },
    rules: &rules::RULES,
    replaces: |options| options.api_mode.as_deref() == Some("override"),
    // Without `group_id` async-import creates the group (`is_create_group=true`).
    creates_group: |options| options.group.is_none(),
};

fn discover(input: &ChainInput<'_>) -> Result<Discovered, CredentialError> {
    let chosen = credentials::discover(input)?;
    let recipe = chosen.recipe;
    Ok(discovered(recipe.source(), chosen.skipped, chosen.warnings, move |connection, source| {
        let provider = recipe.build(connection.http, connection.clock);
        let client =
            HuaweiClient::with_provider(connection.http.clone(), connection.endpoint.cloned(), provider, source);
        Arc::new(client.with_body_cap(connection.body_cap))
    }))
}

/// The base URL for APIG in a region: the override if given, else
/// `https://apig.{region}.myhuaweicloud.com` (`.eu` for `eu-west-101`, as in the SDK's region table).
pub fn base_url(region: &str, override_url: Option<&Url>) -> Result<Url, EndpointError> {
    check_region(region)?;
    if let Some(url) = override_url {
        return Ok(url.clone());
    }
    let domain = if region == "eu-west-101" { "myhuaweicloud.eu" } else { "myhuaweicloud.com" };
    default_url(&format!("https://apig.{region}.{domain}/"))
}
