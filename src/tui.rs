//! Terminal lifecycle: the only module that writes escape sequences.
//!
//! Owns entering and leaving the dashboard's terminal modes (raw mode, alternate screen, mouse
//! capture, bracketed paste off, hidden cursor) over a 64 KiB `BufWriter` so a frame is one
//! `write(2)`; one idempotent [`restore`] (mouse off → show cursor → leave the alternate screen
//! → raw mode off, each step best-effort); the panic hook; termination signals as a stream;
//! Ctrl-Z (restore, `SIGTSTP`, re-enter); handing the terminal to a pager or editor and taking
//! it back ([`open_external`], with [`external`] choosing the program); terminal input that is
//! free to poll ([`input`]); and the OSC 52 clipboard, OSC 777/9 notification and bell sequences.
//! May not know the app's rules or run effects: `runtime::TerminalHost` does, through these.

pub mod external;
pub mod input;

use std::fmt::Write as _;
use std::io::{self, BufWriter, Stdout, Write};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use base64::Engine as _;
use crossterm::cursor::{Hide, Show};
use crossterm::event::DisableBracketedPaste;
use crossterm::terminal::{EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode};
use crossterm::{execute, queue};
use futures::Stream;
use ratatui::Terminal;
use ratatui::backend::{Backend, ClearType, CrosstermBackend, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};

use crate::app::{ExternalProgram, Signal};
use external::Choice;

/// One frame fits; ratatui flushes once per draw, so this is one write per frame.
const FRAME_BUFFER: usize = 64 * 1024;

/// The real terminal type.
pub type Tui = Terminal<FrameBackend<BufWriter<Stdout>>>;

/// What the dashboard turns on, so [`restore`] turns off exactly that.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TuiOptions {
    /// Capture the mouse (wheel, clicks and drags; never bare motion). Off, the default, keeps the
    /// terminal's own text selection (`[ui] mouse = true` turns it on).
    pub mouse: bool,
}

/// Mouse reporting for buttons only: presses, releases, the wheel and drags (1000, 1002), in
/// SGR encoding (1006). crossterm's `EnableMouseCapture` also asks for every motion (1003),
/// which floods the input with events and is what makes selecting text need Shift everywhere.
struct ButtonMouse(bool);

impl crossterm::Command for ButtonMouse {
    fn write_ansi(&self, f: &mut impl std::fmt::Write) -> std::fmt::Result {
        if self.0 {
            f.write_str("\x1b[?1000h\x1b[?1002h\x1b[?1006h")
        } else {
            f.write_str("\x1b[?1006l\x1b[?1002l\x1b[?1000l")
        }
    }
}

static RAW: AtomicBool = AtomicBool::new(false);
static ALT_SCREEN: AtomicBool = AtomicBool::new(false);
static MOUSE: AtomicBool = AtomicBool::new(false);
static CURSOR_HIDDEN: AtomicBool = AtomicBool::new(false);

/// Enters the dashboard's modes and returns a terminal drawing through a 64 KiB buffer.
pub fn init(options: TuiOptions) -> io::Result<Tui> {
    enter(options)?;
    Terminal::new(frame_backend(io::stdout()))
}

/// A backend that buffers a whole frame, so ratatui's flush at the end of a draw is the only
/// `write(2)`: no cell-by-cell drawing visible under load (dua-cli #361); and a frame in which
/// no cell changed writes nothing at all.
pub fn frame_backend<W: Write>(out: W) -> FrameBackend<BufWriter<W>> {
    FrameBackend {
        inner: CrosstermBackend::new(BufWriter::with_capacity(FRAME_BUFFER, out)),
        cursor_hidden: None,
        in_update: false,
    }
}

/// Begins a synchronized update (DEC private mode 2026): the terminal shows nothing of the frame
/// until the matching end, so a frame never tears halfway. Terminals without the mode ignore it,
/// as they must any unknown private mode.
const BEGIN_UPDATE: &[u8] = b"\x1b[?2026h";
const END_UPDATE: &[u8] = b"\x1b[?2026l";

