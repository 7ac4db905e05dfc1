//! The dashboard's state and its pure update function.
//!
//! Owns [`App`] (watched tasks in order with their last good snapshot, freshness and fetch
//! errors; selection, focus, per-task subtask views and failure analysis, the error viewer, the
//! input line, dialogs, flash messages, pause, viewport size and `now`) and
//! `update(Action) -> Vec<Effect>`.
//! May not do I/O or async, spawn, read the clock or the environment, or draw: time arrives in
//! `Action::Tick`/`Polled.at`, and everything the outside must do leaves as an [`Effect`].

pub mod action;
mod clipboard;
pub mod columns;
mod commands;
pub mod effect;
mod failures;
#[cfg(test)]
pub(crate) mod fixtures;
pub mod input;
pub mod insight;
pub mod keyhelp;
pub mod keymap;
pub mod labels;
pub mod layout;
mod mouse;
mod navigation;
pub mod outputs;
pub mod overlay;
mod polling;
pub mod prepare;
pub mod retry;
pub mod session;
pub mod subtask_view;
pub mod task_filter;
pub mod viewer;
mod viewing;

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use ratatui::layout::Rect;

use crate::analysis::ChangeTracker;
use crate::config::ThemeName;
use crate::domain::{FetchError, Subtask, Task, TaskRef};
use crate::poller::{PollCmd, Share};
pub use action::{Action, Command, MouseInput, MouseKind, Signal};
pub use effect::{Effect, ExternalOpen, ExternalProgram, FileWrite, Notification, NotifyKind, WriteKind};
use insight::{Insight, Tab};
use keymap::{KeyContext, Keymap};
pub use layout::Focus;
use layout::{LayoutInput, Panes};
pub use polling::coalesce;
use subtask_view::SubtaskView;
use viewer::Viewer;

/// Finds the provider's own JSON for one subtask in `task.raw_body` (the provider module's
/// `raw_item_json`). A plain function so the app stays pure and the provider stays optional.
pub type RawItemJson = fn(&Task, &Subtask) -> Option<String>;

/// How the dashboard tells you that something happened while you looked elsewhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NotifyMode {
    Off,
    /// Terminal bell only.
    Bell,
    /// Bell plus an OSC 777/9 desktop notification.
    #[default]
    Desktop,
}

/// Start-up choices, from the config file and flags.
#[derive(Debug, Clone)]
pub struct AppOptions {
    pub theme: ThemeName,
    /// The poller's normal interval; data older than three of these is marked stale.
    pub poll_interval: Duration,
    pub notify: NotifyMode,
    pub keymap: Keymap,
    /// Wire to `provider::raw_item_json`; without it the raw view shows our normalised JSON.
    pub raw_item_json: Option<RawItemJson>,
    /// Where reports and exported files go: `$OASWATCH_REPORT_DIR` or the working directory,
    /// resolved (and made absolute) by the caller, since the app reads no environment.
    pub output_dir: PathBuf,
}

impl Default for AppOptions {
    fn default() -> Self {
        AppOptions {
            theme: ThemeName::Dark,
            poll_interval: Duration::from_secs(5),
            notify: NotifyMode::default(),
            keymap: Keymap::default(),
            raw_item_json: None,
            output_dir: PathBuf::from("."),
        }
    }
}

/// One watched task.
#[derive(Debug, Clone)]
pub struct Entry {
    pub task_ref: TaskRef,
    /// A name for humans ("shop-2.0.json → group acme-shop", "retry: …"), from the watch list.
    pub label: Option<String>,
    /// The last good snapshot (possibly loaded from disk at start-up).
    pub task: Option<Task>,
    /// `task` came from a saved snapshot and has not been confirmed by a fetch yet.
    pub from_snapshot: bool,
    /// The saved snapshot is still being parsed (after the first frame, on a worker).
    pub reading_snapshot: bool,
    /// When the last successful fetch arrived.
    pub updated_at: Option<SystemTime>,
    /// The first successful fetch in this session, for the elapsed time.
    pub first_seen: Option<SystemTime>,
    /// When the task was first seen finished.
    pub finished_at: Option<SystemTime>,
    pub last_error: Option<FetchError>,
    /// Since when fetching has been failing (reset by the next success).
    pub error_since: Option<SystemTime>,
    /// `Polled.at` of the last message applied, to drop older ones that arrive late.
    pub last_polled_at: Option<SystemTime>,
    /// When the poller said it will fetch again; `None` when it stopped.
    pub next_poll_at: Option<SystemTime>,
    pub view: SubtaskView,
    /// Failure groups, changes since last looked, rate and ETA, and the groups tab.
    pub insight: Insight,
    /// Whether the poller has this task, which decides what a refresh asks of it.
    pub polling: Polling,
    /// Left out of the task list by its filter (then it takes no rows).
    pub hidden: bool,
    /// When it joined the list, for the list's "added" order.
    pub added: u64,
    announced: Announced,
}

