//! What every cloud's credential chain shares: where a credential came from, why earlier sources
//! were passed over, the errors that say what to set, reading the files and variables the chains
//! read, and keeping temporary credentials fresh.
//!
//! Owns the plumbing; each cloud's chain is `provider/<cloud>/credentials/` (docs/credentials.md
//! lists every chain). Secrets live in [`SecretString`], and every type that holds one prints a
//! redacted `Debug`. May not log, print or display a secret; reads the environment only through
//! the lookup it is given.
//!
//! ```text
//! credentials.rs   sources, skip reasons, errors, env and file helpers, key-id masking
//! ├── ini          the INI reader of both SDK credentials files
//! ├── clock        the wall clock expiries are judged by (and a manual one for tests)
//! ├── refresh      the lease cache renewed in the background before expiry
//! └── test_support what every chain's tests share (test builds only)
//! ```

pub mod clock;
pub mod ini;
pub mod refresh;
#[cfg(test)]
pub(crate) mod test_support;

use std::fmt;
use std::path::{Path, PathBuf};

pub use clock::{Clock, ManualClock, SystemClock};
pub use refresh::{CacheStatus, CredentialProvider, Lease, Refreshing, Renew, Renewal, Renewer};
pub use secrecy::{ExposeSecret, SecretString};

use crate::domain::ProviderKind;

/// Where a credential came from, for messages ("credentials from env ALIBABA_CLOUD_ACCESS_KEY_ID").
/// Never holds a secret: variable names, paths, profile names, role names, URLs without query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialSource {
    /// Environment variables; the name of the variable that holds the key id or token.
    Env { variable: &'static str },
    /// A file, and the profile or section used in it.
    File { path: PathBuf, profile: Option<String> },
    /// Nothing configured: a service of the machine itself (the instance metadata service).
    Machine { service: String },
    /// A temporary key obtained with what `source` holds; `how` says through what
    /// ("RamRoleArn acs:ram::…:role/reader", "OIDC role …", "external process `vault-aliyun`").
    Via { source: Box<CredentialSource>, how: String },
}

impl CredentialSource {
    /// The same source, obtaining its key through `how`.
    #[must_use]
    pub fn via(self, how: impl Into<String>) -> CredentialSource {
        CredentialSource::Via { source: Box::new(self), how: how.into() }
    }
}

impl fmt::Display for CredentialSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CredentialSource::Env { variable } => write!(f, "env {variable}"),
            CredentialSource::File { path, profile: Some(profile) } => {
                write!(f, "{} (profile {profile})", path.display())
            }
            CredentialSource::File { path, profile: None } => write!(f, "{}", path.display()),
            CredentialSource::Machine { service } => f.write_str(service),
            CredentialSource::Via { source, how } => write!(f, "{source}, {how}"),
        }
    }
}

/// A source of a chain that was passed over, and why ("ALIBABA_CLOUD_ROLE_ARN is not set").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The source's name in the chain ("environment", "OIDC role", "aliyun CLI profile").
    pub source: &'static str,
    pub reason: String,
}

impl Skipped {
    pub fn new(source: &'static str, reason: impl Into<String>) -> Skipped {
        Skipped { source, reason: reason.into() }
    }
}

/// What a chain reads: the environment, the home directory, and the profile a task reference
/// named (`None`: the default chain).
#[derive(Clone, Copy)]
pub struct ChainInput<'a> {
    pub env: &'a dyn Fn(&str) -> Option<String>,
    pub home: Option<&'a Path>,
    pub profile: Option<&'a str>,
}

impl fmt::Debug for ChainInput<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChainInput").field("home", &self.home).field("profile", &self.profile).finish_non_exhaustive()
    }
}

impl ChainInput<'_> {
    /// A variable, empty or blank counting as unset.
    pub fn var(&self, name: &str) -> Option<String> {
        env_value(self.env, name)
    }

    /// A variable set to `true` (any case), as the SDKs read their switches.
    pub fn flag(&self, name: &str) -> bool {
        self.var(name).is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }
}

/// An access key id as `oaswatch auth` shows it: enough to tell keys apart, not to use one
/// (`LTAI****0001`). Short ids are hidden whole.
pub fn mask_key_id(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() < 12 {
        return "****".to_owned();
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}****{tail}")
}

/// Credentials found, plus warnings for the caller to log or print (a loose file mode, say).
#[derive(Debug, Clone)]
pub struct Found<C> {
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
    /// The error of a source that exists but cannot be used, named by `source`.
    pub fn invalid(provider: ProviderKind, source: &CredentialSource, reason: impl Into<String>) -> CredentialError {
        CredentialError::Invalid { provider, source_desc: source.to_string(), reason: reason.into() }
    }

    pub fn provider(&self) -> ProviderKind {
        match self {
            CredentialError::Missing { provider, .. }
            | CredentialError::Invalid { provider, .. }
            | CredentialError::File { provider, .. } => *provider,
        }
    }
}

/// An environment variable, with empty values treated as unset (as the SDKs do).
pub fn env_value(env: &dyn Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    env(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// A file path from an override variable, else under the home directory.
pub fn file_path(
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
pub fn parse_json_file<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, String> {
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
pub fn read_credentials_file(
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

/// The token a token-file exchange sends (an OIDC or ID token to STS or IAM), read anew for every
/// exchange because the file is rotated under us; a file that cannot be read refuses the renewal,
/// naming `what` ("the OIDC token file").
pub fn read_exchange_token(path: &Path, what: &str) -> Result<SecretString, crate::domain::FetchError> {
    read_secret_file(path).map_err(|why| refresh::rejected(format!("{what}: {why}")))
}

/// Reads a file a source names for a secret it holds (an OIDC token file). The error names the
/// file and what went wrong, never the content.
pub fn read_secret_file(path: &Path) -> Result<SecretString, String> {
    use std::io::Read as _;
    // A token is a few kilobytes; a path to /dev/zero must not fill memory.
    const CAP: u64 = 64 * 1024;
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|file| file.take(CAP + 1).read_to_end(&mut bytes))
        .map_err(|e| format!("cannot read {}: {}", path.display(), e.kind()))?;
    if bytes.len() as u64 > CAP {
        return Err(format!("{} is larger than 64 KiB; it is not a token", path.display()));
    }
    let Ok(text) = String::from_utf8(bytes) else {
        return Err(format!("{} is not UTF-8 text", path.display()));
    };
    let text = text.trim();
    if text.is_empty() {
        return Err(format!("{} is empty", path.display()));
    }
    Ok(SecretString::from(text.to_owned()))
}
