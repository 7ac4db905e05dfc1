//! Every source of the Alibaba Cloud chain against the simulator over real HTTP: the environment,
//! an OIDC role, every aliyun CLI profile mode and SDK file type, the ECS metadata service and a
//! credentials URI. Temporary keys are renewed across their expiry with a paused clock (the
//! chains' and the simulator's, moved by hand), for days; a wrong or expired credential fails
//! with a message naming its source and quoting no secret.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "test setup fails loudly")]

use crate::creds_support;

use std::time::Duration;

use creds_support::{Lab, eventually, fetch, until_renewals};
use oaswatch::domain::{FetchErrorKind, TaskRef};
use oaswatch::provider::{Account, Clients};
use oaswatch::sim::creds::{
    ALIYUN_EXPIRED_OIDC_TOKEN, ALIYUN_OIDC_TOKEN, CREDENTIALS_URI_TOKEN, ECS_ROLE, Fault, Service,
};

const MINUTE: Duration = Duration::from_secs(60);

fn cli_config(lab: &Lab) -> String {
    let (id, secret, _) = lab.aliyun_key(false);
    let (sts_id, sts_secret, sts_token) = lab.aliyun_key(true);
    let token_file = lab.write("run/oidc-token", ALIYUN_OIDC_TOKEN);
    let script = lab.write(
        "bin/aliyun-creds",
        &format!(
            "#!/bin/sh\necho run >> \"$0.count\"\nprintf '%s' '{{\"mode\":\"AK\",\"access_key_id\":\"{id}\",\"access_key_secret\":\"{secret}\"}}'\n"
        ),
    );
    make_executable(&script);
    serde_json::json!({
        "current": "ak",
        "profiles": [
            {"name": "ak", "mode": "AK", "access_key_id": id, "access_key_secret": secret, "region_id": "cn-hangzhou"},
            {"name": "sts", "mode": "StsToken", "access_key_id": sts_id, "access_key_secret": sts_secret, "sts_token": sts_token},
            {"name": "role", "mode": "RamRoleArn", "access_key_id": id, "access_key_secret": secret,
             "ram_role_arn": "acs:ram::1234567890123456:role/oaswatch-reader", "ram_session_name": "oaswatch-test"},
            {"name": "chained", "mode": "ChainableRamRoleArn", "source_profile": "role",
             "ram_role_arn": "acs:ram::6543210987654321:role/cross-account"},
            {"name": "ecs", "mode": "EcsRamRole", "ram_role_name": ECS_ROLE},
            {"name": "oidc", "mode": "OIDC", "ram_role_arn": "acs:ram::1234567890123456:role/ci",
             "oidc_provider_arn": "acs:ram::1234567890123456:oidc-provider/github", "oidc_token_file": token_file},
            {"name": "uri", "mode": "CredentialsURI", "credentials_uri": lab.sim.credentials_uri()},
            {"name": "ext", "mode": "External", "process_command": format!("{} --profile prod", script.display())},
            {"name": "bad-role", "mode": "RamRoleArn", "access_key_id": id, "access_key_secret": "wrong-secret-LEAKME-0001",
             "ram_role_arn": "acs:ram::1234567890123456:role/oaswatch-reader"},
            {"name": "denied-role", "mode": "RamRoleArn", "access_key_id": id, "access_key_secret": secret,
             "ram_role_arn": "acs:ram::1234567890123456:role/denied-reader"},
            {"name": "bad-uri", "mode": "CredentialsURI",
             "credentials_uri": format!("{}/oaswatch-sim/credentials?token=wrong-LEAKME", lab.sim.base_url())},
            {"name": "bad-ext", "mode": "External", "process_command": "sh -c 'echo LEAKME-out; echo LEAKME-err >&2; exit 1'"},
            {"name": "bad-ecs", "mode": "EcsRamRole", "ram_role_name": "NoSuchRole"},
        ]
    })
    .to_string()
}

fn make_executable(path: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700)).unwrap();
}

