//! Real imports and exports over HTTP: every spec under assets/specs becomes a task whose
//! subtasks are exactly its operations (and models on Alibaba); invalid specs fail the way each
//! cloud fails them; exports are real documents of the version asked for.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "test code: a failure fails the test")]

use crate::common;

use std::path::PathBuf;

use common::{AliyunCall, AliyunKey, HuaweiAuth, HuaweiCall, HuaweiSigner, Poller, aliyun_send, huawei_send};
use oaswatch::domain::TaskRef;
use oaswatch::openapi::{self, Document, Format, SpecVersion};
use oaswatch::sim::SimHandle;
use serde_json::{Value, json};

const PROJECT: &str = "0123456789abcdef0123456789abcdef";
const INSTANCE: &str = "eddc4d25480b4cd6b512f270a1b8b341";

const SCENARIO: &str = r#"
name = "imports"
[[aliyun.credentials]]
access_key_id = "LTAIimport"
access_key_secret = "secret"
[[aliyun.groups]]
id = "00000000000000000000000000000001"
name = "g1"
[[aliyun.groups]]
id = "00000000000000000000000000000002"
name = "g2"
[[aliyun.groups]]
id = "00000000000000000000000000000003"
name = "g3"
[[aliyun.groups]]
id = "00000000000000000000000000000004"
name = "g4"
[[aliyun.groups]]
id = "00000000000000000000000000000005"
name = "g5"
[[aliyun.groups]]
id = "00000000000000000000000000000006"
name = "g6"
[huawei]
project_id = "0123456789abcdef0123456789abcdef"
[[huawei.credentials]]
access_key = "AKIMPORT"
secret_key = "SKIMPORT"
[[huawei.instances]]
id = "eddc4d25480b4cd6b512f270a1b8b341"
[[huawei.instances.groups]]
id = "9100ae30705947cc9543d37cd7fb388c"
name = "test8"
apis = [{ method = "GET", path = "/test1", name = "API_zjev" }]
"#;

async fn sim() -> SimHandle {
    common::start_toml(SCENARIO, 9, 400.0).await
}

fn specs() -> Vec<(String, String)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/specs");
    let mut specs: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_file())
        .map(|path| (path.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read_to_string(&path).unwrap()))
        .collect();
    specs.sort();
    assert!(specs.len() >= 4, "the specs are there");
    specs
}

fn sorted(mut pairs: Vec<(String, String)>) -> Vec<(String, String)> {
    pairs.sort();
    pairs
}

