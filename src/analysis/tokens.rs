//! Tokens of a signature, the units the template miner ([`super::miner`]) compares.
//!
//! Owns how a masked message splits into tokens and how likely each one is to be a variable
//! before anything is learned ([`Weight`]). Pure; the tokens borrow from the signature.
//!
//! - Words are separated by spaces (a signature has single spaces only).
//! - A bracketed span that a space interrupts stays one token when it closes within a few words:
//!   `[formData (file)]`, `({n} KB)`, `[{method} {path}]`. A bracket holds one thing; splitting it
//!   would make a two-word value look like a change of wording.
//! - `key=value` splits after the `=`: the key is wording, the value usually is not.
//! - Han, kana and hangul are written without spaces: each such character is a token, and a run
//!   of another script inside them (`模型Money已存在`) is a token of its own.

/// How likely a token is to be a variable before any message is compared with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Weight {
    /// Nothing but a mask (`{n}`, `[{path}]`, `({id}).`): a variable by construction.
    Free,
    /// Holds a mask or a digit (`blk_{id}`, `SOCKS5`, `[{method} {path}]`): often a variable.
    Light,
    /// Plain wording.
    Heavy,
}

impl Weight {
    /// The weight in the miner's integer arithmetic.
    pub fn value(self) -> i64 {
        match self {
            Weight::Free => 0,
            Weight::Light => 500,
            Weight::Heavy => 1000,
        }
    }
}

/// One token: a byte range of the signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    pub start: u32,
    pub end: u32,
    /// Whether a space separates it from the token before.
    pub space_before: bool,
    pub weight: Weight,
}

impl Token {
    pub fn text<'s>(&self, signature: &'s str) -> &'s str {
        signature.get(self.start as usize..self.end as usize).unwrap_or_default()
    }
}

/// How many words a bracketed span may cover and still be one token.
const MAX_BRACKET_WORDS: usize = 8;

const BRACKETS: [(char, char); 7] =
    [('(', ')'), ('[', ']'), ('<', '>'), ('（', '）'), ('【', '】'), ('「', '」'), ('『', '』')];

/// Appends the tokens of `signature` to `out` (cleared first).
pub fn tokenize(signature: &str, out: &mut Vec<Token>) {
    out.clear();
    let words: Vec<(usize, usize)> = word_ranges(signature);
    let mut w = 0;
    while w < words.len() {
        let (start, end) = words[w];
        let space_before = w > 0;
        if let Some(last) = bracket_end(signature, &words, w)
            && last > w
        {
            let end = words[last].1;
            push(out, signature, start, end, space_before);
            w = last + 1;
            continue;
        }
        split_word(signature, start, end, space_before, out);
        w += 1;
    }
}

fn word_ranges(signature: &str) -> Vec<(usize, usize)> {
    let mut words = Vec::new();
    let mut start = 0;
    for (i, c) in signature.char_indices() {
        if c == ' ' {
            if i > start {
                words.push((start, i));
            }
            start = i + 1;
        }
    }
    if signature.len() > start {
        words.push((start, signature.len()));
    }
    words
}

/// The index of the word that closes the bracket opening word `w`, within the limit.
fn bracket_end(signature: &str, words: &[(usize, usize)], w: usize) -> Option<usize> {
    let first = signature[words[w].0..].chars().next()?;
    let &(open, close) = BRACKETS.iter().find(|(open, _)| *open == first)?;
    let mut depth = 0i32;
    for (k, &(start, end)) in words.iter().enumerate().skip(w).take(MAX_BRACKET_WORDS) {
        for c in signature[start..end].chars() {
            if c == open {
                depth += 1;
            } else if c == close {
                depth -= 1;
            }
        }
        if depth <= 0 {
            return Some(k);
        }
    }
    None
}

/// One space-free word: `key=value` and CJK splits.
fn split_word(signature: &str, start: usize, end: usize, space_before: bool, out: &mut Vec<Token>) {
    let word = &signature[start..end];
    if word.chars().any(super::signature::is_cjk) {
        split_cjk(signature, start, end, space_before, out);
        return;
    }
    if let Some(eq) = word.find('=')
        && eq > 0
        && eq + 1 < word.len()
        && !word[eq + 1..].starts_with('=')
    {
        push(out, signature, start, start + eq + 1, space_before);
        push(out, signature, start + eq + 1, end, false);
        return;
    }
    push(out, signature, start, end, space_before);
}

/// Each CJK character a token, runs of other scripts a token each; a bracketed span is one
/// token whatever its script (`[查询小部件]` is a value in the same slot as `[listPets]`).
fn split_cjk(signature: &str, start: usize, end: usize, space_before: bool, out: &mut Vec<Token>) {
    let mut run_start: Option<usize> = None;
    let mut first = true;
    let flush = |out: &mut Vec<Token>, from: usize, to: usize, first: &mut bool| {
        push(out, signature, from, to, space_before && *first);
        *first = false;
    };
    let mut at = start;
    while let Some(c) = signature[at..end].chars().next() {
        if let Some(mut len) = bracket_len(&signature[at..end]) {
            // Closing punctuation that ends the word stays with it, as on `[listPets].`.
            if signature[at + len..end].chars().all(|c| matches!(c, '.' | ',' | ';' | ':' | '!' | '?')) {
                len = end - at;
            }
            if let Some(from) = run_start.take() {
                flush(out, from, at, &mut first);
            }
            flush(out, at, at + len, &mut first);
            at += len;
            continue;
        }
        if super::signature::is_cjk(c) || is_wide_punctuation(c) {
            if let Some(from) = run_start.take() {
                flush(out, from, at, &mut first);
            }
            flush(out, at, at + c.len_utf8(), &mut first);
        } else if run_start.is_none() {
            run_start = Some(at);
        }
        at += c.len_utf8();
    }
    if let Some(from) = run_start {
        flush(out, from, end, &mut first);
    }
}

