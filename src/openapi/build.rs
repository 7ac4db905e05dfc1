//! Text → [`Document`]: syntax pass, version detection, typed pass, then the model with every
//! parameter, request body and response `$ref` resolved.

use std::collections::BTreeSet;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::limits::{Refusal, SYNTAX_ERROR_LOOKAHEAD};
use super::raw::{OrderedMap, ParamFields, RawInfo, RawOperation, RawParameter, RawPathItem, RawV2, RawV3};
use super::refs::{collect_refs, escape_pointer_token, resolve};
use super::{
    Document, ErrorKind, Format, MediaType, OpenApiError, Operation, ParamLocation, Parameter, RequestBody, Response,
    Schema, SpecVersion,
};

/// How many `$ref` hops we follow before calling a chain circular.
const MAX_REF_HOPS: usize = 16;

pub(crate) fn parse(text: &str, source: &str) -> Result<Document, OpenApiError> {
    let text = text.trim_start_matches('\u{feff}');
    let format = Format::sniff(text);
    match super::limits::check(text, format, source) {
        Ok(()) => {}
        Err(Refusal::Limit(error)) => return Err(error),
        Err(Refusal::Syntax { error, byte }) => return Err(describe_yaml_syntax_error(text, byte, error)),
    }
    let raw: Value = match format {
        Format::Json => serde_json::from_str(text).map_err(|err| json_error(source, ErrorKind::Syntax, &err))?,
        Format::Yaml => serde_yaml_ng::from_str(text).map_err(|err| yaml_error(source, ErrorKind::Syntax, &err))?,
    };
    let Some(top) = raw.as_object() else {
        return Err(OpenApiError::new(
            source,
            ErrorKind::NotOpenApi,
            format!("not an OpenAPI document: the top level is {}, not an object", describe(&raw)),
        )
        .at(1, 1));
    };
    let (version, version_text) = detect_version(top, text, source)?;
    let ctx = Ctx { source, raw: &raw, version };
    let mut doc = match version {
        SpecVersion::Swagger2 => {
            let v2: RawV2 = typed(text, format, source)?;
            ctx.build_v2(v2)?
        }
        SpecVersion::OpenApi30 => {
            let v3: RawV3<OrderedMap<RawPathItem>> = typed(text, format, source)?;
            ctx.build_v3(v3.info, &v3.servers, &v3.paths, v3.components.unwrap_or_default().schemas)?
        }
        SpecVersion::OpenApi31 => {
            let v3: RawV3<Option<OrderedMap<RawPathItem>>> = typed(text, format, source)?;
            ctx.build_v3(
                v3.info,
                &v3.servers,
                &v3.paths.unwrap_or_default(),
                v3.components.unwrap_or_default().schemas,
            )?
        }
    };
    doc.format = format;
    doc.version_text = version_text;
    doc.raw = raw;
    Ok(doc)
}

/// libyaml's words for a syntax error saphyr found (they name where the enclosing collection
/// began), read from a prefix that ends just past the error; saphyr's own when libyaml, given that
/// prefix, sees no error.
fn describe_yaml_syntax_error(text: &str, byte: usize, saphyr: OpenApiError) -> OpenApiError {
    let mut end = (byte + SYNTAX_ERROR_LOOKAHEAD).min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    match serde_yaml_ng::from_str::<Value>(&text[..end]) {
        Err(err) => yaml_error(&saphyr.source_name, ErrorKind::Syntax, &err),
        Ok(_) => saphyr,
    }
}

fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "empty",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn detect_version(top: &Map<String, Value>, text: &str, source: &str) -> Result<(SpecVersion, String), OpenApiError> {
    let version_of = |key: &str| -> Option<String> {
        top.get(key).map(|v| match v {
            Value::String(s) => s.clone(),
            // `swagger: 2.0` unquoted is a YAML float; accept it the way most tools do.
            Value::Number(n) => n.as_f64().map_or_else(|| n.to_string(), |f| format!("{f:.1}")),
            other => other.to_string(),
        })
    };
    let located = |key: &str, err: OpenApiError| match find_key(text, key) {
        Some((line, column)) => err.at(line, column),
        None => err,
    };
    if let Some(text_version) = version_of("swagger") {
        if text_version == "2.0" {
            return Ok((SpecVersion::Swagger2, text_version));
        }
        let err = OpenApiError::new(
            source,
            ErrorKind::UnsupportedVersion,
            format!("unsupported Swagger version `{text_version}` (this parser reads 2.0, 3.0.x and 3.1.x)"),
        );
        return Err(located("swagger", err));
    }
    if let Some(text_version) = version_of("openapi") {
        let family = if text_version == "3.0" || text_version.starts_with("3.0.") {
            Some(SpecVersion::OpenApi30)
        } else if text_version == "3.1" || text_version.starts_with("3.1.") {
            Some(SpecVersion::OpenApi31)
        } else {
            None
        };
        if let Some(version) = family {
            return Ok((version, text_version));
        }
        let err = OpenApiError::new(
            source,
            ErrorKind::UnsupportedVersion,
            format!("unsupported OpenAPI version `{text_version}` (this parser reads 2.0, 3.0.x and 3.1.x)"),
        );
        return Err(located("openapi", err));
    }
    Err(OpenApiError::new(
        source,
        ErrorKind::NotOpenApi,
        "not an OpenAPI document: no top-level `swagger` (2.0) or `openapi` (3.x) field",
    )
    .at(1, 1))
}

/// Line and column of a top-level key, for errors about a value the typed pass cannot see.
fn find_key(text: &str, key: &str) -> Option<(usize, usize)> {
    let quoted = format!("\"{key}\"");
    text.lines().enumerate().find_map(|(index, line)| {
        let column = line.find(&quoted).or_else(|| line.starts_with(key).then_some(0))?;
        Some((index + 1, column + 1))
    })
}

fn typed<T: DeserializeOwned>(text: &str, format: Format, source: &str) -> Result<T, OpenApiError> {
    match format {
        Format::Json => serde_json::from_str(text).map_err(|err| json_error(source, ErrorKind::Invalid, &err)),
        Format::Yaml => serde_yaml_ng::from_str(text).map_err(|err| yaml_error(source, ErrorKind::Invalid, &err)),
    }
}

/// Both serde crates put " at line L column C" into the message; the location moves to the
/// front instead (other positions in the message, such as where a YAML sequence began, stay).
fn strip_location(message: &str, line: usize, column: usize) -> String {
    message.replacen(&format!(" at line {line} column {column}"), "", 1)
}

fn json_error(source: &str, kind: ErrorKind, err: &serde_json::Error) -> OpenApiError {
    let text = strip_location(&err.to_string(), err.line(), err.column());
    OpenApiError::new(source, kind, text).at(err.line(), err.column())
}

fn yaml_error(source: &str, kind: ErrorKind, err: &serde_yaml_ng::Error) -> OpenApiError {
    match err.location() {
        Some(at) => {
            let text = strip_location(&err.to_string(), at.line(), at.column());
            OpenApiError::new(source, kind, text).at(at.line(), at.column())
        }
        None => OpenApiError::new(source, kind, err.to_string()),
    }
}

struct Ctx<'a> {
    source: &'a str,
    raw: &'a Value,
    version: SpecVersion,
}

/// Media types a 2.0 operation consumes or produces, from the operation, the document, or JSON.
fn media_types(own: Option<&Vec<String>>, global: &[String]) -> Vec<String> {
    match own {
        Some(list) if !list.is_empty() => list.clone(),
        _ if !global.is_empty() => global.to_vec(),
        _ => vec!["application/json".to_owned()],
    }
}

fn normalise_base_path(path: &str) -> String {
    let trimmed = path.trim().trim_end_matches('/');
    if trimmed.is_empty() {
        String::new()
    } else if trimmed.starts_with('/') {
        trimmed.to_owned()
    } else {
        format!("/{trimmed}")
    }
}

/// The path part of a 3.x server URL (`https://h/v1` → `/v1`, `/v1` → `/v1`).
fn server_path(url: &str) -> String {
    let after_scheme = match url.find("://") {
        Some(index) => &url[index + 3..],
        None if url.starts_with('/') => return normalise_base_path(url),
        None => url,
    };
    match after_scheme.find('/') {
        Some(index) => normalise_base_path(&after_scheme[index..]),
        None => String::new(),
    }
}

