//! Saved snapshots still unparsed: the watch list file's text and where each snapshot is in it.
//!
//! Reading 100 saved tasks of 1,000 subtasks fully takes ~50 ms, reading past their snapshots
//! ~10 ms; the dashboard draws its first frame in between and parses the rest on a worker,
//! giving the file's text back as it goes.

use std::ops::Range;

use serde_json::value::RawValue;

use super::WatchEntry;
use crate::domain::{Task, TaskRef};

/// The snapshots of a watch list, parsed one by one when asked for.
#[derive(Debug, Default)]
pub struct SavedSnapshots {
    text: String,
    spans: Vec<(TaskRef, Range<usize>)>,
}

impl SavedSnapshots {
    pub(super) fn new(text: String, spans: Vec<(TaskRef, Range<usize>)>) -> SavedSnapshots {
        SavedSnapshots { text, spans }
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// The tasks whose snapshots are still to be parsed.
    pub fn task_refs(&self) -> impl Iterator<Item = &TaskRef> {
        self.spans.iter().map(|(r, _)| r)
    }

    /// Whether a snapshot of this task is still to be parsed.
    pub fn contains(&self, task_ref: &TaskRef) -> bool {
        self.spans.iter().any(|(r, _)| r == task_ref)
    }

    /// Parses the snapshot of this task now and forgets it; `None` if there is none.
    pub fn take(&mut self, task_ref: &TaskRef) -> Option<Result<Task, String>> {
        let at = self.spans.iter().position(|(r, _)| r == task_ref)?;
        let (_, span) = self.spans.remove(at);
        Some(parse(&self.text, span))
    }

    /// Every remaining snapshot, parsed last in the file first: after each, the text is cut
    /// short before it, and every few MB the cut-off part is given back (glibc shrinks a block
    /// this large in place), so the text and the tasks built from it are not resident together.
    pub fn into_parsed(self) -> impl Iterator<Item = (TaskRef, Result<Task, String>)> {
        let SavedSnapshots { mut text, spans } = self;
        spans.into_iter().rev().map(move |(task_ref, span)| {
            let start = span.start;
            let task = parse(&text, span);
            text.truncate(start);
            if text.capacity() - text.len() >= GIVE_BACK_EVERY {
                text.shrink_to_fit();
            }
            (task_ref, task)
        })
    }
}

/// How much parsed text is given back at a time: shrinking copies nothing, but each call is a
/// system call.
const GIVE_BACK_EVERY: usize = 2 * 1024 * 1024;

fn parse(text: &str, span: Range<usize>) -> Result<Task, String> {
    let json = text.get(span).ok_or("it is not where it was found")?;
    serde_json::from_str(json).map_err(|e| e.to_string())
}

/// The entries without their snapshots, and where each snapshot is in `text`, which the
/// snapshots were borrowed from.
pub(super) fn split(text: &str, read: Vec<WatchEntry<&RawValue>>) -> (Vec<WatchEntry>, Vec<(TaskRef, Range<usize>)>) {
    let base = text.as_ptr().addr();
    let mut spans = Vec::new();
    let entries = read
        .into_iter()
        .map(|entry| {
            if let Some(raw) = entry.snapshot {
                let start = raw.get().as_ptr().addr() - base;
                spans.push((entry.task_ref.clone(), start..start + raw.get().len()));
            }
            entry.map_snapshot(|_| None)
        })
        .collect();
    (entries, spans)
}

/// What the user is told about a snapshot that could not be parsed.
pub fn unreadable_snapshot(task_ref: &TaskRef, error: &str) -> String {
    format!("the saved snapshot of {task_ref} could not be read ({error}); the task is fetched again instead")
}
