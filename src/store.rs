//! The watch list on disk: `<data_dir>/watchlist.json`, with the last snapshot of each task.
//!
//! Owns the file format (`"schema": 1`), atomic writes (temp file in the same directory, mode
//! 0600, fsync, rename, fsync of the directory), a lock so two running instances merge their
//! changes instead of losing one, and the handling of a damaged file (backed up and reported,
//! never silently overwritten) or a newer one (read-only). May not know about `App`.
//!
//! Every change is a delta applied under the lock to a fresh read of the file, so instance A's
//! `add` and instance B's `rm` both survive whatever order they land in.
//!
//! Snapshots are read as unparsed JSON first ([`SavedSnapshots`]): the dashboard draws its first
//! frame before parsing 100 saved snapshots, a change rewrites the snapshots it does not touch
//! verbatim, and one unreadable snapshot costs only itself, never the list.

mod saved;

pub use saved::{SavedSnapshots, unreadable_snapshot};

use std::fs::{self, File, OpenOptions};
use std::io::Write as _;
use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::domain::{Task, TaskRef};

/// The schema this version reads and writes.
pub const SCHEMA: u32 = 1;

/// Larger files are refused rather than read into memory (100 tasks × 1,000 subtasks of
/// snapshots is about 20 MB).
const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}: {message}")]
    Io { path: PathBuf, message: String },
    #[error(
        "{path} was written by a newer oaswatch (schema {found}, this version knows {SCHEMA}); \
         it is left untouched and changes are not saved — upgrade oaswatch"
    )]
    ReadOnly { path: PathBuf, found: u32 },
}

fn io_error(path: &Path, err: &std::io::Error) -> StoreError {
    StoreError::Io { path: path.to_path_buf(), message: err.to_string() }
}

/// One watched task. `S` is the saved snapshot: a [`Task`], or its JSON while the file is read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound(deserialize = "S: Deserialize<'de>"))]
pub struct WatchEntry<S = Task> {
    #[serde(rename = "ref")]
    pub task_ref: TaskRef,
    /// Unix seconds.
    pub added_at: u64,
    /// The last snapshot saved (finished tasks keep their final one, so reopening needs no fetch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<S>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot_at: Option<u64>,
    /// The spec file an `oaswatch import` sent (absolute), so a retry spec can be made from it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spec: Option<PathBuf>,
    /// A name for humans: `shop-2.0.json → group acme-shop` from `oaswatch import`, or the user's
    /// own (`oaswatch add --label`, the dashboard's rename key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

impl WatchEntry {
    pub fn new(task_ref: TaskRef, added_at: u64) -> WatchEntry {
        WatchEntry { task_ref, added_at, snapshot: None, snapshot_at: None, spec: None, label: None }
    }
}

impl<S> WatchEntry<S> {
    fn map_snapshot<T>(self, convert: impl FnOnce(Option<S>) -> Option<T>) -> WatchEntry<T> {
        let WatchEntry { task_ref, added_at, snapshot, snapshot_at, spec, label } = self;
        WatchEntry { task_ref, added_at, snapshot: convert(snapshot), snapshot_at, spec, label }
    }
}

/// The file as read: each snapshot is left as JSON borrowed from the file's text.
#[derive(Debug, Deserialize)]
struct FileFormat<'a> {
    schema: u32,
    #[serde(default, borrow)]
    tasks: Vec<WatchEntry<&'a RawValue>>,
}

/// The file as written: borrowed, so a save does not copy every saved snapshot first.
#[derive(Serialize)]
struct FileFormatOut<'a, S> {
    schema: u32,
    tasks: &'a [WatchEntry<S>],
}

/// A snapshot in a list being rewritten: the JSON it was read as, or a newer one.
enum Kept<'a> {
    Read(&'a RawValue),
    New(Box<Task>),
}

impl Serialize for Kept<'_> {
    fn serialize<Z: serde::Serializer>(&self, serializer: Z) -> Result<Z::Ok, Z::Error> {
        match self {
            Kept::Read(raw) => raw.serialize(serializer),
            Kept::New(task) => task.serialize(serializer),
        }
    }
}

/// Just enough to read the schema number of a file we otherwise cannot parse.
#[derive(Deserialize)]
struct SchemaProbe {
    schema: u32,
}

