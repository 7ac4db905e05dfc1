//! [`Operation`]s and [`Schema`]s → a Swagger 2.0 or OpenAPI 3.0 document, JSON or YAML.
//!
//! Converts between the layouts (body parameter ↔ `requestBody`, `formData` ↔ form content,
//! `definitions` ↔ `components.schemas`). What the target cannot say (a cookie parameter in 2.0)
//! is left out and listed in [`Written::lossy`] rather than silently dropped.

use serde_json::ser::PrettyFormatter;
use serde_json::{Map, Value, json};

use super::refs::{V2_SCHEMA_PREFIX, V3_SCHEMA_PREFIX, rewrite_schema_refs};
use super::{Document, Format, MediaType, Operation, ParamLocation, Parameter, RequestBody, Schema};

/// The document family to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TargetVersion {
    Swagger2,
    OpenApi30,
}

impl TargetVersion {
    fn schema_prefix(self) -> &'static str {
        match self {
            TargetVersion::Swagger2 => V2_SCHEMA_PREFIX,
            TargetVersion::OpenApi30 => V3_SCHEMA_PREFIX,
        }
    }
}

/// What to write.
#[derive(Clone, Debug, Default)]
pub struct WriteSpec<'a> {
    pub title: &'a str,
    pub version: &'a str,
    pub description: Option<&'a str>,
    /// Written as 2.0 `host`, or into the 3.0 server URL.
    pub host: Option<&'a str>,
    pub base_path: &'a str,
    /// The original's 3.x `servers` or 2.0 `schemes`, as written: a document written back in
    /// its own family keeps them whole (every server, its variables), not only host and path.
    pub servers: Option<&'a Value>,
    pub schemes: Option<&'a Value>,
    pub operations: Vec<&'a Operation>,
    pub schemas: Vec<&'a Schema>,
}

impl<'a> WriteSpec<'a> {
    /// `operations` and `schemas` under `doc`'s own title, version, description, host and base
    /// path: a document written back, whole or in part.
    pub fn of_document(doc: &'a Document, operations: Vec<&'a Operation>, schemas: Vec<&'a Schema>) -> WriteSpec<'a> {
        WriteSpec {
            title: &doc.title,
            version: &doc.info_version,
            description: doc.description.as_deref(),
            host: doc.host.as_deref(),
            base_path: &doc.base_path,
            servers: doc.raw.get("servers").filter(|_| doc.version.is_v3()),
            schemes: doc.raw.get("schemes").filter(|_| !doc.version.is_v3()),
            operations,
            schemas,
        }
    }
}

/// A written document and the things the target version could not express.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Written {
    pub text: String,
    pub lossy: Vec<String>,
}

/// Builds the document and renders it (JSON with two-space indentation, or YAML).
pub fn write(spec: &WriteSpec<'_>, target: TargetVersion, format: Format) -> Result<Written, String> {
    let (value, lossy) = build(spec, target);
    Ok(Written { text: render(&value, format, "  ")?, lossy })
}

/// Writes the given operations of `doc` (by index) with exactly the schemas they reference.
///
/// This is the "retry spec": only the failed operations, and nothing they don't need.
pub fn write_subset(
    doc: &Document,
    operation_indices: &[usize],
    target: TargetVersion,
    format: Format,
) -> Result<Written, String> {
    let operations: Vec<&Operation> = operation_indices.iter().filter_map(|&i| doc.operations.get(i)).collect();
    let needed = doc.schema_closure(operations.iter().copied());
    let schemas = doc.schemas.iter().filter(|s| needed.contains(&s.name)).collect();
    write(&WriteSpec::of_document(doc, operations, schemas), target, format)
}

/// Serialises a document; `indent` applies to JSON only (Huawei's export uses a tab).
pub fn render(value: &Value, format: Format, indent: &str) -> Result<String, String> {
    match format {
        Format::Json => {
            let mut out = Vec::new();
            let formatter = PrettyFormatter::with_indent(indent.as_bytes());
            let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
            serde::Serialize::serialize(value, &mut serializer).map_err(|err| err.to_string())?;
            String::from_utf8(out).map_err(|err| err.to_string())
        }
        Format::Yaml => serde_yaml_ng::to_string(value).map_err(|err| err.to_string()),
    }
}

