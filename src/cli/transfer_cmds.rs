//! `oaswatch import` and `oaswatch export`: start a task on a cloud, remember it, then watch it.
//!
//! The spec is parsed locally first (a broken file never reaches the cloud); the new task goes
//! on the watch list; then the dashboard opens on it, or `--wait` behaves like `wait`, or
//! `--no-watch` just prints its reference. An export's document is written to a file on success.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::SystemTime;

use super::args::{ExportArgs, ImportArgs, ImportFlags, WaitArgs};
use super::collect::{self, Progress, Until};
use super::{Context, Failure, dashboard, watch_cmds};
use crate::app::effect::ImportRequest;
use crate::app::labels::ImportedInto;
use crate::check::GroupKnowledge;
use crate::domain::{FetchError, FetchErrorKind, Target, TaskRef};
use crate::openapi::{self, Document};
use crate::provider::{self, Clients, ExportRequest, ImportOptions, LazyClients};
use crate::report::{self, ExitStatus, Mode};
use crate::sanitize;
use crate::store::Change;

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
pub(super) fn load_spec(path: &Path) -> Result<(String, Document), Failure> {
    let text = openapi::limits::read_bounded(path).map_err(|e| Failure::usage(format!("cannot read the spec: {e}")))?;
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

pub(super) fn clients(context: &Context, target: &Target) -> Result<Clients, Failure> {
    let (clients, notes) = watch_cmds::clients_for(context, &[])?;
    if let Some(error) = clients.account_error(&provider::Account::of_target(target)) {
        return Err(Failure::usage(error.to_string()));
    }
    for note in notes {
        tracing::warn!(note = %sanitize::line(&note), "credentials");
    }
    Ok(clients)
}

/// Flags that only make sense for another cloud are mistakes worth stopping for.
pub(super) fn reject_foreign_flags(target: &Target, options: &ImportOptions) -> Result<(), Failure> {
    let accepted = provider::registration(target.provider()).import_flags;
    let Some(flag) = options.used_flags().into_iter().find(|flag| !accepted.contains(flag)) else {
        return Ok(());
    };
    let owners: Vec<&str> =
        provider::CLOUDS.iter().filter(|c| c.import_flags.contains(&flag)).map(|c| c.kind.as_str()).collect();
    Err(Failure::usage(format!("{flag} applies to {} targets only (the target is {target})", owners.join(" and "))))
}

/// The import options the flags ask for.
pub(super) fn import_options(args: &ImportFlags) -> ImportOptions {
    ImportOptions {
        overwrite: args.overwrite,
        request_mode: args.request_mode.clone(),
        auth_type: args.auth_type.clone(),
        backend_name: args.backend_name.clone(),
        skip_dry_run: args.skip_dry_run,
        ignore_warning: args.ignore_warning,
        group: args.group.clone(),
        extend_mode: args.extend_mode.clone(),
        api_mode: args.api_mode.clone(),
        simple_mode: args.simple_mode,
        mock_mode: args.mock_mode,
    }
}

/// `--to`/`--from`, else the config's default, else a usage error saying how to give one.
pub(super) fn target_or_default(
    given: Option<&Target>,
    context: &Context,
    key: &str,
    flag: &str,
) -> Result<Target, Failure> {
    if let Some(target) = given {
        return Ok(target.clone());
    }
    let configured = context.config.defaults.get(key).ok_or_else(|| {
        Failure::usage(format!(
            "pass {flag} TARGET ({}), or set defaults.{key} in the config",
            crate::domain::target_forms()
        ))
    })?;
    configured
        .value
        .parse()
        .map_err(|e: crate::domain::RefParseError| Failure::usage(format!("{}: {e}", configured.source)))
}

pub fn import(context: &Context, args: &ImportArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8, Failure> {
    let target = target_or_default(args.to.as_ref(), context, crate::config::DEFAULT_IMPORT_TARGET, "--to")?;
    let options = import_options(&args.flags);
    reject_foreign_flags(&target, &options)?;
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
    // The group's name as the check read it, so the label can name it rather than quote its id.
    let group_name = if args.no_check { None } else { preflight(context, args, &target, &options, &document, err)? };
    let clients = clients(context, &target)?;
    let mut notes = Vec::new();
    let created = super::runtime()?
        .block_on(create_import(&clients, &target, &args.spec, &options, &text, &document, &mut notes));
    for note in &notes {
        writeln!(err, "{note}")?;
    }
    let task_ref = created?;
    writeln!(err, "created import task {task_ref}")?;
    // Remember the spec, so `R` in the dashboard can make a retry spec without asking for it.
    let spec = std::fs::canonicalize(&args.spec).unwrap_or_else(|_| args.spec.clone());
    let label = Some(args.label.clone().unwrap_or_else(|| {
        let group_id = target.group_id().or(options.group.as_deref());
        let into = match (group_id, group_name.as_deref()) {
            (Some(_), Some(name)) => ImportedInto::Group(name),
            (Some(id), None) => ImportedInto::Group(id),
            // No group given: the import creates one named after the spec's title (Huawei).
            (None, _) => ImportedInto::NewGroup(&document.title),
        };
        crate::app::labels::import_label(&args.spec, into)
    }));
    writeln!(err, "labelled \"{}\"", sanitize::line(label.as_deref().unwrap_or_default()))?;
    let change = Change::AddImport { task_ref: task_ref.clone(), spec, label };
    if let Err(error) = context.store.update(change, SystemTime::now()) {
        writeln!(err, "warning: the task was created but could not be added to the watch list: {error}")?;
    }
    after_create(context, task_ref, &args.after, out, err)
}

/// The check before an import: what the gateway would reject stops the import, unless
/// `--force` (then it is printed as warnings). Returns the group's name as it was read, if it was.
fn preflight(
    context: &Context,
    args: &ImportArgs,
    target: &Target,
    options: &ImportOptions,
    document: &Document,
    err: &mut dyn Write,
) -> Result<Option<String>, Failure> {
    let group = super::check_cmds::read_group(context, target, options)?;
    let read = match &group {
        GroupKnowledge::Read(contents) => Some(contents.name.clone()).filter(|name| !name.is_empty()),
        GroupKnowledge::Unread(_) => None,
    };
    let check = super::check_cmds::run(document, target, options, group);
    if !check.rejects_anything() {
        for advisory in &check.advisories {
            writeln!(err, "note: {}", sanitize::line_truncated(advisory, 300))?;
        }
        return Ok(read);
    }
    let report = check.human(&args.spec.display().to_string(), &target.to_string());
    if args.force {
        for line in report.lines() {
            writeln!(err, "warning: {line}")?;
        }
        writeln!(err, "warning: {}; importing anyway (--force)", check.verdict_line())?;
        return Ok(read);
    }
    write!(err, "{report}")?;
    Err(Failure {
        status: ExitStatus::Failures,
        message: format!(
            "{}, so nothing was imported: fix the spec (see `oaswatch check`), or import anyway with --force \
             (--no-check skips the check)",
            check.verdict_line()
        ),
    })
}

async fn create_import(
    clients: &Clients,
    target: &Target,
    spec: &Path,
    options: &ImportOptions,
    text: &str,
    document: &Document,
    notes: &mut Vec<String>,
) -> Result<TaskRef, Failure> {
    let client = clients.for_target(target).map_err(|e| Failure::usage(e.to_string()))?;
    let file_name = spec.file_name().map_or_else(|| "spec".into(), |n| n.to_string_lossy().into_owned());
    let request = provider::ImportRequest {
        target,
        spec_text: text,
        file_name: &file_name,
        version: document.version,
        operations: document.operations.len(),
        options,
    };
    let imported = client.import(&request).await.map_err(|e| create_failure("the import request", &e))?;
    notes.extend(imported.notes);
    imported.task_ref.ok_or_else(|| Failure {
        status: ExitStatus::Failures,
        message: "the cloud started no import task (see the errors above)".to_owned(),
    })
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
            labels: saved.labels,
            saved: saved.snapshots,
        },
    )
}

