//! The Alibaba Cloud credential chain, in the official default chain's order
//! (docs/credentials.md, "Alibaba Cloud"): environment key → OIDC role → aliyun CLI profile →
//! SDK credentials file → ECS RAM role from the instance metadata service →
//! `ALIBABA_CLOUD_CREDENTIALS_URI`. First found wins; a profile a task reference names is looked
//! up in the CLI file, then the SDK file, and nowhere else.
//!
//! ```text
//! credentials.rs   the chain's order, its variables and endpoints, AliyunCredentials
//! ├── env          ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET/SECURITY_TOKEN
//! ├── oidc         ALIBABA_CLOUD_ROLE_ARN + OIDC_PROVIDER_ARN + OIDC_TOKEN_FILE
//! ├── cli_profile  ~/.aliyun/config.json, every mode
//! ├── sdk_file     ~/.alibabacloud/credentials, every type
//! ├── recipe       what was decided → a provider (static, or refreshed in the background)
//! └── sts, imds, uri, external   the services and the process that hand out temporary keys
//! ```
//!
//! Reading the chain is pure apart from reading files; nothing here talks to the network until a
//! client first needs a key (`recipe`). Never logs, prints or echoes a secret.

pub mod cli_profile;
pub mod env;
pub mod external;
pub mod imds;
pub mod oidc;
pub mod recipe;
pub mod sdk_file;
pub mod sts;
pub mod uri;

use std::fmt;
use std::path::PathBuf;
use std::time::SystemTime;

use reqwest::Url;
use secrecy::SecretString;

use crate::credentials::{ChainInput, CredentialError, CredentialSource, Skipped, file_path};
use crate::domain::ProviderKind;
pub use recipe::Recipe;

pub const ID_VAR: &str = "ALIBABA_CLOUD_ACCESS_KEY_ID";
pub const SECRET_VAR: &str = "ALIBABA_CLOUD_ACCESS_KEY_SECRET";
pub const TOKEN_VAR: &str = "ALIBABA_CLOUD_SECURITY_TOKEN";
pub const PROFILE_VAR: &str = "ALIBABA_CLOUD_PROFILE";
pub const CONFIG_FILE_VAR: &str = "ALIBABA_CLOUD_CONFIG_FILE";
pub const CREDENTIALS_FILE_VAR: &str = "ALIBABA_CLOUD_CREDENTIALS_FILE";
pub const CLI_PROFILE_DISABLED_VAR: &str = "ALIBABA_CLOUD_CLI_PROFILE_DISABLED";
pub const IGNORE_PROFILE_VAR: &str = "ALIBABA_CLOUD_IGNORE_PROFILE";
pub const ROLE_ARN_VAR: &str = "ALIBABA_CLOUD_ROLE_ARN";
pub const OIDC_PROVIDER_ARN_VAR: &str = "ALIBABA_CLOUD_OIDC_PROVIDER_ARN";
pub const OIDC_TOKEN_FILE_VAR: &str = "ALIBABA_CLOUD_OIDC_TOKEN_FILE";
pub const ROLE_SESSION_NAME_VAR: &str = "ALIBABA_CLOUD_ROLE_SESSION_NAME";
pub const ECS_METADATA_VAR: &str = "ALIBABA_CLOUD_ECS_METADATA";
pub const ECS_METADATA_DISABLED_VAR: &str = "ALIBABA_CLOUD_ECS_METADATA_DISABLED";
pub const IMDSV1_DISABLED_VAR: &str = "ALIBABA_CLOUD_IMDSV1_DISABLED";
pub const CREDENTIALS_URI_VAR: &str = "ALIBABA_CLOUD_CREDENTIALS_URI";
pub const STS_REGION_VAR: &str = "ALIBABA_CLOUD_STS_REGION";
pub const VPC_ENDPOINT_VAR: &str = "ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED";
/// oaswatch's own: where STS is (the SDKs only take it in code). docs/credentials.md.
pub const STS_ENDPOINT_VAR: &str = "OASWATCH_ALIYUN_STS_ENDPOINT";
/// oaswatch's own: where the ECS metadata service is (the SDKs hard-code 100.100.100.200).
pub const IMDS_ENDPOINT_VAR: &str = "OASWATCH_ALIYUN_IMDS_ENDPOINT";