/// What loading found.
#[derive(Debug, Default)]
pub struct Loaded {
    pub entries: Vec<WatchEntry>,
    /// Things the user must be told (a damaged file backed up, a newer schema).
    pub warnings: Vec<String>,
    /// True when the file is from a newer version: we show it but never write it.
    pub read_only: bool,
}

/// A change to apply to the list.
#[derive(Debug, Clone)]
pub enum Change {
    Add(Vec<TaskRef>),
    Remove(Vec<TaskRef>),
    /// Store the latest snapshot of tasks that are still in the list.
    Snapshots(Vec<(TaskRef, Task)>),
    /// Add a task created by `oaswatch import`, remembering the spec it imported and its label.
    AddImport {
        task_ref: TaskRef,
        spec: PathBuf,
        label: Option<String>,
    },
    /// Name tasks (adding those not in the list yet); `None` takes a task's label away.
    Label(Vec<(TaskRef, Option<String>)>),
}

/// How long a read or a save waits for another process's lock before giving up with an error
/// that says so. A save holds it for milliseconds (1–3 s for a 150 MB list), so this is long
/// enough for any healthy instance and short enough that a stuck one is reported, not waited on.
pub const LOCK_WAIT: Duration = Duration::from_secs(10);

/// After this long waiting for the lock, the wait is announced (see [`Store::on_lock_wait`]).
const LOCK_NOTICE_AFTER: Duration = Duration::from_secs(1);

/// Called once per wait that lasts longer than [`LOCK_NOTICE_AFTER`], with the lock file's path.
pub type LockNotice = std::sync::Arc<dyn Fn(&Path) + Send + Sync>;

/// The watch list file and its lock.
#[derive(Clone)]
pub struct Store {
    path: PathBuf,
    lock_wait: Duration,
    notice: Option<LockNotice>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).field("lock_wait", &self.lock_wait).finish_non_exhaustive()
    }
}

impl Store {
    pub fn new(path: PathBuf) -> Store {
        Store { path, lock_wait: LOCK_WAIT, notice: None }
    }

    /// Says, through `notice`, when a wait for another process's lock takes more than a second
    /// (the CLI prints it; the dashboard saves off its UI thread and needs none).
    #[must_use]
    pub fn on_lock_wait(mut self, notice: LockNotice) -> Store {
        self.notice = Some(notice);
        self
    }

    /// The same store without the wait notice (for a save made while a full-screen UI is up).
    #[must_use]
    pub fn quiet(mut self) -> Store {
        self.notice = None;
        self
    }