/// crossterm's backend minus the bytes of frames that change nothing.
///
/// ratatui ends every draw with colour and attribute resets and hides the cursor again, about
/// 25 bytes even when the diff is empty. Those resets only matter after cells were written, and
/// the cursor is already hidden, so this backend skips both: an unchanged frame is zero bytes
/// and, with the `BufWriter` holding nothing, zero `write(2)` calls.
pub struct FrameBackend<W: Write> {
    inner: CrosstermBackend<W>,
    /// What the last cursor command through this backend left, so a repeat can be skipped;
    /// `None` until one is sent. Handing the terminal over and back (`enter`) hides the cursor
    /// outside the backend, which leaves this true.
    cursor_hidden: Option<bool>,
    /// A synchronized update was begun by this frame's cells and ends at the flush.
    in_update: bool,
}

impl<W: Write> Backend for FrameBackend<W> {
    type Error = io::Error;

    fn draw<'a, I>(&mut self, content: I) -> io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        let mut content = content.peekable();
        if content.peek().is_none() {
            return Ok(());
        }
        if !self.in_update {
            self.inner.write_all(BEGIN_UPDATE)?;
            self.in_update = true;
        }
        self.inner.draw(content)
    }

    fn append_lines(&mut self, n: u16) -> io::Result<()> {
        self.inner.append_lines(n)
    }

    fn hide_cursor(&mut self) -> io::Result<()> {
        if self.cursor_hidden == Some(true) {
            return Ok(());
        }
        self.cursor_hidden = Some(true);
        // Queued, not executed: crossterm's backend flushes here, which would cut the frame's
        // synchronized update in two writes.
        queue!(self.inner, Hide)
    }

    fn show_cursor(&mut self) -> io::Result<()> {
        self.cursor_hidden = Some(false);
        queue!(self.inner, Show)
    }

    fn get_cursor_position(&mut self) -> io::Result<Position> {
        self.inner.get_cursor_position()
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> io::Result<()> {
        let Position { x, y } = position.into();
        queue!(self.inner, crossterm::cursor::MoveTo(x, y))
    }

    fn clear(&mut self) -> io::Result<()> {
        self.inner.clear()
    }

    fn clear_region(&mut self, clear_type: ClearType) -> io::Result<()> {
        self.inner.clear_region(clear_type)
    }

    fn size(&self) -> io::Result<Size> {
        self.inner.size()
    }

    fn window_size(&mut self) -> io::Result<WindowSize> {
        self.inner.window_size()
    }

    fn flush(&mut self) -> io::Result<()> {
        if std::mem::take(&mut self.in_update) {
            self.inner.write_all(END_UPDATE)?;
        }
        Backend::flush(&mut self.inner)
    }
}

fn enter(options: TuiOptions) -> io::Result<()> {
    enable_raw_mode()?;
    RAW.store(true, Ordering::SeqCst);
    let mut out = io::stdout();
    execute!(out, EnterAlternateScreen)?;
    ALT_SCREEN.store(true, Ordering::SeqCst);
    // Pasted text then arrives as keys, which the input line handles; no paste mode to undo.
    execute!(out, DisableBracketedPaste)?;
    if options.mouse {
        execute!(out, ButtonMouse(true))?;
        MOUSE.store(true, Ordering::SeqCst);
    }
    execute!(out, Hide)?;
    CURSOR_HIDDEN.store(true, Ordering::SeqCst);
    Ok(())
}

/// Puts the terminal back the way the shell expects it. Safe to call twice, from a panic hook
/// or after a partial `init`; each step is attempted even if an earlier one failed.
pub fn restore() -> io::Result<()> {
    let mut out = io::stdout();
    let mut first_error: Option<io::Error> = None;
    let mut note = |r: io::Result<()>| {
        if let Err(e) = r {
            first_error.get_or_insert(e);
        }
    };
    // Mouse reporting off while still raw, so no report lands in the shell's input.
    if MOUSE.swap(false, Ordering::SeqCst) {
        note(queue!(out, ButtonMouse(false)));
    }
    if CURSOR_HIDDEN.swap(false, Ordering::SeqCst) {
        note(queue!(out, Show));
    }
    if ALT_SCREEN.swap(false, Ordering::SeqCst) {
        note(queue!(out, LeaveAlternateScreen));
    }
    note(out.flush());
    if RAW.swap(false, Ordering::SeqCst) {
        note(disable_raw_mode());
    }
    first_error.map_or(Ok(()), Err)
}

/// Restores the terminal before the previous panic hook prints, so the message is readable,
/// then exits with 101. Install after any other hook (color-eyre), before [`init`].
///
/// Every panic is fatal, wherever it happens: a panic in a background task would otherwise
/// restore the terminal while the dashboard keeps drawing into the shell. `before_exit` runs
/// last (the dashboard lets a save already asked for reach the disk, for a bounded time).
pub fn install_panic_hook(before_exit: fn()) {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = restore();
        previous(info);
        before_exit();
        std::process::exit(101);
    }));
}

