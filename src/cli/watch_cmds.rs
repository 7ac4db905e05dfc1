//! `status` and `wait`: resolve the tasks, build the clients, poll, print, pick the exit code.

use std::io::{IsTerminal as _, Write};
use std::process::Command as Process;
use std::sync::Arc;
use std::time::SystemTime;

use super::args::{StatusArgs, WaitArgs};
use super::collect::{self, Progress, Until};
use super::{Context, Failure};
use crate::domain::{ProviderKind, TaskRef};
use crate::provider::{Account, Clients, EndpointOverrides, HttpConfig, LazyClients, Resolver, validate_endpoint};
use crate::report::{self, ExitStatus, Mode, TaskOutcome};
use crate::sanitize;
use crate::store::Change;

/// The tasks named on the command line, or else the saved watch list.
pub fn task_refs(context: &Context, given: Vec<TaskRef>, err: &mut dyn Write) -> Result<Vec<TaskRef>, Failure> {
    if !given.is_empty() {
        return Ok(given);
    }
    let loaded = context.store.load(SystemTime::now()).map_err(|e| Failure::usage(e.to_string()))?;
    for warning in &loaded.warnings {
        let _ = writeln!(err, "oaswatch: warning: {}", sanitize::line(warning));
    }
    if loaded.entries.is_empty() {
        return Err(Failure::usage(
            "no tasks to check: pass TASK (aliyun://REGION/OPERATION_ID or \
             huawei://REGION/PROJECT_ID/INSTANCE_ID/TASK_ID) or add one with `oaswatch add TASK`",
        ));
    }
    Ok(loaded.entries.into_iter().map(|e| e.task_ref).collect())
}

/// The HTTP settings the config asks for.
pub fn http_config(context: &Context) -> HttpConfig {
    let config = &context.config;
    HttpConfig {
        connect_timeout: config.connect_timeout.value,
        read_timeout: config.read_timeout.value,
        total_timeout: config.total_timeout.value,
        body_cap: config.body_cap_mib.value as usize * 1024 * 1024,
    }
}

/// Validated endpoint overrides; a bad one is a usage error saying where it was set.
pub fn endpoint_overrides(context: &Context) -> Result<EndpointOverrides, Failure> {
    let mut overrides = EndpointOverrides::default();
    for (provider, value) in &context.config.endpoints {
        let url = validate_endpoint(&value.value)
            .map_err(|e| Failure::usage(format!("{e} (endpoints.{provider}, from {})", value.source)))?;
        overrides.set(*provider, url);
    }
    Ok(overrides)
}

/// Builds the clients of every account the references name (and every cloud's default account)
/// from the config and the credential chains; accounts met later are resolved when first
/// needed. Also returns what the user must hear about: credential warnings (a world-readable
/// file) and, for the accounts that `refs` need, a missing credential with what to set.
pub fn clients_for(context: &Context, refs: &[TaskRef]) -> Result<(Clients, Vec<String>), Failure> {
    let overrides = endpoint_overrides(context)?;
    let resolver = resolver(context);
    let discovery = resolver.discover_all(accounts_of(refs));
    let (clients, mut notes) = Clients::build_with(
        &http_config(context),
        &overrides,
        discovery,
        Some(resolver),
        crate::credentials::clock::system(),
    )
    .map_err(|e| Failure::usage(format!("cannot set up HTTPS: {e}")))?;
    for account in needed_accounts(refs) {
        if let Some(error) = clients.account_error(&account) {
            notes.push(error.to_string());
        }
    }
    Ok((clients, notes))
}

/// Like [`clients_for`], but the HTTP client is built by the first fetch, off the path to the
/// dashboard's first frame. Credentials are still discovered now, so their problems are
/// notices from the start.
pub fn lazy_clients_for(context: &Context, refs: &[TaskRef]) -> Result<(LazyClients, Vec<String>), Failure> {
    let overrides = endpoint_overrides(context)?;
    let resolver = resolver(context);
    let discovery = resolver.discover_all(accounts_of(refs));
    let mut notes = discovery.warnings();
    for account in needed_accounts(refs) {
        if let Some(error) = discovery.error_for(&account) {
            notes.push(error.to_string());
        }
    }
    let http = http_config(context);
    let lazy = LazyClients::new(move || {
        Clients::build_with(&http, &overrides, discovery, Some(resolver), crate::credentials::clock::system())
            .map(|(clients, _)| clients)
    });
    Ok((lazy, notes))
}

