//! The error viewer's document and scroll position.
//!
//! Owns [`Doc`] (the sanitised text, split into lines once), the wrap rule shared with the
//! renderer ([`row_end`]), and [`Viewer`] (what is shown, wrap/raw flags, `usize` scroll
//! position). Scrolling wraps only the lines it passes over, caching row starts per line for the
//! current width, so a 10 MB / 100,000-line message scrolls as fast as a short one. May not draw.

use std::collections::HashMap;

use unicode_width::UnicodeWidthChar;

use super::subtask_view::SubtaskKey;
use crate::sanitize;

/// Text prepared for display: sanitised once, with the byte offset of every line start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Doc {
    text: String,
    /// Start of each line in `text`; line `i` runs to the next start minus its `\n`.
    starts: Vec<usize>,
}

impl Doc {
    pub fn new(raw: &str) -> Doc {
        Doc::indexed(sanitize::text(raw.trim_end()).into_owned())
    }

    /// Like [`Doc::new`], keeping `raw`'s allocation when it needs no escaping: opening a 10 MB
    /// message then costs one scan, not two more copies.
    pub fn from_string(mut raw: String) -> Doc {
        raw.truncate(raw.trim_end().len());
        let escaped = match sanitize::text(&raw) {
            std::borrow::Cow::Owned(clean) => Some(clean),
            std::borrow::Cow::Borrowed(_) => None,
        };
        Doc::indexed(escaped.unwrap_or(raw))
    }

    fn indexed(text: String) -> Doc {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Doc { text, starts }
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    pub fn line(&self, i: usize) -> &str {
        let Some(&start) = self.starts.get(i) else { return "" };
        let end = self.starts.get(i + 1).map_or(self.text.len(), |&next| next - 1);
        &self.text[start..end]
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }
}

/// End (exclusive byte offset) of the display row of `line` that starts at `start`.
///
/// Breaks after the last space that fits, or mid-word when a word is wider than the row; always
/// makes progress, so a width of 0 or 1 cannot loop.
pub fn row_end(line: &str, start: usize, width: usize) -> usize {
    let width = width.max(1);
    let Some(rest) = line.get(start..) else { return line.len() };
    let mut used = 0;
    let mut after_space = None;
    for (i, c) in rest.char_indices() {
        let w = c.width().unwrap_or(0);
        if used + w > width && i > 0 {
            return start + after_space.unwrap_or(i);
        }
        used += w;
        if c == ' ' {
            after_space = Some(i + 1);
        }
    }
    line.len()
}

/// Byte offsets where each display row of `line` starts, at `width`.
pub fn row_starts(line: &str, width: usize) -> Vec<usize> {
    let mut starts = vec![0];
    let mut at = 0;
    while at < line.len() {
        at = row_end(line, at, width);
        if at < line.len() {
            starts.push(at);
        }
    }
    starts
}

/// Byte offset of the character at display column `col` of `line` (for horizontal scrolling).
pub fn byte_at_column(line: &str, col: usize) -> usize {
    let mut used = 0;
    for (i, c) in line.char_indices() {
        if used >= col {
            return i;
        }
        used += c.width().unwrap_or(0);
    }
    line.len()
}

/// What the viewer shows: an error, or an export task's document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ViewerTarget {
    /// The task-level error and the last fetch error of the selected task.
    Task,
    /// One subtask, found again by identity after each refresh.
    Subtask { pos: usize, key: SubtaskKey },
    /// The document an export task produced (`task.export`).
    Export,
}

/// Where the raw view's JSON came from, shown in the title so nobody mistakes one for the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RawSource {
    /// The provider's own item from the response body.
    Provider,
    /// Our normalised form, because the provider's item could not be found.
    Normalised,
}

/// A position in the document: a line and the byte where its top visible row starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    pub line: usize,
    pub byte: usize,
}

/// State of the open error viewer.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub target: ViewerTarget,
    pub wrap: bool,
    pub raw: bool,
    pub raw_source: Option<RawSource>,
    pub doc: Doc,
    /// Top of the viewport (when not wrapping, `byte` is always 0).
    pub top: Pos,
    /// First visible column when not wrapping.
    pub hscroll: usize,
    /// The body size the position was last fitted to.
    width: usize,
    height: usize,
    /// Row starts per line at `width`, filled as lines are scrolled over.
    rows: HashMap<usize, Vec<usize>>,
    /// The search (`/`), its matches and the one last jumped to.
    search: Option<Search>,
}

/// One occurrence of the search text: bytes `start..end` of `line`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Match {
    pub line: usize,
    pub start: usize,
    pub end: usize,
}

