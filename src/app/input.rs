//! The one-line text input used by `a` (add a task) and `/` (filter subtasks).
//!
//! Owns the text, the cursor (in characters) and the editing operations. Validation belongs to
//! the app, which knows what the text is for. May not draw.

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