/// Every cloud's default account, and the account of every reference.
fn accounts_of(refs: &[TaskRef]) -> Vec<Account> {
    let mut accounts: Vec<Account> = ProviderKind::ALL.iter().map(|p| Account::default_of(*p)).collect();
    for account in needed_accounts(refs) {
        if !accounts.contains(&account) {
            accounts.push(account);
        }
    }
    accounts
}

/// The accounts the references are watched with, once each, in order.
pub fn needed_accounts(refs: &[TaskRef]) -> Vec<Account> {
    let mut accounts: Vec<Account> = Vec::new();
    for account in refs.iter().map(Account::of) {
        if !accounts.contains(&account) {
            accounts.push(account);
        }
    }
    accounts
}

/// The credential chains over the real environment, with the config's `defaults.aliyun_profile`
/// standing in for `ALIBABA_CLOUD_PROFILE` when that is unset.
pub fn resolver(context: &Context) -> Resolver {
    let env = context.env;
    let profile = context.config.defaults.get(crate::config::DEFAULT_ALIYUN_PROFILE).map(|v| v.value.clone());
    let lookup = move |name: &str| match (name, env(name)) {
        ("ALIBABA_CLOUD_PROFILE", None) => profile.clone(),
        (_, value) => value,
    };
    let home = directories::BaseDirs::new().map(|dirs| dirs.home_dir().to_path_buf());
    Resolver::new(Arc::new(lookup), home)
}

/// Obtains the credentials of every account the references need, before polling: a source that
/// needs the network (a role to assume, the metadata service) says what is wrong once, up front.
async fn check_credentials(clients: &Clients, refs: &[TaskRef]) -> Vec<String> {
    let mut notes = Vec::new();
    for account in needed_accounts(refs) {
        let Ok(client) = clients.account(&account) else { continue };
        if let Err(error) = client.identity().await {
            notes.push(format!("{account}: {}", error.message));
        }
    }
    notes
}

/// The tasks to watch and the clients for them; what the user must hear about the
/// credentials goes to stderr.
fn tasks_and_clients(
    context: &Context,
    given: Vec<TaskRef>,
    err: &mut dyn Write,
) -> Result<(Vec<TaskRef>, Arc<Clients>), Failure> {
    let refs = task_refs(context, given, err)?;
    let (clients, notes) = clients_for(context, &refs)?;
    for note in notes {
        let _ = writeln!(err, "oaswatch: {}", sanitize::line(&note));
    }
    Ok((refs, Arc::new(clients)))
}

/// The labels the watch list gives tasks (a task not in it, or unreadable list: none).
pub fn labels(context: &Context) -> std::collections::HashMap<TaskRef, String> {
    match context.store.load_deferred(std::time::SystemTime::now()) {
        Ok((loaded, _)) => loaded.entries.into_iter().filter_map(|e| e.label.map(|l| (e.task_ref, l))).collect(),
        Err(_) => std::collections::HashMap::new(),
    }
}

fn with_labels(context: &Context, outcomes: &mut [TaskOutcome]) {
    let labels = labels(context);
    for outcome in outcomes {
        outcome.label = labels.get(&outcome.task_ref).cloned();
    }
}

