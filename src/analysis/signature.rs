//! Error signatures: the text of an error with everything that varies per item masked, so that
//! "Path /pets/{petId} conflicts with existing API 3f2a…" and "Path /users conflicts with existing
//! API 9b8c…" both read `Path {path} conflicts with existing API {id}`.
//!
//! Owns the masking rules only; grouping is [`super::groups`]. Pure. A [`Normaliser`] reuses its
//! buffers, so a call allocates only when the text holds control characters to make visible.
//!
//! A hand-written single-pass tokeniser, not a set of regexes: the rules depend on what came
//! before a token (a `/` starts a path only at a word boundary, `'` opens a quote only there), they
//! must be applied left to right without one mask re-matching another's output, and each needs a
//! guard against quadratic rescans (unclosed quotes, long `a.a.a…` runs). Every scan either
//! consumes what it reads or is bounded by a small constant or a memo, so a message of n bytes
//! costs O(n) whatever it contains.
//!
//! Rules, applied at the start of each token (after whitespace or punctuation):
//!
//! | input | becomes |
//! |---|---|
//! | `scheme://…` up to whitespace | `{url}` |
//! | `'…'`, `"…"`, `` `…` ``, `“…”`, `‘…’` (non-empty; `'` only at a word start, so `can't` stays) | `{name}` |
//! | `/a/b/{x}`, `//host/x` (from a `/` at a word start to whitespace, not slashes only), trailing punctuation excluded | `{path}` |
//! | `user@example.com` | `{email}` |
//! | `10.0.0.1`, `10.0.0.0/24`, `fe80::1` | `{ip}` |
//! | a word equal to the subtask's own name (`Model Pet already exists`) | `{name}` |
//! | an HTTP method right before a path (`GET /users`) | `{method}` |
//! | a word of hex segments (`-`/`_`-joined, each ≥ 4) with ≥ 8 hex digits, a digit and a letter (UUIDs too) | `{id}` |
//! | digits only: ≥ 8 digits (ids that happen to have no hex letter) / fewer (`42`, `1.5`) | `{id}` / `{n}` |
//! | inside `-`/`_` words, per segment: digits, hex ≥ 8 with a digit, ≥ 16 ASCII alnum with ≥ 3 digits, `30s`-like units | `{n}`, `{id}`, `{id}`, `{n}s` |
//! | a hex literal `0x1f`, `0X00FF` | `{n}` |
//! | an ISO 8601 date-time `2023-07-11T19:54:22.5+08:00` | `{time}` |
//! | a word equal to the name of another subtask the caller names ([`Names::references`]) | what the caller says (`{model}`) |
//!
//! Then, over the masked words: a run of date and time words (`Sun Jul {n} {n}:{n}:{n} {n}`,
//! `{n}-{n}-{n}`, a lone `{n}:{n}:{n}`) becomes one `{time}` ([`times`]); a weekday or month
//! name alone stays a word. A word never mixes scripts for these rules: `模型Money已存在` is three
//! words, so a name inside CJK text is masked like one between spaces.
//!
//! A message of several lines keeps, of each stack trace in it, the headline and the first frame
//! only ([`frames`]): the exception and where it was thrown say what went wrong; the frames below
//! differ with every caller and would split one cause into as many groups as call paths.
//!
//! Words mixing letters and digits that match none of these (`v2`, `OAS3`, `user42`) are kept:
//! masking them would merge unrelated messages. Whitespace runs collapse to one space, the ends are
//! trimmed (Alibaba's trailing `\n`), the result is cut at [`MAX_SIGNATURE_CHARS`], and control
//! characters are made visible through [`crate::sanitize::line`], so a signature is always safe to
//! draw.

mod frames;
mod times;

use crate::sanitize;

/// Longer signatures are cut with `…`: they are labels, and the full text stays in each subtask.
pub const MAX_SIGNATURE_CHARS: usize = 1024;

/// HTTP methods that become `{method}` when a path follows them.
const METHODS: [&str; 8] = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "ANY"];

/// Characters that end a sentence or a bracket rather than belong to the path or URL before them.
const TRAILING: &[char] =
    &['.', ',', ';', ':', '!', '?', ')', ']', '\'', '"', '`', '”', '’', '>', '。', '，', '；', '：', '）', '、'];

/// A pair of quotes that delimits a name.
struct Quote {
    open: char,
    close: char,
    /// Opens only at a word start: `'` after a letter is an apostrophe (`can't`).
    opens_at_word_start: bool,
    /// Closes only before a non-word character, so an apostrophe inside (`'Pet's owner'`) does not end it.
    closes_before_non_word: bool,
}