/// The length of the balanced bracketed span `text` starts with, if it starts with one.
fn bracket_len(text: &str) -> Option<usize> {
    let first = text.chars().next()?;
    let &(open, close) = BRACKETS.iter().find(|(open, _)| *open == first)?;
    let mut depth = 0i32;
    for (i, c) in text.char_indices() {
        if c == open {
            depth += 1;
        } else if c == close {
            depth -= 1;
            if depth == 0 {
                return Some(i + c.len_utf8());
            }
        }
    }
    None
}

/// CJK punctuation and fullwidth forms, which CJK text uses as separators.
fn is_wide_punctuation(c: char) -> bool {
    matches!(c as u32, 0x3000..=0x303F | 0xFF00..=0xFF0F | 0xFF1A..=0xFF20 | 0xFF3B..=0xFF40 | 0xFF5B..=0xFF65)
}

fn push(out: &mut Vec<Token>, signature: &str, start: usize, end: usize, space_before: bool) {
    let weight = weight(&signature[start..end]);
    let to_u32 = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    out.push(Token { start: to_u32(start), end: to_u32(end), space_before, weight });
}

/// Punctuation that wraps a value without being part of it.
fn is_wrapper(c: char) -> bool {
    matches!(c, '(' | ')' | '[' | ']' | '<' | '>' | ',' | '.' | ';' | ':' | '!' | '?' | '\'' | '"')
        || BRACKETS.iter().any(|(open, close)| c == *open || c == *close)
}

/// The weight of one token's text.
pub fn weight(text: &str) -> Weight {
    let core = text.trim_matches(is_wrapper);
    if is_mask(core) {
        Weight::Free
    } else if has_mask(text) || text.bytes().any(|b| b.is_ascii_digit()) {
        Weight::Light
    } else {
        Weight::Heavy
    }
}

/// `{n}`, `{path}`, `{time}`: a mask as the masking rules write them.
pub fn is_mask(text: &str) -> bool {
    text.strip_prefix('{')
        .and_then(|t| t.strip_suffix('}'))
        .is_some_and(|inner| !inner.is_empty() && inner.bytes().all(|b| b.is_ascii_lowercase()))
}

fn has_mask(text: &str) -> bool {
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        rest = &rest[open..];
        let len = rest.bytes().skip(1).take_while(u8::is_ascii_lowercase).count();
        if len > 0 && rest.as_bytes().get(len + 1) == Some(&b'}') {
            return true;
        }
        rest = &rest[1..];
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(signature: &str) -> Vec<(String, bool, Weight)> {
        let mut out = Vec::new();
        tokenize(signature, &mut out);
        out.iter().map(|t| (t.text(signature).to_owned(), t.space_before, t.weight)).collect()
    }

    fn words(signature: &str) -> Vec<String> {
        texts(signature).into_iter().map(|(t, ..)| t).collect()
    }

    #[test]
    fn words_brackets_and_key_values() {
        assert_eq!(
            words("The parameter [session] in [formData (file)] of API [{method} {path}] is not supported."),
            [
                "The",
                "parameter",
                "[session]",
                "in",
                "[formData (file)]",
                "of",
                "API",
                "[{method} {path}]",
                "is",
                "not",
                "supported."
            ]
        );
        assert_eq!(
            words("uid={n} euid={n} tty=NODEVssh ruser= a==b"),
            ["uid=", "{n}", "euid=", "{n}", "tty=", "NODEVssh", "ruser=", "a==b"]
        );
        assert_eq!(words("(unclosed and more words"), ["(unclosed", "and", "more", "words"]);
        let long = format!("({} end)", "w ".repeat(10).trim_end());
        assert_eq!(words(&long).len(), 11, "a bracket longer than the limit splits into words");
    }

    #[test]
    fn cjk_characters_are_tokens_and_latin_runs_inside_them_too() {
        assert_eq!(
            words("模型{name}已存在，请检查 OK"),
            ["模", "型", "{name}", "已", "存", "在", "，", "请", "检", "查", "OK"]
        );
        assert_eq!(
            words("名称[查询小部件]，值[x]。"),
            ["名", "称", "[查询小部件]", "，", "值", "[x]", "。"],
            "a bracket is one value"
        );
        assert_eq!(words("The API name [查询小部件]."), ["The", "API", "name", "[查询小部件]."]);
        assert_eq!(words("[查询小部件"), ["[", "查", "询", "小", "部", "件"], "an unclosed bracket is no value");
        let spaced = texts("API 模型");
        assert_eq!(spaced[1], ("模".to_owned(), true, Weight::Heavy));
        assert!(!spaced[2].1);
    }

    #[test]
    fn weights_follow_the_shape() {
        assert_eq!(weight("{n}"), Weight::Free);
        assert_eq!(weight("[{path}],"), Weight::Free);
        assert_eq!(weight("({id})."), Weight::Free);
        assert_eq!(weight("blk_{id}"), Weight::Light);
        assert_eq!(weight("[{method} {path}]"), Weight::Light);
        assert_eq!(weight("SOCKS5"), Weight::Light);
        assert_eq!(weight("HTTPS"), Weight::Heavy);
        assert_eq!(weight("{Pet}"), Weight::Heavy, "a brace pair around a name is text, not a mask");
        assert_eq!(weight("已"), Weight::Heavy);
    }
}
