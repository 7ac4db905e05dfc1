//! The command line, as clap types. Parsing only: what each command does lives beside it.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::domain::{ProviderKind, Target, TaskRef};

/// Watch Alibaba Cloud and Huawei Cloud OpenAPI import/export tasks.
///
/// With no command, opens the dashboard on the given TASKs plus the saved watch list.
/// Task references look like aliyun://REGION/OPERATION_ID or
/// huawei://REGION/PROJECT_ID/INSTANCE_ID/TASK_ID.
#[derive(Debug, Parser)]
#[command(name = "oaswatch", version, args_conflicts_with_subcommands = true, max_term_width = 100)]
pub struct Cli {
    /// Tasks to watch, in addition to the saved watch list.
    #[arg(value_name = "TASK", value_parser = parse_task_ref)]
    pub tasks: Vec<TaskRef>,

    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Options every command accepts.
#[derive(Debug, Args, Clone, Default)]
pub struct GlobalArgs {
    /// Send a provider's requests to URL instead of its regional endpoint (repeatable):
    /// aliyun=URL or huawei=URL. http:// is accepted only for loopback hosts.
    #[arg(long = "endpoint", value_name = "PROVIDER=URL", value_parser = parse_endpoint, global = true)]
    pub endpoints: Vec<(ProviderKind, String)>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the embedded simulator with demo tasks and open the dashboard on them.
    ///
    /// No cloud account needed: the simulator speaks both clouds' APIs on a loopback port,
    /// signs and verifies like them, and runs imports that succeed, fail and get throttled.
    Demo(DemoArgs),
    /// Run the simulator of both clouds alone, in the foreground, until Ctrl-C.
    ///
    /// It prints its address, the environment lines and --endpoint flags that point oaswatch
    /// (or an official SDK) at it, its fake credentials, and the tasks it created. Built-in
    /// scenarios: demo, happy, partial-fail, throttled, faults, hostile-text, huge; or a path
    /// to your own scenario file (see assets/scenarios/).
    Sim(SimArgs),
    /// Fetch each task once, print a summary and exit.
    ///
    /// Exit codes: 0 ok, 1 failures, 2 usage, 3 a request never sent before --timeout (held back
    /// by the request budget), 4 fetch error.
    Status(StatusArgs),
    /// Poll until every task has finished; one line per change when stdout is not a terminal.
    ///
    /// Exit codes: 0 all succeeded, 1 failures, 2 usage, 3 timed out, 4 fetch error.
    Wait(WaitArgs),
    /// Create an import task from an OpenAPI 2.0/3.x file (JSON or YAML), then watch it.
    ///
    /// The spec is parsed locally first: a broken file is reported with its line and never
    /// reaches the cloud. The new task is added to the watch list and the dashboard opens on it
    /// (--wait behaves like `wait` instead; --no-watch only prints its reference).
    Import(ImportArgs),
    /// Check what a gateway would reject before importing: the spec against the gateway's
    /// documented rules and the group's existing APIs and models.
    ///
    /// Exit status 0 when nothing would be rejected, 1 when something would, 2 for a spec or
    /// target that cannot be read.
    Check(CheckArgs),
    /// Create an export task (Huawei), watch it, and save the exported document to a file.
    Export(ExportArgs),
    /// Write a failure report of a task: summary, failures grouped by cause, every failed subtask.
    ///
    /// Markdown pastes into a ticket, CSV opens in a spreadsheet, JSON is for tools. A finished
    /// task on the watch list is reported from its saved snapshot, without a fetch.
    Report(ReportArgs),
    /// Write an OpenAPI document holding only the failed operations of an import (and the
    /// schemas they need, and the failed models), to fix and re-import just those.
    RetrySpec(RetrySpecArgs),
    /// Print the address of a task's page in its cloud's web console (a clickable OSC 8 link on
    /// a terminal) and open it with $BROWSER when that is set. Only the region and ids go into
    /// the address, never a credential.
    Console {
        #[arg(value_name = "TASK", value_parser = parse_task_ref)]
        task: TaskRef,
    },
    /// List the saved watch list.
    List,
    /// Add a task to the saved watch list.
    Add {
        #[arg(value_name = "TASK", value_parser = parse_task_ref, required = true)]
        tasks: Vec<TaskRef>,
        /// A name for the task(s): shown in the dashboard, `list`, `status`, reports and
        /// notifications, and in `--json` as `label`.
        #[arg(long, value_name = "TEXT")]
        label: Option<String>,
    },
    /// Remove a task from the saved watch list.
    Rm {
        #[arg(value_name = "TASK", value_parser = parse_task_ref, required = true)]
        tasks: Vec<TaskRef>,
    },
    /// Print the effective configuration and where each value came from.
    Config,
    /// Print a shell completion script: `source <(oaswatch completions bash)`, or save it where
    /// your shell loads completions from.
    Completions {
        #[arg(value_name = "SHELL")]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff): `oaswatch man | man -l -`.
    Man,
    /// Show which credentials each cloud and profile uses: the source, the key (id masked), when
    /// it expires, and why each earlier source of the chain was passed over. Never a secret.
    ///
    /// Exit status 0 when every account has working credentials, 2 otherwise.
    Auth(AuthArgs),
}

#[derive(Debug, Args)]
pub struct AuthArgs {
    /// Accounts to show: `aliyun`, `huawei`, `aliyun:PROFILE`, or a task reference (default:
    /// every cloud's default chain and every account of the saved watch list).
    #[arg(value_name = "ACCOUNT")]
    pub accounts: Vec<String>,
    /// Print one JSON document instead of the text report.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Scenario to run: a built-in name or a scenario file.
    #[arg(long, value_name = "NAME|FILE", default_value = "demo")]
    pub scenario: String,
    /// Seed for every id, outcome and timeline (default: random).
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// Simulated seconds per real second (2 runs twice as fast).
    #[arg(long, value_name = "X", default_value_t = 1.0, value_parser = parse_speed)]
    pub speed: f64,
}

#[derive(Debug, Args)]
pub struct SimArgs {
    /// Address to listen on (port 0 picks a free port, printed at start).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
    /// Scenario to run: a built-in name or a scenario file.
    #[arg(long, value_name = "NAME|FILE", default_value = "demo")]
    pub scenario: String,
    /// Seed for every id, outcome and timeline (default: random, printed at start).
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// Simulated seconds per real second (50 makes a 40 s task take under a second).
    #[arg(long, value_name = "X", default_value_t = 1.0, value_parser = parse_speed)]
    pub speed: f64,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The OpenAPI 2.0 / 3.x document to import (JSON or YAML).
    #[arg(value_name = "SPEC")]
    pub spec: PathBuf,
    /// Where to import: aliyun://REGION/GROUP_ID or huawei://REGION/PROJECT_ID/INSTANCE_ID
    /// (default: `defaults.import_target` in the config).
    #[arg(long = "to", value_name = "TARGET", value_parser = parse_target)]
    pub to: Option<Target>,
    /// A name for the task in the dashboard, `list`, `status` and reports (default: the spec's
    /// file name and the group's name, "shop-2.0.json → group acme-shop").
    #[arg(long, value_name = "TEXT")]
    pub label: Option<String>,
    /// Import without checking first what the gateway would reject (see `oaswatch check`).
    #[arg(long)]
    pub no_check: bool,
    /// Import even though the check finds items the gateway would reject (they are printed as
    /// warnings).
    #[arg(long, conflicts_with = "no_check")]
    pub force: bool,

