//! Temporary credentials kept fresh: a cache that renews a lease before it expires, in a
//! background task, so a dashboard left open for days never signs with an expired token.
//!
//! Owns [`Refreshing`] (the cache, its single-flight renewal and its background task) and
//! [`CredentialProvider`] (static or refreshing, as the clients see it). Knows nothing of how a
//! lease is obtained: each cloud's sources implement [`Renew`]. Never logs a credential; errors
//! name the source, never a value.
//!
//! Timing (docs/credentials.md, "Refreshing"): a lease is renewed `margin` before it expires
//! (the SDKs' stale window: 15 minutes for Alibaba's sources, 3 for an external process, 40 for
//! Huawei's) but never earlier than half way through its life; a failed renewal is retried with
//! a doubling delay (10 s up to 5 minutes) while the old lease still works; a lease is used until
//! one minute before its expiry, after which a request waits for a renewal instead.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::{Duration, SystemTime};

use futures::future::BoxFuture;
use tokio::sync::watch;

use super::clock::Clock;
use crate::domain::{FetchError, FetchErrorKind};

/// Credentials and the moment they stop working (`None`: they do not expire).
#[derive(Clone)]
pub struct Lease<C> {
    pub value: Arc<C>,
    pub expires: Option<SystemTime>,
}

impl<C> fmt::Debug for Lease<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The value holds secrets; only when it expires is shown.
        f.debug_struct("Lease").field("expires", &self.expires).finish_non_exhaustive()
    }
}

/// How a source obtains a fresh lease (a call to STS, the metadata service, a process…).
pub trait Renew<C>: Send + Sync + 'static {
    fn renew(&self) -> Renewal<'_, C>;
}

/// A renewal under way: the fresh lease, or why there is none.
pub type Renewal<'a, C> = BoxFuture<'a, Result<Lease<C>, FetchError>>;

/// A [`Renew`] made of what a source needs (`state`: its key file, its endpoint, its HTTP client…)
/// and the function that obtains a lease with it, so that a chain's recipe builds each source
/// where it matches on it instead of declaring a type for it.
pub struct Renewer<S, C> {
    state: S,
    obtain: for<'a> fn(&'a S) -> Renewal<'a, C>,
}

impl<S: Send + Sync + 'static, C: 'static> Renewer<S, C> {
    /// `obtain(&state)` for every renewal, boxed as a chain's recipe holds its sources.
    pub fn boxed(state: S, obtain: for<'a> fn(&'a S) -> Renewal<'a, C>) -> Box<dyn Renew<C>> {
        Box::new(Renewer { state, obtain })
    }
}

impl<S: Send + Sync + 'static, C: 'static> Renew<C> for Renewer<S, C> {
    fn renew(&self) -> Renewal<'_, C> {
        (self.obtain)(&self.state)
    }
}

/// A lease is not used in its last minute: a request signed then may arrive after the expiry.
const LAST_MINUTE: Duration = Duration::from_secs(60);
/// First retry delay after a failed background renewal; doubles up to [`MAX_RETRY`].
const FIRST_RETRY: Duration = Duration::from_secs(10);
const MAX_RETRY: Duration = Duration::from_secs(300);

struct State<C> {
    lease: Option<Lease<C>>,
    /// When the lease was obtained, for the half-life rule.
    obtained: Option<SystemTime>,
    /// After a failed background renewal: when to try again.
    retry_at: Option<SystemTime>,
    failures: u32,
    last_error: Option<FetchError>,
    /// The background task; a new one is started when it is gone (its runtime shut down).
    background: Option<tokio::task::JoinHandle<()>>,
}

/// What `oaswatch auth` shows of a cache: never the credentials themselves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheStatus {
    pub expires: Option<SystemTime>,
    pub renew_at: Option<SystemTime>,
    pub renewals: u64,
    pub last_error: Option<FetchError>,
}

/// A lease cache renewed ahead of expiry. Cloned handles share one cache.
pub struct Refreshing<C> {
    /// What the source is called in messages ("~/.aliyun/config.json (profile prod), RamRoleArn").
    label: String,
    renew: Box<dyn Renew<C>>,
    clock: Arc<dyn Clock>,
    margin: Duration,
    state: Mutex<State<C>>,
    /// One renewal at a time; a request that finds the lease stale waits for the one running.
    single_flight: tokio::sync::Mutex<()>,
    renewals: AtomicU64,
    /// Dropped with the cache, which ends its background task.
    alive: watch::Sender<()>,
}

