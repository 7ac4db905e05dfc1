//! Talking to the clouds: one client per provider behind the [`Fetch`] trait.
//!
//! Owns wire structs, their normalisation into [`crate::domain`], request signing, the shared
//! HTTP client (timeouts, no redirects, body cap) and error classification. May not touch `App`,
//! the UI, the terminal or channels.

pub mod aliyun;
pub mod aliyun_wire;
pub mod clients;
pub mod endpoint;
pub mod http;
pub mod huawei;
pub mod huawei_wire;
pub mod raw_item;
pub mod same_answer;
pub mod sign_acs3;
pub mod sign_common;
pub mod sign_huawei;

use std::future::Future;

use crate::domain::{FetchError, Task, TaskRef};

pub use aliyun::{AliyunClient, ImportOasOptions};
pub use aliyun_wire::ImportOasOutcome;
pub use clients::{Clients, LazyClients, credential_fetch_error};
pub use endpoint::{EndpointError, EndpointOverrides, redact as redact_endpoint, validate_endpoint};
pub use http::{HttpConfig, build_client};
pub use huawei::{HuaweiClient, HuaweiExportOptions, HuaweiImportOptions};
pub use raw_item::{raw_item_json, raw_task_json};

/// Fetches one snapshot of a task. Implemented by the real clients and by anything a test or the
/// poller needs to stand in for them.
pub trait Fetch: Send + Sync + 'static {
    fn fetch(&self, task: &TaskRef) -> impl Future<Output = Result<Task, FetchError>> + Send;

    /// Which rate-limit bucket a task's requests count against: tasks that share an endpoint
    /// share its budget, its concurrency cap and its throttling pauses.
    fn endpoint_key(&self, task: &TaskRef) -> String {
        format!("{}/{}", task.provider(), task.region())
    }
}
