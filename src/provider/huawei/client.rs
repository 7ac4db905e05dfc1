//! The Huawei APIG client: poll an async task, start an async import or export.
//!
//! Owns building requests and signing them with SDK-HMAC-SHA256 (signed headers
//! `host;x-project-id;x-sdk-date`, plus the security token for temporary keys and
//! `x-sdk-content-sha256` for the unsigned multipart upload), or sending an IAM token unsigned.
//! Answers go through [`super::wire`]. No retries, no redirects.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::SystemTime;

use reqwest::header::{AUTHORIZATION, HOST, HeaderName};
use reqwest::multipart::{Form, Part};
use reqwest::{Method, RequestBuilder, Url};
use secrecy::ExposeSecret as _;
use serde::Serialize;

use super::credentials::HuaweiCredentials;
use super::sign::{SDK_HMAC, UNSIGNED_PAYLOAD};
use super::wire;
use crate::credentials::{CredentialProvider, CredentialSource, mask_key_id};
use crate::domain::{FetchError, FetchErrorKind, ProviderKind, Target, Task, TaskRef};
use crate::provider::answers::Answers;
use crate::provider::client_support::CloudClient;
use crate::provider::clients::with_credential_source;
use crate::provider::endpoint::Address;
use crate::provider::http::{DEFAULT_BODY_CAP, RawResponse, classify_transport, execute, header_map, utf8_body};
use crate::provider::per_task::PerTask;
use crate::provider::signing::{CanonicalRequest, EMPTY_SHA256, percent_encode, sdk_date, sha256_hex};
use crate::provider::{
    ExportRequest, Fetch, GroupContents, Identity, ImportOptions, ImportRequest, Imported, server_task_ref,
};

/// Huawei's well-known id of the RELEASE environment.
const RELEASE_ENV: &str = "DEFAULT_ENVIRONMENT_RELEASE_ID";

/// Options of async-import (docs/protocols.md, "Async import and export").
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HuaweiImportOptions {
    /// Import into this group; `None` creates a new group (`is_create_group=true`).
    pub group_id: Option<String>,
    /// `merge` or `override`.
    pub extend_mode: Option<String>,
    /// `merge` or `override`.
    pub api_mode: Option<String>,
    pub simple_mode: bool,
    pub mock_mode: bool,
}

/// Options of async-export (docs/protocols.md, "Async import and export").
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HuaweiExportOptions {
    pub group_id: String,
    pub env_id: String,
    /// `2.0` or `3.0` (the `oas_version` query parameter).
    pub oas_version: Option<String>,
    /// `spec`, `proxy`, `all` or `dev`.
    pub define: Option<String>,
    /// `json` or `yaml`.
    pub file_type: Option<String>,
    /// Only these API ids; empty means all.
    pub apis: Vec<String>,
}

#[derive(Serialize)]
struct ExportBody<'a> {
    env_id: &'a str,
    group_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    define: Option<&'a str>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    file_type: Option<&'a str>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    apis: &'a [String],
}

/// What a request carries, which decides how its payload is signed.
pub(super) enum Payload {
    Empty,
    Json(Vec<u8>),
    /// Multipart: signed as `UNSIGNED-PAYLOAD`, as the Go SDK does for non-JSON bodies.
    Multipart(Form),
}

/// Talks to Huawei APIG with one account's credentials.
#[derive(Debug, Clone)]
pub struct HuaweiClient {
    http: reqwest::Client,
    endpoint: Option<Url>,
    creds: CredentialProvider<HuaweiCredentials>,
    source: CredentialSource,
    body_cap: usize,
    /// Each task's last answer: the same answer again is not parsed again (a running task's
    /// answer is the same until it finishes).
    answers: Arc<Answers>,
    /// Each polled task's address, worked out on its first poll.
    addresses: Arc<PerTask<Address>>,
}

/// `x-project-id`, on every request.
const X_PROJECT_ID: HeaderName = HeaderName::from_static("x-project-id");

impl HuaweiClient {
    /// `endpoint` overrides the regional default host for every region.
    pub fn new(http: reqwest::Client, endpoint: Option<Url>, creds: HuaweiCredentials) -> Self {
        let source = creds.source().clone();
        HuaweiClient::with_provider(http, endpoint, CredentialProvider::Static(Arc::new(creds)), source)
    }

    /// A client whose credentials come from `creds` (temporary ones, renewed as they expire).
    pub fn with_provider(
        http: reqwest::Client,
        endpoint: Option<Url>,
        creds: CredentialProvider<HuaweiCredentials>,
        source: CredentialSource,
    ) -> Self {
        HuaweiClient {
            http,
            endpoint,
            creds,
            source,
            body_cap: DEFAULT_BODY_CAP,
            answers: Arc::default(),
            addresses: Arc::default(),
        }
    }

