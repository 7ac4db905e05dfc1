//! Finding credentials for each cloud, the way their own CLIs and SDKs look for them.
//!
//! Owns the discovery chains of contract.md ("Credentials"), the secret-holding types and the
//! errors that say what to set. Secrets live in [`SecretString`] and every type here prints a
//! redacted `Debug`. May not log, print or display a secret, and never reads the real
//! environment or home directory except through [`discover_from_process`].

mod aliyun;
mod huawei;
mod ini;

use std::fmt;
use std::path::{Path, PathBuf};

pub use secrecy::{ExposeSecret, SecretString};

pub use aliyun::discover_aliyun;
pub use huawei::discover_huawei;

use crate::domain::ProviderKind;

/// Where a credential came from, for messages ("credentials from env ALIBABA_CLOUD_ACCESS_KEY_ID").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialSource {
    /// Environment variables; the name of the variable that holds the key id or token.
    Env { variable: &'static str },
    /// A file, and the profile or section used in it.
    File { path: PathBuf, profile: Option<String> },
}

impl fmt::Display for CredentialSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CredentialSource::Env { variable } => write!(f, "env {variable}"),
            CredentialSource::File { path, profile: Some(profile) } => {
                write!(f, "{} (profile {profile})", path.display())
            }
            CredentialSource::File { path, profile: None } => write!(f, "{}", path.display()),
        }
    }
}

/// Alibaba Cloud AccessKey, optionally an STS one (with a security token).
#[derive(Clone)]
pub struct AliyunCredentials {
    pub access_key_id: String,
    pub access_key_secret: SecretString,
    pub security_token: Option<SecretString>,
    pub source: CredentialSource,
}

impl fmt::Debug for AliyunCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AliyunCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("access_key_secret", &"[REDACTED]")
            .field("security_token", &self.security_token.as_ref().map(|_| "[REDACTED]"))
            .field("source", &self.source)
            .finish()
    }
}

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

/// Credentials found, plus warnings for the caller to log or print (a loose file mode, say).
#[derive(Debug, Clone)]
pub struct Discovered<C> {
    pub credentials: C,
    pub warnings: Vec<String>,
}

/// Why no usable credentials were found. Messages name what to set or fix, never a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialError {
    /// Nothing found anywhere in the chain.
    #[error("no {provider} credentials found: {hint}")]
    Missing { provider: ProviderKind, hint: String },
    /// Something was found but is incomplete or unusable.
    #[error("{provider} credentials from {source_desc} are unusable: {reason}")]
    Invalid { provider: ProviderKind, source_desc: String, reason: String },
    /// A credentials file exists but could not be read or parsed.
    #[error("could not read {provider} credentials file {}: {reason}", path.display())]
    File { provider: ProviderKind, path: PathBuf, reason: String },
}

impl CredentialError {
    pub fn provider(&self) -> ProviderKind {
        match self {
            CredentialError::Missing { provider, .. }
            | CredentialError::Invalid { provider, .. }
            | CredentialError::File { provider, .. } => *provider,
        }
    }
}

/// What discovery found for both clouds; each side fails independently.
#[derive(Debug, Clone)]
pub struct Discovery {
    pub aliyun: Result<Discovered<AliyunCredentials>, CredentialError>,
    pub huawei: Result<Discovered<HuaweiCredentials>, CredentialError>,
}

impl Discovery {
    /// Every warning from both sides.
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Ok(found) = &self.aliyun {
            out.extend(found.warnings.iter().cloned());
        }
        if let Ok(found) = &self.huawei {
            out.extend(found.warnings.iter().cloned());
        }
        out
    }
}

/// Every environment variable a credential source reads that carries a credential (ids too:
/// with the secret gone, an id alone is useless to a child and still names an account).
pub const CREDENTIAL_ENV_VARS: [&str; 7] = [
    aliyun::ID_VAR,
    aliyun::SECRET_VAR,
    aliyun::TOKEN_VAR,
    huawei::AK_VAR,
    huawei::SK_VAR,
    huawei::TOKEN_VAR,
    huawei::AUTH_TOKEN_VAR,
];

/// Removes the credential variables from a child's environment: a `--on-finish` hook, a pager
/// or an editor has no business with the cloud keys oaswatch was given.
pub fn scrub_child_env(command: &mut std::process::Command) -> &mut std::process::Command {
    for var in CREDENTIAL_ENV_VARS {
        command.env_remove(var);
    }
    command
}

/// Runs both chains with an injected environment lookup and home directory.
pub fn discover(env: &dyn Fn(&str) -> Option<String>, home: Option<&Path>) -> Discovery {
    Discovery { aliyun: discover_aliyun(env, home), huawei: discover_huawei(env, home) }
}

