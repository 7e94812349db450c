//! Tests for exercise 11.6: the check you write is tested on limiters.
//!
//! One limiter is right: the given `RateLimiter`. The others, `Twin1` to `Twin10`, each
//! break the rules of `RateLimiter`'s doc in a different way. Your `check` must return
//! normally on the right one and panic on every twin. Each test runs your `check` on tokio's
//! paused clock (`support::tokio::paused`), catches its panic, and looks at the outcome.
//!
//! A `check` that panics on everything would "reject" every twin, so each twin's test
//! first requires that `check` returns normally on the given limiter: a `check` that does
//! not exist yet (`todo!()`) fails every test, not only the first. A twin that never lets a
//! caller through makes a `check` that waits for it wait forever: the paused clock's
//! deadlock report is a panic too, so that counts as a rejection (a message of your own
//! says more). The reference `check`, run against these tests, is also what tests the
//! given `RateLimiter`.

use std::panic::{self, AssertUnwindSafe};
use std::sync::Mutex;
use std::time::Duration;

use ch11_production::ex06_write_the_test::{Limiter, RateLimiter, check};
use support::tokio::paused;
use tokio::sync::Semaphore;
use tokio::time::Instant;

/// Runs `check` on the limiters `make` builds, on tokio's paused clock: `Ok` if it
/// returned, its panic message if it panicked.
fn verdict<L: Limiter>(make: fn(Duration, usize) -> L) -> Result<(), String> {
    panic::catch_unwind(AssertUnwindSafe(|| paused(move || check(make)))).map_err(|payload| {
        payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "(a panic without a message)".to_string())
    })
}

fn passes_on_the_given_limiter() {
    if let Err(message) = verdict(RateLimiter::new) {
        panic!(
            "check should return normally on the given RateLimiter, which keeps every rule of \
             its doc; it panicked with: {message}"
        );
    }
}

fn rejects<L: Limiter>(twin: &str, make: fn(Duration, usize) -> L) {
    passes_on_the_given_limiter();
    match verdict(make) {
        Ok(()) => panic!(
            "check returned normally on {twin}, a limiter that breaks a rule of RateLimiter's \
             doc: it should have panicked. Read the doc again: what does it promise that \
             check does not try?"
        ),
        Err(message) if message.contains("not yet implemented") => panic!(
            "check panicked on {twin} with `todo!`'s message rather than an assertion of its \
             own: {message}"
        ),
        Err(_) => {}
    }
}

#[test]
fn check_returns_normally_on_the_given_rate_limiter() {
    passes_on_the_given_limiter();
}

#[test]
fn check_panics_on_twin1() {
    rejects("Twin1", Twin1::new);
}

#[test]
fn check_panics_on_twin2() {
    rejects("Twin2", Twin2::new);
}

#[test]
fn check_panics_on_twin3() {
    rejects("Twin3", Twin3::new);
}

#[test]
fn check_panics_on_twin4() {
    rejects("Twin4", Twin4::new);
}

#[test]
fn check_panics_on_twin5() {
    rejects("Twin5", Twin5::new);
}

#[test]
fn check_panics_on_twin6() {
    rejects("Twin6", Twin6::new);
}

#[test]
fn check_panics_on_twin7() {
    rejects("Twin7", Twin7::new);
}

#[test]
fn check_panics_on_twin8() {
    rejects("Twin8", Twin8::new);
}

#[test]
fn check_panics_on_twin9() {
    rejects("Twin9", Twin9::new);
}

#[test]
fn check_panics_on_twin10() {
    rejects("Twin10", Twin10::new);
}

// The twins.

pub struct Twin1 {
    per: Duration,
    burst: usize,
    next: Mutex<Instant>,
}

impl Twin1 {
    fn new(per: Duration, burst: usize) -> Self {
        Twin1 {
            per,
            burst,
            next: Mutex::new(Instant::now()),
        }
    }
}

impl Limiter for Twin1 {
    async fn acquire(&self) {
        let now = Instant::now();
        let at = {
            let mut next = self.next.lock().unwrap();
            let from = (*next).max(now);
            *next = from + self.per;
            now + (from - now).saturating_sub(self.per * self.burst as u32)
        };
        tokio::time::sleep_until(at).await;
    }
}

pub struct Twin2 {
    tokens: Semaphore,
}

impl Twin2 {
    fn new(_per: Duration, burst: usize) -> Self {
        Twin2 {
            tokens: Semaphore::new(burst),
        }
    }
}

impl Limiter for Twin2 {
    async fn acquire(&self) {
        self.tokens.acquire().await.unwrap().forget();
    }
}

pub struct Twin3 {
    per: Duration,
    burst: usize,
    window: Mutex<(usize, Instant)>,
}

impl Twin3 {
    fn new(per: Duration, burst: usize) -> Self {
        Twin3 {
            per,
            burst,
            window: Mutex::new((burst, Instant::now())),
        }
    }
}

impl Limiter for Twin3 {
    async fn acquire(&self) {
        loop {
            let until = {
                let mut window = self.window.lock().unwrap();
                let now = Instant::now();
                if now >= window.1 + self.per {
                    *window = (self.burst, now);
                }
                if window.0 > 0 {
                    window.0 -= 1;
                    return;
                }
                window.1 + self.per
            };
            tokio::time::sleep_until(until).await;
        }
    }
}

