//! The Huawei Cloud chain: SDK environment AK/SK, an IAM token from `OASWATCH_HUAWEI_TOKEN`,
//! then the SDK's INI `credentials` file (cloud-apis.md B.5). First found wins.

use std::path::Path;

use secrecy::SecretString;

use super::{
    CredentialError, CredentialSource, Discovered, HuaweiCredentials, env_value, file_path, ini, read_credentials_file,
};
use crate::domain::ProviderKind;

pub(super) const AK_VAR: &str = "HUAWEICLOUD_SDK_AK";
pub(super) const SK_VAR: &str = "HUAWEICLOUD_SDK_SK";
pub(super) const TOKEN_VAR: &str = "HUAWEICLOUD_SDK_SECURITY_TOKEN";
pub(super) const AUTH_TOKEN_VAR: &str = "OASWATCH_HUAWEI_TOKEN";
const FILE_VAR: &str = "HUAWEICLOUD_SDK_CREDENTIALS_FILE";

/// Finds Huawei Cloud credentials.
pub fn discover_huawei(
    env: &dyn Fn(&str) -> Option<String>,
    home: Option<&Path>,
) -> Result<Discovered<HuaweiCredentials>, CredentialError> {
    let ak = env_value(env, AK_VAR);
    let sk = env_value(env, SK_VAR);
    match (ak, sk) {
        (Some(access_key), Some(sk)) => {
            return Ok(Discovered {
                credentials: HuaweiCredentials::AkSk {
                    access_key,
                    secret_key: SecretString::from(sk),
                    security_token: env_value(env, TOKEN_VAR).map(SecretString::from),
                    source: CredentialSource::Env { variable: AK_VAR },
                },
                warnings: Vec::new(),
            });
        }
        (Some(_), None) => return Err(invalid_env(format!("{AK_VAR} is set but {SK_VAR} is not; set both"))),
        (None, Some(_)) => return Err(invalid_env(format!("{SK_VAR} is set but {AK_VAR} is not; set both"))),
        (None, None) => {}
    }
    if let Some(token) = env_value(env, AUTH_TOKEN_VAR) {
        return Ok(Discovered {
            credentials: HuaweiCredentials::Token {
                token: SecretString::from(token),
                source: CredentialSource::Env { variable: AUTH_TOKEN_VAR },
            },
            warnings: Vec::new(),
        });
    }
    let mut looked_at = String::new();
    if let Some(path) = file_path(env, FILE_VAR, home, ".huaweicloud/credentials") {
        match read_credentials_file(ProviderKind::Huawei, &path)? {
            None => looked_at = format!("; looked at {} (not found)", path.display()),
            Some((text, warning)) => {
                let sections = ini::parse(&text);
                if let Some(basic) = ini::section(&sections, "basic") {
                    let source = CredentialSource::File { path: path.clone(), profile: Some("basic".into()) };
                    let (Some(ak), Some(sk)) = (basic.get("ak"), basic.get("sk")) else {
                        return Err(CredentialError::Invalid {
                            provider: ProviderKind::Huawei,
                            source_desc: source.to_string(),
                            reason: "the [basic] section needs both `ak` and `sk`".into(),
                        });
                    };
                    return Ok(Discovered {
                        credentials: HuaweiCredentials::AkSk {
                            access_key: ak.to_owned(),
                            secret_key: SecretString::from(sk.to_owned()),
                            security_token: basic.get("security_token").map(|t| SecretString::from(t.to_owned())),
                            source,
                        },
                        warnings: warning.into_iter().collect(),
                    });
                }
                looked_at = format!("; looked at {} (no [basic] section)", path.display());
            }
        }
    }
    Err(CredentialError::Missing {
        provider: ProviderKind::Huawei,
        hint: format!(
            "set {AK_VAR} and {SK_VAR} (plus {TOKEN_VAR} for temporary keys), or {AUTH_TOKEN_VAR} with an IAM token, \
             or put `ak` and `sk` in the [basic] section of ~/.huaweicloud/credentials (or {FILE_VAR}){looked_at}"
        ),
    })
}

fn invalid_env(reason: String) -> CredentialError {
    CredentialError::Invalid { provider: ProviderKind::Huawei, source_desc: "the environment".into(), reason }
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret as _;

    use super::super::test_support::env_of;
    use super::*;

    fn secret_of(c: &HuaweiCredentials) -> String {
        match c {
            HuaweiCredentials::AkSk { secret_key, .. } => secret_key.expose_secret().to_owned(),
            HuaweiCredentials::Token { token, .. } => token.expose_secret().to_owned(),
        }
    }

    #[test]
    fn env_aksk_wins_over_token_and_file() {
        let env = env_of(&[(AK_VAR, "AK"), (SK_VAR, "SK"), (TOKEN_VAR, "STS"), (AUTH_TOKEN_VAR, "TOKEN")]);
        let found = discover_huawei(&env, None).unwrap().credentials;
        let HuaweiCredentials::AkSk { access_key, security_token, .. } = &found else { panic!("{found:?}") };
        assert_eq!(access_key, "AK");
        assert_eq!(security_token.as_ref().unwrap().expose_secret(), "STS");
        assert_eq!(secret_of(&found), "SK");
    }

    #[test]
    fn token_env_is_second() {
        let found = discover_huawei(&env_of(&[(AUTH_TOKEN_VAR, "MIIT")]), None).unwrap().credentials;
        assert!(matches!(found, HuaweiCredentials::Token { .. }));
        assert_eq!(secret_of(&found), "MIIT");
        assert_eq!(found.source().to_string(), "env OASWATCH_HUAWEI_TOKEN");
    }

    #[test]
    fn half_set_env_names_the_missing_variable() {
        let err = discover_huawei(&env_of(&[(SK_VAR, "SK")]), None).unwrap_err();
        assert!(err.to_string().contains(AK_VAR), "{err}");
    }

    #[test]
    fn credentials_file_basic_section() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".huaweicloud/credentials");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, "[global]\nak = G\nsk = GS\n[basic]\nak = FILE_AK\nsk = FILE_SK\nproject_id = p\n")
            .unwrap();
        let found = discover_huawei(&env_of(&[]), Some(dir.path())).unwrap().credentials;
        assert_eq!(secret_of(&found), "FILE_SK");
        assert_eq!(found.source(), &CredentialSource::File { path: path.clone(), profile: Some("basic".into()) });

        let other = dir.path().join("elsewhere");
        std::fs::write(&other, "[basic]\nak = X\n").unwrap();
        let err = discover_huawei(&env_of(&[(FILE_VAR, other.to_str().unwrap())]), Some(dir.path())).unwrap_err();
        assert!(err.to_string().contains("needs both `ak` and `sk`"), "{err}");
    }

    #[test]
    fn nothing_found_names_what_to_set() {
        let dir = tempfile::tempdir().unwrap();
        let text = discover_huawei(&env_of(&[]), Some(dir.path())).unwrap_err().to_string();
        for needle in [AK_VAR, SK_VAR, AUTH_TOKEN_VAR, ".huaweicloud/credentials", "not found"] {
            assert!(text.contains(needle), "{needle} missing from {text}");
        }
    }
}
