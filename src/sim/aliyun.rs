//! Alibaba Cloud API Gateway (CloudAPI 2016-07-14) RPC endpoint at `/`: `DescribeImportOASTask`
//! and `ImportOAS`, and the group reads `check` makes (`DescribeApiGroup`, `DescribeApis`,
//! `DescribeModels`, in `group`), V3-signed, answers in the official shapes (docs/protocols.md,
//! Alibaba Cloud); and [`CLOUD`], its registration: everything the shared simulator asks of
//! this cloud (`SimCloud`, in `sim/cloud.rs`), as functions of this folder.
//!
//! Synchronous `ImportOAS` errors (our choices where the docs are silent): `MissingParameter`
//! 400 for `GroupId`/`Overwrite`/`Data`; `InvalidParameter` 400 for bad values, an OSS URL in
//! `Data`, a `Data` that is not an OpenAPI document (message carries the parser's
//! line:column), or an `OASVersion` that does not match it; `NotFoundApiGroup` 404 for an
//! unknown group. Unknown action: `InvalidAction.NotFound` 404; wrong version: `InvalidVersion`
//! 400. Unknown `OperationId`: the scenario's `unknown_operation` (default 404
//! `NotFound.OperationId`, quirk 10).

use std::time::{Instant, SystemTime};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::auth::RequestView;
use super::cloud::{Request, SimCloud};
use super::engine::{Final, Item, Phase};
use super::faults::{self, Answering, FaultContext};
use super::http::{header_str, json_response, parse_query, percent_decode, query_get};
use super::import::{Origin, resolve};
use super::scenario::{EndpointSelector, FaultSpec, Scenario};
use super::state::{Shared, SimTask};
use crate::domain::{ProviderKind, SubtaskKind};
use crate::openapi::{self, SpecVersion};
use auth::verify_aliyun;
use errors::aliyun_error;
use scenario::{AliyunSetup, EmptyResults};
use tasks::{Groups, create_import};

mod auth;
mod errors;
mod group;
mod handle;
mod imds;
mod scenario;
mod sts;
mod tasks;

pub use handle::AliyunCredentials;

/// The simulated Alibaba Cloud, as the registration table (`CLOUDS` in `sim.rs`) holds it.
pub(crate) const CLOUD: SimCloud = SimCloud {
    kind: ProviderKind::Aliyun,
    section: scenario::SECTION,
    tasks: tasks::TASKS,
    serves_credentials,
    handle_credentials,
    serves_api: |path| path == "/",
    handle_api: |shared, request| Box::pin(handle(shared, request)),
    served_at: "Alibaba CloudAPI at /",
    fault_answers: errors::FAULT_ANSWERS,
    client_and_banner: handle::CLIENT_AND_BANNER,
};

/// The scenario's `[aliyun]` section (all defaults when the scenario has none).
fn setup(scenario: &Scenario) -> &AliyunSetup {
    scenario.section()
}

/// STS at `/` (told apart from CloudAPI by its `Action`), the metadata service, the
/// credentials URI.
fn serves_credentials(request: &Request<'_>) -> bool {
    let path = request.uri.path();
    (path == "/" && sts::is_sts(request.uri, request.headers)) || imds::serves(path)
}

fn handle_credentials(shared: &Shared, request: &Request<'_>) -> Response {
    if request.uri.path() == "/" {
        sts::handle(shared, request.method, request.uri, request.headers, request.body)
    } else {
        imds::handle(shared, request)
    }
}

pub(crate) const API_VERSION: &str = "2016-07-14";

/// Decoded `name=value` parameters.
type Pairs = [(String, String)];

enum Action {
    Describe,
    Import,
    Read(group::Read),
}

/// Everything decided under the lock before any waiting.
struct Prepared {
    action: Action,
    request_id: String,
    fault: Option<FaultSpec>,
}

fn missing(name: &str) -> String {
    format!("The input parameter \"{name}\" that is mandatory for processing this request is not supplied.")
}

fn invalid(name: &str) -> String {
    format!("The specified parameter \"{name}\" is not valid.")
}

