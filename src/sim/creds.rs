//! The simulated clouds' credential services' shared state: the temporary keys and tokens they
//! issued (with expiries on a clock tests can move; each cloud words its own keys, in
//! `aliyun/sts.rs` and `huawei/iam.rs`, and keeps them here under its kind), the faults a test
//! asked for, and which key signed how many API requests. Served from each cloud's folder (`aliyun/sts.rs`,
//! `aliyun/imds.rs`, `huawei/iam.rs`, `huawei/metadata.rs`, on the shared `imds.rs`); verified
//! by each cloud's `auth.rs`.
//!
//! The fixed identities the services accept (the OIDC tokens, the IdP, the instance roles) are
//! constants here, fake by construction, and [`SimHandle`] hands them to tests
//! (docs/credentials.md, "The simulator's credential services").

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::http::StatusCode;

use super::SimHandle;
use super::ids::Ids;
use crate::credentials::Clock;
use crate::domain::ProviderKind;

/// The OIDC token `AssumeRoleWithOIDC` accepts.
pub const ALIYUN_OIDC_TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.c2ltdWxhdGVkT2lkY1Rva2VuTm90UmVhbA.simulatorOidc0001";
/// An OIDC token the simulator's STS says has expired.
pub const ALIYUN_EXPIRED_OIDC_TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.ZXhwaXJlZE9pZGNUb2tlbg.simulatorOidcExpired0002";
/// The RAM role of the simulated ECS instance.
pub const ECS_ROLE: &str = "OaswatchSimEcsRole";
/// The path of the simulated credentials URI, and the token its query must carry.
pub const CREDENTIALS_URI_PATH: &str = "/oaswatch-sim/credentials";
pub const CREDENTIALS_URI_TOKEN: &str = "simulatorUriTokenNotReal0001";
/// The identity provider Huawei federation knows, and the ID token it accepts.
pub const HUAWEI_IDP: &str = "oaswatch-sim-idp";
pub const HUAWEI_ID_TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.c2ltdWxhdGVkSHVhd2VpSWRUb2tlbg.simulatorIdToken0001";
pub const HUAWEI_EXPIRED_ID_TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.ZXhwaXJlZElkVG9rZW4.simulatorIdExpired0002";

/// The credential services of the simulator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Service {
    AliyunSts,
    AliyunImds,
    CredentialsUri,
    HuaweiIam,
    HuaweiMetadata,
}

/// What a service answers instead of its usual answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Throttled (Alibaba: 400 `Throttling.User` with `x-acs-retry-after`; others 429).
    Throttle,
    /// 503.
    Unavailable,
}

/// A temporary key a service issued.
#[derive(Clone, Debug)]
pub(crate) struct IssuedKey {
    pub secret: String,
    pub token: String,
    pub expires: SystemTime,
}

/// What the credential services remember.
#[derive(Debug, Default)]
pub(crate) struct Issued {
    /// The clock expiries are judged by: the machine's, or one a test shares with the client.
    pub clock: Option<Arc<dyn Clock>>,
    /// How far the services' clock is ahead of it (moved by tests).
    pub offset: Duration,
    /// The temporary keys each cloud's services issued, by access key id: a cloud's `auth.rs`
    /// takes only its own.
    keys: BTreeMap<ProviderKind, HashMap<String, IssuedKey>>,
    /// Session tokens of the metadata services and unscoped IAM tokens, with their expiry.
    pub tokens: HashMap<String, SystemTime>,
    pub faults: Vec<(Service, Fault, u32)>,
    pub calls: BTreeMap<Service, u64>,
    /// API requests accepted, by the access key id (or `token`) that signed them.
    pub signed_by: BTreeMap<String, u64>,
    pub counter: u64,
}

impl Issued {
    /// The services' notion of now.
    pub fn now(&self) -> SystemTime {
        self.clock.as_ref().map_or_else(SystemTime::now, |clock| clock.now()) + self.offset
    }

    /// A fault to answer with, if a test asked for one for this service.
    pub fn take_fault(&mut self, service: Service) -> Option<Fault> {
        *self.calls.entry(service).or_default() += 1;
        let index = self.faults.iter().position(|(s, _, left)| *s == service && *left > 0)?;
        let (_, fault, left) = &mut self.faults[index];
        *left -= 1;
        Some(*fault)
    }

    fn next(&mut self) -> u64 {
        self.counter += 1;
        self.counter
    }

    /// A new temporary key of `kind`'s services valid for `lifetime`; `words(n)` makes its
    /// `(id, secret, token)` in the cloud's formats from a fresh number.
    pub fn issue_key(
        &mut self,
        kind: ProviderKind,
        lifetime: Duration,
        words: impl FnOnce(u64) -> (String, String, String),
    ) -> (String, IssuedKey) {
        let (id, secret, token) = words(self.next());
        let key = IssuedKey { secret, token, expires: self.now() + lifetime };
        self.keys.entry(kind).or_default().insert(id.clone(), key.clone());
        (id, key)
    }

    /// A temporary key `kind`'s services issued.
    pub fn issued_key(&self, kind: ProviderKind, id: &str) -> Option<&IssuedKey> {
        self.keys.get(&kind)?.get(id)
    }