/// Whether the poller has a task. A finished task reopened from its saved snapshot is not
/// handed to the poller (its data is final); a refresh of it is one fetch
/// ([`crate::poller::PollCmd::Refresh`] of a task the poller does not have), after which the
/// poller has it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Polling {
    /// The poller schedules it (or keeps it, finished, for the next refresh).
    Watched,
    /// Not handed to the poller: its saved snapshot is final.
    Idle,
}

/// What has been announced for a task, so each notification goes out once.
#[derive(Debug, Clone, Copy, Default)]
struct Announced {
    /// Transitions are notified only against a known earlier state (see `polling`).
    baseline_known: bool,
    finish: bool,
    failure: bool,
}

impl Entry {
    fn new(task_ref: TaskRef, task: Option<Task>, baseline_known: bool) -> Entry {
        let mut view = SubtaskView::default();
        if let Some(t) = &task {
            view.rebuild(&t.subtasks, None);
        }
        let finished = task.as_ref().is_some_and(Task::is_finished);
        let failing = task.as_ref().is_some_and(|t| problems(t) > 0);
        let insight = Insight::new(task_ref.provider(), task.as_ref());
        Entry {
            task_ref,
            label: None,
            from_snapshot: task.is_some(),
            reading_snapshot: false,
            announced: Announced {
                baseline_known: baseline_known || task.is_some(),
                finish: finished,
                failure: failing,
            },
            task,
            updated_at: None,
            first_seen: None,
            finished_at: None,
            last_error: None,
            error_since: None,
            last_polled_at: None,
            next_poll_at: None,
            view,
            insight,
            polling: if finished { Polling::Idle } else { Polling::Watched },
            hidden: false,
            added: 0,
        }
    }

    pub fn is_finished(&self) -> bool {
        self.task.as_ref().is_some_and(Task::is_finished)
    }

