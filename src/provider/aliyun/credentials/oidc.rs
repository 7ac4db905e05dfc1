//! The second source: an OIDC role from the environment (ACK with RRSA, CI with OIDC
//! federation): `ALIBABA_CLOUD_ROLE_ARN`, `ALIBABA_CLOUD_OIDC_PROVIDER_ARN` and
//! `ALIBABA_CLOUD_OIDC_TOKEN_FILE`, exchanged with STS `AssumeRoleWithOIDC`.
//!
//! Owns reading those variables (and the optional session name) into a recipe. As in the SDKs,
//! the source takes part only when all three are set; a partial set is a skip that names what is
//! missing. The token file is read at each exchange, not here: it is rotated.

use std::path::PathBuf;

use super::recipe::{OidcSpec, Recipe};
use super::{Context, OIDC_PROVIDER_ARN_VAR, OIDC_TOKEN_FILE_VAR, ROLE_ARN_VAR};
use crate::credentials::{CredentialSource, Skipped};

pub fn from_env(ctx: &Context<'_>) -> Result<Recipe, Skipped> {
    let vars = [ROLE_ARN_VAR, OIDC_PROVIDER_ARN_VAR, OIDC_TOKEN_FILE_VAR];
    let values: Vec<Option<String>> = vars.iter().map(|v| ctx.input.var(v)).collect();
    let missing: Vec<&str> = vars.iter().zip(&values).filter(|(_, v)| v.is_none()).map(|(n, _)| *n).collect();
    if !missing.is_empty() {
        let reason = if missing.len() == vars.len() {
            format!("{} are not set", vars.join(", "))
        } else {
            format!("{} not set (all three are needed)", missing.join(" and "))
        };
        return Err(Skipped::new("OIDC role", reason));
    }
    let [Some(role_arn), Some(provider_arn), Some(token_file)] =
        <[Option<String>; 3]>::try_from(values).unwrap_or_default()
    else {
        return Err(Skipped::new("OIDC role", "the variables could not be read"));
    };
    let source = CredentialSource::Env { variable: OIDC_TOKEN_FILE_VAR }.via(format!("OIDC role {role_arn}"));
    let role = ctx.default_role(role_arn);
    Ok(Recipe::Oidc {
        spec: OidcSpec { provider_arn, token_file: PathBuf::from(token_file), role },
        sts: ctx.sts(None, None),
        source,
    })
}
