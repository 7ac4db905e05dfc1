//! `$ref` handling: collecting, resolving local references, the transitive schema closure, and
//! rewriting schema references between the 2.0 and 3.x layouts.

use std::collections::BTreeSet;

use serde_json::Value;

pub(crate) const V2_SCHEMA_PREFIX: &str = "#/definitions/";
pub(crate) const V3_SCHEMA_PREFIX: &str = "#/components/schemas/";

/// JSON-pointer escaping of one token (`~` → `~0`, `/` → `~1`).
pub(crate) fn escape_pointer_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

fn unescape_pointer_token(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// Every `$ref` string anywhere inside `value`. Iterative, so depth is never a stack problem.
pub(crate) fn collect_refs(value: &Value, out: &mut BTreeSet<String>) {
    let mut stack = vec![value];
    while let Some(current) = stack.pop() {
        match current {
            Value::Object(map) => {
                for (key, child) in map {
                    match (key.as_str(), child) {
                        ("$ref", Value::String(reference)) => {
                            out.insert(reference.clone());
                        }
                        _ => stack.push(child),
                    }
                }
            }
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
}

/// Resolves a local reference (`#/definitions/Pet`) inside the document; external ones are `None`.
pub(crate) fn resolve<'a>(raw: &'a Value, reference: &str) -> Option<&'a Value> {
    let pointer = reference.strip_prefix('#')?;
    if pointer.is_empty() { Some(raw) } else { raw.pointer(pointer) }
}

/// The schema name a local schema reference points at, in either layout.
pub(crate) fn schema_name(reference: &str) -> Option<String> {
    let token = reference.strip_prefix(V2_SCHEMA_PREFIX).or_else(|| reference.strip_prefix(V3_SCHEMA_PREFIX))?;
    // Only a direct child is a schema; `#/definitions/Pet/properties/id` still names Pet.
    let first = token.split('/').next().unwrap_or(token);
    Some(unescape_pointer_token(first))
}

/// Schemas reachable from `start` through local references of any kind (a parameter or response
/// reference that itself references schemas counts too).
pub(crate) fn schema_closure<'a>(raw: &Value, start: impl Iterator<Item = &'a str>) -> BTreeSet<String> {
    let mut schemas = BTreeSet::new();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut queue: Vec<String> = start.map(str::to_owned).collect();
    while let Some(reference) = queue.pop() {
        if !seen.insert(reference.clone()) {
            continue;
        }
        if let Some(name) = schema_name(&reference) {
            schemas.insert(name);
        }
        if let Some(target) = resolve(raw, &reference) {
            let mut found = BTreeSet::new();
            collect_refs(target, &mut found);
            queue.extend(found.into_iter().filter(|r| !seen.contains(r)));
        }
    }
    schemas
}

/// Rewrites every local schema reference inside `value` to use `to_prefix`.
pub(crate) fn rewrite_schema_refs(value: &mut Value, to_prefix: &str) {
    let mut stack = vec![value];
    while let Some(current) = stack.pop() {
        match current {
            Value::Object(map) => {
                for (key, child) in map.iter_mut() {
                    if key == "$ref" {
                        if let Value::String(reference) = child {
                            let rest = reference
                                .strip_prefix(V2_SCHEMA_PREFIX)
                                .or_else(|| reference.strip_prefix(V3_SCHEMA_PREFIX))
                                .map(str::to_owned);
                            if let Some(rest) = rest {
                                *reference = format!("{to_prefix}{rest}");
                            }
                        }
                    } else {
                        stack.push(child);
                    }
                }
            }
            Value::Array(items) => stack.extend(items.iter_mut()),
            _ => {}
        }
    }
}