impl<C> fmt::Debug for Refreshing<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Refreshing")
            .field("label", &self.label)
            .field("margin", &self.margin)
            .field("renewals", &self.renewals.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl<C: Send + Sync + 'static> Refreshing<C> {
    pub fn new(label: String, renew: Box<dyn Renew<C>>, clock: Arc<dyn Clock>, margin: Duration) -> Arc<Self> {
        let (alive, _) = watch::channel(());
        Arc::new(Refreshing {
            label,
            renew,
            clock,
            margin,
            state: Mutex::new(State {
                lease: None,
                obtained: None,
                retry_at: None,
                failures: 0,
                last_error: None,
                background: None,
            }),
            single_flight: tokio::sync::Mutex::new(()),
            renewals: AtomicU64::new(0),
            alive,
        })
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State<C>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The current credentials, renewed first when there are none or they are about to expire.
    pub async fn get(self: &Arc<Self>) -> Result<Arc<C>, FetchError> {
        if let Some(value) = self.usable() {
            return Ok(value);
        }
        let _turn = self.single_flight.lock().await;
        if let Some(value) = self.usable() {
            return Ok(value);
        }
        self.renew_now().await
    }

    /// Forgets the lease (the cloud said it expired early), so the next request renews it.
    pub fn invalidate(&self) {
        let mut state = self.state();
        state.lease = None;
    }

    pub fn status(&self) -> CacheStatus {
        let state = self.state();
        CacheStatus {
            expires: state.lease.as_ref().and_then(|l| l.expires),
            renew_at: state.lease.as_ref().and_then(|l| self.renew_at(l, state.obtained)),
            renewals: self.renewals.load(Ordering::Relaxed),
            last_error: state.last_error.clone(),
        }
    }

    /// How many leases were obtained so far (the first one included).
    pub fn renewals(&self) -> u64 {
        self.renewals.load(Ordering::Relaxed)
    }

    fn usable(&self) -> Option<Arc<C>> {
        let state = self.state();
        let lease = state.lease.as_ref()?;
        match lease.expires {
            Some(expires) if self.clock.now() + LAST_MINUTE.min(lifetime(lease, state.obtained) / 4) >= expires => None,
            _ => Some(Arc::clone(&lease.value)),
        }
    }

    /// When a lease is due for renewal: `margin` before it expires, but not in the first half of
    /// its life (a 15-minute lease with a 15-minute margin would otherwise renew forever).
    fn renew_at(&self, lease: &Lease<C>, obtained: Option<SystemTime>) -> Option<SystemTime> {
        let expires = lease.expires?;
        let life = lifetime(lease, obtained);
        Some(expires - self.margin.min(life / 2))
    }

    async fn renew_now(self: &Arc<Self>) -> Result<Arc<C>, FetchError> {
        match self.renew.renew().await {
            Ok(lease) => Ok(self.store(lease)),
            Err(error) => {
                let error = self.name_source(error);
                let mut state = self.state();
                state.last_error = Some(error.clone());
                Err(error)
            }
        }
    }

    fn store(self: &Arc<Self>, lease: Lease<C>) -> Arc<C> {
        let value = Arc::clone(&lease.value);
        let expires = lease.expires;
        let start_background = {
            let mut state = self.state();
            state.lease = Some(lease);
            state.obtained = Some(self.clock.now());
            state.retry_at = None;
            state.failures = 0;
            state.last_error = None;
            expires.is_some() && state.background.as_ref().is_none_or(tokio::task::JoinHandle::is_finished)
        };
        self.renewals.fetch_add(1, Ordering::Relaxed);
        if start_background {
            let handle = self.spawn_background();
            self.state().background = handle;
        }
        value
    }

    fn name_source(&self, mut error: FetchError) -> FetchError {
        if !error.message.contains(&self.label) {
            error.message = format!("{}: {}", self.label, error.message);
        }
        error
    }

    /// Renews ahead of expiry on the runtime's worker threads, never on the caller's.
    fn spawn_background(self: &Arc<Self>) -> Option<tokio::task::JoinHandle<()>> {
        // No runtime (a synchronous caller): requests renew when they find the lease stale.
        let runtime = tokio::runtime::Handle::try_current().ok()?;
        let weak = Arc::downgrade(self);
        let mut alive = self.alive.subscribe();
        Some(runtime.spawn(async move {
            loop {
                let Some((wake_at, clock)) = next_wake(&weak) else { return };
                tokio::select! {
                    () = clock.sleep_until(wake_at) => {}
                    // The cache was dropped: nothing left to renew.
                    _ = alive.changed() => return,
                }
                let Some(this) = weak.upgrade() else { return };
                this.renew_in_background().await;
            }
        }))
    }

    async fn renew_in_background(self: &Arc<Self>) {
        let _turn = self.single_flight.lock().await;
        let now = self.clock.now();
        if self.next_attempt().is_some_and(|at| at > now) {
            // A request renewed meanwhile.
            return;
        }
        match self.renew.renew().await {
            Ok(lease) => {
                self.store(lease);
                tracing::debug!(source = %self.label, "renewed temporary credentials ahead of expiry");
            }
            Err(error) => {
                let error = self.name_source(error);
                let mut state = self.state();
                state.failures = state.failures.saturating_add(1);
                let delay = FIRST_RETRY.saturating_mul(1u32 << state.failures.min(6).saturating_sub(1)).min(MAX_RETRY);
                state.retry_at = Some(now + delay);
                tracing::warn!(
                    source = %self.label,
                    code = %error.code,
                    retry_in_s = delay.as_secs(),
                    "could not renew temporary credentials; the current ones are used meanwhile"
                );
                state.last_error = Some(error);
            }
        }
    }

    /// When the background task should next try: the renewal moment, or the retry after a
    /// failure. `None` when there is nothing that expires.
    fn next_attempt(&self) -> Option<SystemTime> {
        let state = self.state();
        if let Some(retry) = state.retry_at {
            return Some(retry);
        }
        state.lease.as_ref().and_then(|lease| self.renew_at(lease, state.obtained))
    }
}

fn lifetime<C>(lease: &Lease<C>, obtained: Option<SystemTime>) -> Duration {
    match (lease.expires, obtained) {
        (Some(expires), Some(obtained)) => expires.duration_since(obtained).unwrap_or_default(),
        _ => Duration::MAX,
    }
}

fn next_wake<C: Send + Sync + 'static>(weak: &Weak<Refreshing<C>>) -> Option<(SystemTime, Arc<dyn Clock>)> {
    let this = weak.upgrade()?;
    let at = this.next_attempt().unwrap_or_else(|| this.clock.now() + MAX_RETRY);
    Some((at, Arc::clone(&this.clock)))
}

