//! Talking to the clouds: one folder per cloud behind the [`Cloud`] trait, and what they share.
//!
//! Owns wire structs and their normalisation into [`crate::domain`], request signing, the shared
//! HTTP client (timeouts, no redirects, body cap), error classification and credential discovery.
//! May not touch `App`, the UI, the terminal or channels.
//!
//! ```text
//! provider.rs      Fetch, Cloud, the registry of clouds, import/export requests
//! ├── aliyun/      Alibaba Cloud: client, wire, ACS3 signing, credential chain, raw item JSON
//! ├── huawei/      Huawei Cloud: the same parts
//! ├── client_support  CloudClient (a client's methods; Cloud follows), discovered
//! ├── clients      every cloud's client in one map, behind Fetch
//! ├── signing      the canonical-request HMAC scheme both clouds use, hashes, dates
//! ├── classify     error answers → FetchError, with each cloud's rules
//! ├── http         the reqwest client, body cap, transport errors
//! ├── endpoint     override URLs and their rules
//! ├── machine      the no-proxy client of the instance metadata services
//! ├── answers      each task's last answer, so the same answer again is not parsed again
//! ├── per_task     what every poll of a task sends the same, worked out on its first poll
//! └── raw_item, same_answer
//! ```
//!
//! Adding a cloud: docs/adding-a-provider.md.

pub mod aliyun;
pub mod answers;
pub mod classify;
pub mod client_support;
pub mod clients;
pub mod endpoint;
pub mod http;
pub mod huawei;
pub mod machine;
pub mod per_task;
pub mod raw_item;
pub mod rules;
pub mod same_answer;
pub mod signing;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::SystemTime;

use reqwest::Url;

use crate::credentials::{CacheStatus, ChainInput, Clock, CredentialError, CredentialSource, Skipped};
use crate::domain::{FetchError, ProviderKind, Subtask, Target, Task, TaskRef};
use crate::openapi::SpecVersion;

pub use clients::{
    Account, Clients, Discovery, LazyClients, Resolver, credential_fetch_error, discover, discover_from_process,
};
pub use endpoint::{EndpointError, EndpointOverrides, redact as redact_endpoint, validate_endpoint};
pub use http::{HttpConfig, build_client};
pub use raw_item::{raw_item_json, raw_task_json};

/// Fetches one snapshot of a task. Implemented by the real clients and by anything a test or the
/// poller needs to stand in for them.
pub trait Fetch: Send + Sync + 'static {
    fn fetch(&self, task: &TaskRef) -> impl Future<Output = Result<Task, FetchError>> + Send;

    /// Which rate-limit bucket a task's requests count against: tasks that share an endpoint
    /// share its budget, its concurrency cap and its throttling pauses.
    fn endpoint_key(&self, task: &TaskRef) -> String {
        // Clouds throttle per account as well as per endpoint: each account gets its own budget.
        match task.profile() {
            Some(profile) => format!("{}/{profile}@{}", task.provider(), task.region()),
            None => format!("{}/{}", task.provider(), task.region()),
        }
    }
}

/// What a cloud's client answers, boxed so that the clients of every cloud fit in one map.
pub type CloudFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, FetchError>> + Send + 'a>>;

/// Everything the rest of oaswatch asks of one cloud: poll a task, start an import, start an
/// export. A cloud answers only for its own references and targets.
pub trait Cloud: Send + Sync + fmt::Debug {
    fn fetch<'a>(&'a self, task: &'a TaskRef) -> CloudFuture<'a, Task>;

    /// The request a poll of `task` sends, signed now, without sending it: what the polling
    /// benchmark's bare client replays, so that it sends the very bytes a poll does
    /// (`cargo bench --bench polling -- cost`).
    fn poll_request<'a>(&'a self, task: &'a TaskRef) -> CloudFuture<'a, reqwest::Request>;

