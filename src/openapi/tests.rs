//! Parser, closure and writer tests on small inline documents.

use super::*;

const V2_JSON: &str = r##"{
  "swagger": "2.0",
  "info": { "title": "Pets", "version": "1.0.0", "description": "这个API用于查询" },
  "host": "pets.example.com",
  "basePath": "/v2/",
  "consumes": ["application/json"],
  "produces": ["application/json"],
  "paths": {
    "/pets/{petId}": {
      "parameters": [ { "$ref": "#/parameters/PetId" } ],
      "get": {
        "operationId": "getPet",
        "summary": "Find a pet",
        "tags": ["pet"],
        "responses": {
          "200": { "description": "ok", "schema": { "$ref": "#/definitions/Pet" } },
          "404": { "$ref": "#/responses/NotFound" }
        }
      },
      "post": {
        "operationId": "uploadImage",
        "consumes": ["multipart/form-data"],
        "parameters": [
          { "name": "file", "in": "formData", "type": "file", "required": true },
          { "name": "note", "in": "formData", "type": "string" }
        ],
        "responses": { "200": { "description": "ok" } }
      }
    },
    "/pets": {
      "put": {
        "operationId": "updatePet",
        "parameters": [ { "name": "body", "in": "body", "required": true, "schema": { "$ref": "#/definitions/Pet" } } ],
        "responses": { "200": { "description": "ok" } }
      }
    }
  },
  "parameters": { "PetId": { "name": "petId", "in": "path", "required": true, "type": "integer", "format": "int64" } },
  "responses": { "NotFound": { "description": "missing", "schema": { "$ref": "#/definitions/Error" } } },
  "definitions": {
    "Pet": { "type": "object", "properties": { "id": { "type": "integer" }, "category": { "$ref": "#/definitions/Category" }, "tags": { "type": "array", "items": { "$ref": "#/definitions/Tag" } } } },
    "Category": { "type": "object", "properties": { "name": { "type": "string" } } },
    "Tag": { "type": "object", "properties": { "name": { "type": "string" } } },
    "Error": { "type": "object", "properties": { "code": { "type": "integer" } } },
    "Unused": { "type": "string" }
  }
}"##;

const V3_YAML: &str = r"openapi: 3.0.3
info:
  title: Orders
  version: 2.1
servers:
  - url: https://api.example.com/shop/v1
paths:
  /orders:
    post:
      operationId: createOrder
      parameters:
        - name: session
          in: cookie
          schema: { type: string }
        - $ref: '#/components/parameters/Trace'
      requestBody:
        $ref: '#/components/requestBodies/OrderBody'
      responses:
        201:
          description: created
          content:
            application/json:
              schema: { $ref: '#/components/schemas/Order' }
  /orders/{id}:
    get:
      operationId: getOrder
      parameters:
        - { name: id, in: path, required: true, schema: { type: string } }
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: { $ref: '#/components/schemas/Order' }
components:
  parameters:
    Trace:
      name: X-Trace
      in: header
      schema: { $ref: '#/components/schemas/TraceId' }
  requestBodies:
    OrderBody:
      required: true
      content:
        application/json:
          schema: { $ref: '#/components/schemas/NewOrder' }
  schemas:
    TraceId: { type: string }
    NewOrder:
      type: object
      properties:
        lines: { type: array, items: { $ref: '#/components/schemas/Line' } }
    Order:
      allOf:
        - $ref: '#/components/schemas/NewOrder'
        - type: object
          properties: { id: { type: string } }
    Line: { type: object, properties: { sku: { type: string } } }
    Orphan: { type: integer }
";

fn op<'a>(doc: &'a Document, label: &str) -> &'a Operation {
    doc.operations.iter().find(|o| o.label() == label).unwrap_or_else(|| panic!("no operation {label}"))
}

