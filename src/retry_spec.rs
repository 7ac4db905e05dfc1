//! The retry spec: from a finished import and the spec it imported, an OpenAPI document that
//! holds only the operations that failed (or were cancelled) and the schemas they need, plus the
//! models that failed on their own — so a user can fix and re-import just those.
//!
//! Pure: takes the task snapshot and the parsed original, returns the text. Same family (2.0 →
//! 2.0, 3.x → 3.0) as the original, with its servers (or host, basePath and schemes) kept; JSON
//! or YAML as asked, else as the original.
//!
//! It refuses a spec that does not look like the one the task imported (fewer than half of the
//! failed subtasks found in it), unless forced: re-importing another API's operations over a
//! group with `--overwrite` replaces APIs that had nothing to do with the failure.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use crate::domain::{SubtaskKind, Task};
use crate::openapi::{Document, Format, SpecVersion, TargetVersion, WriteSpec, write};

/// How to build a retry spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RetryOptions {
    /// JSON or YAML; `None` writes the original's format.
    pub format: Option<Format>,
    /// Write even when most failed subtasks are not in the spec.
    pub force: bool,
}

/// How many missing subtasks an error lists by name.
const LISTED: usize = 10;

/// The document and what went into it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetrySpec {
    pub text: String,
    /// Operations included (`GET /pets`).
    pub operations: Vec<String>,
    /// Schemas included.
    pub schemas: Vec<String>,
    /// Failed subtasks that match nothing in the spec (it is not the spec that was imported?).
    pub unmatched: Vec<String>,
    /// What the target version could not express (see `openapi::write`).
    pub lossy: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RetrySpecError {
    #[error("the task has no failed or cancelled subtasks: there is nothing to retry")]
    NothingFailed,
    #[error(
        "none of the {0} failed subtasks matches an operation or schema of the spec: is it the spec this task imported?"
    )]
    NoMatch(usize),
    /// Most failed subtasks are not in the spec; `missing` names the first few.
    #[error(
        "only {matched} of the {total} failed subtasks are in the spec, so it does not look like the spec this task \
         imported (not found: {}); pass --force to write a retry spec of the {matched} that are",
        list(.missing, .total - .matched)
    )]
    TooFewMatch { matched: usize, total: usize, missing: Vec<String> },
    #[error("cannot write the retry spec: {0}")]
    Write(String),
}

fn list(missing: &[String], count: usize) -> String {
    let mut text =
        missing.iter().take(LISTED).map(|m| crate::sanitize::line(m).into_owned()).collect::<Vec<_>>().join(", ");
    if count > LISTED {
        let _ = write!(text, " and {} more", count - LISTED);
    }
    text
}

/// Whether a subtask path (`/v2/pets/{id}` on Huawei, which prefixes the base path) names the
/// spec's operation path (`/pets/{id}`).
fn same_route(doc: &Document, method: &str, path: &str, op_method: &str, op_path: &str) -> bool {
    if !method.eq_ignore_ascii_case(op_method) {
        return false;
    }
    let base = doc.base_path.trim_end_matches('/');
    path == op_path || (!base.is_empty() && path.strip_prefix(base) == Some(op_path))
}