    /// Starts an import; the reference of the new task, or notes that say why none started.
    fn import<'a>(&'a self, request: &'a ImportRequest<'a>) -> CloudFuture<'a, Imported>;

    /// Starts an export of a group's APIs into a document.
    fn export<'a>(&'a self, request: &'a ExportRequest<'a>) -> CloudFuture<'a, TaskRef>;

    /// What an import target's group holds now (its base path, APIs and models), for `check`;
    /// an empty group when the import would create one.
    fn group_contents<'a>(&'a self, target: &'a Target, options: &'a ImportOptions) -> CloudFuture<'a, GroupContents>;

    /// Where this client's credentials came from (for `auth` and error messages).
    fn credential_source(&self) -> &CredentialSource;

    /// The credentials this client signs with now, described without a secret: obtains them
    /// first if they are temporary and not obtained yet (what `oaswatch auth` shows).
    fn identity(&self) -> CloudFuture<'_, Identity>;
}

/// Who a client acts as, as `oaswatch auth` shows it: never a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The access key id, masked ([`crate::credentials::mask_key_id`]); `None` for a token.
    pub key_id: Option<String>,
    /// `access key`, `STS token`, `temporary AK/SK`, `IAM token`.
    pub kind: &'static str,
    /// When the credentials stop working, when they are temporary and we know.
    pub expires: Option<SystemTime>,
    /// The cache of a temporary credential: when it renews, how often it did.
    pub cache: Option<CacheStatus>,
}

/// An import to start.
#[derive(Debug, Clone, Copy)]
pub struct ImportRequest<'a> {
    pub target: &'a Target,
    /// The spec as the user wrote it.
    pub spec_text: &'a str,
    /// Its file name (sent with a multipart upload).
    pub file_name: &'a str,
    /// What the local parser found: the family, and how many operations.
    pub version: SpecVersion,
    pub operations: usize,
    pub options: &'a ImportOptions,
}

/// The options of `import`, for every cloud at once; each cloud reads the ones it has and
/// registers their flag names ([`Registration::import_flags`]), so a flag meant for another cloud
/// is refused before anything is sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[expect(clippy::struct_excessive_bools, reason = "one field per command-line flag")]
pub struct ImportOptions {
    pub overwrite: bool,
    pub request_mode: Option<String>,
    pub auth_type: Option<String>,
    pub backend_name: Option<String>,
    pub skip_dry_run: bool,
    pub ignore_warning: bool,
    pub group: Option<String>,
    pub extend_mode: Option<String>,
    pub api_mode: Option<String>,
    pub simple_mode: bool,
    pub mock_mode: bool,
}

impl ImportOptions {
    /// The flags that are set, by their command-line names.
    pub fn used_flags(&self) -> Vec<&'static str> {
        [
            ("--overwrite", self.overwrite),
            ("--request-mode", self.request_mode.is_some()),
            ("--auth-type", self.auth_type.is_some()),
            ("--backend-name", self.backend_name.is_some()),
            ("--skip-dry-run", self.skip_dry_run),
            ("--ignore-warning", self.ignore_warning),
            ("--group", self.group.is_some()),
            ("--extend-mode", self.extend_mode.is_some()),
            ("--api-mode", self.api_mode.is_some()),
            ("--simple-mode", self.simple_mode),
            ("--mock-mode", self.mock_mode),
        ]
        .into_iter()
        .filter_map(|(flag, used)| used.then_some(flag))
        .collect()
    }
}

/// What an import call came back with.
#[derive(Debug, Clone, Default)]
pub struct Imported {
    /// The task to watch; `None` when the cloud started none (the notes say why).
    pub task_ref: Option<TaskRef>,
    /// What the cloud said on the way (warnings, items refused at once), already sanitised.
    pub notes: Vec<String>,
}

/// What a group holds, as a cloud lists it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupContents {
    /// Empty for a group the import would create.
    pub id: String,
    pub name: String,
    /// Empty when the group has none.
    pub base_path: String,
    pub apis: Vec<GroupItem>,
    pub models: Vec<GroupItem>,
    /// For a group the import would create: the groups the gateway has already (id and name; a
    /// Huawei instance's), whose names the new group may not take.
    pub other_groups: Vec<GroupItem>,
}

