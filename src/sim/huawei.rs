//! Huawei Cloud APIG under `/v2/{project_id}/apigw/instances/{instance_id}/`: `GET
//! async-tasks/{task_id}`, `POST openapi/async-import` (multipart) and `POST
//! openapi/async-export` (docs/protocols.md, Huawei Cloud, quirks 11–19), and the reads of
//! `oaswatch check`: `GET apis` and `GET api-groups`.
//!
//! Subtasks stay hidden until the task ends (`task_result` is `""` while waiting/processing).
//! Synchronous errors: `APIG.2001` 400 for a missing parameter, `APIG.2012` 400 for a bad value,
//! `APIG.3030` 404 for an unknown instance, `APIG.3093` 404 for an unknown task, `APIG.3001` 404
//! for an unknown export group, `APIG.3004` 404 for an unknown environment, `APIG.0101` 404 for
//! a route that does not exist. An import whose file does not parse is accepted (202) and the
//! task then fails with `APIG.2012`; a taken group name fails it with `APIG.3201` (the shared
//! rule `group-name-exists`); a missing group with `APIG.3001`.
//!
//! [`CLOUD`] is its registration: everything the shared simulator asks of this cloud
//! (`SimCloud`, in `sim/cloud.rs`), as functions of this folder.

use std::time::{Instant, SystemTime};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::auth::RequestView;
use super::cloud::{Request, SimCloud};
use super::engine::Final;
use super::faults::{self, Answering, FaultContext};
use super::http::{header_str, json_response, parse_query, percent_decode, query_get};
use super::import::{Origin, resolve};
use super::scenario::{Behaviour, EndpointSelector, FaultSpec, Scenario};
use super::state::{PlanResult, Shared, SimTask};
use crate::domain::{ChangeAction, ProviderKind, TaskKind};
use crate::openapi::{self, ErrorKind, OpenApiError, TargetVersion};
use auth::verify_huawei;
use errors::{huawei_error, huawei_invalid, huawei_missing};
use export::ExportRequest;
use scenario::HuaweiSetup;
use tasks::{HuaweiImportOptions, create_export, create_import, instance};

enum Route {
    Poll(String),
    Import,
    Export,
    ListApis,
    ListGroups,
}

mod auth;
mod errors;
mod export;
mod group;
mod handle;
mod iam;
mod metadata;
mod scenario;
mod tasks;

pub use handle::HuaweiCredentials;

/// The simulated Huawei Cloud, as the registration table (`CLOUDS` in `sim.rs`) holds it.
pub(crate) const CLOUD: SimCloud = SimCloud {
    kind: ProviderKind::Huawei,
    section: scenario::SECTION,
    tasks: tasks::TASKS,
    serves_credentials: |request| iam::serves(request.uri.path()) || metadata::serves(request.uri.path()),
    handle_credentials,
    serves_api: |path| path.starts_with("/v2/"),
    handle_api: |shared, request| Box::pin(handle(shared, request)),
    served_at: "Huawei APIG under /v2/",
    fault_answers: errors::FAULT_ANSWERS,
    client_and_banner: handle::CLIENT_AND_BANNER,
};

/// The scenario's `[huawei]` section (all defaults when the scenario has none).
fn setup(scenario: &Scenario) -> &HuaweiSetup {
    scenario.section()
}

/// IAM federation, or the metadata service.
fn handle_credentials(shared: &Shared, request: &Request<'_>) -> Response {
    if iam::serves(request.uri.path()) {
        iam::handle(shared, request.method, request.uri, request.headers, request.body)
    } else {
        metadata::handle(shared, request)
    }
}

struct Prepared {
    route: Route,
    instance_id: String,
    request_id: String,
    fault: Option<FaultSpec>,
}

fn accepted(task_id: &str, request_id: &str) -> Response {
    json_response(StatusCode::ACCEPTED, &json!({ "task_id": task_id }), &[("x-request-id", request_id.to_owned())])
}

async fn handle(shared: &Shared, request: Request<'_>) -> Response {
    let Request { method, uri, headers, body } = request;
    let now = Instant::now();
    let prepared = match prepare(shared, method, uri, headers, body, now) {
        Ok(prepared) => prepared,
        Err(response) => return *response,
    };
    let host = header_str(headers, "host").unwrap_or_default().to_owned();
    let rid = prepared.request_id.as_str();
    let normal = async {
        match &prepared.route {
            Route::Poll(task_id) => poll(shared, &prepared.instance_id, task_id, rid, now),
            Route::Import => import(shared, &prepared.instance_id, headers, body.clone(), rid, now).await,
            Route::Export => export_task(shared, &prepared.instance_id, uri, body, rid, now),
            Route::ListApis => group::list_apis(shared, &prepared.instance_id, uri, rid),
            Route::ListGroups => group::list_groups(shared, &prepared.instance_id, uri, rid),
        }
    };
    let answering = Answering::of(ProviderKind::Huawei, rid, &host, uri);
    faults::respond(shared, prepared.fault.as_ref(), &answering, normal).await
}

