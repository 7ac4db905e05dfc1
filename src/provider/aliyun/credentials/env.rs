//! The first source of the chain: an access key (and STS token) in the environment.
//!
//! Owns reading `ALIBABA_CLOUD_ACCESS_KEY_ID`, `ALIBABA_CLOUD_ACCESS_KEY_SECRET` and
//! `ALIBABA_CLOUD_SECURITY_TOKEN`. A half-set pair is an error naming the missing variable: a
//! typo must not quietly hand over to another identity further down the chain.

use secrecy::SecretString;

use super::{AliyunCredentials, ID_VAR, SECRET_VAR, TOKEN_VAR};
use crate::credentials::{ChainInput, CredentialError, CredentialSource, Skipped};
use crate::domain::ProviderKind;

/// The environment's key, or why the environment does not count.
pub fn from_env(input: &ChainInput<'_>) -> Result<Result<AliyunCredentials, Skipped>, CredentialError> {
    let invalid = |reason: String| CredentialError::Invalid {
        provider: ProviderKind::Aliyun,
        source_desc: "the environment".into(),
        reason,
    };
    match (input.var(ID_VAR), input.var(SECRET_VAR)) {
        (Some(access_key_id), Some(secret)) => Ok(Ok(AliyunCredentials {
            access_key_id,
            access_key_secret: SecretString::from(secret),
            security_token: input.var(TOKEN_VAR).map(SecretString::from),
            source: CredentialSource::Env { variable: ID_VAR },
        })),
        (Some(_), None) => Err(invalid(format!("{ID_VAR} is set but {SECRET_VAR} is not; set both"))),
        (None, Some(_)) => Err(invalid(format!("{SECRET_VAR} is set but {ID_VAR} is not; set both"))),
        (None, None) => Ok(Err(Skipped::new("environment", format!("{ID_VAR} and {SECRET_VAR} are not set")))),
    }
}
