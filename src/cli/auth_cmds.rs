//! `oaswatch auth`: for each cloud and profile, which source of the chain signs, as whom (the key
//! id masked, the kind of key, the role, when it expires and when it renews), and why every
//! earlier source was passed over. The `gh auth status` of oaswatch (docs/credentials.md).
//!
//! Owns turning [`Clients`] into that report and printing it, as text or JSON. Temporary
//! credentials are obtained for real (an STS call, the metadata service), so the report says
//! whether they work. Never prints a secret: sources are names, paths, roles and URLs without
//! their query; key ids are masked.

use std::io::Write;
use std::time::SystemTime;

use serde::Serialize;

use super::{Context, Failure};
use crate::credentials::Skipped;
use crate::domain::{ProviderKind, TaskRef};
use crate::provider::{Account, Clients, Identity};
use crate::report::ExitStatus;
use crate::sanitize;

/// What `auth` found for one account.
#[derive(Debug, Clone)]
pub struct AccountStatus {
    pub account: Account,
    /// Where the credentials come from, when the chain found a source.
    pub source: Option<String>,
    pub skipped: Vec<Skipped>,
    /// Who the credentials are, or why there are none.
    pub outcome: Result<Identity, String>,
}

/// The accounts `auth` looks at: those named on the command line, else every cloud's default
/// chain and every account of the saved watch list.
pub fn accounts(context: &Context, named: &[String]) -> Result<Vec<Account>, Failure> {
    let mut accounts: Vec<Account> = Vec::new();
    let mut add = |account: Account| {
        if !accounts.contains(&account) {
            accounts.push(account);
        }
    };
    if named.is_empty() {
        for provider in ProviderKind::ALL {
            add(Account::default_of(provider));
        }
        if let Ok((loaded, _)) = context.store.load_deferred(SystemTime::now()) {
            for entry in &loaded.entries {
                add(Account::of(&entry.task_ref));
            }
        }
    }
    for text in named {
        add(parse_account(text).map_err(Failure::usage)?);
    }
    Ok(accounts)
}

/// `aliyun`, `huawei:prod`, or a task reference (its account).
pub fn parse_account(text: &str) -> Result<Account, String> {
    if text.contains("://") {
        return text.parse::<TaskRef>().map(|task| Account::of(&task)).map_err(|e| e.to_string());
    }
    let (provider, profile) = match text.split_once(':') {
        Some((provider, profile)) => (provider, Some(profile)),
        None => (text, None),
    };
    let provider: ProviderKind = provider.parse()?;
    if let Some(profile) = profile {
        crate::domain::check_profile(profile).map_err(|why| format!("invalid account {text:?}: {why}"))?;
    }
    Ok(Account { provider, profile: profile.map(str::to_owned) })
}

/// Obtains each account's credentials and describes them.
pub async fn report(clients: &Clients, accounts: &[Account]) -> Vec<AccountStatus> {
    let mut statuses = Vec::new();
    for account in accounts {
        let status = match clients.provenance(account) {
            Err(error) => AccountStatus {
                account: account.clone(),
                source: None,
                skipped: Vec::new(),
                outcome: Err(error.to_string()),
            },
            Ok(provenance) => {
                let outcome = match clients.account(account) {
                    Ok(client) => client.identity().await.map_err(|e| e.message),
                    Err(error) => Err(error.to_string()),
                };
                AccountStatus {
                    account: account.clone(),
                    source: Some(provenance.source.to_string()),
                    skipped: provenance.skipped,
                    outcome,
                }
            }
        };
        statuses.push(status);
    }
    statuses
}

/// `2025-06-01 10:00:00 UTC`.
fn utc(at: SystemTime) -> String {
    let at = time::OffsetDateTime::from(at);
    at.format(time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC"))
        .unwrap_or_default()
}

/// `in 59 min`, `in 5 h 12 min`, `2 min ago`.
fn relative(at: SystemTime, now: SystemTime) -> String {
    let (secs, past) = match at.duration_since(now) {
        Ok(ahead) => (ahead.as_secs(), false),
        Err(behind) => (behind.duration().as_secs(), true),
    };
    let text = match secs / 60 {
        0 => "less than a minute".to_owned(),
        minutes if minutes < 60 => format!("{minutes} min"),
        minutes => format!("{} h {} min", minutes / 60, minutes % 60),
    };
    if past { format!("{text} ago") } else { format!("in {text}") }
}

/// Paths under the home directory shown as `~/…`.
fn shorten(text: &str, home: Option<&std::path::Path>) -> String {
    let text = sanitize::line(text).into_owned();
    match home.map(|h| h.display().to_string()).filter(|h| h.len() > 1) {
        Some(home) => text.replace(&format!("{home}/"), "~/"),
        None => text,
    }
}

/// The report as text.
pub fn render(statuses: &[AccountStatus], now: SystemTime, home: Option<&std::path::Path>) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    for status in statuses {
        let _ = writeln!(out, "{}", status.account);
        match &status.outcome {
            Ok(identity) => {
                let source = status.source.as_deref().unwrap_or("?");
                let _ = writeln!(out, "  ✓ credentials from {}", shorten(source, home));
                let key = identity.key_id.clone().unwrap_or_else(|| "(a token, no key id)".to_owned());
                let _ = writeln!(out, "    key:      {key} ({})", identity.kind);
                match identity.expires {
                    Some(expires) => {
                        let _ = writeln!(out, "    expires:  {} ({})", utc(expires), relative(expires, now));
                    }
                    None => {
                        let _ = writeln!(
                            out,
                            "    expires:  not known to oaswatch (a long-term key, or one it cannot renew)"
                        );
                    }
                }
                if let Some(renew_at) = identity.cache.as_ref().and_then(|c| c.renew_at) {
                    let _ = writeln!(
                        out,
                        "    renews:   in the background from {} ({})",
                        utc(renew_at),
                        relative(renew_at, now)
                    );
                }
            }
            Err(error) => {
                if let Some(source) = &status.source {
                    let _ = writeln!(out, "  ✗ credentials from {} do not work:", shorten(source, home));
                } else {
                    let _ = writeln!(out, "  ✗ no usable credentials:");
                }
                let _ = writeln!(out, "    {}", shorten(error, home));
            }
        }
        if !status.skipped.is_empty() {
            let _ = writeln!(out, "  passed over:");
            for skipped in &status.skipped {
                let _ = writeln!(out, "    - {}: {}", skipped.source, shorten(&skipped.reason, home));
            }
        }
    }
    out
}

