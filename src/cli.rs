//! The command line: clap types, one function per command, and the contract's exit codes.
//!
//! With `report.rs`, the only code that prints. Owns the wiring of config, credentials, store and
//! clients for each command; the work itself lives in the modules it calls.

pub mod analysis_cmds;
pub mod args;
pub mod auth_cmds;
pub mod check_cmds;
pub mod collect;
pub mod dashboard;
pub mod sim_cmds;
pub mod transfer_cmds;
pub mod watch_cmds;

use std::io::{self, IsTerminal as _, Write};
use std::time::SystemTime;

pub use args::Cli;
use args::Command;
use clap::CommandFactory as _;

use crate::config::{self, Config, FlagOverrides, Paths};
use crate::report::ExitStatus;
use crate::sanitize;
use crate::store::{Change, Store};

/// Everything a command needs from the environment, resolved once.
pub struct Context {
    pub paths: Paths,
    pub config: Config,
    pub store: Store,
    pub env: fn(&str) -> Option<String>,
}

fn real_env(var: &str) -> Option<String> {
    std::env::var(var).ok()
}

/// A failure that ends a command with a message and an exit status.
#[derive(Debug)]
pub struct Failure {
    pub status: ExitStatus,
    pub message: String,
}

impl Failure {
    pub fn usage(message: impl Into<String>) -> Failure {
        Failure { status: ExitStatus::Usage, message: message.into() }
    }
}

impl From<io::Error> for Failure {
    fn from(err: io::Error) -> Self {
        Failure { status: ExitStatus::FetchFailed, message: format!("output error: {err}") }
    }
}

/// Runs the parsed command line and returns the process exit code (the contract's table, or
/// 128 + signal number when the dashboard was stopped by a signal). Problems go to stderr.
pub fn run(cli: Cli) -> u8 {
    let mut stdout = io::stdout();
    let mut stderr = io::stderr();
    match run_with(cli, &mut stdout, &mut stderr) {
        Ok(code) => code,
        Err(failure) => {
            let _ = writeln!(stderr, "oaswatch: {}", failure.message);
            failure.status.code()
        }
    }
}

