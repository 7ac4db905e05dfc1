//! The dialogs over the panes, as one ordered stack.
//!
//! Owns which dialogs are open and in what order: the top one takes the keys (its key table is
//! the one in force), they are drawn bottom to top, Esc and Ctrl-C mean what the top one says,
//! and opening one puts it on top (a dialog of the same kind that was already open is replaced,
//! not stacked twice). One type decides all three, so a dialog that opens over another is also
//! the one the keys reach. What each dialog does with its keys is next to its state: the input
//! line in [`super::input`], the remove and import confirmations and help here, the report
//! prompt in [`super::failures`]. May not draw: `ui` reads [`Overlays::bottom_to_top`].

use crate::domain::TaskRef;

use super::effect::Effect;
use super::input::InputLine;
use super::keymap::KeyContext;
use super::retry::ImportOffer;
use super::{App, Command, Help, ReportPrompt};

/// One open dialog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlay {
    Help(Help),
    /// The input line at the bottom (add a task, filter, a spec's path), with the live check's
    /// verdict on what is typed.
    Input {
        line: InputLine,
        check: Option<Checked>,
    },
    /// "Remove this task?"
    ConfirmRemove(TaskRef),
    /// "Import the retry spec just written?"
    ImportOffer(ImportOffer),
    /// Which format the report is written in.
    ReportPrompt(ReportPrompt),
}

/// The live check's verdict on the text of the input line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Checked {
    Good(String),
    Bad(String),
}

impl Overlay {
    /// The key table in force while this dialog is on top.
    pub fn key_context(&self) -> KeyContext {
        match self {
            Overlay::Help(_) => KeyContext::Help,
            Overlay::Input { .. } => KeyContext::Input,
            Overlay::ConfirmRemove(_) | Overlay::ImportOffer(_) => KeyContext::Confirm,
            Overlay::ReportPrompt(_) => KeyContext::Report,
        }
    }

    fn same_kind(&self, other: &Overlay) -> bool {
        std::mem::discriminant(self) == std::mem::discriminant(other)
    }
}

/// The open dialogs, bottom first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overlays(Vec<Overlay>);

impl Overlays {
    /// Puts `overlay` on top; one of the same kind already open is taken out first.
    pub fn open(&mut self, overlay: Overlay) {
        self.0.retain(|open| !open.same_kind(&overlay));
        self.0.push(overlay);
    }

    /// The dialog that has the keys.
    pub fn top(&self) -> Option<&Overlay> {
        self.0.last()
    }

    pub fn top_mut(&mut self) -> Option<&mut Overlay> {
        self.0.last_mut()
    }

    /// Closes the top dialog and returns it.
    pub fn close_top(&mut self) -> Option<Overlay> {
        self.0.pop()
    }

    /// Closes every dialog of `overlay`'s kind (wherever it is in the stack).
    pub fn close_where(&mut self, matches: impl Fn(&Overlay) -> bool) {
        self.0.retain(|open| !matches(open));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// In drawing order.
    pub fn bottom_to_top(&self) -> impl Iterator<Item = &Overlay> {
        self.0.iter()
    }

    pub fn find<'a, T>(&'a self, pick: impl Fn(&'a Overlay) -> Option<T>) -> Option<T> {
        self.0.iter().rev().find_map(pick)
    }
}

impl App {
    /// A command while a dialog is open goes to the dialog on top, and nowhere else.
    pub(super) fn on_overlay_command(&mut self, command: Command) -> Vec<Effect> {
        let Some(top) = self.overlays.top() else { return Vec::new() };
        match top {
            Overlay::Help(_) => self.on_help_command(command),
            Overlay::Input { .. } => self.on_input_command(command),
            Overlay::ConfirmRemove(_) => self.on_confirm_remove_command(command),
            Overlay::ImportOffer(_) => self.on_import_offer_command(command),
            Overlay::ReportPrompt(_) => self.on_report_command(command),
        }
    }

