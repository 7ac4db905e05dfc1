//! The first source: the environment. As in huaweicloudsdkcore, an OIDC identity provider
//! (`HUAWEICLOUD_SDK_IDP_ID` + `HUAWEICLOUD_SDK_ID_TOKEN_FILE`) comes before an AK/SK
//! (`HUAWEICLOUD_SDK_AK` + `HUAWEICLOUD_SDK_SK`, `HUAWEICLOUD_SDK_SECURITY_TOKEN`); then
//! oaswatch's own `OASWATCH_HUAWEI_TOKEN`, an IAM token. A half-set pair is an error naming what
//! is missing.

use std::path::PathBuf;

use secrecy::SecretString;

use super::recipe::Recipe;
use super::{AK_VAR, AUTH_TOKEN_VAR, Context, HuaweiCredentials, ID_TOKEN_FILE_VAR, IDP_ID_VAR, SK_VAR, TOKEN_VAR};
use crate::credentials::{CredentialError, CredentialSource, Skipped};
use crate::domain::ProviderKind;

pub fn from_env(ctx: &Context<'_>) -> Result<Result<Recipe, Skipped>, CredentialError> {
    let input = ctx.input;
    let invalid = |reason: String| CredentialError::Invalid {
        provider: ProviderKind::Huawei,
        source_desc: "the environment".into(),
        reason,
    };
    match (input.var(IDP_ID_VAR), input.var(ID_TOKEN_FILE_VAR)) {
        (Some(idp_id), Some(token_file)) => {
            crate::domain::check_part(&idp_id)
                .map_err(|_| invalid(format!("{IDP_ID_VAR} is not a plain identity provider id")))?;
            let source = CredentialSource::Env { variable: ID_TOKEN_FILE_VAR }
                .via(format!("OIDC federation with identity provider {idp_id}"));
            return Ok(Ok(Recipe::Federation {
                idp_id,
                token_file: PathBuf::from(token_file),
                iam: ctx.iam.clone(),
                source,
            }));
        }
        (Some(_), None) => {
            return Err(invalid(format!("{IDP_ID_VAR} is set but {ID_TOKEN_FILE_VAR} is not; set both")));
        }
        (None, Some(_)) => {
            return Err(invalid(format!("{ID_TOKEN_FILE_VAR} is set but {IDP_ID_VAR} is not; set both")));
        }
        (None, None) => {}
    }
    match (input.var(AK_VAR), input.var(SK_VAR)) {
        (Some(access_key), Some(sk)) => {
            return Ok(Ok(Recipe::Static(HuaweiCredentials::AkSk {
                access_key,
                secret_key: SecretString::from(sk),
                security_token: input.var(TOKEN_VAR).map(SecretString::from),
                source: CredentialSource::Env { variable: AK_VAR },
            })));
        }
        (Some(_), None) => return Err(invalid(format!("{AK_VAR} is set but {SK_VAR} is not; set both"))),
        (None, Some(_)) => return Err(invalid(format!("{SK_VAR} is set but {AK_VAR} is not; set both"))),
        (None, None) => {}
    }
    if let Some(token) = input.var(AUTH_TOKEN_VAR) {
        return Ok(Ok(Recipe::Static(HuaweiCredentials::Token {
            token: SecretString::from(token),
            source: CredentialSource::Env { variable: AUTH_TOKEN_VAR },
        })));
    }
    Ok(Err(Skipped::new(
        "environment",
        format!("{AK_VAR} and {SK_VAR}, {IDP_ID_VAR} and {ID_TOKEN_FILE_VAR}, and {AUTH_TOKEN_VAR} are not set"),
    )))
}