fn run_with(cli: Cli, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8, Failure> {
    // Generated from the command definitions alone: no config or data directory needed.
    match &cli.command {
        Some(Command::Completions { shell }) => {
            clap_complete::generate(*shell, &mut Cli::command(), "oaswatch", out);
            return Ok(ExitStatus::Ok.code());
        }
        Some(Command::Man) => {
            clap_mangen::Man::new(Cli::command()).render(out)?;
            return Ok(ExitStatus::Ok.code());
        }
        _ => {}
    }
    let context = context(&cli)?;
    if let Err(warning) = crate::logging::init(&context.paths.log_file(), &context.env) {
        let _ = writeln!(err, "oaswatch: warning: {warning}");
    }
    let status = match cli.command {
        None => return open_dashboard(&context, cli.tasks),
        Some(Command::Demo(args)) => return sim_cmds::demo(&context, &args),
        Some(Command::Sim(args)) => sim_cmds::sim(&args, out)?,
        Some(Command::Import(args)) => return transfer_cmds::import(&context, &args, out, err),
        Some(Command::Check(args)) => return check_cmds::check(&context, &args, out),
        Some(Command::Export(args)) => return transfer_cmds::export(&context, &args, out, err),
        Some(Command::Report(args)) => return analysis_cmds::report(&context, &args, out, err),
        Some(Command::RetrySpec(args)) => return analysis_cmds::retry_spec(&context, &args, out, err),
        Some(Command::Status(args)) => watch_cmds::status(&context, args, out, err)?,
        Some(Command::Wait(args)) => watch_cmds::wait(&context, args, out, err)?,
        Some(Command::List) => list(&context, out)?,
        Some(Command::Console { task }) => console(&context, &task, out, err)?,
        Some(Command::Add { tasks, label: None }) => change_watchlist(&context, Change::Add(tasks), out)?,
        Some(Command::Add { tasks, label: Some(label) }) => {
            let labelled = tasks.iter().map(|t| (t.clone(), Some(label.clone()))).collect();
            change_watchlist(&context, Change::Label(labelled), out)?
        }
        Some(Command::Rm { tasks }) => change_watchlist(&context, Change::Remove(tasks), out)?,
        Some(Command::Completions { .. } | Command::Man) => ExitStatus::Ok,
        Some(Command::Auth(args)) => auth_cmds::auth(&context, &args.accounts, args.json, out)?,
        Some(Command::Config) => {
            writeln!(out, "# config file: {}", context.paths.config_file().display())?;
            writeln!(out, "# watch list:  {}", context.paths.watchlist_file().display())?;
            writeln!(out, "# log file:    {}", context.paths.log_file().display())?;
            write!(out, "{}", context.config.describe())?;
            // Values that parse but could not be used are errors here too, not first when the
            // dashboard starts.
            watch_cmds::endpoint_overrides(&context)?;
            dashboard::keymap(&context)?;
            ExitStatus::Ok
        }
    };
    Ok(status.code())
}

/// `oaswatch [TASK]...`: the saved watch list plus TASKs, against the real clouds.
fn open_dashboard(context: &Context, extra: Vec<crate::domain::TaskRef>) -> Result<u8, Failure> {
    let saved = dashboard::saved_tasks(context, extra);
    let refs: Vec<_> = saved.initial.iter().map(|(r, _)| r.clone()).collect();
    // Built by the first fetch, so the first frame does not wait for the TLS set-up.
    let (clients, notes) = watch_cmds::lazy_clients_for(context, &refs)?;
    let clients = std::sync::Arc::new(clients);
    let mut notices = saved.warnings;
    notices.extend(notes);
    dashboard::run(
        context,
        dashboard::Setup {
            fetcher: std::sync::Arc::clone(&clients),
            initial: saved.initial,
            store: Some(context.store.clone()),
            notices,
            select: None,
            importer: Some(clients),
            specs: saved.specs,
            labels: saved.labels,
            saved: saved.snapshots,
        },
    )
}

/// Resolves paths and config; a bad config file is a usage error naming the line.
fn context(cli: &Cli) -> Result<Context, Failure> {
    let env: fn(&str) -> Option<String> = real_env;
    let paths = Paths::discover(&env).map_err(|e| Failure::usage(e.to_string()))?;
    let file = config::load_file(&paths.config_file()).map_err(|e| Failure::usage(e.to_string()))?;
    let flags = FlagOverrides { endpoints: cli.global.endpoints.iter().cloned().collect(), ..FlagOverrides::default() };
    let config = Config::resolve(file.as_ref(), &env, &flags).map_err(|e| Failure::usage(e.to_string()))?;
    let store = Store::new(paths.watchlist_file()).on_lock_wait(std::sync::Arc::new(|lock: &std::path::Path| {
        let _ = writeln!(
            io::stderr(),
            "oaswatch: waiting for {} (another oaswatch is reading or saving the watch list)…",
            lock.display()
        );
    }));
    Ok(Context { paths, config, store, env })
}

fn list(context: &Context, out: &mut dyn Write) -> Result<ExitStatus, Failure> {
    let loaded = context.store.load(SystemTime::now()).map_err(|e| Failure::usage(e.to_string()))?;
    report_store_warnings(&loaded.warnings);
    if loaded.entries.is_empty() {
        writeln!(out, "The watch list is empty. Add a task with: oaswatch add TASK")?;
        return Ok(ExitStatus::Ok);
    }
    for entry in &loaded.entries {
        let state = entry.snapshot.as_ref().map_or_else(
            || "not fetched yet".to_owned(),
            |task| {
                format!(
                    "{} ({})",
                    crate::report::state_label(task.state),
                    sanitize::line_truncated(&task.raw_status, 30)
                )
            },
        );
        match entry.label.as_deref() {
            Some(label) => writeln!(out, "{}  {state}  \"{}\"", entry.task_ref, sanitize::line(label))?,
            None => writeln!(out, "{}  {state}", entry.task_ref)?,
        }
    }
    Ok(ExitStatus::Ok)
}

#[derive(PartialEq, Eq)]
enum ChangeKind {
    Label,
    Other,
}

/// `oaswatch console TASK`: the address, as a link when a terminal shows it; `$BROWSER` opens it.
fn console(
    context: &Context,
    task_ref: &crate::domain::TaskRef,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<ExitStatus, Failure> {
    let url = task_ref.console_url();
    if stdout_is_terminal() {
        // The terminal shows the address and makes it clickable.
        writeln!(out, "{}", crate::tui::osc8_link(&url, &url))?;
    } else {
        writeln!(out, "{url}")?;
    }
    if let Some(browser) = (context.env)("BROWSER").map(|b| b.trim().to_owned()).filter(|b| !b.is_empty()) {
        let mut words = browser.split_whitespace();
        let program = words.next().unwrap_or_default();
        // Waited for, like `git web--browse`: a browser launcher returns once it has handed over.
        let ran = std::process::Command::new(program)
            .args(words)
            .arg(&url)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .status();
        if let Err(error) = ran {
            writeln!(err, "oaswatch: $BROWSER ({}) could not start: {error}", sanitize::line(&browser))?;
        }
    }
    Ok(ExitStatus::Ok)
}

fn change_watchlist(context: &Context, change: Change, out: &mut dyn Write) -> Result<ExitStatus, Failure> {
    let change_kind = if matches!(change, Change::Label(_)) { ChangeKind::Label } else { ChangeKind::Other };
    let (verb, refs) = match &change {
        Change::Add(refs) => ("added", refs.clone()),
        Change::Label(labelled) => ("added", labelled.iter().map(|(r, _)| r.clone()).collect()),
        Change::Remove(refs) => ("removed", refs.clone()),
        Change::Snapshots(_) | Change::AddImport { .. } => ("updated", Vec::new()),
    };
    // Only the entries matter here: the snapshots stay unparsed.
    let (before, _) = context.store.load_deferred(SystemTime::now()).map_err(|e| Failure::usage(e.to_string()))?;
    report_store_warnings(&before.warnings);
    context.store.update(change, SystemTime::now()).map_err(|e| Failure::usage(e.to_string()))?;
    for task_ref in refs {
        let was = before.entries.iter().any(|e| e.task_ref == task_ref);
        let note = match (verb, was) {
            ("added", true) if matches!(change_kind, ChangeKind::Label) => "label set",
            ("added", true) => "already watched",
            ("removed", false) => "was not watched",
            _ => verb,
        };
        writeln!(out, "{task_ref}  {note}")?;
    }
    Ok(ExitStatus::Ok)
}

/// Store warnings (a damaged file moved aside, a newer schema) go to stderr: they are not output.
fn report_store_warnings(warnings: &[String]) {
    let mut stderr = io::stderr().lock();
    for warning in warnings {
        let _ = writeln!(stderr, "oaswatch: warning: {}", sanitize::line(warning));
    }
}

/// Prints clap's message for a bad command line (or `--help`/`--version`) and returns its exit
/// code. clap quotes the offending argument verbatim, so an argument holding control characters
/// (an escape sequence pasted from a server's output, say) is printed as plain escaped text
/// rather than letting the terminal interpret it.
pub fn command_line_error(error: &clap::Error) -> u8 {
    let plain = error.render().to_string();
    if sanitize::is_clean(&plain) {
        let _ = error.print();
    } else {
        let _ = write!(io::stderr(), "{}", sanitize::text(&plain));
    }
    u8::try_from(error.exit_code()).unwrap_or(ExitStatus::Usage.code())
}

/// The async runtime every command runs in: two workers, so parsing a large response never
/// holds up the dashboard's event loop.
pub fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .on_thread_start(yield_to_the_ui_thread)
        .enable_all()
        .build()
        .map_err(|e| Failure::usage(format!("cannot start the async runtime: {e}")))
}

/// The runtime of the scripting commands (`status`, `wait`): one thread. They draw nothing, so
/// nothing needs a thread of its own, and with one thread an answer never has to wake another
/// (on a 2-core machine those cross-thread wake-ups were a fifth of `wait`'s CPU: docs/polling.md).
pub fn script_runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::usage(format!("cannot start the async runtime: {e}")))
}