    /// How messages name the task: its label, else its short reference.
    pub fn display_name(&self) -> String {
        match self.label.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
            Some(label) => format!("\"{}\"", crate::sanitize::line(label)),
            None => self.task_ref.short(),
        }
    }

    /// Columns the widest of this task's list lines wants (see `ui::task_list`): the state,
    /// the label and the short reference; the gauge and the counts.
    pub fn row_width(&self) -> usize {
        use unicode_width::UnicodeWidthStr as _;
        let label = self.label.as_deref().map_or(0, |l| crate::sanitize::line(l).width() + 2);
        let reference = self.task_ref.provider().to_string().width() + 1 + self.task_ref.short().width();
        // A task still running also shows its rate and ETA on the first line, and its age,
        // freshness and next poll on the second ("⏱ 3m · updated 12s ago · next in 4s").
        let running = !self.is_finished();
        let first = 12 + label + reference + if running { 26 } else { 0 };
        let tail = if running {
            40
        } else if self.from_snapshot {
            16
        } else {
            10
        };
        let second = self.task.as_ref().map_or(30, |t| {
            let counts: usize = 2 * t.counts.total.to_string().len() + 1 + 6 * 4;
            7 + 18 + 1 + counts + tail
        });
        first.max(second)
    }

    /// Failed plus cancelled subtasks, the number `n` jumps between.
    pub fn problem_count(&self) -> u32 {
        self.task.as_ref().map_or(0, problems)
    }

    /// Data shown may no longer be true: the last fetch failed, it is only a saved snapshot,
    /// or no update came for more than three poll intervals while the task was unfinished.
    pub fn is_stale(&self, now: SystemTime, poll_interval: Duration, paused: bool) -> bool {
        if self.task.is_none() {
            return false;
        }
        if self.last_error.is_some() {
            return true;
        }
        // A finished task's saved snapshot is its final state, not an old view of a moving one.
        if self.from_snapshot {
            return !self.is_finished();
        }
        if paused || self.is_finished() {
            return false;
        }
        self.updated_at.is_some_and(|t| labels::since(now, t) > poll_interval.saturating_mul(3))
    }

    /// Rate and ETA, while they mean something: not for data that is not being refreshed (a
    /// fetch error, a saved snapshot, paused polling, answers overdue), where "stalled" would
    /// blame the task for what the connection did.
    pub fn progress_label(
        &self,
        now: SystemTime,
        poll_interval: Duration,
        paused: bool,
    ) -> Option<labels::ProgressLabel> {
        // A saved snapshot not fetched since has no rate: nothing was seen to move.
        let only_saved = self.from_snapshot && self.updated_at.is_none();
        if self.task.is_none() || paused || only_saved || self.is_stale(now, poll_interval, paused) {
            return None;
        }
        labels::progress(self.insight.progress().eta(now), self.task_ref.provider(), now)
    }

    /// Whether the subtask tab opens with the activity line (sparkline, rate, ETA): while the
    /// task runs, and afterwards if this session saw it progress.
    pub fn shows_activity(&self) -> bool {
        let progress = self.insight.progress();
        match &self.task {
            None => false,
            Some(_) if progress.is_empty() => false,
            Some(task) if task.is_finished() => progress.reports_subtask_progress() && progress.len() >= 2,
            Some(_) => true,
        }
    }

    /// Whether the task has an exported document to show and save.
    pub fn has_export(&self) -> bool {
        self.task.as_ref().is_some_and(|t| t.export.is_some())
    }

    /// Rows this entry takes in the task list: two, plus one naming what a finished task left
    /// unfinished, plus one for a fetch error's reason.
    pub fn height(&self) -> u16 {
        if self.hidden {
            return 0;
        }
        let task = self.task.as_ref();
        let stragglers = task.is_some_and(|t| t.is_finished() && t.counts.running + t.counts.waiting > 0);
        let warned = task.is_some_and(|t| !t.warnings.is_empty());
        2 + u16::from(stragglers) + u16::from(self.last_error.is_some() || warned)
    }

    /// Whether the data shown is as fresh as polling allows: the last answer was good and the
    /// next poll is not overdue (beyond the moment its request is in flight). Such a row says
    /// "live" instead of counting the seconds since its last answer.
    pub fn is_fresh(&self, now: SystemTime, paused: bool) -> bool {
        !paused
            && self.last_error.is_none()
            && self.updated_at.is_some()
            && self.next_poll_at.is_some_and(|due| labels::since(now, due) <= LATE_AFTER)
    }

    /// The time labels drawn for this entry; the tick compares them to know when to redraw.
    ///
    /// A label counts seconds only where the seconds are news: how late an overdue answer is,
    /// the countdown to a retry or to a poll that is late, how long a fetch has been failing. A
    /// healthy row changes at most once a minute ("⏱ 3m", "live"), so 100 rows of running tasks
    /// polled every few seconds are not redrawn every second (issue 7, target 3).
    pub fn time_labels(&self, now: SystemTime, paused: bool) -> TimeLabels {
        let finished = self.is_finished();
        // Seen finished on the first look: how long it ran is unknown, so say nothing.
        let elapsed = self.first_seen.filter(|start| self.finished_at.is_none_or(|end| end > *start)).map(|start| {
            let ran = labels::since(self.finished_at.unwrap_or(now), start);
            if finished { labels::duration(ran) } else { labels::running_for(ran) }
        });
        let fresh = self.is_fresh(now, paused);
        // A finished task's age does not matter and would make the screen change every second.
        let updated = if finished && self.last_error.is_none() {
            None
        } else if fresh {
            Some("live".to_owned())
        } else {
            self.updated_at.map(|t| format!("updated {} ago", labels::duration(labels::since(now, t))))
        };
        let next = if paused {
            None
        } else {
            self.next_poll_at.and_then(|t| match labels::until(now, t) {
                wait if fresh && wait < LONG_WAIT => None,
                wait if fresh => Some(format!("next in {}", labels::coarse(wait))),
                wait if wait.is_zero() => Some("poll due".to_owned()),
                wait => Some(format!("next in {}", labels::duration(wait))),
            })
        };
        let error_since = self.error_since.map(|t| labels::duration(labels::since(now, t)));
        TimeLabels { elapsed, updated, next, error_since }
    }
}

/// How late an answer may be before its row counts the seconds since the last one: the request
/// of a due poll is in flight, or waits its turn under the endpoint's rate budget.
const LATE_AFTER: Duration = Duration::from_secs(2);

/// A healthy row shows its next poll only when that is at least this far off (a `Retry-After`,
/// slow polling of a quiet task), in minutes.
const LONG_WAIT: Duration = Duration::from_secs(60);

/// Relative-time texts for one entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct TimeLabels {
    pub elapsed: Option<String>,
    /// "live" while the data is fresh, else "updated … ago".
    pub updated: Option<String>,
    pub next: Option<String>,
    pub error_since: Option<String>,
}

fn problems(task: &Task) -> u32 {
    task.counts.failed + task.counts.cancelled
}

