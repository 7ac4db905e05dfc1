//! OpenAPI documents: Swagger 2.0 and OpenAPI 3.0/3.1, JSON or YAML, parsed into a typed model.
//!
//! Owns the document model, its parser (with file:line:column errors), the `$ref` closure of
//! operations, and the writer that produces a 2.0 or 3.0 document from a list of operations and
//! schemas (the simulator's export, and later a "retry only the failed operations" spec). Knows
//! nothing about clouds, the simulator or the UI; the only I/O is [`load`] reading one file.
//!
//! The parser deserialises the text twice: once into a [`serde_json::Value`] with key order
//! preserved (kept as [`Document::raw`], used to resolve `$ref`s), once into typed structs whose
//! serde errors carry the line and column of what is wrong. Neither pass is on a hot path.

mod build;
pub mod limits;
mod raw;
mod refs;
mod write;

use std::collections::BTreeSet;
use std::fmt;
use std::path::Path;

use serde::Serialize;
use serde_json::Value;

pub use write::{TargetVersion, WriteSpec, Written, render, write, write_subset};

/// Which OpenAPI family a document belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum SpecVersion {
    /// Swagger 2.0 (`swagger: "2.0"`).
    Swagger2,
    /// OpenAPI 3.0.x.
    OpenApi30,
    /// OpenAPI 3.1.x.
    OpenApi31,
}

impl SpecVersion {
    /// Whether schemas live under `components.schemas` (3.x) rather than `definitions` (2.0).
    pub fn is_v3(self) -> bool {
        !matches!(self, SpecVersion::Swagger2)
    }

    /// The prefix of a local schema `$ref` in this family.
    pub fn schema_ref_prefix(self) -> &'static str {
        if self.is_v3() { refs::V3_SCHEMA_PREFIX } else { refs::V2_SCHEMA_PREFIX }
    }
}

impl fmt::Display for SpecVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SpecVersion::Swagger2 => "Swagger 2.0",
            SpecVersion::OpenApi30 => "OpenAPI 3.0",
            SpecVersion::OpenApi31 => "OpenAPI 3.1",
        })
    }
}

/// The text syntax of a document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Format {
    Json,
    Yaml,
}

impl Format {
    /// JSON when the first non-blank character opens an object or array, YAML otherwise.
    ///
    /// JSON is also YAML, but serde_json gives sharper errors for it, so sniffing beats the file
    /// extension (the Alibaba `Data` field has none).
    pub fn sniff(text: &str) -> Format {
        match text.trim_start_matches('\u{feff}').trim_start().chars().next() {
            Some('{' | '[') => Format::Json,
            _ => Format::Yaml,
        }
    }
}

/// Where a parameter travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum ParamLocation {
    Path,
    Query,
    Header,
    Cookie,
    /// Swagger 2.0 `formData`.
    FormData,
    /// Swagger 2.0 `body`; only seen inside the parser, which turns it into a [`RequestBody`].
    Body,
}

impl ParamLocation {
    pub fn parse(text: &str) -> Option<ParamLocation> {
        Some(match text {
            "path" => ParamLocation::Path,
            "query" => ParamLocation::Query,
            "header" => ParamLocation::Header,
            "cookie" => ParamLocation::Cookie,
            "formData" => ParamLocation::FormData,
            "body" => ParamLocation::Body,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ParamLocation::Path => "path",
            ParamLocation::Query => "query",
            ParamLocation::Header => "header",
            ParamLocation::Cookie => "cookie",
            ParamLocation::FormData => "formData",
            ParamLocation::Body => "body",
        }
    }
}

impl fmt::Display for ParamLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One parameter of an operation, with any `$ref` already resolved.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Parameter {
    pub name: String,
    pub location: ParamLocation,
    pub required: bool,
    pub description: Option<String>,
    /// The 3.x `schema`, or for a 2.0 parameter its type keywords gathered into a schema.
    pub schema: Option<Value>,
    /// A 2.0 `type: file` form field: an upload, which gateways treat specially.
    pub is_file: bool,
}

/// A body media type and its schema.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MediaType {
    pub media_type: String,
    pub schema: Option<Value>,
}

/// The request body (3.x `requestBody`, or a 2.0 `in: body` parameter with the `consumes` types).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RequestBody {
    pub description: Option<String>,
    pub required: bool,
    pub content: Vec<MediaType>,
}

/// One response of an operation, `$ref` resolved.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Response {
    /// `200`, `4XX`, `default`…
    pub status: String,
    pub description: String,
    pub content: Vec<MediaType>,
}

