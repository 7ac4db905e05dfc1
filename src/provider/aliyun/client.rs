//! The Alibaba CloudAPI client: `DescribeImportOASTask` and `ImportOAS`, signed with ACS3.
//!
//! Owns building and signing requests the way the official SDK does (docs/protocols.md) and
//! mapping answers through [`super::wire`]. No retries (the poller owns backoff), no redirects;
//! secrets only ever reach a header marked sensitive. Credentials come from a
//! [`CredentialProvider`]: temporary ones are renewed by their cache, off this path.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::SystemTime;

use reqwest::header::{
    ACCEPT, ACCEPT_ENCODING, AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, HOST, HeaderName, HeaderValue,
};
use reqwest::{Method, RequestBuilder, Url};
use secrecy::ExposeSecret as _;

use super::credentials::AliyunCredentials;
use super::sign::{ACS3, headers_to_sign};
use super::wire::{self, ImportOasOutcome};
use crate::credentials::{CredentialProvider, CredentialSource, mask_key_id};
use crate::domain::{FetchError, FetchErrorKind, ProviderKind, Target, Task, TaskRef};
use crate::openapi::SpecVersion;
use crate::provider::answers::Answers;
use crate::provider::client_support::CloudClient;
use crate::provider::clients::with_credential_source;
use crate::provider::endpoint::Address;
use crate::provider::http::{DEFAULT_BODY_CAP, RawResponse, classify_transport, execute, header_map, utf8_body};
use crate::provider::per_task::PerTask;
use crate::provider::signing::{CanonicalRequest, EMPTY_SHA256, acs_date, lower_hex, percent_encode, sha256_hex};
use crate::provider::{Fetch, GroupContents, Identity, ImportOptions, ImportRequest, Imported};

/// The Alibaba console's documented import limits (docs/protocols.md); the API may accept more,
/// so crossing them is a note, not an error.
const MAX_APIS: usize = 100;
const MAX_BYTES: usize = 256 * 1024;

/// The API version every CloudAPI call names.
pub const API_VERSION: &str = "2016-07-14";

/// Options of `ImportOAS` (docs/protocols.md, "ImportOAS"). Unset options are not sent.
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

/// Talks to Alibaba CloudAPI with one account's credentials.
#[derive(Debug, Clone)]
pub struct AliyunClient {
    http: reqwest::Client,
    endpoint: Option<Url>,
    creds: CredentialProvider<AliyunCredentials>,
    source: CredentialSource,
    /// `x-acs-credentials-provider`, as the SDK names the source (`default/env`…).
    provider_name: Option<String>,
    body_cap: usize,
    /// Each task's last answer: the same answer again is not parsed again.
    answers: Arc<Answers>,
    /// Each polled task's address, worked out on its first poll.
    addresses: Arc<PerTask<Address>>,
}

/// A request body and its content type.
pub(super) struct Body {
    content_type: &'static str,
    bytes: Vec<u8>,
}

impl AliyunClient {
    /// `endpoint` overrides the regional default host for every region.
    pub fn new(http: reqwest::Client, endpoint: Option<Url>, creds: AliyunCredentials) -> Self {
        let source = creds.source.clone();
        AliyunClient::with_provider(http, endpoint, CredentialProvider::Static(Arc::new(creds)), source)
    }

    /// A client whose credentials come from `creds` (temporary ones, renewed as they expire).
    pub fn with_provider(
        http: reqwest::Client,
        endpoint: Option<Url>,
        creds: CredentialProvider<AliyunCredentials>,
        source: CredentialSource,
    ) -> Self {
        AliyunClient {
            http,
            endpoint,
            creds,
            source,
            provider_name: None,
            body_cap: DEFAULT_BODY_CAP,
            answers: Arc::default(),
            addresses: Arc::default(),
        }
    }