/// How loud a flash message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlashLevel {
    Info,
    Error,
}

/// A short message in the header that goes away by itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flash {
    pub text: String,
    pub level: FlashLevel,
    pub until: SystemTime,
    /// Characters at the start that a narrow header must keep whole (an address), cutting the
    /// end instead; 0: cut in the middle, which keeps a path's start and its file name.
    pub keep_start: usize,
}

const FLASH_FOR: Duration = Duration::from_secs(4);

/// A SIGCONT this soon after resuming from our own suspend is the one that resumed us.
const OWN_CONTINUE_WITHIN: Duration = Duration::from_secs(2);

/// The open report prompt: the format is asked for before anything is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportPrompt {
    pub task_ref: TaskRef,
    /// When it was asked for: the report's time and its file name's.
    pub at: SystemTime,
}

/// The open help overlay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Help {
    /// The pane the help was asked for.
    pub context: KeyContext,
    pub scroll: usize,
}

/// The state of the whole dashboard.
#[derive(Debug)]
#[expect(
    clippy::struct_excessive_bools,
    reason = "independent switches: paused, quit, and the two kinds of redraw request"
)]
pub struct App {
    entries: Vec<Entry>,
    selected: usize,
    task_offset: usize,
    focus: Focus,
    viewer: Option<Viewer>,
    /// The dialogs over the panes: help, the input line, confirmations, the report prompt.
    overlays: overlay::Overlays,
    /// The spec each task imported, when known (for `R`).
    specs: std::collections::HashMap<TaskRef, std::path::PathBuf>,
    /// The spec path last typed at `R`'s prompt, remembered in `specs` only once a retry spec
    /// was written from it.
    typed_spec: Option<(TaskRef, std::path::PathBuf)>,
    flash: Option<Flash>,
    paused: bool,
    viewport: (u16, u16),
    now: SystemTime,
    options: AppOptions,
    quit: bool,
    exit_signal: Option<Signal>,
    /// When we last came back from a suspend of our own (Ctrl-Z, SIGTSTP): the terminal is
    /// already ours again, so the SIGCONT that woke us must not take it a second time (which
    /// left raw mode for a moment after the first frame was drawn).
    resumed_at: Option<SystemTime>,
    dirty: bool,
    /// An answer moved only "updated … ago" / "next in …" labels of a task not selected: drawn
    /// with the next clock tick rather than in a frame of its own (see `polling`).
    labels_moved: bool,
    /// What the user saw of each task when last looking at it, for the change marks.
    changes: ChangeTracker,
    /// The task whose subtasks (or viewer) has the focus; marked seen when the focus leaves.
    looking: Option<TaskRef>,
    /// Snapshots replaced or found unchanged, for the runtime to free off the UI thread.
    garbage: Vec<Task>,
    /// The task list's filter and sort.
    task_view: task_filter::TaskView,
    /// The next entry's `added` number.
    next_added: u64,
    /// How each endpoint's request budget is shared, from its latest answer: the header says
    /// so when the budget cannot poll every task at the asked interval.
    shares: Vec<Share>,
    /// What the poller was last told is on screen (the selected task, the visible rows).
    focus_sent: Option<(Option<TaskRef>, Vec<TaskRef>)>,
}

impl App {
    pub fn new(initial: Vec<(TaskRef, Option<Task>)>, options: AppOptions) -> App {
        let mut entries: Vec<Entry> = Vec::with_capacity(initial.len());
        for (task_ref, task) in initial {
            if entries.iter().all(|e| e.task_ref != task_ref) {
                let mut entry = Entry::new(task_ref, task, false);
                entry.added = entries.len() as u64;
                entries.push(entry);
            }
        }
        let next_added = entries.len() as u64;
        App {
            entries,
            selected: 0,
            task_offset: 0,
            focus: Focus::Tasks,
            viewer: None,
            overlays: overlay::Overlays::default(),
            specs: std::collections::HashMap::new(),
            typed_spec: None,
            flash: None,
            paused: false,
            viewport: (0, 0),
            now: SystemTime::UNIX_EPOCH,
            options,
            quit: false,
            exit_signal: None,
            resumed_at: None,
            dirty: true,
            labels_moved: false,
            changes: ChangeTracker::new(),
            looking: None,
            garbage: Vec::new(),
            task_view: task_filter::TaskView::default(),
            next_added,
            shares: Vec::new(),
            focus_sent: None,
        }
    }