/// An API (method and path set) or a model (method and path empty) of a group, or a group
/// (id and name).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupItem {
    pub id: String,
    pub name: String,
    pub method: String,
    pub path: String,
}

impl GroupItem {
    fn existing(&self) -> rules::ExistingItem<'_> {
        rules::ExistingItem { id: &self.id, name: &self.name, method: &self.method, path: &self.path }
    }
}

impl GroupContents {
    /// The contents as the gateway rules read them.
    pub fn state(&self) -> rules::GroupState<'_> {
        rules::GroupState {
            id: &self.id,
            name: &self.name,
            base_path: &self.base_path,
            apis: self.apis.iter().map(GroupItem::existing).collect(),
            models: self.models.iter().map(GroupItem::existing).collect(),
            other_groups: self.other_groups.iter().map(GroupItem::existing).collect(),
        }
    }
}

/// How many pages a group listing may take before it stops: far beyond the clouds' limit of
/// 1,000 APIs per group, so a server that never stops paging cannot keep us reading.
pub const MAX_LISTING_PAGES: usize = 100;

/// One page of a listing: its items, and how many the server says the listing holds.
pub(crate) struct Page<T> {
    pub items: Vec<T>,
    pub total: usize,
}

/// Reads a listing page by page (`read_page(0)`, `read_page(1)`…) until a page shorter than
/// `page_size`, the total the server reports, or [`MAX_LISTING_PAGES`] pages; every item read.
pub(crate) async fn read_listing<T, Fut>(
    page_size: usize,
    mut read_page: impl FnMut(usize) -> Fut,
) -> Result<Vec<T>, FetchError>
where
    Fut: Future<Output = Result<Page<T>, FetchError>>,
{
    let mut items = Vec::new();
    for page in 0..MAX_LISTING_PAGES {
        let Page { items: mut read, total } = read_page(page).await?;
        let last = read.len() < page_size;
        items.append(&mut read);
        if last || items.len() >= total {
            break;
        }
    }
    Ok(items)
}

/// An export to start.
#[derive(Debug, Clone, Copy)]
pub struct ExportRequest<'a> {
    pub source: &'a Target,
    pub group: &'a str,
    /// The environment whose published APIs are exported; `RELEASE` names the release one.
    pub env: &'a str,
    /// `2.0` or `3.0`.
    pub oas_version: &'a str,
    /// `json` or `yaml`.
    pub format: &'a str,
    /// `spec`, `proxy`, `all` or `dev`.
    pub define: Option<&'a str>,
}

/// What a cloud needs to connect once its credentials are known.
#[derive(Debug, Clone, Copy)]
pub struct Connection<'a> {
    pub http: &'a reqwest::Client,
    /// The endpoint override for every region, if any.
    pub endpoint: Option<&'a Url>,
    pub body_cap: usize,
    /// The clock temporary credentials expire by.
    pub clock: &'a Arc<dyn Clock>,
}

/// Makes a cloud's client from credentials it already holds.
pub type Connect = Box<dyn FnOnce(Connection<'_>) -> Arc<dyn Cloud> + Send>;

/// A cloud whose credentials were found: where from, which earlier sources were passed over and
/// why, what to tell the user, and how to make its client once the HTTP client exists (built
/// lazily, off the path to the first frame).
pub struct Discovered {
    pub source: CredentialSource,
    /// The sources before `source` in the chain, each with why it did not count.
    pub skipped: Vec<Skipped>,
    pub warnings: Vec<String>,
    pub connect: Connect,
}

impl fmt::Debug for Discovered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The closure holds the credentials; it is never shown.
        f.debug_struct("Discovered")
            .field("source", &self.source)
            .field("skipped", &self.skipped)
            .field("warnings", &self.warnings)
            .finish_non_exhaustive()
    }
}

