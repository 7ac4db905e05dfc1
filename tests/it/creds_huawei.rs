//! Every source of the Huawei Cloud chain against the simulator over real HTTP: the environment
//! (AK/SK, an OIDC identity provider, an IAM token), the SDK's profile file, KooCLI profiles and
//! the ECS metadata service. Temporary keys are renewed across their expiry on a paused clock for
//! days; a wrong or expired credential fails with a message naming its source and no secret.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "test setup fails loudly")]

use crate::creds_support;

use std::time::Duration;

use creds_support::{Lab, fetch, until_renewals};
use oaswatch::domain::{FetchErrorKind, ProviderKind, TaskRef};
use oaswatch::provider::{Account, Clients};
use oaswatch::sim::creds::{Fault, HUAWEI_EXPIRED_ID_TOKEN, HUAWEI_ID_TOKEN, HUAWEI_IDP, Service};
use secrecy::ExposeSecret as _;

const MINUTE: Duration = Duration::from_secs(60);

async fn signed_with(lab: &Lab, clients: &Clients, task: &TaskRef) -> String {
    let before = lab.sim.requests_signed_by();
    let fetched = fetch(clients, task).await.unwrap_or_else(|e| panic!("{task}: {e:?}"));
    assert_eq!(&fetched.task_ref, task);
    let after = lab.sim.requests_signed_by();
    let signers: Vec<&String> = after.iter().filter(|(key, n)| before.get(*key) != Some(*n)).map(|(k, _)| k).collect();
    assert_eq!(signers.len(), 1, "{task}: {signers:?}");
    signers[0].clone()
}