    /// Sends `x-acs-credentials-provider: name`, as the SDK does for the source it used.
    #[must_use]
    pub fn with_provider_name(mut self, name: String) -> Self {
        self.provider_name = Some(name).filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_graphic()));
        self
    }

    #[must_use]
    pub fn with_body_cap(mut self, body_cap: usize) -> Self {
        self.body_cap = body_cap;
        self
    }

    /// The credentials requests are signed with now (obtained or renewed first if need be).
    pub async fn credentials(&self) -> Result<Arc<AliyunCredentials>, FetchError> {
        self.creds.get().await
    }

    /// Fetches one snapshot of an import task.
    pub async fn describe_import_oas_task(&self, region: &str, operation_id: &str) -> Result<Task, FetchError> {
        let task_ref =
            TaskRef::Aliyun { profile: None, region: Arc::from(region), operation_id: Arc::from(operation_id) };
        self.describe(&task_ref, region, operation_id).await
    }

    async fn describe(&self, task_ref: &TaskRef, region: &str, operation_id: &str) -> Result<Task, FetchError> {
        let address = self.describe_address(task_ref, region, operation_id)?;
        let response = self.send(&address, "DescribeImportOASTask", None).await?;
        let body = utf8_body(&response)?;
        if let Some(task) = self.answers.same(task_ref, &body) {
            return Ok(task);
        }
        let task = wire::describe_task(task_ref, body)
            .map_err(|e| self.context(e.into_fetch_error(&response, &wire::ERRORS)))?;
        self.answers.keep(task_ref, &task);
        Ok(task)
    }

    /// Where a task's `DescribeImportOASTask` goes, worked out on its first poll and kept.
    fn describe_address(
        &self,
        task_ref: &TaskRef,
        region: &str,
        operation_id: &str,
    ) -> Result<Arc<Address>, FetchError> {
        self.addresses.get_or_make(task_ref, || self.address(region, &[("OperationId", operation_id)]))
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
        wire::import_outcome(&text).map_err(|e| self.context(e.into_fetch_error(&response, &wire::ERRORS)))
    }

    /// Signs and sends one RPC call (POST `/`, parameters in the query), returning a 2xx answer.
    pub(super) async fn call(
        &self,
        region: &str,
        action: &str,
        query: &[(&str, &str)],
        body: Option<Body>,
    ) -> Result<RawResponse, FetchError> {
        let address = self.address(region, query)?;
        self.send(&address, action, body).await
    }

    /// Where a call with these parameters goes, and its canonical URI and query.
    fn address(&self, region: &str, query: &[(&str, &str)]) -> Result<Address, FetchError> {
        let base = super::base_url(region, self.endpoint.as_ref())
            .map_err(|e| FetchError::new(FetchErrorKind::Protocol, "endpoint.invalid", e.to_string()))?;
        // The SDK's request models serialise their fields alphabetically: the canonical order.
        Ok(Address::new(&base, None, query, &ACS3))
    }

    /// Signs and sends one call to `address`.
    async fn send(&self, address: &Address, action: &str, body: Option<Body>) -> Result<RawResponse, FetchError> {
        let request = self.signed(address, action, body).await?;
        let response = execute(request, self.body_cap).await.map_err(|e| self.context(e))?;
        if response.status.is_success() {
            Ok(response)
        } else {
            let error = wire::ERRORS.error_from_response(&response);
            if error.code.starts_with("InvalidSecurityToken.Expired") {
                // Expired early (a clock off, a revoked session): the next request renews first.
                self.creds.invalidate();
            }
            Err(self.context(error))
        }
    }

    /// The request `send` sends for `action`, signed now.
    async fn signed(&self, address: &Address, action: &str, body: Option<Body>) -> Result<RequestBuilder, FetchError> {
        let creds = self.creds.get().await?;
        let date = acs_date(SystemTime::now());
        let nonce = lower_hex(&rand::random::<[u8; 16]>());
        let payload_hash = body.as_ref().map_or(Cow::Borrowed(EMPTY_SHA256), |b| Cow::Owned(sha256_hex(&b.bytes)));
        let token = creds.security_token.as_ref().map(secrecy::ExposeSecret::expose_secret);

        // (name, value, whether it authenticates); the names as constants, so that none is
        // parsed again per request.
        // Room for every header a call can carry, so that none of the pushes below reallocates.
        let mut headers: Vec<(HeaderName, &str, bool)> = Vec::with_capacity(12);
        headers.extend([
            (HOST, address.host.as_str(), false),
            (HeaderName::from_static("x-acs-action"), action, false),
            (HeaderName::from_static("x-acs-version"), API_VERSION, false),
            (HeaderName::from_static("x-acs-date"), &date, false),
            (HeaderName::from_static("x-acs-signature-nonce"), &nonce, false),
            (HeaderName::from_static("x-acs-content-sha256"), &payload_hash, false),
            (ACCEPT, "application/json", false),
        ]);
        if let Some(body) = &body {
            headers.push((CONTENT_TYPE, body.content_type, false));
        }
        if let Some(token) = &token {
            headers.push((HeaderName::from_static("x-acs-security-token"), token, true));
        }
        if let Some(name) = &self.provider_name {
            headers.push((HeaderName::from_static("x-acs-credentials-provider"), name, false));
        }
        // Unsigned, as in the SDK: it asks for no compression.
        headers.push((ACCEPT_ENCODING, "identity", false));
        let signed = headers_to_sign(headers.iter().map(|(name, value, _)| (name.as_str(), *value)));
        let authorization = ACS3.authorization_of(
            &creds.access_key_id,
            creds.access_key_secret.expose_secret().as_bytes(),
            &CanonicalRequest {
                method: "POST",
                uri: &address.canonical_uri,
                query: &address.canonical_query,
                signed_headers: &signed,
                hashed_payload: &payload_hash,
                date: &date,
            },
        );
        headers.push((AUTHORIZATION, &authorization, true));
        let mut header_map = header_map(&headers)?;
        let body = body.map_or_else(
            || {
                // The SDKs send `Content-Length: 0` with a bodiless POST; some front ends answer
                // 411 without it (docs/protocols.md, "Wire parity").
                header_map.insert(CONTENT_LENGTH, HeaderValue::from_static("0"));
                Vec::new()
            },
            |body| body.bytes,
        );
        let mut request = reqwest::Request::new(Method::POST, address.url.clone());
        *request.headers_mut() = header_map;
        *request.body_mut() = Some(body.into());
        Ok(RequestBuilder::from_parts(self.http.clone(), request))
    }

    pub(super) fn context(&self, error: FetchError) -> FetchError {
        with_credential_source(error, &self.source)
    }
}

