//! Wakers for polling futures by hand, made to catch what a friendly executor hides.
//!
//! - [`CountingWaker`]: counts its wakes and lets a test wait for them.
//! - [`FreshWakers`]: polls a future with a new waker every time, as a future moved
//!   between tasks is, so that a future that keeps the waker of its first poll wakes a
//!   waker nobody listens to any more (and the test sees it).
//! - [`Gate`]: a future that waits until the test opens it, and then wakes the waker of
//!   its latest poll, as a well-behaved leaf future does.
//! - [`Counted`]: a future that counts how often the future inside it is polled, on any
//!   executor: a wait that sleeps is polled once per wake-up, one that spins on every turn.
//!
//! ```
//! use std::task::Poll;
//! use support::wakers::FreshWakers;
//!
//! let mut ready = FreshWakers::new(async { 7 });
//! assert_eq!(ready.poll(), Poll::Ready(7));
//! assert_eq!(ready.stale_wakes(), 0);
//! ```

use crate::PATIENCE;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::task::{Context, Poll, Wake, Waker};

/// A waker that counts its wakes (by value and by reference alike).
#[derive(Default)]
pub struct CountingWaker {
    wakes: Mutex<usize>,
    changed: Condvar,
}

impl CountingWaker {
    /// The counter, and a waker that adds to it.
    pub fn new() -> (Arc<CountingWaker>, Waker) {
        let count = Arc::new(CountingWaker::default());
        (Arc::clone(&count), Waker::from(count))
    }

    /// How many times it was woken so far.
    pub fn wakes(&self) -> usize {
        *self.wakes.lock().unwrap()
    }

    /// Waits (at most [`PATIENCE`]) until woken `n` times in all; says whether it was.
    pub fn wait_for(&self, n: usize) -> bool {
        let wakes = self.wakes.lock().unwrap();
        let (wakes, _) = self
            .changed
            .wait_timeout_while(wakes, PATIENCE, |w| *w < n)
            .unwrap();
        *wakes >= n
    }
}

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        *self.wakes.lock().unwrap() += 1;
        self.changed.notify_all();
    }
}

/// A future polled by hand, each time with a waker it has never seen.
pub struct FreshWakers<F: Future> {
    future: Pin<Box<F>>,
    /// One waker per poll, oldest first.
    wakers: Vec<Arc<CountingWaker>>,
    done: bool,
}

impl<F: Future> FreshWakers<F> {
    pub fn new(future: F) -> Self {
        FreshWakers {
            future: Box::pin(future),
            wakers: Vec::new(),
            done: false,
        }
    }

    /// Polls once, with a new waker. Panics if the future was already `Ready` (a test
    /// that wants to see a second poll after `Ready` does it on purpose, elsewhere).
    pub fn poll(&mut self) -> Poll<F::Output> {
        assert!(!self.done, "the test polled a finished future");
        let (count, waker) = CountingWaker::new();
        self.wakers.push(count);
        let poll = self.future.as_mut().poll(&mut Context::from_waker(&waker));
        self.done = poll.is_ready();
        poll
    }

    /// How many polls so far.
    pub fn polls(&self) -> usize {
        self.wakers.len()
    }

    /// The waker of the latest poll: the only one a future may still wake.
    pub fn latest(&self) -> &CountingWaker {
        self.wakers.last().expect("polled at least once")
    }

    /// Waits (at most [`PATIENCE`]) for the latest waker to be woken once; says whether
    /// it was.
    pub fn wait_for_wake(&self) -> bool {
        self.latest().wait_for(1)
    }

    /// Wakes of the wakers of earlier polls: a future that kept an old waker wakes one
    /// of these instead of the latest.
    pub fn stale_wakes(&self) -> usize {
        let older = self.wakers.len().saturating_sub(1);
        self.wakers[..older].iter().map(|w| w.wakes()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_future_that_keeps_its_first_waker_shows_up_as_stale_wakes() {
        // A future that wakes the waker of its first poll when polled the third time.
        let mut first: Option<Waker> = None;
        let mut polls = 0;
        let mut keeps_first = FreshWakers::new(std::future::poll_fn(move |cx| {
            polls += 1;
            let first = first.get_or_insert_with(|| cx.waker().clone());
            if polls == 3 {
                first.wake_by_ref();
            }
            Poll::<()>::Pending
        }));
        for _ in 0..3 {
            assert!(keeps_first.poll().is_pending());
        }
        assert_eq!(keeps_first.stale_wakes(), 1);
        assert_eq!(keeps_first.latest().wakes(), 0);
        assert_eq!(keeps_first.polls(), 3);
    }
}

/// A gate a future can wait at: [`Gate::wait`] is pending until [`Gate::open`], which
/// wakes the waker of the latest poll (after letting go of its lock).
#[derive(Clone, Default)]
pub struct Gate(Arc<Mutex<(bool, Option<Waker>)>>);

impl Gate {
    /// Opens the gate, and wakes whoever waits at it.
    pub fn open(&self) {
        let waker = {
            let mut state = self.0.lock().unwrap();
            state.0 = true;
            state.1.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Ready once the gate is open.
    pub async fn wait(&self) {
        std::future::poll_fn(|cx| {
            let mut state = self.0.lock().unwrap();
            if state.0 {
                Poll::Ready(())
            } else {
                state.1 = Some(cx.waker().clone());
                Poll::Pending
            }
        })
        .await
    }
}

/// Counts the polls of the future inside it, into `polls`, which the test keeps a clone
/// of: `Counted { inner: Box::pin(future), polls: polls.clone() }`, spawned or awaited
/// in the future's place.
pub struct Counted<F> {
    /// The future watched.
    pub inner: Pin<Box<F>>,
    /// How many times it has been polled so far.
    pub polls: Arc<AtomicU64>,
}

impl<F: Future> Future for Counted<F> {
    type Output = F::Output;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.polls.fetch_add(1, Ordering::SeqCst);
        self.inner.as_mut().poll(cx)
    }
}