/// Credentials as a client holds them: known for good, or kept fresh by a cache.
pub enum CredentialProvider<C> {
    Static(Arc<C>),
    Refreshing(Arc<Refreshing<C>>),
}

impl<C> Clone for CredentialProvider<C> {
    fn clone(&self) -> Self {
        match self {
            CredentialProvider::Static(value) => CredentialProvider::Static(Arc::clone(value)),
            CredentialProvider::Refreshing(cache) => CredentialProvider::Refreshing(Arc::clone(cache)),
        }
    }
}

impl<C> fmt::Debug for CredentialProvider<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CredentialProvider::Static(_) => f.write_str("CredentialProvider::Static([REDACTED])"),
            CredentialProvider::Refreshing(cache) => {
                f.debug_tuple("CredentialProvider::Refreshing").field(cache).finish()
            }
        }
    }
}

impl<C: Send + Sync + 'static> CredentialProvider<C> {
    pub async fn get(&self) -> Result<Arc<C>, FetchError> {
        match self {
            CredentialProvider::Static(value) => Ok(Arc::clone(value)),
            CredentialProvider::Refreshing(cache) => cache.get().await,
        }
    }

    /// After the cloud refused the credentials as expired: renew before the next request.
    pub fn invalidate(&self) {
        if let CredentialProvider::Refreshing(cache) = self {
            cache.invalidate();
        }
    }

    pub fn status(&self) -> Option<CacheStatus> {
        match self {
            CredentialProvider::Static(_) => None,
            CredentialProvider::Refreshing(cache) => Some(cache.status()),
        }
    }
}