const QUOTES: [Quote; 5] = [
    Quote { open: '\'', close: '\'', opens_at_word_start: true, closes_before_non_word: true },
    Quote { open: '"', close: '"', opens_at_word_start: false, closes_before_non_word: false },
    Quote { open: '`', close: '`', opens_at_word_start: false, closes_before_non_word: false },
    // CJK text puts these right after a word, with no space.
    Quote { open: '“', close: '”', opens_at_word_start: false, closes_before_non_word: false },
    Quote { open: '‘', close: '’', opens_at_word_start: false, closes_before_non_word: true },
];

/// For a word of a message, the mask it takes if it names another subtask (`{model}`).
pub type Refer<'a> = &'a dyn Fn(&str) -> Option<&'static str>;

/// Who a message may name, so that names become masks rather than words.
#[derive(Clone, Copy, Default)]
pub struct Names<'a> {
    /// The failing subtask's own name (API or model name): masked as `{name}` where it appears
    /// as a whole word in its own message. `""` when there is none.
    pub own: &'a str,
    /// Other subtasks a message may name: the mask for a word, if it is one of their names.
    pub references: Option<Refer<'a>>,
}

impl<'a> Names<'a> {
    /// Only the subtask's own name.
    pub fn own(own: &'a str) -> Names<'a> {
        Names { own, references: None }
    }
}

/// A masked stretch of a signature and the stretch of the message it replaced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct MaskSpan {
    out: (usize, usize),
    raw: (usize, usize),
}

/// Reusable buffers for normalising many messages without allocating for each.
#[derive(Clone, Debug, Default)]
pub struct Normaliser {
    lines: String,
    collapsed: String,
    out: String,
    timed: String,
    /// Where each mask of `out` came from in `collapsed`, in order; `None` once the signature no
    /// longer lines up with the message (control characters were made visible).
    spans: Option<Vec<MaskSpan>>,
    runs: Vec<(usize, usize)>,
}

impl Normaliser {
    pub fn new() -> Self {
        Normaliser::default()
    }

    /// The signature of `message`, valid until the next call.
    ///
    /// `own_name` is the failing subtask's own name (API or model name); when it appears as a
    /// whole word in its own message it is masked as `{name}`. Pass `""` when there is none.
    pub fn normalise(&mut self, message: &str, own_name: &str) -> &str {
        self.normalise_with(message, Names::own(own_name))
    }

    /// [`Normaliser::normalise`] with other subtasks' names masked too.
    pub fn normalise_with(&mut self, message: &str, names: Names<'_>) -> &str {
        let message = if frames::has_lines(message) {
            frames::keep_headlines(message, &mut self.lines);
            self.lines.as_str()
        } else {
            message
        };
        self.collapsed.clear();
        if is_collapsed(message) {
            self.collapsed.push_str(message);
        } else {
            for (n, word) in message.split_whitespace().enumerate() {
                if n > 0 {
                    self.collapsed.push(' ');
                }
                self.collapsed.push_str(word);
            }
        }
        self.out.clear();
        let names = Names { own: names.own.trim(), references: names.references };
        let mut spans = self.spans.take().unwrap_or_default();
        spans.clear();
        tokenise(&self.collapsed, names, &mut self.out, &mut spans);
        if times::collapse(&self.out, &mut self.timed, &mut self.runs) {
            std::mem::swap(&mut self.out, &mut self.timed);
            spans = remap_runs(&spans, &self.runs);
        }
        if self.out.len() > MAX_SIGNATURE_CHARS
            && let Some((cut, _)) = self.out.char_indices().nth(MAX_SIGNATURE_CHARS)
        {
            self.out.truncate(cut);
            self.out.push('…');
        }
        self.spans = Some(spans);
        if let std::borrow::Cow::Owned(clean) = sanitize::line(&self.out) {
            self.out = clean;
            self.spans = None;
        }
        &self.out
    }

    /// The text of the last normalised message that the byte range `range` of its signature
    /// stands for: `/pets/{petId}` for a `{path}`. `None` when the signature had to be made safe
    /// to draw, so that it no longer lines up with the message.
    pub fn original(&self, range: std::ops::Range<usize>) -> Option<&str> {
        let spans = self.spans.as_ref()?;
        let start = to_raw(spans, range.start, false);
        let end = to_raw(spans, range.end, true).max(start);
        self.collapsed.get(start..end)
    }
}

