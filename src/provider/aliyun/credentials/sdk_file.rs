//! The fourth source: the SDKs' INI credentials file, `~/.alibabacloud/credentials` (or
//! `ALIBABA_CLOUD_CREDENTIALS_FILE`; the Python SDK's `credentials.ini` name is read when the
//! first does not exist), section `[default]` or the profile's, with `type` one of `access_key`,
//! `sts`, `ram_role_arn`, `oidc_role_arn`, `ecs_ram_role` and `credentials_uri`
//! (docs/credentials.md, "SDK credentials file").
//!
//! Owns reading a section into a [`Recipe`]. Only known types are ever named in an error.

use std::path::Path;

use secrecy::SecretString;

use super::imds::ImdsSpec;
use super::recipe::{OidcSpec, Recipe};
use super::{AliyunCredentials, Context};
use crate::credentials::{CredentialError, CredentialSource, Skipped, ini, read_credentials_file};
use crate::domain::ProviderKind;

/// What the file has for the section, or why it does not count.
pub enum Lookup {
    Found(Box<Recipe>, Vec<String>),
    NotHere(Skipped),
}

pub fn lookup(ctx: &Context<'_>, path: &Path, section_name: &str) -> Result<Lookup, CredentialError> {
    let Some((text, warning)) = read_credentials_file(ProviderKind::Aliyun, path)? else {
        return Ok(Lookup::NotHere(Skipped::new("SDK credentials file", format!("{} not found", path.display()))));
    };
    let sections = ini::parse(&text);
    let Some(section) = ini::section(&sections, section_name) else {
        return Ok(Lookup::NotHere(Skipped::new(
            "SDK credentials file",
            format!("{} has no section [{section_name}]", path.display()),
        )));
    };
    let file = CredentialSource::File { path: path.to_path_buf(), profile: Some(section_name.to_owned()) };
    let invalid = |reason: String| CredentialError::invalid(ProviderKind::Aliyun, &file, reason);
    let get = |key: &str| section.get(key).map(str::to_owned);
    let key = |token: Option<String>| -> Result<Recipe, CredentialError> {
        let (Some(id), Some(secret)) = (get("access_key_id"), get("access_key_secret")) else {
            return Err(invalid("access_key_id and access_key_secret must both be set".into()));
        };
        Ok(Recipe::Static(AliyunCredentials {
            access_key_id: id,
            access_key_secret: SecretString::from(secret),
            security_token: token.map(SecretString::from),
            source: file.clone(),
        }))
    };
    let role = |arn_key: &str| -> Result<super::sts::RoleSpec, CredentialError> {
        let Some(arn) = get(arn_key) else { return Err(invalid(format!("this type needs {arn_key}"))) };
        let seconds = match get("role_session_expiration").or_else(|| get("duration_seconds")) {
            Some(text) => Some(
                text.parse::<u64>()
                    .map_err(|_| invalid("role_session_expiration is not a number of seconds".into()))?,
            ),
            None => None,
        };
        ctx.role(arn, get("role_session_name"), seconds, get("policy"), get("external_id")).map_err(invalid)
    };
    let recipe = match section.get("type") {
        Some("access_key") => key(None)?,
        Some("sts") => {
            let Some(token) = get("security_token") else {
                return Err(invalid("type sts needs security_token".into()));
            };
            key(Some(token))?
        }
        Some("ram_role_arn") => {
            let role = role("role_arn")?;
            let source = file.clone().via(format!("type ram_role_arn, role {}", role.role_arn));
            Recipe::AssumeRole { caller: Box::new(key(None)?), role, sts: ctx.sts(None, None), source }
        }
        Some("oidc_role_arn") => {
            let (Some(provider_arn), Some(token_file)) = (get("oidc_provider_arn"), get("oidc_token_file_path")) else {
                return Err(invalid("type oidc_role_arn needs oidc_provider_arn and oidc_token_file_path".into()));
            };
            let role = role("role_arn")?;
            let source = file.clone().via(format!("type oidc_role_arn, role {}", role.role_arn));
            Recipe::Oidc {
                spec: OidcSpec { provider_arn, token_file: token_file.into(), role },
                sts: ctx.sts(None, None),
                source,
            }
        }
        Some("ecs_ram_role") => {
            let role_name = get("role_name");
            let how = role_name
                .as_ref()
                .map_or_else(|| "type ecs_ram_role".to_owned(), |r| format!("type ecs_ram_role, role {r}"));
            let spec = ImdsSpec {
                endpoint: ctx.imds_endpoint.clone(),
                role: role_name,
                v1_disabled: ctx.input.flag(super::IMDSV1_DISABLED_VAR),
            };
            Recipe::Imds { spec, source: file.clone().via(how) }
        }
        Some("credentials_uri") => {
            let Some(text) = get("credentials_uri") else {
                return Err(invalid("type credentials_uri needs credentials_uri".into()));
            };
            let url = super::uri::parse(&text).map_err(|why| invalid(format!("credentials_uri {why}")))?;
            let source = file.clone().via(format!("type credentials_uri {}", super::uri::shown(&url)));
            Recipe::Uri { url, source }
        }
        Some("rsa_key_pair") => {
            return Err(invalid("type rsa_key_pair is not supported: Alibaba Cloud no longer issues key pairs; use access_key or ram_role_arn".into()));
        }
        // Anything else is not echoed: a secret pasted one line too high would be.
        Some(_) => {
            let line = section.line_of("type").unwrap_or_default();
            return Err(invalid(format!(
                "the `type` on line {line} is not a credential type (access_key, sts, ram_role_arn, oidc_role_arn, ecs_ram_role, credentials_uri)"
            )));
        }
        None => return Err(invalid("missing `type` (e.g. type = access_key)".into())),
    };
    Ok(Lookup::Found(Box::new(recipe), warning.into_iter().collect()))
}