fn prepare(
    shared: &Shared,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &Bytes,
    now: Instant,
) -> Result<Prepared, Box<Response>> {
    let mut inner = shared.lock();
    let request_id = shared.ids.hex32("request", inner.next_request());
    let reject =
        |status: StatusCode, code: &str, message: &str| Box::new(huawei_error(status, code, message, &request_id));
    let path = percent_decode(uri.path(), false);
    // A trailing slash names the same resource (the signer adds one for signing anyway).
    let route_path = if path.len() > 1 && path.ends_with('/') { &path[..path.len() - 1] } else { path.as_str() };
    let segments: Vec<&str> = route_path.trim_start_matches('/').split('/').collect();
    let (project, instance_id, rest) = match segments.as_slice() {
        ["v2", project, "apigw", "instances", instance, rest @ ..] => (*project, *instance, rest),
        _ => ("", "", &[][..]),
    };
    let route = match (method, rest) {
        (&Method::GET, ["async-tasks", task_id]) if !task_id.is_empty() => Some(Route::Poll((*task_id).to_owned())),
        (&Method::GET, ["async-tasks"]) => {
            inner.stats.count_request("huawei GET async-tasks");
            return Err(reject(StatusCode::BAD_REQUEST, "APIG.2001", &huawei_missing("task_id")));
        }
        (&Method::POST, ["openapi", "async-import"]) => Some(Route::Import),
        (&Method::POST, ["openapi", "async-export"]) => Some(Route::Export),
        (&Method::GET, ["apis"]) => Some(Route::ListApis),
        (&Method::GET, ["api-groups"]) => Some(Route::ListGroups),
        _ => None,
    };
    let key = match &route {
        Some(Route::Poll(_)) => "huawei GET async-tasks",
        Some(Route::Import) => "huawei POST async-import",
        Some(Route::Export) => "huawei POST async-export",
        Some(Route::ListApis) => "huawei GET apis",
        Some(Route::ListGroups) => "huawei GET api-groups",
        None => "huawei (unknown route)",
    };
    inner.stats.count_request(key);
    let Some(route) = route else {
        return Err(reject(
            StatusCode::NOT_FOUND,
            "APIG.0101",
            "The API does not exist or has not been published in the environment.",
        ));
    };

    let query = parse_query(uri.query().unwrap_or(""));
    let view = RequestView { method: method.as_str(), path: &path, query: &query, headers, body };
    if let Err(refusal) = verify_huawei(shared, &mut inner, &view, project, now, SystemTime::now()) {
        inner.stats.count_auth_error(&refusal.code);
        return Err(reject(refusal.status, &refusal.code, &refusal.message));
    }
    if instance(&inner, instance_id).is_none() {
        return Err(reject(StatusCode::NOT_FOUND, "APIG.3030", "The instance does not exist."));
    }
    let (endpoint, task_id) = match &route {
        Route::Poll(id) => (EndpointSelector::Poll, Some(id.as_str())),
        Route::Import => (EndpointSelector::Import, None),
        Route::Export => (EndpointSelector::Export, None),
        Route::ListApis | Route::ListGroups => (EndpointSelector::Group, None),
    };
    let ctx = FaultContext { provider: ProviderKind::Huawei, endpoint, task_id };
    let fault = faults::select(shared, &mut inner, &ctx, now);
    Ok(Prepared { route, instance_id: instance_id.to_owned(), request_id, fault })
}

fn poll(shared: &Shared, instance_id: &str, task_id: &str, request_id: &str, now: Instant) -> Response {
    let mut inner = shared.lock();
    let task = inner
        .tasks
        .get(task_id)
        .filter(|t| t.provider == ProviderKind::Huawei && t.scope.as_deref() == Some(instance_id));
    let Some(task) = task else {
        return huawei_error(
            StatusCode::NOT_FOUND,
            "APIG.3093",
            &format!("The asynchronous task {task_id} does not exist"),
            request_id,
        );
    };
    let t = shared.task_elapsed(task, now);
    let body = task_body(task, t);
    let finished = t >= task.plan.end;
    inner.note_poll(task_id, finished, now);
    json_response(StatusCode::OK, &body, &[("x-request-id", request_id.to_owned())])
}