/// Builds the retry spec of `task` from `doc`, the spec it imported.
pub fn build(task: &Task, doc: &Document, options: RetryOptions) -> Result<RetrySpec, RetrySpecError> {
    let problems: Vec<_> = task.subtasks.iter().filter(|s| s.state.is_problem()).collect();
    if problems.is_empty() {
        return Err(RetrySpecError::NothingFailed);
    }
    let mut operation_indices: BTreeSet<usize> = BTreeSet::new();
    let mut failed_models: Vec<&str> = Vec::new();
    let mut unmatched = Vec::new();
    for subtask in &problems {
        match subtask.kind {
            SubtaskKind::Api => {
                let found = doc
                    .operations
                    .iter()
                    .position(|op| same_route(doc, subtask.method(), subtask.path(), &op.method, &op.path));
                match found {
                    Some(index) => {
                        operation_indices.insert(index);
                    }
                    None => unmatched.push(format!("{} {}", subtask.method(), subtask.path())),
                }
            }
            SubtaskKind::Model => match doc.schema(subtask.name()) {
                Some(schema) => failed_models.push(&schema.name),
                None => unmatched.push(format!("model {}", subtask.name())),
            },
        }
    }
    if operation_indices.is_empty() && failed_models.is_empty() {
        return Err(RetrySpecError::NoMatch(problems.len()));
    }
    let matched = problems.len() - unmatched.len();
    if matched * 2 < problems.len() && !options.force {
        return Err(RetrySpecError::TooFewMatch { matched, total: problems.len(), missing: unmatched });
    }
    let operations: Vec<_> = operation_indices.iter().filter_map(|&i| doc.operations.get(i)).collect();
    let mut needed = doc.schema_closure(operations.iter().copied());
    needed.extend(doc.schema_closure_of(&failed_models));
    let schemas = doc.schemas.iter().filter(|s| needed.contains(&s.name)).collect();
    let spec = WriteSpec::of_document(doc, operations.clone(), schemas);
    let target = if doc.version == SpecVersion::Swagger2 { TargetVersion::Swagger2 } else { TargetVersion::OpenApi30 };
    let written = write(&spec, target, options.format.unwrap_or(doc.format)).map_err(RetrySpecError::Write)?;
    Ok(RetrySpec {
        text: written.text,
        operations: operations.iter().map(|op| op.label()).collect(),
        schemas: needed.into_iter().collect(),
        unmatched,
        lossy: written.lossy,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ApiErrorRef, SubtaskText};
    use crate::domain::{Subtask, SubtaskState, TaskKind, TaskRef, TaskState};
    use crate::openapi;

    const SPEC: &str = r##"
swagger: "2.0"
info: { title: Pets, version: "1.0" }
basePath: /v2
paths:
  /pets:
    get:
      operationId: listPets
      responses: { "200": { description: ok, schema: { type: array, items: { $ref: "#/definitions/Pet" } } } }
    post:
      operationId: addPet
      parameters: [ { in: body, name: body, schema: { $ref: "#/definitions/NewPet" } } ]
      responses: { "200": { description: ok } }
  /stores:
    get:
      operationId: listStores
      responses: { "200": { description: ok, schema: { $ref: "#/definitions/Store" } } }
definitions:
  Pet: { type: object, properties: { id: { type: integer }, tag: { $ref: "#/definitions/Tag" } } }
  Tag: { type: object, properties: { name: { type: string } } }
  NewPet: { type: object, properties: { name: { type: string } } }
  Store: { type: object }
  Money: { type: object, properties: { currency: { $ref: "#/definitions/Currency" } } }
  Currency: { type: string }
"##;

    fn sub(kind: SubtaskKind, method: &str, path: &str, name: &str, state: SubtaskState) -> Subtask {
        Subtask::new(
            kind,
            state,
            SubtaskText {
                name,
                method,
                path,
                error: state.is_problem().then(|| ApiErrorRef::new("X", "failed")),
                ..SubtaskText::default()
            },
        )
    }

    fn task(subtasks: Vec<Subtask>) -> Task {
        let task_ref: TaskRef = "aliyun://cn-hangzhou/x".parse().unwrap();
        Task::new(task_ref, TaskKind::Import, TaskState::PartiallyFailed, "Finished").with_subtasks(subtasks)
    }

    #[test]
    fn only_failed_operations_their_schemas_and_failed_models_are_kept() {
        let doc = openapi::parse(SPEC, "pets.yaml").unwrap();
        let t = task(vec![
            sub(SubtaskKind::Api, "GET", "/pets", "listPets", SubtaskState::Failed),
            // Huawei prefixes the base path.
            sub(SubtaskKind::Api, "POST", "/v2/pets", "", SubtaskState::Cancelled),
            sub(SubtaskKind::Api, "GET", "/stores", "listStores", SubtaskState::Succeeded),
            sub(SubtaskKind::Model, "", "", "Money", SubtaskState::Failed),
            sub(SubtaskKind::Api, "GET", "/nowhere", "", SubtaskState::Failed),
        ]);
        let retry = build(&t, &doc, RetryOptions::default()).unwrap();
        assert_eq!(retry.operations, ["GET /pets", "POST /pets"]);
        assert_eq!(retry.schemas, ["Currency", "Money", "NewPet", "Pet", "Tag"]);
        assert_eq!(retry.unmatched, ["GET /nowhere"]);
        let back = openapi::parse(&retry.text, "retry.yaml").unwrap();
        assert_eq!(back.version, SpecVersion::Swagger2);
        assert_eq!(back.format, doc.format);
        assert_eq!(back.operations.len(), 2);
        assert!(back.schema("Store").is_none(), "a schema only succeeded operations use is left out");
        assert_eq!(back.base_path, "/v2");
    }

    #[test]
    fn nothing_failed_or_nothing_matching_is_an_error() {
        let doc = openapi::parse(SPEC, "pets.yaml").unwrap();
        let ok = task(vec![sub(SubtaskKind::Api, "GET", "/pets", "", SubtaskState::Succeeded)]);
        assert_eq!(build(&ok, &doc, RetryOptions::default()).unwrap_err(), RetrySpecError::NothingFailed);
        let foreign = task(vec![sub(SubtaskKind::Api, "GET", "/elsewhere", "", SubtaskState::Failed)]);
        assert_eq!(build(&foreign, &doc, RetryOptions::default()).unwrap_err(), RetrySpecError::NoMatch(1));
    }

    #[test]
    fn a_spec_that_holds_few_of_the_failures_is_refused_unless_forced() {
        let doc = openapi::parse(SPEC, "pets.yaml").unwrap();
        let t = task(vec![
            sub(SubtaskKind::Api, "GET", "/pets", "", SubtaskState::Failed),
            sub(SubtaskKind::Api, "GET", "/orders", "", SubtaskState::Failed),
            sub(SubtaskKind::Api, "POST", "/orders", "", SubtaskState::Failed),
        ]);
        let err = build(&t, &doc, RetryOptions::default()).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("only 1 of the 3") && text.contains("GET /orders, POST /orders"), "{text}");
        assert!(text.contains("--force"), "{text}");
        let forced = build(&t, &doc, RetryOptions { force: true, ..RetryOptions::default() }).unwrap();
        assert_eq!(forced.operations, ["GET /pets"]);
        assert_eq!(forced.unmatched, ["GET /orders", "POST /orders"]);
    }

    #[test]
    fn servers_and_the_asked_format_are_kept() {
        let v3 = "openapi: 3.0.3\ninfo: { title: Fleet, version: '1' }\nservers:\n  - url: https://fleet.example.com/api/v2\n    description: prod\n  - url: https://{region}.fleet.example.com/api/v2\n    variables: { region: { default: eu } }\npaths:\n  /cars:\n    get: { responses: { '200': { description: ok } } }\n";
        let doc = openapi::parse(v3, "fleet.yaml").unwrap();
        let t = task(vec![sub(SubtaskKind::Api, "GET", "/api/v2/cars", "", SubtaskState::Failed)]);
        let retry = build(&t, &doc, RetryOptions { format: Some(Format::Json), ..RetryOptions::default() }).unwrap();
        let back = openapi::parse(&retry.text, "retry.json").unwrap();
        assert_eq!(back.format, Format::Json, "the format asked for");
        assert_eq!(back.raw["servers"], doc.raw["servers"], "every server, host and variables included");
        let same = build(&t, &doc, RetryOptions::default()).unwrap();
        assert_eq!(openapi::parse(&same.text, "r").unwrap().format, Format::Yaml, "else the original's");
    }
}
