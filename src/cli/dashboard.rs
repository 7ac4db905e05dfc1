//! Opening the dashboard: the saved watch list and its snapshots, the clients, the poller, the
//! terminal, the event loop, and what to save and how to exit when it ends.
//!
//! Used by `oaswatch [TASK]...` (real clouds, the saved watch list) and `oaswatch demo` (the
//! simulator, a throw-away list).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use tokio::sync::mpsc;

use super::{Context, Failure};
use crate::app::effect::ImportRequest;
use crate::app::keymap::Keymap;
use crate::app::labels::ImportedInto;
use crate::app::prepare::Preparer;
use crate::app::{Action, App, AppOptions, NotifyMode};
use crate::domain::{Task, TaskRef};
use crate::poller::{self, PollCmd, Polled};
use crate::provider::{Fetch, LazyClients};
use crate::runtime::{self, Inputs};
use crate::runtime::{Importer, TerminalHost};
use crate::store::{Change, SavedSnapshots, Store};
use crate::tui::external::Programs;
use crate::tui::{self, NotifyProtocol, TuiOptions};

/// What the dashboard opens on.
pub struct Setup<F> {
    pub fetcher: Arc<F>,
    /// Tasks in display order, with a saved snapshot where there is one.
    pub initial: Vec<(TaskRef, Option<Task>)>,
    /// Where `a`/`d` and final snapshots are saved; `None` keeps changes in memory (demo).
    pub store: Option<Store>,
    /// Shown in the dashboard at start (a damaged watch list set aside, missing credentials).
    pub notices: Vec<String>,
    /// The task to select at start (the one just created), else the first.
    pub select: Option<TaskRef>,
    /// The clients that `R` (retry spec, then import) imports with; `None` disables importing.
    pub importer: Option<Arc<LazyClients>>,
    /// The spec each task imported, when known (from the watch list).
    pub specs: Vec<(TaskRef, PathBuf)>,
    /// Each task's label, when it has one (from the watch list).
    pub labels: Vec<(TaskRef, String)>,
    /// Saved snapshots not parsed yet: the first task's is parsed for the first frame, the
    /// others on a worker after it.
    pub saved: SavedSnapshots,
}

/// What the dashboard opens on: the saved watch list (with snapshots) followed by `extra` tasks
/// not in it yet, the spec each imported when known, and the store's warnings as notices.
pub struct SavedTasks {
    /// Without snapshots: those are in `snapshots`, unparsed.
    pub initial: Vec<(TaskRef, Option<Task>)>,
    pub specs: Vec<(TaskRef, PathBuf)>,
    pub labels: Vec<(TaskRef, String)>,
    pub warnings: Vec<String>,
    pub snapshots: SavedSnapshots,
}

pub fn saved_tasks(context: &Context, extra: Vec<TaskRef>) -> SavedTasks {
    let (entries, warnings, snapshots) = match context.store.load_deferred(SystemTime::now()) {
        Ok((loaded, snapshots)) => (loaded.entries, loaded.warnings, snapshots),
        Err(error) => (Vec::new(), vec![error.to_string()], SavedSnapshots::default()),
    };
    let specs: Vec<(TaskRef, PathBuf)> =
        entries.iter().filter_map(|e| e.spec.clone().map(|spec| (e.task_ref.clone(), spec))).collect();
    let labels: Vec<(TaskRef, String)> =
        entries.iter().filter_map(|e| e.label.clone().map(|label| (e.task_ref.clone(), label))).collect();
    let mut initial: Vec<(TaskRef, Option<Task>)> = entries.into_iter().map(|e| (e.task_ref, e.snapshot)).collect();
    for task_ref in extra {
        if !initial.iter().any(|(r, _)| *r == task_ref) {
            initial.push((task_ref, None));
        }
    }
    SavedTasks { initial, specs, labels, warnings, snapshots }
}

/// Where `x` reports and `S` exports are written: `$OASWATCH_REPORT_DIR`, else the working
/// directory; absolute, so the message after writing shows the full path.
pub const REPORT_DIR_ENV: &str = "OASWATCH_REPORT_DIR";

pub fn output_dir(env: impl Fn(&str) -> Option<String>) -> PathBuf {
    let dir = env(REPORT_DIR_ENV).filter(|d| !d.trim().is_empty()).map_or_else(|| PathBuf::from("."), PathBuf::from);
    std::path::absolute(&dir).unwrap_or(dir)
}

