//! One API or model of an import task, with its texts packed into a single allocation.
//!
//! A task can hold hundreds of thousands of subtasks, most of them with five or six short texts
//! (`GET`, `OVER`, an id, a name, a path). As separate `String`s each text costs 24 bytes inline
//! and a heap chunk of at least 32 bytes; packed, a subtask is 64 bytes inline plus one chunk
//! for all of its text. A long error message (a stack trace, often a kilobyte or more) keeps its
//! first [`MESSAGE_HEAD`] bytes plain, which is all a table row shows, and the rest
//! LZ4-compressed in a second chunk, decompressed only when the whole message is read: traces
//! repeat their frames, so that rest shrinks about 4x (issue 7, target 6: heap per subtask).

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{ApiError, ChangeAction, SubtaskKind, SubtaskState};

/// An error reported for a subtask: the provider's code and message, verbatim. Borrowed from
/// the subtask, except a message it keeps compressed, which is decompressed into an owned one.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct ApiErrorRef<'a> {
    /// Empty when the provider gives only a message (Alibaba items).
    pub code: &'a str,
    pub message: Cow<'a, str>,
}

impl<'a> ApiErrorRef<'a> {
    pub fn new(code: &'a str, message: &'a str) -> Self {
        ApiErrorRef { code, message: Cow::Borrowed(message) }
    }

    /// The message without the trailing newline some providers append (docs/protocols.md, quirk 3).
    pub fn trimmed_message(&self) -> &str {
        self.message.trim_end()
    }

    pub fn to_api_error(&self) -> ApiError {
        ApiError::new(self.code, &*self.message)
    }
}

impl<'a> From<&'a ApiError> for ApiErrorRef<'a> {
    fn from(error: &'a ApiError) -> Self {
        ApiErrorRef::new(&error.code, &error.message)
    }
}

/// A subtask's error as stored ([`Subtask::error_identity`]): to compare or hash, not to read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ErrorIdentity<'a> {
    has_error: bool,
    code: &'a str,
    head: &'a str,
    compressed_rest: Option<&'a [u8]>,
}

/// The texts of a subtask, borrowed: what [`Subtask::new`] packs and [`Subtask::text`] unpacks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SubtaskText<'a> {
    /// The provider's id of the API/model; empty when the provider gives none (Huawei failures).
    pub id: &'a str,
    pub name: &'a str,
    pub method: &'a str,
    pub path: &'a str,
    /// The provider's own status text (`OVER`, `FAIL`, `success`…), verbatim.
    pub raw_status: &'a str,
    pub error: Option<ApiErrorRef<'a>>,
}

impl SubtaskText<'_> {
    fn parts(&self) -> [&str; PARTS] {
        let (code, message) = self.error.as_ref().map_or(("", ""), |e| (e.code, &*e.message));
        [self.id, self.name, self.method, self.path, self.raw_status, code, message]
    }
}

/// id, name, method, path, raw status, error code, error message.
const PARTS: usize = 7;

/// How much of a long message stays plain: more than a table row's error cell shows, so drawing
/// never decompresses. Messages shorter than twice this ("Path exists", "Internal Error", a
/// one-line cause) stay plain whole.
pub const MESSAGE_HEAD: usize = 160;

/// Messages longer than this stay plain too. One such message is not what fills memory, and
/// decompressing it would slow the error viewer's opening (a 10 MB trace: ~11 -> ~18 ms, close to
/// target 7's 20 ms), which copies it once anyway.
const COMPRESS_UP_TO: usize = 1 << 20;

/// One API or model of an import task.
#[derive(Clone, PartialEq, Eq)]
pub struct Subtask {
    pub kind: SubtaskKind,
    pub state: SubtaskState,
    pub action: Option<ChangeAction>,
    /// Whether the error parts of `texts` are an error (an error may have an empty code and message).
    has_error: bool,
    /// Position of this item in the provider's own array, so its raw JSON can be found again
    /// on demand instead of being stored per subtask.
    pub raw_index: u32,
    /// Where each part but the last ends in `texts`; the last ends with it.
    ends: [u32; PARTS - 1],
    texts: Box<str>,
    /// The error message after its first [`MESSAGE_HEAD`] bytes, LZ4-compressed with its
    /// length in front, when that saves a quarter or more of it; the message part of `texts`
    /// then holds only the head.
    compressed_rest: Option<Box<[u8]>>,
}