/// Runs both chains against the real process environment and the user's home directory.
pub fn discover_from_process() -> Discovery {
    let home = directories::BaseDirs::new().map(|dirs| dirs.home_dir().to_path_buf());
    discover(&|name| std::env::var(name).ok(), home.as_deref())
}

/// An environment variable, with empty values treated as unset (as the SDKs do).
fn env_value(env: &dyn Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    env(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// A file path from an override variable, else under the home directory.
fn file_path(
    env: &dyn Fn(&str) -> Option<String>,
    override_var: &str,
    home: Option<&Path>,
    rel: &str,
) -> Option<PathBuf> {
    env_value(env, override_var).map(PathBuf::from).or_else(|| home.map(|h| h.join(rel)))
}

/// Deserialises a JSON credentials file. The error names where and which field, never a value:
/// serde's own messages quote what they found (`invalid type: string "…"`), and in these files
/// that may be a secret.
fn parse_json_file<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, String> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let value = serde_path_to_error::deserialize(&mut deserializer)
        .map_err(|error| describe_json_error(&error.path().to_string(), error.inner()))?;
    deserializer.end().map_err(|error| describe_json_error(".", &error))?;
    Ok(value)
}

fn describe_json_error(path: &str, error: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let (line, column) = (error.line(), error.column());
    match error.classify() {
        Category::Data if path != "." => {
            format!("field `{path}` at line {line} column {column} has the wrong type or value")
        }
        Category::Data => format!("unexpected content at line {line} column {column}"),
        Category::Syntax => format!("syntax error at line {line} column {column}"),
        Category::Eof => format!("the file ends early (line {line} column {column})"),
        Category::Io => "the file could not be read".to_owned(),
    }
}

/// Reads a credentials file; `Ok(None)` when it does not exist. Also returns a warning when the
/// file can be read by group or others.
fn read_credentials_file(
    provider: ProviderKind,
    path: &Path,
) -> Result<Option<(String, Option<String>)>, CredentialError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(CredentialError::File { provider, path: path.to_path_buf(), reason: e.to_string() });
        }
    };
    Ok(Some((text, loose_mode_warning(path))))
}

#[cfg(unix)]
fn loose_mode_warning(path: &Path) -> Option<String> {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
    (mode & 0o044 != 0).then(|| {
        format!(
            "credentials file {} is readable by group or others (mode {mode:04o}); run: chmod 600 {}",
            path.display(),
            path.display()
        )
    })
}

#[cfg(not(unix))]
fn loose_mode_warning(_path: &Path) -> Option<String> {
    None
}

#[cfg(test)]
mod test_support {
    use std::collections::HashMap;

    /// A fake environment for discovery tests.
    pub fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        move |name: &str| map.get(name).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::env_of;
    use super::*;

    #[test]
    fn debug_output_is_redacted() {
        let creds = AliyunCredentials {
            access_key_id: "LTAIexample".into(),
            access_key_secret: SecretString::from("very-secret-value"),
            security_token: Some(SecretString::from("sts-token-value")),
            source: CredentialSource::Env { variable: "ALIBABA_CLOUD_ACCESS_KEY_ID" },
        };
        let text = format!("{creds:?}");
        assert!(text.contains("LTAIexample"));
        assert!(!text.contains("very-secret-value"));
        assert!(!text.contains("sts-token-value"));
        let hw = HuaweiCredentials::Token {
            token: SecretString::from("MIIT-token-value"),
            source: CredentialSource::Env { variable: "OASWATCH_HUAWEI_TOKEN" },
        };
        assert!(!format!("{hw:?}").contains("MIIT-token-value"));
        let hw = HuaweiCredentials::AkSk {
            access_key: "AK".into(),
            secret_key: SecretString::from("sk-value-123"),
            security_token: Some(SecretString::from("tok-value-456")),
            source: CredentialSource::File {
                path: "/h/.huaweicloud/credentials".into(),
                profile: Some("basic".into()),
            },
        };
        let text = format!("{hw:?}");
        assert!(!text.contains("sk-value-123") && !text.contains("tok-value-456"));
        assert_eq!(hw.source().to_string(), "/h/.huaweicloud/credentials (profile basic)");
    }

    #[test]
    fn both_sides_fail_independently() {
        let env = env_of(&[("HUAWEICLOUD_SDK_AK", "ak"), ("HUAWEICLOUD_SDK_SK", "sk")]);
        let found = discover(&env, None);
        assert!(found.aliyun.is_err());
        assert!(found.huawei.is_ok());
        assert_eq!(found.aliyun.unwrap_err().provider(), ProviderKind::Aliyun);
    }
}