    #[command(flatten)]
    pub flags: ImportFlags,

    #[command(flatten)]
    pub after: AfterCreate,
}

/// The clouds' own import flags; `check` takes them too, as they change what is rejected.
#[derive(Debug, Args, Clone, Default)]
#[expect(clippy::struct_excessive_bools, reason = "each bool is one of the cloud's own on/off import flags")]
pub struct ImportFlags {
    /// [aliyun] Overwrite existing APIs with the same method and path.
    #[arg(long, help_heading = "Alibaba Cloud")]
    pub overwrite: bool,
    /// [aliyun] How requests are passed to the backend.
    #[arg(long, value_name = "MODE", value_parser = ["MAPPING", "PASSTHROUGH"], help_heading = "Alibaba Cloud")]
    pub request_mode: Option<String>,
    /// [aliyun] Authentication of the imported APIs.
    #[arg(long, value_name = "TYPE", value_parser = ["APP", "ANONYMOUS"], help_heading = "Alibaba Cloud")]
    pub auth_type: Option<String>,
    /// [aliyun] Backend service to bind the APIs to.
    #[arg(long, value_name = "NAME", help_heading = "Alibaba Cloud")]
    pub backend_name: Option<String>,
    /// [aliyun] Import without the cloud's precheck.
    #[arg(long, help_heading = "Alibaba Cloud")]
    pub skip_dry_run: bool,
    /// [aliyun] Import even if the precheck warns.
    #[arg(long, help_heading = "Alibaba Cloud")]
    pub ignore_warning: bool,

