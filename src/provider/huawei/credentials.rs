//! The Huawei Cloud credential chain (docs/credentials.md, "Huawei Cloud"): the environment (an
//! OIDC identity provider, else an AK/SK, else oaswatch's IAM token variable) → the SDK's profile
//! file → a KooCLI profile → the ECS metadata service. First found wins; a profile a task
//! reference names is the KooCLI profile of that name, else the profile file's section.
//!
//! ```text
//! credentials.rs   the chain's order, its variables and endpoints, HuaweiCredentials
//! ├── env          HUAWEICLOUD_SDK_IDP_ID/ID_TOKEN_FILE, HUAWEICLOUD_SDK_AK/SK/SECURITY_TOKEN
//! ├── profile_file ~/.huaweicloud/credentials
//! ├── koocli       ~/.hcloud/config.json
//! ├── recipe       what was decided → a provider (static, or refreshed in the background)
//! └── iam          IAM federation and the ECS metadata service
//! ```
//!
//! Reading the chain touches only files; the network is used when a client first needs a key.

pub mod env;
pub mod iam;
pub mod koocli;
pub mod profile_file;
pub mod recipe;

use std::fmt;

use reqwest::Url;
use secrecy::SecretString;

use crate::credentials::{ChainInput, CredentialError, CredentialSource, Skipped, file_path};
use crate::domain::ProviderKind;
pub use recipe::Recipe;

pub const AK_VAR: &str = "HUAWEICLOUD_SDK_AK";
pub const SK_VAR: &str = "HUAWEICLOUD_SDK_SK";
pub const TOKEN_VAR: &str = "HUAWEICLOUD_SDK_SECURITY_TOKEN";
pub const IDP_ID_VAR: &str = "HUAWEICLOUD_SDK_IDP_ID";
pub const ID_TOKEN_FILE_VAR: &str = "HUAWEICLOUD_SDK_ID_TOKEN_FILE";
pub const IAM_ENDPOINT_VAR: &str = "HUAWEICLOUD_SDK_IAM_ENDPOINT";
pub const FILE_VAR: &str = "HUAWEICLOUD_SDK_CREDENTIALS_FILE";
/// oaswatch's own: an IAM token sent as `X-Auth-Token`.
pub const AUTH_TOKEN_VAR: &str = "OASWATCH_HUAWEI_TOKEN";
/// oaswatch's own: where the ECS metadata service is (the SDK hard-codes 169.254.169.254).
pub const METADATA_ENDPOINT_VAR: &str = "OASWATCH_HUAWEI_METADATA_ENDPOINT";
/// oaswatch's own: leave the metadata service out of the default chain.
pub const METADATA_DISABLED_VAR: &str = "OASWATCH_HUAWEI_METADATA_DISABLED";

/// The variables of this chain that carry a credential (kept from children), and the SDK's newer
/// variable for an ID token in the environment, which oaswatch does not read but must not pass on.
pub const ENV_VARS: [&str; 5] = [AK_VAR, SK_VAR, TOKEN_VAR, AUTH_TOKEN_VAR, "HUAWEICLOUD_OIDC_ID_TOKEN"];

/// Huawei Cloud credentials: AK/SK (optionally temporary, with a security token) or an IAM token.
#[derive(Clone)]
pub enum HuaweiCredentials {
    AkSk {
        access_key: String,
        secret_key: SecretString,
        security_token: Option<SecretString>,
        source: CredentialSource,
    },
    /// An IAM token sent as `X-Auth-Token`; valid for 24 h.
    Token { token: SecretString, source: CredentialSource },
}

impl HuaweiCredentials {
    pub fn source(&self) -> &CredentialSource {
        match self {
            HuaweiCredentials::AkSk { source, .. } | HuaweiCredentials::Token { source, .. } => source,
        }
    }
}

impl fmt::Debug for HuaweiCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HuaweiCredentials::AkSk { access_key, security_token, source, .. } => f
                .debug_struct("HuaweiCredentials::AkSk")
                .field("access_key", access_key)
                .field("secret_key", &"[REDACTED]")
                .field("security_token", &security_token.as_ref().map(|_| "[REDACTED]"))
                .field("source", source)
                .finish(),
            HuaweiCredentials::Token { source, .. } => f
                .debug_struct("HuaweiCredentials::Token")
                .field("token", &"[REDACTED]")
                .field("source", source)
                .finish(),
        }
    }
}

/// What the chain decided for one account.
#[derive(Debug)]
pub struct Chosen {
    pub recipe: Recipe,
    pub skipped: Vec<Skipped>,
    pub warnings: Vec<String>,
}

/// What the sources share: the input, and where IAM and the metadata service are.
pub struct Context<'a> {
    pub input: &'a ChainInput<'a>,
    pub iam: Url,
    pub metadata: Url,
}

/// A credential service's endpoint from a variable, else `default`.
fn endpoint_var(input: &ChainInput<'_>, var: &'static str, default: &str) -> Result<Url, CredentialError> {
    crate::provider::endpoint::endpoint_var(input, ProviderKind::Huawei, var, default)
}

