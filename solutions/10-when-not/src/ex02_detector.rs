//! Exercise 10.2: a detector for blocking. A future that wraps another one, times each
//! of its polls on a clock it is given, and reports every poll that took longer than a
//! limit, with the task's name. The page is `book/src/ch10-when-not/detector.md`.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

// ANCHOR: given
/// Given. Where the time comes from. Tests use a clock they move by hand, so "this poll
/// took 30 ms" is a fact the test chose, not a measurement that a busy machine can spoil.
pub trait Clock: Send + Sync + 'static {
    /// The time since some fixed start.
    fn now(&self) -> Duration;
}

/// Given. The real clock, for use outside tests.
#[derive(Debug)]
pub struct RealClock(Instant);

impl RealClock {
    /// A clock that starts now.
    pub fn new() -> Self {
        Self(Instant::now())
    }
}

impl Default for RealClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for RealClock {
    fn now(&self) -> Duration {
        self.0.elapsed()
    }
}

/// Given. One poll that took too long.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlowPoll {
    /// The name the task was watched under.
    pub task: String,
    /// How long that one poll took.
    pub took: Duration,
}

/// Given. Watches futures and keeps the slow polls it saw.
#[derive(Clone)]
pub struct Detector {
    /// A poll longer than this is reported. A common rule of thumb is 10–100 µs between
    /// awaits (Alice Ryhl, "Async: What is blocking?"); a test picks its own.
    limit: Duration,
    clock: Arc<dyn Clock>,
    /// Shared by every watched future, so one detector sees a whole program.
    reports: Arc<Mutex<Vec<SlowPoll>>>,
}

impl Detector {
    /// A detector that reports polls longer than `limit`, timed on `clock`.
    pub fn new(limit: Duration, clock: Arc<dyn Clock>) -> Self {
        Self {
            limit,
            clock,
            reports: Arc::new(Mutex::new(Vec::new())),
        }
    }

    /// The time now, on the detector's clock.
    pub fn now(&self) -> Duration {
        self.clock.now()
    }

    /// A poll longer than this is slow.
    pub fn limit(&self) -> Duration {
        self.limit
    }

    /// Writes down one slow poll.
    pub fn report(&self, slow: SlowPoll) {
        self.reports.lock().unwrap().push(slow);
    }

    /// The slow polls seen so far, oldest first.
    pub fn reports(&self) -> Vec<SlowPoll> {
        self.reports.lock().unwrap().clone()
    }
}
// ANCHOR_END: given

/// A future under watch: it behaves exactly as the one inside.
pub struct Watched<F> {
    /// The name slow polls are reported under.
    task: String,
    /// Boxed so that `Watched` is `Unpin` and `poll` needs no unsafe pin projection.
    inner: Pin<Box<F>>,
    /// A clone: every watched future reports into the same list.
    detector: Detector,
}

impl Detector {
    /// `future`, watched under the name `task`.
    pub fn watch<F: Future>(&self, task: &str, future: F) -> Watched<F> {
        Watched {
            task: task.to_string(),
            inner: Box::pin(future),
            detector: self.clone(),
        }
    }
}

impl<F: Future> Future for Watched<F> {
    type Output = F::Output;

    /// Polls the future inside once, and reports the poll if it took longer than the
    /// limit. Returns what the inner poll returned.
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let started = self.detector.now();
        // The same context goes in: the inner future's waker is the task's waker, so the
        // wrapper parks and wakes exactly when the inner future does.
        let outcome = self.inner.as_mut().poll(cx);
        // Every poll counts, the last one (Ready) too: a task can block on its way out.
        let took = self.detector.now() - started;
        if took > self.detector.limit() {
            let task = self.task.clone();
            self.detector.report(SlowPoll { task, took });
        }
        outcome
    }
}