fn build(spec: &WriteSpec<'_>, target: TargetVersion) -> (Value, Vec<String>) {
    let mut lossy = Vec::new();
    let mut doc = Map::new();
    let mut info = Map::new();
    info.insert("title".into(), Value::from(spec.title));
    info.insert("version".into(), Value::from(spec.version));
    if let Some(description) = spec.description {
        info.insert("description".into(), Value::from(description));
    }
    match target {
        TargetVersion::Swagger2 => {
            doc.insert("swagger".into(), Value::from("2.0"));
            doc.insert("info".into(), Value::Object(info));
            if let Some(host) = spec.host {
                doc.insert("host".into(), Value::from(host));
            }
            if !spec.base_path.is_empty() {
                doc.insert("basePath".into(), Value::from(spec.base_path));
            }
            if let Some(schemes) = spec.schemes {
                doc.insert("schemes".into(), schemes.clone());
            }
        }
        TargetVersion::OpenApi30 => {
            doc.insert("openapi".into(), Value::from("3.0.3"));
            doc.insert("info".into(), Value::Object(info));
            let url = match spec.host {
                Some(host) => Some(format!("https://{host}{}", spec.base_path)),
                None if !spec.base_path.is_empty() => Some(spec.base_path.to_owned()),
                None => None,
            };
            if let Some(servers) = spec.servers {
                doc.insert("servers".into(), servers.clone());
            } else if let Some(url) = url {
                doc.insert("servers".into(), json!([{ "url": url }]));
            }
        }
    }

    let mut paths = Map::new();
    for op in &spec.operations {
        let item = paths.entry(op.path.clone()).or_insert_with(|| Value::Object(Map::new()));
        let Value::Object(item) = item else { continue };
        let method = op.method.to_ascii_lowercase();
        if item.contains_key(&method) {
            lossy.push(format!("duplicate operation {} left out", op.label()));
            continue;
        }
        let value = match target {
            TargetVersion::Swagger2 => operation_v2(op, &mut lossy),
            TargetVersion::OpenApi30 => operation_v3(op),
        };
        item.insert(method, value);
    }
    doc.insert("paths".into(), Value::Object(paths));

    if !spec.schemas.is_empty() {
        let schemas: Map<String, Value> = spec.schemas.iter().map(|s| (s.name.clone(), s.value.clone())).collect();
        match target {
            TargetVersion::Swagger2 => doc.insert("definitions".into(), Value::Object(schemas)),
            TargetVersion::OpenApi30 => doc.insert("components".into(), json!({ "schemas": schemas })),
        };
    }
    let mut value = Value::Object(doc);
    rewrite_schema_refs(&mut value, target.schema_prefix());
    (value, lossy)
}

/// Summary, description, tags, operationId — the same in both layouts.
fn common_fields(op: &Operation) -> Map<String, Value> {
    let mut out = Map::new();
    if !op.tags.is_empty() {
        out.insert("tags".into(), Value::from(op.tags.clone()));
    }
    if let Some(summary) = &op.summary {
        out.insert("summary".into(), Value::from(summary.as_str()));
    }
    if let Some(description) = &op.description {
        out.insert("description".into(), Value::from(description.as_str()));
    }
    if let Some(id) = &op.operation_id {
        out.insert("operationId".into(), Value::from(id.as_str()));
    }
    out
}

fn is_form(media_type: &str) -> bool {
    media_type.starts_with("application/x-www-form-urlencoded") || media_type.starts_with("multipart/form-data")
}

/// The schema of the first JSON-ish content, else the first content, else none.
fn preferred_schema(content: &[MediaType]) -> Option<&Value> {
    content.iter().find(|m| m.media_type.contains("json")).or_else(|| content.first()).and_then(|m| m.schema.as_ref())
}

