//! One API or model of an import task, with its texts packed into a single allocation.
//!
//! A task can hold hundreds of thousands of subtasks, most of them with five or six short texts
//! (`GET`, `OVER`, an id, a name, a path). As separate `String`s each text costs 24 bytes inline
//! and a heap chunk of at least 32 bytes; packed, a subtask is 48 bytes inline plus one chunk
//! for all of its text (issue 7, target 6: heap per subtask and peak RSS).

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{ApiError, ChangeAction, SubtaskKind, SubtaskState};

/// An error reported for a subtask, borrowed from it: the provider's code and message, verbatim.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct ApiErrorRef<'a> {
    /// Empty when the provider gives only a message (Alibaba items).
    pub code: &'a str,
    pub message: &'a str,
}

impl<'a> ApiErrorRef<'a> {
    pub fn new(code: &'a str, message: &'a str) -> Self {
        ApiErrorRef { code, message }
    }

    /// The message without the trailing newline some providers append (cloud-apis.md quirk 3).
    pub fn trimmed_message(&self) -> &'a str {
        self.message.trim_end()
    }

    pub fn to_api_error(self) -> ApiError {
        ApiError::new(self.code, self.message)
    }
}

impl<'a> From<&'a ApiError> for ApiErrorRef<'a> {
    fn from(error: &'a ApiError) -> Self {
        ApiErrorRef { code: &error.code, message: &error.message }
    }
}

/// The texts of a subtask, borrowed: what [`Subtask::new`] packs and [`Subtask::text`] unpacks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
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
        let error = self.error.unwrap_or_default();
        [self.id, self.name, self.method, self.path, self.raw_status, error.code, error.message]
    }
}

/// id, name, method, path, raw status, error code, error message.
const PARTS: usize = 7;

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
}

impl Subtask {
    /// A subtask with no change action, at position 0 of the provider's array.
    pub fn new(kind: SubtaskKind, state: SubtaskState, text: SubtaskText<'_>) -> Subtask {
        let (ends, texts) = pack(&text);
        Subtask { kind, state, action: None, has_error: text.error.is_some(), raw_index: 0, ends, texts }
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

    /// The provider's own status text (`OVER`, `FAIL`, `success`…), verbatim.
    pub fn raw_status(&self) -> &str {
        self.part(4)
    }

    pub fn error(&self) -> Option<ApiErrorRef<'_>> {
        self.has_error.then(|| ApiErrorRef { code: self.part(5), message: self.part(6) })
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
    fn store(&mut self, (ends, texts): Packed) {
        self.ends = ends;
        self.texts = texts;
    }
}

/// Where each part but the last ends, and all the parts one after the other.
type Packed = ([u32; PARTS - 1], Box<str>);

fn pack(text: &SubtaskText<'_>) -> Packed {
    let parts = text.parts();
    let mut texts = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    let mut ends = [0; PARTS - 1];
    for (end, part) in ends.iter_mut().zip(parts) {
        texts.push_str(part);
        // Saturates only past 4 GiB of text, which no response body reaches (provider::http
        // caps them at 16 MiB by default); a part past it then reads as empty, never panics.
        *end = u32::try_from(texts.len()).unwrap_or(u32::MAX);
    }
    texts.push_str(parts[PARTS - 1]);
    (ends, texts.into_boxed_str())
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
            error: text.error.map(|e| ErrorRecord { code: Cow::Borrowed(e.code), message: Cow::Borrowed(e.message) }),
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
        assert_eq!(sub.error().map(|e| e.trimmed_message()), Some("Path exists"));
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
    fn a_subtask_is_48_bytes_inline() {
        assert_eq!(std::mem::size_of::<Subtask>(), 48);
    }
}