impl Subtask {
    /// A subtask with no change action, at position 0 of the provider's array.
    #[expect(clippy::needless_pass_by_value, reason = "built in place at every call site; packing only reads it")]
    pub fn new(kind: SubtaskKind, state: SubtaskState, text: SubtaskText<'_>) -> Subtask {
        let Packed { ends, texts, compressed_rest } = pack(&text);
        Subtask {
            kind,
            state,
            action: None,
            has_error: text.error.is_some(),
            raw_index: 0,
            ends,
            texts,
            compressed_rest,
        }
    }

    /// The same subtask at `position` in the provider's array.
    #[must_use]
    pub fn at_index(self, position: u32) -> Subtask {
        Subtask { raw_index: position, ..self }
    }

    #[must_use]
    pub fn with_action(self, action: Option<ChangeAction>) -> Subtask {
        Subtask { action, ..self }
    }

    fn part(&self, index: usize) -> &str {
        let start = if index == 0 { 0 } else { self.ends[index - 1] as usize };
        let end = self.ends.get(index).map_or(self.texts.len(), |&end| end as usize);
        self.texts.get(start..end).unwrap_or_default()
    }

    /// All texts at once, borrowed.
    pub fn text(&self) -> SubtaskText<'_> {
        SubtaskText {
            id: self.id(),
            name: self.name(),
            method: self.method(),
            path: self.path(),
            raw_status: self.raw_status(),
            error: self.error(),
        }
    }

    /// The provider's id of the API/model; empty when the provider gives none (Huawei failures).
    pub fn id(&self) -> &str {
        self.part(0)
    }

    pub fn name(&self) -> &str {
        self.part(1)
    }

    pub fn method(&self) -> &str {
        self.part(2)
    }

    pub fn path(&self) -> &str {
        self.part(3)
    }

    /// What names it to a person: `GET /orders` for an API, else its name (a model has neither
    /// method nor path).
    pub fn label(&self) -> Cow<'_, str> {
        match (self.method(), self.path()) {
            (method, path) if !method.is_empty() && !path.is_empty() => Cow::Owned(format!("{method} {path}")),
            _ => Cow::Borrowed(self.name()),
        }
    }

    /// The provider's own status text (`OVER`, `FAIL`, `success`…), verbatim.
    pub fn raw_status(&self) -> &str {
        self.part(4)
    }

    /// The error, if any; a long message is decompressed (about 0.5 µs per kilobyte).
    pub fn error(&self) -> Option<ApiErrorRef<'_>> {
        self.has_error.then(|| ApiErrorRef { code: self.part(5), message: self.message() })
    }

    pub fn has_error(&self) -> bool {
        self.has_error
    }

    /// The start of the error message for a one-line preview, without decompressing: the whole
    /// message when it is kept plain, else its first [`MESSAGE_HEAD`] bytes followed by `…`.
    pub fn error_preview(&self) -> Cow<'_, str> {
        match self.compressed_rest {
            Some(_) => Cow::Owned(format!("{}…", self.part(6))),
            None => Cow::Borrowed(self.part(6)),
        }
    }

    /// The error code; empty when there is no error or it has only a message.
    pub fn error_code(&self) -> &str {
        if self.has_error { self.part(5) } else { "" }
    }

    /// The error message; empty when there is no error.
    pub fn error_message(&self) -> Cow<'_, str> {
        if self.has_error { self.message() } else { Cow::Borrowed("") }
    }

    /// Whether both have the same error, without decompressing either message.
    pub fn same_error(&self, other: &Subtask) -> bool {
        self.error_identity() == other.error_identity()
    }

    /// The error as it is stored: equal exactly when the errors are, since the same message
    /// always packs to the same bytes. Hashing it costs no decompression.
    pub fn error_identity(&self) -> ErrorIdentity<'_> {
        ErrorIdentity {
            has_error: self.has_error,
            code: self.part(5),
            head: self.part(6),
            compressed_rest: self.compressed_rest.as_deref(),
        }
    }

    fn message(&self) -> Cow<'_, str> {
        let head = self.part(6);
        let Some(compressed) = &self.compressed_rest else { return Cow::Borrowed(head) };
        // Both steps undo what `pack` did to a `&str`, so neither fails; if one ever did, the
        // head alone is shown rather than a panic in the middle of a frame.
        Cow::Owned(decompress_after(head, compressed).unwrap_or_else(|| head.to_owned()))
    }

    pub fn set_id(&mut self, id: impl AsRef<str>) {
        let packed = pack(&SubtaskText { id: id.as_ref(), ..self.text() });
        self.store(packed);
    }

    pub fn set_name(&mut self, name: impl AsRef<str>) {
        let packed = pack(&SubtaskText { name: name.as_ref(), ..self.text() });
        self.store(packed);
    }

    pub fn set_method(&mut self, method: impl AsRef<str>) {
        let packed = pack(&SubtaskText { method: method.as_ref(), ..self.text() });
        self.store(packed);
    }

    pub fn set_path(&mut self, path: impl AsRef<str>) {
        let packed = pack(&SubtaskText { path: path.as_ref(), ..self.text() });
        self.store(packed);
    }

    pub fn set_raw_status(&mut self, raw_status: impl AsRef<str>) {
        let packed = pack(&SubtaskText { raw_status: raw_status.as_ref(), ..self.text() });
        self.store(packed);
    }

    pub fn set_error(&mut self, code: impl AsRef<str>, message: impl AsRef<str>) {
        let error = Some(ApiErrorRef::new(code.as_ref(), message.as_ref()));
        let packed = pack(&SubtaskText { error, ..self.text() });
        self.store(packed);
        self.has_error = true;
    }

    pub fn clear_error(&mut self) {
        let packed = pack(&SubtaskText { error: None, ..self.text() });
        self.store(packed);
        self.has_error = false;
    }

    /// Setters pack the new texts while borrowing the old ones, then store them here.
    fn store(&mut self, packed: Packed) {
        self.ends = packed.ends;
        self.texts = packed.texts;
        self.compressed_rest = packed.compressed_rest;
    }
}

