//! Exercise 11.3: back-pressure and load shedding. A pipeline whose bounded queue makes
//! its producer wait for the workers, and an admission gate that says "busy" at once
//! instead of letting a queue grow. The page is `book/src/ch11-production/backpressure.md`.

use crate::sync::atomic::{AtomicU64, Ordering};
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures::future;
use tokio::sync::{Mutex, OwnedSemaphorePermit, Semaphore, mpsc};

/// Feeds `items` through a queue of `queue` places to `workers` workers, which run
/// `work` on them, and returns the answers in the order of `items`.
///
/// - Back-pressure: `items` is read only as fast as the workers take items. When the
///   `n`th item (counted from 1) starts, at most `n + queue` items have been taken from
///   `items`: the ones started, at most `queue` waiting in the queue, and one waiting
///   for a place in it.
/// - The queue is used: while every worker is busy, the producer fills the queue's
///   `queue` places.
/// - `workers` items are worked on at once, never more.
/// - Every item is worked on once, and its answer is in the result.
/// - While it waits (for room in the queue, for an item, for an answer) the pipeline
///   sleeps: it is polled again only when something it waits for has happened.
///
/// Everything runs inside the returned future: dropping it stops the producer and the
/// workers. `queue` and `workers` must be at least 1.
pub async fn pipeline<I, T, U, F, Fut>(items: I, queue: usize, workers: usize, work: F) -> Vec<U>
where
    I: IntoIterator<Item = T>,
    F: Fn(T) -> Fut,
    Fut: Future<Output = U>,
{
    todo!(
        "a bounded channel between a producer and the workers, all run side by side in this future; then put the answers back in order"
    )
}

// ANCHOR: given
/// Given. What a full gate says: come back later. `retry_after` is the gate's advice,
/// for example an HTTP `Retry-After` header on a 503.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy {
    pub retry_after: Duration,
}

impl fmt::Display for Busy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "busy: try again in {:?}", self.retry_after)
    }
}

impl std::error::Error for Busy {}
// ANCHOR_END: given

/// An admission gate: lets in at most `capacity` requests at a time, and refuses the
/// others at once.
pub struct Gate {
    // Add the fields the gate needs: its places (something that hands out a place
    // without waiting), what `inside` and `Busy` need to know, and the count of
    // refusals (shared by every caller).
}

/// A place inside the gate. Dropping it gives the place back.
pub struct Pass {
    // Add what the pass holds: something whose own drop gives the place back.
}

impl Gate {
    /// A gate with `capacity` places, whose refusals advise `retry_after`.
    pub fn new(capacity: usize, retry_after: Duration) -> Gate {
        todo!("make the places and keep what the other methods will need")
    }

    /// Lets the caller in if a place is free, and says `Busy` at once if not: it never
    /// waits. Each refusal is counted.
    pub fn try_enter(&self) -> Result<Pass, Busy> {
        todo!(
            "take a place if one is free without waiting for one; else count the refusal and say Busy"
        )
    }

    /// How many callers were refused so far.
    pub fn refused(&self) -> u64 {
        todo!("read the count of refusals")
    }

    /// How many passes are out now.
    pub fn inside(&self) -> usize {
        todo!("how many places are taken now?")
    }
}
