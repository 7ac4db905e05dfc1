//! Request signing shared by every cloud: a canonical-request HMAC-SHA256 [`Scheme`] (both clouds'
//! signatures are one, differing only in a few parameters), RFC 3986 percent-encoding, SHA-256 and
//! HMAC-SHA256 as lowercase hex, and the UTC timestamp formats the clouds expect. Pure.
//!
//! A cloud's module declares its `Scheme` as a constant (`aliyun::sign::ACS3`,
//! `huawei::sign::SDK_HMAC`) and checks it against the official vectors; the client signs and the
//! simulator verifies with the same constant. docs/protocols.md describes both schemes.

use std::borrow::Cow;
use std::time::SystemTime;

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::macros::format_description;

/// Hex SHA-256 of an empty body, which both clouds sign for bodiless requests.
pub const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// Percent-encodes everything except the RFC 3986 unreserved set `A-Z a-z 0-9 - _ . ~`, with
/// uppercase hex and a space as `%20`.
///
/// This is what Go's `url.QueryEscape` plus Alibaba's `+`→`%20`, `*`→`%2A`, `%7E`→`~` fix-ups
/// produce, and what Huawei's signer `escape` produces, so one function serves both.
pub fn percent_encode(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    percent_encode_into(&mut out, input);
    out
}

/// [`percent_encode`] appended to `out`: the canonical request is built from many encoded
/// parts, each once per request.
pub fn percent_encode_into(out: &mut String, input: &str) {
    for byte in input.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push('%');
            push_hex(out, byte, b"0123456789ABCDEF");
        }
    }
}

/// The two hex digits of `byte`, from `digits` (upper- or lowercase).
fn push_hex(out: &mut String, byte: u8, digits: &[u8; 16]) {
    out.push(char::from(digits[usize::from(byte >> 4)]));
    out.push(char::from(digits[usize::from(byte & 0x0f)]));
}

/// Lowercase hex of `bytes`. Each signature writes three of these; `hex::encode`'s char-by-char
/// collect was about 2 % of `wait`'s instructions, and pushing each digit as a `char` still
/// 1.5 % (callgrind).
pub fn lower_hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    push_lower_hex(&mut out, bytes);
    out
}

/// Appends the lowercase hex of `bytes` to `out`, 32 bytes at a time through a buffer on the
/// stack, so that a signature's hex goes straight into the text it belongs to; each byte's two
/// digits come from one table lookup (digit by digit, this was about 1 % of `wait`'s
/// instructions per request; callgrind).
fn push_lower_hex(out: &mut String, bytes: &[u8]) {
    let mut buffer = [[0u8; 2]; 32];
    for chunk in bytes.chunks(32) {
        for (pair, &byte) in buffer.iter_mut().zip(chunk) {
            *pair = HEX_PAIRS[usize::from(byte)];
        }
        // Only ASCII digits went in, so this never fails.
        out.push_str(std::str::from_utf8(buffer[..chunk.len()].as_flattened()).unwrap_or_default());
    }
}

/// The two lowercase hex digits of every byte.
const HEX_PAIRS: [[u8; 2]; 256] = {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut pairs = [[0u8; 2]; 256];
    let mut byte = 0;
    while byte < 256 {
        pairs[byte] = [DIGITS[byte >> 4], DIGITS[byte & 0x0f]];
        byte += 1;
    }
    pairs
};

/// Lowercase hex SHA-256.
pub fn sha256_hex(data: &[u8]) -> String {
    lower_hex(&Sha256::digest(data))
}

/// Lowercase hex HMAC-SHA256.
pub fn hmac_sha256_hex(key: &[u8], data: &[u8]) -> String {
    let mut out = String::with_capacity(64);
    push_hmac_sha256_hex(&mut out, key, data);
    out
}

/// Appends the lowercase hex HMAC-SHA256 of `data` to `out`.
fn push_hmac_sha256_hex(out: &mut String, key: &[u8], data: &[u8]) {
    // HMAC accepts keys of any length, so this cannot fail; an empty MAC would only make the
    // server reject the request, never leak anything.
    if let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) {
        mac.update(data);
        push_lower_hex(out, &mac.finalize().into_bytes());
    }
}

/// Compares two signatures without leaking timing about where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `2023-10-26T10:22:32Z`, the `x-acs-date` format.
pub fn acs_date(at: SystemTime) -> String {
    utc_stamp(at, "-", ":")
}