/// The environment lookup a credential chain reads (injected in tests).
pub type EnvLookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// What a cloud's module registers: its pure functions and its facts for the shared code.
#[derive(Debug)]
pub struct Registration {
    pub kind: ProviderKind,
    /// Runs the cloud's credential chain, for the default chain or a named profile.
    pub discover: fn(&ChainInput<'_>) -> Result<Discovered, CredentialError>,
    /// The provider's own JSON of one subtask, found again in the task's raw body.
    pub raw_item_json: fn(&Task, &Subtask) -> Option<String>,
    /// The whole answer, pretty-printed (nested documents decoded).
    pub raw_task_json: fn(&Task) -> Option<String>,
    /// The environment variables that carry a credential, kept from children.
    pub credential_env_vars: &'static [&'static str],
    /// The `import` flags this cloud reads.
    pub import_flags: &'static [&'static str],
    /// The options of an import that replaces what a group has (a retry spec's), into `group`.
    pub replacing_import: fn(group: Option<String>) -> ImportOptions,
    /// What the gateway does with an imported spec, item by item.
    pub rules: &'static rules::GatewayRules,
    /// Whether an import with these options replaces what the group has on the same routes.
    pub replaces: fn(&ImportOptions) -> bool,
    /// Whether an import with these options creates its group (named after the spec's title).
    pub creates_group: fn(&ImportOptions) -> bool,
}

/// Every cloud, in [`ProviderKind::ALL`] order.
pub static CLOUDS: [&Registration; 2] = [&aliyun::REGISTRATION, &huawei::REGISTRATION];

/// The registration of a cloud.
pub fn registration(kind: ProviderKind) -> &'static Registration {
    // Order is checked by a test; the fallback is never taken.
    CLOUDS.iter().copied().find(|r| r.kind == kind).unwrap_or(CLOUDS[0])
}

/// A task or target of another cloud handed to `client`'s client: a caller's mistake, reported
/// instead of sent.
pub(crate) fn wrong_cloud(other: ProviderKind, client: ProviderKind) -> FetchError {
    FetchError::new(
        crate::domain::FetchErrorKind::Protocol,
        "provider.mismatch",
        format!("a {other}:// task or target cannot be used with the {} client", client.facts().display_name),
    )
}

/// The reference of a task a server says it created, checked like a typed one: a server must not
/// be able to steer later requests to other paths.
pub fn server_task_ref(provider: ProviderKind, parts: &[&str]) -> Result<TaskRef, FetchError> {
    TaskRef::from_parts(provider, parts).map_err(|e| {
        FetchError::new(
            crate::domain::FetchErrorKind::Protocol,
            "task_id.invalid",
            format!("the cloud answered with a task id that is not usable: {}", crate::sanitize::line(&e.reason)),
        )
    })
}

/// Removes every cloud's credential variables from a child's environment: a `--on-finish` hook,
/// a pager or an editor has no business with the cloud keys oaswatch was given.
pub fn scrub_child_env(command: &mut std::process::Command) -> &mut std::process::Command {
    for var in CLOUDS.iter().flat_map(|cloud| cloud.credential_env_vars.iter()) {
        command.env_remove(var);
    }
    command
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cloud_is_registered_once_in_kind_order() {
        let kinds: Vec<ProviderKind> = CLOUDS.iter().map(|r| r.kind).collect();
        assert_eq!(kinds, ProviderKind::ALL);
        for kind in ProviderKind::ALL {
            assert_eq!(registration(kind).kind, kind);
        }
    }

    #[test]
    fn every_import_flag_belongs_to_some_cloud() {
        let all = ImportOptions {
            overwrite: true,
            request_mode: Some(String::new()),
            auth_type: Some(String::new()),
            backend_name: Some(String::new()),
            skip_dry_run: true,
            ignore_warning: true,
            group: Some(String::new()),
            extend_mode: Some(String::new()),
            api_mode: Some(String::new()),
            simple_mode: true,
            mock_mode: true,
        };
        for flag in all.used_flags() {
            assert!(CLOUDS.iter().any(|c| c.import_flags.contains(&flag)), "{flag} is nobody's");
        }
    }
}