impl Ctx<'_> {
    fn invalid(&self, message: String) -> OpenApiError {
        OpenApiError::new(self.source, ErrorKind::Invalid, message)
    }

    fn build_v2(&self, v2: RawV2) -> Result<Document, OpenApiError> {
        let mut operations = Vec::new();
        for (path, item) in &v2.paths.0 {
            for (method, op) in item.operations() {
                let consumes = media_types(op.consumes.as_ref(), &v2.consumes);
                let produces = media_types(op.produces.as_ref(), &v2.produces);
                operations.push(self.operation(path, item, method, op, &consumes, &produces)?);
            }
        }
        let schemas = v2.definitions.0.into_iter().map(|(name, value)| Schema { name, value }).collect();
        Ok(self.document(
            v2.info,
            v2.host,
            normalise_base_path(v2.base_path.as_deref().unwrap_or("")),
            operations,
            schemas,
        ))
    }

    fn build_v3(
        &self,
        info: RawInfo,
        servers: &[super::raw::RawServer],
        paths: &OrderedMap<RawPathItem>,
        schemas: OrderedMap<Value>,
    ) -> Result<Document, OpenApiError> {
        let mut operations = Vec::new();
        for (path, item) in &paths.0 {
            for (method, op) in item.operations() {
                operations.push(self.operation(path, item, method, op, &[], &[])?);
            }
        }
        let base_path = servers.first().map(|s| server_path(&s.url)).unwrap_or_default();
        let schemas = schemas.0.into_iter().map(|(name, value)| Schema { name, value }).collect();
        Ok(self.document(info, None, base_path, operations, schemas))
    }

    fn document(
        &self,
        info: RawInfo,
        host: Option<String>,
        base_path: String,
        operations: Vec<Operation>,
        schemas: Vec<Schema>,
    ) -> Document {
        Document {
            source: self.source.to_owned(),
            format: Format::Json,
            version: self.version,
            version_text: String::new(),
            title: info.title,
            info_version: info.version,
            description: info.description,
            host,
            base_path,
            operations,
            schemas,
            raw: Value::Null,
        }
    }

    fn operation(
        &self,
        path: &str,
        item: &RawPathItem,
        method: &str,
        op: &RawOperation,
        consumes: &[String],
        produces: &[String],
    ) -> Result<Operation, OpenApiError> {
        let pointer = format!("/paths/{}/{method}", escape_pointer_token(path));
        let label = format!("{} {path}", method.to_ascii_uppercase());
        let mut refs = BTreeSet::new();
        if let Some(op_value) = self.raw.pointer(&pointer) {
            collect_refs(op_value, &mut refs);
        }
        if let Some(path_params) = self.raw.pointer(&format!("/paths/{}/parameters", escape_pointer_token(path))) {
            collect_refs(path_params, &mut refs);
        }

        // Path-level parameters first; an operation parameter with the same name and location wins.
        let mut fields: Vec<ParamFields> = Vec::new();
        for raw in item.parameters.iter().chain(&op.parameters) {
            let resolved = self.resolve_parameter(raw, &label)?;
            fields.retain(|f| !(f.name == resolved.name && f.location == resolved.location));
            fields.push(resolved);
        }
        let mut parameters = Vec::new();
        let mut request_body = None;
        for f in fields {
            let name = f.name.clone().unwrap_or_default();
            let location = f.location.as_deref().and_then(ParamLocation::parse).unwrap_or(ParamLocation::Query);
            if location == ParamLocation::Body {
                request_body = Some(RequestBody {
                    description: f.description.clone(),
                    required: f.required,
                    content: consumes
                        .iter()
                        .map(|media_type| MediaType { media_type: media_type.clone(), schema: f.schema.clone() })
                        .collect(),
                });
                continue;
            }
            let is_file = f.param_type.as_deref() == Some("file");
            let schema = if self.version.is_v3() { f.schema.clone() } else { Some(v2_param_schema(&f)) };
            parameters.push(Parameter {
                name,
                location,
                required: f.required || location == ParamLocation::Path,
                description: f.description,
                schema,
                is_file,
            });
        }
        if let Some(body) = &op.request_body {
            request_body = Some(self.request_body(body, &label)?);
        }

        let mut responses = Vec::new();
        for (status, value) in op.responses.as_ref().map(|r| r.0.as_slice()).unwrap_or_default() {
            if status.starts_with("x-") {
                continue;
            }
            responses.push(self.response(status, value, produces, &label)?);
        }

        Ok(Operation {
            method: method.to_ascii_uppercase(),
            path: path.to_owned(),
            operation_id: op.operation_id.clone(),
            summary: op.summary.clone(),
            description: op.description.clone(),
            tags: op.tags.clone(),
            deprecated: op.deprecated,
            parameters,
            request_body,
            responses,
            refs,
            pointer,
        })
    }

    /// Follows a `$ref` chain to a value, with a message naming the operation when it breaks.
    fn follow<'v>(&'v self, mut value: &'v Value, label: &str) -> Result<&'v Value, OpenApiError> {
        for _ in 0..MAX_REF_HOPS {
            let Some(reference) = value.get("$ref").and_then(Value::as_str) else {
                return Ok(value);
            };
            value = resolve(self.raw, reference)
                .ok_or_else(|| self.invalid(format!("{label}: cannot resolve `$ref: {reference}`")))?;
        }
        Err(self.invalid(format!("{label}: `$ref` chain longer than {MAX_REF_HOPS} hops (circular?)")))
    }

    fn resolve_parameter(&self, raw: &RawParameter, label: &str) -> Result<ParamFields, OpenApiError> {
        match raw {
            RawParameter::Inline(fields) => Ok(fields.as_ref().clone()),
            RawParameter::Ref(reference) => {
                let target = resolve(self.raw, reference)
                    .ok_or_else(|| self.invalid(format!("{label}: cannot resolve `$ref: {reference}`")))?;
                let target = self.follow(target, label)?;
                match serde_json::from_value::<RawParameter>(target.clone()) {
                    Ok(RawParameter::Inline(fields)) => Ok(*fields),
                    Ok(RawParameter::Ref(_)) => Err(self.invalid(format!("{label}: `$ref: {reference}` loops"))),
                    Err(err) => Err(self.invalid(format!("{label}: parameter `{reference}`: {err}"))),
                }
            }
        }
    }

    fn request_body(&self, value: &Value, label: &str) -> Result<RequestBody, OpenApiError> {
        let body = self.follow(value, label)?;
        Ok(RequestBody {
            description: body.get("description").and_then(Value::as_str).map(str::to_owned),
            required: body.get("required").and_then(Value::as_bool).unwrap_or(false),
            content: content_of(body),
        })
    }

    fn response(
        &self,
        status: &str,
        value: &Value,
        produces: &[String],
        label: &str,
    ) -> Result<Response, OpenApiError> {
        let response = self.follow(value, label)?;
        let description = response.get("description").and_then(Value::as_str).unwrap_or_default().to_owned();
        let content = if self.version.is_v3() {
            content_of(response)
        } else {
            match response.get("schema") {
                Some(schema) => produces
                    .iter()
                    .map(|media_type| MediaType { media_type: media_type.clone(), schema: Some(schema.clone()) })
                    .collect(),
                None => Vec::new(),
            }
        };
        Ok(Response { status: status.to_owned(), description, content })
    }
}

