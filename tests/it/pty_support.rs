//! Runs the real `oaswatch` binary in a pseudo-terminal and watches the screen through `vt100`,
//! so end-to-end tests see exactly what a user's terminal would.

#![allow(dead_code, reason = "each test file uses a different part of the harness")]
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test harness: fail loudly")]

use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

/// Generous upper bound for anything to appear; only guards against a hung test.
pub const PATIENCE: Duration = Duration::from_secs(60);

/// What the program asked the terminal to do besides drawing: the things server text must never
/// be able to trigger (title changes, clipboard writes, hyperlinks and other OSC sequences).
#[derive(Debug, Default, Clone)]
pub struct Recorder {
    pub titles: Vec<Vec<u8>>,
    pub clipboard_writes: Vec<Vec<u8>>,
    pub other_osc: Vec<Vec<Vec<u8>>>,
    pub bells: usize,
}

impl vt100::Callbacks for Recorder {
    fn audible_bell(&mut self, _: &mut vt100::Screen) {
        self.bells += 1;
    }

    fn set_window_title(&mut self, _: &mut vt100::Screen, title: &[u8]) {
        self.titles.push(title.to_vec());
    }

    fn set_window_icon_name(&mut self, _: &mut vt100::Screen, name: &[u8]) {
        self.titles.push(name.to_vec());
    }

    fn copy_to_clipboard(&mut self, _: &mut vt100::Screen, _ty: &[u8], data: &[u8]) {
        self.clipboard_writes.push(data.to_vec());
    }

    fn unhandled_osc(&mut self, _: &mut vt100::Screen, params: &[&[u8]]) {
        self.other_osc.push(params.iter().map(|p| p.to_vec()).collect());
    }
}

pub struct PtyApp {
    parser: Arc<Mutex<vt100::Parser<Recorder>>>,
    raw: Arc<Mutex<Vec<u8>>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn Child + Send + Sync>,
    master: Box<dyn MasterPty + Send>,
}

impl PtyApp {
    /// Starts `oaswatch ARGS` with only the given environment (plus PATH, HOME, TERM).
    pub fn spawn(args: &[&str], env: &[(&str, &str)], cols: u16, rows: u16) -> PtyApp {
        let pty =
            native_pty_system().openpty(PtySize { rows, cols, pixel_width: 0, pixel_height: 0 }).expect("open a pty");
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_oaswatch"));
        cmd.args(args);
        cmd.env_clear();
        cmd.cwd(env!("CARGO_MANIFEST_DIR"));
        cmd.env("PATH", std::env::var("PATH").unwrap_or_default());
        cmd.env("TERM", "xterm-256color");
        for (key, value) in env {
            cmd.env(key, value);
        }
        let child = pty.slave.spawn_command(cmd).expect("spawn oaswatch");
        drop(pty.slave);
        let size = |n: u16| std::num::NonZeroU16::new(n).expect("a non-empty terminal");
        let parser =
            Arc::new(Mutex::new(vt100::Parser::new_with_callbacks(size(rows), size(cols), 0, Recorder::default())));
        let raw = Arc::new(Mutex::new(Vec::new()));
        let mut reader = pty.master.try_clone_reader().unwrap();
        let (parser_in, raw_in) = (Arc::clone(&parser), Arc::clone(&raw));
        thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                parser_in.lock().unwrap().process(&buf[..n]);
                raw_in.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        let writer = pty.master.take_writer().unwrap();
        PtyApp { parser, raw, writer, child, master: pty.master }
    }

    pub fn pid(&self) -> u32 {
        self.child.process_id().expect("a pid")
    }

