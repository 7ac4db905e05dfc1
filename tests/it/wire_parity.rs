//! Requests the clouds cannot tell from their SDKs': what a recording proxy between oaswatch and
//! the simulator sees of the bodiless `DescribeImportOASTask` POST and of the STS calls the
//! credential chains make (docs/credentials.md, "Compared with the SDKs").

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "test setup fails loudly")]

use crate::creds_support;
use crate::rel_support;

use creds_support::Lab;
use oaswatch::sim::creds::ALIYUN_OIDC_TOKEN;
use rel_support::{Rewrite, start_proxy};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bodiless_describe_post_says_content_length_0_like_the_sdks() {
    let mut lab = Lab::new().await;
    let proxy = start_proxy(&lab.sim.base_url(), Rewrite::None).await;
    let (id, secret, _) = lab.aliyun_key(false);
    lab.set("ALIBABA_CLOUD_ACCESS_KEY_ID", &id).set("ALIBABA_CLOUD_ACCESS_KEY_SECRET", &secret);
    let mut endpoints = oaswatch::provider::EndpointOverrides::default();
    endpoints.set(oaswatch::domain::ProviderKind::Aliyun, proxy.url.parse().unwrap());
    let env = lab.env.clone();
    let resolver = oaswatch::provider::Resolver::new(std::sync::Arc::new(move |n: &str| env.get(n).cloned()), None);
    let (clients, _) = oaswatch::provider::Clients::build_with(
        &oaswatch::provider::HttpConfig::default(),
        &endpoints,
        oaswatch::provider::Discovery::default(),
        Some(resolver),
        oaswatch::credentials::clock::system(),
    )
    .unwrap();
    creds_support::fetch(&clients, &lab.aliyun_task(None)).await.unwrap();
    let seen = proxy.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].method, "POST");
    let lengths: Vec<&str> =
        seen[0].headers.iter().filter(|(n, _)| n == "content-length").map(|(_, v)| v.as_str()).collect();
    assert_eq!(lengths, ["0"], "exactly one Content-Length: 0");
    // As the SDK sends them: no compression, and which provider of the chain gave the key
    // (signed, like every x-acs-* header).
    assert_eq!(seen[0].header("accept-encoding"), Some("identity"));
    assert_eq!(seen[0].header("x-acs-credentials-provider"), Some("default/env"));
    assert!(seen[0].header("authorization").unwrap().contains("x-acs-credentials-provider"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sts_calls_have_the_shape_credentials_go_sends() {
    let mut lab = Lab::new().await;
    let proxy = start_proxy(&lab.sim.base_url(), Rewrite::None).await;
    lab.set("OASWATCH_ALIYUN_STS_ENDPOINT", &proxy.url);
    let (id, secret, _) = lab.aliyun_key(false);
    let token_file = lab.write("run/token", ALIYUN_OIDC_TOKEN);
    lab.write(
        ".aliyun/config.json",
        &serde_json::json!({"profiles": [
            {"name": "role", "mode": "RamRoleArn", "access_key_id": id, "access_key_secret": secret,
             "ram_role_arn": "acs:ram::1234567890123456:role/r", "ram_session_name": "s"},
            {"name": "oidc", "mode": "OIDC", "ram_role_arn": "acs:ram::1:role/o",
             "oidc_provider_arn": "acs:ram::1:oidc-provider/p", "oidc_token_file": token_file},
        ]})
        .to_string(),
    );
    let clients = lab.clients();
    creds_support::fetch(&clients, &lab.aliyun_task(Some("role"))).await.unwrap();
    creds_support::fetch(&clients, &lab.aliyun_task(Some("oidc"))).await.unwrap();
    let seen = proxy.seen();
    assert_eq!(seen.len(), 2, "{seen:?}");
    let query = |i: usize| -> Vec<String> {
        let (_, query) = seen[i].path_and_query.split_once('?').unwrap();
        let mut names: Vec<String> = query.split('&').map(|p| p.split('=').next().unwrap().to_owned()).collect();
        names.sort();
        names
    };
    assert_eq!(seen[0].method, "POST");
    assert_eq!(seen[0].header("content-type"), Some("application/x-www-form-urlencoded"));
    assert_eq!(
        query(0),
        [
            "AccessKeyId",
            "Action",
            "Format",
            "Signature",
            "SignatureMethod",
            "SignatureNonce",
            "SignatureVersion",
            "Timestamp",
            "Version"
        ],
        "the common parameters in the query; RoleArn, RoleSessionName, DurationSeconds in the form body"
    );
    assert!(
        seen[0].path_and_query.contains("Action=AssumeRole&") || seen[0].path_and_query.contains("Action=AssumeRole")
    );
    assert_eq!(seen[1].method, "POST");
    assert_eq!(
        query(1),
        ["Action", "Format", "Timestamp", "Version"],
        "the OIDC token travels in the body, not the URL"
    );
    assert!(!seen[1].path_and_query.contains("simulatorOidc"));
}

/// `poll_request` (what the polling benchmark's bare client replays) is the request a poll
/// sends: the same method, path, query and headers in the same order, and the simulator answers
/// it, signed as it is, with the task.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_poll_request_is_the_request_a_poll_sends() {
    let sim = crate::common::start("demo", 1, 1.0).await;
    let proxy = start_proxy(&sim.base_url(), Rewrite::None).await;
    let env: std::collections::HashMap<&str, String> = sim.client_env().into_iter().collect();
    let mut endpoints = oaswatch::provider::EndpointOverrides::default();
    for provider in oaswatch::domain::ProviderKind::ALL {
        endpoints.set(provider, proxy.url.parse().unwrap());
    }
    let discovery = oaswatch::provider::discover(&|name| env.get(name).cloned(), None);
    let (clients, _) =
        oaswatch::provider::Clients::build(&oaswatch::provider::HttpConfig::default(), &endpoints, discovery).unwrap();
    let plain = reqwest::Client::new();
    for provider in oaswatch::domain::ProviderKind::ALL {
        let task = sim.task_refs().into_iter().find(|t| t.provider() == provider).unwrap();
        let cloud = clients.for_task(&task).unwrap();
        let fetched = cloud.fetch(&task).await.unwrap();
        let request = cloud.poll_request(&task).await.unwrap();
        let answer = plain.execute(request).await.unwrap();
        assert_eq!(answer.status(), 200, "{provider}: the signed request is answered");
        let body = answer.text().await.unwrap();
        let seen = proxy.seen();
        let [polled, replayed] = &seen[seen.len() - 2..] else { unreachable!() };
        assert_eq!(replayed.method, polled.method, "{provider}");
        assert_eq!(replayed.path_and_query, polled.path_and_query, "{provider}");
        let names = |s: &rel_support::Seen| -> Vec<String> {
            // reqwest's own client adds its user agent; the product's names itself.
            s.headers.iter().map(|(n, _)| n.clone()).filter(|n| n != "user-agent").collect()
        };
        assert_eq!(names(replayed), names(polled), "{provider}: the same headers in the same order");
        // The task's answer, not an error: the same fields as the poll's own answer.
        let keys = |text: &str| -> Vec<String> {
            let value: serde_json::Value = serde_json::from_str(text).unwrap();
            value.as_object().unwrap().keys().cloned().collect()
        };
        assert_eq!(keys(&body), keys(fetched.raw_body.as_deref().unwrap()), "{provider}: {body}");
    }
}