async fn handle(shared: &Shared, request: Request<'_>) -> Response {
    let Request { method, uri, headers, body } = request;
    let now = Instant::now();
    let host = header_str(headers, "host").unwrap_or("apigateway.aliyuncs.com").to_owned();
    let query = parse_query(uri.query().unwrap_or(""));
    // RPC parameters may come in the query (the SDK's choice) or in a form body; only the query
    // is signed as such, the body through its hash.
    let mut params = query.clone();
    if header_str(headers, "content-type").is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded")) {
        params.extend(parse_query(&String::from_utf8_lossy(body)));
    }
    let prepared = match prepare(shared, method, uri, headers, body, (&query, &params), &host, now) {
        Ok(prepared) => prepared,
        Err(response) => return *response,
    };
    let rid = prepared.request_id.as_str();
    let normal = async {
        match prepared.action {
            Action::Describe => describe(shared, &params, rid, &host, now),
            Action::Import => import(shared, &params, rid, &host, now),
            Action::Read(read) => group::answer(shared, read, &params, rid, &host),
        }
    };
    let answering = Answering::of(ProviderKind::Aliyun, rid, &host, uri);
    faults::respond(shared, prepared.fault.as_ref(), &answering, normal).await
}

#[expect(clippy::too_many_arguments, reason = "the parts of one request, borrowed")]
fn prepare(
    shared: &Shared,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &Bytes,
    (query, params): (&Pairs, &Pairs),
    host: &str,
    now: Instant,
) -> Result<Prepared, Box<Response>> {
    let mut inner = shared.lock();
    let request_id = shared.ids.request_id(inner.next_request());
    let action = header_str(headers, "x-acs-action").or_else(|| query_get(params, "Action")).map(str::to_owned);
    inner.stats.count_request(&format!("aliyun {}", action.as_deref().unwrap_or("(no action)")));
    let error = |status: StatusCode, code: &str, message: &str| {
        Box::new(aliyun_error(status, code, message, &request_id, host))
    };
    let Some(action) = action else {
        return Err(error(StatusCode::BAD_REQUEST, "MissingParameter", &missing("Action")));
    };
    match header_str(headers, "x-acs-version").or_else(|| query_get(params, "Version")) {
        None => return Err(error(StatusCode::BAD_REQUEST, "MissingParameter", &missing("Version"))),
        Some(API_VERSION) => {}
        Some(_) => {
            return Err(error(StatusCode::BAD_REQUEST, "InvalidVersion", "Specified parameter Version is not valid."));
        }
    }

    let path = percent_decode(uri.path(), false);
    let view = RequestView { method: method.as_str(), path: &path, query, headers, body };
    if let Err(refusal) = verify_aliyun(shared, &mut inner, &view, now, SystemTime::now()) {
        inner.stats.count_auth_error(&refusal.code);
        return Err(error(refusal.status, &refusal.code, &refusal.message));
    }

    let (action, endpoint) = match action.as_str() {
        "DescribeImportOASTask" => (Action::Describe, EndpointSelector::Poll),
        "ImportOAS" => (Action::Import, EndpointSelector::Import),
        "DescribeApiGroup" => (Action::Read(group::Read::Group), EndpointSelector::Group),
        "DescribeApis" => (Action::Read(group::Read::Apis), EndpointSelector::Group),
        "DescribeModels" => (Action::Read(group::Read::Models), EndpointSelector::Group),
        _ => {
            return Err(error(
                StatusCode::NOT_FOUND,
                "InvalidAction.NotFound",
                "Specified api is not found, please check your url and method.",
            ));
        }
    };
    let task_id = matches!(action, Action::Describe).then(|| query_get(params, "OperationId")).flatten();
    let ctx = FaultContext { provider: ProviderKind::Aliyun, endpoint, task_id };
    let fault = faults::select(shared, &mut inner, &ctx, now);
    Ok(Prepared { action, request_id, fault })
}

fn describe(shared: &Shared, params: &[(String, String)], request_id: &str, host: &str, now: Instant) -> Response {
    let mut inner = shared.lock();
    let Some(operation_id) = query_get(params, "OperationId").filter(|id| !id.is_empty()) else {
        return aliyun_error(StatusCode::BAD_REQUEST, "MissingParameter", &missing("OperationId"), request_id, host);
    };
    let Some(task) = inner.tasks.get(operation_id).filter(|t| t.provider == ProviderKind::Aliyun) else {
        let unknown = &setup(&shared.scenario).unknown_operation;
        let status = StatusCode::from_u16(unknown.status).unwrap_or(StatusCode::NOT_FOUND);
        return aliyun_error(status, &unknown.code, &unknown.message, request_id, host);
    };
    let t = shared.task_elapsed(task, now);
    let body = describe_body(task, t, request_id, setup(&shared.scenario).empty_results);
    let finished = t >= task.plan.end;
    inner.note_poll(operation_id, finished, now);
    json_response(StatusCode::OK, &body, &[("x-acs-request-id", request_id.to_owned())])
}