/// Fetches the task with `clients` and returns the key that signed it.
async fn signed_with(lab: &Lab, clients: &Clients, task: &TaskRef) -> String {
    let before = lab.sim.requests_signed_by();
    let fetched = fetch(clients, task).await.unwrap_or_else(|e| panic!("{task}: {e:?}"));
    assert_eq!(&fetched.task_ref, task, "the answer keeps the reference, profile included");
    let after = lab.sim.requests_signed_by();
    let signers: Vec<&String> = after.iter().filter(|(key, n)| before.get(*key) != Some(*n)).map(|(k, _)| k).collect();
    assert_eq!(signers.len(), 1, "{task}: one key signed the request: {signers:?}");
    signers[0].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_environment_key_signs_first() {
    let mut lab = Lab::new().await;
    let (id, secret, _) = lab.aliyun_key(false);
    lab.set("ALIBABA_CLOUD_ACCESS_KEY_ID", &id).set("ALIBABA_CLOUD_ACCESS_KEY_SECRET", &secret);
    lab.write(".aliyun/config.json", &cli_config(&lab));
    let clients = lab.clients();
    assert_eq!(signed_with(&lab, &clients, &lab.aliyun_task(None)).await, id);
    let provenance = clients.provenance(&Account::default_of(oaswatch::domain::ProviderKind::Aliyun)).unwrap();
    assert_eq!(provenance.source.to_string(), "env ALIBABA_CLOUD_ACCESS_KEY_ID");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oidc_role_from_the_environment_is_exchanged_with_sts_once_and_reused() {
    let mut lab = Lab::new().await;
    let token = lab.write("run/token", ALIYUN_OIDC_TOKEN);
    lab.set("ALIBABA_CLOUD_ROLE_ARN", "acs:ram::1234567890123456:role/ci")
        .set("ALIBABA_CLOUD_OIDC_PROVIDER_ARN", "acs:ram::1234567890123456:oidc-provider/github")
        .set("ALIBABA_CLOUD_OIDC_TOKEN_FILE", token.to_str().unwrap());
    let clients = lab.clients();
    let task = lab.aliyun_task(None);
    let key = signed_with(&lab, &clients, &task).await;
    assert!(key.starts_with("STS."), "{key}");
    assert_eq!(signed_with(&lab, &clients, &task).await, key, "cached");
    assert_eq!(lab.sim.credential_calls(Service::AliyunSts), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_cli_profile_mode_signs_real_requests() {
    let lab = Lab::new().await;
    lab.write(".aliyun/config.json", &cli_config(&lab));
    let clients = lab.clients();
    let (id, _, _) = lab.aliyun_key(false);
    let (sts_id, _, _) = lab.aliyun_key(true);
    for (profile, expected_key, source_tail, kind) in [
        ("ak", Some(id.as_str()), "(profile ak)", "access key"),
        ("sts", Some(sts_id.as_str()), "(profile sts)", "STS token"),
        ("role", None, "mode RamRoleArn, role acs:ram::1234567890123456:role/oaswatch-reader", "STS token"),
        (
            "chained",
            None,
            "mode ChainableRamRoleArn from profile role, role acs:ram::6543210987654321:role/cross-account",
            "STS token",
        ),
        ("ecs", None, "mode EcsRamRole, role OaswatchSimEcsRole", "STS token"),
        ("oidc", None, "mode OIDC, role acs:ram::1234567890123456:role/ci", "STS token"),
        ("uri", None, "/oaswatch-sim/credentials?…", "STS token"),
        ("ext", Some(id.as_str()), "mode External, process `aliyun-creds`", "access key"),
    ] {
        let task = lab.aliyun_task(Some(profile));
        let key = signed_with(&lab, &clients, &task).await;
        match expected_key {
            Some(expected) => assert_eq!(key, expected, "{profile}"),
            None => assert!(key.starts_with("STS.NSim"), "{profile}: an issued key, got {key}"),
        }
        let account = Account::of(&task);
        let source = clients.provenance(&account).unwrap().source.to_string();
        assert!(source.contains(".aliyun/config.json") && source.ends_with(source_tail), "{profile}: {source}");
        let identity = clients.account(&account).unwrap().identity().await.unwrap();
        assert_eq!(identity.kind, kind, "{profile}");
        assert!(!identity.key_id.unwrap().contains(&key), "masked");
    }
    // The chained role asked STS twice: once with the source profile's key, once with the result.
    assert!(lab.sim.credential_calls(Service::AliyunSts) >= 4);
    assert!(lab.sim.credential_calls(Service::AliyunImds) >= 2, "IMDSv2 token, then the key");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_sdk_file_type_signs_real_requests() {
    let lab = Lab::new().await;
    let (id, secret, _) = lab.aliyun_key(false);
    let (sts_id, sts_secret, sts_token) = lab.aliyun_key(true);
    let token_file = lab.write("run/oidc", ALIYUN_OIDC_TOKEN);
    lab.write(
        ".alibabacloud/credentials",
        &format!(
            "[default]\ntype = access_key\naccess_key_id = {id}\naccess_key_secret = {secret}\n\
             [sts]\ntype = sts\naccess_key_id = {sts_id}\naccess_key_secret = {sts_secret}\nsecurity_token = {}\n\
             [role]\ntype = ram_role_arn\naccess_key_id = {id}\naccess_key_secret = {secret}\nrole_arn = acs:ram::1:role/r\nrole_session_name = s\n\
             [oidc]\ntype = oidc_role_arn\nrole_arn = acs:ram::1:role/o\noidc_provider_arn = acs:ram::1:oidc-provider/p\noidc_token_file_path = {}\n\
             [ecs]\ntype = ecs_ram_role\nrole_name = {ECS_ROLE}\n\
             [uri]\ntype = credentials_uri\ncredentials_uri = {}\n",
            sts_token.unwrap(),
            token_file.display(),
            lab.sim.credentials_uri(),
        ),
    );
    let clients = lab.clients();
    assert_eq!(signed_with(&lab, &clients, &lab.aliyun_task(None)).await, id, "[default] of the default chain");
    assert_eq!(signed_with(&lab, &clients, &lab.aliyun_task(Some("sts"))).await, sts_id);
    for profile in ["role", "oidc", "ecs", "uri"] {
        let key = signed_with(&lab, &clients, &lab.aliyun_task(Some(profile))).await;
        assert!(key.starts_with("STS.NSim"), "{profile}: {key}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_metadata_service_then_the_credentials_uri_end_the_default_chain() {
    let mut lab = Lab::new().await;
    let clients = lab.clients();
    let key = signed_with(&lab, &clients, &lab.aliyun_task(None)).await;
    assert!(key.starts_with("STS."), "the ECS RAM role: {key}");
    assert_eq!(lab.sim.credential_calls(Service::AliyunImds), 3, "token, role name, key");

    // Off ECS (nothing listens) the credentials URI is next.
    lab.set("OASWATCH_ALIYUN_IMDS_ENDPOINT", "http://127.0.0.1:1");
    lab.set("ALIBABA_CLOUD_CREDENTIALS_URI", &lab.sim.credentials_uri());
    let clients = lab.clients();
    let key = signed_with(&lab, &clients, &lab.aliyun_task(None)).await;
    assert!(key.starts_with("STS."));
    assert_eq!(lab.sim.credential_calls(Service::CredentialsUri), 1);

    // And with neither, the error says what to set, and why each source did not count.
    lab.unset("ALIBABA_CLOUD_CREDENTIALS_URI");
    let error = fetch(&lab.clients(), &lab.aliyun_task(None)).await.unwrap_err();
    assert_eq!((error.kind, error.code.as_str()), (FetchErrorKind::Auth, "credentials.missing"));
    for needle in [
        "ALIBABA_CLOUD_ACCESS_KEY_ID",
        "ALIBABA_CLOUD_OIDC_TOKEN_FILE",
        ".aliyun/config.json not found",
        "ECS metadata service did not answer",
    ] {
        assert!(error.message.contains(needle), "{needle}: {}", error.message);
    }
}

/// Fetches every `step` for `total`, and checks no request was ever refused for an expired key
/// and the cache renewed ahead of every expiry. Returns the renewals seen.
async fn watch_for(lab: &Lab, clients: &Clients, task: &TaskRef, step: Duration, total: Duration) -> u64 {
    let account = Account::of(task);
    let client = clients.account(&account).unwrap();
    let mut elapsed = Duration::ZERO;
    while elapsed < total {
        lab.advance(step);
        elapsed += step;
        // The background renewal runs on the runtime's threads; a request meanwhile still has a
        // valid key, but the next step must find the renewal done.
        for _ in 0..500 {
            let identity = client.identity().await.unwrap();
            let cache = identity.cache.unwrap();
            if cache.renew_at.is_some_and(|at| at > lab.clock_now()) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let fetched = fetch(clients, task).await;
        assert!(fetched.is_ok(), "{task} after {elapsed:?}: {fetched:?}");
    }
    let stats = lab.sim.stats();
    assert_eq!(stats.auth_errors.get("InvalidSecurityToken.Expired"), None, "{:?}", stats.auth_errors);
    client.identity().await.unwrap().cache.unwrap().renewals
}

trait ClockNow {
    fn clock_now(&self) -> std::time::SystemTime;
}

impl ClockNow for Lab {
    fn clock_now(&self) -> std::time::SystemTime {
        use oaswatch::credentials::Clock as _;
        self.clock.now()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn temporary_keys_are_renewed_before_they_expire_for_days() {
    for (profile, lifetime) in [("role", 60), ("chained", 60), ("oidc", 60), ("uri", 60), ("ecs", 360)] {
        // A lab per source: only this account's cache runs while the clock jumps.
        let lab = Lab::new().await;
        lab.write(".aliyun/config.json", &cli_config(&lab));
        let clients = lab.clients();
        let task = lab.aliyun_task(Some(profile));
        let first = signed_with(&lab, &clients, &task).await;
        // Three days in 15-minute steps: the STS keys (1 h) renew at 45 min, the ECS key (6 h)
        // at 5 h 45.
        let renewals = watch_for(&lab, &clients, &task, 15 * MINUTE, Duration::from_secs(3 * 24 * 3600)).await;
        let expected = 3 * 24 * 60 / (lifetime - 15);
        assert!(renewals >= expected, "{profile}: {renewals} renewals, expected at least {expected}");
        let last = signed_with(&lab, &clients, &task).await;
        assert_ne!(first, last, "{profile}: a new key");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_renewal_happens_in_the_background_with_no_request_waiting() {
    let lab = Lab::new().await;
    lab.write(".aliyun/config.json", &cli_config(&lab));
    let clients = lab.clients();
    let task = lab.aliyun_task(Some("role"));
    let first = signed_with(&lab, &clients, &task).await;
    let calls = lab.sim.credential_calls(Service::AliyunSts);
    lab.advance(44 * MINUTE);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(lab.sim.credential_calls(Service::AliyunSts), calls, "not yet: 16 minutes left");
    lab.advance(2 * MINUTE);
    eventually("a background AssumeRole", || lab.sim.credential_calls(Service::AliyunSts) == calls + 1).await;
    until_renewals(&clients, &task, 2).await;
    let second = signed_with(&lab, &clients, &task).await;
    assert_ne!(first, second);
    // Past the first key's expiry, the simulator would refuse it; the client never sends it.
    lab.advance(20 * MINUTE);
    assert_eq!(signed_with(&lab, &clients, &task).await, second);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_external_process_is_run_again_three_minutes_before_its_key_expires() {
    let lab = Lab::new().await;
    let (id, secret, _) = lab.aliyun_key(false);
    // The process says its key expires an hour after the lab's clock file says it is now.
    let now_file = lab.home.path().join("run/now-plus-hour");
    let script = lab.write(
        "bin/creds-with-expiry",
        &format!(
            "#!/bin/sh\necho run >> \"$0.count\"\nprintf '{{\"mode\":\"AK\",\"access_key_id\":\"{id}\",\"access_key_secret\":\"{secret}\",\"expiration\":\"%s\"}}' \"$(cat {})\"\n",
            now_file.display()
        ),
    );
    make_executable(&script);
    let set_now = |lab: &Lab| {
        use oaswatch::credentials::Clock as _;
        let at = lab.clock.now() + Duration::from_secs(3600);
        std::fs::create_dir_all(now_file.parent().unwrap()).unwrap();
        std::fs::write(&now_file, oaswatch::provider::aliyun::credentials::sts::iso8601(at)).unwrap();
    };
    set_now(&lab);
    lab.write(
        ".aliyun/config.json",
        &serde_json::json!({"profiles": [{"name": "ext", "mode": "External", "process_command": script}]}).to_string(),
    );
    let clients = lab.clients();
    let task = lab.aliyun_task(Some("ext"));
    signed_with(&lab, &clients, &task).await;
    let runs = || std::fs::read_to_string(format!("{}.count", script.display())).unwrap_or_default().lines().count();
    assert_eq!(runs(), 1);
    lab.advance(56 * MINUTE);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(runs(), 1, "4 minutes left: not yet");
    set_now(&lab);
    lab.advance(2 * MINUTE);
    eventually("the process to run again", || runs() == 2).await;
    signed_with(&lab, &clients, &task).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttled_and_failing_services_are_retried_while_the_key_still_works() {
    let lab = Lab::new().await;
    lab.write(".aliyun/config.json", &cli_config(&lab));
    let clients = lab.clients();
    let task = lab.aliyun_task(Some("role"));
    lab.sim.fail_credential_calls(Service::AliyunSts, Fault::Throttle, 1);
    let error = fetch(&clients, &task).await.unwrap_err();
    assert_eq!((error.kind, error.code.as_str()), (FetchErrorKind::Throttled, "sts.throttled"));
    assert_eq!(error.retry_after, Some(Duration::from_secs(1)), "x-acs-retry-after: 1000");
    let first = signed_with(&lab, &clients, &task).await;

    // STS fails at the renewal point: the current key keeps working, the renewal is retried
    // (10 s, then 20 s later).
    lab.sim.fail_credential_calls(Service::AliyunSts, Fault::Unavailable, 2);
    lab.advance(46 * MINUTE);
    eventually("a failed background attempt", || lab.sim.credential_calls(Service::AliyunSts) >= 3).await;
    assert_eq!(signed_with(&lab, &clients, &task).await, first, "the old key, still valid");
    lab.advance(MINUTE);
    eventually("a second failed attempt", || lab.sim.credential_calls(Service::AliyunSts) >= 4).await;
    lab.advance(MINUTE);
    eventually("the retry that works", || lab.sim.credential_calls(Service::AliyunSts) >= 5).await;
    until_renewals(&clients, &task, 2).await;
    assert_ne!(signed_with(&lab, &clients, &task).await, first);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_and_expired_credentials_name_their_source_and_no_secret() {
    let mut lab = Lab::new().await;
    lab.write(".aliyun/config.json", &cli_config(&lab));
    let expired = lab.write("run/expired-token", ALIYUN_EXPIRED_OIDC_TOKEN);
    let clients = lab.clients();
    let mut messages = Vec::new();
    for (profile, needles) in [
        (
            "bad-role",
            &[".aliyun/config.json (profile bad-role), mode RamRoleArn", "STS refused: SignatureDoesNotMatch"][..],
        ),
        ("denied-role", &["(profile denied-role)", "NoPermission"][..]),
        ("bad-uri", &["(profile bad-uri), mode CredentialsURI", "refused (HTTP 403)"][..]),
        ("bad-ext", &["(profile bad-ext), mode External", "exited with status 1"][..]),
        ("bad-ecs", &["(profile bad-ecs), mode EcsRamRole", "HTTP 404"][..]),
    ] {
        let error = fetch(&clients, &lab.aliyun_task(Some(profile))).await.unwrap_err();
        assert_eq!(
            (error.kind, error.code.as_str()),
            (FetchErrorKind::Auth, "credentials.rejected"),
            "{profile}: {error:?}"
        );
        for needle in needles {
            assert!(error.message.contains(needle), "{profile}: {needle} not in {}", error.message);
        }
        messages.push(error.message);
    }
    lab.set("ALIBABA_CLOUD_ROLE_ARN", "acs:ram::1:role/ci")
        .set("ALIBABA_CLOUD_OIDC_PROVIDER_ARN", "acs:ram::1:oidc-provider/p")
        .set("ALIBABA_CLOUD_OIDC_TOKEN_FILE", expired.to_str().unwrap());
    let error = fetch(&lab.clients(), &lab.aliyun_task(None)).await.unwrap_err();
    assert!(
        error.message.contains("env ALIBABA_CLOUD_OIDC_TOKEN_FILE, OIDC role acs:ram::1:role/ci"),
        "{}",
        error.message
    );
    assert!(error.message.contains("AuthenticationFail.OIDCToken.Expired"), "{}", error.message);
    messages.push(error.message);

    let mut secrets = lab.sim.issued_secrets();
    secrets.extend([
        "LEAKME".to_owned(),
        ALIYUN_EXPIRED_OIDC_TOKEN.to_owned(),
        CREDENTIALS_URI_TOKEN.to_owned(),
        lab.aliyun_key(false).1,
    ]);
    for message in &messages {
        for secret in &secrets {
            assert!(!message.contains(secret.as_str()), "a secret in: {message}");
        }
    }
}
