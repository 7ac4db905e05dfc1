//! The one place that turns server text into text that is safe to show on a terminal.
//!
//! Owns the escaping rules of RELIABILITY.md §1: control characters (C0, DEL, C1), bidi
//! controls, zero-width characters and line/paragraph separators are made *visible* (`^[`,
//! `\u{202e}`), never passed through and never silently dropped, so an operator sees that a
//! server sent junk. Everything else, CJK and emoji included, is kept unchanged.
//!
//! Used by the UI at render time (visible rows only) and by human-readable CLI output. `--json`
//! and the JSON reports stay byte-exact once parsed, but are written through `safe_json::pretty`: it
//! writes every forbidden character that JSON itself would leave raw (DEL, C1, bidi, zero-width,
//! U+2028/U+2029) as a `\uXXXX` escape, so a terminal that shows the document never receives them
//! ([`crate::safe_json`]).

use std::borrow::Cow;
use std::fmt::Write as _;

use unicode_width::UnicodeWidthChar;

/// Whether `c` must never reach a terminal as itself (given that `\n` and `\t` are handled by the
/// caller), nor a file name: controls, bidi controls, zero-width characters, line separators.
pub fn is_forbidden(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{061C}'                      // Arabic letter mark
            | '\u{200B}'..='\u{200F}'       // zero-width space/joiners, LRM, RLM
            | '\u{2028}' | '\u{2029}'       // line and paragraph separators
            | '\u{202A}'..='\u{202E}'       // bidi embeddings and overrides
            | '\u{2060}'..='\u{2064}'       // word joiner and invisible operators
            | '\u{2066}'..='\u{2069}'       // bidi isolates
            | '\u{FEFF}'                    // zero-width no-break space / BOM
            | '\u{FFF9}'..='\u{FFFB}'       // interlinear annotation controls
        )
}

/// Appends the visible form of a forbidden character.
fn push_escaped(out: &mut String, c: char) {
    match c {
        '\u{0}'..='\u{1f}' => {
            out.push('^');
            out.push(char::from(b'@' + c as u8));
        }
        '\u{7f}' => out.push_str("^?"),
        _ => {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        }
    }
}

/// Sanitises multi-line text: keeps `\n`, expands `\t` to spaces, escapes everything forbidden.
///
/// A lone `\r` is escaped (it would move the cursor to overwrite a line); `\r\n` becomes `\n`.
pub fn text(input: &str) -> Cow<'_, str> {
    escape_runs(input, Mode::Text)
}

/// Sanitises text for a single line (a table cell, a status line): like [`text`], and line
/// breaks become a visible `⏎` so one subtask never spills over the next row.
pub fn line(input: &str) -> Cow<'_, str> {
    escape_runs(input, Mode::Line)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Text,
    Line,
}

/// Copies clean runs whole and rewrites only the characters that need it, so a clean 10 MB
/// message is one scan and no copy, and a dirty one is a scan plus `memcpy`s of its runs.
fn escape_runs(input: &str, mode: Mode) -> Cow<'_, str> {
    let Some(first) = next_special(input, mode) else { return Cow::Borrowed(input) };
    let mut out = String::with_capacity(input.len() + 8);
    let mut rest = input;
    let mut at = first;
    loop {
        out.push_str(&rest[..at]);
        let mut chars = rest[at..].chars();
        let Some(c) = chars.next() else { break };
        match c {
            '\r' if chars.as_str().starts_with('\n') => {}
            '\n' => out.push('⏎'),
            '\t' if mode == Mode::Text => out.push_str("    "),
            '\t' => out.push(' '),
            c => push_escaped(&mut out, c),
        }
        rest = chars.as_str();
        let Some(next) = next_special(rest, mode) else {
            out.push_str(rest);
            break;
        };
        at = next;
    }
    Cow::Owned(out)
}

