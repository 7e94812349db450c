//! Exercise 11.6: write the test yourself. The module gives a small async component, a
//! rate limiter on tokio's clock, and you write the check that tells a right limiter from
//! a wrong one. The page is `book/src/ch11-production/write-the-test.md`.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::time::Instant;

// ANCHOR: given
/// Given. Something that lets callers through at a limited rate.
///
/// `Send + Sync + 'static`, with a `Send` future, so that a check may share a limiter
/// between tasks (in an `Arc`) and call `acquire` from each of them.
pub trait Limiter: Send + Sync + 'static {
    /// Returns when the caller may go.
    fn acquire(&self) -> impl Future<Output = ()> + Send;
}

/// Given. A token bucket on tokio's clock: `burst` callers may go at once, then one per
/// `per`; a bucket left alone fills up again, one token per `per`, up to `burst`.
///
/// A caller who must wait sleeps on tokio's timer until its turn: it is polled again only
/// when its turn has come.
pub struct RateLimiter {
    per: Duration,
    burst: usize,
    /// The moment the bucket is full again if nobody else comes: each token taken moves it
    /// one `per` later.
    full_at: Mutex<Instant>,
}

impl RateLimiter {
    /// A full bucket of `burst` tokens, one more every `per`. `per` must not be zero and
    /// `burst` must be at least one.
    pub fn new(per: Duration, burst: usize) -> RateLimiter {
        assert!(
            !per.is_zero() && burst > 0,
            "a rate limiter needs a period above zero and a burst of at least one"
        );
        RateLimiter {
            per,
            burst,
            full_at: Mutex::new(Instant::now()),
        }
    }
}

impl Limiter for RateLimiter {
    async fn acquire(&self) {
        // Take a turn under the lock, then wait with the lock released: a caller's turn is
        // fixed on its first poll, so callers who come at the same moment cannot both take
        // the same token.
        let now = Instant::now();
        let go_at = {
            let mut full_at = self.full_at.lock().unwrap();
            // A bucket that has been full for a while is no fuller than full.
            let full = (*full_at).max(now);
            // How long until the bucket is full: one `per` for each token missing. A caller
            // may go while fewer than `burst` tokens are missing, so it waits out whatever
            // is owed beyond `burst - 1` periods.
            let owed = full - now;
            let slack = self.per * (self.burst as u32 - 1);
            *full_at = full + self.per;
            now + owed.saturating_sub(slack)
        };
        if go_at > now {
            tokio::time::sleep_until(go_at).await;
        }
    }
}
// ANCHOR_END: given

/// Panics (with an assertion that says what went wrong) if the limiters that `make`
/// builds do not behave as [`RateLimiter`]'s doc says; returns normally if they do.
/// `make(per, burst)` builds a fresh limiter each time it is called.
///
/// Runs on a current-thread tokio runtime whose clock is paused (as
/// `support::tokio::paused` makes it), so that waits take no real time and every instant
/// is exact. A limiter that never lets a caller through makes `check` panic too, rather
/// than wait forever.
pub async fn check<L: Limiter>(make: impl Fn(Duration, usize) -> L) {
    // Two shapes: a burst of several, and a burst of one, where "the burst" and "one per
    // period" meet.
    for (per, burst) in [(Duration::from_millis(250), 3), (Duration::from_secs(1), 1)] {
        let limiter = Arc::new(make(per, burst));

        // A fresh bucket is full: `burst` callers go at once, then one per period. The
        // callers all come at the same moment, so a limiter that checks for a token, waits,
        // then takes it without looking again lets two of them through together.
        let mut expected = vec![Duration::ZERO; burst];
        expected.extend([per, 2 * per]);
        callers_go_at(&limiter, &expected, per, burst).await;

        // Left alone for longer than it takes to refill, the bucket is full again: not
        // emptier (the burst goes at once), and not fuller (the next caller waits).
        tokio::time::sleep(per * (burst as u32 + 2)).await;
        let mut expected = vec![Duration::ZERO; burst];
        expected.push(per);
        callers_go_at(&limiter, &expected, per, burst).await;
    }
}

/// Starts `expected.len()` callers at the same moment, each in a task of its own, and
/// asserts that they go at the `expected` times after the start, on tokio's clock, each
/// polled only a few times.
async fn callers_go_at<L: Limiter>(
    limiter: &Arc<L>,
    expected: &[Duration],
    per: Duration,
    burst: usize,
) {
    let start = Instant::now();
    let callers: Vec<_> = (0..expected.len())
        .map(|_| {
            let limiter = Arc::clone(limiter);
            tokio::spawn(async move {
                let (_, polls) = Counted::new(limiter.acquire()).await;
                (start.elapsed(), polls)
            })
        })
        .collect();

    // The paused clock jumps to the next timer whenever every task waits. A limiter that
    // never lets the last caller through would have the test wait forever: give up once
    // it is late by more than the whole schedule, and say so.
    let patience = per * (expected.len() as u32 + 2);
    let mut gone = Vec::new();
    for caller in callers {
        let outcome = tokio::time::timeout(patience, caller).await;
        let Ok(joined) = outcome else {
            panic!(
                "with per = {per:?} and burst = {burst}, a caller was still waiting after \
                 {patience:?} of tokio's clock: it should have gone by {:?}",
                expected.last().unwrap()
            );
        };
        gone.push(joined.expect("acquire panicked"));
    }

    let mut times: Vec<Duration> = gone.iter().map(|(at, _)| *at).collect();
    times.sort();
    assert_eq!(
        times,
        expected,
        "with per = {per:?} and burst = {burst}, {} callers who came at the same moment \
         should go at these times after they came (tokio's clock), sorted; left: when they \
         went",
        expected.len()
    );

    // Waiting is sleeping: a caller is polled once to start, and once when its turn has
    // come (one spare poll for a limiter woken once for nothing). A limiter that looks at
    // the clock again and again is polled many more times.
    let most = gone.iter().map(|(_, polls)| *polls).max().unwrap_or(0);
    assert!(
        most <= 3,
        "with per = {per:?} and burst = {burst}, a caller's acquire was polled {most} times: \
         a caller who waits should sleep until its turn, polled once to start and once when \
         woken"
    );
}

/// A future that counts how many times it is polled, and gives the count with the output.
struct Counted<F> {
    inner: Pin<Box<F>>,
    polls: u32,
}

impl<F: Future> Counted<F> {
    fn new(inner: F) -> Self {
        Counted {
            inner: Box::pin(inner),
            polls: 0,
        }
    }
}

impl<F: Future> Future for Counted<F> {
    type Output = (F::Output, u32);

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.polls += 1;
        let polls = self.polls;
        self.inner.as_mut().poll(cx).map(|output| (output, polls))
    }
}