/// Ctrl-Z: restore the terminal, stop the process like a shell job, and re-enter on `fg`.
///
/// `SIGSTOP` is raised through signal-hook's safe `raise` (the crate forbids `unsafe`, and
/// `libc::raise` is unsafe). Not `SIGTSTP`: the kernel discards a self-raised `SIGTSTP` in an
/// orphaned process group (a session leader under a supervisor, some multiplexers), and the
/// dashboard would then hang with the terminal restored. `SIGSTOP` always stops; the shell sees
/// the job stopped either way, and execution continues here after `SIGCONT`. The caller must
/// repaint everything afterwards (`Terminal::resize` to the full area, not `Terminal::clear`).
pub fn suspend(options: TuiOptions) -> io::Result<()> {
    restore()?;
    signal_hook::low_level::raise(signal_hook::consts::SIGSTOP)?;
    enter(options)
}

/// After an outside stop (`kill -STOP`, then `kill -CONT`): the shell may have reset the terminal
/// to cooked mode while we were stopped, and left its own screen; enter every mode again.
pub fn reclaim(options: TuiOptions) -> io::Result<()> {
    // crossterm skips `enable_raw_mode` while it believes raw mode is on; leaving it first (back
    // to the modes saved at start) makes the next call set raw mode for real.
    if RAW.swap(false, Ordering::SeqCst) {
        disable_raw_mode()?;
    }
    enter(options)
}

/// The signals a pager's keys send to our whole process group while it has the terminal: Ctrl-C,
/// Ctrl-\\, and Ctrl-Z with the `fg` after it. Meant for the pager, they are dropped.
const CHILD_SIGNALS: [(i32, Signal); 4] = [
    (signal_hook::consts::SIGINT, Signal::Interrupt),
    (signal_hook::consts::SIGQUIT, Signal::Quit),
    (signal_hook::consts::SIGTSTP, Signal::Stop),
    (signal_hook::consts::SIGCONT, Signal::Continue),
];

/// Raised by [`CHILD_SIGNALS`] while an outside program has the terminal (see [`open_external`]).
static SEEN_DURING_CHILD: OnceLock<[Arc<AtomicBool>; 4]> = OnceLock::new();
/// How many notifications of each of [`CHILD_SIGNALS`] the signal stream drops.
static SWALLOW: [AtomicUsize; 4] = [AtomicUsize::new(0), AtomicUsize::new(0), AtomicUsize::new(0), AtomicUsize::new(0)];

fn swallow_slot(signal: Signal) -> Option<usize> {
    CHILD_SIGNALS.iter().position(|(_, s)| *s == signal)
}

/// Takes one pending "drop this notification" for `signal`, if any.
fn take_swallowed(signal: Signal) -> bool {
    swallow_slot(signal)
        .is_some_and(|i| SWALLOW[i].fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok())
}

/// Signals besides SIGTERM, SIGHUP, SIGINT and SIGQUIT whose default action ends the process,
/// which would leave the terminal raw. SIGKILL cannot be caught; the fault signals (SIGSEGV,
/// SIGBUS …) are the panic hook's and the kernel's business; SIGPIPE is ignored by Rust's runtime.
const ENDING_SIGNALS: [i32; 8] = [
    libc::SIGUSR1,
    libc::SIGUSR2,
    libc::SIGALRM,
    libc::SIGVTALRM,
    libc::SIGPROF,
    libc::SIGIO,
    libc::SIGXCPU,
    libc::SIGXFSZ,
];

