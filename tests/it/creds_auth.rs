//! `oaswatch auth` for every source: which source signs, as whom (key id masked), until when, and
//! why each earlier source was passed over. Snapshots of the text report, made with the real
//! chains against the simulator on a clock stopped at a fixed moment; and the binary's exit
//! status and JSON, with no secret anywhere.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "test setup fails loudly")]

use crate::creds_support;

use creds_support::Lab;
use oaswatch::cli::auth_cmds::{parse_account, render, report};
use oaswatch::credentials::Clock as _;
use oaswatch::sim::creds::{ALIYUN_OIDC_TOKEN, ECS_ROLE, HUAWEI_ID_TOKEN, HUAWEI_IDP};
use secrecy::ExposeSecret as _;

/// The report for `accounts`, with the lab's home as `~` and the simulator's address as `SIM`.
async fn auth(lab: &Lab, accounts: &[&str]) -> String {
    let clients = lab.clients();
    let accounts: Vec<_> = accounts.iter().map(|a| parse_account(a).unwrap()).collect();
    let statuses = report(&clients, &accounts).await;
    let text = render(&statuses, lab.clock.now(), Some(lab.home.path()));
    let text = text.replace(&lab.sim.base_url(), "http://SIM");
    let secrets = lab.sim.issued_secrets();
    for secret in secrets.iter().chain([lab.aliyun_key(false).1, lab.huawei_key().1].iter()) {
        assert!(!text.contains(secret.as_str()), "a secret in the report:\n{text}");
    }
    text
}

