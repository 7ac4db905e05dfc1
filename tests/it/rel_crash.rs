//! Crashes and signals (RELIABILITY.md §3): however the dashboard ends — `q`, Ctrl-C, SIGTERM,
//! SIGHUP, a panic in the UI or in a background task — a task added with `a` just before is in
//! `watchlist.json` (0600, in a 0700 directory), the terminal is restored, and the exit code says
//! what happened (0/130/143/129/101).

#![allow(clippy::unwrap_used, clippy::panic, reason = "test setup fails loudly")]

use crate::pty_support;

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;

use pty_support::{PtyApp, dirs, signal};

const ADDED: &str = "aliyun://cn-hangzhou/added0123";

/// A dashboard on one task whose endpoint refuses connections, with `extra_env`; `a` adds
/// [`ADDED`] and the test waits until it is on screen.
fn start_and_add(extra_env: &[(&str, &str)]) -> (tempfile::TempDir, PtyApp) {
    let root = tempfile::tempdir().unwrap();
    let dir_env = dirs(root.path());
    let mut env: Vec<(&str, &str)> = dir_env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    env.extend([
        ("ALIBABA_CLOUD_ACCESS_KEY_ID", "test-key"),
        ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "test-secret-value"),
        ("HOME", "/nonexistent"),
    ]);
    env.extend_from_slice(extra_env);
    let mut app = PtyApp::spawn(
        &["aliyun://cn-hangzhou/0123456789abcdef", "--endpoint", "aliyun=http://127.0.0.1:1"],
        &env,
        100,
        30,
    );
    assert!(app.wait_for(|s| s.alternate_screen() && s.contents().contains("Tasks")), "{}", app.screen_text());
    app.send(b"a");
    assert!(app.wait_for_text("Add task:"), "{}", app.screen_text());
    app.send(ADDED.as_bytes());
    app.send(b"\r");
    assert!(app.wait_for_text("added0123"), "the task is added: {}", app.screen_text());
    assert!(app.wait_for(|s| !s.contents().contains("Add task:")), "{}", app.screen_text());
    (root, app)
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// The end state every way of stopping must leave.
fn assert_ended(root: &Path, app: &mut PtyApp, expected_code: u32, how: &str) {
    assert_eq!(app.wait_exit(), Some(expected_code), "{how}: exit code");
    let state = app.wait_restored();
    assert!(state.is_restored(), "{how}: terminal not restored: {state:?}");
    let data = root.join("data");
    let list = std::fs::read_to_string(data.join("watchlist.json")).unwrap_or_default();
    let saved: serde_json::Value = serde_json::from_str(&list).unwrap_or_else(|e| panic!("{how}: {e}: {list}"));
    let refs: Vec<&str> = saved["tasks"].as_array().unwrap().iter().map(|t| t["ref"].as_str().unwrap()).collect();
    assert!(refs.contains(&ADDED), "{how}: the added task was not saved: {refs:?}");
    assert_eq!(mode(&data.join("watchlist.json")), 0o600, "{how}");
    assert_eq!(mode(&data.join("watchlist.lock")), 0o600, "{how}");
    assert_eq!(mode(&data), 0o700, "{how}");
    let leftovers: Vec<String> = std::fs::read_dir(&data)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{how}: temp files left: {leftovers:?}");
}

#[test]
fn q_saves_the_added_task_and_exits_0() {
    let (root, mut app) = start_and_add(&[]);
    app.send(b"q");
    assert_ended(root.path(), &mut app, 0, "q");
}

#[test]
fn ctrl_c_saves_the_added_task_and_exits_130() {
    let (root, mut app) = start_and_add(&[]);
    app.send(b"\x03");
    assert_ended(root.path(), &mut app, 130, "Ctrl-C");
}

#[test]
fn sigterm_saves_the_added_task_and_exits_143() {
    let (root, mut app) = start_and_add(&[]);
    signal(app.pid(), "TERM");
    assert_ended(root.path(), &mut app, 143, "SIGTERM");
}

#[test]
fn sighup_saves_the_added_task_and_exits_129() {
    let (root, mut app) = start_and_add(&[]);
    signal(app.pid(), "HUP");
    assert_ended(root.path(), &mut app, 129, "SIGHUP");
}

#[test]
fn a_panic_in_the_ui_keeps_the_added_task_and_exits_101() {
    let (root, mut app) = start_and_add(&[("OASWATCH_DEBUG_PANIC", "ui-on-urg")]);
    signal(app.pid(), "URG");
    assert_ended(root.path(), &mut app, 101, "panic in the UI");
    assert!(app.screen_text().contains("deliberate panic in the UI task"), "{}", app.screen_text());
}

#[test]
fn a_panic_in_a_background_task_keeps_the_added_task_and_exits_101() {
    let (root, mut app) = start_and_add(&[("OASWATCH_DEBUG_PANIC", "background-on-urg")]);
    signal(app.pid(), "URG");
    assert_ended(root.path(), &mut app, 101, "panic in a background task");
    assert!(app.screen_text().contains("deliberate panic in a background task"), "{}", app.screen_text());
}

#[test]
fn a_save_waiting_for_another_process_never_freezes_the_dashboard() {
    let (root, mut app) = start_and_add(&[]);
    // Another process holds the watch list's lock for the next few seconds.
    let lock = std::fs::OpenOptions::new().write(true).open(root.path().join("data").join("watchlist.lock")).unwrap();
    lock.lock().unwrap();
    app.send(b"d");
    assert!(app.wait_for_text("Remove task?"), "the remove dialog: {}", app.screen_text());
    app.send(b"y");
    // The save now waits for the lock; keys are still answered at once.
    app.send(b"?");
    let started = std::time::Instant::now();
    assert!(app.wait_for_text(" Help "), "help opens while the save waits: {}", app.screen_text());
    assert!(started.elapsed() < std::time::Duration::from_secs(3), "{:?}", started.elapsed());
    drop(lock);
    app.send(b"\x1b");
    assert!(app.wait_for(|s| !s.contents().contains(" Help ")), "{}", app.screen_text());
    app.send(b"q");
    assert_eq!(app.wait_exit(), Some(0));
    let list = std::fs::read_to_string(root.path().join("data").join("watchlist.json")).unwrap();
    assert!(!list.contains("0123456789abcdef"), "the removal was saved once the lock was free: {list}");
}