/// The `UpdateStatus` and `ErrorMessage` of one item at time `t`.
fn item_status(item: &Item, t: f64) -> (&'static str, Option<&str>) {
    const TRANSIENT: &str = "Internal Error";
    let stale = |after: bool| after.then_some(TRANSIENT);
    match item.phase(t) {
        Phase::Waiting { after_transient } => ("WAIT", stale(after_transient)),
        Phase::Running { after_transient } => ("RUNNING", stale(after_transient)),
        Phase::Done { after_transient } => match &item.outcome {
            Final::Over(_) | Final::Ignore => ("OVER", stale(after_transient)),
            Final::Fail { message, .. } => ("FAIL", Some(message.as_str())),
            Final::Cancel { message } => ("CANCEL", Some(message.as_str())),
            Final::StuckWait => ("WAIT", None),
        },
    }
}

/// The official response shape (quirks 1–6), keys in the documented order.
pub(crate) fn describe_body(task: &SimTask, t: f64, request_id: &str, empty: EmptyResults) -> Value {
    let mut apis = Vec::new();
    let mut models = Vec::new();
    for item in &task.plan.items {
        let (status, error) = item_status(item, t);
        let mut entry = Map::new();
        match item.kind {
            SubtaskKind::Api => {
                entry.insert("ApiId".into(), Value::from(item.id.as_str()));
                entry.insert("Path".into(), Value::from(item.path.as_str()));
                entry.insert("Method".into(), Value::from(item.method.as_str()));
                entry.insert("Description".into(), Value::from(item.description.as_str()));
                entry.insert("GroupId".into(), Value::from(item.group_id.as_str()));
                entry.insert("ApiName".into(), Value::from(item.name.as_str()));
            }
            SubtaskKind::Model => {
                entry.insert("ModelName".into(), Value::from(item.name.as_str()));
                entry.insert("ModelId".into(), Value::from(item.id.as_str()));
                entry.insert("GroupId".into(), Value::from(item.group_id.as_str()));
            }
        }
        if let Some(error) = error {
            entry.insert("ErrorMessage".into(), Value::from(error));
        }
        entry.insert("UpdateStatus".into(), Value::from(status));
        match item.kind {
            SubtaskKind::Api => apis.push(Value::Object(entry)),
            SubtaskKind::Model => models.push(Value::Object(entry)),
        }
    }
    let mut body = Map::new();
    body.insert("RequestId".into(), Value::from(request_id));
    if !(apis.is_empty() && empty == EmptyResults::Omit) {
        body.insert("ApiResults".into(), json!({ "ApiResult": apis }));
    }
    if !(models.is_empty() && empty == EmptyResults::Omit) {
        body.insert("ModelResults".into(), json!({ "ModelResult": models }));
    }
    let status = if t >= task.plan.end { "Finished" } else { "Running" };
    body.insert("TaskStatus".into(), Value::from(status));
    Value::Object(body)
}