/// Whether `message` is ASCII with single spaces between words and none at its ends: already
/// what collapsing its whitespace would make of it (most messages; checked a byte at a time).
fn is_collapsed(message: &str) -> bool {
    let bytes = message.as_bytes();
    bytes.first().is_none_or(|b| *b != b' ')
        && bytes.last().is_none_or(|b| *b != b' ')
        && bytes.windows(2).all(|w| w[0] > b' ' && w[0] < 0x7f || (w[0] == b' ' && w[1] != b' '))
        && bytes.last().is_none_or(|b| *b > b' ' && *b < 0x7f)
}

/// A position of the signature as a position of the message it came from.
fn to_raw(spans: &[MaskSpan], at: usize, end: bool) -> usize {
    let before = spans.partition_point(|s| s.out.0 <= at);
    let Some(span) = before.checked_sub(1).map(|k| spans[k]) else { return at };
    if at >= span.out.1 {
        span.raw.1 + (at - span.out.1)
    } else if at == span.out.0 || !end {
        span.raw.0
    } else {
        span.raw.1
    }
}

/// The mask spans after runs of the signature (old byte ranges) became `{time}`.
fn remap_runs(spans: &[MaskSpan], runs: &[(usize, usize)]) -> Vec<MaskSpan> {
    let mut out = Vec::with_capacity(spans.len());
    let mut shift: isize = 0;
    let mut k = 0;
    let moved = |pos: usize, shift: isize| pos.saturating_add_signed(shift);
    for &(start, end) in runs {
        while k < spans.len() && spans[k].out.1 <= start {
            out.push(MaskSpan { out: (moved(spans[k].out.0, shift), moved(spans[k].out.1, shift)), raw: spans[k].raw });
            k += 1;
        }
        let raw = (to_raw(spans, start, false), to_raw(spans, end, true));
        let new_start = moved(start, shift);
        out.push(MaskSpan { out: (new_start, new_start + "{time}".len()), raw });
        while k < spans.len() && spans[k].out.0 < end {
            k += 1;
        }
        #[expect(clippy::cast_possible_wrap, reason = "signatures are far shorter than isize::MAX")]
        let change = "{time}".len() as isize - (end - start) as isize;
        shift += change;
    }
    for span in &spans[k..] {
        out.push(MaskSpan { out: (moved(span.out.0, shift), moved(span.out.1, shift)), raw: span.raw });
    }
    out
}

/// The signature of one message (see the module docs); allocates, so loops use [`Normaliser`].
pub fn signature(message: &str, own_name: &str) -> String {
    Normaliser::new().normalise(message, own_name).to_owned()
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '-'
}

/// Han, kana and hangul: scripts written without spaces between words.
pub(crate) fn is_cjk(c: char) -> bool {
    !c.is_ascii()
        && matches!(c as u32,
        0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0xAC00..=0xD7AF
        | 0x1100..=0x11FF | 0x3130..=0x318F | 0x20000..=0x2FA1F)
}

/// Positions past which a scan is known to fail, so it is never repeated from a later start.
struct Memo {
    /// Per quote pair: no valid closing quote exists at or after this byte offset.
    no_close_from: [usize; QUOTES.len()],
    /// No email can start before this offset (the run of local-part characters has no `@`).
    no_email_before: usize,
}

fn tokenise(s: &str, names: Names<'_>, out: &mut String, spans: &mut Vec<MaskSpan>) {
    let mut memo = Memo { no_close_from: [usize::MAX; QUOTES.len()], no_email_before: 0 };
    let mut i = 0;
    let mut prev_word = false;
    while let Some(c) = s[i..].chars().next() {
        // The common case, cheaply: a space only ends a token.
        if c == ' ' {
            out.push(' ');
            prev_word = false;
            i += 1;
            continue;
        }
        let rest = &s[i..];
        let at = out.len();
        if is_quote(c)
            && let Some(len) = quoted_len(rest, i, prev_word, &mut memo)
        {
            out.push_str("{name}");
            spans.push(MaskSpan { out: (at, out.len()), raw: (i, i + len) });
            i += len;
            prev_word = false;
            continue;
        }
        if !prev_word {
            if may_be_special(c)
                && let Some((len, mask)) = special(rest, i, &mut memo)
            {
                out.push_str(mask);
                spans.push(MaskSpan { out: (at, out.len()), raw: (i, i + len) });
                i += len;
                prev_word = false;
                continue;
            }
            if is_word(c) {
                let (len, masked) = word(rest, names, out);
                if masked {
                    spans.push(MaskSpan { out: (at, out.len()), raw: (i, i + len) });
                }
                i += len;
                // Where CJK text meets another script, the next word starts a token of its own.
                prev_word = s[i..].chars().next().is_none_or(|next| !is_word(next) || is_cjk(next) == is_cjk(c));
                continue;
            }
        }
        out.push(c);
        // A `}` ends a mask or a path template: what follows it is glued on, not a new token, so
        // masking a signature again leaves it unchanged.
        prev_word = is_word(c) || c == '}';
        i += c.len_utf8();
    }
}

