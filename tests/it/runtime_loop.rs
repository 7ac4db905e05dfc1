//! `runtime::run` driven by scripted terminal events, poll results and signals, under tokio's
//! paused clock: draws happen only on change, poll commands go out for r/p/a/d, quit and
//! signals end the loop, bursts are coalesced, Ctrl-Z suspends and refreshes once.

use std::cell::RefCell;
use std::io;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::{Duration, SystemTime};

use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyEventState, KeyModifiers};
use futures::stream::{self, BoxStream, StreamExt};
use oaswatch::app::effect::{ImportRequest, RetrySpecRequest, WrittenRetrySpec};
use oaswatch::app::{Action, App, AppOptions, ExternalProgram, Notification, Signal};
use oaswatch::domain::{
    ApiErrorRef, Subtask, SubtaskKind, SubtaskState, SubtaskText, Task, TaskKind, TaskRef, TaskState,
};
use oaswatch::poller::{PollCmd, Polled};
use oaswatch::runtime::{EffectError, Host, Inputs, Outcome, RunError, run};
use ratatui::Terminal;
use ratatui::backend::{Backend, ClearType, TestBackend, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep};

fn t0() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000)
}

fn task_ref(id: &str) -> TaskRef {
    TaskRef::Aliyun { profile: None, region: "cn-hangzhou".into(), operation_id: id.into() }
}

fn task(r: &TaskRef, state: TaskState, failed: usize, running: usize, ok: usize) -> Task {
    let mut subtasks = Vec::new();
    for (i, s) in std::iter::repeat_n(SubtaskState::Failed, failed)
        .chain(std::iter::repeat_n(SubtaskState::Running, running))
        .chain(std::iter::repeat_n(SubtaskState::Succeeded, ok))
        .enumerate()
    {
        subtasks.push(
            Subtask::new(
                SubtaskKind::Api,
                s,
                SubtaskText {
                    id: &format!("api{i}"),
                    name: &format!("op{i}"),
                    method: "GET",
                    path: &format!("/v1/r/{i}"),
                    error: (s == SubtaskState::Failed).then(|| ApiErrorRef::new("E1", "boom")),
                    ..SubtaskText::default()
                },
            )
            .at_index(u32::try_from(i).unwrap_or(u32::MAX)),
        );
    }
    Task::new(r.clone(), TaskKind::Import, state, "Running").with_subtasks(subtasks)
}

fn polled(task: Task, secs: u64) -> Polled {
    let next_poll_in = (!task.is_finished()).then_some(Duration::from_secs(5));
    Polled {
        task_ref: task.task_ref.clone(),
        at: t0() + Duration::from_secs(secs),
        result: Ok(Box::new(task)),
        next_poll_in,
        groups: None,
        share: None,
    }
}

fn key(c: char) -> io::Result<Event> {
    key_code(KeyCode::Char(c), KeyModifiers::NONE)
}

#[expect(clippy::unnecessary_wraps, reason = "items of the event stream are io::Result")]
fn key_code(code: KeyCode, modifiers: KeyModifiers) -> io::Result<Event> {
    Ok(Event::Key(KeyEvent { code, modifiers, kind: KeyEventKind::Press, state: KeyEventState::NONE }))
}

/// Records what the loop asked the outside world to do; its clock follows tokio's virtual one.
struct Recorder {
    start: Instant,
    saves: Vec<Vec<TaskRef>>,
    copies: Vec<String>,
    notes: Vec<Notification>,
    suspends: usize,
    /// (directory, name, contents) of each file the loop asked for.
    writes: Vec<(PathBuf, String, String)>,
    /// (program, text, suffix) of each pager or editor the loop asked for.
    opened: Vec<(ExternalProgram, String, String)>,
    /// What `open_external` answers (a missing program, say).
    open_result: Result<(), String>,
    /// What `write_file` answers instead of success (a full disk, say).
    write_error: Option<String>,
    /// The screen, when a test wants the "pager" to draw over it.
    screen: Option<Rc<RefCell<TestBackend>>>,
    /// Retry specs asked for, and imports started.
    retry_specs: Vec<RetrySpecRequest>,
    imports: Vec<ImportRequest>,
    /// Where a started import reports back (the loop's background channel).
    background: Option<mpsc::Sender<Action>>,
}

