//! `oaswatch report` (a failure report for a ticket) and `oaswatch retry-spec` (a spec of only
//! the failed operations, to fix and re-import).

use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use super::args::{ReportArgs, RetrySpecArgs};
use super::collect::{self, Progress, Until};
use super::{Context, Failure, watch_cmds};
use crate::analysis::groups::group_failures;
use crate::domain::{Task, TaskRef};
use crate::failure_report::{self, Format};
use crate::report::{self, ExitStatus};
use crate::retry_spec;
use crate::sanitize;

/// The task as it is now: the watch list's final snapshot if it finished, else one fetch.
fn snapshot(context: &Context, task_ref: &TaskRef, err: &mut dyn Write) -> Result<Task, Failure> {
    if let Ok(loaded) = context.store.load(SystemTime::now())
        && let Some(task) = loaded
            .entries
            .into_iter()
            .find(|e| e.task_ref == *task_ref)
            .and_then(|e| e.snapshot)
            .filter(Task::is_finished)
    {
        return Ok(task);
    }
    let (clients, notes) = watch_cmds::clients_for(context, std::slice::from_ref(task_ref))?;
    for note in notes {
        let _ = writeln!(err, "oaswatch: {}", sanitize::line(&note));
    }
    let runtime = super::runtime()?;
    let collected = runtime.block_on(collect::collect(
        Arc::new(clients),
        std::slice::from_ref(task_ref),
        context.config.poller(),
        Until::FirstAnswer,
        Some(Duration::from_secs(30)),
        Progress { out: None },
    ))?;
    let outcome = collected.outcomes.into_iter().next();
    match outcome {
        Some(report::TaskOutcome { task: Some(task), .. }) => {
            if !task.is_finished() {
                let _ = writeln!(
                    err,
                    "oaswatch: note: {task_ref} is still {}; this covers the failures so far",
                    task.state
                );
            }
            Ok(task)
        }
        Some(report::TaskOutcome { fetch_error: Some(error), .. }) => Err(Failure {
            status: if error.code.starts_with(report::CREDENTIALS_CODE_PREFIX) {
                ExitStatus::Usage
            } else {
                ExitStatus::FetchFailed
            },
            message: format!("cannot fetch {task_ref}: {}", sanitize::line(&error.to_string())),
        }),
        _ => Err(Failure { status: ExitStatus::FetchFailed, message: format!("cannot fetch {task_ref}") }),
    }
}

/// Writes `text` to `path` (refusing to overwrite without `force`), or to `out` when no path.
fn emit(path: Option<&Path>, text: &str, force: bool, out: &mut dyn Write) -> Result<(), Failure> {
    if let Some(path) = path {
        return super::write_output_file(path, text.as_bytes(), force);
    }
    out.write_all(text.as_bytes())?;
    Ok(out.flush()?)
}

pub fn report(context: &Context, args: &ReportArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8, Failure> {
    let format = Format::from_name(&args.format)
        .ok_or_else(|| Failure::usage(format!("unknown report format {:?}: use md, csv or json", args.format)))?;
    let task = snapshot(context, &args.task, err)?;
    let groups = group_failures(&task);
    let label = watch_cmds::labels(context).remove(&task.task_ref);
    let text = failure_report::render_labelled(&task, label.as_deref(), &groups, format, SystemTime::now());
    emit(args.output.as_deref(), &text, args.force, out)?;
    if let Some(path) = &args.output {
        // The words of every other surface: cancelled and skipped are not called failed.
        let summary = match task.counts.problems_breakdown() {
            none if none.is_empty() => "nothing failed or was cancelled".to_owned(),
            problems => format!("{problems}, in {} groups", groups.len()),
        };
        writeln!(err, "wrote {}: {summary}", path.display())?;
    }
    Ok(ExitStatus::Ok.code())
}

pub fn retry_spec(
    context: &Context,
    args: &RetrySpecArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<u8, Failure> {
    let document = crate::openapi::load(&args.spec)
        .map_err(|e| Failure::usage(format!("the original spec is not a valid OpenAPI document: {e}")))?;
    let task = snapshot(context, &args.task, err)?;
    let options = retry_spec::RetryOptions { format: args.output.as_deref().and_then(format_of), force: args.force };
    let retry = retry_spec::build(&task, &document, options).map_err(|e| Failure::usage(e.to_string()))?;
    emit(args.output.as_deref(), &retry.text, args.force, out)?;
    for route in retry.unmatched.iter().take(10) {
        writeln!(err, "warning: failed {} is not in {}", sanitize::line(route), args.spec.display())?;
    }
    for loss in &retry.lossy {
        writeln!(err, "warning: {}", sanitize::line(loss))?;
    }
    let destination = args.output.as_ref().map_or_else(|| "stdout".to_owned(), |p| p.display().to_string());
    writeln!(
        err,
        "wrote {destination}: {} operations and {} schemas to retry",
        retry.operations.len(),
        retry.schemas.len()
    )?;
    if !retry.unmatched.is_empty() {
        writeln!(
            err,
            "{} failed subtasks are not in {} and are not in the retry spec; fix them by hand",
            retry.unmatched.len(),
            args.spec.display()
        )?;
    }
    if let Some(path) = &args.output {
        writeln!(err, "re-import it with: oaswatch import {} {}", path.display(), reimport_hint(&task))?;
    }
    // Something the user asked to retry is not in it: a script must not take this for success.
    Ok(if retry.unmatched.is_empty() { ExitStatus::Ok } else { ExitStatus::Failures }.code())
}

/// The format a file name asks for (`.yaml`, `.yml`, `.json`); `None` keeps the original's.
fn format_of(path: &Path) -> Option<crate::openapi::Format> {
    match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
        "yaml" | "yml" => Some(crate::openapi::Format::Yaml),
        "json" => Some(crate::openapi::Format::Json),
        _ => None,
    }
}

/// `--to …` for importing into the same place the task imported into.
fn reimport_hint(task: &Task) -> String {
    let group = task.group_id.as_deref().unwrap_or("GROUP_ID");
    let facts = task.task_ref.provider().facts();
    let target = task.task_ref.import_target(group);
    if facts.group_in_target {
        format!("--to {target} {}", facts.replace_flags)
    } else {
        format!("--to {target} --group {group} {}", facts.replace_flags)
    }
}