    #[must_use]
    pub fn with_body_cap(mut self, body_cap: usize) -> Self {
        self.body_cap = body_cap;
        self
    }

    /// The credentials requests are authenticated with now (obtained or renewed first if need be).
    pub async fn credentials(&self) -> Result<Arc<HuaweiCredentials>, FetchError> {
        self.creds.get().await
    }

    /// `GET /v2/{project_id}/apigw/instances/{instance_id}/async-tasks/{task_id}`.
    pub async fn show_async_task_result(
        &self,
        region: &str,
        project_id: &str,
        instance_id: &str,
        task_id: &str,
    ) -> Result<Task, FetchError> {
        let task_ref = TaskRef::Huawei {
            profile: None,
            region: Arc::from(region),
            project_id: Arc::from(project_id),
            instance_id: Arc::from(instance_id),
            task_id: Arc::from(task_id),
        };
        self.show(&task_ref).await
    }

    async fn show(&self, task_ref: &TaskRef) -> Result<Task, FetchError> {
        let (address, project_id) = self.show_address(task_ref)?;
        let response = self.send(&address, project_id, Method::GET, Payload::Empty).await?;
        let body = utf8_body(&response)?;
        if let Some(task) = self.answers.same(task_ref, &body) {
            return Ok(task);
        }
        let task =
            wire::async_task(task_ref, body).map_err(|e| self.context(e.into_fetch_error(&response, &wire::ERRORS)))?;
        self.answers.keep(task_ref, &task);
        Ok(task)
    }