/// STS when nothing says otherwise.
const DEFAULT_STS: &str = "https://sts.aliyuncs.com/";

/// The variables of this chain that carry a credential (kept from children). A credentials URI
/// may carry a token in its query.
pub const ENV_VARS: [&str; 4] = [ID_VAR, SECRET_VAR, TOKEN_VAR, CREDENTIALS_URI_VAR];

/// Alibaba Cloud AccessKey, optionally an STS one (with a security token).
#[derive(Clone)]
pub struct AliyunCredentials {
    pub access_key_id: String,
    pub access_key_secret: SecretString,
    pub security_token: Option<SecretString>,
    pub source: CredentialSource,
}

impl fmt::Debug for AliyunCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AliyunCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("access_key_secret", &"[REDACTED]")
            .field("security_token", &self.security_token.as_ref().map(|_| "[REDACTED]"))
            .field("source", &self.source)
            .finish()
    }
}

/// What the chain decided for one account.
#[derive(Debug)]
pub struct Chosen {
    pub recipe: Recipe,
    pub skipped: Vec<Skipped>,
    pub warnings: Vec<String>,
    /// The SDK's name for the provider that gave the key, with the chain's prefixes
    /// (`default/cli_profile/ram_role_arn/static_ak`), sent as `x-acs-credentials-provider`.
    pub sdk_name: String,
}

/// What the sources share: the input, and where STS and the metadata service are.
pub struct Context<'a> {
    pub input: &'a ChainInput<'a>,
    sts_override: Option<Url>,
    sts_default: Url,
    pub imds_endpoint: Url,
}

impl Context<'_> {
    /// STS for a profile's `sts_region` and `enable_vpc`, as the SDKs build it:
    /// `sts[-vpc].{region}.aliyuncs.com`, else `ALIBABA_CLOUD_STS_REGION`, else
    /// `sts.aliyuncs.com`; `OASWATCH_ALIYUN_STS_ENDPOINT` wins over all of them.
    pub fn sts(&self, region: Option<&str>, vpc: Option<bool>) -> Url {
        if let Some(url) = &self.sts_override {
            return url.clone();
        }
        let vpc = vpc.unwrap_or_else(|| self.input.flag(VPC_ENDPOINT_VAR));
        let prefix = if vpc { "sts-vpc" } else { "sts" };
        let region = region.map(str::to_owned).or_else(|| self.input.var(STS_REGION_VAR));
        let host = match region.filter(|r| crate::domain::check_part(r).is_ok()) {
            Some(region) => format!("https://{prefix}.{region}.aliyuncs.com/"),
            None => "https://sts.aliyuncs.com/".to_owned(),
        };
        Url::parse(&host).unwrap_or_else(|_| self.sts_default.clone())
    }

    /// A role with the SDKs' defaults: session `ALIBABA_CLOUD_ROLE_SESSION_NAME` or
    /// `oaswatch-<unix time>`, one hour, at least 15 minutes.
    pub fn role(
        &self,
        role_arn: String,
        session: Option<String>,
        duration_secs: Option<u64>,
        policy: Option<String>,
        external_id: Option<String>,
    ) -> Result<sts::RoleSpec, String> {
        let duration = match duration_secs {
            None | Some(0) => 3600,
            Some(secs) if secs < 900 => {
                return Err(format!("a role session lasts at least 900 seconds, not {secs}"));
            }
            Some(secs) => u32::try_from(secs).unwrap_or(u32::MAX),
        };
        let session_name = session.or_else(|| self.input.var(ROLE_SESSION_NAME_VAR)).unwrap_or_else(|| {
            let now = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs());
            format!("oaswatch-{now}")
        });
        Ok(sts::RoleSpec { role_arn, session_name, duration_secs: duration, policy, external_id })
    }

    /// The default-chain role of the environment (no duration to check).
    pub fn default_role(&self, role_arn: String) -> sts::RoleSpec {
        let session_name = self.input.var(ROLE_SESSION_NAME_VAR).unwrap_or_else(|| {
            let now = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs());
            format!("oaswatch-{now}")
        });
        sts::RoleSpec { role_arn, session_name, duration_secs: 3600, policy: None, external_id: None }
    }
}