/// The app's options from the config: theme, poll interval, notifications, keys; and the
/// report directory from the environment.
pub fn app_options(context: &Context) -> Result<AppOptions, Failure> {
    let config = &context.config;
    let theme = config.theme.value;
    let notify = match (config.notify_bell.value, config.notify_desktop.value) {
        (_, true) => NotifyMode::Desktop,
        (true, false) => NotifyMode::Bell,
        (false, false) => NotifyMode::Off,
    };
    Ok(AppOptions {
        theme,
        poll_interval: config.poll_interval.value,
        notify,
        keymap: keymap(context)?,
        raw_item_json: Some(crate::provider::raw_item_json),
        output_dir: output_dir(context.env),
    })
}

/// The default keymap with the config's `[keys]` remapping; an error names the line.
pub(super) fn keymap(context: &Context) -> Result<Keymap, Failure> {
    let keys: Vec<(&str, &str)> =
        context.config.keys.iter().map(|(action, key)| (action.as_str(), key.value.as_str())).collect();
    Keymap::default().with_overrides(&keys).map_err(|error| {
        // Find the first entry that fails on its own, to point at its line.
        let culprit =
            context.config.keys.iter().find(|(action, key)| {
                Keymap::default().with_overrides(&[(action.as_str(), key.value.as_str())]).is_err()
            });
        match culprit {
            Some((action, key)) => Failure::usage(format!("{}: keys.{action}: {error}", key.source)),
            None => Failure::usage(format!("[keys]: {error}")),
        }
    })
}

/// Runs the dashboard until the user quits or a signal arrives; returns the process exit code.
pub fn run<F: Fetch>(context: &Context, setup: Setup<F>) -> Result<u8, Failure> {
    let options = app_options(context)?;
    super::runtime()?.block_on(run_async(context, setup, options))
}

/// The dashboard inside an existing runtime (`demo` runs the simulator in the same one).
pub async fn run_async<F: Fetch>(context: &Context, setup: Setup<F>, options: AppOptions) -> Result<u8, Failure> {
    let Setup { fetcher, mut initial, store, mut notices, select, importer, specs, labels, saved: mut snapshots } =
        setup;
    let (polled_tx, polled_rx) = mpsc::channel(256);
    let poller = poller::spawn(fetcher, context.config.poller(), rand::random(), polled_tx);
    let polled_rx = prepared(polled_rx);
    let census = tokio::spawn(log_runtime_census());
    let commands = poller.commands();
    let shown_first = select.clone().or_else(|| initial.first().map(|(r, _)| r.clone()));
    if let Some(task_ref) = shown_first
        && let Some(read) = snapshots.take(&task_ref)
    {
        match read {
            Ok(task) => {
                if let Some((_, shown)) = initial.iter_mut().find(|(r, _)| *r == task_ref) {
                    *shown = Some(task);
                }
            }
            Err(error) => notices.push(crate::store::unreadable_snapshot(&task_ref, &error)),
        }
    }
    for (task_ref, snapshot) in &initial {
        // A finished task's saved snapshot is final: reopening shows it without a fetch. One
        // still being read is watched, if need be, once it is (`App::expect_saved_snapshots`).
        if !snapshot.as_ref().is_some_and(Task::is_finished) && !snapshots.contains(task_ref) {
            let _ = commands.send(PollCmd::Watch(task_ref.clone())).await;
        }
    }
    let saved_refs: Vec<TaskRef> = initial.iter().map(|(r, _)| r.clone()).collect();
    // Moved, not cloned: with 100,000 saved subtasks a copy costs tens of ms and MB before the first frame.
    let mut app = App::new(initial, options);
    app.expect_saved_snapshots(snapshots.task_refs());
    if let Some(task_ref) = &select {
        app.select_task_ref(task_ref);
    }
    let session_file = store.as_ref().map(|_| context.paths.session_file());
    remember(&mut app, specs, labels, session_file.as_deref().filter(|_| select.is_none()));
    let (background_tx, background_rx) = mpsc::channel(16);
    // The notices are flashes timed from the app's clock, which starts at the epoch: without
    // the real time first they would expire on the very first tick, unseen.
    let _ = app.update(Action::Tick(SystemTime::now()));
    for notice in notices {
        let _ = app.update(Action::EffectFailed { what: "start cleanly", error: notice });
    }

    let tui_options = TuiOptions { mouse: context.config.mouse.value };
    let env = context.env;
    let protocol = NotifyProtocol::detect(env("TERM_PROGRAM").as_deref(), env("TERM").as_deref());
    let saver = Saver::spawn(store.clone(), saved_refs, background_tx.clone());
    let save_requests = saver.requests.clone();
    let mut host = TerminalHost::new(tui_options, protocol, move |refs: &[TaskRef]| {
        PENDING_SAVES.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        save_requests.send(SaveRequest::List(refs.to_vec())).map_err(|_| {
            PENDING_SAVES.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
            "the watch list saver has stopped".to_owned()
        })
    })
    .with_programs(Programs::resolve(env));
    host = host.with_labeller(labeller_for(saver.requests.clone()));
    if !snapshots.is_empty() {
        read_saved_snapshots(snapshots, background_tx.clone());
    }
    if let Some(clients) = importer {
        host = host.with_importer(importer_for(clients, store.clone(), background_tx));
    }
    let signals = tui::signal_stream().map_err(|e| Failure::usage(format!("cannot listen for signals: {e}")))?;

    tui::install_panic_hook(Saver::wait_for_pending);
    let mut terminal = tui::init(tui_options).map_err(|e| {
        let _ = tui::restore();
        Failure::usage(format!("cannot open the dashboard on this terminal: {e}"))
    })?;
    let inputs = Inputs {
        events: tui::input::events(),
        signals,
        polled: polled_rx,
        poll_cmds: commands,
        background: background_rx,
    };
    let run = runtime::run(&mut terminal, &mut app, inputs, &mut host);
    let outcome = match env(DEBUG_PANIC_ENV).as_deref() {
        Some(place @ ("ui" | "background" | "ui-on-urg" | "background-on-urg")) => {
            with_deliberate_panic(place, run).await
        }
        _ => run.await,
    };
    let restored = tui::restore();
    drop(poller);
    census.abort();

    // The last list change must be on disk before the final snapshots are added to it.
    drop(host);
    saver.finish();
    if let Some(store) = &store {
        save_final_snapshots(store, &app);
    }
    if let Some(path) = &session_file {
        write_session(path, &app.session());
    }
    let outcome =
        outcome.map_err(|e| Failure { status: crate::report::ExitStatus::FetchFailed, message: e.to_string() })?;
    if let Err(error) = restored {
        tracing::warn!(%error, "restoring the terminal failed");
    }
    Ok(outcome.signal.map_or(0, crate::app::Signal::exit_code))
}

