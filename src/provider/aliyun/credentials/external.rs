//! The aliyun CLI's `External` mode: run the profile's `process_command` and read the key it
//! prints, as credentials-python does (docs/credentials.md, "External process").
//!
//! The command is split like a POSIX shell splits words (quotes and backslashes, no expansion)
//! and run directly, never through a shell; it gets no stdin, the environment without any cloud
//! credential variable, and 60 seconds. Its stdout is `{"mode": "AK"|"StsToken",
//! "access_key_id", "access_key_secret", "sts_token", "expiration"}`. Neither its output nor its
//! stderr is ever shown, logged or kept: both may hold secrets; errors name the program, its
//! exit status and the JSON field that is wrong.

use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;
use serde::Deserialize;

use super::AliyunCredentials;
use super::sts::parse_iso8601;
use crate::credentials::{CredentialSource, Lease, parse_json_file};
use crate::domain::{FetchError, FetchErrorKind};

/// How long the process may take (the SDKs' default).
const TIMEOUT: Duration = Duration::from_secs(60);
/// Largest output read: a key is a few hundred bytes.
const OUTPUT_CAP: usize = 64 * 1024;

/// Splits a command line into words: whitespace separates, `'…'` and `"…"` quote, `\` escapes.
/// `Err` on an unterminated quote.
pub fn split(command: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = command.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => word.push(c),
                        None => return Err("has an unterminated ' quote".to_owned()),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\' | '$' | '`')) => word.push(c),
                            Some(c) => {
                                word.push('\\');
                                word.push(c);
                            }
                            None => return Err("has an unterminated \" quote".to_owned()),
                        },
                        Some(c) => word.push(c),
                        None => return Err("has an unterminated \" quote".to_owned()),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(c) = chars.next() {
                    word.push(c);
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

/// The program's name as it may be shown: the last path component of the first word.
pub fn program_name(command: &str) -> String {
    let first = split(command).ok().and_then(|words| words.into_iter().next()).unwrap_or_default();
    let name = std::path::Path::new(&first).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or(first);
    crate::sanitize::line_truncated(&name, 60).into_owned()
}

#[derive(Deserialize)]
struct Output {
    #[serde(default)]
    mode: Option<String>,
    #[serde(default)]
    access_key_id: Option<String>,
    #[serde(default)]
    access_key_secret: Option<String>,
    #[serde(default)]
    sts_token: Option<String>,
    #[serde(default)]
    expiration: Option<String>,
}

/// Runs the command and reads the key it prints.
pub async fn obtain(command: &str, source: &CredentialSource) -> Result<Lease<AliyunCredentials>, FetchError> {
    let failed = |why: String| crate::credentials::refresh::rejected(format!("the external process {why}"));
    let words = split(command).map_err(|why| failed(format!("command {why}")))?;
    let Some((program, args)) = words.split_first() else {
        return Err(failed("command is empty".to_owned()));
    };
    let mut process = std::process::Command::new(program);
    crate::provider::scrub_child_env(&mut process).args(args);
    let mut process = tokio::process::Command::from(process);
    process.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).kill_on_drop(true);
    let child = process.spawn().map_err(|e| failed(format!("could not be started: {}", e.kind())))?;
    let output = match tokio::time::timeout(TIMEOUT, child.wait_with_output()).await {
        Ok(Ok(output)) => output,
        Ok(Err(e)) => return Err(failed(format!("could not be run: {}", e.kind()))),
        Err(_) => {
            return Err(FetchError::new(
                FetchErrorKind::Network,
                "external.timeout",
                format!("the external process did not finish within {} s", TIMEOUT.as_secs()),
            ));
        }
    };
    // stderr is dropped unread: it may print the very secret it fetched.
    if !output.status.success() {
        let status = output.status.code().map_or_else(|| "a signal".to_owned(), |c| format!("status {c}"));
        return Err(failed(format!("exited with {status} (its output is not shown: it may hold secrets)")));
    }
    if output.stdout.len() > OUTPUT_CAP {
        return Err(failed("printed more than 64 KiB; that is not a key".to_owned()));
    }
    let text =
        String::from_utf8(output.stdout).map_err(|_| failed("printed something that is not UTF-8".to_owned()))?;
    let parsed: Output =
        parse_json_file(&text).map_err(|why| failed(format!("printed JSON that is not a key: {why}")))?;
    let (Some(id), Some(secret)) =
        (parsed.access_key_id.filter(|v| !v.is_empty()), parsed.access_key_secret.filter(|v| !v.is_empty()))
    else {
        return Err(failed("printed no access_key_id or access_key_secret".to_owned()));
    };
    let token = parsed.sts_token.filter(|t| !t.is_empty());
    if parsed.mode.as_deref() == Some("StsToken") && token.is_none() {
        return Err(failed("printed mode StsToken without sts_token".to_owned()));
    }
    let expires = match parsed.expiration.filter(|e| !e.is_empty()) {
        Some(text) => Some(
            parse_iso8601(&text)
                .ok_or_else(|| failed("printed an expiration that is not 2006-01-02T15:04:05Z".to_owned()))?,
        ),
        None => None,
    };
    Ok(Lease {
        value: Arc::new(AliyunCredentials {
            access_key_id: id,
            access_key_secret: SecretString::from(secret),
            security_token: token.map(SecretString::from),
            source: source.clone(),
        }),
        expires,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_split_like_a_shell_without_expansion() {
        assert_eq!(
            split("vault-aliyun --role 'prod reader' \"a\\\"b\" c\\ d $HOME").unwrap(),
            ["vault-aliyun", "--role", "prod reader", "a\"b", "c d", "$HOME"]
        );
        assert_eq!(split("  ").unwrap(), Vec::<String>::new());
        assert_eq!(split("''").unwrap(), [""]);
        assert!(split("x 'open").is_err());
        assert_eq!(program_name("/opt/bin/vault-aliyun --secret LEAKME"), "vault-aliyun");
    }

    #[tokio::test]
    async fn a_process_key_is_read_and_its_failures_show_nothing_it_printed() {
        let source = CredentialSource::Env { variable: "test" };
        let ok = r#"sh -c 'printf "%s" "{\"mode\":\"StsToken\",\"access_key_id\":\"STS.x\",\"access_key_secret\":\"s3cr3t-value\",\"sts_token\":\"tok\",\"expiration\":\"2030-01-01T00:00:00Z\"}"'"#;
        let lease = obtain(ok, &source).await.unwrap();
        assert_eq!(lease.value.access_key_id, "STS.x");
        assert!(lease.expires.is_some());

        for (command, wanted) in [
            ("sh -c 'echo LEAKME-out; echo LEAKME-err >&2; exit 3'", "exited with status 3"),
            (r#"sh -c 'printf %s "{\"access_key_id\": [\"LEAKME\"]}"'"#, "field `access_key_id`"),
            (r#"sh -c 'printf %s "{\"access_key_id\":\"LEAKME\"}"'"#, "no access_key_id or access_key_secret"),
            ("/nonexistent/program-LEAKME", "could not be started"),
        ] {
            let error = obtain(command, &source).await.unwrap_err();
            assert!(error.message.contains(wanted), "{command}: {}", error.message);
            assert!(!error.message.contains("LEAKME"), "{command}: {}", error.message);
        }
    }
}