#[test]
fn parses_swagger2_json() {
    let doc = parse(V2_JSON, "pets.json").unwrap();
    assert_eq!(doc.version, SpecVersion::Swagger2);
    assert_eq!(doc.format, Format::Json);
    assert_eq!(doc.version_text, "2.0");
    assert_eq!(doc.title, "Pets");
    assert_eq!(doc.description.as_deref(), Some("这个API用于查询"));
    assert_eq!(doc.base_path, "/v2");
    assert_eq!(doc.host.as_deref(), Some("pets.example.com"));
    let labels: Vec<String> = doc.operations.iter().map(Operation::label).collect();
    assert_eq!(labels, ["GET /pets/{petId}", "POST /pets/{petId}", "PUT /pets"]);

    let get = op(&doc, "GET /pets/{petId}");
    assert_eq!(get.operation_id.as_deref(), Some("getPet"));
    assert_eq!(get.tags, ["pet"]);
    assert_eq!(get.pointer, "/paths/~1pets~1{petId}/get");
    assert_eq!(get.parameters.len(), 1, "path-level $ref parameter is inherited and resolved");
    assert_eq!(get.parameters[0].name, "petId");
    assert_eq!(get.parameters[0].location, ParamLocation::Path);
    assert_eq!(get.parameters[0].schema, Some(serde_json::json!({"type": "integer", "format": "int64"})));
    assert_eq!(get.responses.len(), 2);
    assert_eq!(get.responses[1].description, "missing", "response $ref resolved");
    assert!(get.refs.contains("#/definitions/Pet") && get.refs.contains("#/parameters/PetId"));

    let upload = op(&doc, "POST /pets/{petId}");
    let file = upload.parameters.iter().find(|p| p.name == "file").unwrap();
    assert_eq!(file.location, ParamLocation::FormData);
    assert!(file.is_file && file.required);

    let put = op(&doc, "PUT /pets");
    assert!(put.parameters.is_empty(), "the body parameter becomes the request body");
    let body = put.request_body.as_ref().unwrap();
    assert!(body.required);
    assert_eq!(body.content[0].media_type, "application/json");
    assert_eq!(
        doc.schemas.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
        ["Pet", "Category", "Tag", "Error", "Unused"]
    );
}

#[test]
fn parses_openapi30_yaml_with_refs_everywhere() {
    let doc = parse(V3_YAML, "orders.yaml").unwrap();
    assert_eq!(doc.version, SpecVersion::OpenApi30);
    assert_eq!(doc.format, Format::Yaml);
    assert_eq!(doc.info_version, "2.1", "an unquoted YAML number still reads as the version text");
    assert_eq!(doc.base_path, "/shop/v1");
    let create = op(&doc, "POST /orders");
    let locations: Vec<ParamLocation> = create.parameters.iter().map(|p| p.location).collect();
    assert_eq!(locations, [ParamLocation::Cookie, ParamLocation::Header]);
    assert_eq!(create.parameters[1].name, "X-Trace");
    let body = create.request_body.as_ref().unwrap();
    assert!(body.required, "requestBody $ref resolved");
    assert_eq!(create.responses[0].status, "201", "integer YAML keys become strings");
    assert_eq!(doc.schemas.len(), 5);
}

#[test]
fn parses_openapi31_without_paths() {
    let text = "openapi: 3.1.0\ninfo: { title: Hooks, version: '1' }\nwebhooks: {}\n";
    let doc = parse(text, "hooks.yaml").unwrap();
    assert_eq!(doc.version, SpecVersion::OpenApi31);
    assert!(doc.operations.is_empty());
    let text = "{\"openapi\": \"3.1.0\", \"info\": {\"title\": \"T\", \"version\": \"1\"}, \"paths\": {\"/a\": {\"get\": {\"responses\": {}}}}}";
    assert_eq!(parse(text, "a.json").unwrap().operations.len(), 1);
}

#[test]
fn ref_closure_is_transitive_and_crosses_parameter_and_body_refs() {
    let doc = parse(V2_JSON, "pets.json").unwrap();
    let get = doc.operations.iter().position(|o| o.label() == "GET /pets/{petId}").unwrap();
    let names: Vec<String> = doc.operation_schemas(get).into_iter().collect();
    assert_eq!(names, ["Category", "Error", "Pet", "Tag"]);
    let upload = doc.operations.iter().position(|o| o.label() == "POST /pets/{petId}").unwrap();
    assert!(doc.operation_schemas(upload).is_empty());

    let doc = parse(V3_YAML, "orders.yaml").unwrap();
    let names: Vec<String> = doc.operation_schemas(0).into_iter().collect();
    assert_eq!(names, ["Line", "NewOrder", "Order", "TraceId"]);
    let all = doc.schema_closure(&doc.operations);
    assert!(!all.contains("Orphan"));
}