    /// A new session or unscoped token valid for `lifetime`.
    pub fn issue_token(&mut self, ids: Ids, label: &str, lifetime: Duration) -> String {
        let n = self.next();
        let token = format!("{label}{}", ids.hex32(label, n));
        self.tokens.insert(token.clone(), self.now() + lifetime);
        token
    }

    /// Whether a token this service issued is known and still valid.
    pub fn token_valid(&self, token: &str) -> Option<bool> {
        self.tokens.get(token).map(|expires| self.now() < *expires)
    }
}

/// The status and body of a fault.
pub(crate) fn fault_status(fault: Fault) -> StatusCode {
    match fault {
        Fault::Throttle => StatusCode::TOO_MANY_REQUESTS,
        Fault::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
    }
}

/// The lines of `oaswatch sim`'s banner that say how to reach the credential services. The
/// tokens are the simulator's own, fake by construction; printing them is the point.
pub(crate) fn banner(url: &str, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    writeln!(out, "# its credential services (STS, metadata, IAM federation; docs/credentials.md):")?;
    // One line, like the banner's other `export` lines (scripts apply them as they are).
    let endpoints: Vec<String> = super::CLOUDS
        .iter()
        .flat_map(|cloud| cloud.client_and_banner.credential_endpoint_env)
        .map(|name| format!("{name}={url}"))
        .collect();
    writeln!(out, "export {}", endpoints.join(" "))?;
    for cloud in super::CLOUDS {
        (cloud.client_and_banner.banner_credentials)(url, out)?;
    }
    Ok(())
}

/// What tests ask of the credential services.
impl SimHandle {
    /// Moves the credential services' clock forward: issued keys and tokens expire as if that much
    /// time had passed.
    pub fn advance_credential_clock(&self, by: Duration) {
        self.shared.lock().creds.offset += by;
    }

    /// Judges the expiry of what the credential services issue by `clock` (a
    /// [`crate::credentials::ManualClock`] the client shares), not the machine's: a paused clock
    /// both sides read, so a test crosses an expiry exactly.
    pub fn use_credential_clock(&self, clock: Arc<dyn Clock>) {
        self.shared.lock().creds.clock = Some(clock);
    }

    /// The next `times` calls to `service` are answered with `fault`.
    pub fn fail_credential_calls(&self, service: Service, fault: Fault, times: u32) {
        self.shared.lock().creds.faults.push((service, fault, times));
    }

    /// Calls each credential service answered (faults included).
    pub fn credential_calls(&self, service: Service) -> u64 {
        self.shared.lock().creds.calls.get(&service).copied().unwrap_or(0)
    }

    /// API requests accepted, by the access key id that signed them (`token` for IAM tokens).
    pub fn requests_signed_by(&self) -> BTreeMap<String, u64> {
        self.shared.lock().creds.signed_by.clone()
    }

    /// Every secret the credential services handed out so far (issued secrets and tokens, session
    /// tokens), for tests that check none of them leaked.
    pub fn issued_secrets(&self) -> Vec<String> {
        let inner = self.shared.lock();
        let issued = &inner.creds;
        issued
            .keys
            .values()
            .flat_map(HashMap::values)
            .flat_map(|key| [key.secret.clone(), key.token.clone()])
            .chain(issued.tokens.keys().cloned())
            .collect()
    }

    /// The access key ids the services issued, cloud by cloud in `ProviderKind` order.
    pub fn issued_key_ids(&self) -> Vec<String> {
        let inner = self.shared.lock();
        inner.creds.keys.values().flat_map(HashMap::keys).cloned().collect()
    }

    /// `http://127.0.0.1:PORT/oaswatch-sim/credentials?token=…`, the simulated credentials URI.
    pub fn credentials_uri(&self) -> String {
        format!("{}{CREDENTIALS_URI_PATH}?token={CREDENTIALS_URI_TOKEN}", self.base_url())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_banner_says_where_each_service_is_and_what_it_accepts() {
        let mut out = Vec::new();
        banner("http://127.0.0.1:4000", &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        for needle in [
            "OASWATCH_ALIYUN_STS_ENDPOINT=http://127.0.0.1:4000",
            "HUAWEICLOUD_SDK_IAM_ENDPOINT=http://127.0.0.1:4000",
            ALIYUN_OIDC_TOKEN,
            HUAWEI_ID_TOKEN,
            "http://127.0.0.1:4000/oaswatch-sim/credentials?token=",
        ] {
            assert!(text.contains(needle), "{needle} not in {text}");
        }
    }

    #[test]
    fn a_fault_answers_only_as_many_times_as_asked() {
        let mut issued = Issued::default();
        issued.faults.push((Service::AliyunSts, Fault::Throttle, 2));
        assert_eq!(issued.take_fault(Service::HuaweiIam), None);
        assert_eq!(issued.take_fault(Service::AliyunSts), Some(Fault::Throttle));
        assert_eq!(issued.take_fault(Service::AliyunSts), Some(Fault::Throttle));
        assert_eq!(issued.take_fault(Service::AliyunSts), None);
        assert_eq!(issued.calls[&Service::AliyunSts], 3);
    }
}
