//! The Alibaba Cloud chain: environment, the aliyun CLI's `config.json`, then the SDK's INI
//! `credentials` file (docs/credentials.md). First found wins.

use std::fmt;
use std::path::Path;

use secrecy::SecretString;
use serde::Deserialize;

use crate::credentials::{
    CredentialError, CredentialSource, Found, env_value, file_path, ini, parse_json_file, read_credentials_file,
};
use crate::domain::ProviderKind;

const ID_VAR: &str = "ALIBABA_CLOUD_ACCESS_KEY_ID";
const SECRET_VAR: &str = "ALIBABA_CLOUD_ACCESS_KEY_SECRET";
const TOKEN_VAR: &str = "ALIBABA_CLOUD_SECURITY_TOKEN";

/// The variables of this chain that carry a credential.
pub const ENV_VARS: [&str; 3] = [ID_VAR, SECRET_VAR, TOKEN_VAR];

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
const PROFILE_VAR: &str = "ALIBABA_CLOUD_PROFILE";
const CONFIG_FILE_VAR: &str = "ALIBABA_CLOUD_CONFIG_FILE";
const CREDENTIALS_FILE_VAR: &str = "ALIBABA_CLOUD_CREDENTIALS_FILE";

/// The modes the aliyun CLI writes into `config.json`; only these are ever named in an error.
const KNOWN_CLI_MODES: [&str; 12] = [
    "AK",
    "StsToken",
    "RamRoleArn",
    "EcsRamRole",
    "RsaKeyPair",
    "RamRoleArnWithRoleName",
    "ChainableRamRoleArn",
    "External",
    "CredentialsURI",
    "OIDC",
    "CloudSSO",
    "OAuth",
];

/// The types of the SDK's INI credentials file; only these are ever named in an error.
const KNOWN_INI_TYPES: [&str; 7] =
    ["access_key", "sts", "ecs_ram_role", "ram_role_arn", "oidc_role_arn", "credentials_uri", "rsa_key_pair"];

/// Finds Alibaba Cloud credentials.
pub fn discover(
    env: &dyn Fn(&str) -> Option<String>,
    home: Option<&Path>,
) -> Result<Found<AliyunCredentials>, CredentialError> {
    if let Some(found) = from_env(env)? {
        return Ok(Found { credentials: found, warnings: Vec::new() });
    }
    let profile_override = env_value(env, PROFILE_VAR);
    let mut looked_at = Vec::new();

    let cli_disabled = env_value(env, "ALIBABA_CLOUD_CLI_PROFILE_DISABLED")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
        || env_value(env, "ALIBABA_CLOUD_IGNORE_PROFILE").is_some_and(|v| v.eq_ignore_ascii_case("true"));
    if !cli_disabled
        && let Some(path) = file_path(env, CONFIG_FILE_VAR, home, ".aliyun/config.json")
        && let Some(found) = from_cli_config(&path, profile_override.as_deref(), &mut looked_at)?
    {
        return Ok(found);
    }
    if let Some(path) = file_path(env, CREDENTIALS_FILE_VAR, home, ".alibabacloud/credentials") {
        let section = profile_override.as_deref().unwrap_or("default");
        if let Some(found) = from_ini(&path, section, &mut looked_at)? {
            return Ok(found);
        }
    }
    let looked = if looked_at.is_empty() { String::new() } else { format!("; looked at {}", looked_at.join(", ")) };
    Err(CredentialError::Missing {
        provider: ProviderKind::Aliyun,
        hint: format!(
            "set {ID_VAR} and {SECRET_VAR} (plus {TOKEN_VAR} for STS), or configure an AK or StsToken profile \
             with `aliyun configure` (~/.aliyun/config.json, or {CONFIG_FILE_VAR}), or a `type = access_key` \
             section in ~/.alibabacloud/credentials (or {CREDENTIALS_FILE_VAR}); choose a profile with {PROFILE_VAR}{looked}"
        ),
    })
}