    pub fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).unwrap();
        self.writer.flush().unwrap();
    }

    pub fn screen_text(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    /// Everything the program wrote, as bytes.
    pub fn raw_output(&self) -> Vec<u8> {
        self.raw.lock().unwrap().clone()
    }

    /// Runs `check` on the screen until it holds; false after [`PATIENCE`].
    pub fn wait_for(&self, check: impl Fn(&vt100::Screen) -> bool) -> bool {
        let deadline = Instant::now() + PATIENCE;
        while Instant::now() < deadline {
            if check(self.parser.lock().unwrap().screen()) {
                return true;
            }
            thread::sleep(Duration::from_millis(50));
        }
        false
    }

    pub fn wait_for_text(&self, text: &str) -> bool {
        self.wait_for(|screen| screen.contents().contains(text))
    }

    /// Waits for the process to exit and returns its exit code.
    pub fn wait_exit(&mut self) -> Option<u32> {
        let deadline = Instant::now() + PATIENCE;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                // Let the reader thread drain the last bytes (the restore sequence).
                thread::sleep(Duration::from_millis(200));
                return Some(status.exit_code());
            }
            thread::sleep(Duration::from_millis(50));
        }
        None
    }

    /// The terminal state a user's shell would find.
    pub fn terminal_state(&self) -> TerminalState {
        let parser = self.parser.lock().unwrap();
        let screen = parser.screen();
        let termios = self.master.get_termios();
        TerminalState {
            alternate_screen: screen.alternate_screen(),
            cursor_hidden: screen.hide_cursor(),
            mouse_reporting: screen.mouse_protocol_mode() != vt100::MouseProtocolMode::None,
            canonical_input: termios.map(|t| t.local_flags.contains(nix::sys::termios::LocalFlags::ICANON)),
        }
    }

    /// The terminal state once `check` holds, or the last state seen after [`PATIENCE`]. The
    /// program may write its restore sequence and stop before our reader thread has fed those
    /// bytes to the parser, so a state read once can be stale.
    pub fn wait_for_terminal_state(&self, check: impl Fn(&TerminalState) -> bool) -> TerminalState {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let state = self.terminal_state();
            if check(&state) || Instant::now() >= deadline {
                return state;
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// The terminal state once it is restored (or the last one seen, for the failure message).
    pub fn wait_restored(&self) -> TerminalState {
        self.wait_for_terminal_state(TerminalState::is_restored)
    }

    /// The mouse reporting the program asked for.
    pub fn mouse_mode(&self) -> vt100::MouseProtocolMode {
        self.parser.lock().unwrap().screen().mouse_protocol_mode()
    }

    /// The non-drawing requests seen so far.
    pub fn recorded(&self) -> Recorder {
        self.parser.lock().unwrap().callbacks().clone()
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill();
    }

    /// What a job-control shell does to the terminal while the program is stopped: cooked mode
    /// (`stty sane` on the pty) and its own output on the screen.
    pub fn act_as_the_shell_while_stopped(&mut self, shell_output: &[u8]) {
        let tty = self.master.tty_name().expect("the pty's device name");
        let status = std::process::Command::new("stty").arg("-F").arg(&tty).arg("sane").status().unwrap();
        assert!(status.success(), "stty -F {} sane", tty.display());
        self.parser.lock().unwrap().process(shell_output);
    }
}

impl Drop for PtyApp {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TerminalState {
    pub alternate_screen: bool,
    pub cursor_hidden: bool,
    pub mouse_reporting: bool,
    /// `Some(true)` once raw mode is off (cooked input restored).
    pub canonical_input: Option<bool>,
}

impl TerminalState {
    /// What a shell expects after a TUI has exited.
    pub fn is_restored(&self) -> bool {
        !self.alternate_screen && !self.cursor_hidden && !self.mouse_reporting && self.canonical_input == Some(true)
    }
}

/// Sends a signal by name to a pid with the system `kill` (tests may not use `unsafe`).
pub fn signal(pid: u32, name: &str) {
    let status = std::process::Command::new("kill").arg(format!("-{name}")).arg(pid.to_string()).status().unwrap();
    assert!(status.success(), "kill -{name} {pid}");
}

/// The state letter of a process from /proc (`T` = stopped).
pub fn process_state(pid: u32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The state follows the command name, which is in parentheses and may contain spaces.
    stat.rsplit_once(") ").and_then(|(_, rest)| rest.chars().next())
}

/// Waits until `check(state)` holds for the process.
pub fn wait_for_process_state(pid: u32, check: impl Fn(Option<char>) -> bool) -> bool {
    let deadline = Instant::now() + PATIENCE;
    while Instant::now() < deadline {
        if check(process_state(pid)) {
            return true;
        }
        thread::sleep(Duration::from_millis(20));
    }
    false
}

/// A private config/data directory pair for one test run.
/// The directories under `root` (HOME too), and the simulator's endpoints and credentials.
pub fn sim_env(sim: &oaswatch::sim::SimHandle, root: &Path) -> Vec<(String, String)> {
    let mut env = dirs(root);
    env.extend(sim.client_env().into_iter().map(|(k, v)| (k.to_owned(), v)));
    env.push(("HOME".to_owned(), root.display().to_string()));
    env
}

pub fn dirs(root: &Path) -> Vec<(String, String)> {
    vec![
        ("OASWATCH_CONFIG_DIR".to_owned(), root.join("config").display().to_string()),
        ("OASWATCH_DATA_DIR".to_owned(), root.join("data").display().to_string()),
    ]
}