/// The type keywords a 2.0 non-body parameter carries on itself.
fn v2_type_keywords(schema: Option<&Value>, is_file: bool, out: &mut Map<String, Value>) {
    if is_file {
        out.insert("type".into(), Value::from("file"));
        return;
    }
    let mut has_type = false;
    if let Some(Value::Object(schema)) = schema {
        for key in ["type", "format", "items", "enum", "default", "minimum", "maximum", "pattern"] {
            if let Some(value) = schema.get(key) {
                // 3.1 allows `type: [string, "null"]`; 2.0 wants one name.
                let value = match (key, value) {
                    ("type", Value::Array(names)) => {
                        names.iter().find(|n| n.as_str() != Some("null")).cloned().unwrap_or(Value::from("string"))
                    }
                    _ => value.clone(),
                };
                has_type |= key == "type";
                out.insert(key.into(), value);
            }
        }
    }
    if !has_type {
        out.insert("type".into(), Value::from("string"));
    }
}

fn operation_v2(op: &Operation, lossy: &mut Vec<String>) -> Value {
    let mut out = common_fields(op);
    let mut params = Vec::new();
    for p in &op.parameters {
        if p.location == ParamLocation::Cookie {
            lossy.push(format!("{}: cookie parameter `{}` has no Swagger 2.0 form", op.label(), p.name));
            continue;
        }
        let mut param = Map::new();
        param.insert("name".into(), Value::from(p.name.as_str()));
        param.insert("in".into(), Value::from(p.location.as_str()));
        if let Some(description) = &p.description {
            param.insert("description".into(), Value::from(description.as_str()));
        }
        param.insert("required".into(), Value::from(p.required || p.location == ParamLocation::Path));
        v2_type_keywords(p.schema.as_ref(), p.is_file, &mut param);
        params.push(Value::Object(param));
    }
    if let Some(body) = &op.request_body {
        if let Some(form) = body.content.iter().find(|m| is_form(&m.media_type)) {
            out.insert("consumes".into(), json!([form.media_type]));
            params.extend(form_fields_v2(form.schema.as_ref()));
        } else {
            if !body.content.is_empty() {
                let types: Vec<&str> = body.content.iter().map(|m| m.media_type.as_str()).collect();
                out.insert("consumes".into(), Value::from(types));
            }
            let mut param = Map::new();
            param.insert("name".into(), Value::from("body"));
            param.insert("in".into(), Value::from("body"));
            if let Some(description) = &body.description {
                param.insert("description".into(), Value::from(description.as_str()));
            }
            param.insert("required".into(), Value::from(body.required));
            param.insert("schema".into(), preferred_schema(&body.content).cloned().unwrap_or_else(|| json!({})));
            params.push(Value::Object(param));
        }
    }
    let mut produces: Vec<String> = Vec::new();
    let mut responses = Map::new();
    for r in &op.responses {
        let mut response = Map::new();
        response.insert("description".into(), Value::from(r.description.as_str()));
        if let Some(schema) = preferred_schema(&r.content) {
            response.insert("schema".into(), schema.clone());
        }
        for m in &r.content {
            if !produces.contains(&m.media_type) {
                produces.push(m.media_type.clone());
            }
        }
        responses.insert(r.status.clone(), Value::Object(response));
    }
    if !produces.is_empty() {
        out.insert("produces".into(), Value::from(produces));
    }
    if !params.is_empty() {
        out.insert("parameters".into(), Value::Array(params));
    }
    out.insert("responses".into(), responses_or_default(responses));
    if op.deprecated {
        out.insert("deprecated".into(), Value::Bool(true));
    }
    Value::Object(out)
}

/// A form body's object properties as 2.0 `formData` parameters.
fn form_fields_v2(schema: Option<&Value>) -> Vec<Value> {
    let Some(schema) = schema else { return Vec::new() };
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let Some(properties) = schema.get("properties").and_then(Value::as_object) else { return Vec::new() };
    properties
        .iter()
        .map(|(name, property)| {
            let mut param = Map::new();
            param.insert("name".into(), Value::from(name.as_str()));
            param.insert("in".into(), Value::from("formData"));
            param.insert("required".into(), Value::from(required.contains(&name.as_str())));
            let is_file = property.get("format").and_then(Value::as_str) == Some("binary");
            v2_type_keywords(Some(property), is_file, &mut param);
            Value::Object(param)
        })
        .collect()
}