pub fn discover(input: &ChainInput<'_>) -> Result<Chosen, CredentialError> {
    let iam = endpoint_var(input, IAM_ENDPOINT_VAR, iam::DEFAULT_IAM)?;
    let metadata = endpoint_var(input, METADATA_ENDPOINT_VAR, iam::DEFAULT_METADATA)?;
    let ctx = Context { input, iam, metadata };
    match input.profile {
        Some(profile) => named(&ctx, profile),
        None => default_chain(&ctx),
    }
}

fn koocli_file(ctx: &Context<'_>) -> Option<std::path::PathBuf> {
    ctx.input.home.map(|home| home.join(".hcloud/config.json"))
}

fn found(recipe: Recipe, skipped: Vec<Skipped>, warnings: Vec<String>) -> Chosen {
    Chosen { recipe, skipped, warnings }
}

fn default_chain(ctx: &Context<'_>) -> Result<Chosen, CredentialError> {
    let mut skipped = Vec::new();
    match env::from_env(ctx)? {
        Ok(recipe) => return Ok(found(recipe, skipped, Vec::new())),
        Err(skip) => skipped.push(skip),
    }
    match file_path(ctx.input.env, FILE_VAR, ctx.input.home, ".huaweicloud/credentials") {
        Some(path) => match profile_file::lookup(ctx, &path, "basic")? {
            profile_file::Lookup::Found(recipe, warnings) => return Ok(found(recipe, skipped, warnings)),
            profile_file::Lookup::NotHere(skip) => skipped.push(skip),
        },
        None => skipped.push(Skipped::new("profile file", "no home directory")),
    }
    match koocli_file(ctx) {
        Some(path) => match koocli::lookup(ctx, &path, None)? {
            koocli::Lookup::Found(recipe, warnings) => return Ok(found(recipe, skipped, warnings)),
            koocli::Lookup::NotHere(skip) => skipped.push(skip),
        },
        None => skipped.push(Skipped::new("KooCLI profile", "no home directory")),
    }
    let missing = missing_hint(&skipped);
    if ctx.input.flag(METADATA_DISABLED_VAR) {
        skipped.push(Skipped::new("ECS metadata", format!("turned off by {METADATA_DISABLED_VAR}=true")));
        return Err(CredentialError::Missing { provider: ProviderKind::Huawei, hint: missing_hint(&skipped) });
    }
    let service = format!("ECS instance metadata ({})", crate::provider::redact_endpoint(ctx.metadata.as_str()));
    let recipe = Recipe::Metadata {
        endpoint: ctx.metadata.clone(),
        source: CredentialSource::Machine { service },
        missing: Some(missing),
    };
    Ok(found(recipe, skipped, Vec::new()))
}

fn missing_hint(skipped: &[Skipped]) -> String {
    let looked: Vec<String> = skipped.iter().map(|s| format!("{}: {}", s.source, s.reason)).collect();
    format!(
        "set {AK_VAR} and {SK_VAR} (plus {TOKEN_VAR} for temporary keys), or {IDP_ID_VAR} and {ID_TOKEN_FILE_VAR} \
         for OIDC federation, or {AUTH_TOKEN_VAR} with an IAM token, or put `ak` and `sk` in the [basic] section of \
         ~/.huaweicloud/credentials (or {FILE_VAR}), or configure KooCLI (docs/credentials.md); looked at: {}",
        looked.join("; ")
    )
}

fn named(ctx: &Context<'_>, profile: &str) -> Result<Chosen, CredentialError> {
    let mut skipped = vec![Skipped::new(
        "environment",
        format!("the reference names profile {profile}; the environment's keys belong to the default chain"),
    )];
    match koocli_file(ctx) {
        Some(path) => match koocli::lookup(ctx, &path, Some(profile))? {
            koocli::Lookup::Found(recipe, warnings) => return Ok(found(recipe, skipped, warnings)),
            koocli::Lookup::NotHere(skip) => skipped.push(skip),
        },
        None => skipped.push(Skipped::new("KooCLI profile", "no home directory")),
    }
    match file_path(ctx.input.env, FILE_VAR, ctx.input.home, ".huaweicloud/credentials") {
        Some(path) => match profile_file::lookup(ctx, &path, profile)? {
            profile_file::Lookup::Found(recipe, warnings) => return Ok(found(recipe, skipped, warnings)),
            profile_file::Lookup::NotHere(skip) => skipped.push(skip),
        },
        None => skipped.push(Skipped::new("profile file", "no home directory")),
    }
    let looked: Vec<String> = skipped.iter().skip(1).map(|s| s.reason.clone()).collect();
    Err(CredentialError::Missing {
        provider: ProviderKind::Huawei,
        hint: format!(
            "no profile {profile:?}: add it with `hcloud configure set --cli-profile={profile}` or as section \
             [{profile}] of ~/.huaweicloud/credentials ({})",
            looked.join("; ")
        ),
    })
}

#[cfg(test)]
mod tests;