/// What [`pack`] makes of a subtask's texts.
struct Packed {
    /// Where each part but the last ends in `texts`.
    ends: [u32; PARTS - 1],
    /// All the parts one after the other, the message last unless it is compressed.
    texts: Box<str>,
    compressed_rest: Option<Box<[u8]>>,
}

fn pack(text: &SubtaskText<'_>) -> Packed {
    let mut parts = text.parts();
    let (head, compressed_rest) = split_and_compress(parts[PARTS - 1]);
    parts[PARTS - 1] = head;
    let mut texts = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    let mut ends = [0; PARTS - 1];
    for (end, part) in ends.iter_mut().zip(parts) {
        texts.push_str(part);
        // Saturates only past 4 GiB of text, which no response body reaches (provider::http
        // caps them at 16 MiB by default); a part past it then reads as empty, never panics.
        *end = u32::try_from(texts.len()).unwrap_or(u32::MAX);
    }
    texts.push_str(parts[PARTS - 1]);
    Packed { ends, texts: texts.into_boxed_str(), compressed_rest }
}

/// The plain head of a message and its compressed rest, if the message is long but not huge and
/// the rest shrinks by a quarter or more; else the whole message and nothing. The head serves as
/// LZ4's dictionary, so the rest's first frames can refer back to it.
fn split_and_compress(message: &str) -> (&str, Option<Box<[u8]>>) {
    if !(2 * MESSAGE_HEAD..=COMPRESS_UP_TO).contains(&message.len()) {
        return (message, None);
    }
    // `str::floor_char_boundary` needs Rust 1.91; a UTF-8 character is at most 4 bytes.
    let cut = (MESSAGE_HEAD - 3..=MESSAGE_HEAD).rev().find(|&i| message.is_char_boundary(i)).unwrap_or(0);
    let (head, rest) = message.split_at(cut);
    let compressed = lz4_flex::block::compress_prepend_size_with_dict(rest.as_bytes(), head.as_bytes());
    if compressed.len() * 4 <= rest.len() * 3 { (head, Some(compressed.into_boxed_slice())) } else { (message, None) }
}

