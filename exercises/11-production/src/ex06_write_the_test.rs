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
    todo!(
        "read what RateLimiter's doc promises, then build limiters with make and watch \
         callers go on tokio's clock: one assert for each promise"
    )
}