/// A credential service's endpoint from a variable, else `default`.
fn endpoint_var(input: &ChainInput<'_>, var: &'static str, default: &str) -> Result<Url, CredentialError> {
    crate::provider::endpoint::endpoint_var(input, ProviderKind::Aliyun, var, default)
}

/// Runs the chain for an account: the default chain, or the profile `input.profile` names.
pub fn discover(input: &ChainInput<'_>) -> Result<Chosen, CredentialError> {
    let sts_override = match input.var(STS_ENDPOINT_VAR) {
        Some(_) => Some(endpoint_var(input, STS_ENDPOINT_VAR, DEFAULT_STS)?),
        None => None,
    };
    let imds_endpoint = endpoint_var(input, IMDS_ENDPOINT_VAR, imds::DEFAULT_ENDPOINT)?;
    let sts_default = Url::parse(DEFAULT_STS).map_err(|e| CredentialError::Invalid {
        provider: ProviderKind::Aliyun,
        source_desc: "the default STS endpoint".into(),
        reason: e.to_string(),
    })?;
    let ctx = Context { input, sts_override, sts_default, imds_endpoint };
    match input.profile {
        Some(profile) => named(&ctx, profile),
        None => default_chain(&ctx).map(|c| named_by(c, "default")),
    }
}

fn cli_file(ctx: &Context<'_>) -> Option<PathBuf> {
    let disabled = ctx.input.flag(CLI_PROFILE_DISABLED_VAR) || ctx.input.flag(IGNORE_PROFILE_VAR);
    if disabled { None } else { file_path(ctx.input.env, CONFIG_FILE_VAR, ctx.input.home, ".aliyun/config.json") }
}

/// `~/.alibabacloud/credentials`, or the Python SDK's `credentials.ini` when only that exists.
fn sdk_file(ctx: &Context<'_>) -> Option<PathBuf> {
    if let Some(path) = ctx.input.var(CREDENTIALS_FILE_VAR) {
        return Some(PathBuf::from(path));
    }
    let home = ctx.input.home?;
    let go = home.join(".alibabacloud/credentials");
    let python = home.join(".alibabacloud/credentials.ini");
    Some(if !go.exists() && python.exists() { python } else { go })
}

fn found(recipe: Recipe, skipped: Vec<Skipped>, warnings: Vec<String>) -> Chosen {
    let sdk_name = recipe.sdk_name();
    Chosen { recipe, skipped, warnings, sdk_name }
}

/// The SDK's provider names nest: the default chain, then the file provider, then the source.
fn named_by(mut chosen: Chosen, prefix: &str) -> Chosen {
    chosen.sdk_name = format!("{prefix}/{}", chosen.sdk_name);
    chosen
}