/// Labels given in the dashboard go to the saver thread, in order with the list's changes.
fn labeller_for(requests: std::sync::mpsc::Sender<SaveRequest>) -> crate::runtime::Labeller {
    Box::new(move |task_ref: &TaskRef, label: Option<&str>| {
        PENDING_SAVES.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        requests.send(SaveRequest::Label(task_ref.clone(), label.map(str::to_owned))).map_err(|_| {
            PENDING_SAVES.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
            "the watch list saver has stopped".to_owned()
        })
    })
}

/// What the watch list and the last session know: each task's spec and label, and (for the saved
/// watch list, not the demo's, nor over a task that `import` just asked to show) where the user was.
fn remember(app: &mut App, specs: Vec<(TaskRef, PathBuf)>, labels: Vec<(TaskRef, String)>, session: Option<&Path>) {
    for (task_ref, spec) in specs {
        app.set_spec(task_ref, spec);
    }
    for (task_ref, label) in labels {
        app.set_label(&task_ref, Some(label));
    }
    if let Some(session) = session.and_then(read_session) {
        app.restore_session(&session);
    }
}

/// The session saved by the last run; a missing or unreadable file is no session.
fn read_session(path: &Path) -> Option<crate::app::session::Session> {
    let text = std::fs::read_to_string(path).ok()?;
    serde_json::from_str(&text).map_err(|error| tracing::warn!(%error, "ignoring the saved session")).ok()
}

/// Saves where the user was (temp file and rename: a crash leaves the old one whole).
fn write_session(path: &Path, session: &crate::app::session::Session) {
    let write = || -> std::io::Result<()> {
        let dir = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        let temp = tempfile::NamedTempFile::new_in(dir)?;
        std::fs::write(temp.path(), serde_json::to_vec(session).unwrap_or_default())?;
        temp.persist(path).map_err(|e| e.error)?;
        Ok(())
    };
    if let Err(error) = write() {
        tracing::warn!(%error, path = %path.display(), "could not save the session");
    }
}