    /// Names a task (from the watch list at start-up); `None` or blank takes the name away.
    pub fn set_label(&mut self, task_ref: &TaskRef, label: Option<String>) {
        if let Some(entry) = self.entries.iter_mut().find(|e| e.task_ref == *task_ref) {
            entry.label = label.map(|l| l.trim().to_owned()).filter(|l| !l.is_empty());
            self.dirty = true;
        }
    }

    /// Adds a watched task (last in "added" order); returns where the list's sort put it. A
    /// filter does not hide a task just added.
    fn push_entry(&mut self, mut entry: Entry) -> usize {
        entry.added = self.next_added;
        self.next_added += 1;
        let task_ref = entry.task_ref.clone();
        self.entries.push(entry);
        self.reapply_task_view();
        let i = self.entries.iter().position(|e| e.task_ref == task_ref).unwrap_or(0);
        self.entries[i].hidden = false;
        i
    }

    /// These tasks' saved snapshots are being parsed; each arrives as [`Action::SnapshotRead`],
    /// and the task is watched then unless the snapshot is final.
    pub fn expect_saved_snapshots<'a>(&mut self, refs: impl IntoIterator<Item = &'a TaskRef>) {
        for task_ref in refs {
            if let Some(entry) = self.entries.iter_mut().find(|e| e.task_ref == *task_ref && e.task.is_none()) {
                entry.reading_snapshot = true;
                // Watched once the snapshot is read, and only if it is not final.
                entry.polling = Polling::Idle;
            }
        }
    }

    // ---- read access for the UI, the runtime and tests ----

    /// Some saved snapshot is still being parsed.
    pub fn is_reading_snapshots(&self) -> bool {
        self.entries.iter().any(|e| e.reading_snapshot)
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub fn selected_index(&self) -> usize {
        self.selected
    }

    /// Selects the task with this reference (the one `oaswatch import` just created); false if
    /// it is not watched.
    pub fn select_task_ref(&mut self, task_ref: &TaskRef) -> bool {
        match self.entries.iter().position(|e| e.task_ref == *task_ref) {
            Some(index) => {
                self.select_task(index);
                self.dirty = true;
                true
            }
            None => false,
        }
    }

    pub fn selected_entry(&self) -> Option<&Entry> {
        self.entries.get(self.selected)
    }

    pub fn focus(&self) -> Focus {
        self.focus
    }

    pub fn viewer(&self) -> Option<&Viewer> {
        self.viewer.as_ref()
    }

    pub fn flash(&self) -> Option<&Flash> {
        self.flash.as_ref()
    }

    pub fn paused(&self) -> bool {
        self.paused
    }

    pub fn now(&self) -> SystemTime {
        self.now
    }

    pub fn theme(&self) -> ThemeName {
        self.options.theme
    }

    pub fn options(&self) -> &AppOptions {
        &self.options
    }

    pub fn keymap(&self) -> &Keymap {
        &self.options.keymap
    }

    pub fn should_quit(&self) -> bool {
        self.quit
    }

    /// The signal that ended the session, so the caller can exit with 128 + its number.
    pub fn exit_signal(&self) -> Option<Signal> {
        self.exit_signal
    }

    /// The watch list in order, as saved.
    pub fn task_refs(&self) -> Vec<TaskRef> {
        self.entries.iter().map(|e| e.task_ref.clone()).collect()
    }

    /// First task row shown; derived again from the selection so a stale value cannot hide it.
    pub fn task_offset(&self, rows: u16) -> usize {
        task_list_offset(&self.entries, self.selected, self.task_offset, rows)
    }

    /// Whether something on screen counts seconds, so the runtime runs its 1 s tick.
    pub fn needs_clock(&self) -> bool {
        self.flash.is_some()
            || self.labels_moved
            || self.entries.iter().any(|e| {
                let t = e.time_labels(self.now, self.paused);
                t.updated.is_some()
                    || t.next.is_some()
                    || t.error_since.is_some()
                    || (!e.is_finished() && t.elapsed.is_some())
            })
            || self
                .selected_entry()
                .is_some_and(|e| e.shows_activity() && e.insight.progress().sparkline(self.now).iter().any(|&n| n > 0))
    }

    /// The endpoint whose request budget falls shortest of the asked interval (or was lowered by
    /// throttling), for the header; `None` when every budget keeps up.
    pub fn budget_note(&self) -> Option<&Share> {
        self.shares.iter().filter(|s| s.is_stretched()).max_by(|a, b| a.every.cmp(&b.every))
    }

    /// Records an endpoint's budget share from an answer; redraws when what the header says
    /// about it changes.
    fn note_share(&mut self, share: Share) {
        let before = self.budget_note().map(ToString::to_string);
        match self.shares.iter_mut().find(|s| s.endpoint == share.endpoint) {
            Some(slot) => *slot = share,
            None => self.shares.push(share),
        }
        if self.budget_note().map(ToString::to_string) != before {
            self.dirty = true;
        }
    }

    /// What the poller must be told about the screen, once after it changed: the selected task
    /// and the rows on screen are polled first. `None` while nothing changed, or before the
    /// first frame's size is known.
    pub fn take_poll_focus(&mut self) -> Option<PollCmd> {
        if self.viewport == (0, 0) {
            return None;
        }
        let selected = self.selected_entry().map(|e| e.task_ref.clone());
        let visible = self.visible_tasks();
        let now = (selected, visible);
        if self.focus_sent.as_ref() == Some(&now) {
            return None;
        }
        self.focus_sent = Some(now.clone());
        Some(PollCmd::Focus { selected: now.0, visible: now.1 })
    }

    /// The tasks whose rows the task list shows, first to last.
    fn visible_tasks(&self) -> Vec<TaskRef> {
        let rows = u32::from(layout::inner(self.current_panes().tasks).height);
        let offset = self.task_offset(u16::try_from(rows).unwrap_or(u16::MAX));
        let mut used = 0;
        let mut visible = Vec::new();
        for entry in self.entries.iter().skip(offset) {
            used += u32::from(entry.height());
            if used > rows {
                break;
            }
            visible.push(entry.task_ref.clone());
        }
        visible
    }

    /// Snapshots the app no longer needs. Freeing a large one takes milliseconds, so the runtime
    /// drops them on a blocking thread instead of between a key and its frame.
    pub fn take_garbage(&mut self) -> Vec<Task> {
        std::mem::take(&mut self.garbage)
    }

    /// True once after anything visible changed; the runtime draws then.
    pub fn take_dirty(&mut self) -> bool {
        std::mem::take(&mut self.dirty)
    }

    /// Which key table applies right now.
    pub fn key_context(&self) -> KeyContext {
        self.overlays.top().map_or_else(|| pane_context(self.focus), overlay::Overlay::key_context)
    }

    /// The layout for a frame of `area`.
    pub fn panes(&self, area: Rect) -> Panes {
        let rows: u32 = self.entries.iter().map(|e| u32::from(e.height())).sum();
        layout::compute(
            area,
            &LayoutInput {
                focus: self.focus,
                viewer_open: self.viewer.is_some(),
                input_open: self.input().is_some(),
                task_rows: u16::try_from(rows).unwrap_or(u16::MAX),
                has_tasks: !self.entries.is_empty(),
                task_width: self.task_list_width(),
                subtask_width: self.subtask_table_width(area.height),
            },
        )
    }

    /// Columns the task list's rows want: the widest first or second line, borders and the
    /// selection marker included.
    fn task_list_width(&self) -> u16 {
        let widest = self.entries.iter().map(Entry::row_width).max().unwrap_or(0);
        u16::try_from(widest + 4).unwrap_or(u16::MAX)
    }

    /// Columns the subtask table of the selected task wants for the rows a pane of `height`
    /// rows would show, borders included.
    fn subtask_table_width(&self, height: u16) -> u16 {
        let Some((entry, task)) = self.selected_entry().and_then(|e| e.task.as_ref().map(|t| (e, t))) else {
            return 0;
        };
        let start = entry.view.offset().min(entry.view.len());
        let end = (start + usize::from(height)).min(entry.view.len());
        let rows = entry.view.index()[start..end].iter().filter_map(|&pos| task.subtasks.get(pos as usize));
        u16::try_from(columns::wanted(rows).total() + 2).unwrap_or(u16::MAX)
    }

    fn current_panes(&self) -> Panes {
        self.panes(Rect::new(0, 0, self.viewport.0, self.viewport.1))
    }

    // ---- update ----

    /// Applies one action. The exhaustive match is deliberate: a new action must be decided here.
    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        let effects = match action {
            Action::Command(command) => {
                self.dirty = true;
                self.on_command(command)
            }
            Action::Insert(c) => {
                self.dirty = true;
                self.on_insert(c);
                self.input_changed()
            }
            Action::Paste(text) => {
                self.dirty = true;
                for c in text.chars().filter(|c| !c.is_control()) {
                    self.on_insert(c);
                }
                self.input_changed()
            }
            Action::Polled(polled) => self.on_polled(polled),
            Action::Tick(now) => {
                self.on_tick(now);
                Vec::new()
            }
            Action::Resize { w, h } => {
                self.dirty = true;
                self.viewport = (w, h);
                Vec::new()
            }
            Action::Mouse(mouse) => {
                self.dirty = true;
                self.on_mouse(mouse)
            }
            Action::Signal(Signal::Stop) => vec![Effect::Suspend],
            Action::Signal(Signal::Continue) => {
                self.dirty = true;
                let ours = self
                    .resumed_at
                    .take()
                    .is_some_and(|at| self.now.duration_since(at).unwrap_or_default() < OWN_CONTINUE_WITHIN);
                if ours { Vec::new() } else { vec![Effect::ReclaimTerminal] }
            }
            Action::Signal(signal) => {
                self.quit = true;
                self.exit_signal = Some(signal);
                vec![Effect::Quit]
            }
            Action::Resumed => {
                self.dirty = true;
                self.resumed_at = Some(self.now);
                self.flash_info("resumed");
                // One refresh per task, not a catch-up of every missed poll.
                if self.paused { Vec::new() } else { vec![Effect::Poll(crate::poller::PollCmd::Refresh(None))] }
            }
            Action::EffectFailed { what, error } => {
                self.dirty = true;
                self.flash_error(format!("could not {what}: {error}"));
                Vec::new()
            }
            Action::RetrySpecWritten { task_ref, path, operations, precheck } => {
                self.dirty = true;
                self.on_retry_spec_written(&task_ref, path, operations, precheck)
            }
            Action::SpecPathChecked { text, verdict } => {
                self.dirty = true;
                self.on_spec_path_checked(&text, verdict);
                Vec::new()
            }
            Action::RetrySpecRefused { task_ref, spec, problem } => {
                self.dirty = true;
                self.on_retry_spec_refused(&task_ref, &spec, problem);
                Vec::new()
            }
            Action::ImportStarted { task_ref } => {
                self.dirty = true;
                self.on_import_started(task_ref)
            }
            Action::SnapshotRead { task_ref, task } => self.on_snapshot_read(&task_ref, task),
            Action::ConsoleShown { url, name, browser } => {
                self.dirty = true;
                // The address first: it is what a narrow header must not lose.
                let text = match browser {
                    Some(_) => format!("{url} — console page of {name}, opened in $BROWSER"),
                    None => format!("{url} — console page of {name}, copied (set $BROWSER to open it)"),
                };
                // An address takes a while to read (and to copy down).
                let text = crate::sanitize::line(&text).into_owned();
                let keep_start = crate::sanitize::line(&url).chars().count();
                self.flash = Some(Flash { text, level: FlashLevel::Info, until: self.now + FLASH_FOR * 3, keep_start });
                Vec::new()
            }
            Action::FileWritten { what, path } => {
                self.dirty = true;
                // A path takes longer to read (and copy down) than a word.
                self.flash = Some(Flash {
                    text: format!("{} {}", what.done(), path.display()),
                    level: FlashLevel::Info,
                    until: self.now + FLASH_FOR * 3,
                    keep_start: 0,
                });
                Vec::new()
            }
        };
        self.fit_to_viewport();
        self.track_looking();
        effects
    }

    fn on_tick(&mut self, now: SystemTime) {
        let before = self.clock_signature();
        self.now = now;
        if self.flash.as_ref().is_some_and(|f| f.until <= now) {
            self.flash = None;
        }
        if std::mem::take(&mut self.labels_moved) || self.clock_signature() != before {
            self.dirty = true;
        }
    }

    /// A hash of everything on screen that depends on `now`.
    fn clock_signature(&self) -> u64 {
        let mut h = DefaultHasher::new();
        self.flash.is_some().hash(&mut h);
        for e in &self.entries {
            e.time_labels(self.now, self.paused).hash(&mut h);
            e.is_stale(self.now, self.options.poll_interval, self.paused).hash(&mut h);
            e.progress_label(self.now, self.options.poll_interval, self.paused).hash(&mut h);
        }
        if let Some(e) = self.selected_entry().filter(|e| e.shows_activity()) {
            e.insight.progress().sparkline(self.now).hash(&mut h);
        }
        h.finish()
    }

    fn flash_info(&mut self, text: impl Into<String>) {
        self.flash =
            Some(Flash { text: text.into(), level: FlashLevel::Info, until: self.now + FLASH_FOR, keep_start: 0 });
    }

    fn flash_error(&mut self, text: impl Into<String>) {
        self.flash =
            Some(Flash { text: text.into(), level: FlashLevel::Error, until: self.now + FLASH_FOR * 2, keep_start: 0 });
    }

    /// Keeps selections and scroll positions valid for the current layout.
    fn fit_to_viewport(&mut self) {
        if self.entries.is_empty() {
            self.selected = 0;
            self.task_offset = 0;
            if self.focus != Focus::Tasks {
                self.focus = Focus::Tasks;
            }
            self.viewer = None;
        } else if self.selected >= self.entries.len() {
            self.selected = self.entries.len() - 1;
        }
        if self.focus == Focus::Viewer && self.viewer.is_none() {
            self.focus = Focus::Subtasks;
        }
        let panes = self.current_panes();
        let task_rows = layout::inner(panes.tasks).height;
        if task_rows > 0 {
            self.task_offset = task_list_offset(&self.entries, self.selected, self.task_offset, task_rows);
        }
        if let Some(entry) = self.entries.get_mut(self.selected) {
            let rows = table_rows(panes.subtasks, entry);
            if rows > 0 {
                match entry.insight.tab() {
                    Tab::Subtasks => entry.view.fit(rows),
                    Tab::Groups => entry.insight.fit_groups(rows),
                }
            }
        }
        if let Some(viewer) = self.viewer.as_mut() {
            let rows = header_rows(viewer, self.entries.get(self.selected), panes.viewer.width);
            let body = layout::viewer_body(panes.viewer, rows);
            if body.width > 0 && body.height > 0 {
                viewer.fit(usize::from(body.width), usize::from(body.height));
            }
        }
    }

    /// Rows of the table the subtask pane shows for the selected task (subtasks or groups).
    fn subtask_page(&self) -> usize {
        let pane = self.current_panes().subtasks;
        self.selected_entry().map_or_else(|| layout::subtask_rows(pane), |e| table_rows(pane, e)).max(1)
    }
}