fn source_of(clients: &Clients, task: &TaskRef) -> String {
    clients.provenance(&Account::of(task)).unwrap().source.to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_environment_aksk_token_and_identity_provider() {
    let mut lab = Lab::new().await;
    let (ak, sk) = lab.huawei_key();
    lab.set("HUAWEICLOUD_SDK_AK", &ak).set("HUAWEICLOUD_SDK_SK", &sk);
    let task = lab.huawei_task(None);
    assert_eq!(signed_with(&lab, &lab.clients(), &task).await, ak);

    lab.unset("HUAWEICLOUD_SDK_AK").unset("HUAWEICLOUD_SDK_SK");
    lab.set("OASWATCH_HUAWEI_TOKEN", lab.sim.huawei_token().unwrap().expose_secret());
    assert_eq!(signed_with(&lab, &lab.clients(), &task).await, "token");

    // An identity provider wins over the keys, as in the SDK.
    let token_file = lab.write("run/id-token", HUAWEI_ID_TOKEN);
    lab.set("HUAWEICLOUD_SDK_AK", &ak).set("HUAWEICLOUD_SDK_SK", &sk);
    lab.set("HUAWEICLOUD_SDK_IDP_ID", HUAWEI_IDP).set("HUAWEICLOUD_SDK_ID_TOKEN_FILE", token_file.to_str().unwrap());
    let clients = lab.clients();
    let key = signed_with(&lab, &clients, &task).await;
    assert!(key.starts_with("SIMTMP"), "a federated temporary key: {key}");
    assert_eq!(lab.sim.credential_calls(Service::HuaweiIam), 2, "id token → unscoped token → security token");
    assert_eq!(
        source_of(&clients, &task),
        "env HUAWEICLOUD_SDK_ID_TOKEN_FILE, OIDC federation with identity provider oaswatch-sim-idp"
    );
    let identity = clients.for_task(&task).unwrap().identity().await.unwrap();
    assert_eq!(identity.kind, "temporary AK/SK");
    assert!(identity.expires.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_profile_file_and_koocli_profiles() {
    let lab = Lab::new().await;
    let (ak, sk) = lab.huawei_key();
    let temporary = lab.sim.huawei_temporary_credentials().unwrap();
    let token_file = lab.write("run/id-token", HUAWEI_ID_TOKEN);
    lab.write(
        ".huaweicloud/credentials",
        &format!(
            "[basic]\nak = {ak}\nsk = {sk}\n\
             [federated]\nidp_id = {HUAWEI_IDP}\nid_token_file = {}\niam_endpoint = {}\n",
            token_file.display(),
            lab.sim.base_url()
        ),
    );
    lab.write(
        ".hcloud/config.json",
        &serde_json::json!({"current": "dev", "profiles": [
            {"name": "dev", "mode": "AKSK", "accessKeyId": ak, "secretAccessKey": sk, "region": "cn-north-4"},
            {"name": "temp", "mode": "AKSK", "accessKeyId": temporary.access_key,
             "secretAccessKey": temporary.secret_key.expose_secret(),
             "securityToken": temporary.security_token.as_ref().unwrap().expose_secret()},
            {"name": "agency", "mode": "ecsAgency"},
        ]})
        .to_string(),
    );
    let clients = lab.clients();
    assert_eq!(signed_with(&lab, &clients, &lab.huawei_task(None)).await, ak, "[basic] before KooCLI");
    assert!(source_of(&clients, &lab.huawei_task(None)).ends_with(".huaweicloud/credentials (profile basic)"));
    let key = signed_with(&lab, &clients, &lab.huawei_task(Some("federated"))).await;
    assert!(key.starts_with("SIMTMP"), "{key}");
    assert_eq!(signed_with(&lab, &clients, &lab.huawei_task(Some("dev"))).await, ak);
    assert!(source_of(&clients, &lab.huawei_task(Some("dev"))).ends_with(".hcloud/config.json (profile dev)"));
    assert_eq!(signed_with(&lab, &clients, &lab.huawei_task(Some("temp"))).await, temporary.access_key);
    let key = signed_with(&lab, &clients, &lab.huawei_task(Some("agency"))).await;
    assert!(key.starts_with("SIMTMP"), "the agency's key from the metadata service: {key}");
    assert!(lab.sim.credential_calls(Service::HuaweiMetadata) >= 2, "token, then the key");

    // Without [basic], the default chain reaches KooCLI's current profile.
    std::fs::remove_file(lab.home.path().join(".huaweicloud/credentials")).unwrap();
    let clients = lab.clients();
    assert_eq!(signed_with(&lab, &clients, &lab.huawei_task(None)).await, ak);
    let skipped = clients.provenance(&Account::default_of(ProviderKind::Huawei)).unwrap().skipped;
    assert_eq!(skipped.iter().map(|s| s.source).collect::<Vec<_>>(), ["environment", "profile file"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_metadata_service_ends_the_default_chain() {
    let mut lab = Lab::new().await;
    let key = signed_with(&lab, &lab.clients(), &lab.huawei_task(None)).await;
    assert!(key.starts_with("SIMTMP"), "{key}");
    lab.set("OASWATCH_HUAWEI_METADATA_ENDPOINT", "http://127.0.0.1:1");
    let error = fetch(&lab.clients(), &lab.huawei_task(None)).await.unwrap_err();
    assert_eq!((error.kind, error.code.as_str()), (FetchErrorKind::Auth, "credentials.missing"));
    for needle in [
        "HUAWEICLOUD_SDK_AK",
        "HUAWEICLOUD_SDK_IDP_ID",
        ".huaweicloud/credentials not found",
        "ECS metadata service did not answer",
    ] {
        assert!(error.message.contains(needle), "{needle}: {}", error.message);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn federated_and_agency_keys_are_renewed_40_minutes_before_expiry_for_days() {
    for profile in ["federated", "agency"] {
        let lab = Lab::new().await;
        let token_file = lab.write("run/id-token", HUAWEI_ID_TOKEN);
        lab.write(
            ".huaweicloud/credentials",
            &format!("[federated]\nidp_id = {HUAWEI_IDP}\nid_token_file = {}\n", token_file.display()),
        );
        lab.write(".hcloud/config.json", r#"{"profiles":[{"name":"agency","mode":"ecsAgency"}]}"#);
        let clients = lab.clients();
        let task = lab.huawei_task(Some(profile));
        let client = clients.for_task(&task).unwrap();
        let first = signed_with(&lab, &clients, &task).await;
        let expires = client.identity().await.unwrap().expires.unwrap();
        // Both last six hours: renewed at 5 h 20.
        let mut steps = 0;
        while steps < 3 * 24 * 3 {
            lab.advance(20 * MINUTE);
            steps += 1;
            for _ in 0..500 {
                let cache = client.identity().await.unwrap().cache.unwrap();
                if cache.renew_at.is_some_and(|at| at > oaswatch::credentials::Clock::now(&lab.clock)) {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            fetch(&clients, &task).await.unwrap_or_else(|e| panic!("{profile} after {steps} steps: {e:?}"));
        }
        let renewals = client.identity().await.unwrap().cache.unwrap().renewals;
        assert!(renewals >= 72 * 60 / 320, "{profile}: {renewals}");
        assert!(!lab.sim.stats().auth_errors.contains_key("APIG.1001"), "{:?}", lab.sim.stats().auth_errors);
        assert_ne!(signed_with(&lab, &clients, &task).await, first);
        assert!(client.identity().await.unwrap().expires.unwrap() > expires);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_throttled_iam_is_retried_and_the_renewal_waits_in_the_background() {
    let lab = Lab::new().await;
    let token_file = lab.write("run/id-token", HUAWEI_ID_TOKEN);
    lab.write(
        ".huaweicloud/credentials",
        &format!("[f]\nidp_id = {HUAWEI_IDP}\nid_token_file = {}\n", token_file.display()),
    );
    let clients = lab.clients();
    let task = lab.huawei_task(Some("f"));
    lab.sim.fail_credential_calls(Service::HuaweiIam, Fault::Throttle, 1);
    let error = fetch(&clients, &task).await.unwrap_err();
    assert_eq!((error.kind, error.code.as_str()), (FetchErrorKind::Throttled, "iam.throttled"));
    let first = signed_with(&lab, &clients, &task).await;
    lab.advance(5 * 60 * MINUTE + 21 * MINUTE);
    until_renewals(&clients, &task, 2).await;
    assert_ne!(signed_with(&lab, &clients, &task).await, first);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_and_expired_credentials_name_their_source_and_no_secret() {
    let mut lab = Lab::new().await;
    let wrong = lab.write("run/wrong", "eyJwrong-id-token-LEAKME");
    let expired = lab.write("run/expired", HUAWEI_EXPIRED_ID_TOKEN);
    let good = lab.write("run/good", HUAWEI_ID_TOKEN);
    lab.write(
        ".huaweicloud/credentials",
        &format!(
            "[wrong]\nidp_id = {HUAWEI_IDP}\nid_token_file = {}\n[expired]\nidp_id = {HUAWEI_IDP}\nid_token_file = {}\n\
             [unknown-idp]\nidp_id = someone-else\nid_token_file = {}\n[bad-key]\nak = SIMULATORAKNOTREAL001\nsk = wrong-sk-LEAKME-01\n",
            wrong.display(),
            expired.display(),
            good.display()
        ),
    );
    lab.write(
        ".hcloud/config.json",
        r#"{"current":"x","authEncrypt":"true","profiles":[{"name":"locked","mode":"AKSK","accessKeyId":"ENCRYPTED-LEAKME","secretAccessKey":"ENCRYPTED-LEAKME"}]}"#,
    );
    let clients = lab.clients();
    let mut messages = Vec::new();
    for (profile, kind, code, needles) in [
        (
            "wrong",
            FetchErrorKind::Auth,
            "credentials.rejected",
            &["(profile wrong), OIDC federation", "IAM refused the ID token: 1100"][..],
        ),
        ("expired", FetchErrorKind::Auth, "credentials.rejected", &["(profile expired)", "1106", "expired"][..]),
        ("unknown-idp", FetchErrorKind::Auth, "credentials.rejected", &["identity provider someone-else", "1105"][..]),
        ("bad-key", FetchErrorKind::Auth, "APIG.0301", &["credentials from", "(profile bad-key)"][..]),
        (
            "locked",
            FetchErrorKind::Auth,
            "credentials.invalid",
            &[".hcloud/config.json (profile locked)", "encrypted"][..],
        ),
    ] {
        let error = fetch(&clients, &lab.huawei_task(Some(profile))).await.unwrap_err();
        assert_eq!((error.kind, error.code.as_str()), (kind, code), "{profile}: {error:?}");
        for needle in needles {
            assert!(error.message.contains(needle), "{profile}: {needle} not in {}", error.message);
        }
        messages.push(error.message);
    }
    lab.set("HUAWEICLOUD_SDK_IDP_ID", HUAWEI_IDP).set("HUAWEICLOUD_SDK_ID_TOKEN_FILE", expired.to_str().unwrap());
    let error = fetch(&lab.clients(), &lab.huawei_task(None)).await.unwrap_err();
    assert!(error.message.starts_with("env HUAWEICLOUD_SDK_ID_TOKEN_FILE, OIDC federation"), "{}", error.message);
    messages.push(error.message);
    let mut secrets = lab.sim.issued_secrets();
    secrets.extend(["LEAKME".to_owned(), HUAWEI_EXPIRED_ID_TOKEN.to_owned(), HUAWEI_ID_TOKEN.to_owned()]);
    for message in &messages {
        for secret in &secrets {
            assert!(!message.contains(secret.as_str()), "a secret in: {message}");
        }
    }
}