    fn on_confirm_remove_command(&mut self, command: Command) -> Vec<Effect> {
        match command {
            Command::Confirm => match self.overlays.close_top() {
                Some(Overlay::ConfirmRemove(task_ref)) => self.remove(&task_ref),
                _ => Vec::new(),
            },
            Command::Deny | Command::Back | Command::Cancel => {
                self.overlays.close_top();
                Vec::new()
            }
            Command::Quit => self.quit(),
            _ => Vec::new(),
        }
    }

    fn on_import_offer_command(&mut self, command: Command) -> Vec<Effect> {
        match command {
            Command::Confirm => self.accept_import_offer(),
            Command::Deny | Command::Back | Command::Cancel => {
                self.overlays.close_top();
                self.flash_info("not imported; the retry spec file stays where it was written");
                Vec::new()
            }
            Command::Quit => self.quit(),
            _ => Vec::new(),
        }
    }

    pub(super) fn on_help_command(&mut self, command: Command) -> Vec<Effect> {
        let Some(Overlay::Help(help)) = self.overlays.top_mut() else { return Vec::new() };
        match command {
            Command::Back | Command::Help | Command::Cancel => {
                self.overlays.close_top();
            }
            Command::Up => help.scroll = help.scroll.saturating_sub(1),
            Command::Down => help.scroll += 1,
            Command::PageUp => help.scroll = help.scroll.saturating_sub(10),
            Command::PageDown => help.scroll += 10,
            Command::Top => help.scroll = 0,
            Command::Bottom => help.scroll = usize::MAX / 2,
            Command::Quit => return self.quit(),
            _ => {}
        }
        Vec::new()
    }

    pub(super) fn quit(&mut self) -> Vec<Effect> {
        self.quit = true;
        vec![Effect::Quit]
    }

    /// The open help, if any.
    pub fn help(&self) -> Option<Help> {
        self.overlays.find(|o| if let Overlay::Help(help) = o { Some(*help) } else { None })
    }

    /// The open input line, if any.
    pub fn input(&self) -> Option<&InputLine> {
        self.overlays.find(|o| if let Overlay::Input { line, .. } = o { Some(line) } else { None })
    }

    /// What the live check says about the typed text.
    pub fn input_error(&self) -> Option<&str> {
        self.overlays.find(|o| match o {
            Overlay::Input { check: Some(Checked::Bad(error)), .. } => Some(error.as_str()),
            _ => None,
        })
    }

    /// What the live check found good about the typed text (a spec path that matches the task).
    pub fn input_note(&self) -> Option<&str> {
        self.overlays.find(|o| match o {
            Overlay::Input { check: Some(Checked::Good(note)), .. } => Some(note.as_str()),
            _ => None,
        })
    }

    pub fn confirm_remove(&self) -> Option<&TaskRef> {
        self.overlays.find(|o| if let Overlay::ConfirmRemove(task_ref) = o { Some(task_ref) } else { None })
    }

    pub fn import_offer(&self) -> Option<&ImportOffer> {
        self.overlays.find(|o| if let Overlay::ImportOffer(offer) = o { Some(offer) } else { None })
    }

    pub fn report_prompt(&self) -> Option<&ReportPrompt> {
        self.overlays.find(|o| if let Overlay::ReportPrompt(prompt) = o { Some(prompt) } else { None })
    }

    /// The dialogs, for drawing.
    pub fn overlays(&self) -> &Overlays {
        &self.overlays
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::input::InputPurpose;

    fn help() -> Overlay {
        Overlay::Help(Help { context: KeyContext::Tasks, scroll: 0 })
    }

    #[test]
    fn the_last_opened_is_on_top_and_a_kind_is_never_open_twice() {
        let mut stack = Overlays::default();
        stack.open(help());
        stack.open(Overlay::Input { line: InputLine::new(InputPurpose::Filter, ""), check: None });
        assert_eq!(stack.top().map(Overlay::key_context), Some(KeyContext::Input));
        stack.open(help());
        let kinds: Vec<KeyContext> = stack.bottom_to_top().map(Overlay::key_context).collect();
        assert_eq!(kinds, [KeyContext::Input, KeyContext::Help], "help moved to the top, once");
        assert!(stack.close_top().is_some_and(|o| o.key_context() == KeyContext::Help));
        assert_eq!(stack.top().map(Overlay::key_context), Some(KeyContext::Input));
    }
}
