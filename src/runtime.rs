//! The event loop: input, poll results, signals and a seconds clock in, frames and effects out.
//!
//! Owns the `tokio::select!` (biased toward input so a flood of results never starves keys),
//! drawing only when the app says something changed (input at once, poll results and clock
//! changes at most every 250 ms), draining and coalescing pending results before a draw,
//! running the 1 s tick only while something on screen counts seconds, and
//! executing [`Effect`]s (a full repaint after anything that handed the terminal over: Ctrl-Z,
//! a pager or an editor). Generic over the ratatui [`Backend`], the event stream and a [`Host`]
//! for the effects that belong to other modules, so tests drive it with a `TestBackend` under a
//! paused clock. May not contain business rules: those are in `app`.

pub mod files;
mod host;
mod terminal_host;

use std::collections::VecDeque;
use std::io;
use std::time::Duration;

use crossterm::event::Event;
use futures::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use tokio::sync::mpsc;
use tokio::sync::mpsc::error::TrySendError;
use tokio::time::{Instant, MissedTickBehavior};

pub use host::{EffectError, Host};
pub use terminal_host::{Importer, Labeller, TerminalHost};

use crate::app::effect::WrittenRetrySpec;
use crate::app::keymap::action_for_event;
use crate::app::{Action, App, Effect, Signal, coalesce};
use crate::poller::{PollCmd, Polled};
use crate::ui;

/// Most results applied between two draws; the rest wait one turn so keys stay responsive.
const DRAIN_LIMIT: usize = 4096;

/// Changes that come from poll results and the clock are drawn at most this often; input is drawn
/// at once. 100 running tasks polled every 5 s answer 20 times a second, each answer changing
/// an "updated 0s ago" label: drawing each one cost ~2 % of a core (benches/system.rs idle).
const PASSIVE_FRAME: Duration = Duration::from_millis(250);

/// Everything the loop listens to or sends on.
pub struct Inputs<E, S> {
    /// Terminal events (`tui::input::events`, crossterm's `EventStream` polled only once woken; or a
    /// scripted stream in tests).
    pub events: E,
    /// Termination signals (`tui::signal_stream`).
    pub signals: S,
    /// Results from the poller (bounded).
    pub polled: mpsc::Receiver<Polled>,
    /// Commands to the poller; sent with `try_send`, queued here while the channel is full.
    pub poll_cmds: mpsc::Sender<PollCmd>,
    /// Outcomes of work the host started in the background (an import begun with `R`).
    pub background: mpsc::Receiver<Action>,
}

