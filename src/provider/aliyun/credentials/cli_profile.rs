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
    (
        "CloudSSO",
        "needs an interactive CloudSSO sign-in; run `aliyun configure --mode CloudSSO` and use an AK, StsToken or RamRoleArn profile with oaswatch",
    ),
    ("OAuth", "needs an interactive OAuth sign-in; use an AK, StsToken or RamRoleArn profile with oaswatch"),
    ("RsaKeyPair", "is deprecated and no longer issued by Alibaba Cloud; use an AK or RamRoleArn profile"),
    ("BearerToken", "authenticates only some products' plugins, not CloudAPI"),
    ("Anonymous", "sends no credentials; CloudAPI requires them"),
];

/// How far a chain of `ChainableRamRoleArn` source profiles may go.
const MAX_CHAIN: usize = 8;

/// What the file has for the profile, or why it does not count.
pub enum Lookup {
    Found(Box<Recipe>, Vec<String>),
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
    Ok(Lookup::Found(Box::new(recipe), warning.into_iter().collect()))
}

/// One profile being read: where it is, and the helpers every mode shares.
struct Reader<'a> {
    ctx: &'a Context<'a>,
    profile: &'a CliProfile,
    file: CredentialSource,
    mode: &'a str,
}

impl Reader<'_> {
    fn invalid(&self, reason: impl Into<String>) -> CredentialError {
        CredentialError::invalid(ProviderKind::Aliyun, &self.file, reason)
    }

    fn is(&self, mode: &str) -> bool {
        self.mode.eq_ignore_ascii_case(mode)
    }

    /// The profile's own key; `with_token` for `StsToken` (and passed along by `RamRoleArn`).
    fn key(&self, with_token: bool) -> Result<Recipe, CredentialError> {
        let profile = self.profile;
        let (Some(id), Some(secret)) =
            (non_empty(profile.access_key_id.as_deref()), non_empty(profile.access_key_secret.as_deref()))
        else {
            return Err(self.invalid(format!("mode {} needs access_key_id and access_key_secret", self.mode)));
        };
        let token = non_empty(profile.sts_token.as_deref());
        if with_token && token.is_none() {
            return Err(self.invalid("mode StsToken needs sts_token"));
        }
        Ok(Recipe::Static(super::AliyunCredentials {
            access_key_id: id,
            access_key_secret: secret.into(),
            security_token: if with_token { token.map(Into::into) } else { None },
            source: self.file.clone(),
        }))
    }

    fn role(&self) -> Result<super::sts::RoleSpec, CredentialError> {
        let profile = self.profile;
        let Some(arn) = non_empty(profile.ram_role_arn.as_deref()) else {
            return Err(self.invalid(format!("mode {} needs ram_role_arn", self.mode)));
        };
        self.ctx
            .role(
                arn,
                non_empty(profile.ram_session_name.as_deref()),
                profile.expired_seconds,
                non_empty(profile.policy.as_deref()),
                non_empty(profile.external_id.as_deref()),
            )
            .map_err(|why| self.invalid(why))
    }

    fn sts(&self) -> reqwest::Url {
        self.ctx.sts(non_empty(self.profile.sts_region.as_deref()).as_deref(), self.profile.enable_vpc)
    }

    fn imds(&self) -> ImdsSpec {
        ImdsSpec {
            endpoint: self.ctx.imds_endpoint.clone(),
            role: non_empty(self.profile.ram_role_name.as_deref()),
            v1_disabled: self.ctx.input.flag(super::IMDSV1_DISABLED_VAR),
        }
    }

    /// `AssumeRole` with `caller`'s key, described as `what`.
    fn assume(&self, caller: Recipe, what: &str) -> Result<Recipe, CredentialError> {
        let role = self.role()?;
        let source = self.file.clone().via(format!("mode {what}, role {}", role.role_arn));
        Ok(Recipe::AssumeRole { caller: Box::new(caller), role, sts: self.sts(), source })
    }
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
    let Some(profile) = config.profiles.iter().find(|p| p.name == name) else {
        return Err(invalid("is named as a source_profile but does not exist".to_owned()));
    };
    chain.push(name.to_owned());
    let reader = Reader { ctx, profile, file: file.clone(), mode: profile.mode.trim() };
    let recipe = if reader.is("AK") {
        reader.key(false)?
    } else if reader.is("StsToken") {
        reader.key(true)?
    } else if reader.is("RamRoleArn") {
        // The CLI passes a profile's sts_token along when it has one.
        let caller = reader.key(true).or_else(|_| reader.key(false))?;
        reader.assume(caller, "RamRoleArn")?
    } else if reader.is("ChainableRamRoleArn") {
        let Some(parent) = non_empty(profile.source_profile.as_deref()) else {
            return Err(reader.invalid("mode ChainableRamRoleArn needs source_profile"));
        };
        crate::domain::check_profile(&parent)
            .map_err(|_| reader.invalid("its source_profile is not a plain profile name"))?;
        let caller = recipe_for(ctx, config, path, &parent, chain)?;
        reader.assume(caller, &format!("ChainableRamRoleArn from profile {parent}"))?
    } else {
        other_mode(&reader)?
    };
    chain.pop();
    Ok(recipe)
}