#[test]
fn json_syntax_errors_carry_file_line_and_column() {
    let text = "{\n  \"swagger\": \"2.0\",\n  \"info\": { \"title\": \"x\" \"version\": \"1\" }\n}";
    let err = parse(text, "broken.json").unwrap_err();
    assert_eq!(err.kind, ErrorKind::Syntax);
    assert_eq!(err.line, Some(3));
    assert!(err.column.is_some());
    let shown = err.to_string();
    assert!(shown.starts_with("broken.json:3:"), "{shown}");
    assert!(!shown.contains("at line"), "location is not repeated: {shown}");
}

#[test]
fn yaml_errors_carry_line_numbers() {
    let text = "openapi: 3.0.0\ninfo:\n  title: x\n  version: '1'\npaths:\n  /a:\n    get:\n      parameters: [ { name: q, in: query } \n";
    let err = parse(text, "bad.yaml").unwrap_err();
    assert_eq!(err.kind, ErrorKind::Syntax);
    assert!(err.line.unwrap() >= 8, "{err}");

    let missing_paths = "openapi: 3.0.0\ninfo:\n  title: x\n  version: '1'\n";
    let err = parse(missing_paths, "nopaths.yaml").unwrap_err();
    assert_eq!(err.kind, ErrorKind::Invalid);
    assert!(err.message.contains("missing field `paths`"), "{err}");
    assert!(err.line.is_some());

    let wrong_type = "swagger: '2.0'\ninfo:\n  title: x\n  version: '1'\npaths:\n  /a:\n    get:\n      tags: 5\n";
    let err = parse(wrong_type, "tags.yaml").unwrap_err();
    assert_eq!(err.kind, ErrorKind::Invalid);
    assert_eq!(err.line, Some(8), "{err}");
}

#[test]
fn parameter_without_location_is_reported_at_its_line() {
    let text = "{\n\"swagger\": \"2.0\",\n\"info\": {\"title\": \"t\", \"version\": \"1\"},\n\"paths\": {\"/a\": {\"get\": {\n\"parameters\": [\n{\"name\": \"q\"}\n],\n\"responses\": {}}}}\n}";
    let err = parse(text, "p.json").unwrap_err();
    assert_eq!(err.kind, ErrorKind::Invalid);
    assert!(err.message.contains("parameter `q` has no `in`"), "{err}");
    assert_eq!(err.line, Some(6), "{err}");

    let text = text.replace("{\"name\": \"q\"}", "{\"name\": \"q\", \"in\": \"matrix\"}");
    let err = parse(&text, "p.json").unwrap_err();
    assert!(err.message.contains("unknown location `in: matrix`"), "{err}");
}

#[test]
fn not_openapi_and_unsupported_versions() {
    let err = parse("{\"name\": \"package.json\"}", "package.json").unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotOpenApi);
    assert_eq!(err.line, Some(1));
    let err = parse("- a\n- b\n", "list.yaml").unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotOpenApi);
    assert!(err.message.contains("an array"));

    let err = parse("info:\n  title: x\nopenapi: 4.0.0\npaths: {}\n", "v4.yaml").unwrap_err();
    assert_eq!(err.kind, ErrorKind::UnsupportedVersion);
    assert_eq!(err.line, Some(3));
    assert!(err.message.contains("4.0.0"));
    let err = parse("{\"swagger\": \"1.2\", \"info\": {}}", "old.json").unwrap_err();
    assert_eq!(err.kind, ErrorKind::UnsupportedVersion);

    let doc = parse("swagger: 2.0\ninfo: {title: t, version: '1'}\npaths: {}\n", "float.yaml").unwrap();
    assert_eq!(doc.version, SpecVersion::Swagger2, "unquoted 2.0 is accepted");
}

#[test]
fn unresolvable_refs_name_the_operation() {
    let text = V2_JSON.replace("#/parameters/PetId", "#/parameters/Nope");
    let err = parse(&text, "pets.json").unwrap_err();
    assert!(err.message.contains("GET /pets/{petId}") && err.message.contains("#/parameters/Nope"), "{err}");
}