fn responses_or_default(responses: Map<String, Value>) -> Value {
    if responses.is_empty() { json!({ "default": { "description": "response" } }) } else { Value::Object(responses) }
}

fn content_v3(content: &[MediaType]) -> Value {
    let map: Map<String, Value> = content
        .iter()
        .map(|m| {
            let media = match &m.schema {
                Some(schema) => json!({ "schema": schema }),
                None => json!({}),
            };
            (m.media_type.clone(), media)
        })
        .collect();
    Value::Object(map)
}

fn operation_v3(op: &Operation) -> Value {
    let mut out = common_fields(op);
    let mut params = Vec::new();
    let mut form: Vec<&Parameter> = Vec::new();
    for p in &op.parameters {
        if matches!(p.location, ParamLocation::FormData | ParamLocation::Body) {
            form.push(p);
            continue;
        }
        let mut param = Map::new();
        param.insert("name".into(), Value::from(p.name.as_str()));
        param.insert("in".into(), Value::from(p.location.as_str()));
        if let Some(description) = &p.description {
            param.insert("description".into(), Value::from(description.as_str()));
        }
        param.insert("required".into(), Value::from(p.required || p.location == ParamLocation::Path));
        param.insert("schema".into(), p.schema.clone().unwrap_or_else(|| json!({ "type": "string" })));
        params.push(Value::Object(param));
    }
    if !params.is_empty() {
        out.insert("parameters".into(), Value::Array(params));
    }
    let body = match &op.request_body {
        Some(body) => Some(body_v3(body)),
        None if !form.is_empty() => Some(form_body_v3(&form)),
        None => None,
    };
    if let Some(body) = body {
        out.insert("requestBody".into(), body);
    }
    let mut responses = Map::new();
    for r in &op.responses {
        let mut response = Map::new();
        response.insert("description".into(), Value::from(r.description.as_str()));
        if !r.content.is_empty() {
            response.insert("content".into(), content_v3(&r.content));
        }
        responses.insert(r.status.clone(), Value::Object(response));
    }
    out.insert("responses".into(), responses_or_default(responses));
    if op.deprecated {
        out.insert("deprecated".into(), Value::Bool(true));
    }
    Value::Object(out)
}

fn body_v3(body: &RequestBody) -> Value {
    let mut out = Map::new();
    if let Some(description) = &body.description {
        out.insert("description".into(), Value::from(description.as_str()));
    }
    if body.required {
        out.insert("required".into(), Value::Bool(true));
    }
    let content = if body.content.is_empty() {
        json!({ "application/json": { "schema": {} } })
    } else {
        content_v3(&body.content)
    };
    out.insert("content".into(), content);
    Value::Object(out)
}

/// 2.0 `formData` parameters as one form body.
fn form_body_v3(form: &[&Parameter]) -> Value {
    let media_type =
        if form.iter().any(|p| p.is_file) { "multipart/form-data" } else { "application/x-www-form-urlencoded" };
    let mut properties = Map::new();
    let mut required = Vec::new();
    for p in form {
        let schema = if p.is_file {
            json!({ "type": "string", "format": "binary" })
        } else {
            p.schema.clone().unwrap_or_else(|| json!({ "type": "string" }))
        };
        properties.insert(p.name.clone(), schema);
        if p.required {
            required.push(Value::from(p.name.as_str()));
        }
    }
    let mut schema = Map::new();
    schema.insert("type".into(), Value::from("object"));
    schema.insert("properties".into(), Value::Object(properties));
    if !required.is_empty() {
        schema.insert("required".into(), Value::Array(required));
    }
    json!({ "content": { media_type: { "schema": schema } } })
}