    /// Where a task's `GET .../async-tasks/{task_id}` goes (worked out on its first poll and
    /// kept), and its project.
    fn show_address<'a>(&self, task_ref: &'a TaskRef) -> Result<(Arc<Address>, &'a str), FetchError> {
        let TaskRef::Huawei { region, project_id, instance_id, task_id, .. } = task_ref else {
            return Err(Self::mismatch(task_ref.provider()));
        };
        let address = self.addresses.get_or_make(task_ref, || {
            let path = format!(
                "/v2/{}/apigw/instances/{}/async-tasks/{}",
                percent_encode(project_id),
                percent_encode(instance_id),
                percent_encode(task_id)
            );
            self.address(region, &path, &[])
        })?;
        Ok((address, project_id))
    }

    /// `POST .../openapi/async-import` (multipart); returns the new task id.
    pub async fn async_import(
        &self,
        region: &str,
        project_id: &str,
        instance_id: &str,
        file_name: &str,
        spec_bytes: Vec<u8>,
        options: &HuaweiImportOptions,
    ) -> Result<String, FetchError> {
        let lower = file_name.to_ascii_lowercase();
        let mime = if std::path::Path::new(&lower).extension().is_some_and(|ext| ext == "yaml" || ext == "yml") {
            "application/x-yaml"
        } else {
            "application/json"
        };
        let part = Part::bytes(spec_bytes).file_name(file_name.to_owned()).mime_str(mime).map_err(|_| {
            FetchError::new(FetchErrorKind::Protocol, "request.invalid", "could not build the multipart upload")
        })?;
        let flag = |b: bool| if b { "true" } else { "false" };
        let mut form = Form::new().part("file_name", part).text("is_create_group", flag(options.group_id.is_none()));
        if let Some(group_id) = &options.group_id {
            form = form.text("group_id", group_id.clone());
        }
        if let Some(mode) = &options.extend_mode {
            form = form.text("extend_mode", mode.clone());
        }
        if let Some(mode) = &options.api_mode {
            form = form.text("api_mode", mode.clone());
        }
        form = form.text("simple_mode", flag(options.simple_mode)).text("mock_mode", flag(options.mock_mode));
        let path = format!(
            "/v2/{}/apigw/instances/{}/openapi/async-import",
            percent_encode(project_id),
            percent_encode(instance_id)
        );
        let response = self.call(region, project_id, Method::POST, &path, &[], Payload::Multipart(form)).await?;
        self.created(&response)
    }

    /// `POST .../openapi/async-export?oas_version=…` (JSON); returns the new task id.
    pub async fn async_export(
        &self,
        region: &str,
        project_id: &str,
        instance_id: &str,
        options: &HuaweiExportOptions,
    ) -> Result<String, FetchError> {
        let body = ExportBody {
            env_id: &options.env_id,
            group_id: &options.group_id,
            define: options.define.as_deref(),
            file_type: options.file_type.as_deref(),
            apis: &options.apis,
        };
        let json = serde_json::to_vec(&body)
            .map_err(|e| FetchError::new(FetchErrorKind::Protocol, "request.invalid", e.to_string()))?;
        let path = format!(
            "/v2/{}/apigw/instances/{}/openapi/async-export",
            percent_encode(project_id),
            percent_encode(instance_id)
        );
        let query: Vec<(&str, &str)> = options.oas_version.as_deref().map(|v| ("oas_version", v)).into_iter().collect();
        let response = self.call(region, project_id, Method::POST, &path, &query, Payload::Json(json)).await?;
        self.created(&response)
    }

    fn created(&self, response: &RawResponse) -> Result<String, FetchError> {
        let body = utf8_body(response)?;
        wire::created_task_id(&body).map_err(|e| self.context(e.into_fetch_error(response, &wire::ERRORS)))
    }

    /// Authenticates and sends one request, returning a 2xx answer.
    pub(super) async fn call(
        &self,
        region: &str,
        project_id: &str,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        payload: Payload,
    ) -> Result<RawResponse, FetchError> {
        let address = self.address(region, path, query)?;
        self.send(&address, project_id, method, payload).await
    }

    /// Where a request to `path` with `query` goes, and its canonical URI and query.
    fn address(&self, region: &str, path: &str, query: &[(&str, &str)]) -> Result<Address, FetchError> {
        // References are checked when parsed; this is the last line before a signature: a `..`
        // segment would make the URL resolve to another API's path.
        if path.split('/').skip(1).any(|segment| segment.is_empty() || segment.chars().all(|c| c == '.')) {
            return Err(FetchError::new(
                FetchErrorKind::Protocol,
                "request.invalid",
                "refusing a request path with an empty or relative segment",
            ));
        }
        let base = super::base_url(region, self.endpoint.as_ref())
            .map_err(|e| FetchError::new(FetchErrorKind::Protocol, "endpoint.invalid", e.to_string()))?;
        // In the canonical (sorted) order the signature uses, as the SDK sends it.
        Ok(Address::new(&base, Some(path), query, &SDK_HMAC))
    }

    /// Authenticates and sends one request to `address`.
    async fn send(
        &self,
        address: &Address,
        project_id: &str,
        method: Method,
        payload: Payload,
    ) -> Result<RawResponse, FetchError> {
        let request = self.signed(address, project_id, method, payload).await?;
        let response = execute(request, self.body_cap).await.map_err(|e| self.context(e))?;
        if response.status.is_success() {
            Ok(response)
        } else {
            let error = wire::ERRORS.error_from_response(&response);
            if error.code == "APIG.1001" {
                // The temporary key or token expired early: the next request renews first.
                self.creds.invalidate();
            }
            Err(self.context(error))
        }
    }

    /// The request `send` sends, authenticated now.
    async fn signed(
        &self,
        address: &Address,
        project_id: &str,
        method: Method,
        payload: Payload,
    ) -> Result<RequestBuilder, FetchError> {
        let creds = self.creds.get().await?;
        // (name, value, whether it authenticates); the names as constants, so that none is
        // parsed again per request.
        // Room for every header a call can carry, so that none of the pushes below reallocates.
        let mut headers: Vec<(HeaderName, &str, bool)> = Vec::with_capacity(8);
        headers.push((X_PROJECT_ID, project_id, false));
        let (date, authorization);
        match &*creds {
            HuaweiCredentials::Token { token, .. } => {
                headers.push((HeaderName::from_static("x-auth-token"), token.expose_secret(), true));
            }
            HuaweiCredentials::AkSk { access_key, secret_key, security_token, .. } => {
                date = sdk_date(SystemTime::now());
                let payload_hash = match &payload {
                    Payload::Empty => Cow::Borrowed(EMPTY_SHA256),
                    Payload::Json(bytes) => Cow::Owned(sha256_hex(bytes)),
                    Payload::Multipart(_) => Cow::Borrowed(UNSIGNED_PAYLOAD),
                };
                headers.push((HOST, &address.host, false));
                headers.push((HeaderName::from_static("x-sdk-date"), &date, false));
                if let Some(token) = security_token {
                    headers.push((HeaderName::from_static("x-security-token"), token.expose_secret(), true));
                }
                if matches!(payload, Payload::Multipart(_)) {
                    headers.push((HeaderName::from_static("x-sdk-content-sha256"), UNSIGNED_PAYLOAD, false));
                }
                let signed: Vec<(&str, &str)> =
                    headers.iter().map(|(name, value, _)| (name.as_str(), *value)).collect();
                authorization = SDK_HMAC.authorization_of(
                    access_key,
                    secret_key.expose_secret().as_bytes(),
                    &CanonicalRequest {
                        method: method.as_str(),
                        uri: &address.canonical_uri,
                        query: &address.canonical_query,
                        signed_headers: &signed,
                        hashed_payload: &payload_hash,
                        date: &date,
                    },
                );
                headers.push((AUTHORIZATION, &authorization, true));
            }
        }
        let mut request = reqwest::Request::new(method, address.url.clone());
        *request.headers_mut() = header_map(&headers)?;
        Ok(attach(RequestBuilder::from_parts(self.http.clone(), request), payload))
    }

    pub(super) fn context(&self, error: FetchError) -> FetchError {
        with_credential_source(error, &self.source)
    }
}

