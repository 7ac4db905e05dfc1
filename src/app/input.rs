//! The one-line text input used by `a` (add a task), `/` (filter subtasks) and `R` (a spec's
//! path), and what its keys do.
//!
//! Owns the text, the cursor (in characters), the editing operations, and the input line's
//! dialog: opening it on the overlay stack, live checks as the text changes, and what Enter and
//! Esc do. May not draw.

use crate::domain::TaskRef;
use crate::poller::PollCmd;

use super::effect::Effect;
use super::overlay::{Checked, Overlay};
use super::{App, Command, Entry};

/// What the input line is collecting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputPurpose {
    /// A task reference; validated live with `TaskRef::from_str`.
    AddTask,
    /// The subtask filter; applied live as it is typed.
    Filter,
    /// The path of the spec a task imported, for its retry spec.
    SpecPath,
}

impl InputPurpose {
    pub fn prompt(self) -> &'static str {
        match self {
            InputPurpose::AddTask => "Add task: ",
            InputPurpose::Filter => "Filter: ",
            InputPurpose::SpecPath => "Spec this task imported: ",
        }
    }
}

/// An open input line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputLine {
    pub purpose: InputPurpose,
    text: String,
    /// Cursor position in characters, 0..=len.
    cursor: usize,
    /// The filter as it was before editing, restored by Esc.
    pub previous: String,
}

impl InputLine {
    pub fn new(purpose: InputPurpose, initial: &str) -> InputLine {
        InputLine { purpose, text: initial.to_owned(), cursor: initial.chars().count(), previous: initial.to_owned() }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn cursor(&self) -> usize {
        self.cursor
    }

    fn byte_at(&self, chars: usize) -> usize {
        self.text.char_indices().nth(chars).map_or(self.text.len(), |(i, _)| i)
    }

    pub fn insert(&mut self, c: char) {
        // Keys never deliver control characters here (the keymap maps them), but paste might.
        if c.is_control() {
            return;
        }
        let at = self.byte_at(self.cursor);
        self.text.insert(at, c);
        self.cursor += 1;
    }

    pub fn backspace(&mut self) {
        if self.cursor > 0 {
            self.cursor -= 1;
            let at = self.byte_at(self.cursor);
            self.text.remove(at);
        }
    }

    pub fn delete(&mut self) {
        if self.cursor < self.text.chars().count() {
            let at = self.byte_at(self.cursor);
            self.text.remove(at);
        }
    }

    pub fn left(&mut self) {
        self.cursor = self.cursor.saturating_sub(1);
    }

    pub fn right(&mut self) {
        self.cursor = (self.cursor + 1).min(self.text.chars().count());
    }

    pub fn home(&mut self) {
        self.cursor = 0;
    }

    pub fn end(&mut self) {
        self.cursor = self.text.chars().count();
    }

    pub fn clear(&mut self) {
        self.text.clear();
        self.cursor = 0;
    }

    /// Deletes back to the start of the previous word (a `/` or space ends a word too).
    pub fn delete_word(&mut self) {
        let chars: Vec<char> = self.text.chars().collect();
        let mut start = self.cursor;
        while start > 0 && matches!(chars[start - 1], ' ' | '/') {
            start -= 1;
        }
        while start > 0 && !matches!(chars[start - 1], ' ' | '/') {
            start -= 1;
        }
        let (from, to) = (self.byte_at(start), self.byte_at(self.cursor));
        self.text.replace_range(from..to, "");
        self.cursor = start;
    }
}

impl App {
    /// Opens the input line for `purpose`, holding `text`.
    pub(super) fn open_input(&mut self, purpose: InputPurpose, text: &str) {
        self.overlays.open(Overlay::Input { line: InputLine::new(purpose, text), check: None });
    }

    /// Opens the input line holding `text`, with `problem` already shown: asking again after
    /// what was typed before did not work.
    pub(super) fn reopen_input(&mut self, purpose: InputPurpose, text: &str, problem: String) {
        self.overlays.open(Overlay::Input { line: InputLine::new(purpose, text), check: Some(Checked::Bad(problem)) });
    }

    /// The open input line, to edit.
    fn input_mut(&mut self) -> Option<(&mut InputLine, &mut Option<Checked>)> {
        match self.overlays.top_mut() {
            Some(Overlay::Input { line, check }) => Some((line, check)),
            _ => None,
        }
    }

    /// Closes the input line (it is on top whenever it has the keys).
    pub(super) fn close_input(&mut self) {
        self.overlays.close_where(|o| matches!(o, Overlay::Input { .. }));
    }