impl CloudClient for AliyunClient {
    const KIND: ProviderKind = ProviderKind::Aliyun;

    async fn fetch_task(&self, task: &TaskRef) -> Result<Task, FetchError> {
        let TaskRef::Aliyun { region, operation_id, .. } = task else { return Err(Self::mismatch(task.provider())) };
        self.describe(task, region, operation_id).await
    }

    async fn poll_request(&self, task: &TaskRef) -> Result<reqwest::Request, FetchError> {
        let TaskRef::Aliyun { region, operation_id, .. } = task else { return Err(Self::mismatch(task.provider())) };
        let address = self.describe_address(task, region, operation_id)?;
        self.signed(&address, "DescribeImportOASTask", None).await?.build().map_err(classify_transport)
    }

    async fn start_import(&self, request: &ImportRequest<'_>) -> Result<Imported, FetchError> {
        let Target::Aliyun { region, group_id, .. } = request.target else {
            return Err(Self::mismatch(request.target.provider()));
        };
        let mut notes = Vec::new();
        if request.operations > MAX_APIS {
            notes.push(format!(
                "warning: {} operations; the Alibaba console imports at most {MAX_APIS} at a time",
                request.operations
            ));
        }
        if request.spec_text.len() > MAX_BYTES {
            notes.push(format!(
                "warning: the spec is {} KiB; the Alibaba console accepts at most 256 KiB",
                request.spec_text.len() / 1024
            ));
        }
        let given = request.options;
        let options = ImportOasOptions {
            overwrite: given.overwrite,
            oas_version: Some(if request.version == SpecVersion::Swagger2 { "OAS2" } else { "OAS3" }.to_owned()),
            request_mode: given.request_mode.clone(),
            auth_type: given.auth_type.clone(),
            backend_name: given.backend_name.clone(),
            skip_dry_run: given.skip_dry_run,
            ignore_warning: given.ignore_warning,
        };
        let outcome = self.import_oas(region, group_id, request.spec_text, &options).await?;
        let line = |prefix: &str, text: &str| crate::sanitize::line(&format!("{prefix}{text}")).into_owned();
        notes.extend(outcome.warning_messages.iter().map(|w| line("warning from Alibaba Cloud: ", w)));
        notes.extend(outcome.error_messages.iter().map(|e| line("error from Alibaba Cloud: ", e)));
        for failed in &outcome.failed_apis {
            notes.push(line("rejected API ", &format!("{} {}: {}", failed.method, failed.path, failed.error)));
        }
        let task_ref = match outcome.operation_id {
            Some(operation_id) => Some(
                crate::provider::server_task_ref(ProviderKind::Aliyun, &[region, &operation_id])?
                    .with_profile(request.target.profile().map(str::to_owned)),
            ),
            None => None,
        };
        Ok(Imported { task_ref, notes })
    }

    async fn group_contents(&self, target: &Target, _options: &ImportOptions) -> Result<GroupContents, FetchError> {
        let Target::Aliyun { region, group_id, .. } = target else { return Err(Self::mismatch(target.provider())) };
        self.group_contents_of(region, group_id).await
    }

    fn source(&self) -> &CredentialSource {
        &self.source
    }

    async fn who(&self) -> Result<Identity, FetchError> {
        let creds = self.creds.get().await?;
        let cache = self.creds.status();
        Ok(Identity {
            key_id: Some(mask_key_id(&creds.access_key_id)),
            kind: if creds.security_token.is_some() { "STS token" } else { "access key" },
            expires: cache.as_ref().and_then(|c| c.expires),
            cache,
        })
    }
}

impl Fetch for AliyunClient {
    async fn fetch(&self, task: &TaskRef) -> Result<Task, FetchError> {
        self.fetch_task(task).await
    }
}
