//! The third source: a profile of the aliyun CLI's `~/.aliyun/config.json`, in any mode the CLI
//! writes that yields a key: `AK`, `StsToken`, `RamRoleArn`, `EcsRamRole`,
//! `RamRoleArnWithRoleName`, `ChainableRamRoleArn`, `OIDC`, `CredentialsURI` and `External`
//! (docs/credentials.md, "aliyun CLI profile"). `CloudSSO`, `OAuth`, `RsaKeyPair`, `BearerToken`
//! and `Anonymous` are refused with a message that says so.
//!
//! Owns reading the file into a [`Recipe`]. Errors name the file, the profile and the field,
//! never a value: a profile name or mode that is not one we know is not echoed either.

use std::path::Path;

use serde::Deserialize;

use super::Context;
use super::imds::ImdsSpec;
use super::recipe::{OidcSpec, Recipe};
use crate::credentials::{CredentialError, CredentialSource, Skipped, parse_json_file, read_credentials_file};
use crate::domain::ProviderKind;

#[derive(Deserialize)]
struct CliConfig {
    #[serde(default)]
    current: Option<String>,
    #[serde(default)]
    profiles: Vec<CliProfile>,
}

#[derive(Deserialize, Default)]
struct CliProfile {
    #[serde(default)]
    name: String,
    #[serde(default)]
    mode: String,
    #[serde(default)]
    access_key_id: Option<String>,
    #[serde(default)]
    access_key_secret: Option<String>,
    #[serde(default)]
    sts_token: Option<String>,
    #[serde(default)]
    sts_region: Option<String>,
    #[serde(default)]
    enable_vpc: Option<bool>,
    #[serde(default)]
    ram_role_name: Option<String>,
    #[serde(default)]
    ram_role_arn: Option<String>,
    #[serde(default)]
    ram_session_name: Option<String>,
    #[serde(default)]
    external_id: Option<String>,
    #[serde(default)]
    policy: Option<String>,
    #[serde(default)]
    expired_seconds: Option<u64>,
    #[serde(default)]
    source_profile: Option<String>,
    #[serde(default)]
    process_command: Option<String>,
    #[serde(default)]
    credentials_uri: Option<String>,
    #[serde(default)]
    oidc_provider_arn: Option<String>,
    #[serde(default)]
    oidc_token_file: Option<String>,
}

/// The modes the aliyun CLI writes that yield no key we can use, with why.
const REFUSED_MODES: [(&str, &str); 5] = [
    ("CloudSSO", "needs an interactive CloudSSO sign-in; run `aliyun configure --mode CloudSSO` and use an AK, StsToken or RamRoleArn profile with oaswatch"),
    ("OAuth", "needs an interactive OAuth sign-in; use an AK, StsToken or RamRoleArn profile with oaswatch"),
    ("RsaKeyPair", "is deprecated and no longer issued by Alibaba Cloud; use an AK or RamRoleArn profile"),
    ("BearerToken", "authenticates only some products' plugins, not CloudAPI"),
    ("Anonymous", "sends no credentials; CloudAPI requires them"),
];

/// How far a chain of `ChainableRamRoleArn` source profiles may go.
const MAX_CHAIN: usize = 8;

/// What the file has for the profile, or why it does not count.
pub enum Lookup {
    Found(Recipe, Vec<String>),
    NotHere(Skipped),
}