/// Byte offset of the first character `mode` must rewrite: a tab, anything forbidden, and in
/// [`Mode::Line`] also `\n`.
///
/// Eight bytes at a time while they are all printable ASCII (the bulk of any error message), one
/// character at a time otherwise.
fn next_special(input: &str, mode: Mode) -> Option<usize> {
    let bytes = input.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if let Some(word) = bytes.get(i..i + 8).and_then(|w| <[u8; 8]>::try_from(w).ok())
            && all_printable_ascii(u64::from_le_bytes(word))
        {
            i += 8;
            continue;
        }
        let b = bytes[i];
        if b.is_ascii() {
            if (b < 0x20 && !(b == b'\n' && mode == Mode::Text)) || b == 0x7f {
                return Some(i);
            }
            i += 1;
        } else {
            let c = input[i..].chars().next()?;
            if is_forbidden(c) {
                return Some(i);
            }
            i += c.len_utf8();
        }
    }
    None
}

/// Whether all eight bytes of `word` are in `0x20..0x7f` (no control, no DEL, no UTF-8 byte).
fn all_printable_ascii(word: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let non_ascii = word & HIGH;
    let below_space = word.wrapping_sub(0x20 * ONES) & !word & HIGH;
    let del = word ^ (0x7f * ONES);
    let is_del = del.wrapping_sub(ONES) & !del & HIGH;
    (non_ascii | below_space | is_del) == 0
}

/// Sanitises one line and cuts it to at most `max_width` terminal columns, ending with `…` when cut.
///
/// Counting display width (CJK is 2 columns) rather than bytes keeps table columns aligned.
pub fn line_truncated(input: &str, max_width: usize) -> Cow<'_, str> {
    // Only the part that can be visible matters: bounding the scan keeps a 1 MB message cheap.
    let bounded = match input.char_indices().nth(max_width.saturating_mul(2).saturating_add(8)) {
        Some((cut, _)) => &input[..cut],
        None => input,
    };
    let clean = line(bounded);
    let clean_is_whole = bounded.len() == input.len();
    let width: usize = clean.chars().map(|c| c.width().unwrap_or(0)).sum();
    if width <= max_width && clean_is_whole {
        return if matches!(clean, Cow::Borrowed(_)) { Cow::Borrowed(bounded) } else { clean };
    }
    if max_width == 0 {
        return Cow::Borrowed("");
    }
    let mut out = String::with_capacity(max_width + 3);
    let mut used = 0;
    for c in clean.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > max_width - 1 {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    Cow::Owned(out)
}

/// True if `s` is safe to hand to the terminal as is: the debug check the render layer runs.
pub fn is_clean(s: &str) -> bool {
    !s.chars().any(|c| is_forbidden(c) && c != '\n')
}

#[cfg(test)]
mod tests {

    use super::*;
    use proptest::prelude::*;

    #[test]
    fn osc52_clipboard_write_is_shown_not_executed() {
        let out = line("x\u{1b}]52;c;ZXZpbA==\u{7}y");
        assert_eq!(out, "x^[]52;c;ZXZpbA==^Gy");
    }

    #[test]
    fn screen_clear_title_and_hyperlink_are_escaped() {
        let out = line("\u{1b}[2J\u{1b}[H\u{1b}]0;pwned\u{7}\u{1b}]8;;http://evil\u{7}ok\u{1b}]8;;\u{7}");
        assert!(!out.contains('\u{1b}'));
        assert!(out.starts_with("^[[2J^[[H^[]0;pwned^G"));
    }

    #[test]
    fn every_control_character_is_escaped_except_newline_and_tab() {
        for code in (0u32..0x20).chain(0x7f..0xa0) {
            let c = char::from_u32(code).unwrap();
            let input = format!("a{c}b");
            let out = text(&input);
            if c == '\n' {
                assert_eq!(out, "a\nb");
            } else if c == '\t' {
                assert_eq!(out, "a    b");
            } else {
                assert!(out.chars().all(|o| !o.is_control()), "{code:#x} leaked: {out:?}");
                assert!(out.len() > 2, "{code:#x} silently dropped");
            }
        }
    }