/// Lowers the calling thread's scheduling priority to the lowest (nice 19). The dashboard's UI
/// runs on the thread that calls `block_on`; the runtime's threads parse answers (a 6 MB one
/// takes ~15 ms of a core) and free old ones. When every core is busy, a key press must not wait
/// for them: on a 2-core machine it did, in 1 % of presses (benches/system.rs latency: p99 while
/// parsing 4.7-5.4 ms at nice 0, 3.6-4.3 ms at nice 10, 1.9-3.7 ms at nice 19). Best effort.
fn yield_to_the_ui_thread() {
    if let Err(error) = rustix::process::setpriority_process(Some(rustix::thread::gettid()), 19) {
        tracing::debug!(%error, "could not lower a runtime thread's priority");
    }
}

/// Writes `bytes` to `path` whole or not at all: into a temporary file beside it, synced, then
/// renamed into place. A full disk or a kill leaves the old file as it was (with `--force`) and no
/// partial or empty new one. Without `force` an existing file is never replaced, checked
/// atomically at the rename. A replaced file keeps its permissions; a new one is 0600.
pub fn write_output_file(path: &std::path::Path, bytes: &[u8], force: bool) -> Result<(), Failure> {
    let cannot = |e: &dyn std::fmt::Display| Failure::usage(format!("cannot write {}: {e}", path.display()));
    let exists = || Failure::usage(format!("{} already exists; pass --force to overwrite it", path.display()));
    if !force && path.exists() {
        return Err(exists());
    }
    let mut temp = tempfile::Builder::new()
        .prefix(".oaswatch-")
        .suffix(".tmp")
        .tempfile_in(output_dir_of(path))
        .map_err(|e| cannot(&e))?;
    temp.write_all(bytes).and_then(|()| temp.as_file().sync_all()).map_err(|e| cannot(&e))?;
    if force {
        if let Ok(old) = std::fs::metadata(path) {
            let _ = temp.as_file().set_permissions(old.permissions());
        }
        temp.persist(path).map_err(|e| cannot(&e.error))?;
    } else {
        temp.persist_noclobber(path)
            .map_err(|e| if e.error.kind() == io::ErrorKind::AlreadyExists { exists() } else { cannot(&e.error) })?;
    }
    Ok(())
}

/// The directory a file will be written in (`.` for a bare name).
fn output_dir_of(path: &std::path::Path) -> &std::path::Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => std::path::Path::new("."),
    }
}

/// Checks, before any work that takes minutes, that a file can later be written at `path` (or in
/// the current directory when the name is not known yet): the directory exists and takes a new
/// file, and an existing file is only replaced with `force`.
pub fn check_output_target(path: Option<&std::path::Path>, force: bool) -> Result<(), Failure> {
    let dir = path.map_or(std::path::Path::new("."), output_dir_of);
    if let Some(path) = path
        && path.exists()
        && !force
    {
        return Err(Failure::usage(format!("{} already exists; pass --force to overwrite it", path.display())));
    }
    tempfile::Builder::new()
        .prefix(".oaswatch-check-")
        .tempfile_in(dir)
        .map(drop)
        .map_err(|e| Failure::usage(format!("cannot write into {}: {e}; nothing was started", dir.display())))
}

/// Whether stdout is a terminal (progress lines vs live updates, colour decisions).
pub fn stdout_is_terminal() -> bool {
    io::stdout().is_terminal()
}