/// `head` followed by the rest that [`split_and_compress`] compressed, decompressed in place
/// after it: a 10 MB message is written once, not decompressed and then copied.
fn decompress_after(head: &str, compressed: &[u8]) -> Option<String> {
    // `compress_prepend_size*` puts the uncompressed size first, as 4 little-endian bytes.
    let (size, body) = compressed.split_first_chunk::<4>()?;
    let size = usize::try_from(u32::from_le_bytes(*size)).ok()?;
    let mut bytes = Vec::with_capacity(head.len() + size);
    bytes.extend_from_slice(head.as_bytes());
    bytes.resize(head.len() + size, 0);
    let written = lz4_flex::block::decompress_into_with_dict(body, &mut bytes[head.len()..], head.as_bytes()).ok()?;
    bytes.truncate(head.len() + written);
    String::from_utf8(bytes).ok()
}

/// Shows the packed texts as the fields they are, not as offsets into one string.
#[expect(clippy::missing_fields_in_debug, reason = "`ends`, `texts` and `has_error` are shown unpacked")]
impl fmt::Debug for Subtask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subtask")
            .field("kind", &self.kind)
            .field("id", &self.id())
            .field("name", &self.name())
            .field("method", &self.method())
            .field("path", &self.path())
            .field("state", &self.state)
            .field("raw_status", &self.raw_status())
            .field("action", &self.action)
            .field("error", &self.error())
            .field("raw_index", &self.raw_index)
            .finish()
    }
}

/// The serde shape of a subtask (`--json` and the saved snapshots), unchanged from when its
/// texts were separate `String`s. Borrows from the input where it can, so reading a saved
/// snapshot allocates once per subtask.
#[derive(Serialize, Deserialize)]
struct SubtaskRecord<'a> {
    kind: SubtaskKind,
    #[serde(borrow)]
    id: Cow<'a, str>,
    #[serde(borrow)]
    name: Cow<'a, str>,
    #[serde(borrow)]
    method: Cow<'a, str>,
    #[serde(borrow)]
    path: Cow<'a, str>,
    state: SubtaskState,
    #[serde(borrow)]
    raw_status: Cow<'a, str>,
    action: Option<ChangeAction>,
    #[serde(borrow)]
    error: Option<ErrorRecord<'a>>,
}

#[derive(Serialize, Deserialize)]
struct ErrorRecord<'a> {
    #[serde(borrow)]
    code: Cow<'a, str>,
    #[serde(borrow)]
    message: Cow<'a, str>,
}