/// The modes that need no other profile.
fn other_mode(reader: &Reader<'_>) -> Result<Recipe, CredentialError> {
    let profile = reader.profile;
    let file = &reader.file;
    if reader.is("EcsRamRole") {
        let spec = reader.imds();
        let how =
            spec.role.as_ref().map_or_else(|| "mode EcsRamRole".to_owned(), |r| format!("mode EcsRamRole, role {r}"));
        Ok(Recipe::Imds { spec, source: file.clone().via(how) })
    } else if reader.is("RamRoleArnWithRoleName") {
        let caller = Recipe::Imds { spec: reader.imds(), source: file.clone().via("the ECS RAM role") };
        reader.assume(caller, "RamRoleArnWithRoleName")
    } else if reader.is("OIDC") {
        let (Some(provider_arn), Some(token_file)) =
            (non_empty(profile.oidc_provider_arn.as_deref()), non_empty(profile.oidc_token_file.as_deref()))
        else {
            return Err(reader.invalid("mode OIDC needs oidc_provider_arn and oidc_token_file"));
        };
        let role = reader.role()?;
        let source = file.clone().via(format!("mode OIDC, role {}", role.role_arn));
        Ok(Recipe::Oidc {
            spec: OidcSpec { provider_arn, token_file: token_file.into(), role },
            sts: reader.sts(),
            source,
        })
    } else if reader.is("CredentialsURI") {
        let uri_var = super::CREDENTIALS_URI_VAR;
        let url = match non_empty(profile.credentials_uri.as_deref()) {
            Some(text) => super::uri::parse(&text).map_err(|why| reader.invalid(format!("credentials_uri {why}")))?,
            None => match reader.ctx.input.var(uri_var) {
                Some(text) => super::uri::parse(&text).map_err(|why| reader.invalid(format!("{uri_var} {why}")))?,
                None => return Err(reader.invalid(format!("mode CredentialsURI needs credentials_uri (or {uri_var})"))),
            },
        };
        let source = file.clone().via(format!("mode CredentialsURI {}", super::uri::shown(&url)));
        Ok(Recipe::Uri { url, source })
    } else if reader.is("External") {
        let Some(command) = non_empty(profile.process_command.as_deref()) else {
            return Err(reader.invalid("mode External needs process_command"));
        };
        super::external::split(&command).map_err(|why| reader.invalid(format!("its process_command {why}")))?;
        let source = file.clone().via(format!("mode External, process `{}`", super::external::program_name(&command)));
        Ok(Recipe::External { command, source })
    } else if let Some((known, why)) = REFUSED_MODES.iter().find(|(m, _)| reader.is(m)) {
        Err(reader.invalid(format!("mode {known} is not supported: it {why}")))
    } else if reader.mode.is_empty() {
        Err(reader.invalid("has no mode; run `aliyun configure` for it"))
    } else {
        // Not echoed: a secret pasted into the wrong field would be.
        Err(reader.invalid("its `mode` is not one the aliyun CLI writes"))
    }
}

fn non_empty(value: Option<&str>) -> Option<String> {
    value.map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned)
}