type OpSummary = (String, Option<String>, Vec<(String, ParamLocation)>, bool);

fn summary(doc: &Document) -> Vec<OpSummary> {
    doc.operations
        .iter()
        .map(|o| {
            (
                o.label(),
                o.operation_id.clone(),
                o.parameters.iter().map(|p| (p.name.clone(), p.location)).collect(),
                o.request_body.is_some(),
            )
        })
        .collect()
}

#[test]
fn writer_round_trips_within_and_across_versions() {
    let doc = parse(V2_JSON, "pets.json").unwrap();
    let spec = WriteSpec::of_document(&doc, doc.operations.iter().collect(), doc.schemas.iter().collect());
    for format in [Format::Json, Format::Yaml] {
        let written = write(&spec, TargetVersion::Swagger2, format).unwrap();
        assert!(written.lossy.is_empty());
        let again = parse(&written.text, "again").unwrap();
        assert_eq!(again.format, format);
        assert_eq!(summary(&again), summary(&doc));
        assert_eq!(again.schemas, doc.schemas);
        assert_eq!(again.base_path, "/v2");
    }

    let v3 = write(&spec, TargetVersion::OpenApi30, Format::Yaml).unwrap();
    let v3 = parse(&v3.text, "v3").unwrap();
    assert_eq!(v3.version, SpecVersion::OpenApi30);
    assert_eq!(v3.base_path, "/v2");
    let upload = op(&v3, "POST /pets/{petId}");
    let names: Vec<&str> = upload.parameters.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["petId"], "formData became a multipart body");
    assert_eq!(upload.request_body.as_ref().unwrap().content[0].media_type, "multipart/form-data");
    let names: Vec<String> = v3.operation_schemas(0).into_iter().collect();
    assert_eq!(names, ["Category", "Error", "Pet", "Tag"], "refs were rewritten to components");
    assert!(!serde_json::to_string(&v3.raw).unwrap().contains("#/definitions/"));

    let back = write(
        &WriteSpec { operations: v3.operations.iter().collect(), schemas: v3.schemas.iter().collect(), ..spec.clone() },
        TargetVersion::Swagger2,
        Format::Json,
    )
    .unwrap();
    let back = parse(&back.text, "back").unwrap();
    assert_eq!(summary(&back), summary(&doc), "2.0 → 3.0 → 2.0 keeps every operation and parameter");
}

#[test]
fn writing_cookies_to_swagger2_is_reported_as_lossy() {
    let doc = parse(V3_YAML, "orders.yaml").unwrap();
    let written = write_subset(&doc, &[0], TargetVersion::Swagger2, Format::Json).unwrap();
    assert_eq!(written.lossy.len(), 1);
    assert!(written.lossy[0].contains("session"));
    let back = parse(&written.text, "subset").unwrap();
    assert_eq!(back.operations.len(), 1);
    let names: Vec<&str> = back.schemas.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["TraceId", "NewOrder", "Order", "Line"], "only the closure, in document order");
}

#[test]
fn json_render_honours_the_indent() {
    let value = serde_json::json!({"a": {"b": 1}});
    assert_eq!(render(&value, Format::Json, "\t").unwrap(), "{\n\t\"a\": {\n\t\t\"b\": 1\n\t}\n}");
}

#[test]
fn route_keys_ignore_template_names_and_trailing_slashes() {
    assert_eq!(route_key("get", "/users/{id}"), route_key("GET", "/users/{userId}/"));
    assert_ne!(route_key("GET", "/users/{id}"), route_key("POST", "/users/{id}"));
    assert_ne!(route_key("GET", "/users"), route_key("GET", "/Users"));
    assert_eq!(route_key("GET", "/"), "GET /");
}

#[test]
fn yaml_messages_keep_context_positions_but_not_the_reported_one() {
    let text = "openapi: 3.0.0\ninfo:\n  title: x\n  version: '1'\npaths:\n  /a:\n    get: [unclosed\n";
    let err = parse(text, "b.yaml").unwrap_err();
    assert_eq!((err.line, err.column), (Some(8), Some(1)));
    assert_eq!(err.message, "did not find expected ',' or ']', while parsing a flow sequence at line 7 column 10");
}
