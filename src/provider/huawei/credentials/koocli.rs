//! KooCLI (`hcloud`) profiles, which users of that CLI already have: `~/.hcloud/config.json`,
//! `{"current": NAME, "profiles": [{"name", "mode", "accessKeyId", "secretAccessKey",
//! "securityToken", …}]}` (docs/credentials.md, "KooCLI"). Not part of the SDK's chain: oaswatch
//! reads it after the SDK's profile file and before the metadata service.
//!
//! Modes: `AKSK` (a permanent or, with `securityToken`, temporary key) and `ecsAgency` (the
//! instance's agency, from the ECS metadata service); `SSO` and others are refused with a
//! message. KooCLI encrypts keys by default (`authEncrypt`); such a file cannot be read and says
//! so. Errors name the file, the profile and the field, never a value.

use std::path::Path;

use secrecy::SecretString;
use serde::Deserialize;

use super::recipe::Recipe;
use super::{Context, HuaweiCredentials};
use crate::credentials::{CredentialError, CredentialSource, Skipped, parse_json_file, read_credentials_file};
use crate::domain::ProviderKind;

#[derive(Deserialize)]
struct Config {
    #[serde(default)]
    current: Option<String>,
    #[serde(default, rename = "authEncrypt")]
    auth_encrypt: Option<serde_json::Value>,
    #[serde(default)]
    profiles: Vec<Profile>,
}

#[derive(Deserialize)]
struct Profile {
    #[serde(default)]
    name: String,
    #[serde(default)]
    mode: String,
    #[serde(default, rename = "accessKeyId")]
    access_key_id: Option<String>,
    #[serde(default, rename = "secretAccessKey")]
    secret_access_key: Option<String>,
    #[serde(default, rename = "securityToken")]
    security_token: Option<String>,
}

pub enum Lookup {
    Found(Recipe, Vec<String>),
    NotHere(Skipped),
}

fn encrypted(value: Option<&serde_json::Value>) -> bool {
    match value {
        Some(serde_json::Value::Bool(on)) => *on,
        Some(serde_json::Value::String(text)) => text.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

pub fn lookup(ctx: &Context<'_>, path: &Path, named: Option<&str>) -> Result<Lookup, CredentialError> {
    let Some((text, warning)) = read_credentials_file(ProviderKind::Huawei, path)? else {
        return Ok(Lookup::NotHere(Skipped::new("KooCLI profile", format!("{} not found", path.display()))));
    };
    let config: Config = parse_json_file(&text).map_err(|reason| CredentialError::File {
        provider: ProviderKind::Huawei,
        path: path.to_path_buf(),
        reason: format!("not valid KooCLI JSON: {reason}"),
    })?;
    let (wanted, named_by) = match (named, config.current.clone().filter(|c| !c.is_empty())) {
        (Some(name), _) => (name.to_owned(), format!("{name:?}")),
        (None, Some(current)) => (current, "named by `current`".to_owned()),
        (None, None) => ("default".to_owned(), "\"default\"".to_owned()),
    };
    let Some(profile) = config.profiles.iter().find(|p| p.name == wanted) else {
        return Ok(Lookup::NotHere(Skipped::new(
            "KooCLI profile",
            format!("{} has no profile {named_by}", path.display()),
        )));
    };
    let file = CredentialSource::File { path: path.to_path_buf(), profile: Some(wanted.clone()) };
    let invalid = |reason: String| CredentialError::invalid(ProviderKind::Huawei, &file, reason);
    let mode = profile.mode.trim();
    let recipe = if mode.eq_ignore_ascii_case("AKSK") || mode.is_empty() {
        if encrypted(config.auth_encrypt.as_ref()) {
            return Err(invalid(
                "KooCLI stores this profile's keys encrypted (authEncrypt), which only hcloud can read; \
                 put the keys in ~/.huaweicloud/credentials or the environment, or turn KooCLI's key encryption off"
                    .into(),
            ));
        }
        let non_empty = |v: &Option<String>| v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
        let (Some(ak), Some(sk)) = (non_empty(&profile.access_key_id), non_empty(&profile.secret_access_key)) else {
            return Err(invalid("mode AKSK needs accessKeyId and secretAccessKey".into()));
        };
        Recipe::Static(HuaweiCredentials::AkSk {
            access_key: ak,
            secret_key: SecretString::from(sk),
            security_token: non_empty(&profile.security_token).map(SecretString::from),
            source: file.clone(),
        })
    } else if mode.eq_ignore_ascii_case("ecsAgency") {
        Recipe::Metadata { endpoint: ctx.metadata.clone(), source: file.clone().via("mode ecsAgency"), missing: None }
    } else if mode.eq_ignore_ascii_case("SSO") {
        return Err(invalid(
            "mode SSO is not supported: it needs KooCLI's interactive sign-in; use an AKSK profile".into(),
        ));
    } else {
        return Err(invalid("its `mode` is not AKSK or ecsAgency".into()));
    };
    Ok(Lookup::Found(recipe, warning.into_iter().collect()))
}