fn default_chain(ctx: &Context<'_>) -> Result<Chosen, CredentialError> {
    let input = ctx.input;
    let mut skipped = Vec::new();
    match env::from_env(input)? {
        Ok(credentials) => return Ok(found(Recipe::Static(credentials), skipped, Vec::new())),
        Err(skip) => skipped.push(skip),
    }
    match oidc::from_env(ctx) {
        Ok(recipe) => return Ok(found(recipe, skipped, Vec::new())),
        Err(skip) => skipped.push(skip),
    }
    let profile = input.var(PROFILE_VAR);
    match cli_file(ctx) {
        Some(path) => match cli_profile::lookup(ctx, &path, profile.as_deref())? {
            cli_profile::Lookup::Found(recipe, warnings) => {
                return Ok(named_by(found(*recipe, skipped, warnings), "cli_profile"));
            }
            cli_profile::Lookup::NotHere(skip) => skipped.push(skip),
        },
        None => skipped.push(Skipped::new(
            "aliyun CLI profile",
            if input.home.is_none() && input.var(CONFIG_FILE_VAR).is_none() {
                "no home directory".to_owned()
            } else {
                format!("turned off by {CLI_PROFILE_DISABLED_VAR} or {IGNORE_PROFILE_VAR}")
            },
        )),
    }
    let section = profile.clone().unwrap_or_else(|| "default".to_owned());
    match sdk_file(ctx) {
        Some(path) => match sdk_file::lookup(ctx, &path, &section)? {
            sdk_file::Lookup::Found(recipe, warnings) => {
                return Ok(named_by(found(*recipe, skipped, warnings), "profile"));
            }
            sdk_file::Lookup::NotHere(skip) => skipped.push(skip),
        },
        None => skipped.push(Skipped::new("SDK credentials file", "no home directory")),
    }

    // The last two need the network to know whether they work: tried in order at first use.
    let mut last = Vec::new();
    if input.flag(ECS_METADATA_DISABLED_VAR) {
        skipped.push(Skipped::new("ECS RAM role", format!("turned off by {ECS_METADATA_DISABLED_VAR}=true")));
    } else {
        let role = input.var(ECS_METADATA_VAR);
        let spec =
            imds::ImdsSpec { endpoint: ctx.imds_endpoint.clone(), role, v1_disabled: input.flag(IMDSV1_DISABLED_VAR) };
        let service =
            format!("ECS instance metadata ({})", crate::provider::redact_endpoint(ctx.imds_endpoint.as_str()));
        last.push(Recipe::Imds { spec, source: CredentialSource::Machine { service } });
    }
    match input.var(CREDENTIALS_URI_VAR) {
        Some(text) => {
            let url = uri::parse(&text).map_err(|why| CredentialError::Invalid {
                provider: ProviderKind::Aliyun,
                source_desc: format!("env {CREDENTIALS_URI_VAR}"),
                reason: why,
            })?;
            let source = CredentialSource::Env { variable: CREDENTIALS_URI_VAR }.via(uri::shown(&url));
            last.push(Recipe::Uri { url, source });
        }
        None => skipped.push(Skipped::new("credentials URI", format!("{CREDENTIALS_URI_VAR} is not set"))),
    }
    let missing = missing_hint(&skipped);
    if last.is_empty() {
        return Err(CredentialError::Missing { provider: ProviderKind::Aliyun, hint: missing });
    }
    Ok(found(Recipe::FirstOf { options: last, missing }, skipped, Vec::new()))
}

/// What to set, and why each source did not count.
fn missing_hint(skipped: &[Skipped]) -> String {
    let looked: Vec<String> = skipped.iter().map(|s| format!("{}: {}", s.source, s.reason)).collect();
    format!(
        "set {ID_VAR} and {SECRET_VAR} (plus {TOKEN_VAR} for STS), or configure a profile with `aliyun configure` \
         (~/.aliyun/config.json, or {CONFIG_FILE_VAR}), or a section in ~/.alibabacloud/credentials (or \
         {CREDENTIALS_FILE_VAR}); choose a profile with {PROFILE_VAR} (docs/credentials.md); looked at: {}",
        looked.join("; ")
    )
}

/// A profile a task reference names: the CLI profile of that name, else the SDK file's section.
fn named(ctx: &Context<'_>, profile: &str) -> Result<Chosen, CredentialError> {
    let mut skipped = vec![Skipped::new(
        "environment and OIDC role",
        format!("the reference names profile {profile}; the environment's keys belong to the default chain"),
    )];
    match cli_file(ctx) {
        Some(path) => match cli_profile::lookup(ctx, &path, Some(profile))? {
            cli_profile::Lookup::Found(recipe, warnings) => {
                return Ok(named_by(found(*recipe, skipped, warnings), "cli_profile"));
            }
            cli_profile::Lookup::NotHere(skip) => skipped.push(skip),
        },
        None => skipped.push(Skipped::new("aliyun CLI profile", "turned off or no home directory")),
    }
    match sdk_file(ctx) {
        Some(path) => match sdk_file::lookup(ctx, &path, profile)? {
            sdk_file::Lookup::Found(recipe, warnings) => {
                return Ok(named_by(found(*recipe, skipped, warnings), "profile"));
            }
            sdk_file::Lookup::NotHere(skip) => skipped.push(skip),
        },
        None => skipped.push(Skipped::new("SDK credentials file", "no home directory")),
    }
    let looked: Vec<String> = skipped.iter().skip(1).map(|s| s.reason.clone()).collect();
    Err(CredentialError::Missing {
        provider: ProviderKind::Aliyun,
        hint: format!(
            "no profile {profile:?}: add it with `aliyun configure --profile {profile}` or as section [{profile}] of \
             ~/.alibabacloud/credentials ({})",
            looked.join("; ")
        ),
    })
}

#[cfg(test)]
mod tests;
