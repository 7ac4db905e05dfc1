//! Terminal input as a stream that costs nothing to poll while no key has arrived.
//!
//! Owns [`Keys`], a wrapper of crossterm's `EventStream` that asks crossterm for an event only
//! after crossterm's reader thread has said one may be there. `EventStream::poll_next` tries to
//! take crossterm's reader lock, which its own thread holds while it waits for input: each poll
//! then spun through about seven `sched_yield` calls before giving up. The event loop polls its
//! input first on every turn, and with 100 running tasks it turns 20 times a second; those
//! yields were ~9 % of the dashboard's CPU time (perf, benches/system.rs idle).

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Wake, Waker};

use crossterm::event::Event;
use futures::Stream;

/// A stream of terminal events that polls `inner` only once woken by it.
pub struct Keys<S> {
    inner: S,
    signal: Arc<Signal>,
}

/// The waker handed to the inner stream: remembers that it was woken and passes the wake on.
struct Signal {
    /// Whether the inner stream may have something (true at first: it has never been asked).
    ready: AtomicBool,
    /// The event loop's waker, to wake when the inner stream wakes us.
    outer: Mutex<Option<Waker>>,
}

impl Wake for Signal {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.ready.store(true, Ordering::SeqCst);
        let outer = self.outer.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(waker) = outer {
            waker.wake();
        }
    }
}

/// The dashboard's keyboard, mouse and resize events.
pub fn events() -> Keys<crossterm::event::EventStream> {
    Keys::new(crossterm::event::EventStream::new())
}

impl<S> Keys<S> {
    pub fn new(inner: S) -> Keys<S> {
        let signal = Arc::new(Signal { ready: AtomicBool::new(true), outer: Mutex::new(None) });
        Keys { inner, signal }
    }
}

impl<S: Stream<Item = io::Result<Event>> + Unpin> Stream for Keys<S> {
    type Item = io::Result<Event>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        // The waker goes in first, so that a wake arriving at any point after it is not lost.
        {
            let mut outer = self.signal.outer.lock().unwrap_or_else(PoisonError::into_inner);
            if !outer.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                *outer = Some(cx.waker().clone());
            }
        }
        if !self.signal.ready.swap(false, Ordering::SeqCst) {
            return Poll::Pending;
        }
        let waker = Waker::from(Arc::clone(&self.signal));
        let polled = Pin::new(&mut self.inner).poll_next(&mut Context::from_waker(&waker));
        if polled.is_ready() {
            // More events may be buffered behind this one: ask again next time.
            self.signal.ready.store(true, Ordering::SeqCst);
        }
        polled
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use crossterm::event::{KeyCode, KeyEvent};
    use futures::StreamExt;

    use super::*;

    /// A stream that counts its polls and yields a key only when its test says so, waking the
    /// waker it was last polled with, as crossterm's reader thread does.
    #[derive(Default)]
    struct Fake {
        polls: Arc<AtomicUsize>,
        queued: Arc<Mutex<Vec<Event>>>,
        waker: Arc<Mutex<Option<Waker>>>,
    }

    impl Stream for Fake {
        type Item = io::Result<Event>;
        fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
            self.polls.fetch_add(1, Ordering::SeqCst);
            if let Some(event) = self.queued.lock().unwrap().pop() {
                return Poll::Ready(Some(Ok(event)));
            }
            *self.waker.lock().unwrap() = Some(cx.waker().clone());
            Poll::Pending
        }
    }

    fn key(c: char) -> Event {
        Event::Key(KeyEvent::from(KeyCode::Char(c)))
    }

    #[tokio::test]
    async fn the_inner_stream_is_polled_only_after_it_woke_us() {
        let fake = Fake::default();
        let (polls, queued, waker) = (Arc::clone(&fake.polls), Arc::clone(&fake.queued), Arc::clone(&fake.waker));
        let mut keys = Keys::new(fake);
        let noop = Waker::noop();
        let mut cx = Context::from_waker(noop);
        assert!(Pin::new(&mut keys).poll_next(&mut cx).is_pending());
        assert_eq!(polls.load(Ordering::SeqCst), 1, "asked once at first");
        for _ in 0..100 {
            assert!(Pin::new(&mut keys).poll_next(&mut cx).is_pending());
        }
        assert_eq!(polls.load(Ordering::SeqCst), 1, "not asked again until woken");

        queued.lock().unwrap().extend([key('b'), key('a')]);
        waker.lock().unwrap().take().unwrap().wake();
        let first = keys.next().await.unwrap().unwrap();
        let second = keys.next().await.unwrap().unwrap();
        assert_eq!((first, second), (key('a'), key('b')), "both buffered events, in order");
        assert!(Pin::new(&mut keys).poll_next(&mut cx).is_pending());
        let asked = polls.load(Ordering::SeqCst);
        assert!(Pin::new(&mut keys).poll_next(&mut cx).is_pending());
        assert_eq!(polls.load(Ordering::SeqCst), asked, "quiet again once it said pending");
    }

    #[tokio::test]
    async fn a_wake_reaches_the_task_waiting_on_the_stream() {
        let fake = Fake::default();
        let (queued, waker) = (Arc::clone(&fake.queued), Arc::clone(&fake.waker));
        let mut keys = Keys::new(fake);
        let waiting = tokio::spawn(async move { keys.next().await.map(Result::ok) });
        // Let the task poll and park.
        while waker.lock().unwrap().is_none() {
            tokio::task::yield_now().await;
        }
        queued.lock().unwrap().push(key('q'));
        waker.lock().unwrap().take().unwrap().wake();
        let got = tokio::time::timeout(std::time::Duration::from_secs(5), waiting).await;
        assert_eq!(got.unwrap().unwrap(), Some(Some(key('q'))));
    }
}