    #[must_use]
    pub fn with_lock_wait(mut self, wait: Duration) -> Store {
        self.lock_wait = wait;
        self
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn lock_path(&self) -> PathBuf {
        self.path.with_extension("lock")
    }

    /// Reads the list. A damaged file is moved aside to `watchlist.json.corrupted.<unix time>`
    /// and reported; a newer schema is reported and marked read-only. Neither is an error: the
    /// dashboard must still open. A snapshot that cannot be read is left out and reported; its
    /// task is fetched again.
    pub fn load(&self, now: SystemTime) -> Result<Loaded, StoreError> {
        let (mut loaded, snapshots) = self.load_deferred(now)?;
        for (task_ref, snapshot) in snapshots.into_parsed() {
            match snapshot {
                Ok(task) => {
                    if let Some(entry) = loaded.entries.iter_mut().find(|e| e.task_ref == task_ref) {
                        entry.snapshot = Some(task);
                    }
                }
                Err(error) => loaded.warnings.push(unreadable_snapshot(&task_ref, &error)),
            }
        }
        Ok(loaded)
    }

    /// Like [`Store::load`], but every entry comes without its snapshot, and the snapshots are
    /// returned unparsed: parsing 22 MB of them takes ~50 ms, reading past them ~10 ms.
    pub fn load_deferred(&self, now: SystemTime) -> Result<(Loaded, SavedSnapshots), StoreError> {
        let _lock = self.lock()?;
        let dir = self.parent_dir()?;
        let tightened = self.tighten_dir(&dir);
        remove_orphaned_temp_files(&dir, &self.file_name());
        let (mut loaded, snapshots) = self.read_deferred(now)?;
        loaded.warnings.extend(tightened);
        Ok((loaded, snapshots))
    }

    fn read_deferred(&self, now: SystemTime) -> Result<(Loaded, SavedSnapshots), StoreError> {
        let text = match self.read_text(now)? {
            Ok(text) => text,
            Err(loaded) => return Ok((loaded, SavedSnapshots::default())),
        };
        let (entries, spans) = match self.entries(now, &text) {
            Ok(read) => saved::split(&text, read),
            Err(loaded) => return Ok((loaded, SavedSnapshots::default())),
        };
        Ok((Loaded { entries, ..Loaded::default() }, SavedSnapshots::new(text, spans)))
    }

    /// Applies a change under the lock to what is on disk now and writes atomically. The
    /// snapshots it does not replace are copied as they were read, never parsed.
    pub fn update(&self, change: Change, now: SystemTime) -> Result<(), StoreError> {
        let _lock = self.lock()?;
        // No file, or a damaged one just set aside: the change starts a new list.
        let text = self.read_text(now)?.unwrap_or_default();
        let mut entries: Vec<WatchEntry<Kept<'_>>> = Vec::new();
        if !text.is_empty() {
            match self.entries(now, &text) {
                Ok(read) => entries = read.into_iter().map(|e| e.map_snapshot(|s| s.map(Kept::Read))).collect(),
                Err(loaded) if loaded.read_only => {
                    let found = self.probe_schema().unwrap_or(0);
                    return Err(StoreError::ReadOnly { path: self.path.clone(), found });
                }
                Err(_) => {}
            }
        }
        let stamp = unix_seconds(now);
        match change {
            Change::Add(refs) => {
                for task_ref in refs {
                    if !entries.iter().any(|e| e.task_ref == task_ref) {
                        entries.push(WatchEntry::new(task_ref, stamp).map_snapshot(|_| None));
                    }
                }
            }
            Change::AddImport { task_ref, spec, label } => match entries.iter_mut().find(|e| e.task_ref == task_ref) {
                Some(entry) => {
                    entry.spec = Some(spec);
                    entry.label = label.or(entry.label.take());
                }
                None => entries.push(
                    WatchEntry { spec: Some(spec), label, ..WatchEntry::new(task_ref, stamp) }.map_snapshot(|_| None),
                ),
            },
            Change::Label(labels) => {
                for (task_ref, label) in labels {
                    let label = label.map(|l| l.trim().to_owned()).filter(|l| !l.is_empty());
                    match entries.iter_mut().find(|e| e.task_ref == task_ref) {
                        Some(entry) => entry.label = label,
                        None => entries
                            .push(WatchEntry { label, ..WatchEntry::new(task_ref, stamp) }.map_snapshot(|_| None)),
                    }
                }
            }
            Change::Remove(refs) => entries.retain(|e| !refs.contains(&e.task_ref)),
            Change::Snapshots(snapshots) => {
                for (task_ref, task) in snapshots {
                    if let Some(entry) = entries.iter_mut().find(|e| e.task_ref == task_ref) {
                        entry.snapshot = Some(Kept::New(Box::new(task)));
                        entry.snapshot_at = Some(stamp);
                    }
                }
            }
        }
        self.write(&entries)
    }

    /// The file's text, or what loading found without one (no file: an empty list; too large
    /// or not UTF-8: set aside).
    fn read_text(&self, now: SystemTime) -> Result<Result<String, Loaded>, StoreError> {
        let bytes = match fs::metadata(&self.path) {
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Err(Loaded::default())),
            Err(err) => return Err(io_error(&self.path, &err)),
            Ok(meta) if meta.len() > MAX_FILE_BYTES => {
                return Ok(Err(self.set_aside(now, &format!("it is larger than {} MiB", MAX_FILE_BYTES >> 20))));
            }
            Ok(_) => fs::read(&self.path).map_err(|e| io_error(&self.path, &e))?,
        };
        Ok(String::from_utf8(bytes)
            .map_err(|err| self.set_aside(now, &format!("it is not a valid watch list ({})", err.utf8_error()))))
    }