/// The import behind `R` then `y` in the dashboard: the retry spec into the place the failed
/// task imported into, overwriting (Alibaba) or overriding (Huawei) what is there.
pub async fn import_for_retry(clients: &Clients, request: &ImportRequest) -> Result<TaskRef, String> {
    let (text, document) = load_spec(&request.spec).map_err(|f| f.message)?;
    let options = (provider::registration(request.target.provider()).replacing_import)(request.group.clone());
    // The cloud's warnings have no terminal to go to here; the new task shows the outcome.
    let mut notes = Vec::new();
    create_import(clients, &request.target, &request.spec, &options, &text, &document, &mut notes)
        .await
        .map_err(|f| f.message)
}

pub fn export(context: &Context, args: &ExportArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8, Failure> {
    let source = target_or_default(args.from.as_ref(), context, crate::config::DEFAULT_EXPORT_SOURCE, "--from")?;
    if let Some(why) = source.provider().facts().no_export {
        let exporting: Vec<String> = crate::domain::ProviderKind::ALL
            .iter()
            .filter(|k| k.facts().no_export.is_none())
            .map(|k| format!("{} ({})", k.facts().display_name, k.facts().target_form))
            .collect();
        return Err(Failure::usage(format!(
            "export works with {} targets; {why} (got {source})",
            exporting.join(" or ")
        )));
    }
    super::check_output_target(args.output.as_deref(), args.force)?;
    let clients = Arc::new(clients(context, &source)?);
    let request = ExportRequest {
        source: &source,
        group: &args.group,
        env: &args.env,
        oas_version: &args.oas,
        format: &args.format,
        define: args.define.as_deref(),
    };
    let runtime = super::runtime()?;
    let client = clients.for_target(&source).map_err(|e| Failure::usage(e.to_string()))?;
    let task_ref = runtime.block_on(client.export(&request)).map_err(|e| create_failure("the export request", &e))?;
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
    // With -o the user named the file; without, the name comes from the server and a taken one
    // gets " (1)" rather than losing a document an export just produced.
    let path = if let Some(path) = &args.output {
        super::write_output_file(path, export.content.as_bytes(), args.force)?;
        path.clone()
    } else {
        let name = crate::app::outputs::export_file_name(&export);
        crate::runtime::files::write_new(Path::new("."), &name, export.content.as_bytes())
            .map_err(|e| Failure::usage(format!("cannot write {name}: {e}")))?
    };
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
