//! Credentials over real HTTP: what the real services accept, the simulator accepts; what they
//! reject, it rejects with the same code and status.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "test code: a failure fails the test")]

use crate::common;

use std::time::{Duration, SystemTime};

use common::{AliyunCall, AliyunKey, HuaweiAuth, HuaweiCall, HuaweiSigner, Poller, aliyun_send, huawei_send};
use oaswatch::domain::TaskRef;
use oaswatch::sim::SimHandle;
use serde_json::Value;

async fn json(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let bytes = response.bytes().await.expect("body");
    let body = serde_json::from_slice(&bytes).expect("JSON body");
    (status, body)
}

async fn happy() -> SimHandle {
    common::start("happy", 1, 1.0).await
}

fn aliyun_task(handle: &SimHandle) -> String {
    handle.task_ref("aliyun-petstore").unwrap().task_id().to_owned()
}

#[tokio::test]
async fn aliyun_signed_requests_are_accepted_and_answer_the_official_shape() {
    let sim = happy().await;
    let client = common::client();
    let key = AliyunKey::of(&sim, false);
    let response = aliyun_send(&client, &sim.base_url(), &key, &AliyunCall::describe(&aliyun_task(&sim))).await;
    let request_id_header = response.headers().get("x-acs-request-id").unwrap().to_str().unwrap().to_owned();
    let (status, body) = json(response).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["RequestId"], request_id_header.as_str());
    assert_eq!(body["RequestId"].as_str().unwrap().len(), 36);
    assert!(body["ApiResults"]["ApiResult"].is_array(), "wrapped arrays: {body}");
    assert!(body["ModelResults"]["ModelResult"].is_array());
    assert!(matches!(body["TaskStatus"].as_str(), Some("Running" | "Finished")));
    let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["RequestId", "ApiResults", "ModelResults", "TaskStatus"]);

    let sts = AliyunKey::of(&sim, true);
    let (status, body) =
        json(aliyun_send(&client, &sim.base_url(), &sts, &AliyunCall::describe(&aliyun_task(&sim))).await).await;
    assert_eq!(status, 200, "an STS key with its token: {body}");
    assert_eq!(sim.stats().rejected_auth, 0);
}