async fn body_of(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let bytes = response.bytes().await.unwrap();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

#[tokio::test]
async fn alibaba_imports_every_spec_into_apis_and_models() {
    let sim = sim().await;
    let client = common::client();
    let key = AliyunKey::of(&sim, false);
    let poller = Poller::new(&sim);
    for (index, (name, text)) in specs().into_iter().enumerate() {
        let doc = openapi::parse(&text, &name).unwrap();
        let group = format!("{:032}", index + 1);
        let (status, answer) =
            body_of(aliyun_send(&client, &sim.base_url(), &key, &AliyunCall::import(&group, false, &text)).await).await;
        assert_eq!(status, 200, "{name}: {answer}");
        assert!(answer["WarningMessages"]["WarningMessage"].is_array(), "{answer}");
        let task = TaskRef::Aliyun {
            profile: None,
            region: sim.aliyun_region().into(),
            operation_id: answer["OperationId"].as_str().unwrap().into(),
        };
        let finished = poller.until_finished(&task).await;
        let items = common::aliyun_items(&finished);
        let apis: Vec<(String, String)> = items
            .iter()
            .filter(|i| i.get("ApiId").is_some())
            .map(|i| (i["Method"].as_str().unwrap().to_owned(), i["Path"].as_str().unwrap().to_owned()))
            .collect();
        let expected: Vec<(String, String)> =
            doc.operations.iter().map(|o| (o.method.clone(), o.path.clone())).collect();
        assert_eq!(sorted(apis), sorted(expected), "{name}: one ApiResult per operation");
        let models: Vec<&str> = items.iter().filter_map(|i| i.get("ModelName")).map(|m| m.as_str().unwrap()).collect();
        let schemas: Vec<&str> = doc.schemas.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(models, schemas, "{name}: one ModelResult per schema, in order");
        assert!(items.iter().all(|i| i["GroupId"] == group.as_str()));
    }
}

fn multipart(file_name: &str, file: &str, fields: &[(&str, &str)]) -> (String, Vec<u8>) {
    let boundary = "oaswatch-test-boundary-7d1f0c";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").bytes(),
        );
    }
    body.extend(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file_name\"; filename=\"{file_name}\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n"
        )
        .bytes(),
    );
    body.extend(file.as_bytes());
    body.extend(format!("\r\n--{boundary}--\r\n").bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

fn unsigned_payload(sim: &SimHandle) -> HuaweiAuth {
    HuaweiAuth::AkSk(HuaweiSigner { unsigned_payload: true, ..HuaweiSigner::of(sim, false) })
}

async fn huawei_import(sim: &SimHandle, file_name: &str, text: &str, fields: &[(&str, &str)]) -> (u16, Value) {
    let (content_type, body) = multipart(file_name, text, fields);
    let call = HuaweiCall {
        method: "POST".into(),
        path: format!("/v2/{PROJECT}/apigw/instances/{INSTANCE}/openapi/async-import"),
        query: Vec::new(),
        body,
        content_type: Some(content_type),
    };
    body_of(huawei_send(&common::client(), &sim.base_url(), &unsigned_payload(sim), &call).await).await
}

fn huawei_task(sim: &SimHandle, answer: &Value) -> TaskRef {
    TaskRef::Huawei {
        profile: None,
        region: sim.huawei_region().into(),
        project_id: PROJECT.into(),
        instance_id: INSTANCE.into(),
        task_id: answer["task_id"].as_str().unwrap().into(),
    }
}

fn full_paths(doc: &Document) -> Vec<(String, String)> {
    doc.operations.iter().map(|o| (o.method.clone(), format!("{}{}", doc.base_path, o.path))).collect()
}

#[tokio::test]
async fn huawei_imports_every_spec_with_an_unsigned_multipart_payload() {
    let sim = sim().await;
    let poller = Poller::new(&sim);
    for (name, text) in specs() {
        let doc = openapi::parse(&text, &name).unwrap();
        let (status, answer) = huawei_import(&sim, &name, &text, &[("is_create_group", "true")]).await;
        assert_eq!(status, 202, "{name}: {answer}");
        assert_eq!(answer.as_object().unwrap().len(), 1, "only {{task_id}}: {answer}");
        let finished = poller.until_finished(&huawei_task(&sim, &answer)).await;
        assert_eq!(finished["task_status"], "succeed", "{name}");
        let result = common::huawei_result(&finished);
        let mut reported = Vec::new();
        for key in ["success", "failure", "ignore"] {
            for item in result.get(key).and_then(Value::as_array).into_iter().flatten() {
                reported.push((item["method"].as_str().unwrap().to_owned(), item["path"].as_str().unwrap().to_owned()));
            }
        }
        assert_eq!(sorted(reported), sorted(full_paths(&doc)), "{name}: one entry per operation, APIs only");
    }
}

#[tokio::test]
async fn invalid_specs_fail_the_way_each_cloud_fails_them() {
    let sim = sim().await;
    let key = AliyunKey::of(&sim, false);
    let client = common::client();
    let group = "00000000000000000000000000000001";
    let send = |call: AliyunCall| {
        let (client, key, base) = (&client, &key, sim.base_url());
        async move { body_of(aliyun_send(client, &base, key, &call).await).await }
    };

    let broken = "openapi: 3.0.0\ninfo:\n  title: x\n  version: '1'\npaths:\n  /a:\n    get: [unclosed\n";
    let (status, answer) = send(AliyunCall::import(group, false, broken)).await;
    assert_eq!((status, answer["Code"].as_str().unwrap()), (400, "InvalidParameter"), "{answer}");
    let message = answer["Message"].as_str().unwrap();
    assert!(message.contains("not a valid OAS document") && message.contains("Data:"), "{message}");
    let not_oas = "{\"name\": \"left-pad\", \"version\": \"1.0.0\"}";
    let (_, answer) = send(AliyunCall::import(group, false, not_oas)).await;
    assert!(answer["Message"].as_str().unwrap().contains("no top-level `swagger`"), "{answer}");

    let mut mismatch = AliyunCall::import(group, false, &specs()[0].1);
    mismatch.query.push(("OASVersion".into(), "OAS2".into()));
    let (status, answer) = send(mismatch).await;
    assert_eq!(status, 400);
    assert!(answer["Message"].as_str().unwrap().contains("OASVersion OAS2"), "{answer}");

    let mut no_group = AliyunCall::import(group, false, broken);
    no_group.query.retain(|(k, _)| k != "GroupId");
    let (status, answer) = send(no_group).await;
    assert_eq!((status, answer["Code"].as_str().unwrap()), (400, "MissingParameter"));
    let (status, answer) = send(AliyunCall::import(&"9".repeat(32), false, broken)).await;
    assert_eq!((status, answer["Code"].as_str().unwrap()), (404, "NotFoundApiGroup"));
    assert_eq!(sim.stats().tasks_created, 0, "no failed ImportOAS created a task");

    let (status, answer) = huawei_import(&sim, "broken.yaml", broken, &[]).await;
    assert_eq!(status, 202, "Huawei accepts the file first: {answer}");
    let finished = Poller::new(&sim).until_finished(&huawei_task(&sim, &answer)).await;
    assert_eq!(finished["task_status"], "failed");
    let result = common::huawei_result(&finished);
    assert_eq!(result["error_code"], "APIG.2012");
    assert!(result["error_msg"].as_str().unwrap().contains("broken.yaml:8:1: did not find expected"), "{result}");

    let (status, answer) = huawei_import(&sim, "ok.yaml", broken, &[("api_mode", "replace")]).await;
    assert_eq!((status, answer["error_code"].as_str().unwrap()), (400, "APIG.2012"));
    let (status, answer) = huawei_import(&sim, "ok.yaml", broken, &[("is_create_group", "false")]).await;
    assert_eq!((status, answer["error_code"].as_str().unwrap()), (400, "APIG.2001"));
    assert!(answer["error_msg"].as_str().unwrap().contains("parameterName:group_id"));
}

async fn export(sim: &SimHandle, oas_version: Option<&str>, body: &Value) -> (u16, Value) {
    let call = HuaweiCall {
        method: "POST".into(),
        path: format!("/v2/{PROJECT}/apigw/instances/{INSTANCE}/openapi/async-export"),
        query: oas_version.map(|v| vec![("oas_version".to_owned(), v.to_owned())]).unwrap_or_default(),
        body: serde_json::to_vec(body).unwrap(),
        content_type: Some("application/json".into()),
    };
    let auth = HuaweiAuth::AkSk(HuaweiSigner::of(sim, false));
    body_of(huawei_send(&common::client(), &sim.base_url(), &auth, &call).await).await
}

#[tokio::test]
async fn exports_are_real_documents_of_the_version_asked_for() {
    let sim = sim().await;
    let poller = Poller::new(&sim);
    let petstore = specs().into_iter().find(|(n, _)| n == "petstore-3.0.yaml").unwrap().1;
    let (_, imported) = huawei_import(&sim, "petstore-3.0.yaml", &petstore, &[]).await;
    let imported = poller.until_finished(&huawei_task(&sim, &imported)).await;
    let group_id = common::huawei_result(&imported)["group_id"].as_str().unwrap().to_owned();

    let cases = [
        (Some("3.0"), "yaml", SpecVersion::OpenApi30, Format::Yaml),
        (None, "json", SpecVersion::Swagger2, Format::Json),
    ];
    for (oas_version, file_type, version, format) in cases {
        let request = json!({ "env_id": "DEFAULT_ENVIRONMENT_RELEASE_ID", "group_id": group_id, "define": "all", "type": file_type });
        let (status, answer) = export(&sim, oas_version, &request).await;
        assert_eq!(status, 202, "{answer}");
        let finished = poller.until_finished(&huawei_task(&sim, &answer)).await;
        assert_eq!(finished["task_type"], "export_api");
        let result = common::huawei_result(&finished);
        let keys: Vec<&String> = result.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["FileName", "FileType", "Comment"], "PascalCase, in the example's order");
        assert_eq!(result["FileType"], format!(".{file_type}"));
        let file_name = result["FileName"].as_str().unwrap();
        assert!(
            file_name.starts_with("Swagger Petstore - OpenAPI 3.0-RELEASE-all-") && file_name.contains(':'),
            "{file_name}"
        );
        let comment = result["Comment"].as_str().unwrap();
        let doc = openapi::parse(comment, "Comment").unwrap();
        assert_eq!((doc.version, doc.format), (version, format));
        assert_eq!(doc.operations.len(), 19, "every imported API is exported");
        assert_eq!(doc.schemas.len(), 8, "with the models they use");
        if format == Format::Json {
            assert!(comment.starts_with("{\n\t\"swagger\": \"2.0\""), "tab-indented like the official example");
        }
    }

    let request = json!({ "group_id": "9100ae30705947cc9543d37cd7fb388c" });
    let (status, answer) = export(&sim, None, &request).await;
    assert_eq!((status, answer["error_code"].as_str().unwrap()), (400, "APIG.2001"), "{answer}");
    let request = json!({ "env_id": "DEFAULT_ENVIRONMENT_RELEASE_ID", "group_id": "9100ae30705947cc9543d37cd7fb388c" });
    let (status, answer) = export(&sim, Some("3.1"), &request).await;
    assert_eq!((status, answer["error_code"].as_str().unwrap()), (400, "APIG.2012"));
    let request = json!({ "env_id": "DEFAULT_ENVIRONMENT_RELEASE_ID", "group_id": "f".repeat(32) });
    assert_eq!(export(&sim, None, &request).await.1["error_code"], "APIG.3001");
    let request = json!({ "env_id": "nope", "group_id": "9100ae30705947cc9543d37cd7fb388c" });
    assert_eq!(export(&sim, None, &request).await.1["error_code"], "APIG.3004");
}