impl Recorder {
    fn new() -> Recorder {
        Recorder {
            start: Instant::now(),
            saves: Vec::new(),
            copies: Vec::new(),
            notes: Vec::new(),
            suspends: 0,
            writes: Vec::new(),
            opened: Vec::new(),
            open_result: Ok(()),
            write_error: None,
            screen: None,
            retry_specs: Vec::new(),
            imports: Vec::new(),
            background: None,
        }
    }
}

impl Host for Recorder {
    fn save_watchlist(&mut self, refs: &[TaskRef]) -> Result<(), EffectError> {
        self.saves.push(refs.to_vec());
        Ok(())
    }
    fn suspend(&mut self) -> io::Result<()> {
        self.suspends += 1;
        Ok(())
    }
    fn copy_to_clipboard(&mut self, text: &str) -> io::Result<()> {
        self.copies.push(text.to_owned());
        Ok(())
    }
    fn notify(&mut self, notification: &Notification) -> io::Result<()> {
        self.notes.push(notification.clone());
        Ok(())
    }
    fn write_file(&mut self, dir: &Path, name: &str, contents: &[u8]) -> Result<PathBuf, EffectError> {
        self.writes.push((dir.to_path_buf(), name.to_owned(), String::from_utf8_lossy(contents).into_owned()));
        self.write_error.clone().map_or_else(|| Ok(dir.join(name)), |e| Err(EffectError::Save(e)))
    }
    fn open_external(&mut self, program: ExternalProgram, text: &str, suffix: &str) -> Result<(), EffectError> {
        self.opened.push((program, text.to_owned(), suffix.to_owned()));
        // Like `less`, leave the screen full of something else.
        if let Some(screen) = &self.screen {
            let mut backend = screen.borrow_mut();
            let size = backend.size().unwrap();
            let junk = Cell::new("#");
            let cells: Vec<(u16, u16, &Cell)> = (0..size.height)
                .flat_map(|y| (0..size.width).map(move |x| (x, y)))
                .map(|(x, y)| (x, y, &junk))
                .collect();
            backend.draw(cells.into_iter()).unwrap();
        }
        self.open_result.clone().map_err(EffectError::External)
    }
    fn write_retry_spec(&mut self, request: &RetrySpecRequest) -> Result<WrittenRetrySpec, EffectError> {
        self.retry_specs.push(request.clone());
        Ok(WrittenRetrySpec { path: request.dir.join("retry.yaml"), operations: 3, precheck: None })
    }
    fn start_import(&mut self, request: ImportRequest) -> Result<(), EffectError> {
        self.imports.push(request);
        let created = task_ref("created-by-retry");
        if let Some(tx) = &self.background {
            tx.try_send(Action::ImportStarted { task_ref: created }).map_err(|e| EffectError::Save(e.to_string()))?;
        }
        Ok(())
    }
    fn now(&self) -> SystemTime {
        t0() + self.start.elapsed()
    }
}

/// A signal after `after` of virtual time; the loop quits on it.
fn signal_after(after: Duration, signal: Signal) -> BoxStream<'static, Signal> {
    stream::once(async move {
        sleep(after).await;
        signal
    })
    .chain(stream::pending())
    .boxed()
}

struct Harness {
    terminal: Terminal<TestBackend>,
    app: App,
    host: Recorder,
    polled_tx: mpsc::Sender<Polled>,
    polled_rx: Option<mpsc::Receiver<Polled>>,
    cmd_tx: mpsc::Sender<PollCmd>,
    cmd_rx: mpsc::Receiver<PollCmd>,
    background_rx: Option<mpsc::Receiver<Action>>,
    /// What the app told the poller is on screen, in order.
    focus: Vec<PollCmd>,
}