fn from_env(env: &dyn Fn(&str) -> Option<String>) -> Result<Option<AliyunCredentials>, CredentialError> {
    let id = env_value(env, ID_VAR);
    let secret = env_value(env, SECRET_VAR);
    match (id, secret) {
        (Some(access_key_id), Some(secret)) => Ok(Some(AliyunCredentials {
            access_key_id,
            access_key_secret: SecretString::from(secret),
            security_token: env_value(env, TOKEN_VAR).map(SecretString::from),
            source: CredentialSource::Env { variable: ID_VAR },
        })),
        (Some(_), None) => Err(invalid_env(format!("{ID_VAR} is set but {SECRET_VAR} is not; set both"))),
        (None, Some(_)) => Err(invalid_env(format!("{SECRET_VAR} is set but {ID_VAR} is not; set both"))),
        (None, None) => Ok(None),
    }
}

fn invalid_env(reason: String) -> CredentialError {
    CredentialError::Invalid { provider: ProviderKind::Aliyun, source_desc: "the environment".into(), reason }
}

#[derive(Deserialize)]
struct CliConfig {
    #[serde(default)]
    current: Option<String>,
    #[serde(default)]
    profiles: Vec<CliProfile>,
}

#[derive(Deserialize)]
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
}

fn from_cli_config(
    path: &Path,
    profile_override: Option<&str>,
    looked_at: &mut Vec<String>,
) -> Result<Option<Found<AliyunCredentials>>, CredentialError> {
    let Some((text, warning)) = read_credentials_file(ProviderKind::Aliyun, path)? else {
        looked_at.push(format!("{} (not found)", path.display()));
        return Ok(None);
    };
    let config: CliConfig = parse_json_file(&text).map_err(|reason| CredentialError::File {
        provider: ProviderKind::Aliyun,
        path: path.to_path_buf(),
        reason: format!("not valid aliyun CLI JSON: {reason}"),
    })?;
    // A name from the environment was typed by the user and may be shown; one from the file's
    // `current` is not echoed, in case a secret landed there.
    let (wanted, named_by) = match (profile_override, config.current.filter(|c| !c.is_empty())) {
        (Some(name), _) => (name.to_owned(), format!("{name:?}")),
        (None, Some(current)) => (current, "named by `current`".to_owned()),
        (None, None) => ("default".to_owned(), "\"default\"".to_owned()),
    };
    let Some(profile) = config.profiles.into_iter().find(|p| p.name == wanted) else {
        looked_at.push(format!("{} (no profile {named_by})", path.display()));
        return Ok(None);
    };
    let source = CredentialSource::File { path: path.to_path_buf(), profile: Some(wanted) };
    let invalid = |reason: String| CredentialError::Invalid {
        provider: ProviderKind::Aliyun,
        source_desc: source.to_string(),
        reason,
    };
    let security_token = match profile.mode.as_str() {
        "AK" => None,
        "StsToken" => match profile.sts_token.filter(|t| !t.is_empty()) {
            Some(token) => Some(SecretString::from(token)),
            None => return Err(invalid("mode StsToken needs sts_token".into())),
        },
        known if KNOWN_CLI_MODES.contains(&known) => {
            return Err(invalid(format!("mode {known:?} is not supported, use AK or StsToken")));
        }
        // Anything else is not echoed: a secret pasted into the wrong field would be.
        _ => return Err(invalid("its `mode` is not one the aliyun CLI writes; use AK or StsToken".into())),
    };
    let (Some(id), Some(secret)) =
        (profile.access_key_id.filter(|v| !v.is_empty()), profile.access_key_secret.filter(|v| !v.is_empty()))
    else {
        return Err(invalid("access_key_id and access_key_secret must both be set".into()));
    };
    Ok(Some(Found {
        credentials: AliyunCredentials {
            access_key_id: id,
            access_key_secret: SecretString::from(secret),
            security_token,
            source,
        },
        warnings: warning.into_iter().collect(),
    }))
}