/// `{task_id, task_status, task_type, task_result}` with `task_result` a JSON string (quirk 12).
pub(crate) fn task_body(task: &SimTask, t: f64) -> Value {
    let task_type = match task.kind {
        TaskKind::Import => "import_api",
        TaskKind::Export => "export_api",
    };
    let (status, result) = if t < task.plan.queue {
        ("waiting", String::new())
    } else if t < task.plan.end {
        ("processing", String::new())
    } else {
        match &task.plan.result {
            PlanResult::Failed { code, message } => {
                ("failed", json!({ "error_code": code, "error_msg": message }).to_string())
            }
            PlanResult::Export { file_name, file_type, comment } => {
                ("succeed", json!({ "FileName": file_name, "FileType": file_type, "Comment": comment }).to_string())
            }
            PlanResult::Import { group_id, swagger_id } => ("succeed", import_result(task, group_id, swagger_id)),
        }
    };
    json!({ "task_id": task.id, "task_status": status, "task_type": task_type, "task_result": result })
}

/// `{success, failure, ignore?, swagger, group_id}` — `group_id` last as in the example, `ignore`
/// only when something was ignored (it is absent from the official example).
fn import_result(task: &SimTask, group_id: &str, swagger_id: &str) -> String {
    let mut success = Vec::new();
    let mut failure = Vec::new();
    let mut ignore = Vec::new();
    for item in &task.plan.items {
        match &item.outcome {
            Final::Over(action) => success.push(json!({
                "id": item.id,
                "action": match action { ChangeAction::Create => "create", ChangeAction::Update => "update" },
                "method": item.method,
                "path": item.path,
            })),
            Final::Fail { code, message } => failure.push(json!({
                "method": item.method, "path": item.path, "error_code": code, "error_msg": message,
            })),
            Final::Cancel { message } => failure.push(json!({
                "method": item.method, "path": item.path, "error_code": "APIG.9999", "error_msg": message,
            })),
            Final::Ignore | Final::StuckWait => ignore.push(json!({ "method": item.method, "path": item.path })),
        }
    }
    let mut result = Map::new();
    result.insert("success".into(), Value::Array(success));
    result.insert("failure".into(), Value::Array(failure));
    if !ignore.is_empty() {
        result.insert("ignore".into(), Value::Array(ignore));
    }
    result.insert("swagger".into(), json!({ "id": swagger_id, "result": "Success" }));
    result.insert("group_id".into(), Value::from(group_id));
    Value::Object(result).to_string()
}

fn parse_bool_field(fields: &[(String, String)], name: &str, default: bool) -> Result<bool, String> {
    match fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str()) {
        None => Ok(default),
        Some("true") => Ok(true),
        Some("false") => Ok(false),
        Some(_) => Err(name.to_owned()),
    }
}

async fn import(
    shared: &Shared,
    instance_id: &str,
    headers: &HeaderMap,
    body: Bytes,
    request_id: &str,
    now: Instant,
) -> Response {
    let bad = |code: &str, message: String| huawei_error(StatusCode::BAD_REQUEST, code, &message, request_id);
    let boundary = header_str(headers, "content-type").and_then(|ct| multer::parse_boundary(ct).ok());
    let Some(boundary) = boundary else {
        return bad("APIG.2001", huawei_missing("file_name"));
    };
    let stream = futures::stream::once(async move { Ok::<Bytes, std::io::Error>(body) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    let mut file: Option<(String, Vec<u8>)> = None;
    let mut fields: Vec<(String, String)> = Vec::new();
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or_default().to_owned();
                let file_name = field.file_name().map(str::to_owned);
                let Ok(bytes) = field.bytes().await else {
                    return bad("APIG.2012", huawei_invalid(&name));
                };
                if name == "file_name" {
                    file = Some((file_name.unwrap_or_else(|| "file_name".to_owned()), bytes.to_vec()));
                } else {
                    fields.push((name, String::from_utf8_lossy(&bytes).into_owned()));
                }
            }
            Ok(None) => break,
            Err(_) => return bad("APIG.2012", huawei_invalid("file_name")),
        }
    }
    let Some((file_name, file_bytes)) = file else {
        return bad("APIG.2001", huawei_missing("file_name"));
    };
    let flags = (
        parse_bool_field(&fields, "is_create_group", true),
        parse_bool_field(&fields, "simple_mode", false),
        parse_bool_field(&fields, "mock_mode", false),
    );
    let is_create_group = match flags {
        (Ok(create), Ok(_), Ok(_)) => create,
        (Err(name), _, _) | (_, Err(name), _) | (_, _, Err(name)) => return bad("APIG.2012", huawei_invalid(&name)),
    };
    let field = |name: &str| fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
    for name in ["extend_mode", "api_mode"] {
        if field(name).is_some_and(|mode| !matches!(mode, "merge" | "override")) {
            return bad("APIG.2012", huawei_invalid(name));
        }
    }
    let group_id = field("group_id").filter(|g| !g.is_empty()).map(str::to_owned);
    if !is_create_group && group_id.is_none() {
        return bad("APIG.2001", huawei_missing("group_id"));
    }
    let options =
        HuaweiImportOptions { is_create_group, group_id, api_mode_override: field("api_mode") == Some("override") };
    let parsed = match String::from_utf8(file_bytes) {
        Ok(text) => openapi::parse(&text, &file_name),
        Err(_) => Err(OpenApiError {
            source_name: file_name,
            kind: ErrorKind::Syntax,
            line: None,
            column: None,
            message: "the file is not UTF-8 text".to_owned(),
        }),
    };
    let behaviour = resolve(&shared.scenario.defaults, &Behaviour::default());
    let origin = Origin { name: None, behaviour, created: now, messages: None };
    let mut inner = shared.lock();
    let task_id = create_import(shared, &mut inner, instance_id, parsed, &options, &origin);
    accepted(&task_id, request_id)
}