impl Harness {
    fn new(initial: Vec<(TaskRef, Option<Task>)>, cmd_capacity: usize) -> Harness {
        let (polled_tx, polled_rx) = mpsc::channel(64);
        let (cmd_tx, cmd_rx) = mpsc::channel(cmd_capacity);
        Harness {
            terminal: Terminal::new(TestBackend::new(100, 30)).unwrap(),
            app: App::new(initial, AppOptions::default()),
            host: Recorder::new(),
            polled_tx,
            polled_rx: Some(polled_rx),
            cmd_tx,
            cmd_rx,
            background_rx: None,
            focus: Vec::new(),
        }
    }

    /// Lets the host report background work (a started import) to the loop. Without it the
    /// background channel is closed, so a loop whose inputs all end stops by itself.
    fn with_background(mut self) -> Harness {
        let (tx, rx) = mpsc::channel(8);
        self.host.background = Some(tx);
        self.background_rx = Some(rx);
        self
    }

    async fn run<E>(&mut self, events: E, signals: BoxStream<'static, Signal>) -> Result<Outcome, RunError>
    where
        E: futures::Stream<Item = io::Result<Event>> + Unpin,
    {
        let polled = self.polled_rx.take().unwrap_or_else(|| mpsc::channel(1).1);
        let background = self.background_rx.take().unwrap_or_else(|| mpsc::channel(1).1);
        let inputs = Inputs { events, signals, polled, poll_cmds: self.cmd_tx.clone(), background };
        run(&mut self.terminal, &mut self.app, inputs, &mut self.host).await
    }

    /// The commands sent to the poller, apart from what is on screen (`PollCmd::Focus`, which
    /// goes to `self.focus`).
    fn cmds(&mut self) -> Vec<PollCmd> {
        let mut out = Vec::new();
        while let Ok(c) = self.cmd_rx.try_recv() {
            match c {
                PollCmd::Focus { .. } => self.focus.push(c),
                c => out.push(c),
            }
        }
        out
    }

    fn screen(&self) -> String {
        self.terminal.backend().to_string()
    }
}

fn no_input() -> stream::Pending<io::Result<Event>> {
    stream::pending()
}

#[tokio::test(start_paused = true)]
async fn nothing_changes_nothing_is_drawn_and_a_signal_quits() {
    let r = task_ref("done");
    let mut h = Harness::new(vec![(r.clone(), None)], 8);
    h.polled_tx.send(polled(task(&r, TaskState::Succeeded, 0, 0, 3), 0)).await.unwrap();
    let outcome = h.run(no_input(), signal_after(Duration::from_secs(60), Signal::Terminate)).await.unwrap();
    // One frame at start, one for the answer; then a finished task shows no clock: a silent minute.
    assert_eq!(outcome.draws, 2);
    assert_eq!(outcome.signal, Some(Signal::Terminate));
    assert_eq!(outcome.signal.map(Signal::exit_code), Some(143));
    assert!(h.screen().contains("✔ succeeded"));
}

#[tokio::test(start_paused = true)]
async fn a_running_task_redraws_once_a_second_only_while_its_answer_is_late() {
    let r = task_ref("busy");
    let mut h = Harness::new(vec![(r.clone(), None)], 8);
    h.polled_tx.send(polled(task(&r, TaskState::Running, 0, 2, 1), 0)).await.unwrap();
    let outcome = h.run(no_input(), signal_after(Duration::from_millis(10_500), Signal::Hangup)).await.unwrap();
    // Start and the answer. The row says "live" until the poll due at 5 s is 2 s late; then
    // the ticks at 8, 9 and 10 s each change "updated Ns ago".
    assert_eq!(outcome.draws, 5);
    assert!(h.screen().contains("updated 10s ago · poll due"), "{}", h.screen());
    assert_eq!(outcome.signal, Some(Signal::Hangup));
}

#[tokio::test(start_paused = true)]
async fn a_burst_of_results_is_drawn_once() {
    let r = task_ref("burst");
    let mut h = Harness::new(vec![(r.clone(), None)], 8);
    for i in 0..20 {
        h.polled_tx.send(polled(task(&r, TaskState::Running, 0, 20 - i, i), 0)).await.unwrap();
    }
    let outcome = h.run(no_input(), signal_after(Duration::from_millis(500), Signal::Terminate)).await.unwrap();
    assert_eq!(outcome.draws, 2, "start + one frame for all twenty results");
    let counts = h.app.entries()[0].task.as_ref().unwrap().counts;
    assert_eq!((counts.succeeded, counts.running), (19, 1), "the newest result wins");
}

#[tokio::test(start_paused = true)]
async fn results_that_follow_others_closely_wait_and_are_applied_together() {
    let r = task_ref("steady");
    let mut h = Harness::new(vec![(r.clone(), None)], 8);
    let tx = h.polled_tx.clone();
    // Ten results 20 ms apart, then a pause; before each send, how much of the channel is free.
    let sender = tokio::spawn(async move {
        let mut free = Vec::new();
        for i in 0..10 {
            tokio::time::sleep(Duration::from_millis(20)).await;
            free.push(tx.capacity());
            tx.send(polled(task(&r, TaskState::Running, 0, 10 - i, i), 0)).await.unwrap();
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        free.push(tx.capacity());
        free
    });
    let outcome = h.run(no_input(), signal_after(Duration::from_millis(700), Signal::Terminate)).await.unwrap();
    let free = sender.await.unwrap();
    // The first is taken at once (20 ms). The loop then listens again only 250 ms after it, so
    // the nine that follow wait in the channel instead of waking the UI thread one by one, and
    // are all taken at 270 ms.
    assert_eq!(free, [64, 64, 63, 62, 61, 60, 59, 58, 57, 56, 64]);
    let counts = h.app.entries()[0].task.as_ref().unwrap().counts;
    assert_eq!((counts.succeeded, counts.running), (9, 1), "the newest result wins");
    assert_eq!(outcome.signal, Some(Signal::Terminate));
}

#[tokio::test(start_paused = true)]
async fn keys_send_poll_commands_and_save_the_watch_list() {
    let r = task_ref("aaaa");
    let mut h = Harness::new(vec![(r.clone(), Some(task(&r, TaskState::Running, 1, 1, 1)))], 32);
    let ctrl_r = key_code(KeyCode::Char('r'), KeyModifiers::CONTROL);
    let mut script = vec![key('r'), ctrl_r, key('p'), key('p'), key('a')];
    script.extend("aliyun://cn-shanghai/bbbb".chars().map(key));
    script.push(key_code(KeyCode::Enter, KeyModifiers::NONE));
    script.extend([key('g'), key('d'), key('y'), key('y'), key('q')]);
    let outcome = h.run(stream::iter(script), stream::pending().boxed()).await.unwrap();
    assert_eq!(outcome.signal, None);
    let added = task_ref("bbbb");
    let added: TaskRef = added.to_string().replace("cn-hangzhou", "cn-shanghai").parse().unwrap();
    assert_eq!(
        h.cmds(),
        vec![
            PollCmd::Refresh(Some(r.clone())),
            PollCmd::Refresh(None),
            PollCmd::Pause(true),
            PollCmd::Pause(false),
            PollCmd::Watch(added.clone()),
            PollCmd::Unwatch(r.clone()),
        ]
    );
    // The poller heard what was on screen each time it changed: the first task, then the one
    // just added (selected), `g` back to the first, and after `d` the one left.
    let focus = |selected: &TaskRef, visible: &[&TaskRef]| PollCmd::Focus {
        selected: Some(selected.clone()),
        visible: visible.iter().map(|r| (*r).clone()).collect(),
    };
    assert_eq!(
        h.focus,
        vec![focus(&r, &[&r]), focus(&added, &[&r, &added]), focus(&r, &[&r, &added]), focus(&added, &[&added]),]
    );
    assert_eq!(h.host.saves, vec![vec![r.clone(), added.clone()], vec![added.clone()]]);
    assert_eq!(h.host.copies, vec![added.to_string()], "y on the task list copies its reference");
}

#[tokio::test(start_paused = true)]
async fn ctrl_c_quits_and_ctrl_z_suspends_then_refreshes_once() {
    let r = task_ref("aaaa");
    let mut h = Harness::new(vec![(r.clone(), Some(task(&r, TaskState::Running, 0, 1, 1)))], 8);
    let script =
        vec![key_code(KeyCode::Char('z'), KeyModifiers::CONTROL), key_code(KeyCode::Char('c'), KeyModifiers::CONTROL)];
    let outcome = h.run(stream::iter(script), stream::pending().boxed()).await.unwrap();
    assert_eq!(h.host.suspends, 1);
    assert_eq!(h.cmds(), vec![PollCmd::Refresh(None)]);
    assert_eq!(outcome.signal.map(Signal::exit_code), Some(130), "Ctrl-C quits like a shell interrupt");
    assert!(outcome.draws >= 2, "a full repaint after resuming");
}

#[tokio::test(start_paused = true)]
async fn commands_wait_while_the_poller_channel_is_full() {
    let r = task_ref("aaaa");
    let mut h = Harness::new(vec![(r.clone(), Some(task(&r, TaskState::Running, 0, 1, 1)))], 1);
    let (mut events_tx, events_rx) = futures::channel::mpsc::unbounded::<io::Result<Event>>();
    let mut cmd_rx = std::mem::replace(&mut h.cmd_rx, mpsc::channel(1).1);
    let script = async move {
        events_tx.start_send(key('r')).unwrap();
        events_tx.start_send(key_code(KeyCode::Char('r'), KeyModifiers::CONTROL)).unwrap();
        events_tx.start_send(key('p')).unwrap();
        let mut got = Vec::new();
        while got.len() < 3 {
            match cmd_rx.recv().await.unwrap() {
                PollCmd::Focus { .. } => {}
                cmd => got.push(cmd),
            }
        }
        events_tx.start_send(key('q')).unwrap();
        got
    };
    let (outcome, got) = tokio::join!(h.run(events_rx, stream::pending().boxed()), script);
    outcome.unwrap();
    assert_eq!(got, vec![PollCmd::Refresh(Some(r)), PollCmd::Refresh(None), PollCmd::Pause(true)]);
}

#[tokio::test(start_paused = true)]
async fn finishing_task_rings_through_the_host() {
    let r = task_ref("aaaa");
    let mut h = Harness::new(vec![(r.clone(), Some(task(&r, TaskState::Running, 0, 2, 0)))], 8);
    h.polled_tx.send(polled(task(&r, TaskState::PartiallyFailed, 1, 0, 1), 1)).await.unwrap();
    h.run(no_input(), signal_after(Duration::from_millis(100), Signal::Terminate)).await.unwrap();
    assert_eq!(h.host.notes.len(), 1);
    assert_eq!(h.host.notes[0].title, "oaswatch: task partial");
}

#[tokio::test(start_paused = true)]
async fn a_broken_input_stream_is_an_error_and_closed_inputs_end_the_loop() {
    let r = task_ref("aaaa");
    let mut h = Harness::new(vec![(r, None)], 8);
    let events = stream::iter(vec![Err(io::Error::other("tty gone"))]);
    let err = h.run(events, stream::pending().boxed()).await.unwrap_err();
    assert!(matches!(err, RunError::Input(_)), "{err}");

    let mut h = Harness::new(vec![], 8);
    // Dropping the harness's sender closes the results channel.
    h.polled_tx = mpsc::channel::<Polled>(1).0;
    let outcome = h.run(stream::iter(Vec::new()), stream::empty().boxed()).await.unwrap();
    assert_eq!(outcome.signal, None, "input, signals and results all closed: nothing left to wait for");
}

#[tokio::test(start_paused = true)]
async fn x_then_enter_writes_the_report_through_the_host() {
    let r = task_ref("rep");
    let mut h = Harness::new(vec![(r.clone(), Some(task(&r, TaskState::PartiallyFailed, 2, 0, 3)))], 8);
    let script = stream::iter(vec![key('x'), key_code(KeyCode::Enter, KeyModifiers::NONE)]).chain(stream::pending());
    h.run(script, signal_after(Duration::from_millis(100), Signal::Terminate)).await.unwrap();
    let [(dir, name, contents)] = h.host.writes.as_slice() else { panic!("{:?}", h.host.writes) };
    assert_eq!(dir, Path::new("."));
    assert!(name.starts_with("oaswatch-report-rep-"), "{name}");
    assert_eq!(Path::new(name).extension().and_then(|e| e.to_str()), Some("md"));
    assert!(contents.starts_with("# Failure report: aliyun://cn-hangzhou/rep"), "{contents}");
    assert!(h.screen().contains(&format!("report written to ./{name}")), "{}", h.screen());
}

#[tokio::test(start_paused = true)]
async fn a_failed_write_is_shown_as_an_error() {
    let r = task_ref("rep");
    let mut h = Harness::new(vec![(r.clone(), Some(task(&r, TaskState::PartiallyFailed, 2, 0, 3)))], 8);
    h.host.write_error = Some("./x.md: Permission denied (os error 13)".into());
    let script = stream::iter(vec![key('x'), key('j')]).chain(stream::pending());
    h.run(script, signal_after(Duration::from_millis(100), Signal::Terminate)).await.unwrap();
    assert_eq!(Path::new(&h.host.writes[0].1).extension().and_then(|e| e.to_str()), Some("json"));
    assert!(h.screen().contains("could not write the report: ./x.md: Permission denied"), "{}", h.screen());
}

/// A `TestBackend` the host can also reach, to draw over the screen as a pager would.
struct Shared(Rc<RefCell<TestBackend>>);

impl Backend for Shared {
    type Error = <TestBackend as Backend>::Error;
    fn draw<'a, I>(&mut self, content: I) -> Result<(), Self::Error>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        self.0.borrow_mut().draw(content)
    }
    fn hide_cursor(&mut self) -> Result<(), Self::Error> {
        self.0.borrow_mut().hide_cursor()
    }
    fn show_cursor(&mut self) -> Result<(), Self::Error> {
        self.0.borrow_mut().show_cursor()
    }
    fn get_cursor_position(&mut self) -> Result<Position, Self::Error> {
        self.0.borrow_mut().get_cursor_position()
    }
    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> Result<(), Self::Error> {
        self.0.borrow_mut().set_cursor_position(position)
    }
    fn clear(&mut self) -> Result<(), Self::Error> {
        self.0.borrow_mut().clear()
    }
    fn clear_region(&mut self, clear_type: ClearType) -> Result<(), Self::Error> {
        self.0.borrow_mut().clear_region(clear_type)
    }
    fn size(&self) -> Result<Size, Self::Error> {
        self.0.borrow().size()
    }
    fn window_size(&mut self) -> Result<WindowSize, Self::Error> {
        self.0.borrow_mut().window_size()
    }
    fn flush(&mut self) -> Result<(), Self::Error> {
        self.0.borrow_mut().flush()
    }
}

#[tokio::test(start_paused = true)]
async fn o_in_the_viewer_hands_the_text_to_the_pager_then_repaints_everything() {
    let r = task_ref("pager");
    let screen = Rc::new(RefCell::new(TestBackend::new(100, 30)));
    let mut terminal = Terminal::new(Shared(Rc::clone(&screen))).unwrap();
    let mut app =
        App::new(vec![(r.clone(), Some(task(&r, TaskState::PartiallyFailed, 2, 0, 3)))], AppOptions::default());
    let mut host = Recorder::new();
    host.screen = Some(Rc::clone(&screen));
    let enter = || key_code(KeyCode::Enter, KeyModifiers::NONE);
    let script = stream::iter(vec![enter(), enter(), key('o'), key('e')]).chain(stream::pending());
    let (_polled_tx, polled) = mpsc::channel(1);
    let (poll_cmds, _cmd_rx) = mpsc::channel(8);
    let inputs = Inputs {
        events: script,
        signals: signal_after(Duration::from_millis(100), Signal::Terminate),
        polled,
        poll_cmds,
        background: mpsc::channel(1).1,
    };
    run(&mut terminal, &mut app, inputs, &mut host).await.unwrap();
    let opened: Vec<(ExternalProgram, &str)> = host.opened.iter().map(|(p, _, s)| (*p, s.as_str())).collect();
    assert_eq!(opened, vec![(ExternalProgram::Pager, ".txt"), (ExternalProgram::Editor, ".txt")]);
    assert_eq!(host.opened[0].1, "boom", "the viewer's text");
    let text = screen.borrow().to_string();
    assert!(!text.contains('#'), "every cell the pager drew over was painted again: {text}");
    assert!(text.contains("Error — api GET /v1/r/0"), "{text}");
}

#[tokio::test(start_paused = true)]
async fn a_missing_pager_names_the_variable_to_set() {
    let r = task_ref("nopager");
    let mut h = Harness::new(vec![(r.clone(), Some(task(&r, TaskState::PartiallyFailed, 1, 0, 1)))], 8);
    h.host.open_result = Err("no pager found (tried less and more): set $PAGER".into());
    let script = stream::iter(vec![key('n'), key('o')]).chain(stream::pending());
    h.run(script, signal_after(Duration::from_millis(100), Signal::Terminate)).await.unwrap();
    assert_eq!(h.host.opened.len(), 1);
    assert!(
        h.screen().contains("could not open the pager: no pager found (tried less and more): set $PAGER"),
        "{}",
        h.screen()
    );
}

#[tokio::test(start_paused = true)]
async fn r_writes_the_retry_spec_offers_the_import_and_y_watches_the_new_task() {
    let r = task_ref("failed-import");
    let mut finished = task(&r, TaskState::PartiallyFailed, 2, 0, 3);
    finished.group_id = Some("g1".into());
    let mut h = Harness::new(vec![(r.clone(), Some(finished))], 8).with_background();
    h.app.set_spec(r.clone(), PathBuf::from("/specs/shop.yaml"));
    let script = stream::iter(vec![key('R'), key('y')]).chain(stream::pending());
    let outcome = h.run(script, signal_after(Duration::from_millis(200), Signal::Terminate)).await.unwrap();
    assert_eq!(outcome.signal, Some(Signal::Terminate));

    assert_eq!(h.host.retry_specs.len(), 1);
    assert_eq!(h.host.retry_specs[0].spec, PathBuf::from("/specs/shop.yaml"));
    assert_eq!(h.host.retry_specs[0].task.counts.failed, 2);
    assert_eq!(h.host.imports.len(), 1, "y accepted the offer");
    let import = &h.host.imports[0];
    assert_eq!(import.spec, PathBuf::from("./retry.yaml"));
    assert_eq!(import.target.to_string(), "aliyun://cn-hangzhou/g1");
    let created = task_ref("created-by-retry");
    assert!(h.cmds().contains(&PollCmd::Watch(created.clone())), "the new task is polled");
    assert!(h.app.task_refs().contains(&created), "and listed");
    assert_eq!(h.host.saves.last().unwrap(), &vec![r, created], "and saved");
}
