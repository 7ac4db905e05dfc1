//! The watch list file under stress, through the real binary: `kill -9` in the middle of saves,
//! two instances writing at once, a corrupted file, a file from a newer version.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test setup fails loudly")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, SystemTime};

use oaswatch::domain::{
    ApiErrorRef, Subtask, SubtaskKind, SubtaskState, SubtaskText, Task, TaskKind, TaskRef, TaskState,
};
use oaswatch::store::{Change, Store};

fn oaswatch(data: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_oaswatch"));
    cmd.args(args)
        .env_clear()
        .env("OASWATCH_CONFIG_DIR", data.join("config"))
        .env("OASWATCH_DATA_DIR", data.join("data"))
        .env("HOME", data)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

fn run(data: &Path, args: &[&str]) -> Output {
    oaswatch(data, args).output().unwrap()
}

fn watchlist(data: &Path) -> PathBuf {
    data.join("data").join("watchlist.json")
}

fn task_ref(i: usize) -> String {
    format!("aliyun://cn-hangzhou/task{i:05}")
}

/// A finished task with `n` failed subtasks, so the file is big and a save takes a while.
fn big_task(task_ref: &TaskRef, n: usize) -> Task {
    let subtasks = (0..n)
        .map(|i| {
            Subtask::new(
                SubtaskKind::Api,
                SubtaskState::Failed,
                SubtaskText {
                    id: &format!("{i:032x}"),
                    name: &format!("operation{i}"),
                    method: "GET",
                    path: &format!("/resources/{i}/items/{{itemId}}"),
                    raw_status: "FAIL",
                    error: Some(ApiErrorRef::new("", &format!("Path /resources/{i} conflicts with an existing API\n"))),
                },
            )
        })
        .collect();
    Task::new(task_ref.clone(), TaskKind::Import, TaskState::PartiallyFailed, "Finished").with_subtasks(subtasks)
}

#[test]
fn kill_9_during_saves_never_leaves_a_torn_or_empty_file() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    // Start from a large list (~4 MB) so every save spends real time writing.
    let store = Store::new(watchlist(data));
    let seed: TaskRef = task_ref(0).parse().unwrap();
    store.update(Change::Add(vec![seed.clone()]), SystemTime::now()).unwrap();
    store.update(Change::Snapshots(vec![(seed.clone(), big_task(&seed, 15_000))]), SystemTime::now()).unwrap();
    let size = std::fs::metadata(watchlist(data)).unwrap().len();
    assert!(size > 2_000_000, "{size}");

    let mut killed_mid_run = 0;
    for i in 1..=60 {
        let mut child = oaswatch(data, &["add", &task_ref(i)]).spawn().unwrap();
        // Spread the kills over the save (reading, serialising, writing, renaming).
        std::thread::sleep(Duration::from_millis((i as u64 * 7) % 45));
        if child.try_wait().unwrap().is_none() {
            killed_mid_run += 1;
        }
        let _ = child.kill();
        let _ = child.wait();

        let bytes = std::fs::read(watchlist(data)).unwrap();
        assert!(!bytes.is_empty(), "empty file after kill {i}");
        let parsed: serde_json::Value =
            serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("torn file after kill {i}: {e}"));
        assert_eq!(parsed["schema"], 1);
    }
    assert!(killed_mid_run >= 10, "the kills should land while saving; only {killed_mid_run} did");

    let listed = run(data, &["list"]);
    assert!(listed.status.success());
    assert!(
        String::from_utf8_lossy(&listed.stderr).is_empty(),
        "no corruption warning: {}",
        String::from_utf8_lossy(&listed.stderr)
    );
    assert!(String::from_utf8_lossy(&listed.stdout).contains(&task_ref(0)), "the original entry survived");
}

#[test]
fn two_instances_adding_at_once_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_path_buf();
    let writers: Vec<_> = (0..2)
        .map(|w| {
            let data = data.clone();
            std::thread::spawn(move || {
                for i in 0..15 {
                    let out = run(&data, &["add", &task_ref(w * 100 + i)]);
                    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
                }
            })
        })
        .collect();
    for writer in writers {
        writer.join().unwrap();
    }
    let listed = String::from_utf8(run(&data, &["list"]).stdout).unwrap();
    for w in 0..2 {
        for i in 0..15 {
            assert!(listed.contains(&task_ref(w * 100 + i)), "lost {}", task_ref(w * 100 + i));
        }
    }
    assert_eq!(listed.lines().count(), 30);
}

#[test]
fn a_corrupted_file_is_kept_aside_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    assert!(run(data, &["add", &task_ref(1)]).status.success());
    let garbage = b"{\"schema\": 1, \"tasks\": [ {\"ref\": \"aliyun://cn-hangzhou/x\", \"added_at\"";
    std::fs::write(watchlist(data), garbage).unwrap();

    let out = run(data, &["list"]);
    assert!(out.status.success(), "the tool still works");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("watchlist.json.corrupted."), "says where the bad file went: {stderr}");
    let backup = std::fs::read_dir(data.join("data"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains(".corrupted."))
        .expect("a backup");
    assert_eq!(std::fs::read(&backup).unwrap(), garbage, "the backup keeps the original bytes");
    assert!(stderr.contains(&backup.display().to_string()), "the message names the real backup path");
    assert!(run(data, &["add", &task_ref(2)]).status.success(), "a fresh list works");
}

#[test]
fn a_file_from_a_newer_version_is_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    std::fs::create_dir_all(data.join("data")).unwrap();
    let future = br#"{"schema": 7, "tasks": [], "something_new": true}"#;
    std::fs::write(watchlist(data), future).unwrap();
    let out = run(data, &["add", &task_ref(1)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("newer oaswatch"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(std::fs::read(watchlist(data)).unwrap(), future);
}