/// The viewer's search: what was asked, where it occurs (in document order), and which match
/// `n`/`N` last went to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search {
    pub query: String,
    pub matches: Vec<Match>,
    pub current: Option<usize>,
}

/// Matches beyond this many are not looked for: the count says "100,000+".
pub const MAX_MATCHES: usize = 100_000;

/// Where `query` occurs in `doc`, ignoring ASCII case.
fn find_all(doc: &Doc, query: &str) -> Vec<Match> {
    let needle = query.to_ascii_lowercase();
    let mut out = Vec::new();
    if needle.is_empty() {
        return out;
    }
    for line in 0..doc.line_count() {
        let hay = doc.line(line).to_ascii_lowercase();
        let mut from = 0;
        while let Some(at) = hay[from..].find(&needle) {
            let start = from + at;
            out.push(Match { line, start, end: start + needle.len() });
            if out.len() >= MAX_MATCHES {
                return out;
            }
            from = start + needle.len().max(1);
            while from < hay.len() && !hay.is_char_boundary(from) {
                from += 1;
            }
        }
    }
    out
}

impl Viewer {
    pub fn new(target: ViewerTarget, doc: Doc) -> Viewer {
        Viewer {
            target,
            wrap: true,
            raw: false,
            raw_source: None,
            doc,
            top: Pos::default(),
            hscroll: 0,
            width: 0,
            height: 0,
            rows: HashMap::new(),
            search: None,
        }
    }

    pub fn search(&self) -> Option<&Search> {
        self.search.as_ref()
    }

    pub fn search_query(&self) -> Option<&str> {
        self.search.as_ref().map(|s| s.query.as_str())
    }

    /// A search with something to look for is active (`n`/`N` go to its matches).
    pub fn has_search(&self) -> bool {
        self.search.as_ref().is_some_and(|s| !s.query.is_empty())
    }

    /// Searches for `query` (empty: no search) and goes to the first match from the top of the
    /// view on.
    pub fn set_search(&mut self, query: &str) {
        if query.is_empty() {
            self.search = None;
            return;
        }
        let matches = find_all(&self.doc, query);
        let top = self.top;
        let first =
            matches.iter().position(|m| (m.line, m.end) > (top.line, top.byte)).or((!matches.is_empty()).then_some(0));
        self.search = Some(Search { query: query.to_owned(), matches, current: first });
        if let Some(i) = first {
            self.show_match(i);
        }
    }

    /// `n`/`N`: the next or previous match, wrapping around. Returns (which, of how many).
    pub fn step_match(&mut self, forward: bool) -> Option<(usize, usize)> {
        let search = self.search.as_mut()?;
        let n = search.matches.len();
        if n == 0 {
            return None;
        }
        let next = match search.current {
            None => 0,
            Some(i) if forward => (i + 1) % n,
            Some(i) => (i + n - 1) % n,
        };
        search.current = Some(next);
        self.show_match(next);
        Some((next, n))
    }

    /// The matches on `line`, in order.
    pub fn matches_on(&self, line: usize) -> &[Match] {
        let Some(search) = &self.search else { return &[] };
        let from = search.matches.partition_point(|m| m.line < line);
        let to = search.matches.partition_point(|m| m.line <= line);
        &search.matches[from..to]
    }

    /// Puts match `i` in view: its row a third of the way down, its column on screen.
    fn show_match(&mut self, i: usize) {
        let Some(m) = self.search.as_ref().and_then(|s| s.matches.get(i)).copied() else { return };
        if self.wrap {
            let starts = self.starts_of(m.line);
            let byte = starts.iter().rev().find(|&&s| s <= m.start).copied().unwrap_or(0);
            self.top = Pos { line: m.line, byte };
        } else {
            self.top = Pos { line: m.line, byte: 0 };
            let line = self.doc.line(m.line);
            let col: usize = line[..m.start].chars().map(|c| c.width().unwrap_or(0)).sum();
            if col < self.hscroll || col >= self.hscroll + self.width.max(1) {
                self.hscroll = col.saturating_sub(self.width / 3);
            }
        }
        let context = isize::try_from(self.height / 3).unwrap_or(0);
        self.scroll(-context);
        self.clamp_bottom();
    }

    /// Swaps in a new document; keeps the position when the text did not change.
    pub fn set_doc(&mut self, doc: Doc) {
        if doc != self.doc {
            self.doc = doc;
            self.top = Pos::default();
            self.hscroll = 0;
            self.rows.clear();
            // The search stays; its matches are those of the new text.
            if let Some(search) = self.search.as_mut() {
                search.matches = find_all(&self.doc, &search.query);
                search.current = None;
            }
        }
    }

