//! What every cloud's client shares: [`CloudClient`], the methods a client writes once, from
//! which its [`Cloud`] implementation (the boxing every cloud needs) follows; and
//! [`discovered`], a cloud's credential discovery turned into a [`Discovered`] whose `connect`
//! makes the client. A cloud's folder keeps only what differs (docs/adding-a-provider.md).

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use super::{
    Cloud, CloudFuture, Connection, Discovered, ExportRequest, GroupContents, Identity, ImportOptions, ImportRequest,
    Imported,
};
use crate::credentials::{CredentialSource, Skipped};
use crate::domain::{FetchError, FetchErrorKind, ProviderKind, Target, Task, TaskRef};

/// A cloud's client, as its folder writes it; [`Cloud`] is implemented for every one.
pub trait CloudClient: Send + Sync + fmt::Debug {
    /// The cloud it talks to.
    const KIND: ProviderKind;

    fn fetch_task(&self, task: &TaskRef) -> impl Future<Output = Result<Task, FetchError>> + Send;

    /// The request a poll of `task` sends, signed now, without sending it.
    fn poll_request(&self, task: &TaskRef) -> impl Future<Output = Result<reqwest::Request, FetchError>> + Send;

    fn start_import(&self, request: &ImportRequest<'_>) -> impl Future<Output = Result<Imported, FetchError>> + Send;

    /// Starts an export; by default refused with the cloud's reason
    /// ([`crate::domain::ProviderFacts::no_export`]).
    fn start_export(&self, _request: &ExportRequest<'_>) -> impl Future<Output = Result<TaskRef, FetchError>> + Send {
        let why = Self::KIND.facts().no_export.unwrap_or("export is not supported");
        std::future::ready(Err(FetchError::new(FetchErrorKind::Protocol, "export.unsupported", why)))
    }

    fn group_contents(
        &self,
        target: &Target,
        options: &ImportOptions,
    ) -> impl Future<Output = Result<GroupContents, FetchError>> + Send;

    fn source(&self) -> &CredentialSource;

    fn who(&self) -> impl Future<Output = Result<Identity, FetchError>> + Send;

    /// The error for a reference or target of another cloud.
    fn mismatch(other: ProviderKind) -> FetchError {
        super::wrong_cloud(other, Self::KIND)
    }
}

impl<C: CloudClient> Cloud for C {
    fn fetch<'a>(&'a self, task: &'a TaskRef) -> CloudFuture<'a, Task> {
        Box::pin(self.fetch_task(task))
    }

    fn poll_request<'a>(&'a self, task: &'a TaskRef) -> CloudFuture<'a, reqwest::Request> {
        Box::pin(CloudClient::poll_request(self, task))
    }

    fn import<'a>(&'a self, request: &'a ImportRequest<'a>) -> CloudFuture<'a, Imported> {
        Box::pin(self.start_import(request))
    }

    fn export<'a>(&'a self, request: &'a ExportRequest<'a>) -> CloudFuture<'a, TaskRef> {
        Box::pin(self.start_export(request))
    }

    fn group_contents<'a>(&'a self, target: &'a Target, options: &'a ImportOptions) -> CloudFuture<'a, GroupContents> {
        Box::pin(CloudClient::group_contents(self, target, options))
    }

    fn credential_source(&self) -> &CredentialSource {
        self.source()
    }

    fn identity(&self) -> CloudFuture<'_, Identity> {
        Box::pin(self.who())
    }
}

/// A cloud's credentials, found: where from (`source`), what was passed over and said on the
/// way, and `connect`, which makes the client once the HTTP client exists, given the connection
/// and its own copy of the source.
pub(crate) fn discovered(
    source: CredentialSource,
    skipped: Vec<Skipped>,
    warnings: Vec<String>,
    connect: impl FnOnce(Connection<'_>, CredentialSource) -> Arc<dyn Cloud> + Send + 'static,
) -> Discovered {
    let client_source = source.clone();
    Discovered { source, skipped, warnings, connect: Box::new(move |connection| connect(connection, client_source)) }
}