/// Whether `c` opens one of the [`QUOTES`].
fn is_quote(c: char) -> bool {
    matches!(c, '\'' | '"' | '`' | '“' | '‘')
}

/// Whether a token starting with `c` can be a URL, path, email, IP address or date-time.
fn may_be_special(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '/' | ':' | '.' | '_' | '%' | '+' | '-')
}

/// The masks that cover a whole token, tried in order at a token start.
fn special(rest: &str, at: usize, memo: &mut Memo) -> Option<(usize, &'static str)> {
    if let Some(len) = times::iso_len(rest) {
        return Some((len, "{time}"));
    }
    let local_char = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'%' | b'+' | b'-');
    // A scheme is at most 32 bytes: the scan for it stops there, so it is never quadratic.
    let run = rest.bytes().take(33).take_while(local_char).count();
    if let Some(len) = url_len(rest, run) {
        return Some((len, "{url}"));
    }
    if let Some(len) = path_len(rest) {
        return Some((len, "{path}"));
    }
    if at >= memo.no_email_before {
        // The local part has no limit; the memo keeps its scan from repeating inside one run.
        let local = if run < 33 { run } else { rest.bytes().take_while(local_char).count() };
        match email_len(rest, local) {
            Ok(len) => return Some((len, "{email}")),
            Err(scanned) => memo.no_email_before = at + scanned,
        }
    }
    ipv4_len(rest).or_else(|| ipv6_len(rest)).map(|len| (len, "{ip}"))
}

/// `run`: how many bytes from the start are letters, digits or `._%+-`.
fn url_len(rest: &str, run: usize) -> Option<usize> {
    let bytes = rest.as_bytes();
    if !bytes.first()?.is_ascii_alphabetic() || run > 32 || !rest[run..].starts_with("://") {
        return None;
    }
    let scheme = run;
    if bytes[..scheme].iter().any(|b| matches!(b, b'_' | b'%')) {
        return None;
    }
    let end = rest.find(' ').unwrap_or(rest.len());
    let token = rest[..end].trim_end_matches(TRAILING);
    (token.len() > scheme + 3).then_some(token.len())
}

fn quoted_len(rest: &str, at: usize, prev_word: bool, memo: &mut Memo) -> Option<usize> {
    let first = rest.chars().next()?;
    let (k, quote) = QUOTES.iter().enumerate().find(|(_, q)| q.open == first)?;
    if (prev_word && quote.opens_at_word_start) || at >= memo.no_close_from[k] {
        return None;
    }
    let (open, close) = (quote.open.len_utf8(), quote.close.len_utf8());
    let body = &rest[open..];
    for (j, _) in body.match_indices(quote.close) {
        let after = body[j + close..].chars().next();
        if quote.closes_before_non_word && after.is_some_and(is_word) {
            continue;
        }
        return (j > 0).then_some(open + j + close);
    }
    memo.no_close_from[k] = at;
    None
}

fn path_len(rest: &str) -> Option<usize> {
    if !rest.starts_with('/') {
        return None;
    }
    let end = rest.find(' ').unwrap_or(rest.len());
    let token = rest[..end].trim_end_matches(TRAILING);
    token.bytes().any(|b| b != b'/').then_some(token.len())
}

/// `Ok(len)` for an email; `Err(scanned)` says how far the local part ran, which no later
/// start inside that run can improve on.
/// `local`: how many bytes from the start are letters, digits or `._%+-`.
fn email_len(rest: &str, local: usize) -> Result<usize, usize> {
    let bytes = rest.as_bytes();
    if local == 0 || bytes.get(local) != Some(&b'@') {
        return Err(local.max(1));
    }
    let domain_start = local + 1;
    let domain_run =
        bytes[domain_start..].iter().take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-')).count();
    // A mask right after the run was a word in the text it came from (`a@A.a..0` became
    // `a@A.a..{n}`): that text was no email, so neither is this (masking stays idempotent).
    if bytes.get(domain_start + domain_run) == Some(&b'{') {
        return Err(local.max(1));
    }
    let domain = rest[domain_start..domain_start + domain_run].trim_end_matches(['.', '-']);
    let valid = domain.contains('.') && !domain.starts_with(['.', '-']) && !domain.contains("..");
    if valid { Ok(domain_start + domain.len()) } else { Err(local.max(1)) }
}

