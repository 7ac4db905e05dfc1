//! The import rules, one problem at a time, on a small spec that has every problem.

use super::*;
use crate::openapi;
use crate::provider::rules::{generated_name, join_path};

const SPEC: &str = r##"{
  "swagger": "2.0",
  "info": {"title": "T", "version": "1"},
  "basePath": "/v1",
  "paths": {
    "/pets": {
      "get": {"operationId": "listPets", "responses": {"200": {"description": "ok", "schema": {"$ref": "#/definitions/Pet"}}}},
      "post": {"operationId": "createPet", "parameters": [{"name": "s", "in": "cookie", "type": "string"}], "responses": {}}
    },
    "/pets/{id}": {
      "get": {"operationId": "getPet", "parameters": [{"name": "id", "in": "path", "required": true, "type": "string"}], "responses": {}}
    },
    "/pets/{petId}/": {
      "get": {"operationId": "getPetAgain", "parameters": [{"name": "petId", "in": "path", "required": true, "type": "string"}], "responses": {}}
    },
    "/owners": {
      "get": {"operationId": "listPets", "responses": {}},
      "post": {"responses": {}}
    },
    "/upload": {
      "post": {"operationId": "upload", "consumes": ["multipart/form-data"], "parameters": [{"name": "f", "in": "formData", "type": "file"}], "responses": {}}
    }
  },
  "definitions": {"Pet": {"type": "object", "properties": {"tag": {"$ref": "#/definitions/Tag"}}}, "Tag": {"type": "object"}}
}"##;

fn behaviour() -> Resolved {
    Resolved {
        duration: None,
        queue: 2.0,
        internal_error_rate: 0.0,
        transient_error_rate: 0.0,
        stuck_waiting: 0,
        hostile: false,
        stall: None,
    }
}

fn plan(provider: ProviderKind, group: &mut Group, overwrite: bool, b: Resolved) -> Planned {
    let doc = openapi::parse(SPEC, "spec.json").unwrap();
    let rules =
        ImportRules { provider, doc: &doc, overwrite, behaviour: b, task_id: "t1", messages: None, other_groups: &[] };
    plan_items(&rules, group, Ids::new(1), 42)
}

fn outcome<'a>(planned: &'a Planned, name: &str) -> &'a Final {
    &planned.items.iter().find(|i| i.name == name).unwrap_or_else(|| panic!("no item {name}")).outcome
}

fn message(f: &Final) -> &str {
    match f {
        Final::Fail { message, .. } | Final::Cancel { message } => message,
        _ => panic!("not a failure: {f:?}"),
    }
}

#[test]
fn alibaba_rules_fail_each_problem_with_a_specific_message() {
    let mut group = Group::new("g1".into(), "pets".into(), "/v1".into());
    let planned = plan(ProviderKind::Aliyun, &mut group, false, behaviour());
    let models: Vec<&str> =
        planned.items.iter().filter(|i| i.kind == SubtaskKind::Model).map(|i| i.name.as_str()).collect();
    assert_eq!(models, ["Pet", "Tag"], "models come first");
    assert_eq!(*outcome(&planned, "listPets"), Final::Over(ChangeAction::Create));
    assert!(message(outcome(&planned, "createPet")).contains("[s] in [cookie]"));
    assert!(message(outcome(&planned, "upload")).contains("formData (file)"));
    assert!(message(outcome(&planned, "getPetAgain")).contains("already defined by API [getPet]"));
    let dup_name = planned.items.iter().find(|i| i.path == "/owners" && i.method == "GET").unwrap();
    assert!(message(&dup_name.outcome).contains("Duplicate API name [listPets]"));
    let generated = planned.items.iter().find(|i| i.path == "/owners" && i.method == "POST").unwrap();
    assert_eq!(generated.name, "OwnersUsingPOST");
    assert_eq!(planned.warnings.len(), 1);
    assert!(planned.warnings[0].contains("OwnersUsingPOST"));
    assert_eq!(group.apis.len(), 3, "only the successes enter the group");
    assert_eq!(group.models.len(), 2);
}

#[test]
fn existing_routes_conflict_unless_overwrite_and_failed_models_cancel_their_users() {
    let mut group = Group::new("g1".into(), "pets".into(), "/v1/".into());
    group.apis.push(GroupApi {
        id: "old".into(),
        name: "Legacy".into(),
        method: "GET".into(),
        path: "/pets/{petId}".into(),
        description: String::new(),
        operation: None,
    });
    group.models.push(GroupModel { id: "m-old".into(), name: "Tag".into(), schema: None });
    let planned = plan(ProviderKind::Aliyun, &mut group.clone(), false, behaviour());
    let conflict = message(outcome(&planned, "getPet"));
    assert!(conflict.contains("API Legacy (old)") && conflict.contains("Overwrite"), "{conflict}");
    let tag = message(outcome(&planned, "Tag"));
    assert!(tag.ends_with(".\n"), "model messages carry the trailing newline quirk: {tag:?}");
    let cancelled = message(outcome(&planned, "listPets"));
    assert!(cancelled.contains("model [Tag]"), "Pet → Tag failed, so listPets is cancelled: {cancelled}");

    let planned = plan(ProviderKind::Aliyun, &mut group, true, behaviour());
    assert_eq!(*outcome(&planned, "getPet"), Final::Over(ChangeAction::Update));
    assert_eq!(planned.items.iter().find(|i| i.name == "getPet").unwrap().id, "old", "updates keep the API id");
    assert_eq!(*outcome(&planned, "Tag"), Final::Over(ChangeAction::Update));
    assert_eq!(*outcome(&planned, "listPets"), Final::Over(ChangeAction::Create));
    assert_eq!(group.apis.iter().filter(|a| a.id == "old").count(), 1);
    assert_eq!(group.apis.iter().find(|a| a.id == "old").unwrap().name, "getPet");
}

