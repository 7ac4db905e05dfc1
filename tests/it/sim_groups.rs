//! The instance's groups, as `check` reads them for a Huawei import that creates its group
//! (ListApiGroupsV2 over HTTP): the simulator pages them the way APIG documents its listings
//! (a `limit` of 0 or less is 20, above 500 is 500, a negative `offset` is 0: converted, not
//! refused), filters by `id` and `name` (part of a name, or all of it with
//! `precise_search=name`), and the real client reads every page.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test code: a failure fails the test")]

use crate::common;

use std::fmt::Write as _;

use common::{HuaweiAuth, HuaweiCall, HuaweiSigner, huawei_send};
use oaswatch::credentials::{CredentialSource, SecretString};
use oaswatch::provider::huawei::{HuaweiClient, HuaweiCredentials};
use oaswatch::provider::{HttpConfig, build_client};
use reqwest::Url;
use serde_json::Value;

const PROJECT: &str = "0123456789abcdef0123456789abcdef";
const INSTANCE: &str = "eddc4d25480b4cd6b512f270a1b8b341";
/// More than one page of the largest size (500).
const GROUPS: usize = 503;

fn scenario() -> String {
    let mut toml = format!(
        "name = \"groups\"\n[huawei]\nproject_id = \"{PROJECT}\"\n[[huawei.credentials]]\naccess_key = \
         \"AKGROUPS\"\nsecret_key = \"SKGROUPS\"\n[[huawei.instances]]\nid = \"{INSTANCE}\"\n"
    );
    for n in 0..GROUPS {
        let _ = write!(toml, "[[huawei.instances.groups]]\nid = \"{n:032x}\"\nname = \"group {n}\"\n");
    }
    toml
}

/// `GET …/api-groups` with `query`: the status, and the names listed and `total`.
async fn list(sim: &oaswatch::sim::SimHandle, query: &[(&str, &str)]) -> (u16, Vec<String>, u64) {
    let mut call = HuaweiCall::get(&format!("/v2/{PROJECT}/apigw/instances/{INSTANCE}/api-groups"));
    call.query = query.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    let auth = HuaweiAuth::AkSk(HuaweiSigner::of(sim, false));
    let response = huawei_send(&common::client(), &sim.base_url(), &auth, &call).await;
    let status = response.status().as_u16();
    let body: Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
    let names = body["groups"].as_array().into_iter().flatten().map(|g| g["name"].as_str().unwrap().to_owned());
    (status, names.collect(), body["total"].as_u64().unwrap_or_default())
}

#[tokio::test]
async fn huawei_lists_an_instances_groups_as_apig_documents_and_the_client_reads_every_page() {
    let sim = common::start_toml(&scenario(), 5, 50.0).await;
    let count = |listed: (u16, Vec<String>, u64)| (listed.0, listed.1.len(), listed.2);
    assert_eq!(count(list(&sim, &[]).await), (200, 20, GROUPS as u64), "20 by default");
    assert_eq!(count(list(&sim, &[("limit", "0")]).await), (200, 20, GROUPS as u64), "0 or less is 20");
    assert_eq!(count(list(&sim, &[("limit", "-4")]).await), (200, 20, GROUPS as u64));
    assert_eq!(count(list(&sim, &[("limit", "9999")]).await), (200, 500, GROUPS as u64), "above 500 is 500");
    let (_, names, _) = list(&sim, &[("offset", "-3"), ("limit", "2")]).await;
    assert_eq!(names, ["group 0", "group 1"], "a negative offset is 0");
    let (_, names, _) = list(&sim, &[("offset", "500"), ("limit", "500")]).await;
    assert_eq!(names, ["group 500", "group 501", "group 502"]);
    assert_eq!(list(&sim, &[("limit", "many")]).await.0, 400);

    let (_, names, total) = list(&sim, &[("name", "group 50"), ("limit", "500")]).await;
    assert_eq!((names.len(), total), (4, 4), "part of a name: 50 and 500 to 502: {names:?}");
    let (_, names, _) = list(&sim, &[("name", "group 50"), ("precise_search", "name")]).await;
    assert_eq!(names, ["group 50"]);
    let (_, names, _) = list(&sim, &[("id", &format!("{:032x}", 7))]).await;
    assert_eq!(names, ["group 7"]);

    let creds = HuaweiCredentials::AkSk {
        access_key: "AKGROUPS".into(),
        secret_key: SecretString::from("SKGROUPS".to_owned()),
        security_token: None,
        source: CredentialSource::Env { variable: "HUAWEICLOUD_SDK_AK" },
    };
    let endpoint = Url::parse(&sim.base_url()).unwrap();
    let client = HuaweiClient::new(build_client(&HttpConfig::default()).unwrap(), Some(endpoint), creds);
    let before = sim.stats().requests_for("huawei GET api-groups");
    let read = client.new_group_beside(sim.huawei_region(), PROJECT, INSTANCE).await.unwrap();
    assert!(read.id.is_empty() && read.apis.is_empty(), "a new group is empty");
    assert_eq!(read.other_groups.len(), GROUPS);
    assert_eq!(read.other_groups[GROUPS - 1].name, format!("group {}", GROUPS - 1));
    assert_eq!(read.other_groups[GROUPS - 1].id, format!("{:032x}", GROUPS - 1));
    assert_eq!(sim.stats().requests_for("huawei GET api-groups") - before, 2, "two pages of 500");
}
