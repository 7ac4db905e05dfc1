//! Whether two response bodies of the same task say the same thing.
//!
//! Owns the knowledge of which parts of an answer change on every request without saying anything
//! about the task: the request id (`"RequestId"` in every Alibaba body, `"request_id"` in Huawei's
//! error bodies). Two `DescribeImportOASTask` answers of a task that has not moved differ in that
//! id alone, so comparing bodies byte for byte saw every Alibaba answer as news: a running task's
//! unchanged answer was regrouped, its table rebuilt and a frame drawn, 20 times a second with 100
//! tasks polled every 5 s. Pure.

/// Keys whose string value is a fresh id on every request.
const VOLATILE_KEYS: [&[u8]; 2] = [b"\"RequestId\"", b"\"request_id\""];

/// Longest request id accepted as one (Alibaba's are 36 bytes, Huawei's 32).
const MAX_ID_LEN: usize = 128;

/// Whether `a` and `b` are equal, or differ only in the values of their request ids.
pub fn same_answer(a: &str, b: &str) -> bool {
    let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
    loop {
        let at = common_prefix(a, b);
        if at == a.len() && at == b.len() {
            return true;
        }
        // The first difference must lie inside a request id's value: skip both values (their
        // opening quote is at the same place, as everything before `at` is equal) and go on.
        let Some(value) = volatile_value_start(&a[..at]) else { return false };
        let (Some(end_a), Some(end_b)) = (id_end(a, value), id_end(b, value)) else { return false };
        a = &a[end_a..];
        b = &b[end_b..];
    }
}

/// Length of the common prefix: chunk by chunk with `memcmp` (a byte-by-byte loop over two 6 MB
/// answers would cost milliseconds), then eight bytes at a time inside the chunk that differs
/// (the last, shorter chunk too): the first differing byte of two words is the lowest set byte
/// of their XOR. Byte by byte, that chunk was most of this function's cost (callgrind).
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    const CHUNK: usize = 256;
    const WORD: usize = 8;
    let n = a.len().min(b.len());
    let mut i = 0;
    while i + CHUNK <= n && a[i..i + CHUNK] == b[i..i + CHUNK] {
        i += CHUNK;
    }
    while let (Some(x), Some(y)) = (word(a, i), word(b, i)) {
        if x != y {
            // Little-endian: the first byte of the slice is the lowest byte of the word.
            return i + (x ^ y).trailing_zeros() as usize / 8;
        }
        i += WORD;
    }
    i + a[i..n].iter().zip(&b[i..n]).take_while(|(x, y)| x == y).count()
}

/// The eight bytes of `bytes` from `at` as one number, if there are eight.
fn word(bytes: &[u8], at: usize) -> Option<u64> {
    let eight: [u8; 8] = bytes.get(at..at + 8)?.try_into().ok()?;
    Some(u64::from_le_bytes(eight))
}

/// If `before` ends inside the string value of a volatile key (`"RequestId":"CE57`), where
/// that value starts.
fn volatile_value_start(before: &[u8]) -> Option<usize> {
    // A quote further back than the longest id cannot open one: only that far is searched.
    let from = before.len().saturating_sub(MAX_ID_LEN + 1);
    let quote = from + memchr::memrchr(b'"', &before[from..])?;
    if before.len() - quote > MAX_ID_LEN {
        return None;
    }
    let key_end = before[..quote].trim_ascii_end().strip_suffix(b":")?.trim_ascii_end();
    VOLATILE_KEYS.iter().any(|key| key_end.ends_with(key)).then_some(quote + 1)
}