pub fn status(
    context: &Context,
    args: StatusArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<ExitStatus, Failure> {
    let (refs, clients) = tasks_and_clients(context, args.tasks, err)?;
    let runtime = super::script_runtime()?;
    for note in runtime.block_on(check_credentials(&clients, &refs)) {
        let _ = writeln!(err, "oaswatch: {}", sanitize::line(&note));
    }
    let collected = runtime.block_on(collect::collect(
        clients,
        &refs,
        context.config.poller(),
        Until::FirstAnswer,
        Some(args.timeout),
        Progress { out: None },
    ))?;
    let mut collected = collected;
    with_labels(context, &mut collected.outcomes);
    print_outcomes(&collected.outcomes, args.json, args.all_failures, out)?;
    Ok(report::exit_status(&collected.outcomes, Mode::Status))
}

pub fn wait(
    context: &Context,
    args: WaitArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<ExitStatus, Failure> {
    let (refs, clients) = tasks_and_clients(context, args.tasks, err)?;
    let mut poller = context.config.poller();
    if let Some(interval) = args.interval {
        poller.interval = interval;
    }
    let runtime = super::script_runtime()?;
    for note in runtime.block_on(check_credentials(&clients, &refs)) {
        let _ = writeln!(err, "oaswatch: {}", sanitize::line(&note));
    }
    // Progress lines go where they don't spoil the JSON document.
    let progress: Option<&mut dyn Write> = if args.json { Some(err) } else { Some(&mut *out) };
    let collected = runtime.block_on(collect::collect(
        clients,
        &refs,
        poller,
        Until::Finished,
        args.timeout,
        Progress { out: progress },
    ))?;
    save_final_snapshots(context, &collected.outcomes);
    let mut collected = collected;
    with_labels(context, &mut collected.outcomes);
    if !args.json && std::io::stdout().is_terminal() {
        writeln!(out)?;
    }
    print_outcomes(&collected.outcomes, args.json, args.all_failures, out)?;
    let status = report::exit_status(&collected.outcomes, Mode::Wait { timed_out: collected.timed_out });
    if let Some(command) = &args.on_finish {
        run_on_finish(command, status, &refs, out)?;
    }
    Ok(status)
}

fn print_outcomes(
    outcomes: &[TaskOutcome],
    json: bool,
    all_failures: bool,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    if json {
        out.write_all(report::json_document(outcomes).as_bytes())?;
    } else {
        out.write_all(report::human_summary(outcomes, all_failures).as_bytes())?;
    }
    out.flush()
}

/// Finished tasks that are on the watch list keep their final snapshot, so the dashboard shows
/// them without a fetch. Best effort: a read-only or locked list is not worth failing `wait`.
fn save_final_snapshots(context: &Context, outcomes: &[TaskOutcome]) {
    let snapshots = collect::finished_snapshots(outcomes);
    if snapshots.is_empty() {
        return;
    }
    let Ok(loaded) = context.store.load(SystemTime::now()) else { return };
    let watched: Vec<_> =
        snapshots.into_iter().filter(|(r, _)| loaded.entries.iter().any(|e| e.task_ref == *r)).collect();
    if !watched.is_empty()
        && !loaded.read_only
        && let Err(error) = context.store.update(Change::Snapshots(watched), SystemTime::now())
    {
        tracing::warn!(%error, "could not save final snapshots");
    }
}

/// `wait --on-finish CMD`: runs `sh -c CMD` with the outcome in its environment.
fn run_on_finish(command: &str, status: ExitStatus, refs: &[TaskRef], out: &mut dyn Write) -> Result<(), Failure> {
    let result = match status {
        ExitStatus::Ok => "ok",
        ExitStatus::Failures => "failures",
        ExitStatus::Usage => "usage",
        ExitStatus::TimedOut => "timed_out",
        ExitStatus::FetchFailed => "fetch_failed",
    };
    out.flush()?;
    let tasks = refs.iter().map(ToString::to_string).collect::<Vec<_>>().join(" ");
    let mut process = Process::new("sh");
    let outcome = crate::provider::scrub_child_env(&mut process)
        .arg("-c")
        .arg(command)
        .env("OASWATCH_EXIT_CODE", status.code().to_string())
        .env("OASWATCH_RESULT", result)
        .env("OASWATCH_TASKS", tasks)
        .status()
        .map_err(|e| Failure::usage(format!("--on-finish: cannot run sh: {e}")))?;
    if !outcome.success() {
        tracing::warn!(?outcome, "--on-finish command failed");
    }
    Ok(())
}