    #[test]
    fn c1_csi_carriage_return_and_del_are_visible() {
        assert_eq!(line("\u{9b}2J"), "\\u{9b}2J");
        assert_eq!(line("a\rb"), "a^Mb");
        assert_eq!(line("a\r\nb"), "a⏎b");
        assert_eq!(line("del\u{7f}"), "del^?");
    }

    #[test]
    fn bidi_zero_width_and_separators_are_escaped_cjk_is_kept() {
        assert_eq!(line("api\u{202E}txt.exe"), "api\\u{202e}txt.exe");
        assert_eq!(line("a\u{200B}b"), "a\\u{200b}b");
        assert_eq!(line("a\u{2028}b"), "a\\u{2028}b");
        let cjk = "这个API用于查询 🚀";
        assert!(matches!(line(cjk), Cow::Borrowed(s) if s == cjk));
    }

    #[test]
    fn truncation_counts_display_width() {
        assert_eq!(line_truncated("abcdef", 4), "abc…");
        assert_eq!(line_truncated("abc", 4), "abc");
        assert_eq!(line_truncated("查询查询", 5), "查询…");
        let huge = "x".repeat(1_000_000);
        assert_eq!(line_truncated(&huge, 10).chars().count(), 10);
    }

    /// The straightforward char-by-char rules the run-copying version must reproduce exactly.
    fn reference(input: &str, single_line: bool) -> String {
        let mut out = String::new();
        let mut chars = input.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\r' if chars.peek() == Some(&'\n') => {}
                '\n' if single_line => out.push('⏎'),
                '\n' => out.push('\n'),
                '\t' if single_line => out.push(' '),
                '\t' => out.push_str("    "),
                c if is_forbidden(c) => push_escaped(&mut out, c),
                c => out.push(c),
            }
        }
        out
    }

    #[test]
    fn long_mixed_text_matches_the_reference() {
        let chunk = "plain ascii run of text, then\ta tab\r\nCRLF, 查询 CJK, \u{1b}[2J, \u{7f}, \u{9b} and \u{202e}.\n";
        let input = chunk.repeat(1000);
        assert_eq!(text(&input), reference(&input, false));
        assert_eq!(line(&input), reference(&input, true));
        let clean = "no specials here at all, only printable ascii and newlines\n".repeat(1000);
        assert!(matches!(text(&clean), Cow::Borrowed(_)));
    }

    proptest! {
        #[test]
        fn fast_scan_matches_the_reference(s in "(\\PC|[\t\r\n\u{0}-\u{1f}\u{7f}-\u{9f}\u{202e}\u{200b}]){0,80}") {
            prop_assert_eq!(text(&s).into_owned(), reference(&s, false));
            prop_assert_eq!(line(&s).into_owned(), reference(&s, true));
        }

        #[test]
        fn output_is_always_clean_and_idempotent(s in any::<String>()) {
            let once = text(&s).into_owned();
            prop_assert!(is_clean(&once));
            prop_assert_eq!(text(&once).into_owned(), once.clone());
            let single = line(&s).into_owned();
            prop_assert!(is_clean(&single));
            prop_assert!(!single.contains('\n'));
        }

        #[test]
        fn allowed_characters_survive_in_order(s in "[a-zA-Z0-9 查询🚀/{}:.\\-]{0,64}") {
            prop_assert_eq!(line(&s), s.clone());
        }

        #[test]
        fn truncated_fits_the_width(s in any::<String>(), w in 0usize..40) {
            let out = line_truncated(&s, w);
            let width: usize = out.chars().map(|c| c.width().unwrap_or(0)).sum();
            prop_assert!(width <= w);
            prop_assert!(is_clean(&out));
        }
    }
}