fn ipv4_len(rest: &str) -> Option<usize> {
    let bytes = rest.as_bytes();
    let mut i = 0;
    for part in 0..4 {
        if part > 0 {
            if bytes.get(i) != Some(&b'.') {
                return None;
            }
            i += 1;
        }
        let digits = bytes[i..].iter().take(4).take_while(|b| b.is_ascii_digit()).count();
        if !(1..=3).contains(&digits) {
            return None;
        }
        i += digits;
    }
    if bytes.get(i) == Some(&b'/') {
        let prefix = bytes[i + 1..].iter().take(3).take_while(|b| b.is_ascii_digit()).count();
        if (1..=2).contains(&prefix) {
            i += 1 + prefix;
        }
    }
    let next = rest[i..].chars().next();
    let continues = next.is_some_and(|c| is_word(c) || c == '{')
        || (next == Some('.') && rest[i + 1..].chars().next().is_some_and(|c| c.is_ascii_digit()));
    (!continues).then_some(i)
}

fn ipv6_len(rest: &str) -> Option<usize> {
    let bytes = rest.as_bytes();
    let run = bytes.iter().take(46).take_while(|b| b.is_ascii_hexdigit() || matches!(b, b':' | b'.')).count();
    let mut token = rest[..run].trim_end_matches('.');
    if token.ends_with(':') && !token.ends_with("::") {
        token = &token[..token.len() - 1];
    }
    let colons = token.bytes().filter(|&b| b == b':').count();
    let shaped = colons >= 2 && (token.contains("::") || colons == 7);
    let has_hex = token.bytes().any(|b| b.is_ascii_hexdigit());
    // Separators trimmed off the end still join what follows them (`A::.0g`, `::A:0g`):
    // otherwise masking the number after them would make an address of the rest on the next
    // pass (`A::.{n}g` → `{ip}.{n}g`).
    let after = &rest[token.len()..];
    let glued = |s: &str| s.chars().next().is_some_and(|c| is_word(c) || c == '{');
    let continues = glued(after) || glued(after.trim_start_matches(['.', ':']));
    (shaped && has_hex && !continues).then_some(token.len())
}

/// Consumes one word (letters, digits, `_`, `-`; digits may continue as `1.5`) and writes its mask.
/// Returns the length consumed and whether anything was masked.
fn word(rest: &str, names: Names<'_>, out: &mut String) -> (usize, bool) {
    let cjk = rest.chars().next().is_some_and(is_cjk);
    let mut end = rest.find(|c: char| !is_word(c) || is_cjk(c) != cjk).unwrap_or(rest.len());
    if rest[..end].bytes().all(|b| b.is_ascii_digit()) {
        while rest[end..].starts_with('.') && rest[end + 1..].starts_with(|c: char| c.is_ascii_digit()) {
            end += 1 + rest[end + 1..].find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len() - end - 1);
        }
    }
    let w = &rest[..end];
    let mut masked = true;
    if !names.own.is_empty() && w == names.own {
        out.push_str("{name}");
    } else if let Some(mask) = names.references.and_then(|refer| refer(w)) {
        out.push_str(mask);
    } else if !w.bytes().any(|b| b.is_ascii_digit() || b == b'-' || b == b'_') && !is_method(w) {
        // No digit and no separator: no number, id or unit rule applies; most words are these.
        out.push_str(w);
        masked = false;
    } else if is_hex_literal(w) {
        out.push_str("{n}");
    } else if is_method(w) && rest[end..].strip_prefix(' ').is_some_and(|after| path_len(after).is_some()) {
        out.push_str("{method}");
    } else if is_hex_id(w) {
        out.push_str("{id}");
    } else {
        let mut start = 0;
        let mut kept = true;
        for segment in w.split(['-', '_']) {
            if start > 0 {
                // The one-byte separator right before this segment.
                out.push_str(&w[start - 1..start]);
            }
            kept &= mask_segment(segment, out);
            start += segment.len() + 1;
        }
        masked = !kept;
    }
    (end, masked)
}

fn is_method(w: &str) -> bool {
    (3..=7).contains(&w.len()) && w.bytes().all(|b| b.is_ascii_uppercase()) && METHODS.contains(&w)
}

