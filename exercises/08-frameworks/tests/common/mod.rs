//! What chapter 08's tests share: a waker that counts, a future that counts its polls, and
//! a paused tokio clock under the course's time limit.
#![allow(dead_code)] // each test file uses some of these

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Wake, Waker};

/// A waker that counts how often it is woken.
pub struct Counter(AtomicUsize);

impl Wake for Counter {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

impl Counter {
    pub fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

/// A waker and the counter of its wake-ups.
pub fn counting_waker() -> (Waker, Arc<Counter>) {
    let counter = Arc::new(Counter(AtomicUsize::new(0)));
    (Waker::from(counter.clone()), counter)
}

/// Polls `future` once with `waker`.
pub fn poll_once<F: Future + Unpin>(future: &mut F, waker: &Waker) -> Poll<F::Output> {
    Pin::new(future).poll(&mut Context::from_waker(waker))
}

/// Wraps a future and fails the test if it is polled more than `limit` times: a future
/// that parks is polled once per event; one that spins is polled without end.
pub struct PollLimit<F> {
    inner: Pin<Box<F>>,
    polls: usize,
    limit: usize,
    what: &'static str,
}

pub fn poll_limit<F: Future>(what: &'static str, limit: usize, inner: F) -> PollLimit<F> {
    PollLimit {
        inner: Box::pin(inner),
        polls: 0,
        limit,
        what,
    }
}

impl<F: Future> Future for PollLimit<F> {
    type Output = F::Output;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.polls += 1;
        if self.polls > self.limit {
            panic!(
                "{} was polled more than {} times before it finished: it spins (wakes \
                 itself to look again) instead of parking until something happens",
                self.what, self.limit
            );
        }
        self.inner.as_mut().poll(cx)
    }
}

/// Runs an async test body with tokio's clock paused (`support::tokio::paused`: time jumps
/// ahead whenever every task waits on a timer, and a body stuck for good fails as a
/// deadlock). The body is also given a budget of polls, so that one that spins (and so
/// never lets the clock move) fails at once with a message that says so.
pub fn paused<F, Fut, T>(body: F) -> T
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = T>,
    T: Send + 'static,
{
    support::tokio::paused(move || poll_limit("the test", 10_000, body()))
}

/// Runs an async test body on the real clock (for tests on real sockets), under the
/// course's time limit.
pub fn real<F, Fut, T>(body: F) -> T
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = T>,
    T: Send + 'static,
{
    support::tokio::real_time(body)
}
