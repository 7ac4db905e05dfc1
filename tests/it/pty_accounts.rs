//! Several accounts at once, end to end: the real binary in a pseudo-terminal watches tasks of
//! two Alibaba accounts (an aliyun CLI AK profile, and a RamRoleArn profile that assumes a role
//! through STS) and two Huawei accounts (a KooCLI profile, and a profile-file section federated
//! through IAM), each named in its task reference. Every task shows data, and the simulator saw
//! each account's own key sign requests.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "test setup fails loudly")]

use crate::creds_support;
use crate::pty_support;

use creds_support::Lab;
use oaswatch::sim::creds::{HUAWEI_ID_TOKEN, HUAWEI_IDP};
use pty_support::PtyApp;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_dashboard_watches_two_accounts_of_each_cloud() {
    let lab = Lab::with_scenario("demo").await;
    let (id, secret, _) = lab.aliyun_key(false);
    let (ak, sk) = lab.huawei_key();
    lab.write(
        ".aliyun/config.json",
        &serde_json::json!({"current": "dev", "profiles": [
            {"name": "dev", "mode": "AK", "access_key_id": id, "access_key_secret": secret},
            {"name": "prod", "mode": "RamRoleArn", "access_key_id": id, "access_key_secret": secret,
             "ram_role_arn": "acs:ram::1234567890123456:role/prod-reader", "ram_session_name": "oaswatch"},
        ]})
        .to_string(),
    );
    lab.write(
        ".hcloud/config.json",
        &serde_json::json!({"current": "dev", "profiles": [
            {"name": "dev", "mode": "AKSK", "accessKeyId": ak, "secretAccessKey": sk},
        ]})
        .to_string(),
    );
    let token = lab.write("run/id-token", HUAWEI_ID_TOKEN);
    lab.write(
        ".huaweicloud/credentials",
        &format!("[prod]\nidp_id = {HUAWEI_IDP}\nid_token_file = {}\n", token.display()),
    );

    let task =
        |name: &str, profile: &str| lab.sim.task_ref(name).unwrap().with_profile(Some(profile.to_owned())).to_string();
    let refs = [
        task("aliyun-shop", "dev"),
        task("aliyun-petstore", "prod"),
        task("huawei-fleet", "dev"),
        task("huawei-petstore", "prod"),
    ];
    let root = lab.home.path().to_path_buf();
    let url = lab.sim.base_url();
    let mut env: Vec<(String, String)> = vec![
        ("HOME".into(), root.display().to_string()),
        ("OASWATCH_CONFIG_DIR".into(), root.join("config").display().to_string()),
        ("OASWATCH_DATA_DIR".into(), root.join("data").display().to_string()),
        ("OASWATCH_ALIYUN_ENDPOINT".into(), url.clone()),
        ("OASWATCH_HUAWEI_ENDPOINT".into(), url.clone()),
        ("OASWATCH_ALIYUN_STS_ENDPOINT".into(), url.clone()),
        ("HUAWEICLOUD_SDK_IAM_ENDPOINT".into(), url),
        ("OASWATCH_ALIYUN_IMDS_ENDPOINT".into(), "http://127.0.0.1:1".into()),
        ("OASWATCH_HUAWEI_METADATA_ENDPOINT".into(), "http://127.0.0.1:1".into()),
    ];
    env.push(("PATH".into(), std::env::var("PATH").unwrap_or_default()));
    let screen = tokio::task::spawn_blocking(move || {
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let args: Vec<&str> = refs.iter().map(String::as_str).collect();
        let mut app = PtyApp::spawn(&args, &env, 140, 40);
        let shown = app.wait_for(|screen| {
            let text = screen.contents();
            ["aliyun dev@cn-hangzhou/", "aliyun prod@cn-hangzhou/", "huawei dev@cn-north-4/", "huawei prod@cn-north-4/"]
                .iter()
                .all(|label| text.contains(label))
                && !text.contains("… loading")
                && !text.contains("? unknown")
        });
        let screen = app.screen_text();
        assert!(shown, "every account's task shows data:\n{screen}");
        app.send(b"q");
        assert_eq!(app.wait_exit(), Some(0));
        screen
    })
    .await
    .unwrap();
    assert!(!screen.contains("credentials"), "no credential error on screen:\n{screen}");

    let signed = lab.sim.requests_signed_by();
    let by = |prefix: &str| signed.iter().filter(|(key, _)| key.starts_with(prefix)).map(|(_, n)| n).sum::<u64>();
    assert!(by(&id) >= 1, "aliyun dev signed with its AK: {signed:?}");
    assert!(by("STS.") >= 1, "aliyun prod signed with the role's STS key: {signed:?}");
    assert!(by(&ak) >= 1, "huawei dev signed with its AK: {signed:?}");
    assert!(by("SIMTMP") >= 1, "huawei prod signed with the federated key: {signed:?}");
}