/// The recipe of the profile `named` (or the file's `current`, else `default`).
pub fn lookup(ctx: &Context<'_>, path: &Path, named: Option<&str>) -> Result<Lookup, CredentialError> {
    let Some((text, warning)) = read_credentials_file(ProviderKind::Aliyun, path)? else {
        return Ok(Lookup::NotHere(Skipped::new("aliyun CLI profile", format!("{} not found", path.display()))));
    };
    let config: CliConfig = parse_json_file(&text).map_err(|reason| CredentialError::File {
        provider: ProviderKind::Aliyun,
        path: path.to_path_buf(),
        reason: format!("not valid aliyun CLI JSON: {reason}"),
    })?;
    // A name from the environment or a reference was typed by the user and may be shown; one
    // from the file's `current` is not echoed, in case a secret landed there.
    let (wanted, named_by) = match (named, config.current.clone().filter(|c| !c.is_empty())) {
        (Some(name), _) => (name.to_owned(), format!("{name:?}")),
        (None, Some(current)) => (current, "named by `current`".to_owned()),
        (None, None) => ("default".to_owned(), "\"default\"".to_owned()),
    };
    if !config.profiles.iter().any(|p| p.name == wanted) {
        return Ok(Lookup::NotHere(Skipped::new(
            "aliyun CLI profile",
            format!("{} has no profile {named_by}", path.display()),
        )));
    }
    let recipe = recipe_for(ctx, &config, path, &wanted, &mut Vec::new())?;
    Ok(Lookup::Found(recipe, warning.into_iter().collect()))
}