fn from_ini(
    path: &Path,
    section_name: &str,
    looked_at: &mut Vec<String>,
) -> Result<Option<Found<AliyunCredentials>>, CredentialError> {
    let Some((text, warning)) = read_credentials_file(ProviderKind::Aliyun, path)? else {
        looked_at.push(format!("{} (not found)", path.display()));
        return Ok(None);
    };
    let sections = ini::parse(&text);
    let Some(section) = ini::section(&sections, section_name) else {
        looked_at.push(format!("{} (no section [{section_name}])", path.display()));
        return Ok(None);
    };
    let source = CredentialSource::File { path: path.to_path_buf(), profile: Some(section_name.to_owned()) };
    let invalid = |reason: String| CredentialError::Invalid {
        provider: ProviderKind::Aliyun,
        source_desc: source.to_string(),
        reason,
    };
    match section.get("type") {
        Some("access_key") => {}
        Some(known) if KNOWN_INI_TYPES.contains(&known) => {
            return Err(invalid(format!("type {known:?} is not supported, use type = access_key")));
        }
        // Anything else is not echoed: a secret pasted one line too high would be.
        Some(_) => {
            let line = section.line_of("type").unwrap_or_default();
            return Err(invalid(format!("the `type` on line {line} is not a credential type; use type = access_key")));
        }
        None => return Err(invalid("missing `type = access_key`".into())),
    }
    let (Some(id), Some(secret)) = (section.get("access_key_id"), section.get("access_key_secret")) else {
        return Err(invalid("access_key_id and access_key_secret must both be set".into()));
    };
    Ok(Some(Found {
        credentials: AliyunCredentials {
            access_key_id: id.to_owned(),
            access_key_secret: SecretString::from(secret.to_owned()),
            security_token: None,
            source,
        },
        warnings: warning.into_iter().collect(),
    }))
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret as _;

    use super::*;
    use crate::credentials::test_support::env_of;

    fn write(dir: &Path, rel: &str, text: &str) -> std::path::PathBuf {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        path
    }

    const CLI_CONFIG: &str = r#"{ "current": "default",
      "profiles": [
        {"name":"default","mode":"AK","access_key_id":"AK_DEFAULT","access_key_secret":"SECRET_DEFAULT","region_id":"cn-hangzhou"},
        {"name":"sts","mode":"StsToken","access_key_id":"STS.ID","access_key_secret":"SECRET_STS","sts_token":"TOKEN_STS"},
        {"name":"role","mode":"RamRoleArn","access_key_id":"x","access_key_secret":"y","ram_role_arn":"acs:ram::123:role/x"} ],
      "meta_path": "" }"#;

    #[test]
    fn env_wins_and_carries_the_sts_token() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), ".aliyun/config.json", CLI_CONFIG);
        let env = env_of(&[(ID_VAR, "ENV_ID"), (SECRET_VAR, "ENV_SECRET"), (TOKEN_VAR, "ENV_TOKEN")]);
        let found = discover(&env, Some(dir.path())).unwrap().credentials;
        assert_eq!(found.access_key_id, "ENV_ID");
        assert_eq!(found.access_key_secret.expose_secret(), "ENV_SECRET");
        assert_eq!(found.security_token.unwrap().expose_secret(), "ENV_TOKEN");
        assert_eq!(found.source.to_string(), "env ALIBABA_CLOUD_ACCESS_KEY_ID");
    }

    #[test]
    fn half_set_env_is_an_error_naming_the_missing_variable() {
        let env = env_of(&[(ID_VAR, "ENV_ID")]);
        let err = discover(&env, None).unwrap_err();
        assert!(err.to_string().contains(SECRET_VAR), "{err}");
    }

    #[test]
    fn cli_config_uses_current_then_the_profile_variable() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), ".aliyun/config.json", CLI_CONFIG);
        let found = discover(&env_of(&[]), Some(dir.path())).unwrap();
        assert_eq!(found.credentials.access_key_id, "AK_DEFAULT");
        assert!(found.credentials.security_token.is_none());
        assert!(found.warnings.is_empty());
        assert_eq!(
            found.credentials.source,
            CredentialSource::File { path: path.clone(), profile: Some("default".into()) }
        );

        let found = discover(&env_of(&[(PROFILE_VAR, "sts")]), Some(dir.path())).unwrap().credentials;
        assert_eq!(found.access_key_id, "STS.ID");
        assert_eq!(found.security_token.unwrap().expose_secret(), "TOKEN_STS");
    }

    #[test]
    fn unsupported_cli_mode_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), ".aliyun/config.json", CLI_CONFIG);
        let err = discover(&env_of(&[(PROFILE_VAR, "role")]), Some(dir.path())).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("mode \"RamRoleArn\" is not supported, use AK or StsToken"), "{text}");
    }

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
    }

    #[test]
    fn errors_name_fields_and_lines_but_never_values_from_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let cases = [
            // a secret where a string list is expected, where a mode is, and where `current` is
            r#"{"current": "default", "profiles": [{"name": "default", "mode": "AK", "access_key_id": ["LEAKME-1"]}]}"#,
            r#"{"current": "default", "profiles": [{"name": "default", "mode": "LEAKME-2x9Qw"}]}"#,
            r#"{"current": "LEAKME-3", "profiles": []}"#,
            r#"{"current": "default", "profiles": [{"name": "default", "mode": 7}], "x": "LEAKME-4"}"#,
            r#"{"current": "default" "LEAKME-5"}"#,
        ];
        for text in cases {
            write(dir.path(), ".aliyun/config.json", text);
            let env = env_of(&[(CREDENTIALS_FILE_VAR, "/nonexistent")]);
            let err = discover(&env, Some(dir.path())).unwrap_err();
            let shown = format!("{err} {err:?}");
            assert!(!shown.contains("LEAKME"), "{shown}");
        }
        write(dir.path(), ".aliyun/config.json", cases[0]);
        let err = discover(&env_of(&[]), Some(dir.path())).unwrap_err().to_string();
        assert!(err.contains("field `profiles[0].access_key_id` at line 1"), "{err}");

        let ini = write(dir.path(), "creds.ini", "[default]\n\ntype = LEAKME-6\n");
        let env = env_of(&[(CONFIG_FILE_VAR, "/nonexistent"), (CREDENTIALS_FILE_VAR, ini.to_str().unwrap())]);
        let err = discover(&env, Some(dir.path())).unwrap_err().to_string();
        assert!(!err.contains("LEAKME") && err.contains("line 3"), "{err}");
    }

    #[test]
    fn override_paths_and_ini_fallback() {
        let dir = tempfile::tempdir().unwrap();
        let ini_path = write(
            dir.path(),
            "custom/creds.ini",
            "[default]\ntype = access_key\naccess_key_id = INI_ID\naccess_key_secret = INI_SECRET\n\
             [prod]\ntype = ecs_ram_role\n",
        );
        let env = env_of(&[
            (CONFIG_FILE_VAR, dir.path().join("nope.json").to_str().unwrap()),
            (CREDENTIALS_FILE_VAR, ini_path.to_str().unwrap()),
        ]);
        let found = discover(&env, Some(dir.path())).unwrap().credentials;
        assert_eq!(found.access_key_id, "INI_ID");
        assert_eq!(found.access_key_secret.expose_secret(), "INI_SECRET");

        let env = env_of(&[(CREDENTIALS_FILE_VAR, ini_path.to_str().unwrap()), (PROFILE_VAR, "prod")]);
        let err = discover(&env, Some(dir.path())).unwrap_err();
        assert!(err.to_string().contains("type \"ecs_ram_role\" is not supported"), "{err}");
    }

    #[test]
    fn nothing_found_names_variables_and_files() {
        let dir = tempfile::tempdir().unwrap();
        let err = discover(&env_of(&[]), Some(dir.path())).unwrap_err();
        let text = err.to_string();
        assert!(matches!(err, CredentialError::Missing { .. }));
        for needle in [ID_VAR, SECRET_VAR, TOKEN_VAR, "config.json", ".alibabacloud/credentials", "(not found)"] {
            assert!(text.contains(needle), "{needle} missing from: {text}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn loose_file_mode_is_warned_about() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), ".aliyun/config.json", CLI_CONFIG);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let found = discover(&env_of(&[]), Some(dir.path())).unwrap();
        assert_eq!(found.warnings.len(), 1);
        assert!(found.warnings[0].contains("chmod 600"), "{:?}", found.warnings);
        assert!(found.warnings[0].contains("0644"));
    }

    #[test]
    fn broken_json_is_a_file_error_without_contents() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), ".aliyun/config.json", "{\"profiles\": [ {\"access_key_secret\": \"LEAKME\" ");
        let err = discover(&env_of(&[]), Some(dir.path())).unwrap_err();
        assert!(matches!(err, CredentialError::File { .. }));
        assert!(!err.to_string().contains("LEAKME"));
        assert!(!format!("{err:?}").contains("LEAKME"));
    }
}
