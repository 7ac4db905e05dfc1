//! The check on a small spec with one problem of each kind, against a group that already holds
//! some of it.

use super::*;
use crate::openapi;
use crate::provider::GroupItem;

const SPEC: &str = r##"{
  "swagger": "2.0",
  "info": {"title": "Shop", "version": "1"},
  "basePath": "/shop/v1",
  "paths": {
    "/orders": {
      "get": {"operationId": "listOrders", "responses": {"200": {"description": "ok", "schema": {"$ref": "#/definitions/Money"}}}},
      "post": {"operationId": "create-order", "responses": {}}
    },
    "/orders/{id}": {
      "get": {"operationId": "getOrder", "parameters": [{"name": "id", "in": "path", "required": true, "type": "string"}], "responses": {}},
      "delete": {"operationId": "dropOrder", "parameters": [{"name": "s", "in": "cookie", "type": "string"}], "responses": {}}
    },
    "/orders/{orderId}/": {
      "get": {"operationId": "getOrderAgain", "parameters": [{"name": "orderId", "in": "path", "required": true, "type": "string"}], "responses": {}}
    },
    "/carts": {
      "get": {"operationId": "listCarts", "responses": {}}
    }
  },
  "definitions": {"Money": {"type": "object"}, "Cart": {"type": "object"}}
}"##;

const REPLACE: ImportMode = ImportMode { replace: true, new_group: false };
const NEW_GROUP: ImportMode = ImportMode { replace: false, new_group: true };

fn group() -> GroupContents {
    GroupContents {
        id: "g1".into(),
        name: "acme-shop".into(),
        base_path: "/shop/v1".into(),
        apis: vec![GroupItem {
            id: "a1".into(),
            name: "LegacyCarts".into(),
            method: "GET".into(),
            path: "/carts".into(),
        }],
        models: vec![GroupItem { id: "m1".into(), name: "Money".into(), ..GroupItem::default() }],
        other_groups: Vec::new(),
    }
}

fn verdict<'a>(check: &'a Check, name: &str) -> &'a Verdict {
    &check.plan.models.iter().chain(&check.plan.apis).find(|i| i.name == name).unwrap().verdict
}

fn rule(check: &Check, name: &str) -> Option<Rule> {
    match verdict(check, name) {
        Verdict::Refused { rule, .. } => Some(*rule),
        _ => None,
    }
}

#[test]
fn alibaba_rejects_each_problem_by_its_rule_and_cancels_what_needs_a_rejected_model() {
    let doc = openapi::parse(SPEC, "shop.json").unwrap();
    let check = check(&doc, ProviderKind::Aliyun, GroupKnowledge::Read(group()), ImportMode::default());
    assert_eq!(rule(&check, "Money"), Some(Rule::ModelExists));
    assert_eq!(rule(&check, "Cart"), None);
    assert_eq!(rule(&check, "listOrders"), Some(Rule::DependencyFailed), "needs the rejected Money");
    assert_eq!(rule(&check, "create-order"), Some(Rule::InvalidName));
    assert_eq!(rule(&check, "getOrder"), None);
    assert_eq!(rule(&check, "dropOrder"), Some(Rule::UnsupportedParameter));
    assert_eq!(rule(&check, "getOrderAgain"), Some(Rule::DuplicateRoute));
    assert_eq!(rule(&check, "listCarts"), Some(Rule::RouteExists));
    let s = check.summary();
    assert_eq!((s.apis, s.models, s.create, s.rejected, s.cancelled), (6, 2, 2, 5, 1));
    assert!(check.rejects_anything());
    let text = check.human("shop.json", "aliyun://cn-hangzhou/g1");
    assert!(text.contains("group acme-shop (g1), base path /shop/v1: 1 APIs, 1 models"), "{text}");
    assert!(text.contains("rule route-exists · https://"), "{text}");
    assert!(text.contains("└ 1 API cancelled"), "the cancellation is folded under the model's group: {text}");
    assert!(check.verdict_line().starts_with("6 of 8 items"));
}

#[test]
fn replacing_updates_what_the_group_has_instead_of_rejecting_it() {
    let doc = openapi::parse(SPEC, "shop.json").unwrap();
    let check = check(&doc, ProviderKind::Aliyun, GroupKnowledge::Read(group()), REPLACE);
    assert_eq!(*verdict(&check, "Money"), Verdict::Update);
    assert_eq!(*verdict(&check, "listCarts"), Verdict::Update);
    assert_eq!(*verdict(&check, "listOrders"), Verdict::Create);
}