    /// Adapts to a new body size: row starts change with the width, so re-align the top row.
    pub fn fit(&mut self, width: usize, height: usize) {
        if width != self.width {
            self.rows.clear();
            self.width = width;
            if self.wrap {
                let (line, byte) = (self.top.line, self.top.byte);
                let starts = self.starts_of(line);
                self.top.byte = starts.iter().rev().find(|&&s| s <= byte).copied().unwrap_or(0);
            }
        }
        self.height = height;
        self.clamp_bottom();
    }

    pub fn set_wrap(&mut self, wrap: bool) {
        self.wrap = wrap;
        self.top.byte = 0;
        self.hscroll = 0;
        self.clamp_bottom();
    }

    fn starts_of(&mut self, line: usize) -> &[usize] {
        let width = self.width;
        let doc = &self.doc;
        self.rows.entry(line).or_insert_with(|| row_starts(doc.line(line), width))
    }

    fn next_pos(&mut self, pos: Pos) -> Option<Pos> {
        if self.wrap {
            let starts = self.starts_of(pos.line);
            if let Some(&next) = starts.iter().find(|&&s| s > pos.byte) {
                return Some(Pos { line: pos.line, byte: next });
            }
        }
        (pos.line + 1 < self.doc.line_count()).then_some(Pos { line: pos.line + 1, byte: 0 })
    }

    fn prev_pos(&mut self, pos: Pos) -> Option<Pos> {
        if self.wrap && pos.byte > 0 {
            let starts = self.starts_of(pos.line);
            let prev = starts.iter().rev().find(|&&s| s < pos.byte).copied().unwrap_or(0);
            return Some(Pos { line: pos.line, byte: prev });
        }
        if pos.line == 0 {
            return None;
        }
        let line = pos.line - 1;
        let byte = if self.wrap { self.starts_of(line).last().copied().unwrap_or(0) } else { 0 };
        Some(Pos { line, byte })
    }

    /// The top position that puts the last row at the bottom of the viewport.
    fn bottom_pos(&mut self) -> Pos {
        let last = self.doc.line_count().saturating_sub(1);
        let mut pos = Pos { line: last, byte: 0 };
        if self.wrap {
            pos.byte = self.starts_of(last).last().copied().unwrap_or(0);
        }
        for _ in 1..self.height.max(1) {
            match self.prev_pos(pos) {
                Some(p) => pos = p,
                None => break,
            }
        }
        pos
    }

    fn clamp_bottom(&mut self) {
        if self.height == 0 {
            return;
        }
        let bottom = self.bottom_pos();
        if (self.top.line, self.top.byte) > (bottom.line, bottom.byte) {
            self.top = bottom;
        }
    }

    /// Scrolls by `delta` display rows (negative is up), never past either end.
    pub fn scroll(&mut self, delta: isize) {
        if delta < 0 {
            for _ in 0..delta.unsigned_abs() {
                match self.prev_pos(self.top) {
                    Some(p) => self.top = p,
                    None => break,
                }
            }
        } else {
            let bottom = self.bottom_pos();
            for _ in 0..delta.unsigned_abs() {
                if self.top == bottom {
                    break;
                }
                match self.next_pos(self.top) {
                    Some(p) => self.top = p,
                    None => break,
                }
            }
        }
    }

    pub fn page(&mut self, pages: isize) {
        let step = isize::try_from(self.height.saturating_sub(1).max(1)).unwrap_or(isize::MAX);
        self.scroll(pages.saturating_mul(step));
    }

    pub fn to_top(&mut self) {
        self.top = Pos::default();
    }

    pub fn to_bottom(&mut self) {
        self.top = self.bottom_pos();
    }

    pub fn scroll_horizontal(&mut self, delta: isize) {
        if !self.wrap {
            self.hscroll = self.hscroll.saturating_add_signed(delta);
        }
    }

    /// Whether the last line is on screen.
    pub fn at_bottom(&mut self) -> bool {
        let bottom = self.bottom_pos();
        (self.top.line, self.top.byte) >= (bottom.line, bottom.byte)
    }
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use super::*;

    #[test]
    fn search_finds_every_match_ignoring_case_and_n_goes_round() {
        let text = "first Error here\nnothing\nerror, error\n".repeat(20);
        let mut v = Viewer::new(ViewerTarget::Task, Doc::new(&text));
        v.fit(40, 5);
        v.set_search("ERROR");
        let search = v.search().unwrap();
        assert_eq!(search.matches.len(), 60);
        assert_eq!(search.current, Some(0));
        assert_eq!(v.matches_on(2).len(), 2);
        assert_eq!(v.matches_on(2)[1].start, 7);
        assert_eq!(v.step_match(true), Some((1, 60)));
        assert_eq!(v.top.line, 1, "the match's line a row below the top");
        assert_eq!(v.step_match(false), Some((0, 60)));
        assert_eq!(v.step_match(false), Some((59, 60)), "wraps to the last");
        assert!(v.at_bottom());
        v.set_search("absent");
        assert_eq!(v.step_match(true), None);
        v.set_search("");
        assert!(!v.has_search());
    }

