//! Keys are data: which key does what, in which context, looked up in a table.
//!
//! Owns the default bindings, parsing of key specs (`"ctrl-d"`, `"G"`, `"pgdn"`), user overrides
//! by action name (for the config file's `[keys]` table) and the translation of crossterm events
//! into [`Action`]s. Handles `KeyEventKind::Press` only. May not change the app: it reads which
//! context is active and nothing else.

use std::collections::HashMap;
use std::fmt;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};

use super::App;
use super::action::{Action, Command, MouseInput, MouseKind};

/// Where the keyboard is: decides which table is consulted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyContext {
    /// Fallback for the three panes.
    Global,
    Tasks,
    Subtasks,
    Viewer,
    Help,
    Input,
    Confirm,
    /// The report prompt: which format to write.
    Report,
}

impl KeyContext {
    pub const ALL: [KeyContext; 8] = [
        KeyContext::Global,
        KeyContext::Tasks,
        KeyContext::Subtasks,
        KeyContext::Viewer,
        KeyContext::Help,
        KeyContext::Input,
        KeyContext::Confirm,
        KeyContext::Report,
    ];

    pub fn name(self) -> &'static str {
        match self {
            KeyContext::Global => "global",
            KeyContext::Tasks => "tasks",
            KeyContext::Subtasks => "subtasks",
            KeyContext::Viewer => "viewer",
            KeyContext::Help => "help",
            KeyContext::Input => "input",
            KeyContext::Confirm => "confirm",
            KeyContext::Report => "report",
        }
    }

    /// Pane contexts fall back to the global table; modal ones stand alone.
    fn falls_back_to_global(self) -> bool {
        matches!(self, KeyContext::Tasks | KeyContext::Subtasks | KeyContext::Viewer)
    }
}

/// A key with its modifiers, normalised so that `Shift-n` and `N` are the same key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeySpec {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl KeySpec {
    pub fn new(code: KeyCode, mods: KeyModifiers) -> KeySpec {
        let mut mods = mods & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        let code = match code {
            // The character already carries the case; Shift on top would make `N` unmatchable.
            KeyCode::Char(c) => {
                mods.remove(KeyModifiers::SHIFT);
                if mods.contains(KeyModifiers::CONTROL) { KeyCode::Char(c.to_ascii_lowercase()) } else { code }
            }
            KeyCode::BackTab => {
                mods.remove(KeyModifiers::SHIFT);
                code
            }
            other => other,
        };
        KeySpec { code, mods }
    }

    pub fn from_event(key: &KeyEvent) -> KeySpec {
        KeySpec::new(key.code, key.modifiers)
    }

    /// Parses `"j"`, `"G"`, `"ctrl-d"`, `"C-u"`, `"alt-x"`, `"shift-tab"`, `"pgdn"`, `"f5"`, `"space"`.
    pub fn parse(spec: &str) -> Result<KeySpec, KeymapError> {
        let bad = || KeymapError::BadKey(spec.to_owned());
        let mut rest = spec.trim();
        let mut mods = KeyModifiers::NONE;
        loop {
            let lower = rest.to_ascii_lowercase();
            let prefix = [
                ("ctrl-", KeyModifiers::CONTROL),
                ("ctrl+", KeyModifiers::CONTROL),
                ("c-", KeyModifiers::CONTROL),
                ("alt-", KeyModifiers::ALT),
                ("alt+", KeyModifiers::ALT),
                ("a-", KeyModifiers::ALT),
                ("m-", KeyModifiers::ALT),
                ("shift-", KeyModifiers::SHIFT),
                ("shift+", KeyModifiers::SHIFT),
                ("s-", KeyModifiers::SHIFT),
            ]
            .into_iter()
            .find(|(p, _)| lower.starts_with(p) && rest.len() > p.len());
            match prefix {
                Some((p, m)) => {
                    mods |= m;
                    rest = &rest[p.len()..];
                }
                None => break,
            }
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) => {
                let c = if mods.contains(KeyModifiers::SHIFT) { c.to_ascii_uppercase() } else { c };
                KeyCode::Char(c)
            }
            (None, _) => return Err(bad()),
            _ => match rest.to_ascii_lowercase().as_str() {
                "enter" | "return" | "cr" => KeyCode::Enter,
                "esc" | "escape" => KeyCode::Esc,
                "tab" => KeyCode::Tab,
                "backtab" => KeyCode::BackTab,
                "backspace" | "bs" => KeyCode::Backspace,
                "delete" | "del" => KeyCode::Delete,
                "insert" | "ins" => KeyCode::Insert,
                "up" => KeyCode::Up,
                "down" => KeyCode::Down,
                "left" => KeyCode::Left,
                "right" => KeyCode::Right,
                "home" => KeyCode::Home,
                "end" => KeyCode::End,
                "pageup" | "pgup" => KeyCode::PageUp,
                "pagedown" | "pgdn" | "pgdown" => KeyCode::PageDown,
                "space" => KeyCode::Char(' '),
                "minus" => KeyCode::Char('-'),
                "plus" => KeyCode::Char('+'),
                other => match other.strip_prefix('f').and_then(|n| n.parse::<u8>().ok()) {
                    Some(n @ 1..=24) => KeyCode::F(n),
                    _ => return Err(bad()),
                },
            },
        };
        let code = if mods.contains(KeyModifiers::SHIFT) && code == KeyCode::Tab { KeyCode::BackTab } else { code };
        Ok(KeySpec::new(code, mods))
    }
}

