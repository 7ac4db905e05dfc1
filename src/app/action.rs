//! Everything that can happen to the dashboard, as plain data.
//!
//! Owns the [`Action`] enum that `App::update` consumes, the named [`Command`]s keys map to, and
//! the small input types for mouse and signals. May not know crossterm's types beyond what the
//! keymap translates, nor do anything: these are values.

use std::fmt;
use std::path::PathBuf;
use std::time::SystemTime;

use super::effect::{SpecFit, WriteKind};
use crate::domain::{Task, TaskRef};
use crate::poller::Polled;

/// One input to [`crate::app::App::update`].
#[derive(Debug, Clone)]
pub enum Action {
    /// A key (or key chord) resolved by the keymap to a named command.
    Command(Command),
    /// A printable character typed while the input line is open.
    Insert(char),
    /// Text pasted while the input line is open (only with bracketed paste; line breaks dropped).
    Paste(String),
    /// A fetch result from the poller.
    Polled(Polled),
    /// The wall clock, once a second while something on screen counts seconds.
    Tick(SystemTime),
    /// The terminal's size changed (also sent once at start-up).
    Resize {
        w: u16,
        h: u16,
    },
    Mouse(MouseInput),
    /// The process received a termination signal; the dashboard quits cleanly.
    Signal(Signal),
    /// The process came back from Ctrl-Z.
    Resumed,
    /// A side effect the runtime ran for us failed (saving the watch list, copying…).
    EffectFailed {
        what: &'static str,
        error: String,
    },
    /// A report or an exported file was written; `path` is where it really went (the host
    /// never overwrites, so it may carry a ` (1)` the app did not choose).
    FileWritten {
        what: WriteKind,
        path: PathBuf,
    },
    /// The retry spec of `task_ref` was written to `path`.
    RetrySpecWritten {
        task_ref: TaskRef,
        path: PathBuf,
        operations: usize,
        /// What would still be rejected, by the rules alone (see `WrittenRetrySpec`).
        precheck: Option<String>,
    },
    /// The host's verdict on a spec path as typed at `R`'s prompt (`text` is what was checked).
    SpecPathChecked {
        text: String,
        verdict: Result<SpecFit, String>,
    },
    /// The retry spec of `task_ref` could not be made from `spec` (unreadable, not OpenAPI, not
    /// this task's spec); `problem` says why, naming the whole path.
    RetrySpecRefused {
        task_ref: TaskRef,
        spec: PathBuf,
        problem: String,
    },
    /// A background import started: watch the new task.
    ImportStarted {
        task_ref: TaskRef,
    },
    /// A saved snapshot was parsed after the first frame (or could not be: the error says why).
    SnapshotRead {
        task_ref: TaskRef,
        task: Result<Task, String>,
    },
}

/// A named thing a key can do. The names are what the config file's `[keys]` table uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Command {
    Quit,
    /// Ctrl-C: quit like a shell interrupt (exit code 130), wherever the user is.
    Interrupt,
    /// Write a spec of only the failed operations and offer to import it.
    RetrySpec,
    Suspend,
    Help,
    FocusNext,
    FocusPrev,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Enter,
    Back,
    Left,
    Right,
    NextFailure,
    PrevFailure,
    NextFailedTask,
    PrevFailedTask,
    Add,
    Remove,
    Refresh,
    RefreshAll,
    Pause,
    Filter,
    FailuresOnly,
    CycleSort,
    OpenError,
    Copy,
    ToggleWrap,
    ToggleRaw,
    Submit,
    Cancel,
    Backspace,
    DeleteForward,
    CursorLeft,
    CursorRight,
    CursorHome,
    CursorEnd,
    ClearInput,
    DeleteWord,
    Confirm,
    Deny,
    /// The failure groups tab of the subtask pane (`F`), from anywhere.
    Groups,
    /// In the groups tab: the values the selected group's variables took (`v`).
    Values,
    /// Ask for a failure report of the selected task (`x`).
    Report,
    ChangesOnly,
    OpenPager,
    OpenEditor,
    SaveExport,
    ReportMarkdown,
    ReportCsv,
    ReportJson,
}