fn export_task(
    shared: &Shared,
    instance_id: &str,
    uri: &Uri,
    body: &Bytes,
    request_id: &str,
    now: Instant,
) -> Response {
    let bad = |code: &str, message: String| huawei_error(StatusCode::BAD_REQUEST, code, &message, request_id);
    let query = parse_query(uri.query().unwrap_or(""));
    let target = match query_get(&query, "oas_version") {
        None | Some("2.0") => TargetVersion::Swagger2,
        Some("3.0") => TargetVersion::OpenApi30,
        Some(_) => return bad("APIG.2012", huawei_invalid("oas_version")),
    };
    let Ok(Value::Object(request)) = serde_json::from_slice::<Value>(body) else {
        return bad("APIG.2012", huawei_invalid("body"));
    };
    let text = |name: &str| request.get(name).and_then(Value::as_str).filter(|v| !v.is_empty());
    let Some(env_id) = text("env_id") else { return bad("APIG.2001", huawei_missing("env_id")) };
    let Some(group_id) = text("group_id") else { return bad("APIG.2001", huawei_missing("group_id")) };
    let define = text("define").unwrap_or("spec");
    if !matches!(define, "spec" | "proxy" | "all" | "dev") {
        return bad("APIG.2012", huawei_invalid("define"));
    }
    let file_type = text("type").unwrap_or("json");
    if !matches!(file_type, "json" | "yaml" | "yml") {
        return bad("APIG.2012", huawei_invalid("type"));
    }
    let apis = match request.get("apis") {
        None | Some(Value::Null) => None,
        Some(Value::Array(items)) => Some(items.iter().filter_map(Value::as_str).map(str::to_owned).collect()),
        Some(_) => return bad("APIG.2012", huawei_invalid("apis")),
    };
    let version = text("version").map_or_else(|| export::default_version(SystemTime::now()), str::to_owned);

    let mut inner = shared.lock();
    let Some(instance) = instance(&inner, instance_id) else {
        return huawei_error(StatusCode::NOT_FOUND, "APIG.3030", "The instance does not exist.", request_id);
    };
    let Some(group) = instance.groups.iter().find(|g| g.id == group_id) else {
        return huawei_error(StatusCode::NOT_FOUND, "APIG.3001", "The API group does not exist", request_id);
    };
    let Some(env) = instance.environments.iter().find(|e| e.id == env_id) else {
        return huawei_error(StatusCode::NOT_FOUND, "APIG.3004", "The environment does not exist", request_id);
    };
    let req = ExportRequest {
        env_name: env.name.clone(),
        define: define.to_owned(),
        file_type: file_type.to_owned(),
        target,
        version,
        apis,
    };
    let Ok(result) = export::export(group, &setup(&shared.scenario).region, &req) else {
        return huawei_error(StatusCode::INTERNAL_SERVER_ERROR, "APIG.9999", "System error", request_id);
    };
    let behaviour = resolve(&shared.scenario.defaults, &Behaviour::default());
    let origin = Origin { name: None, behaviour, created: now, messages: None };
    let task_id = create_export(shared, &mut inner, instance_id, result, &origin);
    accepted(&task_id, request_id)
}
