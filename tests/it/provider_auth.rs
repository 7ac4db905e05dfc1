//! Every auth mode against a small axum server that verifies requests the published way:
//! recompute the signature from what was received, honouring the client's SignedHeaders list
//! and `X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD`. A right secret is accepted, a wrong one is
//! rejected (→ Auth), and no secret shows up in any `Debug` or error text.

#![expect(clippy::unwrap_used, reason = "test servers and helpers should fail loudly")]

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use oaswatch::credentials::{CredentialSource, SecretString};
use oaswatch::domain::{FetchErrorKind, TaskRef, TaskState};
use oaswatch::provider::aliyun::sign::ACS3;
use oaswatch::provider::aliyun::{AliyunClient, AliyunCredentials, ImportOasOptions};
use oaswatch::provider::huawei::sign::SDK_HMAC;
use oaswatch::provider::huawei::{HuaweiClient, HuaweiCredentials, HuaweiExportOptions, HuaweiImportOptions};
use oaswatch::provider::signing::{SignedRequest, sha256_hex};
use oaswatch::provider::{Fetch, HttpConfig, build_client, validate_endpoint};
use reqwest::Url;

const AK: &str = "TESTACCESSKEYID";
const SECRET: &str = "the-real-secret-0123456789";
const WRONG: &str = "a-wrong-secret-9876543210";
const STS_TOKEN: &str = "sts-token-abcdef";
const IAM_TOKEN: &str = "MIIT-iam-token-xyz";
const PROJECT: &str = "0123456789abcdef0123456789abcdef";
const ALIYUN_REF: &str = "aliyun://cn-hangzhou/4c53ccf1d40c489686d1adf5c2644a7f";
const HUAWEI_REF: &str = "huawei://cn-north-4/0123456789abcdef0123456789abcdef/eddc4d25480b4cd6b512f270a1b8b341/d9ce8c9eede54b3f841ec324fe0bfdc2";

/// What the verifying server expects, and what it saw.
#[derive(Default)]
struct Verifier {
    /// Expected STS / security token, if the mode uses one.
    token: Option<&'static str>,
    seen: Mutex<Vec<Seen>>,
}

#[derive(Clone, Debug)]
struct Seen {
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    headers: HeaderMap,
    body: Vec<u8>,
}

fn query_pairs(uri: &Uri) -> Vec<(String, String)> {
    let url = Url::parse(&format!("http://x/?{}", uri.query().unwrap_or_default())).unwrap();
    url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The received headers named in SignedHeaders, as the verifier sees them.
fn signed_pairs<'a>(headers: &'a HeaderMap, names: &'a [String]) -> Option<Vec<(&'a str, &'a str)>> {
    names.iter().map(|name| Some((name.as_str(), header(headers, name)?))).collect()
}

fn json(status: StatusCode, body: &'static str) -> Response {
    (status, [("content-type", "application/json")], body).into_response()
}

async fn handle(
    State(verifier): State<Arc<Verifier>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let seen = Seen {
        method: method.clone(),
        path: uri.path().to_owned(),
        query: query_pairs(&uri),
        headers: headers.clone(),
        body: body.to_vec(),
    };
    verifier.seen.lock().unwrap().push(seen.clone());
    if uri.path().starts_with("/v2/") { huawei(&verifier, &seen) } else { aliyun(&verifier, &seen) }
}