/// One operation: a method on a path.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Operation {
    /// Uppercase (`GET`).
    pub method: String,
    /// The path as written under `paths`, without the base path.
    pub path: String,
    pub operation_id: Option<String>,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub tags: Vec<String>,
    pub deprecated: bool,
    /// Path-level parameters merged with the operation's own (the operation's win).
    pub parameters: Vec<Parameter>,
    pub request_body: Option<RequestBody>,
    pub responses: Vec<Response>,
    /// Every `$ref` string written directly in the operation (and its path-level parameters).
    pub refs: BTreeSet<String>,
    /// JSON pointer to the operation object inside [`Document::raw`].
    pub pointer: String,
}

impl Operation {
    /// `GET /pets`, for messages.
    pub fn label(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

/// A named schema (`definitions` in 2.0, `components.schemas` in 3.x).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Schema {
    pub name: String,
    pub value: Value,
}

/// A parsed OpenAPI document.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Document {
    /// The file name (or a label such as `ImportOAS Data`) used in messages.
    pub source: String,
    pub format: Format,
    pub version: SpecVersion,
    /// The version string as written (`2.0`, `3.0.3`, `3.1.0`).
    pub version_text: String,
    pub title: String,
    /// `info.version`.
    pub info_version: String,
    pub description: Option<String>,
    /// Swagger 2.0 `host`.
    pub host: Option<String>,
    /// 2.0 `basePath`, or the path of the first 3.x server URL; `""` when there is none.
    pub base_path: String,
    pub operations: Vec<Operation>,
    pub schemas: Vec<Schema>,
    /// The whole document as parsed, key order preserved.
    pub raw: Value,
}

impl Document {
    pub fn schema(&self, name: &str) -> Option<&Schema> {
        self.schemas.iter().find(|s| s.name == name)
    }

    /// Names of the schemas the given operations reference, transitively.
    pub fn schema_closure<'a>(&self, operations: impl IntoIterator<Item = &'a Operation>) -> BTreeSet<String> {
        refs::schema_closure(&self.raw, operations.into_iter().flat_map(|op| op.refs.iter().map(String::as_str)))
    }

    /// The named schemas plus everything they reference, transitively.
    pub fn schema_closure_of(&self, names: &[&str]) -> BTreeSet<String> {
        let prefix = self.version.schema_ref_prefix();
        let starts: Vec<String> =
            names.iter().map(|name| format!("{prefix}{}", refs::escape_pointer_token(name))).collect();
        refs::schema_closure(&self.raw, starts.iter().map(String::as_str))
    }

    /// Names of the schemas one operation references, transitively.
    pub fn operation_schemas(&self, index: usize) -> BTreeSet<String> {
        self.operations.get(index).map(|op| self.schema_closure([op])).unwrap_or_default()
    }
}

/// What kind of problem stopped the parse.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum ErrorKind {
    /// The file could not be read.
    Io,
    /// Not valid JSON/YAML.
    Syntax,
    /// Valid JSON/YAML, but neither `swagger` nor `openapi` at the top.
    NotOpenApi,
    /// `swagger`/`openapi` present with a version this parser does not support.
    UnsupportedVersion,
    /// A required field is missing or has the wrong type.
    Invalid,
}

/// Why a document could not be parsed: the file, where, and what.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct OpenApiError {
    pub source_name: String,
    pub kind: ErrorKind,
    /// 1-based, when known.
    pub line: Option<usize>,
    /// 1-based, when known.
    pub column: Option<usize>,
    pub message: String,
}

impl fmt::Display for OpenApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source_name)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        write!(f, ": {}", self.message)
    }
}

impl OpenApiError {
    pub(crate) fn new(source: &str, kind: ErrorKind, message: impl Into<String>) -> OpenApiError {
        OpenApiError { source_name: source.to_owned(), kind, line: None, column: None, message: message.into() }
    }

    pub(crate) fn at(mut self, line: usize, column: usize) -> OpenApiError {
        // serde reports 0 when it has no position; keep "unknown" rather than a bogus line 0.
        if line > 0 {
            self.line = Some(line);
            self.column = (column > 0).then_some(column);
        }
        self
    }
}

/// Parses a document from its text; `source` names it in errors.
pub fn parse(text: &str, source: &str) -> Result<Document, OpenApiError> {
    build::parse(text, source)
}

/// Reads and parses a file.
pub fn load(path: &Path) -> Result<Document, OpenApiError> {
    let text = limits::read_bounded(path)?;
    parse(&text, &path.display().to_string())
}

/// Gateways treat `/users/{id}` and `/users/{userId}/` as one route: templates and a trailing
/// slash do not distinguish paths.
pub fn route_key(method: &str, path: &str) -> String {
    let mut key = method.to_ascii_uppercase();
    key.push(' ');
    let trimmed = if path.len() > 1 { path.trim_end_matches('/') } else { path };
    let mut in_template = false;
    for ch in trimmed.chars() {
        match ch {
            '{' => {
                in_template = true;
                key.push_str("{}");
            }
            '}' => in_template = false,
            _ if in_template => {}
            _ => key.push(ch),
        }
    }
    key
}

#[cfg(test)]
mod tests;
