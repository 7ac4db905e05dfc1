//! The SDK's profile file: `~/.huaweicloud/credentials` (or `HUAWEICLOUD_SDK_CREDENTIALS_FILE`),
//! INI. The default chain reads `[basic]`, as huaweicloudsdkcore does for regional services; a
//! profile a task reference names reads the section of that name (oaswatch's extension, for
//! several accounts in one file). Keys: `ak`, `sk`, `security_token`, or `idp_id` +
//! `id_token_file` (OIDC federation, which wins, as in the SDK), and `iam_endpoint`.

use std::path::Path;

use secrecy::SecretString;

use super::recipe::Recipe;
use super::{Context, HuaweiCredentials};
use crate::credentials::{CredentialError, CredentialSource, Skipped, ini, read_credentials_file};
use crate::domain::ProviderKind;

pub enum Lookup {
    Found(Recipe, Vec<String>),
    NotHere(Skipped),
}

pub fn lookup(ctx: &Context<'_>, path: &Path, section_name: &str) -> Result<Lookup, CredentialError> {
    let Some((text, warning)) = read_credentials_file(ProviderKind::Huawei, path)? else {
        return Ok(Lookup::NotHere(Skipped::new("profile file", format!("{} not found", path.display()))));
    };
    let sections = ini::parse(&text);
    let Some(section) = ini::section(&sections, section_name) else {
        return Ok(Lookup::NotHere(Skipped::new(
            "profile file",
            format!("{} has no [{section_name}] section", path.display()),
        )));
    };
    let file = CredentialSource::File { path: path.to_path_buf(), profile: Some(section_name.to_owned()) };
    let invalid = |reason: String| CredentialError::invalid(ProviderKind::Huawei, &file, reason);
    let iam = match section.get("iam_endpoint") {
        Some(text) => crate::provider::validate_endpoint(text).map_err(|e| invalid(format!("iam_endpoint: {e}")))?,
        None => ctx.iam.clone(),
    };
    let recipe = match (section.get("idp_id"), section.get("id_token_file"), section.get("ak"), section.get("sk")) {
        (Some(idp_id), Some(token_file), _, _) => {
            crate::domain::check_part(idp_id)
                .map_err(|_| invalid("idp_id is not a plain identity provider id".into()))?;
            let source = file.clone().via(format!("OIDC federation with identity provider {idp_id}"));
            Recipe::Federation { idp_id: idp_id.to_owned(), token_file: token_file.into(), iam, source }
        }
        (Some(_), None, _, _) | (None, Some(_), _, _) => {
            return Err(invalid("idp_id and id_token_file must both be set".into()));
        }
        (None, None, Some(ak), Some(sk)) => Recipe::Static(HuaweiCredentials::AkSk {
            access_key: ak.to_owned(),
            secret_key: SecretString::from(sk.to_owned()),
            security_token: section.get("security_token").map(|t| SecretString::from(t.to_owned())),
            source: file.clone(),
        }),
        _ => {
            return Err(invalid(format!(
                "the [{section_name}] section needs both `ak` and `sk` (or `idp_id` and `id_token_file`)"
            )));
        }
    };
    Ok(Lookup::Found(recipe, warning.into_iter().collect()))
}