fn parse_bool(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

fn import(shared: &Shared, params: &[(String, String)], request_id: &str, host: &str, now: Instant) -> Response {
    let error = |status: StatusCode, code: &str, message: &str| aliyun_error(status, code, message, request_id, host);
    let bad = StatusCode::BAD_REQUEST;
    let param = |name: &str| query_get(params, name);

    let Some(group_id) = param("GroupId").filter(|g| !g.is_empty()) else {
        return error(bad, "MissingParameter", &missing("GroupId"));
    };
    let Some(overwrite) = param("Overwrite") else {
        return error(bad, "MissingParameter", &missing("Overwrite"));
    };
    let Some(overwrite) = parse_bool(overwrite) else {
        return error(bad, "InvalidParameter", &invalid("Overwrite"));
    };
    let choices: [(&str, &[&str]); 3] = [
        ("RequestMode", &["MAPPING", "PASSTHROUGH"]),
        ("AuthType", &["APP", "ANONYMOUS", "APPOPENID"]),
        ("OASVersion", &["OAS2", "OAS3"]),
    ];
    for (name, allowed) in choices {
        if param(name).is_some_and(|value| !allowed.contains(&value)) {
            return error(bad, "InvalidParameter", &invalid(name));
        }
    }
    for name in ["SkipDryRun", "IgnoreWarning"] {
        if param(name).is_some_and(|value| parse_bool(value).is_none()) {
            return error(bad, "InvalidParameter", &invalid(name));
        }
    }
    let Some(data) = param("Data").filter(|d| !d.trim().is_empty()) else {
        return error(bad, "MissingParameter", &missing("Data"));
    };
    if data.starts_with("http://") || data.starts_with("https://") {
        return error(
            bad,
            "InvalidParameter",
            "The specified parameter Data is an OSS object URL; this simulator only accepts the OAS text itself.",
        );
    }

    let mut inner = shared.lock();
    if inner.cloud::<Groups>().and_then(|groups| groups.get(group_id)).is_none() {
        return error(StatusCode::NOT_FOUND, "NotFoundApiGroup", "The specified API group does not exist.");
    }
    let doc = match openapi::parse(data, "Data") {
        Ok(doc) => doc,
        Err(err) => {
            return error(
                bad,
                "InvalidParameter",
                &format!("The specified parameter Data is not a valid OAS document: {err}"),
            );
        }
    };
    let matches = match param("OASVersion") {
        Some("OAS2") => doc.version == SpecVersion::Swagger2,
        Some("OAS3") => doc.version.is_v3(),
        _ => true,
    };
    if !matches {
        return error(
            bad,
            "InvalidParameter",
            &format!(
                "The specified parameter OASVersion {} does not match the data, which is {} ({}).",
                param("OASVersion").unwrap_or_default(),
                doc.version,
                doc.version_text
            ),
        );
    }
    let behaviour = resolve(&shared.scenario.defaults, &super::scenario::Behaviour::default());
    let origin = Origin { name: None, behaviour, created: now, messages: None };
    let Some((operation_id, warnings)) = create_import(shared, &mut inner, group_id, &doc, overwrite, &origin) else {
        return error(StatusCode::NOT_FOUND, "NotFoundApiGroup", "The specified API group does not exist.");
    };
    let body = json!({
        "RequestId": request_id,
        "OperationId": operation_id,
        "WarningMessages": { "WarningMessage": warnings },
    });
    json_response(StatusCode::OK, &body, &[("x-acs-request-id", request_id.to_owned())])
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;
    use crate::domain::{ChangeAction, TaskKind};
    use crate::sim::engine::Timeline;
    use crate::sim::state::{Plan, PlanResult};

    fn item(kind: SubtaskKind, name: &str, outcome: Final) -> Item {
        Item {
            kind,
            id: format!("id-{name}"),
            name: name.into(),
            method: "GET".into(),
            path: "/creator/getByCreatorId".into(),
            description: "这个API用于查询".into(),
            group_id: "736508d885074167ba8fbce3bc95ea0b".into(),
            outcome,
            timeline: Timeline { start: 1.0, end: 2.0, transient: None },
            cause: None,
        }
    }

    fn task(items: Vec<Item>) -> SimTask {
        SimTask {
            id: "t".into(),
            provider: ProviderKind::Aliyun,
            kind: TaskKind::Import,
            scope: None,
            created: Instant::now(),
            plan: Plan {
                queue: 0.0,
                end: 2.0,
                items,
                result: PlanResult::Import { group_id: String::new(), swagger_id: String::new() },
            },
        }
    }

    #[test]
    fn the_official_example_shape_with_its_quirks() {
        let t = task(vec![
            item(SubtaskKind::Api, "GetByCreatorIdUsingGET", Final::StuckWait),
            item(SubtaskKind::Model, "Pet", Final::Fail { code: String::new(), message: "Internal Error\n".into() }),
        ]);
        let body = describe_body(&t, 5.0, "CE5722A6-AE78-4741-A9B0-6C817D360510", EmptyResults::Wrapper);
        assert_eq!(body["TaskStatus"], "Finished");
        let api = &body["ApiResults"]["ApiResult"][0];
        assert_eq!(api["UpdateStatus"], "WAIT", "Finished with an item still WAIT");
        let keys: Vec<&String> = api.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["ApiId", "Path", "Method", "Description", "GroupId", "ApiName", "UpdateStatus"]);
        let model = &body["ModelResults"]["ModelResult"][0];
        let keys: Vec<&String> = model.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["ModelName", "ModelId", "GroupId", "ErrorMessage", "UpdateStatus"]);
        assert_eq!(model["ErrorMessage"], "Internal Error\n");
        assert_eq!(model["UpdateStatus"], "FAIL");
    }

    #[test]
    fn empty_result_lists_are_wrapped_or_left_out() {
        let t = task(vec![item(SubtaskKind::Api, "a", Final::Over(ChangeAction::Create))]);
        let wrapped = describe_body(&t, 0.0, "r", EmptyResults::Wrapper);
        assert_eq!(wrapped["ModelResults"], serde_json::json!({ "ModelResult": [] }));
        assert_eq!(wrapped["TaskStatus"], "Running");
        assert_eq!(wrapped["ApiResults"]["ApiResult"][0]["UpdateStatus"], "WAIT");
        let omitted = describe_body(&t, 1.5, "r", EmptyResults::Omit);
        assert!(omitted.get("ModelResults").is_none());
        assert_eq!(omitted["ApiResults"]["ApiResult"][0]["UpdateStatus"], "RUNNING");
    }
}
