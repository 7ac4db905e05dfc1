//! What the simulator saw: requests per endpoint, TCP connections, rejected credentials,
//! injected faults, and what reached the redirect target. Tests and `demo` read a snapshot.

use std::collections::BTreeMap;

use serde::Serialize;

/// A snapshot of the counters.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SimStats {
    /// Requests per endpoint: `aliyun DescribeImportOASTask`, `aliyun ImportOAS`,
    /// `huawei GET async-tasks`, `huawei POST async-import`, `huawei POST async-export`, …
    pub requests: BTreeMap<String, u64>,
    /// TCP connections accepted by the main listener.
    pub connections: u64,
    /// Requests refused for their credentials (signature, key, token, date, nonce).
    pub rejected_auth: u64,
    /// Those refusals by error code (`SignatureDoesNotMatch`, `APIG.0301`, …).
    pub auth_errors: BTreeMap<String, u64>,
    /// Faults injected, by kind (`throttle`, `truncated`, …).
    pub faults: BTreeMap<String, u64>,
    /// Tasks created, at start and through the import/export endpoints.
    pub tasks_created: u64,
    /// Requests that reached the redirect target (a client that follows redirects).
    pub redirect_target_requests: u64,
    /// Of those, requests that carried a credential header there.
    pub redirect_target_credential_headers: u64,
}

impl SimStats {
    /// Requests seen for one endpoint key (see [`SimStats::requests`]).
    pub fn requests_for(&self, key: &str) -> u64 {
        self.requests.get(key).copied().unwrap_or(0)
    }

    /// Requests seen on the main listener, all endpoints.
    pub fn total_requests(&self) -> u64 {
        self.requests.values().sum()
    }

    pub(crate) fn count_request(&mut self, key: &str) {
        *self.requests.entry(key.to_owned()).or_default() += 1;
    }

    pub(crate) fn count_auth_error(&mut self, code: &str) {
        self.rejected_auth += 1;
        *self.auth_errors.entry(code.to_owned()).or_default() += 1;
    }

    pub(crate) fn count_fault(&mut self, kind: &str) {
        *self.faults.entry(kind.to_owned()).or_default() += 1;
    }
}