    /// The entries of the file's `text`, their snapshots borrowed from it unparsed, or, for a
    /// file of another schema or a damaged one, what to open on instead.
    fn entries<'t>(&self, now: SystemTime, text: &'t str) -> Result<Vec<WatchEntry<&'t RawValue>>, Loaded> {
        match serde_json::from_str::<FileFormat<'_>>(text) {
            Ok(FileFormat { schema: SCHEMA, tasks }) => Ok(tasks),
            Ok(FileFormat { schema, .. }) if schema > SCHEMA => Err(self.newer(schema)),
            Ok(FileFormat { schema, .. }) => Err(self.set_aside(now, &format!("it has an unknown schema {schema}"))),
            Err(err) => match serde_json::from_str::<SchemaProbe>(text) {
                Ok(probe) if probe.schema > SCHEMA => Err(self.newer(probe.schema)),
                _ => Err(self.set_aside(now, &format!("it is not a valid watch list ({err})"))),
            },
        }
    }

    fn newer(&self, found: u32) -> Loaded {
        Loaded {
            entries: Vec::new(),
            warnings: vec![StoreError::ReadOnly { path: self.path.clone(), found }.to_string()],
            read_only: true,
        }
    }

    fn probe_schema(&self) -> Option<u32> {
        let bytes = fs::read(&self.path).ok()?;
        serde_json::from_slice::<SchemaProbe>(&bytes).ok().map(|p| p.schema)
    }

    /// Moves a damaged file out of the way, keeping its bytes, and says where. Never over an
    /// earlier backup: two damaged lists in the same second get `.corrupted.<time>` and
    /// `.corrupted.<time>.1`, each claimed with a hard link, which fails rather than replace.
    fn set_aside(&self, now: SystemTime, why: &str) -> Loaded {
        let stem = format!("{}.corrupted.{}", self.path.display(), unix_seconds(now));
        let mut attempt = 0u32;
        let claimed = loop {
            let backup = PathBuf::from(if attempt == 0 { stem.clone() } else { format!("{stem}.{attempt}") });
            match fs::hard_link(&self.path, &backup) {
                Ok(()) => break fs::remove_file(&self.path).map(|()| backup),
                Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists && attempt < 1000 => attempt += 1,
                Err(err) => break Err(err),
            }
        };
        let warning = match claimed {
            Ok(backup) => format!(
                "{} could not be read because {why}; it was moved to {} and a new, empty watch list was started",
                self.path.display(),
                backup.display()
            ),
            Err(err) => {
                format!("{} could not be read because {why}, and moving it aside failed: {err}", self.path.display())
            }
        };
        Loaded { entries: Vec::new(), warnings: vec![warning], read_only: false }
    }

    /// Atomic replace: temp file beside the target (0600), write, fsync, rename, fsync the dir.
    fn write<S: Serialize>(&self, entries: &[WatchEntry<S>]) -> Result<(), StoreError> {
        let dir = self.parent_dir()?;
        if let Some(done) = self.tighten_dir(&dir) {
            tracing::warn!("{done}");
        }
        remove_orphaned_temp_files(&dir, &self.file_name());
        // Compact, not pretty: with 100 saved tasks of 1,000 subtasks the file is 22 MB instead
        // of 38 MB, and the dashboard starts ~10 % sooner (benches/system.rs startup).
        let body = serde_json::to_vec(&FileFormatOut { schema: SCHEMA, tasks: entries })
            .map_err(|e| StoreError::Io { path: self.path.clone(), message: e.to_string() })?;
        let mut temp = tempfile::Builder::new()
            .prefix(&format!(".{}.", self.file_name()))
            .suffix(".tmp")
            .permissions(fs::Permissions::from_mode(0o600))
            .tempfile_in(&dir)
            .map_err(|e| io_error(&dir, &e))?;
        temp.write_all(&body).map_err(|e| io_error(temp.path(), &e))?;
        temp.as_file().sync_all().map_err(|e| io_error(temp.path(), &e))?;
        temp.persist(&self.path).map_err(|e| io_error(&self.path, &e.error))?;
        File::open(&dir).and_then(|d| d.sync_all()).map_err(|e| io_error(&dir, &e))?;
        Ok(())
    }

    fn file_name(&self) -> String {
        self.path.file_name().map_or_else(|| "watchlist.json".to_owned(), |n| n.to_string_lossy().into_owned())
    }

    /// The directory of the file, created private (0700) if missing.
    fn parent_dir(&self) -> Result<PathBuf, StoreError> {
        let dir = self.path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")).to_path_buf();
        if !dir.exists() {
            fs::DirBuilder::new().recursive(true).mode(0o700).create(&dir).map_err(|e| io_error(&dir, &e))?;
        }
        Ok(dir)
    }

    /// Makes an existing data directory private (0700) when group or others can enter it: it
    /// holds snapshots of the user's APIs and the lock. Returns what was done, to say once (the
    /// next start finds it private).
    fn tighten_dir(&self, dir: &Path) -> Option<String> {
        let mode = fs::metadata(dir).ok()?.permissions().mode() & 0o777;
        let group_and_others = mode & 0o077;
        // A bare file name lives in the current directory, which is not ours to change.
        if group_and_others == 0 || self.path.parent().is_none_or(|p| p.as_os_str().is_empty()) {
            return None;
        }
        let tightened = fs::set_permissions(dir, fs::Permissions::from_mode(0o700));
        Some(match tightened {
            Ok(()) => format!("{} was readable by others (mode {mode:04o}); it is now 0700", dir.display()),
            Err(err) => format!(
                "{} is readable by others (mode {mode:04o}) and could not be made private: {err}",
                dir.display()
            ),
        })
    }

    /// Holds the advisory lock on `watchlist.lock` until the guard drops; waits for another
    /// process that holds it at most `lock_wait`, announcing the wait after a second.
    fn lock(&self) -> Result<File, StoreError> {
        self.parent_dir()?;
        let path = self.lock_path();
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .open(&path)
            .map_err(|e| io_error(&path, &e))?;
        let started = std::time::Instant::now();
        let mut announced = false;
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(file),
                Err(fs::TryLockError::Error(err)) => return Err(io_error(&path, &err)),
                Err(fs::TryLockError::WouldBlock) => {}
            }
            let waited = started.elapsed();
            if waited >= self.lock_wait {
                return Err(StoreError::Io {
                    path,
                    message: format!(
                        "another oaswatch process (the dashboard, add, rm or import) has held this lock for {} s; \
                         nothing was read or saved — is one of them stuck?",
                        waited.as_secs()
                    ),
                });
            }
            if !announced && waited >= LOCK_NOTICE_AFTER {
                announced = true;
                tracing::info!(lock = %path.display(), "waiting for another process's watch-list lock");
                if let Some(notice) = &self.notice {
                    notice(&path);
                }
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// Deletes temp files left by a process killed mid-save. Called with the lock held (at every
/// read and before every save): saves happen only under the lock, so any temp file then present
/// belongs to a process that died.
fn remove_orphaned_temp_files(dir: &Path, file_name: &str) {
    let prefix = format!(".{file_name}.");
    let Ok(listing) = fs::read_dir(dir) else { return };
    for entry in listing.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(&prefix) && name.ends_with(".tmp") {
            let _ = fs::remove_file(entry.path());
        }
    }
}