/// 3.x `content` map → media types in document order.
fn content_of(object: &Value) -> Vec<MediaType> {
    object
        .get("content")
        .and_then(Value::as_object)
        .map(|content| {
            content
                .iter()
                .map(|(media_type, media)| MediaType {
                    media_type: media_type.clone(),
                    schema: media.get("schema").cloned(),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A 2.0 non-body parameter keeps its type keywords on itself; the model wants a schema.
fn v2_param_schema(f: &ParamFields) -> Value {
    if let Some(schema) = &f.schema {
        return schema.clone();
    }
    let mut schema = Map::new();
    let kind = match f.param_type.as_deref() {
        Some("file") | None => "string",
        Some(other) => other,
    };
    schema.insert("type".to_owned(), Value::from(kind));
    if f.param_type.as_deref() == Some("file") {
        schema.insert("format".to_owned(), Value::from("binary"));
    }
    let optional = [
        ("format", &f.format.clone().map(Value::from)),
        ("items", &f.items),
        ("enum", &f.enumeration),
        ("default", &f.default),
        ("minimum", &f.minimum),
        ("maximum", &f.maximum),
        ("pattern", &f.pattern),
    ];
    for (key, value) in optional {
        if let Some(value) = value {
            schema.entry(key.to_owned()).or_insert_with(|| value.clone());
        }
    }
    Value::Object(schema)
}