/// `0x1f`, `0XFF`: a number written in hex, whatever its length.
fn is_hex_literal(w: &str) -> bool {
    let digits = w.strip_prefix("0x").or_else(|| w.strip_prefix("0X"));
    digits.is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// A whole word of hex segments: `3f2a9c81d0e54b6f…`, UUIDs, `736508d8-885074167`.
fn is_hex_id(w: &str) -> bool {
    let mut hex_digits = 0;
    let (mut digit, mut letter) = (false, false);
    for segment in w.split(['-', '_']) {
        if segment.len() < 4 || !segment.bytes().all(|b| b.is_ascii_hexdigit()) {
            return false;
        }
        hex_digits += segment.len();
        digit |= segment.bytes().any(|b| b.is_ascii_digit());
        letter |= segment.bytes().any(|b| b.is_ascii_alphabetic());
    }
    hex_digits >= 8 && digit && letter
}

/// Writes a segment, masked if it is a number, id or quantity; true when written as it was.
fn mask_segment(segment: &str, out: &mut String) -> bool {
    let bytes = segment.as_bytes();
    let digits = bytes.iter().filter(|b| b.is_ascii_digit()).count();
    let numeric = !segment.is_empty()
        && bytes[0].is_ascii_digit()
        && bytes.iter().all(|b| b.is_ascii_digit() || *b == b'.')
        && !segment.ends_with('.');
    if numeric {
        out.push_str(if digits >= 8 && !segment.contains('.') { "{id}" } else { "{n}" });
        return false;
    }
    let all_hex = bytes.iter().all(u8::is_ascii_hexdigit);
    let all_alnum = bytes.iter().all(u8::is_ascii_alphanumeric);
    if (all_hex && segment.len() >= 8 && digits > 0) || (all_alnum && segment.len() >= 16 && digits >= 3) {
        out.push_str("{id}");
        return false;
    }
    let lead = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
    let unit = &segment[lead..];
    if lead > 0 && (1..=3).contains(&unit.len()) && unit.bytes().all(|b| b.is_ascii_alphabetic()) {
        out.push_str("{n}");
        out.push_str(unit);
        return false;
    }
    out.push_str(segment);
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sig(message: &str) -> String {
        signature(message, "")
    }

    #[test]
    fn simulator_messages_mask_to_their_kind() {
        assert_eq!(
            sig("Path /pets/{petId} conflicts with existing API 3f2a9c81d0e54b6f9a7c3d2e1f0a9b8c"),
            "Path {path} conflicts with existing API {id}"
        );
        assert_eq!(
            sig("The API group basePath /v2 does not match the OAS basePath /v1"),
            "The API group basePath {path} does not match the OAS basePath {path}"
        );
        assert_eq!(
            signature("Model Pet already exists in group 736508d885074167ba8fbce3bc95ea0b", "Pet"),
            "Model {name} already exists in group {id}"
        );
        assert_eq!(
            sig("Parameter location cookie is not supported (parameter session)"),
            "Parameter location cookie is not supported (parameter session)"
        );
        assert_eq!(sig("Duplicate API GET /users"), "Duplicate API {method} {path}");
        assert_eq!(sig("Internal Error\n"), "Internal Error");
        assert_eq!(sig("Internal Error"), sig("Internal Error\n"));
    }

    #[test]
    fn ids_hex_and_uuid_are_masked() {
        assert_eq!(sig("api 3f2a9c81d0e54b6f9a7c3d2e1f0a9b8c gone"), "api {id} gone");
        assert_eq!(sig("id ee93ce68-15f0-4896-b301-452982b92222."), "id {id}.");
        assert_eq!(sig("group 736508d8"), "group {id}");
        assert_eq!(sig("group 736508d8…"), "group {id}…");
        assert_eq!(sig("request 12345678901"), "request {id}", "long digit runs are ids");
        assert_eq!(sig("api-3f2a9c81d0e5 failed"), "api-{id} failed");
        assert_eq!(sig("token aB3dE5fG7hI9jK1lmn"), "token {id}");
        // Words that merely look hex-ish stay.
        assert_eq!(sig("deadbeef coffee added faced"), "deadbeef coffee added faced");
        assert_eq!(sig("OAS3 v2 user42 GetByCreatorIdUsingGET"), "OAS3 v2 user42 GetByCreatorIdUsingGET");
    }

    #[test]
    fn numbers_decimals_and_units_are_masked() {
        assert_eq!(sig("limit 20 exceeded by 3"), "limit {n} exceeded by {n}");
        assert_eq!(sig("limit:20,time:1 second"), "limit:{n},time:{n} second");
        assert_eq!(sig("ratio 1.5 and version 2.0.1"), "ratio {n} and version {n}");
        assert_eq!(sig("on 2023-07-11 at 19:54:22"), "on {time} at {time}");
        assert_eq!(sig("at 2023-07-11T19:54:22.5+08:00, then"), "at {time}, then");
        assert_eq!(sig("from 1.2.3.4 at Sun Jul 17 20:55:07 2005"), "from {ip} at {time}");
        assert_eq!(sig("at 0x0b85eee0, mask 0x05 and 0xZZZZ"), "at {n}, mask {n} and 0xZZZZ");
        assert_eq!(sig("timed out after 30s (5MB)"), "timed out after {n}s ({n}MB)");
        assert_eq!(sig("value -5 is negative"), "value -{n} is negative");
        assert_eq!(sig("APIG.3201 again"), "APIG.{n} again");
    }

    #[test]
    fn paths_stop_at_whitespace_and_trailing_punctuation() {
        assert_eq!(sig("path /a/b/{x}, then /c."), "path {path}, then {path}.");
        assert_eq!(sig("(see /pets/{petId})"), "(see {path})");
        assert_eq!(sig("at /v1: bad"), "at {path}: bad");
        assert_eq!(sig("a / b and // c and /"), "a / b and // c and /");
        assert_eq!(sig("content application/json and 1/2"), "content application/json and {n}/{n}");
        assert_eq!(sig("路径 /pets 已存在"), "路径 {path} 已存在");
    }

    #[test]
    fn quoted_names_are_masked_but_apostrophes_are_not() {
        assert_eq!(sig("Model 'Pet' exists"), "Model {name} exists");
        assert_eq!(sig("Model \"Pet Store\" exists"), "Model {name} exists");
        assert_eq!(sig("field `x.y` bad"), "field {name} bad");
        assert_eq!(sig("名称“宠物”重复 and ‘x’"), "名称{name}重复 and {name}");
        assert_eq!(sig("can't find 'Pet's owner'"), "can't find {name}");
        assert_eq!(sig("Pet's owner isn't set"), "Pet's owner isn't set");
        assert_eq!(sig("empty '' and unclosed 'abc"), "empty '' and unclosed 'abc");
        assert_eq!(sig("quoted '/a/b' path"), "quoted {name} path", "a quote wins over the path inside");
    }

    #[test]
    fn emails_urls_and_ips_are_masked() {
        assert_eq!(sig("owner ops.team+x@example.co.uk."), "owner {email}.");
        assert_eq!(sig("see https://help.aliyun.com/doc?id=1."), "see {url}.");
        assert_eq!(sig("backend http://10.0.0.1:8080/x down"), "backend {url} down");
        assert_eq!(sig("host 192.168.1.20:443 refused"), "host {ip}:{n} refused");
        assert_eq!(sig("cidr 10.0.0.0/24 blocked"), "cidr {ip} blocked");
        assert_eq!(sig("v6 fe80::1ff:fe23:4567:890a and ::1"), "v6 {ip} and {ip}");
        assert_eq!(sig("not an ip 1.2.3.4.5"), "not an ip {n}");
        assert_eq!(sig("user@host is not an email"), "user@host is not an email");
    }

    #[test]
    fn whitespace_collapses_and_control_characters_are_visible() {
        assert_eq!(sig("  a \t\r\n b  \n"), "a b");
        let out = sig("bad\u{1b}]52;c;x\u{7} text");
        assert!(sanitize::is_clean(&out));
        assert!(out.contains("^["));
    }

    #[test]
    fn own_name_is_masked_only_as_a_whole_word() {
        assert_eq!(signature("Model Pet and Pets and PetX", "Pet"), "Model {name} and Pets and PetX");
        assert_eq!(signature("API GetByCreatorIdUsingGET exists", " GetByCreatorIdUsingGET "), "API {name} exists");
        assert_eq!(signature("Model Pet exists", ""), "Model Pet exists");
    }

    #[test]
    fn names_inside_cjk_text_are_words_of_their_own() {
        assert_eq!(signature("模型Money已存在", "Money"), "模型{name}已存在");
        assert_eq!(sig("共3个API失败"), "共{n}个API失败");
    }

    #[test]
    fn referenced_names_take_the_callers_mask() {
        let refer = |w: &str| (w == "Money").then_some("{model}");
        let mut n = Normaliser::new();
        let names = Names { own: "", references: Some(&refer) };
        assert_eq!(
            n.normalise_with("cancelled because model [Money] failed (Moneys stays)", names),
            "cancelled because model [{model}] failed (Moneys stays)"
        );
    }

    #[test]
    fn stack_frames_below_the_first_do_not_reach_the_signature() {
        let a = "NullPointerException: x\n\tat a.B.c(B.java:10)\n\tat a.D.e(D.java:20)";
        let b = "NullPointerException: x\n\tat a.B.c(B.java:12)\n\tat z.Q.r(Q.java:7)\n\tat z.Q.s(Q.java:9)";
        assert_eq!(sig(a), sig(b));
        assert_eq!(sig(a), "NullPointerException: x at a.B.c(B.java:{n})");
    }

    #[test]
    fn masks_map_back_to_the_text_they_replaced() {
        let mut n = Normaliser::new();
        let message =
            "Path  /pets/{petId} conflicts with API 3f2a9c81d0e54b6f at Sun Jul 17 20:55:07 2005, user blk_-42 ok";
        let sig = n.normalise(message, "").to_owned();
        assert_eq!(sig, "Path {path} conflicts with API {id} at {time}, user blk_-{n} ok");
        let original = |needle: &str| {
            let at = sig.find(needle).unwrap();
            n.original(at..at + needle.len()).map(str::to_owned)
        };
        assert_eq!(original("{path}").as_deref(), Some("/pets/{petId}"));
        assert_eq!(original("{id}").as_deref(), Some("3f2a9c81d0e54b6f"));
        assert_eq!(original("{time}").as_deref(), Some("Sun Jul 17 20:55:07 2005"));
        assert_eq!(original("blk_-{n}").as_deref(), Some("blk_-42"));
        assert_eq!(original("conflicts with").as_deref(), Some("conflicts with"));
        assert_eq!(original("ok").as_deref(), Some("ok"));
        n.normalise("bad\u{1b}[2J {n}", "");
        assert_eq!(n.original(0..3), None, "a sanitised signature does not line up with its message");
    }

    #[test]
    fn methods_are_masked_only_before_a_path() {
        assert_eq!(sig("POST /pets and GET it"), "{method} {path} and GET it");
        assert_eq!(sig("GET"), "GET");
    }

    #[test]
    fn long_signatures_are_cut() {
        let long = "word ".repeat(1000);
        let out = sig(&long);
        assert_eq!(out.chars().count(), MAX_SIGNATURE_CHARS + 1);
        assert!(out.ends_with('…'));
    }

    #[test]
    fn adversarial_inputs_stay_linear_in_practice() {
        // Each of these would be quadratic with a naive rescan; they must finish and mask sanely.
        let quotes = "'a ".repeat(50_000);
        assert!(sig(&quotes).starts_with("'a 'a"));
        let dotted = "a.".repeat(100_000);
        assert_eq!(sig(&dotted).chars().count(), MAX_SIGNATURE_CHARS + 1);
        let slashes = "/x ".repeat(50_000);
        assert!(sig(&slashes).starts_with("{path} {path}"));
        let colons = "a:".repeat(100_000);
        assert!(sig(&colons).starts_with("a:a:"));
    }

    #[test]
    fn masking_a_signature_again_changes_nothing() {
        // Cases proptest found (proptest-regressions/analysis/signature.txt): a mask's `}` must not
        // start a new token, and `//a` is one path.
        for input in [
            "0/A",
            "//a",
            "a::0G ",
            "A::.0g ",
            "::A:0g",
            "A::..0g",
            "Path /pets/{petId} conflicts with 3f2a9c81d0e54b6f",
            "at 10.0.0.1{x}",
        ] {
            let once = sig(input);
            assert_eq!(sig(&once), once, "{input:?}");
        }
        assert_eq!(sig("0/A"), "{n}/A");
        assert_eq!(sig("//a"), "{path}");
    }

    #[test]
    fn normaliser_reuses_its_buffers_without_leaking_state() {
        let mut n = Normaliser::new();
        assert_eq!(n.normalise("first /a 1", ""), "first {path} {n}");
        assert_eq!(n.normalise("x", ""), "x");
        assert_eq!(n.normalise("", ""), "");
    }

    proptest! {
        #[test]
        fn never_panics_and_is_always_clean(s in any::<String>(), name in "[a-zA-Z]{0,6}") {
            let out = signature(&s, &name);
            prop_assert!(sanitize::is_clean(&out));
            prop_assert!(!out.contains('\n'));
            prop_assert!(out.chars().count() <= MAX_SIGNATURE_CHARS + 1);
        }

        #[test]
        fn masking_is_idempotent_on_plain_text(s in "[a-zA-Z0-9 /.:@-]{0,60}") {
            let once = sig(&s);
            prop_assert_eq!(sig(&once), once.clone());
        }

        #[test]
        fn different_ids_in_the_same_template_share_a_signature(a in "[0-9a-f]{32}", b in "[0-9a-f]{32}") {
            prop_assume!(a.bytes().any(|c| c.is_ascii_alphabetic()) && b.bytes().any(|c| c.is_ascii_alphabetic()));
            prop_assert_eq!(sig(&format!("conflicts with {a}")), sig(&format!("conflicts with {b}")));
        }
    }
}
