//! The effects host of the real terminal: what the dashboard's [`Effect`]s do outside the app.
//!
//! Owns carrying out effects: escape sequences for the clipboard and notifications (written by
//! [`tui::write_sequence`]), suspending and taking the terminal back through [`tui`], the watch
//! list saved through the closure the caller provides, report and export files ([`files`]),
//! retry specs, the pager and editor, and imports started in the background. Errors are
//! [`EffectError`]s. May not touch the app's state.
//!
//! [`Effect`]: crate::app::Effect

use std::io;
use std::path::{Path, PathBuf};

use super::files;
use super::host::{EffectError, Host};
use crate::app::effect::{ImportRequest, RetrySpecRequest, SpecFit, WrittenRetrySpec};
use crate::app::outputs::{safe_component, utc_stamp};
use crate::app::{ExternalProgram, Notification};
use crate::domain::TaskRef;
use crate::tui::external::{Choice, Programs};
use crate::tui::{self, NotifyProtocol, TuiOptions, notification_sequence, osc52_copy};

/// The [`Host`] for the real terminal: OSC sequences to stdout, suspend via [`suspend`], the
/// watch list saved through the closure the caller provides (the store module's save), files
/// written by [`files::write_new`], and the pager and editor run by [`open_external`].
pub struct TerminalHost<F> {
    options: TuiOptions,
    protocol: NotifyProtocol,
    save: F,
    programs: Programs,
    importer: Option<Importer>,
    labeller: Option<Labeller>,
}

/// Keeps a task's label in the watch list (the caller owns the store).
pub type Labeller = Box<dyn FnMut(&TaskRef, Option<&str>) -> Result<(), String> + Send>;

/// Starts an import in the background (the caller owns the clients and the runtime); its
/// outcome is sent to the event loop as an action.
pub type Importer = Box<dyn FnMut(ImportRequest) -> Result<(), String> + Send>;

impl<F> TerminalHost<F>
where
    F: FnMut(&[TaskRef]) -> Result<(), String>,
{
    pub fn new(options: TuiOptions, protocol: NotifyProtocol, save: F) -> TerminalHost<F> {
        let missing = |m: &str| Choice::Missing(m.to_owned());
        let programs =
            Programs { pager: missing("no pager configured"), editor: missing("no editor configured"), browser: None };
        TerminalHost { options, protocol, save, programs, importer: None, labeller: None }
    }

    /// How to start an import from the dashboard (`R`, then `y`).
    #[must_use]
    pub fn with_importer(mut self, importer: Importer) -> TerminalHost<F> {
        self.importer = Some(importer);
        self
    }

    /// How to keep labels given in the dashboard.
    #[must_use]
    pub fn with_labeller(mut self, labeller: Labeller) -> TerminalHost<F> {
        self.labeller = Some(labeller);
        self
    }

    /// The pager and editor, resolved by the caller from the environment ([`Programs::resolve`]).
    #[must_use]
    pub fn with_programs(mut self, programs: Programs) -> TerminalHost<F> {
        self.programs = programs;
        self
    }
}