/// How the loop ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The signal that stopped it; exit with 128 + its number.
    pub signal: Option<Signal>,
    /// Frames drawn (a redraw happens only when something visible changed).
    pub draws: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("drawing to the terminal failed: {0}")]
    Draw(String),
    #[error("reading terminal input failed: {0}")]
    Input(#[source] io::Error),
    #[error("suspending failed: {0}")]
    Suspend(#[source] io::Error),
}

/// Runs the dashboard until it quits, a signal arrives, or every input has closed.
pub async fn run<B, E, S, H>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    inputs: Inputs<E, S>,
    host: &mut H,
) -> Result<Outcome, RunError>
where
    B: Backend,
    E: Stream<Item = io::Result<Event>> + Unpin,
    S: Stream<Item = Signal> + Unpin,
    H: Host,
{
    let Inputs { mut events, mut signals, mut polled, poll_cmds, mut background } = inputs;
    let mut lp = Loop { pending: VecDeque::new(), poll_cmds, draws: 0 };
    let size = terminal.size().map_err(|e| RunError::Draw(e.to_string()))?;
    lp.apply(terminal, app, host, Action::Resize { w: size.width, h: size.height })?;
    lp.apply(terminal, app, host, Action::Tick(host.now()))?;

    let second = Duration::from_secs(1);
    let mut clock = tokio::time::interval_at(Instant::now() + second, second);
    clock.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let (mut events_open, mut signals_open, mut polled_open, mut background_open) = (true, true, true, true);

    // A change not drawn yet, whether the user caused it (draw now), and the last frame's time.
    let (mut undrawn, mut urgent, mut last_draw) = (false, true, None::<Instant>);
    let mut snapshot_read = false;
    // After applying poll results the loop stops listening for more until this moment, then
    // takes all that came meanwhile at once: 100 tasks answer ~20 times a second, and a wake of
    // the UI thread for each cost more than applying them.
    let mut results_quiet_until: Option<Instant> = None;
    loop {
        if app.should_quit() {
            break;
        }
        undrawn |= app.take_dirty();
        let next_passive_frame = last_draw.map_or_else(Instant::now, |at| at + PASSIVE_FRAME);
        if undrawn && (urgent || Instant::now() >= next_passive_frame) {
            terminal.draw(|f| ui::render(app, f)).map_err(|e| RunError::Draw(e.to_string()))?;
            lp.draws += 1;
            (undrawn, last_draw) = (false, Some(Instant::now()));
        }
        urgent = false;
        let needs_clock = app.needs_clock();
        let has_pending = !lp.pending.is_empty();
        let action = tokio::select! {
            biased;
            event = events.next(), if events_open => match event {
                Some(Ok(event)) => {
                    urgent = true;
                    action_for_event(app, event)
                }
                Some(Err(e)) => return Err(RunError::Input(e)),
                None => {
                    events_open = false;
                    None
                }
            },
            signal = signals.next(), if signals_open => {
                signals_open = signal.is_some();
                urgent = true;
                signal.map(Action::Signal)
            },
            permit = lp.poll_cmds.reserve(), if has_pending => {
                match (permit, lp.pending.pop_front()) {
                    (Ok(permit), Some(cmd)) => permit.send(cmd),
                    // The poller is gone; nothing will read these.
                    _ => lp.pending.clear(),
                }
                None
            },
            result = polled.recv(), if polled_open && results_quiet_until.is_none() => {
                polled_open = result.is_some();
                result.map(Action::Polled)
            },
            () = tokio::time::sleep_until(results_quiet_until.unwrap_or_else(Instant::now)),
                if results_quiet_until.is_some() =>
            {
                results_quiet_until = None;
                None
            },
            done = background.recv(), if background_open => {
                background_open = done.is_some();
                // Saved snapshots read after the first frame arrive by the dozen: drawn like
                // poll results, not one frame each, except the last.
                snapshot_read = matches!(done, Some(Action::SnapshotRead { .. }));
                urgent = !snapshot_read;
                done
            },
            _ = clock.tick(), if needs_clock => Some(Action::Tick(host.now())),
            () = tokio::time::sleep_until(next_passive_frame), if undrawn => None,
            else => break,
        };
        let mut results_applied = matches!(action, Some(Action::Polled(_)));
        if let Some(action) = action {
            // With nothing counting seconds the clock sleeps and `app.now` goes stale; a flash
            // set now would be "shown until" a moment already past and vanish on the next
            // tick. Bring the clock up to date first.
            if !needs_clock && !matches!(action, Action::Tick(_)) {
                lp.apply(terminal, app, host, Action::Tick(host.now()))?;
            }
            lp.apply(terminal, app, host, action)?;
        }
        urgent |= std::mem::take(&mut snapshot_read) && !app.is_reading_snapshots();
        // Coalesce a burst of results into one draw.
        let mut batch = Vec::new();
        while batch.len() < DRAIN_LIMIT {
            match polled.try_recv() {
                Ok(p) => batch.push(p),
                Err(_) => break,
            }
        }
        results_applied |= !batch.is_empty();
        for p in coalesce(batch) {
            lp.apply(terminal, app, host, Action::Polled(p))?;
        }
        if results_applied {
            results_quiet_until = Some(Instant::now() + PASSIVE_FRAME);
        }
    }
    Ok(Outcome { signal: app.exit_signal(), draws: lp.draws })
}

struct Loop {
    pending: VecDeque<PollCmd>,
    poll_cmds: mpsc::Sender<PollCmd>,
    draws: u64,
}