/// The error of a source that answered but refused, or answered nonsense: names the source, says
/// what to fix, and is never retried automatically (a configuration must change).
pub fn rejected(message: impl Into<String>) -> FetchError {
    FetchError::new(FetchErrorKind::Auth, "credentials.rejected", message)
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicU32;

    use super::*;
    use crate::credentials::clock::ManualClock;

    struct Counting {
        clock: ManualClock,
        calls: Arc<AtomicU32>,
        life: Duration,
        fail_from: u32,
    }

    impl Renew<u32> for Counting {
        fn renew(&self) -> BoxFuture<'_, Result<Lease<u32>, FetchError>> {
            Box::pin(async move {
                let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
                if n >= self.fail_from {
                    return Err(FetchError::new(FetchErrorKind::Network, "net", "unreachable"));
                }
                Ok(Lease { value: Arc::new(n), expires: Some(self.clock.now() + self.life) })
            })
        }
    }

    fn cache(clock: &ManualClock, life: Duration, fail_from: u32) -> (Arc<Refreshing<u32>>, Arc<AtomicU32>) {
        let calls = Arc::new(AtomicU32::new(0));
        let renew = Counting { clock: clock.clone(), calls: Arc::clone(&calls), life, fail_from };
        let cache = Refreshing::new(
            "test source".into(),
            Box::new(renew),
            Arc::new(clock.clone()),
            Duration::from_secs(15 * 60),
        );
        (cache, calls)
    }

    async fn settle() {
        for _ in 0..20 {
            tokio::task::yield_now().await;
        }
    }

    #[tokio::test]
    async fn renews_in_the_background_before_expiry_and_never_hands_out_an_expired_lease() {
        let clock = ManualClock::new();
        let (cache, calls) = cache(&clock, Duration::from_secs(3600), u32::MAX);
        assert_eq!(*cache.get().await.unwrap(), 1);
        assert_eq!(*cache.get().await.unwrap(), 1, "cached");
        clock.advance(Duration::from_secs(44 * 60));
        settle().await;
        assert_eq!(calls.load(Ordering::SeqCst), 1, "not yet in the 15-minute window");
        clock.advance(Duration::from_secs(2 * 60));
        for _ in 0..200 {
            if calls.load(Ordering::SeqCst) == 2 {
                break;
            }
            tokio::task::yield_now().await;
        }
        assert_eq!(calls.load(Ordering::SeqCst), 2, "renewed in the background, with no request");
        assert_eq!(*cache.get().await.unwrap(), 2);
        // Days later, every lease was renewed ahead of its expiry.
        for _ in 0..48 {
            clock.advance(Duration::from_secs(46 * 60));
            settle().await;
            let value = cache.get().await.unwrap();
            let status = cache.status();
            assert!(status.expires.unwrap() > clock.now(), "lease {value} is still valid");
        }
    }

    #[tokio::test]
    async fn a_failed_renewal_keeps_the_old_lease_until_its_last_minute_then_fails_naming_the_source() {
        let clock = ManualClock::new();
        let (cache, calls) = cache(&clock, Duration::from_secs(3600), 2);
        assert_eq!(*cache.get().await.unwrap(), 1);
        clock.advance(Duration::from_secs(50 * 60));
        settle().await;
        assert!(calls.load(Ordering::SeqCst) >= 2, "a background attempt failed");
        assert_eq!(*cache.get().await.unwrap(), 1, "the old lease still works");
        assert!(cache.status().last_error.unwrap().message.starts_with("test source: "));
        clock.advance(Duration::from_secs(10 * 60));
        let error = cache.get().await.unwrap_err();
        assert_eq!(error.code, "net");
        assert!(error.message.contains("test source"), "{}", error.message);
    }

    #[tokio::test]
    async fn concurrent_requests_share_one_renewal_and_a_dropped_cache_stops_its_task() {
        let clock = ManualClock::new();
        let (cache, calls) = cache(&clock, Duration::from_secs(3600), u32::MAX);
        let results = futures::future::join_all((0..8).map(|_| cache.get())).await;
        assert!(results.iter().all(|r| *r.as_ref().unwrap().as_ref() == 1));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        drop(cache);
        clock.advance(Duration::from_secs(3600));
        settle().await;
        assert_eq!(calls.load(Ordering::SeqCst), 1, "no renewal for a cache nobody holds");
    }

    #[tokio::test]
    async fn short_leases_renew_at_half_life_not_continuously() {
        let clock = ManualClock::new();
        let (cache, calls) = cache(&clock, Duration::from_secs(10 * 60), u32::MAX);
        cache.get().await.unwrap();
        let status = cache.status();
        assert_eq!(status.renew_at.unwrap(), status.expires.unwrap() - Duration::from_secs(5 * 60));
        settle().await;
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }
}
