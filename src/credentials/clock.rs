//! The wall clock temporary credentials are judged by: when a lease expires and when to renew it.
//!
//! Owns [`Clock`], the real [`SystemClock`] and the [`ManualClock`] tests pause and advance by
//! hand (the simulator can follow the same clock, so a test crosses an expiry in microseconds).
//! Knows nothing of credentials; never blocks a thread (sleeping is a future).

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use futures::future::BoxFuture;
use tokio::sync::watch;

/// Wall-clock time, and a way to wait for a moment of it.
pub trait Clock: Send + Sync + fmt::Debug {
    fn now(&self) -> SystemTime;

    /// Resolves once [`Clock::now`] has reached `at` (at once when it already has).
    fn sleep_until(&self, at: SystemTime) -> BoxFuture<'static, ()>;
}

/// The longest a [`SystemClock`] sleep lasts before it looks at the wall clock again: a
/// monotonic timer does not count the time a laptop spends suspended, the wall clock does, and
/// an expiry is a wall-clock moment.
const WAKE_AT_LEAST_EVERY: Duration = Duration::from_secs(60);

/// The machine's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }

    fn sleep_until(&self, at: SystemTime) -> BoxFuture<'static, ()> {
        Box::pin(async move {
            loop {
                let Ok(left) = at.duration_since(SystemTime::now()) else { return };
                if left.is_zero() {
                    return;
                }
                tokio::time::sleep(left.min(WAKE_AT_LEAST_EVERY)).await;
            }
        })
    }
}

/// A clock that stands still until a test moves it: a paused clock for crossing expiries.
#[derive(Clone)]
pub struct ManualClock {
    inner: Arc<Mutex<SystemTime>>,
    ticks: watch::Sender<SystemTime>,
}

impl fmt::Debug for ManualClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ManualClock").field("now", &self.now()).finish()
    }
}

impl ManualClock {
    /// A clock stopped at `start`.
    pub fn starting_at(start: SystemTime) -> ManualClock {
        let (ticks, _) = watch::channel(start);
        ManualClock { inner: Arc::new(Mutex::new(start)), ticks }
    }

    /// A clock stopped at the current time.
    pub fn new() -> ManualClock {
        ManualClock::starting_at(SystemTime::now())
    }

    /// Moves the clock forward and wakes every sleeper whose moment has come.
    pub fn advance(&self, by: Duration) {
        let now = {
            let mut now = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
            *now += by;
            *now
        };
        self.ticks.send_replace(now);
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        ManualClock::new()
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        *self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn sleep_until(&self, at: SystemTime) -> BoxFuture<'static, ()> {
        let mut ticks = self.ticks.subscribe();
        Box::pin(async move {
            // The sender lives as long as the clock; if the clock is gone nothing will wake us.
            let _ = ticks.wait_for(|now| *now >= at).await;
        })
    }
}

/// The shared clock of the process.
pub fn system() -> Arc<dyn Clock> {
    Arc::new(SystemClock)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_manual_clock_wakes_sleepers_only_when_advanced_past_their_moment() {
        let clock = ManualClock::new();
        let start = clock.now();
        let sleeper = tokio::spawn(clock.sleep_until(start + Duration::from_secs(3600)));
        clock.advance(Duration::from_secs(1800));
        tokio::task::yield_now().await;
        assert!(!sleeper.is_finished(), "half way there");
        clock.advance(Duration::from_secs(1800));
        tokio::time::timeout(Duration::from_secs(5), sleeper).await.unwrap().unwrap();
        assert_eq!(clock.now(), start + Duration::from_secs(3600));
        // A moment already past resolves at once.
        tokio::time::timeout(Duration::from_secs(5), clock.sleep_until(start)).await.unwrap();
    }

    #[tokio::test(start_paused = true)]
    async fn the_system_clock_sleeps_until_a_wall_clock_moment() {
        let at = SystemTime::now() - Duration::from_secs(1);
        tokio::time::timeout(Duration::from_millis(10), SystemClock.sleep_until(at)).await.unwrap();
    }
}
