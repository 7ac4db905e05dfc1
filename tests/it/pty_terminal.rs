//! The real binary in a pseudo-terminal: however the dashboard ends — `q`, Ctrl-C, SIGTERM,
//! SIGHUP, a panic in the UI or in a background task — the terminal is handed back restored
//! (alternate screen left, cursor visible, mouse reporting off, raw mode off) with the exit code
//! that says what happened; and Ctrl-Z stops the process with the terminal restored, then
//! repaints on `fg`.

#![allow(clippy::unwrap_used, reason = "test setup fails loudly")]

use crate::pty_support;

use pty_support::{PtyApp, dirs, signal, wait_for_process_state};

/// A dashboard on one task whose endpoint refuses connections: no network, no simulator needed.
/// Mouse reporting is turned on in its config, so every way of ending checks it is turned off.
fn start(extra_env: &[(&str, &str)]) -> (tempfile::TempDir, PtyApp) {
    start_with_config(extra_env, "[ui]\nmouse = true\n")
}

fn start_with_config(extra_env: &[(&str, &str)], config: &str) -> (tempfile::TempDir, PtyApp) {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("config")).unwrap();
    std::fs::write(root.path().join("config").join("config.toml"), config).unwrap();
    let dir_env = dirs(root.path());
    let mut env: Vec<(&str, &str)> = dir_env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    env.extend([
        ("ALIBABA_CLOUD_ACCESS_KEY_ID", "test-key"),
        ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "test-secret-value"),
        ("HOME", "/nonexistent"),
    ]);
    env.extend_from_slice(extra_env);
    let app = PtyApp::spawn(
        &["aliyun://cn-hangzhou/0123456789abcdef", "--endpoint", "aliyun=http://127.0.0.1:1"],
        &env,
        100,
        30,
    );
    assert!(app.wait_for(|s| s.alternate_screen() && s.contents().contains("Tasks")), "{}", app.screen_text());
    let state = app.terminal_state();
    assert!(state.alternate_screen && state.cursor_hidden, "{state:?}");
    assert_eq!(state.canonical_input, Some(false), "raw mode while running");
    (root, app)
}

#[test]
fn mouse_reporting_is_off_by_default_and_buttons_only_when_configured() {
    let (_root, mut app) = start_with_config(&[], "");
    assert_eq!(app.mouse_mode(), vt100::MouseProtocolMode::None, "the terminal keeps its own text selection");
    app.send(b"q");
    assert_eq!(app.wait_exit(), Some(0));

    let (_root, mut app) = start(&[]);
    assert_eq!(app.mouse_mode(), vt100::MouseProtocolMode::ButtonMotion, "buttons and drags, never bare motion");
    let raw = String::from_utf8_lossy(&app.raw_output()).into_owned();
    assert!(!raw.contains("\x1b[?1003h"), "any-motion tracking was asked for");
    app.send(b"q");
    assert_eq!(app.wait_exit(), Some(0));
    let restored = app.wait_restored();
    assert!(restored.is_restored(), "{restored:?}");
}

#[test]
fn q_quits_with_0_and_restores_the_terminal() {
    let (_root, mut app) = start(&[]);
    app.send(b"q");
    assert_eq!(app.wait_exit(), Some(0));
    let state = app.wait_restored();
    assert!(state.is_restored(), "{state:?}");
}

#[test]
fn ctrl_c_quits_with_130_and_restores_the_terminal() {
    let (_root, mut app) = start(&[]);
    app.send(b"\x03");
    assert_eq!(app.wait_exit(), Some(130));
    let restored = app.wait_restored();
    assert!(restored.is_restored(), "{restored:?}");
}

#[test]
fn sigterm_and_sighup_quit_through_the_normal_path() {
    for (name, code) in [("TERM", 143), ("HUP", 129)] {
        let (_root, mut app) = start(&[]);
        signal(app.pid(), name);
        assert_eq!(app.wait_exit(), Some(code), "SIG{name}");
        let restored = app.wait_restored();
        assert!(restored.is_restored(), "SIG{name}: {restored:?}");
    }
}

#[test]
fn a_panic_anywhere_restores_the_terminal_and_exits_101_with_a_readable_message() {
    for place in ["ui", "background"] {
        let (_root, mut app) = start(&[("OASWATCH_DEBUG_PANIC", place)]);
        assert_eq!(app.wait_exit(), Some(101), "panic in {place}");
        let restored = app.wait_restored();
        assert!(restored.is_restored(), "panic in {place}: {restored:?}");
        assert!(app.screen_text().contains("deliberate panic"), "message visible: {}", app.screen_text());
    }
}