/// `20191115T033655Z`, the `X-Sdk-Date` format.
pub fn sdk_date(at: SystemTime) -> String {
    utc_stamp(at, "", "")
}

/// A UTC timestamp with the given separators, written digit by digit: every request signs one,
/// and `time`'s format-description formatter was about 3 % of `wait`'s CPU per request, and the
/// `write!` of padded integers that replaced it still about 1 % (perf).
fn utc_stamp(at: SystemTime, date_sep: &str, time_sep: &str) -> String {
    let t = OffsetDateTime::from(at);
    // Years past 9999 are not timestamps any cloud accepts; clamped so the field stays 4 digits.
    let year = u16::try_from(t.year()).unwrap_or(0).min(9999);
    let [century, year_in_century] = [year / 100, year % 100].map(two_digits);
    let mut out = String::with_capacity(20);
    for (field, sep) in [
        (century, ""),
        (year_in_century, date_sep),
        (two_digits(u8::from(t.month()).into()), date_sep),
        (two_digits(t.day().into()), "T"),
        (two_digits(t.hour().into()), time_sep),
        (two_digits(t.minute().into()), time_sep),
        (two_digits(t.second().into()), "Z"),
    ] {
        out.push_str(field);
        out.push_str(sep);
    }
    out
}

/// `value` (below 100) as two decimal digits.
fn two_digits(value: u16) -> &'static str {
    const DIGITS: &str = "00010203040506070809101112131415161718192021222324252627282930313233343536373839\
                          40414243444546474849505152535455565758596061626364656667686970717273747576777879\
                          8081828384858687888990919293949596979899";
    let at = usize::from(value.min(99)) * 2;
    DIGITS.get(at..at + 2).unwrap_or("00")
}

/// Parses an `x-acs-date` value back into a time (for the simulator's skew check).
pub fn parse_acs_date(text: &str) -> Option<SystemTime> {
    let fmt = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    time::PrimitiveDateTime::parse(text, fmt).ok().map(|t| t.assume_utc().into())
}

/// Parses an `X-Sdk-Date` value back into a time (for the simulator's skew check).
pub fn parse_sdk_date(text: &str) -> Option<SystemTime> {
    let fmt = format_description!("[year][month][day]T[hour][minute][second]Z");
    time::PrimitiveDateTime::parse(text, fmt).ok().map(|t| t.assume_utc().into())
}