/// Data rows of the table `entry` shows in the subtask pane `pane`: the subtask table (below the
/// activity line when there is one) or the groups table (above the selected group's details).
pub fn table_rows(pane: Rect, entry: &Entry) -> usize {
    match entry.insight.tab() {
        Tab::Subtasks => layout::table_rows(layout::subtask_table(pane, entry.shows_activity())),
        Tab::Groups => layout::table_rows(layout::groups_areas(pane).0),
    }
}

/// Fixed lines above the viewer's scrolling body, in a viewer pane `pane_width` wide. Task
/// references and subtask ids are never cut: a long one takes more lines.
pub fn header_rows(viewer: &Viewer, entry: Option<&Entry>, pane_width: u16) -> u16 {
    // Inside the borders, less the one-column margin.
    let w = usize::from(pane_width.saturating_sub(3)).max(1);
    let lines = |len: usize| u16::try_from(len.div_ceil(w).max(1)).unwrap_or(u16::MAX);
    match &viewer.target {
        viewer::ViewerTarget::Task | viewer::ViewerTarget::Export => {
            1 + entry.map_or(1, |e| lines(e.task_ref.to_string().chars().count()))
        }
        viewer::ViewerTarget::Subtask { pos, .. } => {
            let id = entry.and_then(|e| e.task.as_ref()).and_then(|t| t.subtasks.get(*pos)).map_or(0, |s| s.id().len());
            2 + subtask_id_rows(id, w)
        }
    }
}

