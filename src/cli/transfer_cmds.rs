//! `oaswatch import` and `oaswatch export`: start a task on a cloud, remember it, then watch it.
//!
//! The spec is parsed locally first (a broken file never reaches the cloud); the new task goes
//! on the watch list; then the dashboard opens on it, or `--wait` behaves like `wait`, or
//! `--no-watch` just prints its reference. An export's document is written to a file on success.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use super::args::{ExportArgs, ImportArgs, WaitArgs};
use super::collect::{self, Progress, Until};
use super::{Context, Failure, dashboard, watch_cmds};
use crate::app::effect::ImportRequest;
use crate::domain::{FetchError, FetchErrorKind, Target, TaskRef};
use crate::openapi::{self, Document, SpecVersion};
use crate::provider::{Clients, HuaweiExportOptions, HuaweiImportOptions, ImportOasOptions, LazyClients};
use crate::report::{self, ExitStatus, Mode};
use crate::sanitize;
use crate::store::Change;

/// The Alibaba console's documented import limits (cloud-apis.md A.6); the API may accept more,
/// so crossing them is a warning, not an error.
const ALIYUN_MAX_APIS: usize = 100;
const ALIYUN_MAX_BYTES: usize = 256 * 1024;

/// Huawei's well-known id of the RELEASE environment.
const HUAWEI_RELEASE_ENV: &str = "DEFAULT_ENVIRONMENT_RELEASE_ID";

/// What a failed create call means for the exit code: the cloud said no (1), or we could not
/// reach or authenticate to it (4).
fn create_failure(action: &str, error: &FetchError) -> Failure {
    let status = match error.kind {
        FetchErrorKind::Auth | FetchErrorKind::Network | FetchErrorKind::Throttled | FetchErrorKind::Server => {
            ExitStatus::FetchFailed
        }
        FetchErrorKind::NotFound | FetchErrorKind::Protocol => ExitStatus::Failures,
    };
    Failure { status, message: format!("{action} failed ({}): {}", error.kind, sanitize::line(&error.to_string())) }
}

/// Reads and parses the spec, so errors name the file and line before anything is sent.
fn load_spec(path: &Path) -> Result<(String, Document), Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::usage(format!("{}: cannot read the spec: {e}", path.display())))?;
    let document = openapi::parse(&text, &path.display().to_string())
        .map_err(|e| Failure::usage(format!("the spec is not a valid OpenAPI document: {e}")))?;
    if document.operations.is_empty() {
        return Err(Failure::usage(format!(
            "{}: the spec has no operations under `paths`; nothing to import",
            path.display()
        )));
    }
    Ok((text, document))
}

fn clients(context: &Context, provider: crate::domain::ProviderKind) -> Result<Clients, Failure> {
    let (clients, notes) = watch_cmds::clients_for(context, &[])?;
    if let Some(error) = clients.credential_error(provider) {
        return Err(Failure::usage(error.to_string()));
    }
    for note in notes {
        tracing::warn!(note = %sanitize::line(&note), "credentials");
    }
    Ok(clients)
}

/// Flags that only make sense for the other cloud are mistakes worth stopping for.
fn reject_foreign_flags(target: &Target, args: &ImportArgs) -> Result<(), Failure> {
    let aliyun_only = [
        ("--overwrite", args.overwrite),
        ("--request-mode", args.request_mode.is_some()),
        ("--auth-type", args.auth_type.is_some()),
        ("--backend-name", args.backend_name.is_some()),
        ("--skip-dry-run", args.skip_dry_run),
        ("--ignore-warning", args.ignore_warning),
    ];
    let huawei_only = [
        ("--group", args.group.is_some()),
        ("--extend-mode", args.extend_mode.is_some()),
        ("--api-mode", args.api_mode.is_some()),
        ("--simple-mode", args.simple_mode),
        ("--mock-mode", args.mock_mode),
    ];
    let (foreign, cloud) = match target {
        Target::Aliyun { .. } => (&huawei_only[..], "huawei"),
        Target::Huawei { .. } => (&aliyun_only[..], "aliyun"),
    };
    if let Some((flag, _)) = foreign.iter().find(|(_, used)| *used) {
        return Err(Failure::usage(format!("{flag} applies to {cloud} targets only (the target is {target})")));
    }
    Ok(())
}

/// `--to`/`--from`, else the config's default, else a usage error saying how to give one.
fn target_or_default(given: Option<&Target>, context: &Context, key: &str, flag: &str) -> Result<Target, Failure> {
    if let Some(target) = given {
        return Ok(target.clone());
    }
    let configured = context.config.defaults.get(key).ok_or_else(|| {
        Failure::usage(format!(
            "pass {flag} TARGET ({}), or set defaults.{key} in the config",
            crate::domain::TARGET_FORMS
        ))
    })?;
    configured
        .value
        .parse()
        .map_err(|e: crate::domain::RefParseError| Failure::usage(format!("{}: {e}", configured.source)))
}