impl<F> Host for TerminalHost<F>
where
    F: FnMut(&[TaskRef]) -> Result<(), String>,
{
    fn save_watchlist(&mut self, refs: &[TaskRef]) -> Result<(), EffectError> {
        (self.save)(refs).map_err(EffectError::Save)
    }

    fn save_label(&mut self, task_ref: &TaskRef, label: Option<&str>) -> Result<(), EffectError> {
        match self.labeller.as_mut() {
            Some(labeller) => labeller(task_ref, label).map_err(EffectError::Save),
            None => Ok(()),
        }
    }

    fn reclaim_terminal(&mut self) -> io::Result<()> {
        tui::reclaim(self.options)
    }

    fn suspend(&mut self) -> io::Result<()> {
        tui::suspend(self.options)
    }

    fn copy_to_clipboard(&mut self, text: &str) -> io::Result<()> {
        tui::write_sequence(&osc52_copy(text))
    }

    fn notify(&mut self, n: &Notification) -> io::Result<()> {
        tui::write_sequence(&notification_sequence(&n.title, &n.body, n.desktop, self.protocol))
    }

    fn write_file(&mut self, dir: &Path, name: &str, contents: &[u8]) -> Result<PathBuf, EffectError> {
        files::write_new(dir, name, contents).map_err(|source| EffectError::Write { path: dir.join(name), source })
    }

    fn open_external(&mut self, program: ExternalProgram, text: &str, suffix: &str) -> Result<(), EffectError> {
        tui::open_external(self.options, self.programs.get(program), program, text, suffix)
            .map_err(EffectError::External)
    }

    fn check_retry_spec(&mut self, request: &RetrySpecRequest) -> Result<SpecFit, EffectError> {
        let retry = retry_spec_of(request)?;
        Ok(SpecFit { operations: retry.operations.len(), missing: retry.unmatched.len() })
    }

    fn write_retry_spec(&mut self, request: &RetrySpecRequest) -> Result<WrittenRetrySpec, EffectError> {
        let retry = retry_spec_of(request)?;
        let extension = request
            .spec
            .extension()
            .and_then(|e| e.to_str())
            .filter(|e| matches!(e.to_ascii_lowercase().as_str(), "json" | "yaml" | "yml"));
        let name = format!(
            "retry-{}-{}.{}",
            safe_component(request.task.task_ref.task_id(), "task"),
            utc_stamp(std::time::SystemTime::now()),
            extension.unwrap_or("json")
        );
        let path = files::write_new(&request.dir, &name, retry.text.as_bytes())
            .map_err(|source| EffectError::Write { path: request.dir.join(&name), source })?;
        let precheck = precheck(request, &retry.text, &name);
        Ok(WrittenRetrySpec { path, operations: retry.operations.len(), precheck })
    }

    fn open_in_browser(&mut self, url: &str) -> Result<Option<String>, EffectError> {
        let Some(browser) = self.programs.browser.clone() else { return Ok(None) };
        // `$BROWSER` may hold arguments ("firefox --new-tab"); the address is one more, never
        // through a shell. It runs detached from the terminal: nothing it prints reaches the screen.
        let mut words = browser.split_whitespace();
        let program = words.next().unwrap_or_default();
        std::process::Command::new(program)
            .args(words)
            .arg(url)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .map_err(|e| EffectError::External(format!("$BROWSER ({browser}) could not start: {e}")))?;
        Ok(Some(browser))
    }

    fn start_import(&mut self, request: ImportRequest) -> Result<(), EffectError> {
        match self.importer.as_mut() {
            Some(importer) => importer(request).map_err(EffectError::Save),
            None => Err(EffectError::Unavailable("imports cannot be started from this dashboard")),
        }
    }
}

/// The retry spec `request` asks for, from the spec at its path (`~/` is the home directory, as
/// a shell would read it).
fn retry_spec_of(request: &RetrySpecRequest) -> Result<crate::retry_spec::RetrySpec, EffectError> {
    let document = crate::openapi::load(&home_expanded(&request.spec))?;
    Ok(crate::retry_spec::build(&request.task, &document, crate::retry_spec::RetryOptions::default())?)
}

fn home_expanded(path: &Path) -> PathBuf {
    match (path.strip_prefix("~"), directories::BaseDirs::new()) {
        (Ok(rest), Some(dirs)) => dirs.home_dir().join(rest),
        _ => path.to_path_buf(),
    }
}

/// What the gateway's documented rules would still reject of a retry spec imported the way the
/// offer imports it (replacing what the group has), without reading the group: a retry that
/// repeats a failure the spec itself causes (a duplicate name, a cookie parameter) is said
/// before `y`, not found ten minutes later.
fn precheck(request: &RetrySpecRequest, text: &str, name: &str) -> Option<String> {
    let document = crate::openapi::parse(text, name).ok()?;
    let unread = crate::check::GroupKnowledge::Unread("the dashboard does not read the group".to_owned());
    // The offer imports into the task's group, replacing.
    let mode = crate::check::ImportMode { replace: true, new_group: false };
    let check = crate::check::check(&document, request.task.task_ref.provider(), unread, mode);
    let summary = check.summary();
    if summary.rejected + summary.cancelled == 0 {
        return None;
    }
    let cause = check.groups.first().map(|g| format!("; biggest cause: {} — e.g. {}", g.signature, g.example));
    Some(crate::sanitize::line(&format!("{}{}", check.verdict_line(), cause.unwrap_or_default())).into_owned())
}
