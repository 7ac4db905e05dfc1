//! The Huawei Cloud chain: SDK environment AK/SK, an IAM token from `OASWATCH_HUAWEI_TOKEN`,
//! then the SDK's INI `credentials` file (docs/credentials.md). First found wins.

use std::fmt;
use std::path::Path;

use secrecy::SecretString;

use crate::credentials::{CredentialError, CredentialSource, Found, env_value, file_path, ini, read_credentials_file};
use crate::domain::ProviderKind;

const AK_VAR: &str = "HUAWEICLOUD_SDK_AK";
const SK_VAR: &str = "HUAWEICLOUD_SDK_SK";
const TOKEN_VAR: &str = "HUAWEICLOUD_SDK_SECURITY_TOKEN";
const AUTH_TOKEN_VAR: &str = "OASWATCH_HUAWEI_TOKEN";

/// The variables of this chain that carry a credential.
pub const ENV_VARS: [&str; 4] = [AK_VAR, SK_VAR, TOKEN_VAR, AUTH_TOKEN_VAR];

/// Huawei Cloud credentials: AK/SK (optionally temporary, with a security token) or an IAM token.
#[derive(Clone)]
pub enum HuaweiCredentials {
    AkSk {
        access_key: String,
        secret_key: SecretString,
        security_token: Option<SecretString>,
        source: CredentialSource,
    },
    /// An IAM token sent as `X-Auth-Token`; valid for 24 h.
    Token { token: SecretString, source: CredentialSource },
}

impl HuaweiCredentials {
    pub fn source(&self) -> &CredentialSource {
        match self {
            HuaweiCredentials::AkSk { source, .. } | HuaweiCredentials::Token { source, .. } => source,
        }
    }
}

impl fmt::Debug for HuaweiCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HuaweiCredentials::AkSk { access_key, security_token, source, .. } => f
                .debug_struct("HuaweiCredentials::AkSk")
                .field("access_key", access_key)
                .field("secret_key", &"[REDACTED]")
                .field("security_token", &security_token.as_ref().map(|_| "[REDACTED]"))
                .field("source", source)
                .finish(),
            HuaweiCredentials::Token { source, .. } => f
                .debug_struct("HuaweiCredentials::Token")
                .field("token", &"[REDACTED]")
                .field("source", source)
                .finish(),
        }
    }
}
const FILE_VAR: &str = "HUAWEICLOUD_SDK_CREDENTIALS_FILE";

/// Finds Huawei Cloud credentials.
pub fn discover(
    env: &dyn Fn(&str) -> Option<String>,
    home: Option<&Path>,
) -> Result<Found<HuaweiCredentials>, CredentialError> {
    let ak = env_value(env, AK_VAR);
    let sk = env_value(env, SK_VAR);
    match (ak, sk) {
        (Some(access_key), Some(sk)) => {
            return Ok(Found {
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
        return Ok(Found {
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
                    return Ok(Found {
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

    use super::*;
    use crate::credentials::test_support::env_of;

    #[test]
    fn debug_output_is_redacted() {
        let token = HuaweiCredentials::Token {
            token: SecretString::from("MIIT-token-value"),
            source: CredentialSource::Env { variable: "OASWATCH_HUAWEI_TOKEN" },
        };
        assert!(!format!("{token:?}").contains("MIIT-token-value"));
        let keys = HuaweiCredentials::AkSk {
            access_key: "AK".into(),
            secret_key: SecretString::from("sk-value-123"),
            security_token: Some(SecretString::from("tok-value-456")),
            source: CredentialSource::File {
                path: "/h/.huaweicloud/credentials".into(),
                profile: Some("basic".into()),
            },
        };
        let text = format!("{keys:?}");
        assert!(!text.contains("sk-value-123") && !text.contains("tok-value-456"));
        assert_eq!(keys.source().to_string(), "/h/.huaweicloud/credentials (profile basic)");
    }

    fn secret_of(c: &HuaweiCredentials) -> String {
        match c {
            HuaweiCredentials::AkSk { secret_key, .. } => secret_key.expose_secret().to_owned(),
            HuaweiCredentials::Token { token, .. } => token.expose_secret().to_owned(),
        }
    }

    #[test]
    fn env_aksk_wins_over_token_and_file() {
        let env = env_of(&[(AK_VAR, "AK"), (SK_VAR, "SK"), (TOKEN_VAR, "STS"), (AUTH_TOKEN_VAR, "TOKEN")]);
        let found = discover(&env, None).unwrap().credentials;
        let HuaweiCredentials::AkSk { access_key, security_token, .. } = &found else { panic!("{found:?}") };
        assert_eq!(access_key, "AK");
        assert_eq!(security_token.as_ref().unwrap().expose_secret(), "STS");
        assert_eq!(secret_of(&found), "SK");
    }

    #[test]
    fn token_env_is_second() {
        let found = discover(&env_of(&[(AUTH_TOKEN_VAR, "MIIT")]), None).unwrap().credentials;
        assert!(matches!(found, HuaweiCredentials::Token { .. }));
        assert_eq!(secret_of(&found), "MIIT");
        assert_eq!(found.source().to_string(), "env OASWATCH_HUAWEI_TOKEN");
    }

    #[test]
    fn half_set_env_names_the_missing_variable() {
        let err = discover(&env_of(&[(SK_VAR, "SK")]), None).unwrap_err();
        assert!(err.to_string().contains(AK_VAR), "{err}");
    }

    #[test]
    fn credentials_file_basic_section() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".huaweicloud/credentials");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, "[global]\nak = G\nsk = GS\n[basic]\nak = FILE_AK\nsk = FILE_SK\nproject_id = p\n")
            .unwrap();
        let found = discover(&env_of(&[]), Some(dir.path())).unwrap().credentials;
        assert_eq!(secret_of(&found), "FILE_SK");
        assert_eq!(found.source(), &CredentialSource::File { path: path.clone(), profile: Some("basic".into()) });

        let other = dir.path().join("elsewhere");
        std::fs::write(&other, "[basic]\nak = X\n").unwrap();
        let err = discover(&env_of(&[(FILE_VAR, other.to_str().unwrap())]), Some(dir.path())).unwrap_err();
        assert!(err.to_string().contains("needs both `ak` and `sk`"), "{err}");
    }

    #[test]
    fn nothing_found_names_what_to_set() {
        let dir = tempfile::tempdir().unwrap();
        let text = discover(&env_of(&[]), Some(dir.path())).unwrap_err().to_string();
        for needle in [AK_VAR, SK_VAR, AUTH_TOKEN_VAR, ".huaweicloud/credentials", "not found"] {
            assert!(text.contains(needle), "{needle} missing from {text}");
        }
    }
}