#[test]
fn base_path_mismatch_fails_every_api_on_alibaba_only() {
    let mut group = Group::new("g1".into(), "pets".into(), "/v2".into());
    let planned = plan(ProviderKind::Aliyun, &mut group, false, behaviour());
    let apis: Vec<&Item> = planned.items.iter().filter(|i| i.kind == SubtaskKind::Api).collect();
    assert!(apis.iter().all(|i| message(&i.outcome).contains("basePath [/v1]")));
    let mut group = Group::new("g1".into(), "pets".into(), "/v2".into());
    let planned = plan(ProviderKind::Huawei, &mut group, false, behaviour());
    assert_eq!(*outcome(&planned, "listPets"), Final::Over(ChangeAction::Create));
}

#[test]
fn huawei_reports_apis_only_with_codes_and_merge_mode_ignores() {
    let mut group = Group::new("g1".into(), "pets".into(), String::new());
    group.apis.push(GroupApi {
        id: "old".into(),
        name: "Legacy".into(),
        method: "GET".into(),
        path: "/v1/pets".into(),
        description: String::new(),
        operation: None,
    });
    let planned = plan(ProviderKind::Huawei, &mut group.clone(), false, behaviour());
    assert!(planned.items.iter().all(|i| i.kind == SubtaskKind::Api));
    assert!(planned.items.iter().all(|i| i.path.starts_with("/v1/")), "Huawei paths include the base path");
    assert_eq!(*outcome(&planned, "listPets"), Final::Ignore);
    match outcome(&planned, "createPet") {
        Final::Fail { code, message } => {
            assert_eq!(code, "APIG.2012");
            assert!(message.contains("s.location,value:COOKIE"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    let Final::Fail { code, .. } = outcome(&planned, "getPetAgain") else { panic!() };
    assert_eq!(code, "APIG.3301", "Huawei answers a route twice in a file like a route the group has");
    let planned = plan(ProviderKind::Huawei, &mut group, true, behaviour());
    assert_eq!(*outcome(&planned, "listPets"), Final::Over(ChangeAction::Update));
    assert_eq!(group.models.len(), 2, "Huawei keeps the schemas for export");
}

#[test]
fn random_failures_and_quirks_are_deterministic() {
    let b = Resolved { internal_error_rate: 0.5, stuck_waiting: 1, ..behaviour() };
    let one = plan(ProviderKind::Aliyun, &mut Group::new("g".into(), "n".into(), String::new()), false, b);
    let two = plan(ProviderKind::Aliyun, &mut Group::new("g".into(), "n".into(), String::new()), false, b);
    assert_eq!(one.items, two.items);
    assert!(
        one.items
            .iter()
            .any(|i| matches!(&i.outcome, Final::Fail { message, .. } if message.starts_with("Internal Error")))
    );
    assert_eq!(one.items.iter().filter(|i| i.outcome == Final::StuckWait).count(), 1);
}

#[test]
fn hostile_text_reaches_descriptions_and_messages() {
    let b = Resolved { hostile: true, ..behaviour() };
    let planned = plan(ProviderKind::Huawei, &mut Group::new("g".into(), "n".into(), String::new()), false, b);
    assert!(planned.items.iter().any(|i| i.description.contains('\u{1b}')));
    let huge = planned.items.iter().filter_map(|i| match &i.outcome {
        Final::Fail { message, .. } => Some(message.len()),
        _ => None,
    });
    assert!(huge.max().unwrap() >= 1 << 20);
}

#[test]
fn generated_names_follow_the_springfox_style() {
    assert_eq!(generated_name("get", "/creator/getByCreatorId"), "CreatorGetByCreatorIdUsingGET");
    assert_eq!(generated_name("POST", "/pets/{pet_id}/photos"), "PetsByPetIdPhotosUsingPOST");
    assert_eq!(generated_name("GET", "/"), "RootUsingGET");
    assert_eq!(join_path("/v1/", "/pets"), "/v1/pets");
    assert_eq!(join_path("", "/pets"), "/pets");
}

#[test]
fn a_new_group_whose_name_is_taken_fails_as_a_whole_and_is_not_made() {
    let doc = openapi::parse(SPEC, "spec.json").unwrap();
    let others =
        [Group::new("g0".into(), "other".into(), String::new()), Group::new("g1".into(), "T".into(), String::new())];
    let rules = ImportRules {
        provider: ProviderKind::Huawei,
        doc: &doc,
        overwrite: false,
        behaviour: behaviour(),
        task_id: "t1",
        messages: None,
        other_groups: &others,
    };
    let mut group = Group::new("new".into(), doc.title.clone(), String::new());
    let planned = plan_items(&rules, &mut group, Ids::new(1), 42);
    let refused = planned.refused.expect("the title is taken");
    assert_eq!((refused.code.as_str(), refused.message.as_str()), ("APIG.3201", "The API group name already exists"));
    assert!(planned.items.is_empty(), "no item of a refused import");
    assert!(group.apis.is_empty() && group.models.is_empty(), "the group is left as it was");

    let free = ImportRules { other_groups: &others[..1], ..rules };
    let planned = plan_items(&free, &mut group, Ids::new(1), 42);
    assert!(planned.refused.is_none() && !planned.items.is_empty());
}