fn attach(request: RequestBuilder, payload: Payload) -> RequestBuilder {
    match payload {
        Payload::Empty => request,
        Payload::Json(bytes) => request.header("content-type", "application/json;charset=UTF-8").body(bytes),
        Payload::Multipart(form) => request.multipart(form),
    }
}

impl CloudClient for HuaweiClient {
    const KIND: ProviderKind = ProviderKind::Huawei;

    async fn fetch_task(&self, task: &TaskRef) -> Result<Task, FetchError> {
        self.show(task).await
    }

    async fn poll_request(&self, task: &TaskRef) -> Result<reqwest::Request, FetchError> {
        let (address, project_id) = self.show_address(task)?;
        self.signed(&address, project_id, Method::GET, Payload::Empty).await?.build().map_err(classify_transport)
    }

    async fn start_import(&self, request: &ImportRequest<'_>) -> Result<Imported, FetchError> {
        let Target::Huawei { region, project_id, instance_id, .. } = request.target else {
            return Err(Self::mismatch(request.target.provider()));
        };
        let given = request.options;
        let options = HuaweiImportOptions {
            group_id: given.group.clone(),
            extend_mode: given.extend_mode.clone(),
            api_mode: given.api_mode.clone(),
            simple_mode: given.simple_mode,
            mock_mode: given.mock_mode,
        };
        let bytes = request.spec_text.as_bytes().to_vec();
        let task_id = self.async_import(region, project_id, instance_id, request.file_name, bytes, &options).await?;
        let task_ref = server_task_ref(ProviderKind::Huawei, &[region, project_id, instance_id, &task_id])?
            .with_profile(request.target.profile().map(str::to_owned));
        Ok(Imported { task_ref: Some(task_ref), notes: Vec::new() })
    }

    async fn start_export(&self, request: &ExportRequest<'_>) -> Result<TaskRef, FetchError> {
        let Target::Huawei { region, project_id, instance_id, .. } = request.source else {
            return Err(Self::mismatch(request.source.provider()));
        };
        let env_id = if request.env.eq_ignore_ascii_case("RELEASE") { RELEASE_ENV } else { request.env };
        let options = HuaweiExportOptions {
            group_id: request.group.to_owned(),
            env_id: env_id.to_owned(),
            oas_version: Some(request.oas_version.to_owned()),
            define: request.define.map(str::to_owned),
            file_type: Some(request.format.to_owned()),
            apis: Vec::new(),
        };
        let task_id = self.async_export(region, project_id, instance_id, &options).await?;
        Ok(server_task_ref(ProviderKind::Huawei, &[region, project_id, instance_id, &task_id])?
            .with_profile(request.source.profile().map(str::to_owned)))
    }

    async fn group_contents(&self, target: &Target, options: &ImportOptions) -> Result<GroupContents, FetchError> {
        let Target::Huawei { region, project_id, instance_id, .. } = target else {
            return Err(Self::mismatch(target.provider()));
        };
        match &options.group {
            Some(group_id) => self.group_contents_of(region, project_id, instance_id, group_id).await,
            // A new group: nothing in it yet, and its name must be free on the instance.
            None => self.new_group_beside(region, project_id, instance_id).await,
        }
    }

    fn source(&self) -> &CredentialSource {
        &self.source
    }

    async fn who(&self) -> Result<Identity, FetchError> {
        let creds = self.creds.get().await?;
        let cache = self.creds.status();
        let (key_id, kind) = match &*creds {
            HuaweiCredentials::AkSk { access_key, security_token, .. } => {
                (Some(mask_key_id(access_key)), if security_token.is_some() { "temporary AK/SK" } else { "AK/SK" })
            }
            HuaweiCredentials::Token { .. } => (None, "IAM token"),
        };
        Ok(Identity { key_id, kind, expires: cache.as_ref().and_then(|c| c.expires), cache })
    }
}

impl Fetch for HuaweiClient {
    async fn fetch(&self, task: &TaskRef) -> Result<Task, FetchError> {
        self.fetch_task(task).await
    }
}