impl Command {
    pub const ALL: [Command; 55] = [
        Command::Quit,
        Command::Interrupt,
        Command::RetrySpec,
        Command::Suspend,
        Command::Help,
        Command::FocusNext,
        Command::FocusPrev,
        Command::Up,
        Command::Down,
        Command::PageUp,
        Command::PageDown,
        Command::Top,
        Command::Bottom,
        Command::Enter,
        Command::Back,
        Command::Left,
        Command::Right,
        Command::NextFailure,
        Command::PrevFailure,
        Command::NextFailedTask,
        Command::PrevFailedTask,
        Command::Add,
        Command::Remove,
        Command::Refresh,
        Command::RefreshAll,
        Command::Pause,
        Command::Filter,
        Command::FailuresOnly,
        Command::CycleSort,
        Command::OpenError,
        Command::Copy,
        Command::ToggleWrap,
        Command::ToggleRaw,
        Command::Submit,
        Command::Cancel,
        Command::Backspace,
        Command::DeleteForward,
        Command::CursorLeft,
        Command::CursorRight,
        Command::CursorHome,
        Command::CursorEnd,
        Command::ClearInput,
        Command::DeleteWord,
        Command::Confirm,
        Command::Deny,
        Command::Groups,
        Command::Values,
        Command::Report,
        Command::ChangesOnly,
        Command::OpenPager,
        Command::OpenEditor,
        Command::SaveExport,
        Command::ReportMarkdown,
        Command::ReportCsv,
        Command::ReportJson,
    ];