/// Appends the headers' `name:value\n` lines (lowercased, trimmed, sorted) to `out`, the
/// canonical request being written, so that they need no buffer of their own; returns the
/// `;`-joined list of their names.
fn push_canonical_headers(out: &mut String, headers: &[(&str, &str)]) -> String {
    // Names are lowercase already when they come from `HeaderName`s, as the clients' do: only
    // the others are copied. Each carries its first eight bytes as a number, which orders the
    // names as their bytes do, so that sorting compares numbers, not strings, unless two names
    // start alike for eight bytes (none of the clients' do). Checked and compared byte by byte,
    // the names were about 1 % of `wait`'s instructions per request (callgrind).
    let mut lowered: Vec<(u64, Cow<'_, str>, &str)> = headers
        .iter()
        .map(|(name, value)| {
            let name = if has_ascii_uppercase(name.as_bytes()) {
                Cow::Owned(name.to_ascii_lowercase())
            } else {
                Cow::Borrowed(*name)
            };
            (sort_key(name.as_bytes()), name, trimmed(value))
        })
        .collect();
    lowered.sort_unstable();
    out.reserve(lowered.iter().map(|(_, n, v)| n.len() + v.len() + 2).sum());
    let mut names = String::with_capacity(lowered.iter().map(|(_, n, _)| n.len() + 1).sum());
    for (_, name, value) in &lowered {
        out.push_str(name);
        out.push(':');
        out.push_str(value);
        out.push('\n');
        if !names.is_empty() {
            names.push(';');
        }
        names.push_str(name);
    }
    names
}

/// The first eight bytes of `bytes` as a big-endian number (zero-padded): numbers in the same
/// order as the byte strings they start, up to ties.
fn sort_key(bytes: &[u8]) -> u64 {
    let mut first = [0u8; 8];
    let len = bytes.len().min(8);
    first[..len].copy_from_slice(&bytes[..len]);
    u64::from_be_bytes(first)
}

/// Whether `bytes` holds an ASCII capital letter, eight bytes at a time: for each byte below
/// 0x80, adding 0x3F sets its top bit from `A` up and adding 0x25 from just past `Z` up, without
/// a carry into the next byte.
fn has_ascii_uppercase(bytes: &[u8]) -> bool {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const TOP: u64 = 0x8080_8080_8080_8080;
    const FROM_A: u64 = 0x3f3f_3f3f_3f3f_3f3f;
    const PAST_Z: u64 = 0x2525_2525_2525_2525;
    let mut words = bytes.chunks_exact(8);
    for word in &mut words {
        let mut eight = [0u8; 8];
        eight.copy_from_slice(word);
        let w = u64::from_le_bytes(eight);
        let low = w & LOW7;
        if ((low + FROM_A) & !(low + PAST_Z) & !w & TOP) != 0 {
            return true;
        }
    }
    words.remainder().iter().any(u8::is_ascii_uppercase)
}

/// `value` without the whitespace around it, as `str::trim`; a value whose ends are printable
/// ASCII is returned as it is without scanning (`trim` decodes characters from both ends, which
/// cost more than the rest of writing the header lines; callgrind).
fn trimmed(value: &str) -> &str {
    match (value.as_bytes().first(), value.as_bytes().last()) {
        (Some(first), Some(last)) if first.is_ascii_graphic() && last.is_ascii_graphic() => value,
        _ => value.trim(),
    }
}

/// `k=v&k=v` with both sides percent-encoded, sorted by key then value.
pub fn canonical_query(query: &[(&str, &str)]) -> String {
    let mut pairs: Vec<(String, String)> = query.iter().map(|(k, v)| (percent_encode(k), percent_encode(v))).collect();
    pairs.sort();
    let mut out = String::with_capacity(pairs.iter().map(|(k, v)| k.len() + v.len() + 2).sum());
    for (k, v) in &pairs {
        if !out.is_empty() {
            out.push('&');
        }
        out.push_str(k);
        out.push('=');
        out.push_str(v);
    }
    out
}

/// A canonical-request signature: `HMAC-SHA256(secret, string to sign)`, where the string to
/// sign holds the SHA-256 of the canonical request
/// `METHOD\nURI\nsorted query\nsorted lowercase headers\nsigned names\npayload hash`.
#[derive(Debug, Clone, Copy)]
pub struct Scheme {
    /// The first word of the `Authorization` header and of the string to sign.
    pub algorithm: &'static str,
    /// The `Authorization` field that carries the key id (`Credential`, `Access`).
    pub key_field: &'static str,
    /// Between the `Authorization` fields: the services parse `,` and `, ` differently.
    pub separator: &'static str,
    /// How the path becomes the canonical URI.
    pub canonical_uri: fn(&str) -> String,
    /// Whether the request's date is a line of the string to sign.
    pub date_in_string_to_sign: bool,
}

/// Everything a signature covers.
#[derive(Debug, Clone, Copy)]
pub struct SignedRequest<'a> {
    pub method: &'a str,
    /// The request path, unencoded.
    pub path: &'a str,
    /// Query parameters, unencoded.
    pub query: &'a [(&'a str, &'a str)],
    /// The headers to sign (names in any case).
    pub signed_headers: &'a [(&'a str, &'a str)],
    /// Hex SHA-256 of the body, or the scheme's marker for an unsigned body.
    pub hashed_payload: &'a str,
    /// The request's date header value; used only where the scheme signs it.
    pub date: &'a str,
}

/// [`SignedRequest`] with its path and query already in canonical form: the URI encoded as the
/// scheme's `canonical_uri` does, the query as [`canonical_query`] gives it. Both are the same on
/// every poll of a task, so a client works them out once per task.
#[derive(Debug, Clone, Copy)]
pub struct CanonicalRequest<'a> {
    pub method: &'a str,
    pub uri: &'a str,
    pub query: &'a str,
    pub signed_headers: &'a [(&'a str, &'a str)],
    pub hashed_payload: &'a str,
    pub date: &'a str,
}