fn unix_seconds(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{TaskKind, TaskState};

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path().join("data").join("watchlist.json"));
        (dir, store)
    }

    fn r(id: &str) -> TaskRef {
        format!("aliyun://cn-hangzhou/{id}").parse().unwrap()
    }

    fn now() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_800_000_000)
    }

    #[test]
    fn missing_file_is_an_empty_list() {
        let (_dir, store) = store();
        let loaded = store.load(now()).unwrap();
        assert!(loaded.entries.is_empty() && loaded.warnings.is_empty() && !loaded.read_only);
    }

    #[test]
    fn add_remove_and_snapshots_round_trip_with_private_modes() {
        let (_dir, store) = store();
        store.update(Change::Add(vec![r("a"), r("b"), r("a")]), now()).unwrap();
        store.update(Change::Remove(vec![r("a")]), now()).unwrap();
        let task = Task::new(r("b"), TaskKind::Import, TaskState::Succeeded, "Finished");
        store.update(Change::Snapshots(vec![(r("b"), task.clone()), (r("gone"), task.clone())]), now()).unwrap();

        let loaded = store.load(now()).unwrap();
        assert_eq!(loaded.entries.len(), 1);
        assert_eq!(loaded.entries[0].task_ref, r("b"));
        assert_eq!(loaded.entries[0].snapshot.as_ref(), Some(&task));
        let file_mode = fs::metadata(store.path()).unwrap().permissions().mode() & 0o777;
        let dir_mode = fs::metadata(store.path().parent().unwrap()).unwrap().permissions().mode() & 0o777;
        assert_eq!((file_mode, dir_mode), (0o600, 0o700));
    }

    #[test]
    fn a_deferred_load_parses_each_snapshot_only_when_asked() {
        let (_dir, store) = store();
        store.update(Change::Add(vec![r("a"), r("b"), r("c")]), now()).unwrap();
        let task_a = Task::new(r("a"), TaskKind::Import, TaskState::Succeeded, "Finished");
        let task_c = Task::new(r("c"), TaskKind::Import, TaskState::Running, "Running");
        store.update(Change::Snapshots(vec![(r("a"), task_a.clone()), (r("c"), task_c.clone())]), now()).unwrap();

        let (loaded, mut snapshots) = store.load_deferred(now()).unwrap();
        let refs: Vec<_> = loaded.entries.iter().map(|e| e.task_ref.clone()).collect();
        assert_eq!(refs, [r("a"), r("b"), r("c")]);
        assert!(loaded.entries.iter().all(|e| e.snapshot.is_none()));
        assert_eq!(snapshots.task_refs().cloned().collect::<Vec<_>>(), [r("a"), r("c")]);
        assert_eq!(snapshots.take(&r("c")), Some(Ok(task_c)));
        assert_eq!(snapshots.take(&r("b")), None);
        assert!(!snapshots.contains(&r("c")) && snapshots.len() == 1);
        let rest: Vec<_> = snapshots.into_parsed().collect();
        assert_eq!(rest, [(r("a"), Ok(task_a))]);
    }

    #[test]
    fn snapshots_parse_intact_while_the_text_behind_them_is_given_back() {
        use crate::app::fixtures::sub;
        use crate::domain::SubtaskState;
        let (_dir, store) = store();
        let refs: Vec<TaskRef> = (0..4).map(|i| r(&format!("t{i}"))).collect();
        store.update(Change::Add(refs.clone()), now()).unwrap();
        // ~1 MB each, so the text is shrunk more than once on the way.
        let big = |task_ref: &TaskRef| {
            // `raw_index` is not saved: it is 0 once read back.
            let subtasks = (0..8_000).map(|i| sub(i, SubtaskState::Succeeded).at_index(0)).collect();
            Task::new(task_ref.clone(), TaskKind::Import, TaskState::Succeeded, "Finished").with_subtasks(subtasks)
        };
        let tasks: Vec<(TaskRef, Task)> = refs.iter().map(|r| (r.clone(), big(r))).collect();
        store.update(Change::Snapshots(tasks.clone()), now()).unwrap();
        assert!(fs::metadata(store.path()).unwrap().len() > 3_000_000);

        let (_, snapshots) = store.load_deferred(now()).unwrap();
        let mut parsed: Vec<(TaskRef, Task)> = snapshots.into_parsed().map(|(r, t)| (r, t.unwrap())).collect();
        parsed.reverse();
        assert!(parsed == tasks, "every snapshot parses to what was saved");
    }

    #[test]
    fn two_damaged_lists_in_the_same_second_keep_both_backups() {
        let (_dir, store) = store();
        store.update(Change::Add(vec![r("a")]), now()).unwrap();
        fs::write(store.path(), "first damaged list").unwrap();
        assert_eq!(store.load(now()).unwrap().warnings.len(), 1);
        fs::write(store.path(), "second damaged list").unwrap();
        assert_eq!(store.load(now()).unwrap().warnings.len(), 1);
        let dir = store.path().parent().unwrap();
        let mut backups: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.to_string_lossy().contains("corrupted"))
            .map(|p| fs::read_to_string(p).unwrap())
            .collect();
        backups.sort();
        assert_eq!(backups, ["first damaged list", "second damaged list"]);
    }

    #[test]
    fn a_lock_held_elsewhere_is_waited_for_a_bounded_time_and_announced() {
        let (_dir, store) = store();
        store.update(Change::Add(vec![r("a")]), now()).unwrap();
        let holder = OpenOptions::new().write(true).open(store.lock_path()).unwrap();
        holder.lock().unwrap();
        let announced = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = std::sync::Arc::clone(&announced);
        let waiting = store.clone().with_lock_wait(Duration::from_millis(1500)).on_lock_wait(std::sync::Arc::new(
            move |_: &Path| {
                counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            },
        ));
        let err = waiting.update(Change::Add(vec![r("b")]), now()).unwrap_err().to_string();
        assert!(err.contains("another oaswatch process") && err.contains("watchlist.lock"), "{err}");
        assert_eq!(announced.load(std::sync::atomic::Ordering::SeqCst), 1, "said once what it waits for");
        drop(holder);
        waiting.update(Change::Add(vec![r("b")]), now()).unwrap();
        assert_eq!(store.load(now()).unwrap().entries.len(), 2);
    }

    #[test]
    fn an_open_data_directory_is_made_private_and_said_once() {
        let (_dir, store) = store();
        store.update(Change::Add(vec![r("a")]), now()).unwrap();
        let data = store.path().parent().unwrap();
        fs::set_permissions(data, fs::Permissions::from_mode(0o755)).unwrap();
        let first = store.load(now()).unwrap();
        assert_eq!(first.warnings.len(), 1, "{:?}", first.warnings);
        assert!(first.warnings[0].contains("now 0700"), "{:?}", first.warnings);
        assert_eq!(fs::metadata(data).unwrap().permissions().mode() & 0o777, 0o700);
        assert!(store.load(now()).unwrap().warnings.is_empty(), "said once");
    }

    #[test]
    fn temp_files_of_a_killed_save_are_removed_at_the_next_start() {
        let (_dir, store) = store();
        store.update(Change::Add(vec![r("a")]), now()).unwrap();
        let orphan = store.path().parent().unwrap().join(".watchlist.json.abc123.tmp");
        fs::write(&orphan, "half a list").unwrap();
        store.load_deferred(now()).unwrap();
        assert!(!orphan.exists(), "a fresh orphan is removed too: no save runs without the lock");
    }

    #[test]
    fn an_unreadable_snapshot_costs_only_itself_and_changes_keep_it_verbatim() {
        let (_dir, store) = store();
        store.update(Change::Add(vec![r("a"), r("b")]), now()).unwrap();
        let good = Task::new(r("a"), TaskKind::Import, TaskState::Succeeded, "Finished");
        store.update(Change::Snapshots(vec![(r("a"), good.clone())]), now()).unwrap();
        // Valid JSON, but not a task this version understands.
        let bad = r#"{"ref":"aliyun://cn-hangzhou/b","state":"teleported"}"#;
        let text = fs::read_to_string(store.path()).unwrap();
        let text = text.replacen(
            r#""ref":"aliyun://cn-hangzhou/b","#,
            &format!(r#""ref":"aliyun://cn-hangzhou/b","snapshot":{bad},"#),
            1,
        );
        fs::write(store.path(), &text).unwrap();

        let loaded = store.load(now()).unwrap();
        assert_eq!(loaded.entries.len(), 2);
        assert_eq!(loaded.entries[0].snapshot.as_ref(), Some(&good));
        assert!(loaded.entries[1].snapshot.is_none());
        assert_eq!(loaded.warnings.len(), 1);
        assert!(loaded.warnings[0].contains("aliyun://cn-hangzhou/b") && loaded.warnings[0].contains("teleported"));

        // A change neither sets the list aside nor loses that snapshot: it is copied as read,
        // and so is the good one.
        let good_json = serde_json::to_string(&good).unwrap();
        store.update(Change::Add(vec![r("c")]), now()).unwrap();
        let after = fs::read_to_string(store.path()).unwrap();
        assert!(after.contains(bad) && after.contains(&good_json), "{after}");
        assert_eq!(store.load(now()).unwrap().entries.len(), 3);
        let backups = fs::read_dir(store.path().parent().unwrap())
            .unwrap()
            .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().contains("corrupted"))
            .count();
        assert_eq!(backups, 0);
    }

    #[test]
    fn an_import_remembers_its_spec() {
        let (_dir, store) = store();
        store.update(Change::Add(vec![r("a")]), now()).unwrap();
        store.update(Change::AddImport { task_ref: r("a"), spec: "/specs/a.yaml".into(), label: None }, now()).unwrap();
        store
            .update(
                Change::AddImport { task_ref: r("b"), spec: "/specs/b.yaml".into(), label: Some("b.yaml".into()) },
                now(),
            )
            .unwrap();
        let loaded = store.load(now()).unwrap();
        let specs: Vec<_> = loaded.entries.iter().map(|e| e.spec.clone().unwrap()).collect();
        assert_eq!(specs, [PathBuf::from("/specs/a.yaml"), PathBuf::from("/specs/b.yaml")]);
        let labels: Vec<_> = loaded.entries.iter().map(|e| e.label.clone()).collect();
        assert_eq!(labels, [None, Some("b.yaml".to_owned())]);
    }

    #[test]
    fn labels_are_kept_renamed_and_taken_away() {
        let (_dir, store) = store();
        store.update(Change::Add(vec![r("a")]), now()).unwrap();
        store
            .update(Change::Label(vec![(r("a"), Some(" orders ".into())), (r("b"), Some("new".into()))]), now())
            .unwrap();
        let labels = |store: &Store| -> Vec<Option<String>> {
            store.load(now()).unwrap().entries.iter().map(|e| e.label.clone()).collect()
        };
        assert_eq!(labels(&store), [Some("orders".to_owned()), Some("new".to_owned())], "trimmed; b added");
        store.update(Change::Snapshots(Vec::new()), now()).unwrap();
        store.update(Change::Label(vec![(r("a"), None), (r("b"), Some("  ".into()))]), now()).unwrap();
        assert_eq!(labels(&store), [None, None]);
    }

    #[test]
    fn corrupt_file_is_backed_up_byte_for_byte_and_reported() {
        let (_dir, store) = store();
        store.update(Change::Add(vec![r("a")]), now()).unwrap();
        fs::write(store.path(), b"{\"schema\":1,\"tasks\":[{\"ref\":").unwrap();
        let loaded = store.load(now()).unwrap();
        assert!(loaded.entries.is_empty());
        let backup = format!("{}.corrupted.1800000000", store.path().display());
        assert_eq!(fs::read(&backup).unwrap(), b"{\"schema\":1,\"tasks\":[{\"ref\":");
        assert!(loaded.warnings[0].contains(&backup), "{:?}", loaded.warnings);
        // A fresh list works afterwards.
        store.update(Change::Add(vec![r("c")]), now()).unwrap();
        assert_eq!(store.load(now()).unwrap().entries.len(), 1);
    }

    #[test]
    fn newer_schema_is_read_only_and_never_overwritten() {
        let (_dir, store) = store();
        fs::create_dir_all(store.path().parent().unwrap()).unwrap();
        let original = br#"{"schema": 99, "tasks": "a format from the future"}"#;
        fs::write(store.path(), original).unwrap();
        let loaded = store.load(now()).unwrap();
        assert!(loaded.read_only);
        assert!(loaded.warnings[0].contains("schema 99"));
        let err = store.update(Change::Add(vec![r("a")]), now()).unwrap_err();
        assert!(matches!(err, StoreError::ReadOnly { found: 99, .. }), "{err}");
        assert_eq!(fs::read(store.path()).unwrap(), original);
    }

    #[test]
    fn two_writers_merge_instead_of_losing_updates() {
        let (_dir, store) = store();
        let other = Store::new(store.path().to_path_buf());
        let threads: Vec<_> = (0..8)
            .map(|i| {
                let s = if i % 2 == 0 { store.clone() } else { other.clone() };
                std::thread::spawn(move || {
                    for j in 0..10 {
                        s.update(Change::Add(vec![r(&format!("t{i}x{j}"))]), now()).unwrap();
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        assert_eq!(store.load(now()).unwrap().entries.len(), 80);
    }

    #[test]
    fn no_temp_files_left_after_saves() {
        let (_dir, store) = store();
        for i in 0..5 {
            store.update(Change::Add(vec![r(&format!("t{i}"))]), now()).unwrap();
        }
        let names: Vec<String> = fs::read_dir(store.path().parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(names.iter().all(|n| !n.contains(".tmp")), "{names:?}");
    }
}