pub fn import(context: &Context, args: &ImportArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8, Failure> {
    let target = target_or_default(args.to.as_ref(), context, crate::config::DEFAULT_IMPORT_TARGET, "--to")?;
    reject_foreign_flags(&target, args)?;
    let (text, document) = load_spec(&args.spec)?;
    let schemas = document.schemas.len();
    writeln!(
        err,
        "{}: {} \"{}\", {} operations, {} schemas",
        args.spec.display(),
        document.version,
        sanitize::line_truncated(&document.title, 80),
        document.operations.len(),
        schemas
    )?;
    let clients = clients(context, target.provider())?;
    let mut notes = Vec::new();
    let created = super::runtime()?.block_on(create_import(&clients, &target, args, &text, &document, &mut notes));
    for note in &notes {
        writeln!(err, "{note}")?;
    }
    let task_ref = created?;
    writeln!(err, "created import task {task_ref}")?;
    // Remember the spec, so `R` in the dashboard can make a retry spec without asking for it.
    let spec = std::fs::canonicalize(&args.spec).unwrap_or_else(|_| args.spec.clone());
    if let Err(error) = context.store.update(Change::AddImport { task_ref: task_ref.clone(), spec }, SystemTime::now())
    {
        writeln!(err, "warning: the task was created but could not be added to the watch list: {error}")?;
    }
    after_create(context, task_ref, &args.after, out, err)
}

async fn create_import(
    clients: &Clients,
    target: &Target,
    args: &ImportArgs,
    text: &str,
    document: &Document,
    notes: &mut Vec<String>,
) -> Result<TaskRef, Failure> {
    match target {
        Target::Aliyun { region, group_id } => {
            if document.operations.len() > ALIYUN_MAX_APIS {
                notes.push(format!(
                    "warning: {} operations; the Alibaba console imports at most {ALIYUN_MAX_APIS} at a time",
                    document.operations.len()
                ));
            }
            if text.len() > ALIYUN_MAX_BYTES {
                notes.push(format!(
                    "warning: the spec is {} KiB; the Alibaba console accepts at most 256 KiB",
                    text.len() / 1024
                ));
            }
            let options = ImportOasOptions {
                overwrite: args.overwrite,
                oas_version: Some(if document.version == SpecVersion::Swagger2 { "OAS2" } else { "OAS3" }.to_owned()),
                request_mode: args.request_mode.clone(),
                auth_type: args.auth_type.clone(),
                backend_name: args.backend_name.clone(),
                skip_dry_run: args.skip_dry_run,
                ignore_warning: args.ignore_warning,
            };
            let client = clients.aliyun().map_err(|e| Failure::usage(e.to_string()))?;
            let outcome = client
                .import_oas(region, group_id, text, &options)
                .await
                .map_err(|e| create_failure("ImportOAS", &e))?;
            for warning in &outcome.warning_messages {
                notes.push(format!("warning from Alibaba Cloud: {}", sanitize::line(warning)));
            }
            for error in &outcome.error_messages {
                notes.push(format!("error from Alibaba Cloud: {}", sanitize::line(error)));
            }
            for failed in &outcome.failed_apis {
                let line = format!("rejected API {} {}: {}", failed.method, failed.path, failed.error);
                notes.push(sanitize::line(&line).into_owned());
            }
            let operation_id = outcome.operation_id.ok_or_else(|| Failure {
                status: ExitStatus::Failures,
                message: "ImportOAS returned no OperationId: the import did not start (see the errors above)"
                    .to_owned(),
            })?;
            Ok(TaskRef::Aliyun { region: region.clone(), operation_id })
        }
        Target::Huawei { region, project_id, instance_id } => {
            let options = HuaweiImportOptions {
                group_id: args.group.clone(),
                extend_mode: args.extend_mode.clone(),
                api_mode: args.api_mode.clone(),
                simple_mode: args.simple_mode,
                mock_mode: args.mock_mode,
            };
            let file_name = args.spec.file_name().map_or_else(|| "spec".into(), |n| n.to_string_lossy().into_owned());
            let client = clients.huawei().map_err(|e| Failure::usage(e.to_string()))?;
            let task_id = client
                .async_import(region, project_id, instance_id, &file_name, text.as_bytes().to_vec(), &options)
                .await
                .map_err(|e| create_failure("async-import", &e))?;
            Ok(TaskRef::Huawei {
                region: region.clone(),
                project_id: project_id.clone(),
                instance_id: instance_id.clone(),
                task_id,
            })
        }
    }
}

/// Remember the new task, then watch it the way the flags ask.
fn after_create(
    context: &Context,
    task_ref: TaskRef,
    after: &super::args::AfterCreate,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<u8, Failure> {
    if after.no_watch {
        writeln!(out, "{task_ref}")?;
        return Ok(ExitStatus::Ok.code());
    }
    if after.wait {
        let args = WaitArgs {
            tasks: vec![task_ref],
            timeout: after.timeout,
            interval: None,
            json: after.json,
            all_failures: false,
            on_finish: None,
        };
        return watch_cmds::wait(context, args, out, err).map(ExitStatus::code);
    }
    let saved = dashboard::saved_tasks(context, vec![task_ref.clone()]);
    let refs: Vec<TaskRef> = saved.initial.iter().map(|(r, _)| r.clone()).collect();
    let (clients, mut notes) = watch_cmds::clients_for(context, &refs)?;
    let clients = Arc::new(LazyClients::ready(clients));
    notes.extend(saved.warnings);
    dashboard::run(
        context,
        dashboard::Setup {
            fetcher: Arc::clone(&clients),
            initial: saved.initial,
            store: Some(context.store.clone()),
            notices: notes,
            select: Some(task_ref),
            importer: Some(clients),
            specs: saved.specs,
            saved: saved.snapshots,
        },
    )
}

/// The import behind `R` then `y` in the dashboard: the retry spec into the place the failed
/// task imported into, overwriting (Alibaba) or overriding (Huawei) what is there.
pub async fn import_for_retry(clients: &Clients, request: &ImportRequest) -> Result<TaskRef, String> {
    let (text, document) = load_spec(&request.spec).map_err(|f| f.message)?;
    let huawei = matches!(request.target, Target::Huawei { .. });
    let args = ImportArgs {
        spec: request.spec.clone(),
        to: Some(request.target.clone()),
        overwrite: !huawei,
        request_mode: None,
        auth_type: None,
        backend_name: None,
        skip_dry_run: false,
        ignore_warning: false,
        group: request.group.clone().filter(|_| huawei),
        extend_mode: None,
        api_mode: huawei.then(|| "override".to_owned()),
        simple_mode: false,
        mock_mode: false,
        after: super::args::AfterCreate::default(),
    };
    // The cloud's warnings have no terminal to go to here; the new task shows the outcome.
    let mut notes = Vec::new();
    create_import(clients, &request.target, &args, &text, &document, &mut notes).await.map_err(|f| f.message)
}

pub fn export(context: &Context, args: &ExportArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8, Failure> {
    let source = target_or_default(args.from.as_ref(), context, crate::config::DEFAULT_EXPORT_SOURCE, "--from")?;
    let Target::Huawei { region, project_id, instance_id } = &source else {
        return Err(Failure::usage(format!(
            "export works with Huawei targets (huawei://REGION/PROJECT_ID/INSTANCE_ID); Alibaba's ExportOAS is \
             synchronous and has no task to watch (got {source})"
        )));
    };
    if let Some(path) = &args.output
        && path.exists()
        && !args.force
    {
        return Err(Failure::usage(format!("{} already exists; pass --force to overwrite it", path.display())));
    }
    let clients = Arc::new(clients(context, crate::domain::ProviderKind::Huawei)?);
    let env_id =
        if args.env.eq_ignore_ascii_case("RELEASE") { HUAWEI_RELEASE_ENV.to_owned() } else { args.env.clone() };
    let options = HuaweiExportOptions {
        group_id: args.group.clone(),
        env_id,
        oas_version: Some(args.oas.clone()),
        define: args.define.clone(),
        file_type: Some(args.format.clone()),
        apis: Vec::new(),
    };
    let runtime = super::runtime()?;
    let client = clients.huawei().map_err(|e| Failure::usage(e.to_string()))?;
    let task_id = runtime
        .block_on(client.async_export(region, project_id, instance_id, &options))
        .map_err(|e| create_failure("async-export", &e))?;
    let task_ref = TaskRef::Huawei {
        region: region.clone(),
        project_id: project_id.clone(),
        instance_id: instance_id.clone(),
        task_id,
    };
    writeln!(err, "created export task {task_ref}")?;
    if let Err(error) = context.store.update(Change::Add(vec![task_ref.clone()]), SystemTime::now()) {
        writeln!(err, "warning: the task was created but could not be added to the watch list: {error}")?;
    }
    if args.no_watch {
        writeln!(out, "{task_ref}")?;
        return Ok(ExitStatus::Ok.code());
    }

    let collected = runtime.block_on(collect::collect(
        clients,
        std::slice::from_ref(&task_ref),
        context.config.poller(),
        Until::Finished,
        args.timeout,
        Progress { out: Some(err) },
    ))?;
    let status = report::exit_status(&collected.outcomes, Mode::Wait { timed_out: collected.timed_out });
    let Some(export) = collected.outcomes.first().and_then(|o| o.task.as_ref()).and_then(|t| t.export.clone()) else {
        out.write_all(report::human_summary(&collected.outcomes, false).as_bytes())?;
        return Ok(status.max(ExitStatus::Failures).code());
    };
    let path = args.output.clone().unwrap_or_else(|| PathBuf::from(crate::app::outputs::export_file_name(&export)));
    super::write_output_file(&path, export.content.as_bytes(), args.force)?;
    match openapi::parse(&export.content, &path.display().to_string()) {
        Ok(document) => writeln!(
            out,
            "saved {} ({}, {} operations, {} bytes)",
            path.display(),
            document.version,
            document.operations.len(),
            export.content.len()
        )?,
        Err(error) => writeln!(
            out,
            "saved {} ({} bytes), but it does not parse as OpenAPI: {error}",
            path.display(),
            export.content.len()
        )?,
    }
    Ok(status.code())
}