/// The token-bucket arithmetic some twins share: the moment a caller who comes `now` may
/// go, given when the bucket is full again, and that moment pushed on by one token.
fn turn(full_at: Instant, now: Instant, per: Duration, slack: usize) -> (Instant, Instant) {
    let full = full_at.max(now);
    (
        now + (full - now).saturating_sub(per * slack as u32),
        full + per,
    )
}

async fn wait_until(at: Instant) {
    if at > Instant::now() {
        tokio::time::sleep_until(at).await;
    }
}

pub struct Twin4 {
    per: Duration,
    burst: usize,
    full_at: Mutex<Instant>,
}

impl Twin4 {
    fn new(per: Duration, burst: usize) -> Self {
        Twin4 {
            per,
            burst,
            full_at: Mutex::new(Instant::now() + per * burst as u32),
        }
    }
}

impl Limiter for Twin4 {
    async fn acquire(&self) {
        let go_at = {
            let mut full_at = self.full_at.lock().unwrap();
            let (go_at, next) = turn(*full_at, Instant::now(), self.per, self.burst - 1);
            *full_at = next;
            go_at
        };
        wait_until(go_at).await;
    }
}

pub struct Twin5 {
    per: Duration,
    burst: usize,
    full_at: Mutex<Instant>,
}

impl Twin5 {
    fn new(per: Duration, burst: usize) -> Self {
        Twin5 {
            per,
            burst,
            full_at: Mutex::new(Instant::now()),
        }
    }
}

impl Limiter for Twin5 {
    async fn acquire(&self) {
        let go_at = {
            let mut full_at = self.full_at.lock().unwrap();
            let (go_at, next) = turn(*full_at, Instant::now(), self.per, self.burst - 1);
            *full_at = next;
            go_at
        };
        while Instant::now() < go_at {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
}

pub struct Twin6 {
    per: Duration,
    burst: usize,
    full_at: Mutex<Instant>,
}

impl Twin6 {
    fn new(per: Duration, burst: usize) -> Self {
        Twin6 {
            per,
            burst,
            full_at: Mutex::new(Instant::now()),
        }
    }
}

impl Limiter for Twin6 {
    async fn acquire(&self) {
        let now = Instant::now();
        let go_at = {
            let mut full_at = self.full_at.lock().unwrap();
            let (go_at, next) = turn(*full_at, now, self.per, self.burst - 1);
            *full_at = next;
            go_at
        };
        if go_at > now {
            std::thread::sleep(go_at - now);
        }
    }
}

pub struct Twin7 {
    per: Duration,
    burst: usize,
    full_at: Mutex<Instant>,
}

impl Twin7 {
    fn new(per: Duration, burst: usize) -> Self {
        Twin7 {
            per,
            burst,
            full_at: Mutex::new(Instant::now()),
        }
    }
}

impl Limiter for Twin7 {
    async fn acquire(&self) {
        let now = Instant::now();
        let go_at = {
            let mut full_at = self.full_at.lock().unwrap();
            let owed = *full_at - now;
            *full_at += self.per;
            now + owed.saturating_sub(self.per * (self.burst as u32 - 1))
        };
        wait_until(go_at).await;
    }
}

pub struct Twin8 {
    per: Duration,
    burst: usize,
    full_at: Mutex<Instant>,
}

impl Twin8 {
    fn new(per: Duration, burst: usize) -> Self {
        Twin8 {
            per,
            burst,
            full_at: Mutex::new(Instant::now()),
        }
    }
}

impl Limiter for Twin8 {
    async fn acquire(&self) {
        let go_at = {
            let full_at = self.full_at.lock().unwrap();
            turn(*full_at, Instant::now(), self.per, self.burst - 1).0
        };
        wait_until(go_at).await;
        let mut full_at = self.full_at.lock().unwrap();
        *full_at = turn(*full_at, Instant::now(), self.per, self.burst - 1).1;
    }
}

pub struct Twin9 {
    per: Duration,
    full_at: Mutex<Instant>,
}

impl Twin9 {
    fn new(per: Duration, _burst: usize) -> Self {
        Twin9 {
            per,
            full_at: Mutex::new(Instant::now()),
        }
    }
}

impl Limiter for Twin9 {
    async fn acquire(&self) {
        let go_at = {
            let mut full_at = self.full_at.lock().unwrap();
            let (go_at, next) = turn(*full_at, Instant::now(), self.per, 0);
            *full_at = next;
            go_at
        };
        wait_until(go_at).await;
    }
}

pub struct Twin10 {
    burst: usize,
    full_at: Mutex<Instant>,
}

impl Twin10 {
    fn new(_per: Duration, burst: usize) -> Self {
        Twin10 {
            burst,
            full_at: Mutex::new(Instant::now()),
        }
    }
}

impl Limiter for Twin10 {
    async fn acquire(&self) {
        let go_at = {
            let mut full_at = self.full_at.lock().unwrap();
            let second = Duration::from_secs(1);
            let (go_at, next) = turn(*full_at, Instant::now(), second, self.burst - 1);
            *full_at = next;
            go_at
        };
        wait_until(go_at).await;
    }
}