    pub(super) fn on_input_command(&mut self, command: Command) -> Vec<Effect> {
        let Some((line, _)) = self.input_mut() else { return Vec::new() };
        match command {
            Command::Submit => return self.submit_input(),
            Command::Cancel | Command::Back => {
                let purpose = line.purpose;
                let previous = line.previous.clone();
                self.close_input();
                if purpose == InputPurpose::Filter {
                    self.apply_filter(&previous);
                }
                return Vec::new();
            }
            Command::Backspace => line.backspace(),
            Command::DeleteForward => line.delete(),
            Command::CursorLeft => line.left(),
            Command::CursorRight => line.right(),
            Command::CursorHome => line.home(),
            Command::CursorEnd => line.end(),
            Command::ClearInput => line.clear(),
            Command::DeleteWord => line.delete_word(),
            Command::Quit => return self.quit(),
            _ => return Vec::new(),
        }
        self.input_changed()
    }

    /// Types `c` into the open input line; the caller runs [`App::input_changed`] once the
    /// typing (one key, or a whole paste) is in.
    pub(super) fn on_insert(&mut self, c: char) {
        if let Some((line, _)) = self.input_mut() {
            line.insert(c);
        }
    }

    /// Live feedback: validate a task reference, apply the filter, or have the host check that
    /// a spec path can be read and matches the task, as it is typed.
    pub(super) fn input_changed(&mut self) -> Vec<Effect> {
        let Some((line, check)) = self.input_mut() else { return Vec::new() };
        let text = line.text().to_owned();
        match line.purpose {
            InputPurpose::AddTask => {
                *check = if text.trim().is_empty() {
                    None
                } else {
                    text.trim()
                        .parse::<TaskRef>()
                        .err()
                        .map(|e| Checked::Bad(format!("{}; expected {}", e.reason, e.expected)))
                };
                Vec::new()
            }
            InputPurpose::Filter => {
                self.apply_filter(&text);
                Vec::new()
            }
            InputPurpose::SpecPath => {
                // The verdict on the old text no longer holds; the host's answer replaces it.
                *check = None;
                self.check_spec_path(&text)
            }
        }
    }

    pub(super) fn apply_filter(&mut self, filter: &str) {
        let rows = self.subtask_page();
        if let Some(e) = self.entries.get_mut(self.selected)
            && let Some(task) = &e.task
        {
            e.view.set_filter(&task.subtasks, filter);
            e.view.fit(rows);
        }
        self.follow_selection();
    }

    fn submit_input(&mut self) -> Vec<Effect> {
        let Some((line, _)) = self.input_mut() else { return Vec::new() };
        match line.purpose {
            InputPurpose::Filter => {
                self.close_input();
                Vec::new()
            }
            InputPurpose::SpecPath => {
                let text = line.text().to_owned();
                self.submit_spec_path(&text)
            }
            InputPurpose::AddTask => {
                let text = line.text().trim().to_owned();
                if text.is_empty() {
                    self.close_input();
                    return Vec::new();
                }
                match text.parse::<TaskRef>() {
                    Err(e) => {
                        // Stay open so the user can fix the reference; the reason is shown inline.
                        if let Some((_, check)) = self.input_mut() {
                            *check = Some(Checked::Bad(format!("{}; expected {}", e.reason, e.expected)));
                        }
                        Vec::new()
                    }
                    Ok(task_ref) => {
                        self.close_input();
                        if let Some(i) = self.entries.iter().position(|e| e.task_ref == task_ref) {
                            self.select_task(i);
                            self.flash_info(format!("already watching {}", task_ref.short()));
                            return Vec::new();
                        }
                        self.entries.push(Entry::new(task_ref.clone(), None, true));
                        self.select_task(self.entries.len() - 1);
                        self.flash_info(format!("watching {}", task_ref.short()));
                        vec![Effect::Poll(PollCmd::Watch(task_ref)), Effect::SaveWatchlist(self.task_refs())]
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editing_moves_the_cursor_by_characters() {
        let mut l = InputLine::new(InputPurpose::Filter, "查a");
        l.left();
        l.insert('b');
        assert_eq!((l.text(), l.cursor()), ("查ba", 2));
        l.home();
        l.delete();
        assert_eq!(l.text(), "ba");
        l.end();
        l.backspace();
        l.insert('\u{1b}');
        assert_eq!((l.text(), l.cursor()), ("b", 1));
        l.right();
        assert_eq!(l.cursor(), 1);
    }

    #[test]
    fn delete_word_stops_at_slashes() {
        let mut l = InputLine::new(InputPurpose::AddTask, "aliyun://cn-hangzhou/abc");
        l.delete_word();
        assert_eq!(l.text(), "aliyun://cn-hangzhou/");
        l.delete_word();
        assert_eq!(l.text(), "aliyun://");
        l.clear();
        assert_eq!((l.text(), l.cursor()), ("", 0));
    }
}