impl Loop {
    /// Updates the app and executes the effects, including those of follow-up actions.
    fn apply<B: Backend, H: Host>(
        &mut self,
        terminal: &mut Terminal<B>,
        app: &mut App,
        host: &mut H,
        action: Action,
    ) -> Result<(), RunError> {
        let mut actions = VecDeque::from([action]);
        while let Some(action) = actions.pop_front() {
            for effect in app.update(action) {
                match effect {
                    Effect::Poll(cmd) => self.send(cmd),
                    Effect::SaveWatchlist(refs) => {
                        if let Err(error) = host.save_watchlist(&refs) {
                            actions.push_back(failed("save the watch list", &error));
                        }
                    }
                    Effect::SaveLabel { task_ref, label } => {
                        if let Err(error) = host.save_label(&task_ref, label.as_deref()) {
                            actions.push_back(failed("save the label", &error));
                        }
                    }
                    Effect::OpenConsole { url, name } => match host.open_in_browser(&url) {
                        Ok(browser) => {
                            if browser.is_none()
                                && let Err(e) = host.copy_to_clipboard(&url)
                            {
                                tracing::debug!(error = %e, "copying the console address failed");
                            }
                            actions.push_back(Action::ConsoleShown { url, name, browser });
                        }
                        Err(error) => actions.push_back(failed("open the console", &error)),
                    },
                    Effect::CopyToClipboard(text) => {
                        if let Err(e) = host.copy_to_clipboard(&text) {
                            actions.push_back(Action::EffectFailed { what: "copy", error: e.to_string() });
                        }
                    }
                    Effect::Notify(n) => {
                        if let Err(e) = host.notify(&n) {
                            tracing::debug!(error = %e, "notification failed");
                        }
                    }
                    Effect::Suspend => {
                        host.suspend().map_err(RunError::Suspend)?;
                        repaint_all(terminal, &mut actions)?;
                        actions.push_back(Action::Tick(host.now()));
                        actions.push_back(Action::Resumed);
                    }
                    Effect::ReclaimTerminal => {
                        host.reclaim_terminal().map_err(RunError::Suspend)?;
                        repaint_all(terminal, &mut actions)?;
                        actions.push_back(Action::Tick(host.now()));
                    }
                    Effect::WriteFile(file) => match host.write_file(&file.dir, &file.name, file.contents.as_bytes()) {
                        Ok(path) => actions.push_back(Action::FileWritten { what: file.what, path }),
                        Err(error) => actions.push_back(failed(file.what.failure(), &error)),
                    },
                    Effect::OpenExternal(open) => {
                        let result = host.open_external(open.program, &open.text, &open.suffix);
                        repaint_all(terminal, &mut actions)?;
                        actions.push_back(Action::Tick(host.now()));
                        if let Err(error) = result {
                            actions.push_back(failed(open.program.failure(), &error));
                        }
                    }
                    Effect::CheckRetrySpec { text, request } => match host.check_retry_spec(&request) {
                        Ok(fit) => actions.push_back(Action::SpecPathChecked { text, verdict: Ok(fit) }),
                        // A host that cannot check leaves the verdict to the write.
                        Err(EffectError::Unavailable(_)) => {}
                        Err(error) => {
                            let problem = error.spec_problem().unwrap_or_else(|| error.to_string());
                            actions.push_back(Action::SpecPathChecked { text, verdict: Err(problem) });
                        }
                    },
                    Effect::WriteRetrySpec(request) => match host.write_retry_spec(&request) {
                        Ok(WrittenRetrySpec { path, operations, precheck }) => {
                            let task_ref = request.task.task_ref.clone();
                            actions.push_back(Action::RetrySpecWritten { task_ref, path, operations, precheck });
                        }
                        Err(error) => match error.spec_problem() {
                            Some(problem) => actions.push_back(Action::RetrySpecRefused {
                                task_ref: request.task.task_ref.clone(),
                                spec: request.spec,
                                problem,
                            }),
                            None => actions.push_back(failed("write the retry spec", &error)),
                        },
                    },
                    Effect::StartImport(request) => {
                        if let Err(error) = host.start_import(request) {
                            actions.push_back(failed("start the import", &error));
                        }
                    }
                    Effect::Quit => {}
                }
            }
        }
        let garbage = app.take_garbage();
        if !garbage.is_empty() {
            tokio::task::spawn_blocking(move || drop(garbage));
        }
        // The selected task and the rows on screen are polled first.
        if let Some(cmd) = app.take_poll_focus() {
            self.send(cmd);
        }
        Ok(())
    }

    fn send(&mut self, cmd: PollCmd) {
        if !self.pending.is_empty() {
            self.pending.push_back(cmd);
            return;
        }
        match self.poll_cmds.try_send(cmd) {
            Ok(()) => {}
            Err(TrySendError::Full(cmd)) => self.pending.push_back(cmd),
            Err(TrySendError::Closed(cmd)) => tracing::warn!(?cmd, "poller is gone; command dropped"),
        }
    }
}

/// The app hears of a failed effect as text: what it was doing, and why it did not happen.
fn failed(what: &'static str, error: &EffectError) -> Action {
    Action::EffectFailed { what, error: error.to_string() }
}

/// After the terminal was handed over, the screen is whatever the other program left: forget
/// the last frame so the next draw paints every cell. `resize` clears and resets the back buffer
/// without `clear`'s cursor-position query, which a terminal may never answer (the draw would
/// then fail).
fn repaint_all<B: Backend>(terminal: &mut Terminal<B>, actions: &mut VecDeque<Action>) -> Result<(), RunError> {
    let size = terminal.size().map_err(|e| RunError::Draw(e.to_string()))?;
    terminal
        .resize(ratatui::layout::Rect::new(0, 0, size.width, size.height))
        .map_err(|e| RunError::Draw(e.to_string()))?;
    actions.push_back(Action::Resize { w: size.width, h: size.height });
    Ok(())
}