fn aliyun(verifier: &Verifier, seen: &Seen) -> Response {
    let denied = || json(StatusCode::BAD_REQUEST, include_str!("../fixtures/aliyun/error_signature.json"));
    let Some(auth) = header(&seen.headers, "authorization").and_then(|v| ACS3.parse_authorization(v)) else {
        return denied();
    };
    let payload_hash = sha256_hex(&seen.body);
    if auth.key_id != AK || header(&seen.headers, "x-acs-content-sha256") != Some(payload_hash.as_str()) {
        return denied();
    }
    if let Some(token) = verifier.token
        && (header(&seen.headers, "x-acs-security-token") != Some(token)
            || !auth.signed_headers.iter().any(|h| h == "x-acs-security-token"))
    {
        return denied();
    }
    let Some(signed) = signed_pairs(&seen.headers, &auth.signed_headers) else { return denied() };
    let query: Vec<(&str, &str)> = seen.query.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let request = SignedRequest {
        method: seen.method.as_str(),
        path: &seen.path,
        query: &query,
        signed_headers: &signed,
        hashed_payload: &payload_hash,
        date: "",
    };
    if !ACS3.verify(SECRET.as_bytes(), &request, &auth.signature) {
        return denied();
    }
    match header(&seen.headers, "x-acs-action") {
        Some("DescribeImportOASTask") => {
            json(StatusCode::OK, include_str!("../fixtures/aliyun/describe_official.json"))
        }
        Some("ImportOAS") => json(StatusCode::OK, include_str!("../fixtures/aliyun/import_oas_response.json")),
        _ => json(StatusCode::BAD_REQUEST, r#"{"Code":"InvalidAction","Message":"unknown action"}"#),
    }
}

fn huawei(verifier: &Verifier, seen: &Seen) -> Response {
    let denied = || {
        json(
            StatusCode::UNAUTHORIZED,
            r#"{"error_code":"APIG.0301","error_msg":"Incorrect IAM authentication information: verify aksk signature fail"}"#,
        )
    };
    if header(&seen.headers, "x-project-id") != Some(PROJECT) {
        return denied();
    }
    if let Some(token) = header(&seen.headers, "x-auth-token") {
        if token != IAM_TOKEN {
            return json(StatusCode::UNAUTHORIZED, include_str!("../fixtures/huawei/error_401_apig_1002.json"));
        }
    } else {
        let Some(auth) = header(&seen.headers, "authorization").and_then(|v| SDK_HMAC.parse_authorization(v)) else {
            return denied();
        };
        if auth.key_id != AK || !auth.signed_headers.iter().any(|h| h == "x-sdk-date") {
            return denied();
        }
        if let Some(token) = verifier.token
            && (header(&seen.headers, "x-security-token") != Some(token)
                || !auth.signed_headers.iter().any(|h| h == "x-security-token"))
        {
            return denied();
        }
        let payload_hash = match header(&seen.headers, "x-sdk-content-sha256") {
            Some(declared) => declared.to_owned(),
            None => sha256_hex(&seen.body),
        };
        let Some(signed) = signed_pairs(&seen.headers, &auth.signed_headers) else { return denied() };
        let Some(date) = header(&seen.headers, "x-sdk-date") else { return denied() };
        let query: Vec<(&str, &str)> = seen.query.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let request = SignedRequest {
            method: seen.method.as_str(),
            path: &seen.path,
            query: &query,
            signed_headers: &signed,
            hashed_payload: &payload_hash,
            date,
        };
        if !SDK_HMAC.verify(SECRET.as_bytes(), &request, &auth.signature) {
            return denied();
        }
    }
    if seen.path.ends_with("/openapi/async-import") || seen.path.ends_with("/openapi/async-export") {
        json(StatusCode::ACCEPTED, include_str!("../fixtures/huawei/create_task_202.json"))
    } else {
        json(StatusCode::OK, include_str!("../fixtures/huawei/task_import_succeed.json"))
    }
}

async fn start(verifier: Verifier) -> (Url, Arc<Verifier>) {
    let verifier = Arc::new(verifier);
    let app = Router::new().fallback(handle).with_state(verifier.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (validate_endpoint(&format!("http://{addr}")).unwrap(), verifier)
}

fn http() -> reqwest::Client {
    build_client(&HttpConfig::default()).unwrap()
}

fn aliyun_creds(secret: &str, token: Option<&str>) -> AliyunCredentials {
    AliyunCredentials {
        access_key_id: AK.into(),
        access_key_secret: SecretString::from(secret.to_owned()),
        security_token: token.map(|t| SecretString::from(t.to_owned())),
        source: CredentialSource::Env { variable: "ALIBABA_CLOUD_ACCESS_KEY_ID" },
    }
}

fn aksk(secret: &str, token: Option<&str>) -> HuaweiCredentials {
    HuaweiCredentials::AkSk {
        access_key: AK.into(),
        secret_key: SecretString::from(secret.to_owned()),
        security_token: token.map(|t| SecretString::from(t.to_owned())),
        source: CredentialSource::Env { variable: "HUAWEICLOUD_SDK_AK" },
    }
}

fn iam_token(token: &str) -> HuaweiCredentials {
    HuaweiCredentials::Token {
        token: SecretString::from(token.to_owned()),
        source: CredentialSource::Env { variable: "OASWATCH_HUAWEI_TOKEN" },
    }
}

/// Neither the secret nor the token may appear in any text we could print or log.
fn assert_clean(text: &str) {
    for secret in [SECRET, WRONG, STS_TOKEN, IAM_TOKEN, "wrong-token-value"] {
        assert!(!text.contains(secret), "secret leaked into: {text}");
    }
}

#[tokio::test]
async fn aliyun_v3_right_secret_accepted_wrong_secret_rejected() {
    let (endpoint, verifier) = start(Verifier::default()).await;
    let task_ref: TaskRef = ALIYUN_REF.parse().unwrap();
    let good = AliyunClient::new(http(), Some(endpoint.clone()), aliyun_creds(SECRET, None));
    let task = good.fetch(&task_ref).await.unwrap();
    assert_eq!(task.raw_status, "Finished");

    let seen = verifier.seen.lock().unwrap()[0].clone();
    assert_eq!((seen.method.as_str(), seen.path.as_str()), ("POST", "/"));
    assert_eq!(seen.query, [("OperationId".to_owned(), "4c53ccf1d40c489686d1adf5c2644a7f".to_owned())]);
    assert!(seen.body.is_empty());
    assert_eq!(header(&seen.headers, "x-acs-version"), Some("2016-07-14"));
    assert_eq!(header(&seen.headers, "accept"), Some("application/json"));
    let nonce = header(&seen.headers, "x-acs-signature-nonce").unwrap();
    assert!(nonce.len() == 32 && nonce.bytes().all(|b| b.is_ascii_hexdigit()), "{nonce}");
    assert!(header(&seen.headers, "x-acs-security-token").is_none());
    assert!(header(&seen.headers, "user-agent").unwrap().starts_with("oaswatch/"));
    let auth = header(&seen.headers, "authorization").unwrap();
    assert!(auth.starts_with("ACS3-HMAC-SHA256 Credential=TESTACCESSKEYID,SignedHeaders=host;x-acs-action;"), "{auth}");

    let bad = AliyunClient::new(http(), Some(endpoint), aliyun_creds(WRONG, None));
    let e = bad.fetch(&task_ref).await.unwrap_err();
    assert_eq!((e.kind, e.code.as_str()), (FetchErrorKind::Auth, "SignatureDoesNotMatch"));
    assert_clean(&format!("{e} {e:?} {bad:?} {good:?}"));
}

#[tokio::test]
async fn aliyun_v3_with_sts_token_signs_the_token_header() {
    let (endpoint, verifier) = start(Verifier { token: Some(STS_TOKEN), ..Verifier::default() }).await;
    let task_ref: TaskRef = ALIYUN_REF.parse().unwrap();
    let good = AliyunClient::new(http(), Some(endpoint.clone()), aliyun_creds(SECRET, Some(STS_TOKEN)));
    assert_eq!(good.fetch(&task_ref).await.unwrap().state, TaskState::Failed);
    assert_eq!(header(&verifier.seen.lock().unwrap()[0].headers, "x-acs-security-token"), Some(STS_TOKEN));

    let bad = AliyunClient::new(http(), Some(endpoint.clone()), aliyun_creds(WRONG, Some(STS_TOKEN)));
    assert_eq!(bad.fetch(&task_ref).await.unwrap_err().kind, FetchErrorKind::Auth);
    let no_token = AliyunClient::new(http(), Some(endpoint), aliyun_creds(SECRET, None));
    let e = no_token.fetch(&task_ref).await.unwrap_err();
    assert_eq!(e.kind, FetchErrorKind::Auth);
    assert_clean(&format!("{e:?} {good:?} {bad:?}"));
}

#[tokio::test]
async fn aliyun_import_oas_signs_the_form_body() {
    let (endpoint, verifier) = start(Verifier::default()).await;
    let client = AliyunClient::new(http(), Some(endpoint.clone()), aliyun_creds(SECRET, None));
    let spec = "swagger: '2.0'\ninfo: {title: \"Pets & more\", version: 1.0}\npaths: {}\n# 中文 +*~\n";
    let options = ImportOasOptions {
        overwrite: true,
        oas_version: Some("OAS2".into()),
        request_mode: Some("PASSTHROUGH".into()),
        skip_dry_run: true,
        ..ImportOasOptions::default()
    };
    let outcome = client.import_oas("cn-hangzhou", "736508d885074167ba8fbce3bc95ea0b", spec, &options).await.unwrap();
    assert_eq!(outcome.operation_id.as_deref(), Some("4c53ccf1d40c489686d1adf5c2644a7f"));
    assert_eq!(outcome.success_apis.len(), 1);

    let seen = verifier.seen.lock().unwrap()[0].clone();
    assert_eq!(header(&seen.headers, "x-acs-action"), Some("ImportOAS"));
    assert_eq!(header(&seen.headers, "content-type"), Some("application/x-www-form-urlencoded"));
    let query: std::collections::HashMap<_, _> = seen.query.iter().cloned().collect();
    assert_eq!(query["GroupId"], "736508d885074167ba8fbce3bc95ea0b");
    assert_eq!(query["Overwrite"], "true");
    assert_eq!(query["OASVersion"], "OAS2");
    assert_eq!(query["SkipDryRun"], "true");
    assert!(!query.contains_key("IgnoreWarning"));
    let form = Url::parse(&format!("http://x/?{}", std::str::from_utf8(&seen.body).unwrap())).unwrap();
    let data: Vec<_> = form.query_pairs().collect();
    assert_eq!(data.len(), 1);
    assert_eq!((data[0].0.as_ref(), data[0].1.as_ref()), ("Data", spec));

    let bad = AliyunClient::new(http(), Some(endpoint), aliyun_creds(WRONG, None));
    let e = bad.import_oas("cn-hangzhou", "g", spec, &options).await.unwrap_err();
    assert_eq!(e.kind, FetchErrorKind::Auth);
}

#[tokio::test]
async fn huawei_aksk_right_secret_accepted_wrong_secret_rejected() {
    let (endpoint, verifier) = start(Verifier::default()).await;
    let task_ref: TaskRef = HUAWEI_REF.parse().unwrap();
    let good = HuaweiClient::new(http(), Some(endpoint.clone()), aksk(SECRET, None));
    let task = good.fetch(&task_ref).await.unwrap();
    assert_eq!(task.state, TaskState::Succeeded);

    let seen = verifier.seen.lock().unwrap()[0].clone();
    assert_eq!(seen.method, Method::GET);
    assert_eq!(
        seen.path,
        "/v2/0123456789abcdef0123456789abcdef/apigw/instances/eddc4d25480b4cd6b512f270a1b8b341/async-tasks/d9ce8c9eede54b3f841ec324fe0bfdc2"
    );
    let auth = header(&seen.headers, "authorization").unwrap();
    assert!(
        auth.starts_with("SDK-HMAC-SHA256 Access=TESTACCESSKEYID, SignedHeaders=host;x-project-id;x-sdk-date, "),
        "{auth}"
    );
    assert!(header(&seen.headers, "x-auth-token").is_none());

    let bad = HuaweiClient::new(http(), Some(endpoint), aksk(WRONG, None));
    let e = bad.fetch(&task_ref).await.unwrap_err();
    assert_eq!((e.kind, e.code.as_str()), (FetchErrorKind::Auth, "APIG.0301"));
    assert!(e.message.contains("credentials from env HUAWEICLOUD_SDK_AK"), "{}", e.message);
    assert_clean(&format!("{e} {e:?} {good:?} {bad:?}"));
}

#[tokio::test]
async fn huawei_aksk_with_security_token() {
    let (endpoint, verifier) = start(Verifier { token: Some(STS_TOKEN), ..Verifier::default() }).await;
    let task_ref: TaskRef = HUAWEI_REF.parse().unwrap();
    let good = HuaweiClient::new(http(), Some(endpoint.clone()), aksk(SECRET, Some(STS_TOKEN)));
    assert_eq!(good.fetch(&task_ref).await.unwrap().state, TaskState::Succeeded);
    let auth = header(&verifier.seen.lock().unwrap()[0].headers, "authorization").unwrap().to_owned();
    assert!(auth.contains("SignedHeaders=host;x-project-id;x-sdk-date;x-security-token,"), "{auth}");

    let bad = HuaweiClient::new(http(), Some(endpoint), aksk(WRONG, Some(STS_TOKEN)));
    let e = bad.fetch(&task_ref).await.unwrap_err();
    assert_eq!(e.kind, FetchErrorKind::Auth);
    assert_clean(&format!("{e:?} {good:?} {bad:?}"));
}

#[tokio::test]
async fn huawei_iam_token_accepted_and_rejected() {
    let (endpoint, verifier) = start(Verifier::default()).await;
    let task_ref: TaskRef = HUAWEI_REF.parse().unwrap();
    let good = HuaweiClient::new(http(), Some(endpoint.clone()), iam_token(IAM_TOKEN));
    assert_eq!(good.fetch(&task_ref).await.unwrap().state, TaskState::Succeeded);
    let seen = verifier.seen.lock().unwrap()[0].clone();
    assert!(header(&seen.headers, "authorization").is_none(), "token mode is unsigned");
    assert_eq!(header(&seen.headers, "x-project-id"), Some(PROJECT));

    let bad = HuaweiClient::new(http(), Some(endpoint), iam_token("wrong-token-value"));
    let e = bad.fetch(&task_ref).await.unwrap_err();
    assert_eq!((e.kind, e.code.as_str()), (FetchErrorKind::Auth, "APIG.1002"));
    assert_clean(&format!("{e} {e:?} {good:?} {bad:?}"));
}

#[tokio::test]
async fn huawei_async_import_is_multipart_with_an_unsigned_payload() {
    let (endpoint, verifier) = start(Verifier::default()).await;
    let client = HuaweiClient::new(http(), Some(endpoint.clone()), aksk(SECRET, None));
    let spec = b"swagger: '2.0'\ninfo: {title: pets, version: '1'}\npaths: {}\n".to_vec();
    let options = HuaweiImportOptions { extend_mode: Some("override".into()), ..HuaweiImportOptions::default() };
    let task_id = client
        .async_import("cn-north-4", PROJECT, "eddc4d25480b4cd6b512f270a1b8b341", "pets.yaml", spec.clone(), &options)
        .await
        .unwrap();
    assert_eq!(task_id, "d9ce8c9eede54b3f841ec324fe0bfdc2");

    let seen = verifier.seen.lock().unwrap()[0].clone();
    assert_eq!(
        seen.path,
        "/v2/0123456789abcdef0123456789abcdef/apigw/instances/eddc4d25480b4cd6b512f270a1b8b341/openapi/async-import"
    );
    assert_eq!(header(&seen.headers, "x-sdk-content-sha256"), Some("UNSIGNED-PAYLOAD"));
    assert!(header(&seen.headers, "content-type").unwrap().starts_with("multipart/form-data; boundary="));
    let body = String::from_utf8(seen.body).unwrap();
    assert!(body.contains("name=\"file_name\"; filename=\"pets.yaml\""), "{body}");
    assert!(body.contains(std::str::from_utf8(&spec).unwrap()));
    assert!(body.contains("name=\"is_create_group\"\r\n\r\ntrue"), "{body}");
    assert!(body.contains("name=\"extend_mode\"\r\n\r\noverride"));

    let bad = HuaweiClient::new(http(), Some(endpoint), aksk(WRONG, None));
    let e = bad
        .async_import("cn-north-4", PROJECT, "eddc4d25480b4cd6b512f270a1b8b341", "pets.yaml", spec, &options)
        .await
        .unwrap_err();
    assert_eq!(e.kind, FetchErrorKind::Auth);
}

#[tokio::test]
async fn huawei_async_export_signs_its_json_body() {
    let (endpoint, verifier) = start(Verifier::default()).await;
    let client = HuaweiClient::new(http(), Some(endpoint.clone()), aksk(SECRET, None));
    let options = HuaweiExportOptions {
        group_id: "c77f5e81d9cb4424bf704ef2b0ac7600".into(),
        env_id: "DEFAULT_ENVIRONMENT_RELEASE_ID".into(),
        oas_version: Some("3.0".into()),
        define: Some("all".into()),
        file_type: Some("yaml".into()),
        apis: vec![],
    };
    let task_id =
        client.async_export("cn-north-4", PROJECT, "eddc4d25480b4cd6b512f270a1b8b341", &options).await.unwrap();
    assert_eq!(task_id, "d9ce8c9eede54b3f841ec324fe0bfdc2");

    let seen = verifier.seen.lock().unwrap()[0].clone();
    assert_eq!(seen.query, [("oas_version".to_owned(), "3.0".to_owned())]);
    assert!(header(&seen.headers, "x-sdk-content-sha256").is_none(), "the JSON body is signed with its real hash");
    let body: serde_json::Value = serde_json::from_slice(&seen.body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"env_id":"DEFAULT_ENVIRONMENT_RELEASE_ID","group_id":"c77f5e81d9cb4424bf704ef2b0ac7600","define":"all","type":"yaml"})
    );

    let bad = HuaweiClient::new(http(), Some(endpoint), aksk(WRONG, None));
    let e = bad.async_export("cn-north-4", PROJECT, "eddc4d25480b4cd6b512f270a1b8b341", &options).await.unwrap_err();
    assert_eq!(e.kind, FetchErrorKind::Auth);
    assert_clean(&format!("{e:?} {client:?}"));
}
