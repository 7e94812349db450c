//! Proof of concurrency without a stopwatch.
//!
//! If `n` pieces of work must run at the same time, make each of them arrive at one
//! meeting point and wait there for the others. Run concurrently, they all meet and go
//! on. Run one after another, the first waits for partners that can only start after it
//! ends: it never meets them, and the test fails with a message that says so. No timing
//! of the work itself is involved, so a slow machine cannot make the test pass or fail.

use std::sync::{Condvar, Mutex};
use std::time::Duration;

/// How long a test waits for something that a right answer does at once (a meeting, an
/// answer on a socket) before it fails: 5 s, half of [`crate::DEFAULT_LIMIT`], so that the
/// failure names what never came instead of ending in "probably a deadlock".
pub const PATIENCE: Duration = Duration::from_secs(5);

/// A meeting point for a fixed number of parties. Like [`std::sync::Barrier`], but a
/// party that waits too long gives up with a clear message instead of hanging forever.
#[derive(Debug)]
pub struct Rendezvous {
    parties: usize,
    /// How many have arrived so far. Only ever grows: a rendezvous is used once.
    arrived: Mutex<usize>,
    /// Woken each time someone arrives, so waiters can re-check the count.
    changed: Condvar,
    patience: Duration,
}

impl Rendezvous {
    /// A meeting point for `parties` pieces of work. Each waits at most [`PATIENCE`] for
    /// the rest.
    pub fn new(parties: usize) -> Self {
        Self::with_patience(parties, PATIENCE)
    }

    /// As [`Rendezvous::new`], with a chosen wait. The wait only bounds how long a wrong
    /// (sequential) answer takes to fail; a right answer meets as soon as all arrive.
    pub fn with_patience(parties: usize, patience: Duration) -> Self {
        assert!(parties > 0, "a rendezvous needs at least one party");
        Self {
            parties,
            arrived: Mutex::new(0),
            changed: Condvar::new(),
            patience,
        }
    }

    /// Arrives and waits until all parties have arrived. Returns `false` if the others did
    /// not come within the patience: the work was not running at the same time.
    pub fn try_meet(&self) -> bool {
        let mut arrived = self.arrived.lock().unwrap_or_else(|e| e.into_inner());
        *arrived += 1;
        self.changed.notify_all();
        let (arrived, _) = self
            .changed
            .wait_timeout_while(arrived, self.patience, |n| *n < self.parties)
            .unwrap_or_else(|e| e.into_inner());
        *arrived >= self.parties
    }

    /// Arrives and waits for all parties; panics with an explanation if they never come.
    pub fn meet(&self) {
        if !self.try_meet() {
            panic!(
                "only {} of {} pieces of work reached the meeting point within {} s: they \
                 did not run at the same time (a sequential answer runs each one after the \
                 previous one has finished)",
                self.arrived(),
                self.parties,
                self.patience.as_secs()
            );
        }
    }

    /// How many parties have arrived so far.
    pub fn arrived(&self) -> usize {
        *self.arrived.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Looks at `condition` again and again (a millisecond apart) until it holds, for at most
/// the [`PATIENCE`]; returns whether it came to hold. For a test that waits for something
/// a right answer does at once (a loop that goes to sleep, a thread that ends): the limit
/// only bounds how long a wrong answer takes to fail, and nothing is measured, so a slow
/// machine cannot turn the result. The caller says what never happened.
pub fn within_patience(mut condition: impl FnMut() -> bool) -> bool {
    let give_up = std::time::Instant::now() + PATIENCE;
    loop {
        if condition() {
            return true;
        }
        if std::time::Instant::now() >= give_up {
            return false;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::thread;

    #[test]
    fn concurrent_parties_meet() {
        let meeting = Rendezvous::new(3);
        thread::scope(|s| {
            for _ in 0..3 {
                s.spawn(|| meeting.meet());
            }
        });
        assert_eq!(meeting.arrived(), 3);
    }

    #[test]
    fn a_sequential_party_waits_alone_and_fails() {
        let meeting = Rendezvous::with_patience(2, Duration::from_millis(20));
        assert!(
            !meeting.try_meet(),
            "one party alone must not count as a meeting"
        );
    }
}