/// Where the id that starts at `start` ends (its closing quote); `None` if it is not a short
/// plain id (an escape or a missing quote means this is not a request id after all).
fn id_end(body: &[u8], start: usize) -> Option<usize> {
    let rest = body.get(start..)?;
    let len = memchr::memchr2(b'"', b'\\', &rest[..rest.len().min(MAX_ID_LEN + 1)])?;
    (rest[len] == b'"').then_some(start + len)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const RUNNING: &str = r#"{"ApiResults":{"ApiResult":[{"ApiName":"a","UpdateStatus":"RUNNING"}]},"RequestId":"CE5722A6-AE78-4741-A9B0-6C817D360510","TaskStatus":"Running"}"#;

    #[test]
    fn answers_that_differ_only_in_the_request_id_are_the_same() {
        let again = RUNNING.replace("CE5722A6-AE78-4741-A9B0-6C817D360510", "0B1D2F3A-1111-4741-A9B0-6C817D360511");
        assert_ne!(RUNNING, again);
        assert!(same_answer(RUNNING, &again));
        assert!(same_answer(RUNNING, RUNNING));
        let shorter = RUNNING.replace("CE5722A6-AE78-4741-A9B0-6C817D360510", "R2");
        assert!(same_answer(RUNNING, &shorter), "ids of different lengths");
        let spaced = r#"{"RequestId" : "R1", "TaskStatus": "Running"}"#;
        assert!(same_answer(spaced, &spaced.replace("R1", "R2")), "whitespace around the colon");
        let huawei = r#"{"error_code":"APIG.0101","request_id":"a1b2"}"#;
        assert!(same_answer(huawei, &huawei.replace("a1b2", "c3d4")));
    }

    #[test]
    fn any_other_difference_is_news() {
        let finished = RUNNING.replace("\"Running\"", "\"Finished\"");
        assert!(!same_answer(RUNNING, &finished));
        let moved = RUNNING.replace("RUNNING", "SUCCESS");
        assert!(!same_answer(RUNNING, &moved));
        // A new id *and* a change after it.
        let both = finished.replace("CE5722A6", "DF5722A6");
        assert!(!same_answer(RUNNING, &both));
        // Not a request id: another key's value, a key that only ends like one, a truncated body.
        assert!(!same_answer(r#"{"Id":"R1"}"#, r#"{"Id":"R2"}"#));
        assert!(!same_answer(r#"{"XRequestId":"R1"}"#, r#"{"XRequestId":"R2"}"#));
        assert!(!same_answer(r#"{"RequestId":"R1"}"#, r#"{"RequestId":"R1"#));
        assert!(!same_answer(r#"{"RequestId":"R1\"x"}"#, r#"{"RequestId":"R2\"x"}"#), "escapes");
        assert!(!same_answer(r#"{"a":1}"#, r#"{"a":1} "#));
    }

    proptest! {
        /// The chunked common prefix is the byte-by-byte one, wherever the first difference
        /// falls (inside a chunk, at its edge, in the short last one, nowhere).
        #[test]
        fn the_common_prefix_is_the_first_difference(
            shared in prop::collection::vec(any::<u8>(), 0..1200),
            tail_a in prop::collection::vec(any::<u8>(), 0..300),
            tail_b in prop::collection::vec(any::<u8>(), 0..300),
        ) {
            let a = [shared.clone(), tail_a].concat();
            let b = [shared, tail_b].concat();
            let naive = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
            prop_assert_eq!(common_prefix(&a, &b), naive);
        }
    }

    proptest! {
        /// Changing one byte outside the id is always seen, in bodies long enough to cross the
        /// chunked comparison.
        #[test]
        fn a_change_outside_the_id_is_always_seen(
            prefix in "[a-z\":,{ ]{0,600}",
            suffix in "[a-z\":,} ]{0,600}",
            id_a in "[A-F0-9-]{1,40}",
            id_b in "[A-F0-9-]{1,40}",
            flip in any::<prop::sample::Index>(),
        ) {
            let a = format!("{prefix}\"RequestId\":\"{id_a}\"{suffix}");
            let b = format!("{prefix}\"RequestId\":\"{id_b}\"{suffix}");
            prop_assert!(same_answer(&a, &b));
            let mut changed = b.clone().into_bytes();
            let value = prefix.len() + "\"RequestId\":\"".len()..prefix.len() + "\"RequestId\":\"".len() + id_b.len();
            let i = flip.index(changed.len());
            prop_assume!(!value.contains(&i));
            changed[i] = if changed[i] == b'#' { b'%' } else { b'#' };
            let changed = String::from_utf8(changed).unwrap();
            prop_assert!(!same_answer(&a, &changed), "{a} vs {changed}");
        }
    }
}