    /// [huawei] Import into this existing API group (default: create a new group).
    #[arg(long, value_name = "GROUP_ID", help_heading = "Huawei Cloud")]
    pub group: Option<String>,
    /// [huawei] How group-level settings are combined with the existing group.
    #[arg(long, value_name = "MODE", value_parser = ["merge", "override"], help_heading = "Huawei Cloud")]
    pub extend_mode: Option<String>,
    /// [huawei] What happens to APIs that already exist (merge keeps them; override replaces).
    #[arg(long, value_name = "MODE", value_parser = ["merge", "override"], help_heading = "Huawei Cloud")]
    pub api_mode: Option<String>,
    /// [huawei] Fast import of simple definitions.
    #[arg(long, help_heading = "Huawei Cloud")]
    pub simple_mode: bool,
    /// [huawei] Use mock backends.
    #[arg(long, help_heading = "Huawei Cloud")]
    pub mock_mode: bool,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The OpenAPI 2.0 / 3.x document to check (JSON or YAML).
    #[arg(value_name = "SPEC")]
    pub spec: PathBuf,
    /// The import target, as `import --to` takes it (default: `defaults.import_target`).
    #[arg(long = "for", value_name = "TARGET", value_parser = parse_target)]
    pub target: Option<Target>,
    /// Check the spec alone: do not read the group (its routes, names and models are not
    /// compared, nor is its base path).
    #[arg(long)]
    pub offline: bool,
    /// Print one JSON document instead of the text report.
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub flags: ImportFlags,
}

/// What to do once a task was created.
#[derive(Debug, Args, Clone, Default)]
pub struct AfterCreate {
    /// Only print the new task's reference (it is still added to the watch list).
    #[arg(long, conflicts_with = "wait")]
    pub no_watch: bool,
    /// Wait for the task like `oaswatch wait` (exit codes included) instead of opening the dashboard.
    #[arg(long)]
    pub wait: bool,
    /// With --wait: give up after this long (exit code 3).
    #[arg(long, value_name = "DUR", value_parser = parse_duration, requires = "wait")]
    pub timeout: Option<Duration>,
    /// With --wait: print one JSON document at the end.
    #[arg(long, requires = "wait")]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The gateway to export from: huawei://REGION/PROJECT_ID/INSTANCE_ID (default:
    /// `defaults.export_source` in the config).
    #[arg(long = "from", value_name = "TARGET", value_parser = parse_target)]
    pub from: Option<Target>,
    /// The API group to export.
    #[arg(long, value_name = "GROUP_ID")]
    pub group: String,
    /// The environment id whose published APIs are exported (RELEASE means the release environment).
    #[arg(long, value_name = "ENV", default_value = "RELEASE")]
    pub env: String,
    /// OpenAPI version of the document.
    #[arg(long, value_name = "VERSION", value_parser = ["2.0", "3.0"], default_value = "3.0")]
    pub oas: String,
    /// Format of the document.
    #[arg(long, value_name = "FORMAT", value_parser = ["json", "yaml"], default_value = "json")]
    pub format: String,
    /// What to export: the API definitions (spec), backends (proxy), both (all) or the developer view (dev).
    #[arg(long, value_name = "WHAT", value_parser = ["spec", "proxy", "all", "dev"])]
    pub define: Option<String>,
    /// Where to save the document (default: the cloud's file name, in the current directory).
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Overwrite FILE if it exists.
    #[arg(long)]
    pub force: bool,
    /// Only print the new task's reference.
    #[arg(long)]
    pub no_watch: bool,
    /// Give up waiting after this long (exit code 3).
    #[arg(long, value_name = "DUR", value_parser = parse_duration)]
    pub timeout: Option<Duration>,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[arg(value_name = "TASK", value_parser = parse_task_ref)]
    pub task: TaskRef,
    /// md (Markdown), csv or json.
    #[arg(long, value_name = "FORMAT", default_value = "md", value_parser = ["md", "markdown", "csv", "json"])]
    pub format: String,
    /// Write to FILE instead of stdout.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Overwrite FILE if it exists.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct RetrySpecArgs {
    #[arg(value_name = "TASK", value_parser = parse_task_ref)]
    pub task: TaskRef,
    /// The spec the task imported.
    #[arg(long, value_name = "ORIGINAL")]
    pub spec: PathBuf,
    /// Write to FILE instead of stdout: the original's OpenAPI family, in the format FILE's
    /// extension names (.yaml, .yml, .json), else the original's.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Overwrite FILE if it exists, and write a retry spec even when most failed subtasks are not
    /// in ORIGINAL (refused otherwise: it is likely not the spec the task imported).
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Tasks to fetch (default: the saved watch list).
    #[arg(value_name = "TASK", value_parser = parse_task_ref)]
    pub tasks: Vec<TaskRef>,
    /// Print one JSON document instead of the human summary.
    #[arg(long)]
    pub json: bool,
    /// List every failed or cancelled subtask, not only the failures' causes.
    #[arg(long)]
    pub all_failures: bool,
    /// How long to keep retrying transient errors (throttling, 5xx, network) before giving up.
    #[arg(long, value_name = "DUR", value_parser = parse_duration, default_value = "30s")]
    pub timeout: Duration,
}

#[derive(Debug, Args)]
pub struct WaitArgs {
    /// Tasks to wait for (default: the saved watch list).
    #[arg(value_name = "TASK", value_parser = parse_task_ref)]
    pub tasks: Vec<TaskRef>,
    /// Give up after this long (e.g. 90s, 10m, 1h); exit code 3. Default: wait forever.
    #[arg(long, value_name = "DUR", value_parser = parse_duration)]
    pub timeout: Option<Duration>,
    /// Time between polls of a running task (default from the config, 2s).
    #[arg(long, value_name = "DUR", value_parser = parse_duration)]
    pub interval: Option<Duration>,
    /// Print one JSON document at the end instead of the human summary.
    #[arg(long)]
    pub json: bool,
    /// List every failed or cancelled subtask at the end, not only the failures' causes.
    #[arg(long)]
    pub all_failures: bool,
    /// Run this command (through `sh -c`) when waiting ends, with the outcome in its environment:
    /// OASWATCH_EXIT_CODE, OASWATCH_RESULT (ok|failures|timed_out|fetch_failed|usage) and
    /// OASWATCH_TASKS (the references, space-separated).
    #[arg(long, value_name = "CMD")]
    pub on_finish: Option<String>,
}

/// Parses a task reference for clap; the error shows the expected forms.
pub fn parse_task_ref(text: &str) -> Result<TaskRef, String> {
    text.parse::<TaskRef>().map_err(|e| e.to_string())
}

/// Parses an import/export target; the error shows the expected forms.
pub fn parse_target(text: &str) -> Result<Target, String> {
    text.parse::<Target>().map_err(|e| e.to_string())
}

/// Parses `aliyun=URL` / `huawei=URL`.
pub fn parse_endpoint(text: &str) -> Result<(ProviderKind, String), String> {
    let (provider, url) =
        text.split_once('=').ok_or_else(|| format!("expected aliyun=URL or huawei=URL, got {text:?}"))?;
    let provider: ProviderKind = provider.trim().parse()?;
    if url.trim().is_empty() {
        return Err(format!("missing URL after {}=", provider.as_str()));
    }
    Ok((provider, url.trim().to_owned()))
}

/// Parses a positive, finite speed factor.
pub fn parse_speed(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(speed) if speed.is_finite() && speed > 0.0 && speed <= 10_000.0 => Ok(speed),
        _ => Err(format!("invalid speed {text:?}: use a number between 0 and 10000, e.g. 1, 5 or 0.5")),
    }
}

/// Parses `500ms`, `2s`, `10m`, `1h30m`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    crate::config::parse_duration(text).map_err(|e| format!("{e}; use e.g. 90s, 10m, 1h"))
}