/// Every 30 s, at debug level, how many tokio tasks are alive: the soak test (examples/soak.rs)
/// reads these lines to see that long sessions do not leak tasks. Nearly free when the log
/// level is above debug.
async fn log_runtime_census() {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(30));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        every.tick().await;
        let metrics = tokio::runtime::Handle::current().metrics();
        tracing::debug!(alive_tasks = metrics.num_alive_tasks(), workers = metrics.num_workers(), "runtime census");
    }
}

/// Set to `ui` or `background` to panic 300 ms into the session, or to `ui-on-urg` /
/// `background-on-urg` to panic when SIGURG arrives (after keys were typed, say): how the pty
/// tests (and a doubtful user) check that any panic leaves a usable terminal, exit code 101 and
/// the watch list saved. SIGURG because nothing else listens to it (its default is to ignore),
/// while SIGUSR1 ends the dashboard cleanly.
const DEBUG_PANIC_ENV: &str = "OASWATCH_DEBUG_PANIC";

#[expect(clippy::panic, reason = "a deliberate, opt-in panic to prove the terminal is restored")]
async fn with_deliberate_panic<T>(place: &str, run: impl Future<Output = T>) -> T {
    let mut urgent = if place.ends_with("-on-urg") {
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::from_raw(libc::SIGURG)).ok()
    } else {
        None
    };
    let trigger = async move {
        match urgent.as_mut() {
            Some(signal) => {
                signal.recv().await;
            }
            None => tokio::time::sleep(std::time::Duration::from_millis(300)).await,
        }
    };
    if place.starts_with("background") {
        tokio::spawn(async move {
            trigger.await;
            panic!("{DEBUG_PANIC_ENV}=background: deliberate panic in a background task");
        });
        return run.await;
    }
    tokio::select! {
        outcome = run => outcome,
        () = trigger => panic!("{DEBUG_PANIC_ENV}=ui: deliberate panic in the UI task"),
    }
}

/// The poller's results, each prepared on a worker (`app::prepare`) before the event loop, on
/// the UI thread, applies it.
fn prepared(mut polled: mpsc::Receiver<Polled>) -> mpsc::Receiver<Polled> {
    let (tx, rx) = mpsc::channel(256);
    tokio::spawn(async move {
        let mut preparer = Preparer::new();
        while let Some(mut result) = polled.recv().await {
            preparer.prepare(&mut result);
            if tx.send(result).await.is_err() {
                break;
            }
        }
    });
    rx
}

/// Parses the saved snapshots on a blocking thread and hands each to the event loop: 100 tasks
/// of 1,000 subtasks take ~50 ms, which the first frame does not wait for.
fn read_saved_snapshots(snapshots: SavedSnapshots, to_app: mpsc::Sender<Action>) {
    tokio::task::spawn_blocking(move || {
        for (task_ref, task) in snapshots.into_parsed() {
            if to_app.blocking_send(Action::SnapshotRead { task_ref, task }).is_err() {
                // The dashboard has closed; the rest are not needed.
                break;
            }
        }
    });
}

/// Runs an import in the background on the current runtime and reports the new task (or why
/// not) to the event loop; the task is remembered with its spec, like `oaswatch import` does.
fn importer_for(clients: Arc<LazyClients>, store: Option<Store>, done: mpsc::Sender<Action>) -> Importer {
    let runtime = tokio::runtime::Handle::current();
    Box::new(move |request: ImportRequest| {
        let (clients, store, done) = (Arc::clone(&clients), store.clone(), done.clone());
        runtime.spawn(async move {
            let started = match clients.clients() {
                Ok(clients) => super::transfer_cmds::import_for_retry(clients, &request).await,
                Err(error) => Err(error.to_string()),
            };
            let action = match started {
                Ok(task_ref) => {
                    if let Some(store) = &store {
                        let into = ImportedInto::group_if_known(request.group.as_deref());
                        let label = crate::app::labels::import_label(&request.spec, into);
                        let change = Change::AddImport {
                            task_ref: task_ref.clone(),
                            spec: request.spec.clone(),
                            label: Some(format!("retry: {label}")),
                        };
                        if let Err(error) = store.update(change, SystemTime::now()) {
                            tracing::warn!(%error, "could not remember the imported spec");
                        }
                    }
                    Action::ImportStarted { task_ref }
                }
                Err(error) => Action::EffectFailed { what: "start the import", error },
            };
            let _ = done.send(action).await;
        });
        Ok(())
    })
}