#[test]
fn huawei_leaves_existing_routes_alone_imports_no_models_and_wants_declared_path_parameters() {
    let spec =
        SPEC.replace(r#""parameters": [{"name": "orderId", "in": "path", "required": true, "type": "string"}], "#, "");
    let doc = openapi::parse(&spec, "shop.json").unwrap();
    let mut group = group();
    group.apis[0].path = "/shop/v1/carts".into();
    let check = check(&doc, ProviderKind::Huawei, GroupKnowledge::Read(group), ImportMode::default());
    assert!(check.plan.models.is_empty());
    assert_eq!(*verdict(&check, "listCarts"), Verdict::Skip);
    assert_eq!(*verdict(&check, "create-order"), Verdict::Create, "Huawei names may hold a hyphen");
    assert_eq!(rule(&check, "getOrderAgain"), Some(Rule::UndeclaredPathParameter));
    let Verdict::Refused { code, .. } = verdict(&check, "getOrderAgain") else { panic!() };
    assert_eq!(code, "APIG.2026");
}

#[test]
fn an_unread_group_is_said_and_the_spec_is_still_checked() {
    let doc = openapi::parse(SPEC, "shop.json").unwrap();
    let check = check(&doc, ProviderKind::Aliyun, GroupKnowledge::Unread("--offline".into()), ImportMode::default());
    assert_eq!(rule(&check, "listCarts"), None, "no group, no clash");
    assert_eq!(rule(&check, "create-order"), Some(Rule::InvalidName));
    assert!(check.advisories[0].contains("was not read (--offline)"), "{:?}", check.advisories);
    let json: serde_json::Value = serde_json::from_str(&check.json("shop.json", "t").unwrap()).unwrap();
    assert_eq!(json["group"], serde_json::Value::Null);
    assert_eq!(json["rejects"], true);
    let item = json["items"].as_array().unwrap().iter().find(|i| i["name"] == "create-order").unwrap();
    assert_eq!(item["verdict"], "rejected");
    assert_eq!(item["rule"], "invalid-name");
    assert!(item["source"].as_str().unwrap().starts_with("https://www.alibabacloud.com/"));
}

#[test]
fn quotas_are_notes_not_rejections() {
    let mut paths = serde_json::Map::new();
    for n in 0..301 {
        paths.insert(format!("/r{n}"), serde_json::json!({"get": {"operationId": format!("get{n}"), "responses": {}}}));
    }
    let spec = serde_json::json!({"swagger": "2.0", "info": {"title": "T", "version": "1"}, "paths": paths});
    let doc = openapi::parse(&spec.to_string(), "big.json").unwrap();
    let check = check(&doc, ProviderKind::Huawei, GroupKnowledge::Read(GroupContents::default()), NEW_GROUP);
    assert!(!check.rejects_anything());
    assert!(check.advisories.iter().any(|a| a.contains("300 APIs per import")), "{:?}", check.advisories);
}

/// A Huawei instance's groups, as read for an import that creates its group.
fn instance(names: &[&str]) -> GroupKnowledge {
    let other_groups = names
        .iter()
        .enumerate()
        .map(|(n, name)| GroupItem { id: format!("g{n}"), name: (*name).to_owned(), ..GroupItem::default() })
        .collect();
    GroupKnowledge::Read(GroupContents { other_groups, ..GroupContents::default() })
}

#[test]
fn a_new_group_whose_name_is_taken_refuses_every_item_with_the_gateways_words() {
    let doc = openapi::parse(SPEC, "shop.json").unwrap();
    let check = check(&doc, ProviderKind::Huawei, instance(&["test8", "Shop"]), NEW_GROUP);
    let refused = check.plan.refused.as_ref().expect("refused as a whole");
    assert_eq!((refused.rule, refused.code.as_str()), (Rule::GroupNameExists, "APIG.3201"));
    assert_eq!(refused.message, "The API group name already exists");
    assert!(check.plan.apis.iter().all(|a| rule(&check, &a.name) == Some(Rule::GroupNameExists)));
    let s = check.summary();
    assert_eq!((s.apis, s.create, s.rejected, s.cancelled), (6, 0, 6, 0));
    assert_eq!(check.groups.len(), 1, "one cause: {:?}", check.groups);
    let text = check.human("shop.json", "huawei://r/p/i");
    assert!(text.contains("fail as a whole, before any item: The API group name already exists [APIG.3201]"), "{text}");
    assert!(text.contains(r#"(group g1 is named "Shop")"#), "{text}");
    assert!(text.contains("rule group-name-exists · https://support.huaweicloud.com/"), "{text}");
    let json: serde_json::Value = serde_json::from_str(&check.json("shop.json", "t").unwrap()).unwrap();
    assert_eq!(json["group"]["name"], "Shop", "the name the new group would get");
    assert_eq!(json["groups"][0]["count"], 6);
}

#[test]
fn a_new_group_with_a_free_name_checks_the_spec_alone_and_says_so() {
    let doc = openapi::parse(SPEC, "shop.json").unwrap();
    let check = check(&doc, ProviderKind::Huawei, instance(&["test8", "Shop v2", "shop"]), NEW_GROUP);
    assert_eq!(check.plan.refused, None, "only the whole name counts, and its case");
    assert_eq!(rule(&check, "listCarts"), None);
    assert!(check.advisories.iter().any(|a| a.contains(r#"new group "Shop" (a name none of the gateway's 3 groups"#)));
}

#[test]
fn unread_groups_of_a_new_group_are_said_not_passed_over() {
    let doc = openapi::parse(SPEC, "shop.json").unwrap();
    let check = check(&doc, ProviderKind::Huawei, GroupKnowledge::Unread("--offline".into()), NEW_GROUP);
    assert_eq!(check.plan.refused, None);
    assert!(
        check.advisories[0]
            .starts_with(r#"the gateway's groups were not read (--offline): whether a group is already named "Shop""#),
        "{:?}",
        check.advisories
    );
}