/// A path argument that must name a file.
pub fn existing_file(text: &str) -> Result<PathBuf, String> {
    let path = PathBuf::from(text);
    if path.is_file() { Ok(path) } else { Err(format!("{text}: no such file")) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn parses_tasks_commands_and_global_endpoints() {
        let cli = Cli::try_parse_from([
            "oaswatch",
            "add",
            "aliyun://cn-hangzhou/abc",
            "--endpoint",
            "aliyun=http://127.0.0.1:9",
        ])
        .unwrap();
        assert_eq!(cli.global.endpoints, [(ProviderKind::Aliyun, "http://127.0.0.1:9".to_owned())]);
        let Some(Command::Add { tasks, .. }) = cli.command else { panic!("not add") };
        assert_eq!(tasks.len(), 1);

        let cli = Cli::try_parse_from(["oaswatch", "wait", "aliyun://cn-hangzhou/abc", "--timeout", "10m"]).unwrap();
        let Some(Command::Wait(wait)) = cli.command else { panic!("not wait") };
        assert_eq!(wait.timeout, Some(Duration::from_secs(600)));

        let cli = Cli::try_parse_from(["oaswatch", "huawei://cn-north-4/p/i/t"]).unwrap();
        assert!(cli.command.is_none());
        assert_eq!(cli.tasks.len(), 1);
    }

    #[test]
    fn a_malformed_reference_is_a_usage_error_showing_the_form() {
        let err = Cli::try_parse_from(["oaswatch", "add", "aliyun:/cn-hangzhou/x"]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("aliyun://REGION/OPERATION_ID"), "{err}");
    }

    #[test]
    fn bad_endpoint_and_duration_flags_are_usage_errors() {
        for args in
            [&["oaswatch", "list", "--endpoint", "aws=https://x"][..], &["oaswatch", "list", "--endpoint", "aliyun"]]
        {
            let err = Cli::try_parse_from(args).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{args:?}");
        }
    }
}