/// Saves what changed in the list since the last save, as deltas, so a second instance's
/// changes are merged rather than overwritten.
/// Saves the watch list on a thread of its own, never on the UI thread: a save waits for the lock
/// of another process (up to [`crate::store::LOCK_WAIT`]) and writes the whole file (1–3 s for a
/// 150 MB list). Requests that pile up meanwhile are coalesced into the newest; an error reaches
/// the dashboard as a flash.
struct Saver {
    requests: std::sync::mpsc::Sender<SaveRequest>,
    thread: std::thread::JoinHandle<()>,
}

/// What the saver is asked to write: the list as it is now, or one task's label.
enum SaveRequest {
    List(Vec<TaskRef>),
    Label(TaskRef, Option<String>),
}

/// Saves asked for and not yet written, so a panic can let them land before the process exits.
static PENDING_SAVES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

impl Saver {
    /// Waits, at most 2 s, for the saves already asked for (the panic path: a task added just
    /// before must survive, and a save stuck on another process's lock must not hold the exit).
    fn wait_for_pending() {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
        while PENDING_SAVES.load(std::sync::atomic::Ordering::SeqCst) > 0 && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }

    fn spawn(store: Option<Store>, mut saved: Vec<TaskRef>, report: mpsc::Sender<Action>) -> Saver {
        let (requests, incoming) = std::sync::mpsc::channel::<SaveRequest>();
        // Nothing may print while the dashboard has the screen.
        let store = store.map(Store::quiet);
        let thread = std::thread::spawn(move || {
            let mut waiting: Option<SaveRequest> = None;
            while let Some(request) = waiting.take().or_else(|| incoming.recv().ok()) {
                let mut taken = 1;
                let saved_now = match request {
                    SaveRequest::List(mut refs) => {
                        // Lists asked for meanwhile are coalesced into the newest; a label waits.
                        while let Ok(newer) = incoming.try_recv() {
                            taken += 1;
                            match newer {
                                SaveRequest::List(newer) => refs = newer,
                                label @ SaveRequest::Label(..) => {
                                    taken -= 1;
                                    waiting = Some(label);
                                    break;
                                }
                            }
                        }
                        save_changes(store.as_ref(), &mut saved, &refs)
                    }
                    SaveRequest::Label(task_ref, label) => store.as_ref().map_or(Ok(()), |store| {
                        let change = Change::Label(vec![(task_ref, label)]);
                        store.update(change, SystemTime::now()).map_err(|e| e.to_string())
                    }),
                };
                PENDING_SAVES.fetch_sub(taken, std::sync::atomic::Ordering::SeqCst);
                if let Err(error) = saved_now {
                    let _ = report.blocking_send(Action::EffectFailed { what: "save the watch list", error });
                }
            }
        });
        Saver { requests, thread }
    }

    /// Waits for the saves already asked for (every sender must be dropped first).
    fn finish(self) {
        drop(self.requests);
        if self.thread.join().is_err() {
            tracing::warn!("the watch list saver panicked");
        }
    }
}

fn save_changes(store: Option<&Store>, saved: &mut Vec<TaskRef>, refs: &[TaskRef]) -> Result<(), String> {
    let added: Vec<TaskRef> = refs.iter().filter(|r| !saved.contains(r)).cloned().collect();
    let removed: Vec<TaskRef> = saved.iter().filter(|r| !refs.contains(r)).cloned().collect();
    if let Some(store) = store {
        if !added.is_empty() {
            store.update(Change::Add(added), SystemTime::now()).map_err(|e| e.to_string())?;
        }
        if !removed.is_empty() {
            store.update(Change::Remove(removed), SystemTime::now()).map_err(|e| e.to_string())?;
        }
    }
    *saved = refs.to_vec();
    Ok(())
}

/// Finished tasks keep their final snapshot for the next start.
fn save_final_snapshots(store: &Store, app: &App) {
    let snapshots: Vec<(TaskRef, Task)> = app
        .entries()
        .iter()
        .filter_map(|entry| {
            entry.task.as_ref().filter(|t| t.is_finished()).map(|t| (entry.task_ref.clone(), t.clone()))
        })
        .collect();
    if !snapshots.is_empty()
        && let Err(error) = store.update(Change::Snapshots(snapshots), SystemTime::now())
    {
        tracing::warn!(%error, "could not save final snapshots");
    }
}
