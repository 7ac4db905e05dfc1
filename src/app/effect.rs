//! What `App::update` asks the outside world to do.
//!
//! Owns the [`Effect`] enum. The runtime executes effects (sends poll commands, saves, writes
//! OSC sequences, suspends); the app only describes them, so it stays pure and testable.

use crate::domain::{TaskRef, TaskState};
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
    Quit,
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