/// Lines the viewer's `id … name …` line takes at `w` columns: one while the whole id and a
/// few columns of the name fit, else the id on lines of its own and the name below.
pub fn subtask_id_rows(id_len: usize, w: usize) -> u16 {
    if "id ".len() + id_len + "  name ".len() + 8 <= w {
        1
    } else {
        1 + u16::try_from(("id ".len() + id_len).div_ceil(w.max(1))).unwrap_or(u16::MAX)
    }
}

pub(crate) fn pane_context(focus: Focus) -> KeyContext {
    match focus {
        Focus::Tasks => KeyContext::Tasks,
        Focus::Subtasks => KeyContext::Subtasks,
        Focus::Viewer => KeyContext::Viewer,
    }
}

/// First entry shown so that the selected one is fully visible in `rows` rows.
pub fn task_list_offset(entries: &[Entry], selected: usize, offset: usize, rows: u16) -> usize {
    if entries.is_empty() {
        return 0;
    }
    let selected = selected.min(entries.len() - 1);
    let mut offset = offset.min(selected);
    let rows = u32::from(rows.max(1));
    while offset < selected {
        let used: u32 = entries[offset..=selected].iter().map(|e| u32::from(e.height())).sum();
        if used <= rows {
            break;
        }
        offset += 1;
    }
    // Show earlier tasks again when everything from them to the end fits.
    while offset > 0 && entries[offset - 1..].iter().map(|e| u32::from(e.height())).sum::<u32>() <= rows {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod analysis_tests;
#[cfg(test)]
mod tests;
