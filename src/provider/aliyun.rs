//! The Alibaba CloudAPI client: `DescribeImportOASTask` and `ImportOAS`, signed with ACS3.
//!
//! Owns building and signing requests the way the official SDK does (cloud-apis.md A.3) and
//! mapping answers through [`super::aliyun_wire`]. No retries (the poller owns backoff), no
//! redirects; secrets only ever reach a header marked sensitive.

use std::time::SystemTime;

use reqwest::{Method, Url};
use secrecy::ExposeSecret as _;

use super::Fetch;
use super::aliyun_wire::{self, ImportOasOutcome};
use super::clients::with_credential_source;
use super::endpoint::{aliyun_base, host_header};
use super::http::{DEFAULT_BODY_CAP, RawResponse, execute, plain_header, sensitive_header, utf8_body};
use super::sign_acs3::{self, Acs3Request};
use super::sign_common::{acs_date, percent_encode, sha256_hex};
use crate::credentials::AliyunCredentials;
use crate::domain::{FetchError, FetchErrorKind, Task, TaskRef};

/// The API version every CloudAPI call names.
pub const API_VERSION: &str = "2016-07-14";

/// Options of `ImportOAS` (cloud-apis.md A.6). Unset options are not sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportOasOptions {
    /// Overwrite an existing API with the same method and path (required by the API).
    pub overwrite: bool,
    /// `OAS2` or `OAS3`.
    pub oas_version: Option<String>,
    /// `MAPPING` or `PASSTHROUGH`.
    pub request_mode: Option<String>,
    /// `APP` or `ANONYMOUS`.
    pub auth_type: Option<String>,
    pub backend_name: Option<String>,
    pub skip_dry_run: bool,
    pub ignore_warning: bool,
}

/// Talks to Alibaba CloudAPI with one set of credentials.
#[derive(Debug, Clone)]
pub struct AliyunClient {
    http: reqwest::Client,
    endpoint: Option<Url>,
    creds: AliyunCredentials,
    body_cap: usize,
}

/// A request body and its content type.
struct Body {
    content_type: &'static str,
    bytes: Vec<u8>,
}

impl AliyunClient {
    /// `endpoint` overrides the regional default host for every region.
    pub fn new(http: reqwest::Client, endpoint: Option<Url>, creds: AliyunCredentials) -> Self {
        AliyunClient { http, endpoint, creds, body_cap: DEFAULT_BODY_CAP }
    }

    #[must_use]
    pub fn with_body_cap(mut self, body_cap: usize) -> Self {
        self.body_cap = body_cap;
        self
    }

    pub fn credentials(&self) -> &AliyunCredentials {
        &self.creds
    }

    /// Fetches one snapshot of an import task.
    pub async fn describe_import_oas_task(&self, region: &str, operation_id: &str) -> Result<Task, FetchError> {
        let task_ref = TaskRef::Aliyun { region: region.to_owned(), operation_id: operation_id.to_owned() };
        let response = self.call(region, "DescribeImportOASTask", &[("OperationId", operation_id)], None).await?;
        let body = utf8_body(&response)?;
        aliyun_wire::describe_task(&task_ref, body).map_err(|e| self.context(e.into_fetch_error(&response)))
    }

    /// Starts an import of an OpenAPI document into an API group.
    pub async fn import_oas(
        &self,
        region: &str,
        group_id: &str,
        spec_text: &str,
        options: &ImportOasOptions,
    ) -> Result<ImportOasOutcome, FetchError> {
        let flag = |b: bool| if b { "true" } else { "false" };
        let mut query: Vec<(&str, &str)> = vec![("GroupId", group_id), ("Overwrite", flag(options.overwrite))];
        for (name, value) in [
            ("OASVersion", &options.oas_version),
            ("RequestMode", &options.request_mode),
            ("AuthType", &options.auth_type),
            ("BackendName", &options.backend_name),
        ] {
            if let Some(value) = value {
                query.push((name, value));
            }
        }
        if options.skip_dry_run {
            query.push(("SkipDryRun", "true"));
        }
        if options.ignore_warning {
            query.push(("IgnoreWarning", "true"));
        }
        let body = Body {
            content_type: "application/x-www-form-urlencoded",
            bytes: format!("Data={}", percent_encode(spec_text)).into_bytes(),
        };
        let response = self.call(region, "ImportOAS", &query, Some(body)).await?;
        let text = utf8_body(&response)?;
        aliyun_wire::import_outcome(&text).map_err(|e| self.context(e.into_fetch_error(&response)))
    }

    /// Signs and sends one RPC call (POST `/`, parameters in the query), returning a 2xx answer.
    async fn call(
        &self,
        region: &str,
        action: &str,
        query: &[(&str, &str)],
        body: Option<Body>,
    ) -> Result<RawResponse, FetchError> {
        let base = aliyun_base(region, self.endpoint.as_ref())
            .map_err(|e| FetchError::new(FetchErrorKind::Protocol, "endpoint.invalid", e.to_string()))?;
        let mut url = base;
        let encoded: Vec<String> =
            query.iter().map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v))).collect();
        let joined = encoded.join("&");
        url.set_query((!joined.is_empty()).then_some(joined.as_str()));

        let host = host_header(&url);
        let date = acs_date(SystemTime::now());
        let nonce = hex::encode(rand::random::<[u8; 16]>());
        let payload_hash = sha256_hex(body.as_ref().map_or(&[][..], |b| &b.bytes));
        let token = self.creds.security_token.as_ref().map(|t| t.expose_secret().to_owned());

        let mut headers: Vec<(&str, &str)> = vec![
            ("host", &host),
            ("x-acs-action", action),
            ("x-acs-version", API_VERSION),
            ("x-acs-date", &date),
            ("x-acs-signature-nonce", &nonce),
            ("x-acs-content-sha256", &payload_hash),
            ("accept", "application/json"),
        ];
        if let Some(body) = &body {
            headers.push(("content-type", body.content_type));
        }
        if let Some(token) = &token {
            headers.push(("x-acs-security-token", token));
        }
        let signed = sign_acs3::headers_to_sign(&headers);
        let authorization = sign_acs3::authorization(
            &self.creds.access_key_id,
            self.creds.access_key_secret.expose_secret().as_bytes(),
            &Acs3Request {
                method: "POST",
                path: url.path(),
                query,
                signed_headers: &signed,
                hashed_payload: &payload_hash,
            },
        );

        let mut request = self.http.request(Method::POST, url.clone());
        for (name, value) in &headers {
            let value = if *name == "x-acs-security-token" { sensitive_header(value)? } else { plain_header(value)? };
            request = request.header(*name, value);
        }
        request = request.header("authorization", sensitive_header(&authorization)?);
        request = match body {
            Some(body) => request.body(body.bytes),
            None => request.body(Vec::new()),
        };
        let response = execute(request, self.body_cap).await.map_err(|e| self.context(e))?;
        if response.status.is_success() {
            Ok(response)
        } else {
            Err(self.context(aliyun_wire::error_from_response(&response)))
        }
    }

    fn context(&self, error: FetchError) -> FetchError {
        with_credential_source(error, &self.creds.source)
    }
}

impl Fetch for AliyunClient {
    async fn fetch(&self, task: &TaskRef) -> Result<Task, FetchError> {
        match task {
            TaskRef::Aliyun { region, operation_id } => self.describe_import_oas_task(region, operation_id).await,
            TaskRef::Huawei { .. } => Err(FetchError::new(
                FetchErrorKind::Protocol,
                "provider.mismatch",
                "a huawei:// task cannot be fetched with the Alibaba client",
            )),
        }
    }
}