/// Every signal whose default action would leave the terminal broken, as a stream: SIGTERM,
/// SIGHUP, SIGINT, SIGQUIT and the others that end a process ([`ENDING_SIGNALS`]) quit
/// through the normal path, which restores the terminal first; SIGTSTP suspends like Ctrl-Z
/// (its default would stop us in raw mode on the alternate screen); SIGCONT takes the terminal
/// back after a `kill -STOP`, which cannot be caught.
///
/// Ctrl-C, Ctrl-\ or Ctrl-Z typed in a pager that [`open_external`] started reaches our process
/// group too (the terminal is in cooked mode then); those notifications are dropped, so leaving
/// `less` with Ctrl-C does not end the dashboard.
pub fn signal_stream() -> io::Result<impl Stream<Item = Signal> + Unpin> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut kinds = vec![
        (SignalKind::terminate(), Signal::Terminate),
        (SignalKind::hangup(), Signal::Hangup),
        (SignalKind::interrupt(), Signal::Interrupt),
        (SignalKind::quit(), Signal::Quit),
        (SignalKind::from_raw(signal_hook::consts::SIGTSTP), Signal::Stop),
        (SignalKind::from_raw(signal_hook::consts::SIGCONT), Signal::Continue),
    ];
    kinds.extend(ENDING_SIGNALS.iter().map(|n| (SignalKind::from_raw(*n), Signal::Ending(*n))));
    let mut streams = Vec::with_capacity(kinds.len());
    for (kind, which) in kinds {
        let listener = signal(kind)?;
        streams.push(Box::pin(futures::stream::unfold(listener, move |mut l| async move {
            loop {
                l.recv().await?;
                if !take_swallowed(which) {
                    return Some((which, l));
                }
            }
        })));
    }
    let flags = SEEN_DURING_CHILD.get_or_init(|| std::array::from_fn(|_| Arc::new(AtomicBool::new(false))));
    for ((number, _), flag) in CHILD_SIGNALS.iter().zip(flags) {
        signal_hook::flag::register(*number, Arc::clone(flag))?;
    }
    Ok(futures::stream::select_all(streams))
}

/// Shows `text` in the user's pager or editor: writes it to a private temporary file (0600,
/// removed afterwards), gives the terminal back to the shell state, runs the program, and takes
/// the terminal again. The caller repaints everything afterwards (without `Terminal::clear`).
pub fn open_external(
    options: TuiOptions,
    choice: &Choice,
    program: ExternalProgram,
    text: &str,
    suffix: &str,
) -> Result<(), String> {
    let (command, var) = match choice {
        Choice::Missing(message) => return Err(message.clone()),
        Choice::Command { command, var } => (command.as_str(), *var),
    };
    let mut file = tempfile::Builder::new()
        .prefix("oaswatch-")
        .suffix(suffix)
        .tempfile()
        .map_err(|e| format!("cannot create a temporary file: {e}"))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.flush())
        .map_err(|e| format!("cannot write a temporary file: {e}"))?;
    restore().map_err(|e| format!("cannot hand the terminal over: {e}"))?;
    let flags = SEEN_DURING_CHILD.get();
    for flag in flags.into_iter().flatten() {
        flag.store(false, Ordering::SeqCst);
    }
    let ran = external::run(program, command, var, file.path());
    for (slot, flag) in flags.into_iter().flatten().enumerate() {
        if flag.swap(false, Ordering::SeqCst) {
            SWALLOW[slot].fetch_add(1, Ordering::SeqCst);
        }
    }
    let entered = enter(options).map_err(|e| format!("cannot take the terminal back: {e}"));
    drop(file);
    ran.and(entered)
}

/// OSC 52: asks the terminal to put `text` on the system clipboard.
pub fn osc52_copy(text: &str) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    format!("\x1b]52;c;{encoded}\x07")
}

/// Which desktop-notification escape the terminal understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotifyProtocol {
    /// `OSC 777;notify;title;body` (foot, urxvt, WezTerm, Ghostty, VTE-based terminals).
    Osc777,
    /// `OSC 9;text` (iTerm2, kitty, Windows Terminal, ConEmu).
    Osc9,
}

impl NotifyProtocol {
    /// Picks the escape from `TERM_PROGRAM` and `TERM`; the caller reads the environment.
    pub fn detect(term_program: Option<&str>, term: Option<&str>) -> NotifyProtocol {
        let program = term_program.unwrap_or_default();
        let term = term.unwrap_or_default();
        if program == "iTerm.app" || term.contains("kitty") || program == "WindowsTerminal" {
            NotifyProtocol::Osc9
        } else {
            NotifyProtocol::Osc777
        }
    }
}

/// Text for an OSC payload: no control characters (they would end or extend the sequence) and
/// no `;` (it separates OSC 777's fields).
fn osc_field(s: &str) -> String {
    s.chars().map(|c| if c.is_control() || c == ';' { ' ' } else { c }).take(200).collect()
}