#[derive(Serialize)]
struct JsonAccount<'a> {
    provider: &'static str,
    profile: Option<&'a str>,
    ok: bool,
    source: Option<String>,
    key_id: Option<&'a str>,
    kind: Option<&'static str>,
    expires: Option<String>,
    renew_at: Option<String>,
    error: Option<String>,
    skipped: Vec<JsonSkipped>,
}

#[derive(Serialize)]
struct JsonSkipped {
    source: &'static str,
    reason: String,
}

fn rfc3339(at: SystemTime) -> String {
    crate::provider::aliyun::credentials::sts::iso8601(at)
}

/// The report as one JSON document.
pub fn render_json(statuses: &[AccountStatus], home: Option<&std::path::Path>) -> String {
    let accounts: Vec<JsonAccount<'_>> = statuses
        .iter()
        .map(|status| {
            let identity = status.outcome.as_ref().ok();
            JsonAccount {
                provider: status.account.provider.as_str(),
                profile: status.account.profile.as_deref(),
                ok: identity.is_some(),
                source: status.source.as_deref().map(|s| shorten(s, home)),
                key_id: identity.and_then(|i| i.key_id.as_deref()),
                kind: identity.map(|i| i.kind),
                expires: identity.and_then(|i| i.expires).map(rfc3339),
                renew_at: identity.and_then(|i| i.cache.as_ref()).and_then(|c| c.renew_at).map(rfc3339),
                error: status.outcome.as_ref().err().map(|e| shorten(e, home)),
                skipped: status
                    .skipped
                    .iter()
                    .map(|s| JsonSkipped { source: s.source, reason: shorten(&s.reason, home) })
                    .collect(),
            }
        })
        .collect();
    let document = serde_json::json!({ "accounts": accounts });
    format!("{}\n", crate::safe_json::pretty(&document).unwrap_or_default())
}

/// `oaswatch auth [ACCOUNT]... [--json]`.
pub fn auth(
    context: &Context,
    accounts_named: &[String],
    json: bool,
    out: &mut dyn Write,
) -> Result<ExitStatus, Failure> {
    let accounts = accounts(context, accounts_named)?;
    let refs: Vec<TaskRef> = Vec::new();
    let (clients, notes) = super::watch_cmds::clients_for(context, &refs)?;
    let runtime = super::runtime()?;
    let statuses = runtime.block_on(report(&clients, &accounts));
    let home = directories::BaseDirs::new().map(|dirs| dirs.home_dir().to_path_buf());
    let text = if json {
        render_json(&statuses, home.as_deref())
    } else {
        render(&statuses, SystemTime::now(), home.as_deref())
    };
    out.write_all(text.as_bytes())?;
    for note in notes {
        tracing::info!(note = %sanitize::line(&note), "credentials");
    }
    Ok(if statuses.iter().all(|s| s.outcome.is_ok()) { ExitStatus::Ok } else { ExitStatus::Usage })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_are_clouds_profiles_or_references() {
        assert_eq!(parse_account("aliyun").unwrap(), Account::default_of(ProviderKind::Aliyun));
        assert_eq!(parse_account("huawei:prod").unwrap().profile.as_deref(), Some("prod"));
        assert_eq!(parse_account("aliyun://dev@cn-hangzhou/x").unwrap().profile.as_deref(), Some("dev"));
        assert!(parse_account("aws").is_err());
        assert!(parse_account("aliyun:a b").is_err());
    }

    #[test]
    fn times_read_like_people_say_them() {
        let now = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000);
        assert_eq!(relative(now + std::time::Duration::from_secs(59 * 60 + 30), now), "in 59 min");
        assert_eq!(relative(now + std::time::Duration::from_secs(5 * 3600 + 12 * 60), now), "in 5 h 12 min");
        assert_eq!(relative(now - std::time::Duration::from_secs(120), now), "2 min ago");
        assert_eq!(utc(now), "2023-11-14 22:13:20 UTC");
        assert_eq!(
            shorten("/home/u/.aliyun/config.json (profile x)", Some(std::path::Path::new("/home/u"))),
            "~/.aliyun/config.json (profile x)"
        );
    }
}