#[test]
fn ctrl_z_stops_with_the_terminal_restored_and_fg_repaints() {
    let (_root, mut app) = start(&[]);
    let pid = app.pid();
    app.send(b"\x1a");
    assert!(wait_for_process_state(pid, |s| s == Some('T')), "stopped after Ctrl-Z");
    let stopped = app.wait_restored();
    assert!(stopped.is_restored(), "the shell gets a normal terminal while we are stopped: {stopped:?}");

    signal(pid, "CONT");
    assert!(wait_for_process_state(pid, |s| s.is_some_and(|c| c != 'T')), "running again");
    assert!(
        app.wait_for(|s| s.alternate_screen() && s.contents().contains("Tasks")),
        "repainted after fg: {:?} {} {:?}",
        app.terminal_state(),
        app.screen_text(),
        pty_support::process_state(pid)
    );
    app.send(b"q");
    assert_eq!(app.wait_exit(), Some(0));
    assert!(app.wait_restored().is_restored());
}

#[test]
fn sigtstp_from_outside_suspends_like_ctrl_z_and_sigcont_takes_the_terminal_back() {
    let (_root, mut app) = start(&[]);
    let pid = app.pid();
    signal(pid, "TSTP");
    assert!(wait_for_process_state(pid, |s| s == Some('T')), "stopped after SIGTSTP");
    let stopped = app.wait_restored();
    assert!(stopped.is_restored(), "the shell gets a normal terminal while we are stopped: {stopped:?}");

    signal(pid, "CONT");
    assert!(
        app.wait_for(|s| s.alternate_screen() && s.contents().contains("Tasks")),
        "repainted after SIGCONT: {:?} {}",
        app.terminal_state(),
        app.screen_text()
    );
    assert_eq!(app.terminal_state().canonical_input, Some(false), "raw mode again");
    app.send(b"q");
    assert_eq!(app.wait_exit(), Some(0), "keys are read raw again: q quits");
    assert!(app.wait_restored().is_restored());
}

#[test]
fn after_sigstop_and_sigcont_the_dashboard_takes_raw_mode_back_and_repaints() {
    let (_root, mut app) = start(&[]);
    let pid = app.pid();
    signal(pid, "STOP");
    assert!(wait_for_process_state(pid, |s| s == Some('T')), "stopped");
    // SIGSTOP cannot be caught; the shell puts its own modes back and prints its prompt.
    app.act_as_the_shell_while_stopped(b"\x1b[?1049l\x1b[2J\x1b[H[1]+  Stopped   oaswatch\r\n$ ");
    assert_eq!(app.terminal_state().canonical_input, Some(true), "the shell's cooked mode");

    signal(pid, "CONT");
    assert!(
        app.wait_for(|s| s.alternate_screen() && s.contents().contains("Tasks") && !s.contents().contains("Stopped")),
        "repainted after SIGCONT: {:?} {}",
        app.terminal_state(),
        app.screen_text()
    );
    let state = app.wait_for_terminal_state(|s| s.canonical_input == Some(false));
    assert_eq!(state.canonical_input, Some(false), "raw mode again");
    app.send(b"q");
    assert_eq!(app.wait_exit(), Some(0), "a single q quits: input is raw");
    assert!(app.wait_restored().is_restored());
}

#[test]
fn other_signals_that_end_a_process_restore_the_terminal_first() {
    for (name, code) in [("USR1", 138), ("USR2", 140), ("ALRM", 142)] {
        let (_root, mut app) = start(&[]);
        signal(app.pid(), name);
        assert_eq!(app.wait_exit(), Some(code), "SIG{name}");
        let restored = app.wait_restored();
        assert!(restored.is_restored(), "SIG{name}: {restored:?}");
    }
}

#[test]
fn the_window_title_is_never_changed() {
    let (_root, mut app) = start(&[]);
    app.send(b"q");
    app.wait_exit();
    let recorded = app.recorded();
    assert!(recorded.titles.is_empty(), "{recorded:?}");
    assert!(recorded.clipboard_writes.is_empty(), "{recorded:?}");
}

#[test]
fn the_pager_gets_the_viewers_text_and_its_ctrl_c_does_not_end_the_dashboard() {
    let out = tempfile::tempdir().unwrap();
    let copy = out.path().join("seen.txt");
    // A "pager" that keeps what it was shown, then does what Ctrl-C in less does to the
    // terminal's foreground process group: SIGINT to everyone in it, us included.
    let pager = format!("sh -c 'cp \"$1\" {}; kill -INT 0' pager", copy.display());
    let (_root, mut app) = start(&[("PAGER", &pager)]);
    assert!(app.wait_for_text("network"), "{}", app.screen_text());
    app.send(b"\r");
    assert!(app.wait_for_text("Fetch error"), "{}", app.screen_text());
    app.send(b"o");
    assert!(app.wait_for(|_| copy.exists()), "the pager ran");
    assert!(
        app.wait_for(|s| s.alternate_screen() && s.contents().contains("Fetch error")),
        "repainted after the pager: {}",
        app.screen_text()
    );
    let seen = std::fs::read_to_string(&copy).unwrap();
    assert!(seen.contains("Fetching this task failed (network"), "{seen}");
    let state = app.terminal_state();
    assert_eq!(state.canonical_input, Some(false), "raw mode again: {state:?}");
    app.send(b"q");
    assert_eq!(app.wait_exit(), Some(0), "the pager's SIGINT was not taken as ours");
    assert!(app.wait_restored().is_restored());
}