/// The bell, then a desktop notification in the chosen protocol.
pub fn notification_sequence(title: &str, body: &str, desktop: bool, protocol: NotifyProtocol) -> String {
    let mut out = String::from("\x07");
    if desktop {
        let (title, body) = (osc_field(title), osc_field(body));
        match protocol {
            NotifyProtocol::Osc777 => {
                let _ = write!(out, "\x1b]777;notify;{title};{body}\x1b\\");
            }
            NotifyProtocol::Osc9 => {
                let _ = write!(out, "\x1b]9;{title}: {body}\x1b\\");
            }
        }
    }
    out
}

/// Writes an escape sequence between frames (ratatui's buffer is flushed after each draw): the
/// clipboard and notification sequences the effects host sends.
pub fn write_sequence(sequence: &str) -> io::Result<()> {
    let mut out = io::stdout();
    out.write_all(sequence.as_bytes())?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osc52_is_base64_of_the_text() {
        assert_eq!(osc52_copy("hi"), "\x1b]52;c;aGk=\x07");
    }

    #[test]
    fn notification_fields_cannot_break_out_of_the_sequence() {
        let s = notification_sequence("done;x", "a\x1b]0;pwn\x07b", true, NotifyProtocol::Osc777);
        assert_eq!(s, "\x07\x1b]777;notify;done x;a ]0 pwn b\x1b\\");
        assert_eq!(notification_sequence("t", "b", false, NotifyProtocol::Osc9), "\x07");
        assert_eq!(notification_sequence("t", "b", true, NotifyProtocol::Osc9), "\x07\x1b]9;t: b\x1b\\");
    }

    #[test]
    fn protocol_detection() {
        assert_eq!(NotifyProtocol::detect(Some("iTerm.app"), None), NotifyProtocol::Osc9);
        assert_eq!(NotifyProtocol::detect(None, Some("xterm-kitty")), NotifyProtocol::Osc9);
        assert_eq!(NotifyProtocol::detect(None, Some("foot")), NotifyProtocol::Osc777);
    }

    /// Counts `write` calls and bytes reaching the "terminal", and keeps the bytes.
    #[derive(Clone, Default)]
    struct Counting(std::rc::Rc<std::cell::Cell<(usize, usize)>>, std::rc::Rc<std::cell::RefCell<Vec<u8>>>);

    impl Write for Counting {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            let (writes, bytes) = self.0.get();
            self.0.set((writes + 1, bytes + buf.len()));
            self.1.borrow_mut().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn one_write_per_frame_and_nothing_when_unchanged() {
        use crate::app::fixtures::{aliyun, mixed, task};
        use crate::app::{Action, App, AppOptions, Command};
        use crate::domain::TaskState;
        use ratatui::layout::Rect;
        use ratatui::{TerminalOptions, Viewport};

        let r = aliyun("big");
        let mut app = App::new(
            vec![(r.clone(), Some(task(&r, TaskState::PartiallyFailed, mixed(9_000, 1_000, 0))))],
            AppOptions::default(),
        );
        app.update(Action::Resize { w: 200, h: 60 });
        app.update(Action::Command(Command::Enter));
        let out = Counting::default();
        let options = TerminalOptions { viewport: Viewport::Fixed(Rect::new(0, 0, 200, 60)) };
        let mut term = Terminal::with_options(frame_backend(out.clone()), options).unwrap();
        let mut frame = |app: &App| {
            let before = out.0.get();
            term.draw(|f| crate::ui::render(app, f)).unwrap();
            let after = out.0.get();
            (after.0 - before.0, after.1 - before.1)
        };
        let (writes, bytes) = frame(&app);
        assert_eq!(writes, 1, "a full 200x60 frame in one write ({bytes} bytes)");
        assert!(bytes > 5_000 && bytes < FRAME_BUFFER, "{bytes} bytes");
        let written = out.1.borrow().clone();
        assert!(written.starts_with(BEGIN_UPDATE) && written.ends_with(END_UPDATE), "one synchronized update");
        let (writes, bytes) = frame(&app);
        assert_eq!((writes, bytes), (0, 0), "an unchanged frame writes nothing");
        app.update(Action::Command(Command::Down));
        let (writes, bytes) = frame(&app);
        assert_eq!(writes, 1);
        assert!(bytes < 4_000, "moving the selection rewrites two rows, not the screen: {bytes} bytes");
    }

    #[test]
    fn restore_is_idempotent_when_nothing_was_entered() {
        assert!(restore().is_ok());
        assert!(restore().is_ok());
    }
}