impl fmt::Display for KeySpec {
    /// Short labels for the footer and help (`Ctrl-d`, `PgDn`, `S-Tab`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mods.contains(KeyModifiers::CONTROL) {
            f.write_str("Ctrl-")?;
        }
        if self.mods.contains(KeyModifiers::ALT) {
            f.write_str("Alt-")?;
        }
        if self.mods.contains(KeyModifiers::SHIFT) {
            f.write_str("Shift-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Enter => f.write_str("Enter"),
            KeyCode::Esc => f.write_str("Esc"),
            KeyCode::Tab => f.write_str("Tab"),
            KeyCode::BackTab => f.write_str("S-Tab"),
            KeyCode::Backspace => f.write_str("Bksp"),
            KeyCode::Delete => f.write_str("Del"),
            KeyCode::Insert => f.write_str("Ins"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::Home => f.write_str("Home"),
            KeyCode::End => f.write_str("End"),
            KeyCode::PageUp => f.write_str("PgUp"),
            KeyCode::PageDown => f.write_str("PgDn"),
            KeyCode::F(n) => write!(f, "F{n}"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// Why a key override could not be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeymapError {
    #[error("unknown key {0:?} (examples: \"j\", \"G\", \"ctrl-d\", \"pgdn\", \"shift-tab\", \"f5\")")]
    BadKey(String),
    #[error("unknown action {0:?}")]
    UnknownAction(String),
    #[error("unknown key context {0:?} (one of global, tasks, subtasks, viewer, help, input, confirm, report)")]
    UnknownContext(String),
    #[error("key {key} is given to both {first} and {second} in {context}")]
    Conflict { key: String, first: &'static str, second: &'static str, context: &'static str },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Binding {
    context: KeyContext,
    key: KeySpec,
    command: Command,
}

/// The key tables. Built from defaults, optionally remapped by the user.
#[derive(Debug, Clone)]
pub struct Keymap {
    /// In definition order, so help lists keys the way they were written.
    bindings: Vec<Binding>,
    lookup: HashMap<(KeyContext, KeySpec), Command>,
}

impl Default for Keymap {
    fn default() -> Self {
        Keymap::from_bindings(default_bindings())
    }
}

/// The bindings a fresh install has; the help overlay and the footer read them through [`Keymap`].
const DEFAULT_TABLE: &[(KeyContext, &str, Command)] = &[
    (KeyContext::Global, "q", Command::Quit),
    (KeyContext::Global, "ctrl-c", Command::Interrupt),
    (KeyContext::Global, "ctrl-z", Command::Suspend),
    (KeyContext::Global, "?", Command::Help),
    (KeyContext::Global, "tab", Command::FocusNext),
    (KeyContext::Global, "backtab", Command::FocusPrev),
    (KeyContext::Global, "j", Command::Down),
    (KeyContext::Global, "down", Command::Down),
    (KeyContext::Global, "k", Command::Up),
    (KeyContext::Global, "up", Command::Up),
    (KeyContext::Global, "pgdn", Command::PageDown),
    (KeyContext::Global, "ctrl-d", Command::PageDown),
    (KeyContext::Global, "ctrl-f", Command::PageDown),
    (KeyContext::Global, "pgup", Command::PageUp),
    (KeyContext::Global, "ctrl-u", Command::PageUp),
    (KeyContext::Global, "ctrl-b", Command::PageUp),
    (KeyContext::Global, "g", Command::Top),
    (KeyContext::Global, "home", Command::Top),
    (KeyContext::Global, "G", Command::Bottom),
    (KeyContext::Global, "end", Command::Bottom),
    (KeyContext::Global, "enter", Command::Enter),
    (KeyContext::Global, "esc", Command::Back),
    (KeyContext::Global, "h", Command::Left),
    (KeyContext::Global, "left", Command::Left),
    (KeyContext::Global, "l", Command::Right),
    (KeyContext::Global, "right", Command::Right),
    (KeyContext::Global, "n", Command::NextFailure),
    (KeyContext::Global, "N", Command::PrevFailure),
    (KeyContext::Global, "]", Command::NextFailedTask),
    (KeyContext::Global, "[", Command::PrevFailedTask),
    (KeyContext::Global, "e", Command::OpenError),
    (KeyContext::Global, "/", Command::Filter),
    (KeyContext::Global, "f", Command::FailuresOnly),
    (KeyContext::Global, "s", Command::CycleSort),
    (KeyContext::Global, "y", Command::Copy),
    (KeyContext::Global, "a", Command::Add),
    (KeyContext::Global, "d", Command::Remove),
    (KeyContext::Global, "r", Command::Refresh),
    (KeyContext::Global, "ctrl-r", Command::RefreshAll),
    (KeyContext::Global, "R", Command::RetrySpec),
    (KeyContext::Global, "p", Command::Pause),
    (KeyContext::Global, "F", Command::Groups),
    (KeyContext::Global, "v", Command::Values),
    (KeyContext::Global, "x", Command::Report),
    (KeyContext::Global, "c", Command::ChangesOnly),
    (KeyContext::Global, "S", Command::SaveExport),
    (KeyContext::Viewer, "w", Command::ToggleWrap),
    (KeyContext::Viewer, "r", Command::ToggleRaw),
    (KeyContext::Viewer, "o", Command::OpenPager),
    (KeyContext::Viewer, "e", Command::OpenEditor),
    (KeyContext::Help, "esc", Command::Back),
    (KeyContext::Help, "?", Command::Back),
    (KeyContext::Help, "q", Command::Back),
    (KeyContext::Help, "j", Command::Down),
    (KeyContext::Help, "down", Command::Down),
    (KeyContext::Help, "k", Command::Up),
    (KeyContext::Help, "up", Command::Up),
    (KeyContext::Help, "pgdn", Command::PageDown),
    (KeyContext::Help, "pgup", Command::PageUp),
    (KeyContext::Help, "g", Command::Top),
    (KeyContext::Help, "G", Command::Bottom),
    (KeyContext::Help, "ctrl-c", Command::Interrupt),
    (KeyContext::Input, "enter", Command::Submit),
    (KeyContext::Input, "esc", Command::Cancel),
    (KeyContext::Input, "backspace", Command::Backspace),
    (KeyContext::Input, "delete", Command::DeleteForward),
    (KeyContext::Input, "left", Command::CursorLeft),
    (KeyContext::Input, "right", Command::CursorRight),
    (KeyContext::Input, "home", Command::CursorHome),
    (KeyContext::Input, "ctrl-a", Command::CursorHome),
    (KeyContext::Input, "end", Command::CursorEnd),
    (KeyContext::Input, "ctrl-e", Command::CursorEnd),
    (KeyContext::Input, "ctrl-u", Command::ClearInput),
    (KeyContext::Input, "ctrl-w", Command::DeleteWord),
    (KeyContext::Input, "ctrl-c", Command::Interrupt),
    (KeyContext::Confirm, "y", Command::Confirm),
    (KeyContext::Confirm, "Y", Command::Confirm),
    (KeyContext::Confirm, "enter", Command::Confirm),
    (KeyContext::Confirm, "n", Command::Deny),
    (KeyContext::Confirm, "N", Command::Deny),
    (KeyContext::Confirm, "esc", Command::Deny),
    (KeyContext::Confirm, "ctrl-c", Command::Interrupt),
    (KeyContext::Report, "enter", Command::ReportMarkdown),
    (KeyContext::Report, "m", Command::ReportMarkdown),
    (KeyContext::Report, "c", Command::ReportCsv),
    (KeyContext::Report, "j", Command::ReportJson),
    (KeyContext::Report, "esc", Command::Cancel),
    (KeyContext::Report, "q", Command::Cancel),
    (KeyContext::Report, "x", Command::Cancel),
    (KeyContext::Report, "ctrl-c", Command::Interrupt),
];

fn default_bindings() -> Vec<Binding> {
    DEFAULT_TABLE
        .iter()
        .filter_map(|&(context, spec, command)| {
            // The table above is static and covered by a test; a typo would drop one binding, not crash.
            KeySpec::parse(spec).ok().map(|key| Binding { context, key, command })
        })
        .collect()
}

impl Keymap {
    fn from_bindings(bindings: Vec<Binding>) -> Keymap {
        let lookup = bindings.iter().map(|b| ((b.context, b.key), b.command)).collect();
        Keymap { bindings, lookup }
    }

    /// Applies user remaps: `("next-failure", "x")` or `("viewer.raw", "R")`.
    ///
    /// An action named without a context is remapped in every context that binds it by default.
    /// The new keys replace that action's default keys there; a default key of another action
    /// that collides with a new key is taken away from it.
    pub fn with_overrides(&self, overrides: &[(&str, &str)]) -> Result<Keymap, KeymapError> {
        let mut parsed: Vec<Binding> = Vec::new();
        for &(name, spec) in overrides {
            let (contexts, command) = if let Some((ctx, action)) = name.split_once('.') {
                let ctx = KeyContext::ALL
                    .into_iter()
                    .find(|c| c.name() == ctx)
                    .ok_or_else(|| KeymapError::UnknownContext(ctx.to_owned()))?;
                let command = Command::from_name(action).ok_or_else(|| KeymapError::UnknownAction(name.into()))?;
                (vec![ctx], command)
            } else {
                let command = Command::from_name(name).ok_or_else(|| KeymapError::UnknownAction(name.into()))?;
                let mut ctxs: Vec<KeyContext> =
                    self.bindings.iter().filter(|b| b.command == command).map(|b| b.context).collect();
                ctxs.dedup();
                if ctxs.is_empty() {
                    ctxs.push(KeyContext::Global);
                }
                (ctxs, command)
            };
            let key = KeySpec::parse(spec)?;
            for context in contexts {
                if let Some(other) =
                    parsed.iter().find(|b| b.context == context && b.key == key && b.command != command)
                {
                    return Err(KeymapError::Conflict {
                        key: key.to_string(),
                        first: other.command.name(),
                        second: command.name(),
                        context: context.name(),
                    });
                }
                parsed.push(Binding { context, key, command });
            }
        }
        let mut bindings: Vec<Binding> = self
            .bindings
            .iter()
            .filter(|b| !parsed.iter().any(|p| p.context == b.context && (p.command == b.command || p.key == b.key)))
            .copied()
            .collect();
        bindings.extend(parsed);
        Ok(Keymap::from_bindings(bindings))
    }

    /// The command bound to `key` in `context`, falling back to the global table for panes.
    pub fn lookup(&self, context: KeyContext, key: KeySpec) -> Option<Command> {
        self.lookup.get(&(context, key)).copied().or_else(|| {
            if context.falls_back_to_global() { self.lookup.get(&(KeyContext::Global, key)).copied() } else { None }
        })
    }

    /// The keys that trigger `command` in `context`, own table first, shadowed globals left out.
    pub fn keys_for(&self, context: KeyContext, command: Command) -> Vec<KeySpec> {
        let mut keys: Vec<KeySpec> =
            self.bindings.iter().filter(|b| b.context == context && b.command == command).map(|b| b.key).collect();
        if context.falls_back_to_global() {
            keys.extend(
                self.bindings
                    .iter()
                    .filter(|b| b.context == KeyContext::Global && b.command == command)
                    .filter(|b| !self.lookup.contains_key(&(context, b.key)))
                    .map(|b| b.key),
            );
        }
        keys
    }

    /// Short label of the first key for `command` (`"n"`), or `None` when it is unbound.
    pub fn label(&self, context: KeyContext, command: Command) -> Option<String> {
        self.keys_for(context, command).first().map(ToString::to_string)
    }

    /// Every command reachable in `context`, in table order, with its keys (for help).
    pub fn commands_in(&self, context: KeyContext) -> Vec<(Command, Vec<KeySpec>)> {
        let mut out: Vec<(Command, Vec<KeySpec>)> = Vec::new();
        let contexts: &[KeyContext] =
            if context.falls_back_to_global() { &[context, KeyContext::Global] } else { &[context] };
        for ctx in contexts {
            for b in self.bindings.iter().filter(|b| b.context == *ctx) {
                if out.iter().any(|(c, _)| *c == b.command) {
                    continue;
                }
                let keys = self.keys_for(context, b.command);
                if !keys.is_empty() {
                    out.push((b.command, keys));
                }
            }
        }
        out
    }
}

/// Translates a key press into an action for the app's current context.
pub fn action_for(app: &App, key: KeyEvent) -> Option<Action> {
    if key.kind != KeyEventKind::Press {
        return None;
    }
    let context = app.key_context();
    let spec = KeySpec::from_event(&key);
    if let Some(command) = app.keymap().lookup(context, spec) {
        return Some(Action::Command(command));
    }
    match (context, key.code) {
        (KeyContext::Input, KeyCode::Char(c))
            if !key.modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
        {
            Some(Action::Insert(c))
        }
        _ => None,
    }
}

/// Translates any terminal event; resize and mouse included.
pub fn action_for_event(app: &App, event: Event) -> Option<Action> {
    match event {
        Event::Key(key) => action_for(app, key),
        Event::Mouse(mouse) => mouse_action(mouse),
        Event::Resize(w, h) => Some(Action::Resize { w, h }),
        Event::Paste(text) => (app.key_context() == KeyContext::Input).then_some(Action::Paste(text)),
        Event::FocusGained | Event::FocusLost => None,
    }
}

fn mouse_action(mouse: MouseEvent) -> Option<Action> {
    let kind = match mouse.kind {
        MouseEventKind::ScrollUp => MouseKind::ScrollUp,
        MouseEventKind::ScrollDown => MouseKind::ScrollDown,
        MouseEventKind::Down(MouseButton::Left) => MouseKind::Click,
        _ => return None,
    };
    Some(Action::Mouse(MouseInput { kind, column: mouse.column, row: mouse.row }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(spec: &str) -> KeySpec {
        KeySpec::parse(spec).unwrap()
    }

    #[test]
    fn every_default_binding_parses() {
        // default_bindings drops specs that fail to parse; equal counts prove none was dropped.
        assert_eq!(default_bindings().len(), DEFAULT_TABLE.len());
    }

    #[test]
    fn key_specs_parse_and_normalise() {
        assert_eq!(key("G"), KeySpec::new(KeyCode::Char('G'), KeyModifiers::SHIFT));
        assert_eq!(key("shift-g"), key("G"));
        assert_eq!(key("ctrl-d"), KeySpec::new(KeyCode::Char('d'), KeyModifiers::CONTROL));
        assert_eq!(key("C-D"), key("ctrl-d"));
        assert_eq!(key("shift-tab"), KeySpec::new(KeyCode::BackTab, KeyModifiers::SHIFT));
        assert_eq!(key("pgdn"), KeySpec::new(KeyCode::PageDown, KeyModifiers::NONE));
        assert_eq!(key("f5").code, KeyCode::F(5));
        assert_eq!(key("-").code, KeyCode::Char('-'));
        assert_eq!(key("ctrl--").code, KeyCode::Char('-'));
        assert!(matches!(KeySpec::parse("hyper-x"), Err(KeymapError::BadKey(_))));
        assert!(matches!(KeySpec::parse(""), Err(KeymapError::BadKey(_))));
    }

    #[test]
    fn labels_are_short_and_readable() {
        assert_eq!(key("ctrl-d").to_string(), "Ctrl-d");
        assert_eq!(key("pgdn").to_string(), "PgDn");
        assert_eq!(key("N").to_string(), "N");
        assert_eq!(key("backtab").to_string(), "S-Tab");
    }

    #[test]
    fn pane_contexts_fall_back_to_global_but_own_keys_win() {
        let km = Keymap::default();
        assert_eq!(km.lookup(KeyContext::Viewer, key("r")), Some(Command::ToggleRaw));
        assert_eq!(km.lookup(KeyContext::Tasks, key("r")), Some(Command::Refresh));
        assert_eq!(km.lookup(KeyContext::Subtasks, key("n")), Some(Command::NextFailure));
        assert_eq!(km.lookup(KeyContext::Confirm, key("j")), None);
        assert_eq!(km.lookup(KeyContext::Input, key("q")), None);
        assert_eq!(km.keys_for(KeyContext::Viewer, Command::Refresh), Vec::<KeySpec>::new());
        assert_eq!(km.lookup(KeyContext::Viewer, key("e")), Some(Command::OpenEditor), "e edits in the viewer");
        assert_eq!(km.lookup(KeyContext::Subtasks, key("e")), Some(Command::OpenError), "and opens it elsewhere");
        assert_eq!(km.lookup(KeyContext::Tasks, key("F")), Some(Command::Groups));
        assert_eq!(km.lookup(KeyContext::Report, key("enter")), Some(Command::ReportMarkdown));
        assert_eq!(km.lookup(KeyContext::Report, key("j")), Some(Command::ReportJson), "no fallback to global j");
        assert_eq!(km.label(KeyContext::Viewer, Command::RefreshAll).as_deref(), Some("Ctrl-r"));
        assert_eq!(km.lookup(KeyContext::Tasks, key("R")), Some(Command::RetrySpec));
    }

    #[test]
    fn overrides_replace_the_actions_keys_and_steal_colliding_ones() {
        let km = Keymap::default().with_overrides(&[("next-failure", "x"), ("viewer.raw", "J")]).unwrap();
        assert_eq!(km.lookup(KeyContext::Subtasks, key("x")), Some(Command::NextFailure));
        assert_eq!(km.lookup(KeyContext::Subtasks, key("n")), None);
        assert_eq!(km.lookup(KeyContext::Viewer, key("J")), Some(Command::ToggleRaw));
        assert_eq!(km.lookup(KeyContext::Viewer, key("r")), Some(Command::Refresh), "global r shows through again");
        let swapped = Keymap::default().with_overrides(&[("down", "k"), ("up", "j")]).unwrap();
        assert_eq!(swapped.lookup(KeyContext::Tasks, key("k")), Some(Command::Down));
        assert_eq!(swapped.lookup(KeyContext::Tasks, key("j")), Some(Command::Up));
    }

    #[test]
    fn the_new_actions_can_be_remapped_by_name() {
        let km = Keymap::default()
            .with_overrides(&[("groups", "ctrl-g"), ("report", "X"), ("pager", "P"), ("report-csv", "v")])
            .unwrap();
        assert_eq!(km.lookup(KeyContext::Subtasks, key("ctrl-g")), Some(Command::Groups));
        assert_eq!(km.lookup(KeyContext::Subtasks, key("F")), None);
        assert_eq!(km.lookup(KeyContext::Tasks, key("X")), Some(Command::Report));
        assert_eq!(km.lookup(KeyContext::Viewer, key("P")), Some(Command::OpenPager));
        assert_eq!(km.lookup(KeyContext::Report, key("v")), Some(Command::ReportCsv));
        assert_eq!(km.label(KeyContext::Tasks, Command::Report).as_deref(), Some("X"));
    }

    #[test]
    fn bad_overrides_are_reported() {
        let km = Keymap::default();
        assert!(matches!(km.with_overrides(&[("jump", "x")]), Err(KeymapError::UnknownAction(_))));
        assert!(matches!(km.with_overrides(&[("pane.up", "x")]), Err(KeymapError::UnknownContext(_))));
        assert!(matches!(km.with_overrides(&[("up", "hyper-x")]), Err(KeymapError::BadKey(_))));
        assert!(matches!(km.with_overrides(&[("up", "x"), ("down", "x")]), Err(KeymapError::Conflict { .. })));
    }
}