fn recipe_for(
    ctx: &Context<'_>,
    config: &CliConfig,
    path: &Path,
    name: &str,
    chain: &mut Vec<String>,
) -> Result<Recipe, CredentialError> {
    let file = CredentialSource::File { path: path.to_path_buf(), profile: Some(name.to_owned()) };
    let invalid = |reason: String| CredentialError::invalid(ProviderKind::Aliyun, &file, reason);
    if chain.iter().any(|seen| seen == name) || chain.len() >= MAX_CHAIN {
        return Err(invalid(format!("source_profile chain {} -> {name} loops or is too long", chain.join(" -> "))));
    }
    chain.push(name.to_owned());
    let Some(profile) = config.profiles.iter().find(|p| p.name == name) else {
        return Err(invalid("is named as a source_profile but does not exist".to_owned()));
    };
    let mode = profile.mode.trim();
    let is = |m: &str| mode.eq_ignore_ascii_case(m);
    let key = |with_token: bool| -> Result<Recipe, CredentialError> {
        let (Some(id), Some(secret)) = (non_empty(&profile.access_key_id), non_empty(&profile.access_key_secret))
        else {
            return Err(invalid(format!("mode {mode} needs access_key_id and access_key_secret")));
        };
        let token = non_empty(&profile.sts_token);
        if with_token && token.is_none() {
            return Err(invalid("mode StsToken needs sts_token".to_owned()));
        }
        Ok(Recipe::Static(super::AliyunCredentials {
            access_key_id: id,
            access_key_secret: secret.into(),
            security_token: if with_token { token.map(Into::into) } else { None },
            source: file.clone(),
        }))
    };
    let role = || -> Result<super::sts::RoleSpec, CredentialError> {
        let Some(arn) = non_empty(&profile.ram_role_arn) else {
            return Err(invalid(format!("mode {mode} needs ram_role_arn")));
        };
        ctx.role(arn, non_empty(&profile.ram_session_name), profile.expired_seconds, non_empty(&profile.policy), non_empty(&profile.external_id))
            .map_err(invalid)
    };
    let sts = || ctx.sts(non_empty(&profile.sts_region).as_deref(), profile.enable_vpc);
    let imds = |role_name: Option<String>| ImdsSpec {
        endpoint: ctx.imds_endpoint.clone(),
        role: role_name,
        v1_disabled: ctx.input.flag(super::IMDSV1_DISABLED_VAR),
    };

    let recipe = if is("AK") {
        key(false)?
    } else if is("StsToken") {
        key(true)?
    } else if is("RamRoleArn") {
        let role = role()?;
        // The CLI passes a profile's sts_token along when it has one.
        let caller = match key(true) {
            Ok(with_token) => with_token,
            Err(_) => key(false)?,
        };
        let source = file.clone().via(format!("mode RamRoleArn, role {}", role.role_arn));
        Recipe::AssumeRole { caller: Box::new(caller), role, sts: sts(), source }
    } else if is("EcsRamRole") {
        let role_name = non_empty(&profile.ram_role_name);
        let how = role_name.as_ref().map_or_else(|| "mode EcsRamRole".to_owned(), |r| format!("mode EcsRamRole, role {r}"));
        Recipe::Imds { spec: imds(role_name), source: file.clone().via(how) }
    } else if is("RamRoleArnWithRoleName") {
        let role = role()?;
        let role_name = non_empty(&profile.ram_role_name);
        let caller = Recipe::Imds { spec: imds(role_name), source: file.clone().via("the ECS RAM role") };
        let source = file.clone().via(format!("mode RamRoleArnWithRoleName, role {}", role.role_arn));
        Recipe::AssumeRole { caller: Box::new(caller), role, sts: sts(), source }
    } else if is("ChainableRamRoleArn") {
        let Some(parent) = non_empty(&profile.source_profile) else {
            return Err(invalid("mode ChainableRamRoleArn needs source_profile".to_owned()));
        };
        crate::domain::check_profile(&parent).map_err(|_| invalid("its source_profile is not a plain profile name".to_owned()))?;
        let caller = recipe_for(ctx, config, path, &parent, chain)?;
        let role = role()?;
        let source = file.clone().via(format!("mode ChainableRamRoleArn from profile {parent}, role {}", role.role_arn));
        Recipe::AssumeRole { caller: Box::new(caller), role, sts: sts(), source }
    } else if is("OIDC") {
        let (Some(provider_arn), Some(token_file)) = (non_empty(&profile.oidc_provider_arn), non_empty(&profile.oidc_token_file))
        else {
            return Err(invalid("mode OIDC needs oidc_provider_arn and oidc_token_file".to_owned()));
        };
        let role = role()?;
        let source = file.clone().via(format!("mode OIDC, role {}", role.role_arn));
        Recipe::Oidc { spec: OidcSpec { provider_arn, token_file: token_file.into(), role }, sts: sts(), source }
    } else if is("CredentialsURI") {
        let (text, from_env) = match non_empty(&profile.credentials_uri) {
            Some(uri) => (uri, false),
            None => match ctx.input.var(super::CREDENTIALS_URI_VAR) {
                Some(uri) => (uri, true),
                None => return Err(invalid(format!("mode CredentialsURI needs credentials_uri (or {})", super::CREDENTIALS_URI_VAR))),
            },
        };
        let url = super::uri::parse(&text).map_err(|why| {
            if from_env { invalid(format!("{} {why}", super::CREDENTIALS_URI_VAR)) } else { invalid(format!("credentials_uri {why}")) }
        })?;
        let source = file.clone().via(format!("mode CredentialsURI {}", super::uri::shown(&url)));
        Recipe::Uri { url, source }
    } else if is("External") {
        let Some(command) = non_empty(&profile.process_command) else {
            return Err(invalid("mode External needs process_command".to_owned()));
        };
        super::external::split(&command).map_err(|why| invalid(format!("its process_command {why}")))?;
        let source = file.clone().via(format!("mode External, process `{}`", super::external::program_name(&command)));
        Recipe::External { command, source }
    } else if let Some((known, why)) = REFUSED_MODES.iter().find(|(m, _)| is(m)) {
        return Err(invalid(format!("mode {known} is not supported: it {why}")));
    } else if mode.is_empty() {
        return Err(invalid("has no mode; run `aliyun configure` for it".to_owned()));
    } else {
        // Not echoed: a secret pasted into the wrong field would be.
        return Err(invalid("its `mode` is not one the aliyun CLI writes".to_owned()));
    };
    chain.pop();
    Ok(recipe)
}

fn non_empty(value: &Option<String>) -> Option<String> {
    value.as_ref().map(|v| v.trim()).filter(|v| !v.is_empty()).map(str::to_owned)
}
