//! What the event loop asks of the world outside the app: the [`Host`] trait and its errors.
//!
//! Owns the list of side effects that belong to other modules (saving the watch list, files,
//! the clipboard, notifications, handing the terminal over, imports) and [`EffectError`], the one
//! error type they report. The real terminal's host is [`super::TerminalHost`]; tests record.

use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::app::effect::{ImportRequest, RetrySpecRequest, SpecFit, WrittenRetrySpec};
use crate::app::{ExternalProgram, Notification};
use crate::domain::TaskRef;
use crate::openapi::{ErrorKind, OpenApiError};
use crate::retry_spec::RetrySpecError;

/// Why an effect did not happen. Its text is shown to the user as is.
#[derive(Debug, thiserror::Error)]
pub enum EffectError {
    /// A file could not be written (the path is the one that was tried).
    #[error("{}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// The spec a retry spec is made from could not be read or parsed.
    #[error(transparent)]
    Spec(#[from] OpenApiError),
    #[error(transparent)]
    RetrySpec(#[from] RetrySpecError),
    /// The watch list could not be saved, or the saver is gone.
    #[error("{0}")]
    Save(String),
    /// The pager or editor could not run.
    #[error("{0}")]
    External(String),
    /// This host cannot do that (a dashboard without clients cannot import).
    #[error("{0}")]
    Unavailable(&'static str),
}

impl EffectError {
    /// Why a spec cannot give the task's retry spec, in the words `R`'s prompt shows, naming the
    /// whole path; `None` when the spec is not the problem (a write failed, say).
    pub fn spec_problem(&self) -> Option<String> {
        match self {
            EffectError::Spec(e) if e.kind == ErrorKind::Io => {
                let reason = e.message.strip_prefix("cannot read the file: ").unwrap_or(&e.message);
                Some(format!("cannot read {}: {reason}", e.source_name))
            }
            EffectError::Spec(e) => Some(format!("not an OpenAPI spec oaswatch can use: {e}")),
            EffectError::RetrySpec(RetrySpecError::TooFewMatch { matched, total, .. }) => Some(format!(
                "only {matched} of the task's {total} failed subtasks are in it: it does not look like the spec this \
                 task imported"
            )),
            EffectError::RetrySpec(RetrySpecError::NoMatch(total)) => Some(format!(
                "none of the task's {total} failed subtasks is in it: it is not the spec this task imported"
            )),
            EffectError::RetrySpec(e @ RetrySpecError::NothingFailed) => Some(e.to_string()),
            _ => None,
        }
    }
}

/// Side effects that belong to other modules, implemented by the caller ([`super::TerminalHost`]
/// for the real terminal, a recorder in tests).
pub trait Host {
    /// Persist the watch list (store module).
    fn save_watchlist(&mut self, refs: &[TaskRef]) -> Result<(), EffectError>;
    /// Give the terminal back, stop the process, and take the terminal again once continued.
    fn suspend(&mut self) -> io::Result<()>;
    /// Put the terminal back in the dashboard's modes (raw, alternate screen, cursor hidden)
    /// after an outside stop; nothing to do where there is no terminal.
    fn reclaim_terminal(&mut self) -> io::Result<()> {
        Ok(())
    }
    /// Put text on the clipboard (OSC 52).
    fn copy_to_clipboard(&mut self, text: &str) -> io::Result<()>;
    /// Ring the bell and maybe raise a desktop notification.
    fn notify(&mut self, notification: &Notification) -> io::Result<()>;
    /// Create `name` in `dir` (mode 0600) without ever replacing a file: a taken name gets
    /// ` (1)`, ` (2)`… Returns the path written.
    fn write_file(&mut self, dir: &Path, name: &str, contents: &[u8]) -> Result<PathBuf, EffectError>;
    /// Show `text` in the user's pager or editor from a private temporary file named `*suffix`,
    /// with the terminal handed back to it meanwhile. A missing program names the variable to set.
    fn open_external(&mut self, program: ExternalProgram, text: &str, suffix: &str) -> Result<(), EffectError>;
    /// Read the spec, build the retry spec of the task and write it (never over a file). Returns
    /// where it went, how many operations it holds, and what the gateway's rules would still
    /// reject of it.
    fn write_retry_spec(&mut self, request: &RetrySpecRequest) -> Result<WrittenRetrySpec, EffectError> {
        let _ = request;
        Err(EffectError::Unavailable("retry specs cannot be written from here"))
    }
    /// What [`Host::write_retry_spec`] would write, without writing it: the check of `R`'s
    /// prompt as the path is typed.
    fn check_retry_spec(&mut self, request: &RetrySpecRequest) -> Result<SpecFit, EffectError> {
        let _ = request;
        Err(EffectError::Unavailable("retry specs cannot be checked from here"))
    }
    /// Start an import in the background; its outcome arrives on [`super::Inputs::background`].
    fn start_import(&mut self, request: ImportRequest) -> Result<(), EffectError> {
        let _ = request;
        Err(EffectError::Unavailable("imports cannot be started from here"))
    }
    /// The wall clock for `Action::Tick`; tests return a fixed or virtual time.
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}
