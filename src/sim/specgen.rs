//! Synthetic specs of any size (the `generate` option of a scenario task), so a 10,000-operation
//! import needs no multi-megabyte file in the repository.

use serde_json::{Map, Value, json};

use super::scenario::GenerateSpec;

const RESOURCES: &[&str] = &[
    "accounts",
    "orders",
    "invoices",
    "shipments",
    "products",
    "customers",
    "tickets",
    "devices",
    "sensors",
    "reports",
    "payments",
    "refunds",
    "coupons",
    "vehicles",
    "drivers",
    "routes",
    "alerts",
    "projects",
    "tasks",
    "comments",
];

/// A Swagger 2.0 JSON document with `spec.operations` operations: five per resource (list,
/// create, get, update, delete), one model per resource, and the problems the spec asks for.
pub(crate) fn generate(spec: &GenerateSpec) -> String {
    let mut paths = Map::new();
    let mut definitions = Map::new();
    let mut made = 0usize;
    let mut resource = 0usize;
    while made < spec.operations {
        let base = RESOURCES[resource % RESOURCES.len()];
        let round = resource / RESOURCES.len();
        let name = if round == 0 { base.to_owned() } else { format!("{base}{round}") };
        let model = format!("{}{}", capitalised(&name), "Record");
        definitions.insert(
            model.clone(),
            json!({"type": "object", "properties": {"id": {"type": "string"}, "name": {"type": "string"},
                   "updatedAt": {"type": "string", "format": "date-time"}}}),
        );
        let reference = json!({ "$ref": format!("#/definitions/{model}") });
        let collection = format!("/{name}");
        let item = format!("/{name}/{{id}}");
        let ops: [(&str, &str, &str); 5] = [
            (&collection, "get", "list"),
            (&collection, "post", "create"),
            (&item, "get", "get"),
            (&item, "put", "update"),
            (&item, "delete", "delete"),
        ];
        for (path, method, verb) in ops {
            if made == spec.operations {
                break;
            }
            made += 1;
            let mut parameters = Vec::new();
            let mut path = path.to_owned();
            if path.contains("{id}") {
                parameters.push(json!({"name": "id", "in": "path", "required": true, "type": "string"}));
            }
            if spec.duplicate_every.is_some_and(|n| n > 0 && made.is_multiple_of(n)) && path.contains("{id}") {
                // The same route as the operation above it, under another template name.
                path = path.replace("{id}", "{recordId}");
                parameters = vec![json!({"name": "recordId", "in": "path", "required": true, "type": "string"})];
            }
            if spec.cookie_every.is_some_and(|n| n > 0 && made.is_multiple_of(n)) {
                parameters.push(json!({"name": "session", "in": "cookie", "type": "string"}));
            }
            if method == "post" || method == "put" {
                parameters.push(json!({"name": "body", "in": "body", "required": true, "schema": reference.clone()}));
            }
            let op = json!({
                "operationId": format!("{verb}{}{made}", capitalised(&name)),
                "summary": format!("{verb} {name}"),
                "parameters": parameters,
                "responses": {"200": {"description": "OK", "schema": reference.clone()}},
            });
            let entry = paths.entry(path).or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(entry) = entry {
                // A duplicate that lands on an existing method keeps the first definition.
                entry.entry(method.to_owned()).or_insert(op);
            }
        }
        resource += 1;
    }
    let title = spec.title.clone().unwrap_or_else(|| format!("Generated API ({} operations)", spec.operations));
    let doc = json!({
        "swagger": "2.0",
        "info": {"title": title, "version": "1.0.0"},
        "basePath": "/gen",
        "paths": paths,
        "definitions": definitions,
    });
    doc.to_string()
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().collect::<String>() + chars.as_str()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generates_the_requested_size() {
        let text = generate(&GenerateSpec { operations: 1003, title: None, duplicate_every: None, cookie_every: None });
        let doc = crate::openapi::parse(&text, "gen").unwrap();
        assert_eq!(doc.operations.len(), 1003);
        assert_eq!(doc.schemas.len(), 201);
    }

    #[test]
    fn problems_are_sprinkled() {
        let spec =
            GenerateSpec { operations: 100, title: Some("T".into()), duplicate_every: Some(7), cookie_every: Some(10) };
        let doc = crate::openapi::parse(&generate(&spec), "gen").unwrap();
        assert_eq!(doc.title, "T");
        let cookies = doc
            .operations
            .iter()
            .filter(|op| op.parameters.iter().any(|p| p.location == crate::openapi::ParamLocation::Cookie))
            .count();
        assert_eq!(cookies, 10);
        assert!(doc.operations.iter().any(|op| op.path.contains("{recordId}")));
    }
}