    #[test]
    fn doc_from_a_string_is_the_same_doc() {
        for raw in ["a\x1b[2Jb\nsecond\tline\n\n", "clean\ntext  \n", "", "\n\n"] {
            assert_eq!(Doc::from_string(raw.to_owned()), Doc::new(raw), "{raw:?}");
        }
    }

    #[test]
    fn doc_sanitises_and_splits_once() {
        let doc = Doc::new("a\x1b[2Jb\nsecond\tline\n\n");
        assert_eq!(doc.line_count(), 2);
        assert_eq!(doc.line(0), "a^[[2Jb");
        assert_eq!(doc.line(1), "second    line");
        assert_eq!(doc.line(9), "");
        assert!(Doc::new("").is_empty());
        assert_eq!(Doc::new("").line_count(), 1);
    }

    #[test]
    fn rows_break_after_spaces_and_inside_long_words() {
        let line = "the quick brown fox";
        assert_eq!(row_end(line, 0, 10), 10, "after 'the quick '");
        assert_eq!(row_starts(line, 10), vec![0, 10]);
        assert_eq!(row_starts("abcdefghij", 4), vec![0, 4, 8]);
        assert_eq!(row_starts("", 4), vec![0]);
        assert_eq!(row_starts("abc", 0), vec![0, 1, 2], "width 0 still progresses");
        // CJK is two columns wide: three characters per six columns.
        assert_eq!(row_starts("查询查询查询查", 6), vec![0, 9, 18]);
    }

    #[test]
    fn byte_at_column_walks_display_width() {
        assert_eq!(byte_at_column("abcdef", 2), 2);
        assert_eq!(byte_at_column("查询x", 2), 3);
        assert_eq!(byte_at_column("ab", 10), 2);
    }

    #[test]
    fn wrapped_scrolling_moves_by_rows_and_stops_at_both_ends() {
        // 3 lines: 25 chars (3 rows at width 10), 5 chars (1 row), 12 chars (2 rows) = 6 rows.
        let text = format!("{}\n{}\n{}", "a".repeat(25), "b".repeat(5), "c".repeat(12));
        let mut v = Viewer::new(ViewerTarget::Task, Doc::new(&text));
        v.fit(10, 3);
        v.scroll(1);
        assert_eq!(v.top, Pos { line: 0, byte: 10 });
        v.scroll(2);
        assert_eq!(v.top, Pos { line: 1, byte: 0 });
        v.scroll(10);
        assert_eq!(v.top, Pos { line: 1, byte: 0 }, "bottom: rows 4..6 fill the 3-row viewport");
        assert!(v.at_bottom());
        v.scroll(-2);
        assert_eq!(v.top, Pos { line: 0, byte: 10 });
        v.to_bottom();
        v.to_top();
        assert_eq!(v.top, Pos::default());
        v.page(1);
        assert_eq!(v.top, Pos { line: 0, byte: 20 });
    }

    #[test]
    fn unwrapped_scrolling_moves_by_lines_and_columns() {
        let text = (0..10).map(|i| format!("line {i}")).collect::<Vec<_>>().join("\n");
        let mut v = Viewer::new(ViewerTarget::Task, Doc::new(&text));
        v.set_wrap(false);
        v.fit(3, 4);
        v.to_bottom();
        assert_eq!(v.top, Pos { line: 6, byte: 0 });
        v.scroll_horizontal(3);
        assert_eq!(v.hscroll, 3);
        v.set_wrap(true);
        assert_eq!(v.hscroll, 0);
    }

    #[test]
    fn a_width_change_realigns_the_top_row() {
        let mut v = Viewer::new(ViewerTarget::Task, Doc::new(&"x".repeat(100)));
        v.fit(10, 2);
        v.scroll(5);
        assert_eq!(v.top.byte, 50);
        v.fit(30, 2);
        assert_eq!(v.top.byte, 30, "largest row start ≤ 50 at width 30");
    }

    #[test]
    fn hundred_thousand_lines_scroll_to_the_end() {
        let text = (0..100_000).fold(String::new(), |mut s, i| {
            let _ = writeln!(s, "line {i} of the message");
            s
        });
        let mut v = Viewer::new(ViewerTarget::Task, Doc::new(&text));
        v.fit(80, 20);
        v.to_bottom();
        assert_eq!(v.top.line, 100_000 - 20);
        v.page(-1);
        assert_eq!(v.top.line, 100_000 - 39);
    }
}