impl Serialize for Subtask {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let text = self.text();
        SubtaskRecord {
            kind: self.kind,
            id: Cow::Borrowed(text.id),
            name: Cow::Borrowed(text.name),
            method: Cow::Borrowed(text.method),
            path: Cow::Borrowed(text.path),
            state: self.state,
            raw_status: Cow::Borrowed(text.raw_status),
            action: self.action,
            error: text.error.map(|e| ErrorRecord { code: Cow::Borrowed(e.code), message: e.message }),
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Subtask {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let record = SubtaskRecord::deserialize(deserializer)?;
        let text = SubtaskText {
            id: &record.id,
            name: &record.name,
            method: &record.method,
            path: &record.path,
            raw_status: &record.raw_status,
            error: record.error.as_ref().map(|e| ApiErrorRef::new(&e.code, &e.message)),
        };
        Ok(Subtask { action: record.action, ..Subtask::new(record.kind, record.state, text) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_label_is_method_and_path_for_an_api_and_the_name_for_a_model() {
        let api = Subtask::new(SubtaskKind::Api, SubtaskState::Failed, text("a1", None));
        assert_eq!(api.label(), "GET /pets/{id}");
        let model = Subtask::new(
            SubtaskKind::Model,
            SubtaskState::Failed,
            SubtaskText { method: "", path: "", name: "Money", ..text("m1", None) },
        );
        assert_eq!(model.label(), "Money");
    }

    fn text<'a>(id: &'a str, message: Option<&'a str>) -> SubtaskText<'a> {
        SubtaskText {
            id,
            name: "listPets",
            method: "GET",
            path: "/pets/{id}",
            raw_status: "FAIL",
            error: message.map(|m| ApiErrorRef::new("APIG.3201", m)),
        }
    }

    #[test]
    fn every_part_reads_back_as_it_was_packed() {
        let sub = Subtask::new(SubtaskKind::Api, SubtaskState::Failed, text("api-1", Some("Path exists\n")));
        assert_eq!(sub.text(), text("api-1", Some("Path exists\n")));
        assert_eq!(
            (sub.id(), sub.name(), sub.method(), sub.path(), sub.raw_status()),
            ("api-1", "listPets", "GET", "/pets/{id}", "FAIL")
        );
        assert_eq!(sub.error().unwrap().trimmed_message(), "Path exists");
    }

    #[test]
    fn an_empty_error_is_still_an_error_and_no_error_is_none() {
        let empty = Subtask::new(
            SubtaskKind::Api,
            SubtaskState::Failed,
            SubtaskText { error: Some(ApiErrorRef::default()), ..SubtaskText::default() },
        );
        assert_eq!(empty.error(), Some(ApiErrorRef::new("", "")));
        let none = Subtask::new(SubtaskKind::Api, SubtaskState::Failed, SubtaskText::default());
        assert_eq!(none.error(), None);
        assert_ne!(empty, none);
    }

    #[test]
    fn parts_keep_their_boundaries_when_texts_are_empty_or_multibyte() {
        let sub = Subtask::new(
            SubtaskKind::Model,
            SubtaskState::Succeeded,
            SubtaskText { name: "宠物", raw_status: "OVER", ..SubtaskText::default() },
        );
        assert_eq!((sub.id(), sub.name(), sub.method(), sub.path(), sub.raw_status()), ("", "宠物", "", "", "OVER"));
        // Same concatenation, different boundaries: not equal.
        let shifted = Subtask::new(
            SubtaskKind::Model,
            SubtaskState::Succeeded,
            SubtaskText { name: "宠物OVER", ..SubtaskText::default() },
        );
        assert_ne!(sub, shifted);
    }

    #[test]
    fn setters_change_one_part_and_keep_the_rest() {
        let mut sub = Subtask::new(SubtaskKind::Api, SubtaskState::Failed, text("api-1", None));
        sub.raw_index = 7;
        sub.set_error("E1", String::from("boom"));
        sub.set_path("/a/much/longer/path");
        sub.set_id("");
        assert_eq!(
            sub.text(),
            SubtaskText {
                id: "",
                path: "/a/much/longer/path",
                error: Some(ApiErrorRef::new("E1", "boom")),
                ..text("", None)
            }
        );
        assert_eq!((sub.raw_index, sub.state), (7, SubtaskState::Failed));
        sub.clear_error();
        assert_eq!(sub.error(), None);
    }

    #[test]
    fn the_serde_shape_is_that_of_separate_fields_and_reads_back() {
        let mut sub = Subtask::new(SubtaskKind::Api, SubtaskState::Succeeded, text("a\"1", Some("line\nnext")));
        sub.action = Some(ChangeAction::Update);
        let json = serde_json::to_value(&sub).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "kind": "api", "id": "a\"1", "name": "listPets", "method": "GET", "path": "/pets/{id}",
                "state": "succeeded", "raw_status": "FAIL", "action": "update",
                "error": {"code": "APIG.3201", "message": "line\nnext"}
            })
        );
        let back: Subtask = serde_json::from_str(&json.to_string()).unwrap();
        assert_eq!(back, sub);
        let no_error: Subtask = serde_json::from_value(serde_json::json!({
            "kind": "model", "id": "", "name": "Pet", "method": "", "path": "",
            "state": "waiting", "raw_status": "", "action": null, "error": null
        }))
        .unwrap();
        assert_eq!((no_error.name(), no_error.error()), ("Pet", None));
    }

    #[test]
    fn a_subtask_is_64_bytes_inline() {
        assert_eq!(std::mem::size_of::<Subtask>(), 64);
    }

    /// A Java stack trace of about `len` bytes: frames that differ only in their numbers.
    fn trace(len: usize) -> String {
        use std::fmt::Write as _;
        let mut s = String::from("java.lang.IllegalStateException: Path /pets conflicts with API 42\n");
        for frame in 0.. {
            if s.len() >= len {
                break;
            }
            let _ = writeln!(s, "\tat com.example.importer.Stage{frame}.run(Importer.java:{})", 100 + frame);
        }
        s
    }

    #[test]
    fn a_long_repetitive_message_is_kept_compressed_and_reads_back_whole() {
        let message = trace(1500);
        let sub = Subtask::new(SubtaskKind::Api, SubtaskState::Failed, text("api-1", Some(&message)));
        let compressed = sub.compressed_rest.as_ref().map_or(usize::MAX, |c| c.len());
        assert!(compressed * 3 < message.len(), "{compressed} B for {} B", message.len());
        assert_eq!(sub.error_message(), message);
        assert_eq!(sub.error().unwrap(), ApiErrorRef::new("APIG.3201", &message));
        assert_eq!(sub.text(), text("api-1", Some(&message)));
        assert_eq!(sub.name(), "listPets", "the other parts are untouched");
    }

    #[test]
    fn the_preview_is_the_plain_head_of_a_long_message_and_a_short_message_whole() {
        let long = format!("é{}", trace(1000));
        let sub = Subtask::new(SubtaskKind::Api, SubtaskState::Failed, text("api-1", Some(&long)));
        let preview = sub.error_preview();
        let head = preview.strip_suffix('…').unwrap();
        assert!(long.starts_with(head) && (MESSAGE_HEAD - 3..=MESSAGE_HEAD).contains(&head.len()), "{head:?}");
        let short = Subtask::new(SubtaskKind::Api, SubtaskState::Failed, text("api-1", Some("Path exists\n")));
        assert!(matches!(short.error_preview(), Cow::Borrowed("Path exists\n")));
        assert!(!Subtask::new(SubtaskKind::Api, SubtaskState::Failed, text("x", None)).has_error());
    }

    #[test]
    fn short_huge_or_incompressible_messages_stay_plain() {
        let short = "Path /pets conflicts with API 42: remove one of them and import again.";
        // 400 printable characters from xorshift64: nothing repeats for LZ4 to refer back to.
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let noise: String = (0..400)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                char::from(b'!' + u8::try_from(state >> 58).unwrap())
            })
            .collect();
        let huge = trace(COMPRESS_UP_TO + 1);
        for message in [short, noise.as_str(), huge.as_str()] {
            let sub = Subtask::new(SubtaskKind::Api, SubtaskState::Failed, text("api-1", Some(message)));
            assert!(sub.compressed_rest.is_none(), "{} B", message.len());
            assert!(matches!(sub.error_message(), Cow::Borrowed(m) if m == message));
        }
    }

    #[test]
    fn same_error_compares_packed_messages_without_reading_them() {
        let (a, b) = (trace(900), trace(1200));
        let failed = |m: &str| Subtask::new(SubtaskKind::Api, SubtaskState::Failed, text("x", Some(m)));
        assert!(failed(&a).same_error(&failed(&a)));
        assert!(!failed(&a).same_error(&failed(&b)));
        assert!(!failed(&a).same_error(&failed("short")));
        let none = Subtask::new(SubtaskKind::Api, SubtaskState::Failed, text("x", None));
        assert!(!none.same_error(&failed("")), "an empty error is still an error");
        assert!(none.same_error(&none.clone()));
    }

    #[test]
    fn setters_and_serde_keep_a_compressed_rest() {
        let message = trace(2000);
        let mut sub = Subtask::new(SubtaskKind::Api, SubtaskState::Failed, text("api-1", Some(&message)));
        sub.set_path("/other");
        assert_eq!((sub.path(), sub.error_message().as_ref()), ("/other", message.as_str()));
        let json = serde_json::to_string(&sub).unwrap();
        assert!(json.contains("Importer.java:110"), "the saved shape holds the message as text");
        let back: Subtask = serde_json::from_str(&json).unwrap();
        assert_eq!(back, sub);
        assert!(back.compressed_rest.is_some());
    }

    proptest::proptest! {
        /// Whatever the message, plain or compressed, it reads back byte for byte.
        #[test]
        fn any_message_reads_back(message in "([a-c\\n\\t é]{0,40}|Stage[0-9]{1,3}\\.run\\(Importer\\.java\\)){0,60}") {
            let sub = Subtask::new(SubtaskKind::Model, SubtaskState::Failed, text("m", Some(&message)));
            proptest::prop_assert_eq!(sub.error_message(), message.as_str());
            proptest::prop_assert_eq!(sub.path(), "/pets/{id}");
        }
    }
}
