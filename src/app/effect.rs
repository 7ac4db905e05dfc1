//! What `App::update` asks the outside world to do.
//!
//! Owns the [`Effect`] enum. The runtime executes effects (sends poll commands, saves, writes
//! OSC sequences, suspends); the app only describes them, so it stays pure and testable.

use std::path::PathBuf;

use crate::domain::{Target, Task, TaskRef, TaskState};
use crate::failure_report::Format;
use crate::poller::PollCmd;

/// A side effect requested by `update`, executed by the runtime in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    Poll(PollCmd),
    /// The watch list changed; persist it (the store module owns the format).
    SaveWatchlist(Vec<TaskRef>),
    /// Put this text on the clipboard (OSC 52). Already sanitised: no control characters.
    CopyToClipboard(String),
    /// Ring the bell and, if asked, raise a desktop notification.
    Notify(Notification),
    /// Give the terminal back to the shell (Ctrl-Z); the runtime sends `Action::Resumed` after.
    Suspend,
    /// The process was stopped and continued by someone else (`kill -STOP`, then `-CONT`), and the
    /// shell may have put the terminal back in cooked mode meanwhile: take it again and repaint.
    ReclaimTerminal,
    /// Write a new file (never over an existing one); the runtime answers with
    /// `Action::FileWritten` or `Action::EffectFailed`.
    WriteFile(FileWrite),
    /// Show text in the user's pager or editor with the terminal handed over meanwhile; the
    /// runtime repaints everything afterwards.
    OpenExternal(ExternalOpen),
    /// Write the retry spec of a task (only its failed operations) next to the reports; the
    /// runtime answers with `Action::RetrySpecWritten` or `Action::EffectFailed`.
    WriteRetrySpec(RetrySpecRequest),
    /// Check that a spec path typed at `R`'s prompt can be read and matches the task, without
    /// writing anything; the runtime answers with `Action::SpecPathChecked`.
    CheckRetrySpec {
        text: String,
        request: RetrySpecRequest,
    },
    /// Start importing a spec in the background; the outcome comes back as
    /// `Action::ImportStarted` or `Action::EffectFailed`.
    StartImport(ImportRequest),
    Quit,
}

/// A file for the host to create: a failure report or a task's exported document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileWrite {
    /// From the options (`$OASWATCH_REPORT_DIR` or the working directory, resolved by the caller).
    pub dir: PathBuf,
    /// One path component, already made safe; the host adds ` (1)` when it is taken.
    pub name: String,
    pub contents: String,
    pub what: WriteKind,
}

/// What a written file is, for the message that says where it went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteKind {
    Report(Format),
    Export,
}

impl WriteKind {
    /// `report written to …` / `export saved to …`.
    pub fn done(self) -> &'static str {
        match self {
            WriteKind::Report(_) => "report written to",
            WriteKind::Export => "export saved to",
        }
    }

    /// For `could not …` when writing failed.
    pub fn failure(self) -> &'static str {
        match self {
            WriteKind::Report(_) => "write the report",
            WriteKind::Export => "save the export",
        }
    }
}

/// Text to open in an outside program.
/// What the host needs to write a retry spec: the task as it is, the spec it imported, and
/// where to put the result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetrySpecRequest {
    pub task: Box<Task>,
    pub spec: PathBuf,
    pub dir: PathBuf,
}

/// A retry spec the host wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenRetrySpec {
    pub path: PathBuf,
    pub operations: usize,
    /// What the gateway's documented rules say of it, checked without reading the group, when
    /// something would still be rejected ("2 of 47 items would not be imported; …").
    pub precheck: Option<String>,
}

/// How a spec fits a task's failures: what a retry spec made from it would hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpecFit {
    /// Operations the retry spec would hold.
    pub operations: usize,
    /// Failed subtasks of the task that the spec does not have.
    pub missing: usize,
}

/// Import `spec` into `target` (and `group` on Huawei), overwriting what exists: a retry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRequest {
    pub spec: PathBuf,
    pub target: Target,
    pub group: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalOpen {
    pub program: ExternalProgram,
    /// Already sanitised (what the viewer shows): no escape can reach the terminal through a pager.
    pub text: String,
    /// File name suffix for the temporary file (`.txt`, `.json`), so editors pick a syntax.
    pub suffix: String,
}

/// Which outside program; the host resolves it (`$PAGER`, `$VISUAL`/`$EDITOR`, fallbacks).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExternalProgram {
    Pager,
    Editor,
}

impl ExternalProgram {
    pub fn failure(self) -> &'static str {
        match self {
            ExternalProgram::Pager => "open the pager",
            ExternalProgram::Editor => "open the editor",
        }
    }
}

/// A task finished, or showed its first failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub task_ref: TaskRef,
    pub kind: NotifyKind,
    /// Short, our own words only (no server text), safe for an OSC payload after escaping.
    pub title: String,
    pub body: String,
    /// Also send OSC 777/9 (desktop notification), not only the bell.
    pub desktop: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotifyKind {
    Finished(TaskState),
    FirstFailure,
}