async fn aliyun_rejection(sim: &SimHandle, key: &AliyunKey, call: &AliyunCall) -> (u16, String, String) {
    let (status, body) = json(aliyun_send(&common::client(), &sim.base_url(), key, call).await).await;
    for field in ["RequestId", "HostId", "Code", "Message", "Recommend"] {
        assert!(body.get(field).is_some(), "Alibaba error bodies carry {field}: {body}");
    }
    (status, body["Code"].as_str().unwrap().to_owned(), body["Message"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn aliyun_rejects_each_credential_fault_with_its_code() {
    let sim = happy().await;
    let key = AliyunKey::of(&sim, false);
    let task = aliyun_task(&sim);

    let wrong = AliyunKey { secret: "not-the-secret".into(), ..key.clone() };
    let (status, code, message) = aliyun_rejection(&sim, &wrong, &AliyunCall::describe(&task)).await;
    assert_eq!((status, code.as_str()), (400, "SignatureDoesNotMatch"));
    assert!(message.contains("server string to sign is:ACS3-HMAC-SHA256\n"), "{message}");

    let unknown = AliyunKey { id: "LTAI5tNobodyHasThisKey00".into(), ..key.clone() };
    let (status, code, _) = aliyun_rejection(&sim, &unknown, &AliyunCall::describe(&task)).await;
    assert_eq!((status, code.as_str()), (404, "InvalidAccessKeyId.NotFound"));

    let mut stale = AliyunCall::describe(&task);
    stale.date = SystemTime::now() - Duration::from_secs(20 * 60);
    let (status, code, _) = aliyun_rejection(&sim, &key, &stale).await;
    assert_eq!((status, code.as_str()), (400, "InvalidTimeStamp.Expired"));
    let mut future = AliyunCall::describe(&task);
    future.date = SystemTime::now() + Duration::from_secs(16 * 60);
    assert_eq!(aliyun_rejection(&sim, &key, &future).await.1, "InvalidTimeStamp.Expired");

    let mut unsigned_nonce = AliyunCall::describe(&task);
    unsigned_nonce.unsigned.push("x-acs-signature-nonce".into());
    let (status, code, message) = aliyun_rejection(&sim, &key, &unsigned_nonce).await;
    assert_eq!((status, code.as_str()), (400, "IncompleteSignature"));
    assert!(message.contains("x-acs-signature-nonce"), "{message}");

    let mut hash_mismatch = AliyunCall::import("736508d885074167ba8fbce3bc95ea0b", false, "swagger: '2.0'");
    hash_mismatch.claimed_hash = Some(oaswatch::provider::signing::sha256_hex(b"another body"));
    let (status, code, message) = aliyun_rejection(&sim, &key, &hash_mismatch).await;
    assert_eq!((status, code.as_str()), (400, "SignatureDoesNotMatch"));
    assert!(message.contains("x-acs-content-sha256"), "{message}");

    let mut sts = AliyunKey::of(&sim, true);
    sts.token = None;
    let (status, code, _) = aliyun_rejection(&sim, &sts, &AliyunCall::describe(&task)).await;
    assert_eq!((status, code.as_str()), (400, "InvalidSecurityToken.Mismatch"), "an STS key without its token");
    sts.token = Some("CAISsomebodyElsesToken".into());
    assert_eq!(aliyun_rejection(&sim, &sts, &AliyunCall::describe(&task)).await.1, "InvalidSecurityToken.Mismatch");

    let counters = sim.stats();
    assert_eq!(counters.rejected_auth, 8);
    assert_eq!(counters.auth_errors["SignatureDoesNotMatch"], 2);
    assert_eq!(counters.requests_for("aliyun DescribeImportOASTask"), 7);
    assert_eq!(counters.requests_for("aliyun ImportOAS"), 1);
    assert_eq!(counters.tasks_created, 3, "the rejected ImportOAS created nothing");
}

#[tokio::test]
async fn aliyun_nonces_are_single_use() {
    let sim = happy().await;
    let key = AliyunKey::of(&sim, false);
    let call = AliyunCall::describe(&aliyun_task(&sim));
    let (first, _) = json(aliyun_send(&common::client(), &sim.base_url(), &key, &call).await).await;
    assert_eq!(first, 200);
    let (status, code, message) = aliyun_rejection(&sim, &key, &call).await;
    assert_eq!((status, code.as_str()), (400, "SignatureNonceUsed"));
    assert_eq!(message, "Specified signature nonce was used already.");
    let fresh = AliyunCall { nonce: common::nonce(), ..call };
    assert_eq!(json(aliyun_send(&common::client(), &sim.base_url(), &key, &fresh).await).await.0, 200);
}

#[tokio::test]
async fn aliyun_expired_sts_tokens_and_unknown_operations() {
    let text = r#"
name = "expiry"
[aliyun]
unknown_operation = { status = 400, code = "InvalidParameter.OperationId", message = "no such task" }
[[aliyun.credentials]]
access_key_id = "STS.Expired"
access_key_secret = "s"
security_token = "t"
expires_in_secs = 0
[[aliyun.credentials]]
access_key_id = "LTAIok"
access_key_secret = "s2"
"#;
    let sim = common::start_toml(text, 1, 1.0).await;
    let expired = AliyunKey { id: "STS.Expired".into(), secret: "s".into(), token: Some("t".into()) };
    let (status, code, _) = aliyun_rejection(&sim, &expired, &AliyunCall::describe("0".repeat(32).as_str())).await;
    assert_eq!((status, code.as_str()), (400, "InvalidSecurityToken.Expired"));

    let ok = AliyunKey { id: "LTAIok".into(), secret: "s2".into(), token: None };
    let (status, code, message) = aliyun_rejection(&sim, &ok, &AliyunCall::describe("f".repeat(32).as_str())).await;
    assert_eq!((status, code.as_str(), message.as_str()), (400, "InvalidParameter.OperationId", "no such task"));
}

#[tokio::test]
async fn aliyun_default_unknown_operation_and_bad_actions() {
    let sim = happy().await;
    let key = AliyunKey::of(&sim, false);
    let (status, code, message) = aliyun_rejection(&sim, &key, &AliyunCall::describe(&"a".repeat(32))).await;
    assert_eq!((status, code.as_str()), (404, "NotFound.OperationId"));
    assert_eq!(message, "The specified OperationId does not exist.");

    let huawei_id = sim.task_ref("huawei-petstore").unwrap().task_id().to_owned();
    assert_eq!(aliyun_rejection(&sim, &key, &AliyunCall::describe(&huawei_id)).await.1, "NotFound.OperationId");

    let (status, code, _) = aliyun_rejection(&sim, &key, &AliyunCall::new("DeployApi")).await;
    assert_eq!((status, code.as_str()), (404, "InvalidAction.NotFound"));
    let mut old = AliyunCall::describe(&aliyun_task(&sim));
    old.version = "2014-05-26".into();
    assert_eq!(aliyun_rejection(&sim, &key, &old).await.1, "InvalidVersion");
    let (status, code, _) = aliyun_rejection(&sim, &key, &AliyunCall::new("DescribeImportOASTask")).await;
    assert_eq!((status, code.as_str()), (400, "MissingParameter"));
}

fn huawei_path(sim: &SimHandle) -> String {
    common::huawei_task_path(&sim.task_ref("huawei-petstore").unwrap())
}

async fn huawei_answer(sim: &SimHandle, auth: &HuaweiAuth, call: &HuaweiCall) -> (u16, Value) {
    let response = huawei_send(&common::client(), &sim.base_url(), auth, call).await;
    let request_id = response.headers().get("x-request-id").map(|v| v.to_str().unwrap().to_owned());
    let (status, body) = json(response).await;
    if status >= 400 {
        assert!(body["error_code"].is_string() && body["error_msg"].is_string(), "{body}");
        assert_eq!(body["request_id"].as_str(), request_id.as_deref(), "X-Request-Id matches the body");
    }
    (status, body)
}

fn code(body: &Value) -> &str {
    body["error_code"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn huawei_accepts_go_and_python_style_signatures_tokens_and_temporary_keys() {
    let sim = happy().await;
    let call = HuaweiCall::get(&huawei_path(&sim));
    let go_style = HuaweiSigner::of(&sim, false);
    let (status, body) = huawei_answer(&sim, &HuaweiAuth::AkSk(go_style.clone()), &call).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["task_type"], "import_api");
    let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["task_id", "task_status", "task_type", "task_result"]);

    let python_style = HuaweiSigner { sign_host: true, project_header: None, ..go_style.clone() };
    assert_eq!(huawei_answer(&sim, &HuaweiAuth::AkSk(python_style), &call).await.0, 200);

    let temporary = HuaweiSigner::of(&sim, true);
    assert_eq!(huawei_answer(&sim, &HuaweiAuth::AkSk(temporary), &call).await.0, 200);

    let token = secrecy::ExposeSecret::expose_secret(&sim.huawei_token().unwrap()).to_owned();
    assert_eq!(huawei_answer(&sim, &HuaweiAuth::Token(token), &call).await.0, 200);
    assert_eq!(sim.stats().rejected_auth, 0);
}

#[tokio::test]
async fn huawei_rejects_each_credential_fault_with_its_code() {
    let sim = happy().await;
    let call = HuaweiCall::get(&huawei_path(&sim));
    let good = HuaweiSigner::of(&sim, false);
    let check = |expect_status: u16, expect_code: &'static str| {
        move |(status, body): (u16, Value)| {
            assert_eq!((status, code(&body)), (expect_status, expect_code), "{body}");
            body
        }
    };

    let body = check(401, "APIG.0301")(
        huawei_answer(&sim, &HuaweiAuth::AkSk(HuaweiSigner { sk: "wrong".into(), ..good.clone() }), &call).await,
    );
    assert!(body["error_msg"].as_str().unwrap().starts_with("Incorrect IAM authentication information"));
    let stale = HuaweiSigner { date: SystemTime::now() - Duration::from_secs(16 * 60), ..good.clone() };
    check(401, "APIG.0301")(huawei_answer(&sim, &HuaweiAuth::AkSk(stale), &call).await);
    let undated = HuaweiSigner { skip_date: true, ..good.clone() };
    check(401, "APIG.0301")(huawei_answer(&sim, &HuaweiAuth::AkSk(undated), &call).await);
    let mut temporary = HuaweiSigner::of(&sim, true);
    temporary.security_token = None;
    check(401, "APIG.0301")(huawei_answer(&sim, &HuaweiAuth::AkSk(temporary), &call).await);

    check(401, "APIG.1000")(huawei_answer(&sim, &HuaweiAuth::None, &call).await);
    check(401, "APIG.1002")(huawei_answer(&sim, &HuaweiAuth::Token("MIIforged".into()), &call).await);
    let expired = secrecy::ExposeSecret::expose_secret(&sim.huawei_token_expiring_after(0.0).unwrap()).to_owned();
    check(401, "APIG.1001")(huawei_answer(&sim, &HuaweiAuth::Token(expired), &call).await);
    let other_project = HuaweiSigner { project_header: Some("f".repeat(32)), ..good.clone() };
    let body = check(403, "APIG.1005")(huawei_answer(&sim, &HuaweiAuth::AkSk(other_project), &call).await);
    assert_eq!(body["error_msg"], "No permissions to request this method");

    let counters = sim.stats();
    assert_eq!(counters.rejected_auth, 8);
    assert_eq!(counters.auth_errors["APIG.0301"], 4);
}

#[tokio::test]
async fn huawei_unknown_instances_and_tasks() {
    let sim = happy().await;
    let auth = HuaweiAuth::AkSk(HuaweiSigner::of(&sim, false));
    let TaskRef::Huawei { project_id, instance_id, .. } = sim.task_ref("huawei-petstore").unwrap() else { panic!() };
    let missing_task =
        format!("/v2/{project_id}/apigw/instances/{instance_id}/async-tasks/d9ce8c9eede54b3f841ec324fe0bfdc2");
    let (status, body) = huawei_answer(&sim, &auth, &HuaweiCall::get(&missing_task)).await;
    assert_eq!((status, code(&body)), (404, "APIG.3093"));
    assert_eq!(body["error_msg"], "The asynchronous task d9ce8c9eede54b3f841ec324fe0bfdc2 does not exist");

    let missing_instance = format!("/v2/{project_id}/apigw/instances/{}/async-tasks/x", "0".repeat(32));
    let (status, body) = huawei_answer(&sim, &auth, &HuaweiCall::get(&missing_instance)).await;
    assert_eq!((status, code(&body)), (404, "APIG.3030"));

    let (status, _) = huawei_answer(&sim, &auth, &HuaweiCall::get(&format!("{}/", huawei_path(&sim)))).await;
    assert_eq!(status, 200, "a trailing slash names the same task");

    let no_task_id = format!("/v2/{project_id}/apigw/instances/{instance_id}/async-tasks/");
    let (status, body) = huawei_answer(&sim, &auth, &HuaweiCall::get(&no_task_id)).await;
    assert_eq!((status, code(&body)), (400, "APIG.2001"));
    assert_eq!(
        body["error_msg"],
        "The request parameters must be specified,parameterName:task_id. Please refer to the support documentation"
    );
}

#[tokio::test]
async fn huawei_locks_an_access_key_after_five_failures() {
    let sim = happy().await;
    let call = HuaweiCall::get(&huawei_path(&sim));
    let good = HuaweiSigner::of(&sim, false);
    let wrong = HuaweiAuth::AkSk(HuaweiSigner { sk: "wrong".into(), ..good.clone() });
    for _ in 0..5 {
        assert_eq!(huawei_answer(&sim, &wrong, &call).await.0, 401);
    }
    let (status, body) = huawei_answer(&sim, &HuaweiAuth::AkSk(good), &call).await;
    assert_eq!((status, code(&body)), (401, "APIG.0301"));
    assert!(body["error_msg"].as_str().unwrap().contains("reach the limit"), "{body}");
    let other = HuaweiSigner::of(&sim, true);
    assert_eq!(huawei_answer(&sim, &HuaweiAuth::AkSk(other), &call).await.0, 200, "other keys are unaffected");
}

#[tokio::test]
async fn polling_helper_agrees_with_the_verifier() {
    let sim = happy().await;
    let poller = Poller::new(&sim);
    for task in sim.task_refs() {
        let (status, text) = poller.poll(&task).await;
        assert_eq!(status, 200, "{task}: {text}");
    }
}

#[tokio::test]
async fn aliyun_parameters_may_travel_in_a_signed_form_body() {
    let sim = happy().await;
    let key = AliyunKey::of(&sim, false);
    let mut call = AliyunCall::new("DescribeImportOASTask");
    call.body = format!("OperationId={}", aliyun_task(&sim)).into_bytes();
    call.content_type = Some("application/x-www-form-urlencoded".into());
    let (status, body) = json(aliyun_send(&common::client(), &sim.base_url(), &key, &call).await).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["ApiResults"]["ApiResult"].is_array());
}