fn cli_profiles(lab: &Lab) {
    let (id, secret, _) = lab.aliyun_key(false);
    let (sts_id, sts_secret, sts_token) = lab.aliyun_key(true);
    let token_file = lab.write("run/oidc-token", ALIYUN_OIDC_TOKEN);
    let script = lab.write(
        "bin/aliyun-creds",
        &format!("#!/bin/sh\nprintf '%s' '{{\"mode\":\"AK\",\"access_key_id\":\"{id}\",\"access_key_secret\":\"{secret}\"}}'\n"),
    );
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    lab.write(
        ".aliyun/config.json",
        &serde_json::json!({"current": "ak", "profiles": [
            {"name": "ak", "mode": "AK", "access_key_id": id, "access_key_secret": secret},
            {"name": "sts", "mode": "StsToken", "access_key_id": sts_id, "access_key_secret": sts_secret, "sts_token": sts_token},
            {"name": "role", "mode": "RamRoleArn", "access_key_id": id, "access_key_secret": secret,
             "ram_role_arn": "acs:ram::1234567890123456:role/oaswatch-reader", "ram_session_name": "oaswatch"},
            {"name": "chained", "mode": "ChainableRamRoleArn", "source_profile": "role", "ram_role_arn": "acs:ram::6543210987654321:role/cross"},
            {"name": "ecs", "mode": "EcsRamRole", "ram_role_name": ECS_ROLE},
            {"name": "oidc", "mode": "OIDC", "ram_role_arn": "acs:ram::1234567890123456:role/ci",
             "oidc_provider_arn": "acs:ram::1234567890123456:oidc-provider/github", "oidc_token_file": token_file},
            {"name": "uri", "mode": "CredentialsURI", "credentials_uri": lab.sim.credentials_uri()},
            {"name": "ext", "mode": "External", "process_command": script},
            {"name": "sso", "mode": "CloudSSO", "cloud_sso_sign_in_url": "https://signin.example"},
        ]})
        .to_string(),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aliyun_sources() {
    let mut lab = Lab::at_fixed_time().await;
    let (id, secret, _) = lab.aliyun_key(false);
    lab.set("ALIBABA_CLOUD_ACCESS_KEY_ID", &id).set("ALIBABA_CLOUD_ACCESS_KEY_SECRET", &secret);
    insta::assert_snapshot!("aliyun_env", auth(&lab, &["aliyun"]).await);
    lab.unset("ALIBABA_CLOUD_ACCESS_KEY_ID").unset("ALIBABA_CLOUD_ACCESS_KEY_SECRET");

    let token = lab.write("run/token", ALIYUN_OIDC_TOKEN);
    lab.set("ALIBABA_CLOUD_ROLE_ARN", "acs:ram::1234567890123456:role/ci")
        .set("ALIBABA_CLOUD_OIDC_PROVIDER_ARN", "acs:ram::1234567890123456:oidc-provider/github")
        .set("ALIBABA_CLOUD_OIDC_TOKEN_FILE", token.to_str().unwrap());
    insta::assert_snapshot!("aliyun_oidc_env", auth(&lab, &["aliyun"]).await);
    lab.unset("ALIBABA_CLOUD_ROLE_ARN");

    cli_profiles(&lab);
    for profile in ["ak", "sts", "role", "chained", "ecs", "oidc", "uri", "ext", "sso", "nobody"] {
        insta::assert_snapshot!(format!("aliyun_cli_{profile}"), auth(&lab, &[&format!("aliyun:{profile}")]).await);
    }
    std::fs::remove_file(lab.home.path().join(".aliyun/config.json")).unwrap();
    // The SDK's own credentials file, one snapshot per type it takes.
    let (sts_id, sts_secret, sts_token) = lab.aliyun_key(true);
    let sts_token = sts_token.unwrap();
    let token_file = lab.write("run/oidc-token-ini", ALIYUN_OIDC_TOKEN);
    let types = [
        ("access_key", format!("access_key_id = {id}\naccess_key_secret = {secret}\n")),
        ("sts", format!("access_key_id = {sts_id}\naccess_key_secret = {sts_secret}\nsecurity_token = {sts_token}\n")),
        (
            "ram_role_arn",
            format!(
                "access_key_id = {id}\naccess_key_secret = {secret}\nrole_arn = acs:ram::1:role/from-ini\nrole_session_name = s\n"
            ),
        ),
        (
            "oidc_role_arn",
            format!(
                "role_arn = acs:ram::1234567890123456:role/ci\noidc_provider_arn = acs:ram::1234567890123456:oidc-provider/github\noidc_token_file_path = {}\n",
                token_file.display()
            ),
        ),
        ("ecs_ram_role", format!("role_name = {ECS_ROLE}\n")),
        ("credentials_uri", format!("credentials_uri = {}\n", lab.sim.credentials_uri())),
    ];
    for (kind, fields) in types {
        lab.write(".alibabacloud/credentials", &format!("[default]\ntype = {kind}\n{fields}"));
        insta::assert_snapshot!(format!("aliyun_sdk_file_{kind}"), auth(&lab, &["aliyun"]).await);
    }
    std::fs::remove_file(lab.home.path().join(".alibabacloud/credentials")).unwrap();

    insta::assert_snapshot!("aliyun_ecs_metadata", auth(&lab, &["aliyun"]).await);
    lab.set("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true");
    lab.set("ALIBABA_CLOUD_CREDENTIALS_URI", &lab.sim.credentials_uri());
    insta::assert_snapshot!("aliyun_credentials_uri", auth(&lab, &["aliyun"]).await);
    lab.unset("ALIBABA_CLOUD_CREDENTIALS_URI");
    insta::assert_snapshot!("aliyun_nothing", auth(&lab, &["aliyun"]).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huawei_sources() {
    let mut lab = Lab::at_fixed_time().await;
    let (ak, sk) = lab.huawei_key();
    lab.set("HUAWEICLOUD_SDK_AK", &ak).set("HUAWEICLOUD_SDK_SK", &sk);
    insta::assert_snapshot!("huawei_env_aksk", auth(&lab, &["huawei"]).await);
    lab.unset("HUAWEICLOUD_SDK_AK").unset("HUAWEICLOUD_SDK_SK");
    lab.set("OASWATCH_HUAWEI_TOKEN", lab.sim.huawei_token().unwrap().expose_secret());
    insta::assert_snapshot!("huawei_env_token", auth(&lab, &["huawei"]).await);
    lab.unset("OASWATCH_HUAWEI_TOKEN");
    let token_file = lab.write("run/id-token", HUAWEI_ID_TOKEN);
    lab.set("HUAWEICLOUD_SDK_IDP_ID", HUAWEI_IDP).set("HUAWEICLOUD_SDK_ID_TOKEN_FILE", token_file.to_str().unwrap());
    insta::assert_snapshot!("huawei_env_federation", auth(&lab, &["huawei"]).await);
    lab.unset("HUAWEICLOUD_SDK_IDP_ID").unset("HUAWEICLOUD_SDK_ID_TOKEN_FILE");

    lab.write(
        ".huaweicloud/credentials",
        &format!(
            "[basic]\nak = {ak}\nsk = {sk}\n[prod]\nidp_id = {HUAWEI_IDP}\nid_token_file = {}\n",
            token_file.display()
        ),
    );
    insta::assert_snapshot!("huawei_profile_file", auth(&lab, &["huawei", "huawei:prod"]).await);
    std::fs::remove_file(lab.home.path().join(".huaweicloud/credentials")).unwrap();
    lab.write(
        ".hcloud/config.json",
        &serde_json::json!({"current": "dev", "profiles": [
            {"name": "dev", "mode": "AKSK", "accessKeyId": ak, "secretAccessKey": sk},
            {"name": "agency", "mode": "ecsAgency"},
        ]})
        .to_string(),
    );
    insta::assert_snapshot!("huawei_koocli", auth(&lab, &["huawei", "huawei:agency"]).await);
    std::fs::remove_file(lab.home.path().join(".hcloud/config.json")).unwrap();
    insta::assert_snapshot!("huawei_ecs_metadata", auth(&lab, &["huawei"]).await);
    lab.set("OASWATCH_HUAWEI_METADATA_DISABLED", "true");
    insta::assert_snapshot!("huawei_nothing", auth(&lab, &["huawei"]).await);
}

use crate::cli_support;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_exits_0_when_every_account_works_and_2_otherwise_and_prints_no_secret() {
    use cli_support::{Auth, Run, code, text};
    let sim = creds_support::Lab::new().await.sim;
    let run = Run::new(&sim, Auth::Keys);
    let out = run.oaswatch(&["auth", "--json"]).await;
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let accounts = doc["accounts"].as_array().unwrap();
    assert_eq!(accounts.len(), 2);
    assert_eq!(accounts[0]["source"], "env ALIBABA_CLOUD_ACCESS_KEY_ID");
    assert_eq!(accounts[0]["key_id"], "LTAI****0001");
    assert_eq!(accounts[1]["kind"], "AK/SK");
    let shown = format!("{}{}", text(&out.stdout), text(&out.stderr));
    for (name, value) in &run.env {
        if name.contains("SECRET") || name.ends_with("_SK") {
            assert!(!shown.contains(value.as_str()), "{name} leaked");
        }
    }

    let run = Run::new(&sim, Auth::None);
    let out = run.oaswatch(&["auth", "aliyun", "huawei:prod"]).await;
    assert_eq!(code(&out), 2, "{}", text(&out.stdout));
    let report = text(&out.stdout);
    assert!(report.contains("aliyun (default chain)\n  ✗") && report.contains("huawei profile prod\n  ✗"), "{report}");
    assert!(report.contains("the ECS metadata service did not answer"), "{report}");
    let out = run.oaswatch(&["auth", "aws"]).await;
    assert_eq!(code(&out), 2);
}