    /// The action name used in the config file (`next-failure = "x"`).
    pub fn name(self) -> &'static str {
        match self {
            Command::Quit => "quit",
            Command::Interrupt => "interrupt",
            Command::RetrySpec => "retry-spec",
            Command::Suspend => "suspend",
            Command::Help => "help",
            Command::FocusNext => "focus-next",
            Command::FocusPrev => "focus-prev",
            Command::Up => "up",
            Command::Down => "down",
            Command::PageUp => "page-up",
            Command::PageDown => "page-down",
            Command::Top => "top",
            Command::Bottom => "bottom",
            Command::Enter => "enter",
            Command::Back => "back",
            Command::Left => "left",
            Command::Right => "right",
            Command::NextFailure => "next-failure",
            Command::PrevFailure => "prev-failure",
            Command::NextFailedTask => "next-failed-task",
            Command::PrevFailedTask => "prev-failed-task",
            Command::Add => "add",
            Command::Remove => "remove",
            Command::Refresh => "refresh",
            Command::RefreshAll => "refresh-all",
            Command::Pause => "pause",
            Command::Filter => "filter",
            Command::FailuresOnly => "failures-only",
            Command::CycleSort => "sort",
            Command::OpenError => "error",
            Command::Copy => "copy",
            Command::ToggleWrap => "wrap",
            Command::ToggleRaw => "raw",
            Command::Submit => "submit",
            Command::Cancel => "cancel",
            Command::Backspace => "backspace",
            Command::DeleteForward => "delete",
            Command::CursorLeft => "cursor-left",
            Command::CursorRight => "cursor-right",
            Command::CursorHome => "cursor-home",
            Command::CursorEnd => "cursor-end",
            Command::ClearInput => "clear-input",
            Command::DeleteWord => "delete-word",
            Command::Confirm => "confirm",
            Command::Deny => "deny",
            Command::Groups => "groups",
            Command::Values => "values",
            Command::Report => "report",
            Command::ChangesOnly => "changes-only",
            Command::OpenPager => "pager",
            Command::OpenEditor => "editor",
            Command::SaveExport => "save-export",
            Command::ReportMarkdown => "report-markdown",
            Command::ReportCsv => "report-csv",
            Command::ReportJson => "report-json",
        }
    }

    pub fn from_name(name: &str) -> Option<Command> {
        Command::ALL.into_iter().find(|c| c.name() == name)
    }

    /// What the command does, for the help overlay and the footer.
    pub fn describe(self) -> &'static str {
        match self {
            Command::Quit => "quit",
            Command::Interrupt => "quit with exit code 130",
            Command::RetrySpec => "retry spec: only the failed operations, then offer to import it",
            Command::Suspend => "suspend to the shell (fg to return)",
            Command::Help => "help for this pane",
            Command::FocusNext => "next pane",
            Command::FocusPrev => "previous pane",
            Command::Up => "up",
            Command::Down => "down",
            Command::PageUp => "page up",
            Command::PageDown => "page down",
            Command::Top => "first row / top",
            Command::Bottom => "last row / bottom",
            Command::Enter => "open / drill in",
            Command::Back => "back / clear filter",
            Command::Left => "left / back",
            Command::Right => "right / drill in",
            Command::NextFailure => "next failure",
            Command::PrevFailure => "previous failure",
            Command::NextFailedTask => "next task with failures",
            Command::PrevFailedTask => "previous task with failures",
            Command::Add => "add a task",
            Command::Remove => "remove the task",
            Command::Refresh => "refresh this task now",
            Command::RefreshAll => "refresh all tasks now",
            Command::Pause => "pause / resume polling",
            Command::Filter => "filter subtasks",
            Command::FailuresOnly => "failures only on/off",
            Command::CycleSort => "cycle sort order",
            Command::OpenError => "error details",
            Command::Copy => "copy to clipboard",
            Command::ToggleWrap => "wrap on/off",
            Command::ToggleRaw => "raw JSON on/off",
            Command::Submit => "accept",
            Command::Cancel => "cancel",
            Command::Backspace => "delete back",
            Command::DeleteForward => "delete forward",
            Command::CursorLeft => "cursor left",
            Command::CursorRight => "cursor right",
            Command::CursorHome => "start of line",
            Command::CursorEnd => "end of line",
            Command::ClearInput => "clear the line",
            Command::DeleteWord => "delete word back",
            Command::Confirm => "yes",
            Command::Deny => "no",
            Command::Groups => "failure groups (biggest cause first)",
            Command::Values => "the values of the group's variables on/off",
            Command::Report => "write a failure report to a file",
            Command::ChangesOnly => "changed subtasks only on/off",
            Command::OpenPager => "open the text in $PAGER",
            Command::OpenEditor => "open the text in $VISUAL / $EDITOR",
            Command::SaveExport => "save the exported file",
            Command::ReportMarkdown => "Markdown report",
            Command::ReportCsv => "CSV report",
            Command::ReportJson => "JSON report",
        }
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A mouse event, reduced to what the dashboard uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MouseInput {
    pub kind: MouseKind,
    pub column: u16,
    pub row: u16,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MouseKind {
    ScrollUp,
    ScrollDown,
    /// Left button pressed.
    Click,
}

/// A signal from outside the process, as the dashboard reacts to it.
///
/// Most end the dashboard through the normal path, so the terminal is restored first, and the
/// caller exits with 128 + the number. `Stop` (SIGTSTP, `kill -TSTP`) suspends like Ctrl-Z;
/// `Continue` (SIGCONT after a `kill -STOP`, which nothing can catch) takes the terminal back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Signal {
    Hangup,
    Interrupt,
    Quit,
    Terminate,
    /// Another signal whose default action ends the process (SIGUSR1, SIGALRM …), by its number;
    /// `tui::signal_stream` lists them.
    Ending(i32),
    Stop,
    Continue,
}

impl Signal {
    /// The signal number behind the exit code (the first four are the same on every POSIX
    /// system). `Stop` and `Continue` never end the dashboard and have none: 0.
    pub fn number(self) -> i32 {
        match self {
            Signal::Hangup => 1,
            Signal::Interrupt => 2,
            Signal::Quit => 3,
            Signal::Terminate => 15,
            Signal::Ending(number) => number,
            Signal::Stop | Signal::Continue => 0,
        }
    }

    /// Whether the dashboard quits on it (everything but `Stop` and `Continue`).
    pub fn ends(self) -> bool {
        !matches!(self, Signal::Stop | Signal::Continue)
    }

    /// The exit code a shell expects after this signal.
    pub fn exit_code(self) -> u8 {
        u8::try_from(128 + self.number()).unwrap_or(u8::MAX)
    }

    pub fn name(self) -> &'static str {
        match self {
            Signal::Hangup => "SIGHUP",
            Signal::Interrupt => "SIGINT",
            Signal::Quit => "SIGQUIT",
            Signal::Terminate => "SIGTERM",
            Signal::Ending(_) => "a signal that ends a process",
            Signal::Stop => "SIGTSTP",
            Signal::Continue => "SIGCONT",
        }
    }
}
