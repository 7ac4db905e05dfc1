//! `oaswatch check`, and the same check before `import`: reads the target group (unless told
//! not to), runs [`crate::check`], prints the verdicts.

use std::io::Write;

use super::Failure;
use super::args::CheckArgs;
use super::transfer_cmds::{clients, import_options, load_spec, reject_foreign_flags, target_or_default};
use crate::check::{self, Check, GroupKnowledge, ImportMode};
use crate::domain::{FetchErrorKind, Target};
use crate::openapi::Document;
use crate::provider::{self, ImportOptions};
use crate::report::ExitStatus;
use crate::sanitize;

use super::Context;

pub fn check(context: &Context, args: &CheckArgs, out: &mut dyn Write) -> Result<u8, Failure> {
    let target = target_or_default(args.target.as_ref(), context, crate::config::DEFAULT_IMPORT_TARGET, "--for")?;
    let options = import_options(&args.flags);
    reject_foreign_flags(&target, &options)?;
    let (_, document) = load_spec(&args.spec)?;
    let group = if args.offline {
        GroupKnowledge::Unread("--offline".to_owned())
    } else {
        read_group(context, &target, &options)?
    };
    let check = run(&document, &target, &options, group);
    let spec = args.spec.display().to_string();
    if args.json {
        let json = check.json(&spec, &target.to_string()).map_err(|e| Failure::usage(e.to_string()))?;
        writeln!(out, "{json}")?;
    } else {
        write!(out, "{}", check.human(&spec, &target.to_string()))?;
        writeln!(out, "{}", check.verdict_line())?;
    }
    Ok(if check.rejects_anything() { ExitStatus::Failures } else { ExitStatus::Ok }.code())
}

/// The check of `document` for `target` with the import's options.
pub fn run(document: &Document, target: &Target, options: &ImportOptions, group: GroupKnowledge) -> Check {
    let registration = provider::registration(target.provider());
    let mode =
        ImportMode { replace: (registration.replaces)(options), new_group: (registration.creates_group)(options) };
    check::check(document, target.provider(), group, mode)
}

/// What the target group holds, read from the cloud (for an import that creates its group, the
/// gateway's groups beside it). A group that does not exist stops here (the import would fail as
/// a whole); any other failure to read it is a note in the check.
pub fn read_group(context: &Context, target: &Target, options: &ImportOptions) -> Result<GroupKnowledge, Failure> {
    let clients = match clients(context, target) {
        Ok(clients) => clients,
        Err(failure) => return Ok(GroupKnowledge::Unread(failure.message)),
    };
    let client = clients.for_target(target).map_err(|e| Failure::usage(e.to_string()))?;
    let read = super::runtime()?.block_on(client.group_contents(target, options));
    match read {
        Ok(contents) => Ok(GroupKnowledge::Read(contents)),
        Err(error) if error.kind == FetchErrorKind::NotFound => Err(Failure::usage(format!(
            "{target}: the group does not exist ({}); check the target",
            sanitize::line(&error.to_string())
        ))),
        // The error's text starts with its kind ("auth: …").
        Err(error) => Ok(GroupKnowledge::Unread(sanitize::line(&error.to_string()).into_owned())),
    }
}