impl CanonicalRequest<'_> {
    /// `METHOD\nURI\nquery\nheader lines\nsigned names\npayload hash`, and the signed names.
    fn text(&self) -> (String, String) {
        // Room for all of it at once: each header's line and its name in the signed list.
        let headers: usize = self.signed_headers.iter().map(|(name, value)| 2 * name.len() + value.len() + 3).sum();
        let mut text = String::with_capacity(
            self.method.len() + self.uri.len() + self.query.len() + headers + self.hashed_payload.len() + 5,
        );
        text.extend(self.method.chars().map(|c| c.to_ascii_uppercase()));
        for part in [self.uri, self.query] {
            text.push('\n');
            text.push_str(part);
        }
        text.push('\n');
        let signed_names = push_canonical_headers(&mut text, self.signed_headers);
        for part in [&signed_names, self.hashed_payload] {
            text.push('\n');
            text.push_str(part);
        }
        (text, signed_names)
    }
}

/// A parsed `Authorization` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedAuthorization {
    pub key_id: String,
    pub signed_headers: Vec<String>,
    pub signature: String,
}

impl Scheme {
    /// The canonical request text, and the `;`-joined list of signed header names.
    #[expect(
        clippy::redundant_closure_for_method_calls,
        reason = "the method path fixes the request's lifetime; the closure takes any, as `with_canonical` asks"
    )]
    pub fn canonical_request(&self, req: &SignedRequest<'_>) -> (String, String) {
        self.with_canonical(req, |canonical| canonical.text())
    }

    pub fn string_to_sign(&self, date: &str, canonical_request: &str) -> String {
        let mut text = String::with_capacity(self.algorithm.len() + date.len() + 64 + 2);
        text.push_str(self.algorithm);
        text.push('\n');
        if self.date_in_string_to_sign {
            text.push_str(date);
            text.push('\n');
        }
        push_lower_hex(&mut text, &Sha256::digest(canonical_request.as_bytes()));
        text
    }

    /// The lowercase hex signature of a request.
    pub fn signature(&self, secret: &[u8], req: &SignedRequest<'_>) -> String {
        self.with_canonical(req, |canonical| self.signature_of(secret, canonical))
    }

    /// The full `Authorization` header value.
    pub fn authorization(&self, key_id: &str, secret: &[u8], req: &SignedRequest<'_>) -> String {
        self.with_canonical(req, |canonical| self.authorization_of(key_id, secret, canonical))
    }

    /// [`Scheme::authorization`] of a request whose URI and query are in canonical form.
    pub fn authorization_of(&self, key_id: &str, secret: &[u8], req: &CanonicalRequest<'_>) -> String {
        let (string_to_sign, signed_names) = self.string_to_sign_of(req);
        let sep = self.separator;
        let mut out = String::with_capacity(
            self.algorithm.len() + self.key_field.len() + key_id.len() + signed_names.len() + 64 + 32,
        );
        for part in [self.algorithm, " ", self.key_field, "=", key_id, sep, "SignedHeaders=", &signed_names, sep] {
            out.push_str(part);
        }
        out.push_str("Signature=");
        push_hmac_sha256_hex(&mut out, secret, string_to_sign.as_bytes());
        out
    }

    /// The signature of a request in canonical form.
    fn signature_of(&self, secret: &[u8], req: &CanonicalRequest<'_>) -> String {
        let (string_to_sign, _) = self.string_to_sign_of(req);
        hmac_sha256_hex(secret, string_to_sign.as_bytes())
    }

    /// The string to sign of a request in canonical form, and its signed header names: the one
    /// path from a request to what its signature covers.
    fn string_to_sign_of(&self, req: &CanonicalRequest<'_>) -> (String, String) {
        let (text, signed_names) = req.text();
        (self.string_to_sign(req.date, &text), signed_names)
    }

    /// `then` of `req` with its path and query put in canonical form.
    fn with_canonical<R>(&self, req: &SignedRequest<'_>, then: impl FnOnce(&CanonicalRequest<'_>) -> R) -> R {
        let (uri, query) = ((self.canonical_uri)(req.path), canonical_query(req.query));
        then(&CanonicalRequest {
            method: req.method,
            uri: &uri,
            query: &query,
            signed_headers: req.signed_headers,
            hashed_payload: req.hashed_payload,
            date: req.date,
        })
    }

    /// Parses `ALGORITHM KeyField=…, SignedHeaders=…, Signature=…` (either separator).
    pub fn parse_authorization(&self, value: &str) -> Option<ParsedAuthorization> {
        let rest = value.strip_prefix(self.algorithm)?.strip_prefix(' ')?;
        let (mut key_id, mut signed_headers, mut signature) = (None, None, None);
        for part in rest.split(',') {
            let (key, val) = part.trim().split_once('=')?;
            match key {
                "SignedHeaders" => signed_headers = Some(val.split(';').map(str::to_owned).collect()),
                "Signature" => signature = Some(val.to_owned()),
                field if field == self.key_field => key_id = Some(val.to_owned()),
                _ => return None,
            }
        }
        Some(ParsedAuthorization { key_id: key_id?, signed_headers: signed_headers?, signature: signature? })
    }

    /// Recomputes the signature of a received request and compares in constant time.
    pub fn verify(&self, secret: &[u8], req: &SignedRequest<'_>, claimed_signature: &str) -> bool {
        constant_time_eq(&self.signature(secret, req), claimed_signature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    proptest::proptest! {
        /// The word-at-a-time check finds a capital exactly where a byte-by-byte one does, and
        /// the sort keys order names as their bytes do, wherever they differ in their first eight.
        #[test]
        fn capitals_are_found_and_names_ordered_as_byte_by_byte(a in proptest::collection::vec(proptest::num::u8::ANY, 0..40), b in "[a-zA-Z0-9-]{0,12}") {
            proptest::prop_assert_eq!(has_ascii_uppercase(&a), a.iter().any(u8::is_ascii_uppercase));
            proptest::prop_assert_eq!(has_ascii_uppercase(b.as_bytes()), b.bytes().any(|c| c.is_ascii_uppercase()));
            let (ka, kb) = (sort_key(&a), sort_key(b.as_bytes()));
            if ka != kb {
                proptest::prop_assert_eq!(ka.cmp(&kb), a.as_slice().cmp(b.as_bytes()));
            }
        }
    }

    proptest::proptest! {
        /// The shortcut for values with printable ends trims exactly what `str::trim` trims.
        #[test]
        fn a_header_value_is_trimmed_as_str_trim_does(value in "[ \\t\\u{a0}\\u{3000}a-z=;]{0,12}") {
            proptest::prop_assert_eq!(trimmed(&value), value.trim());
        }
    }

    #[test]
    fn percent_encoding_matches_rfc3986() {
        assert_eq!(percent_encode("a b*c~d+e/f:g"), "a%20b%2Ac~d%2Be%2Ff%3Ag");
        assert_eq!(percent_encode("查"), "%E6%9F%A5");
    }

    #[test]
    fn dates_format_and_parse_both_ways() {
        let at = UNIX_EPOCH + Duration::from_secs(1_698_315_752);
        assert_eq!(acs_date(at), "2023-10-26T10:22:32Z");
        assert_eq!(sdk_date(at), "20231026T102232Z");
        assert_eq!(parse_acs_date("2023-10-26T10:22:32Z"), Some(at));
        assert_eq!(parse_sdk_date("20231026T102232Z"), Some(at));
        assert_eq!(parse_sdk_date("garbage"), None);
        // Single digits are padded.
        let early = UNIX_EPOCH + Duration::from_secs(1_704_164_645);
        assert_eq!((acs_date(early), sdk_date(early)), ("2024-01-02T03:04:05Z".into(), "20240102T030405Z".into()));
        assert_eq!(parse_acs_date(&acs_date(early)), Some(early));
    }

    #[test]
    fn every_stamp_parses_back_with_the_time_crate() {
        // From 1970 to 2100 in steps of a week and an hour less a few seconds, so that every
        // field turns over many times (single digits, leap years): the digit-by-digit writer
        // against `time`'s own parser.
        let mut secs = 0u64;
        while secs < 4_102_444_800 {
            let at = UNIX_EPOCH + Duration::from_secs(secs);
            assert_eq!(parse_acs_date(&acs_date(at)), Some(at), "{secs}");
            assert_eq!(parse_sdk_date(&sdk_date(at)), Some(at), "{secs}");
            secs += 86_399 * 7 + 3_601;
        }
    }

    #[test]
    fn hex_is_two_lowercase_digits_per_byte_at_any_length() {
        // Across the 32-byte chunks the digits are written in; the `hex` crate as the yardstick.
        let bytes: Vec<u8> = (0..=255).collect();
        for len in [0, 1, 31, 32, 33, 64, 100, 256] {
            let naive = hex::encode(&bytes[..len]);
            assert_eq!(lower_hex(&bytes[..len]), naive, "{len} bytes");
        }
    }

    #[test]
    fn empty_hash_constant_is_right() {
        assert_eq!(sha256_hex(b""), EMPTY_SHA256);
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "ab"));
    }
}
