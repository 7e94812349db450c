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
    // A bounded channel is the whole of the back-pressure: `send(..).await` parks the
    // producer while `queue` items wait, and each `recv` gives a place back.
    let (places, taken) = mpsc::channel::<(usize, T)>(queue);
    // One receiver, several workers: they take turns at it. The lock is held while a
    // worker waits for its next item, never while it works on one.
    let taken = Mutex::new(taken);

    let producer = async move {
        for (index, item) in items.into_iter().enumerate() {
            // The receiver lives as long as this future, so a send cannot fail here;
            // stop anyway if it ever does, rather than reading on.
            if places.send((index, item)).await.is_err() {
                break;
            }
        }
        // `places` is dropped here: once the queue is empty, `recv` gives `None` and each
        // worker stops.
    };

    let (taken, work) = (&taken, &work);
    let workers = (0..workers).map(|_| async move {
        let mut answers = Vec::new();
        loop {
            // The guard is a temporary: it is dropped at the end of this statement,
            // before the work starts, so the other workers can take the next items.
            let next = taken.lock().await.recv().await;
            let Some((index, item)) = next else { break };
            answers.push((index, work(item).await));
        }
        answers
    });

    // The producer and the workers run side by side in this one future: no task to
    // spawn, so no `'static` bound on `work`, and nothing left running if the caller
    // drops the pipeline.
    let ((), answers) = future::join(producer, future::join_all(workers)).await;

    // Workers finish in any order; each answer carries its item's index.
    let mut answers: Vec<(usize, U)> = answers.into_iter().flatten().collect();
    answers.sort_by_key(|(index, _)| *index);
    answers.into_iter().map(|(_, answer)| answer).collect()
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
    /// One permit per place. `try_acquire_owned` never waits: a full gate answers at
    /// once, which is the whole point of shedding load.
    places: Arc<Semaphore>,
    capacity: usize,
    retry_after: Duration,
    /// Shared by every caller, so an atomic: a count needs no lock.
    refused: AtomicU64,
}

/// A place inside the gate. Dropping it gives the place back.
pub struct Pass {
    /// The permit's own `Drop` gives the place back, on every path out of a request:
    /// an answer, an error, a panic, or the request's future dropped mid-way.
    _place: OwnedSemaphorePermit,
}

impl Gate {
    /// A gate with `capacity` places, whose refusals advise `retry_after`.
    pub fn new(capacity: usize, retry_after: Duration) -> Gate {
        Gate {
            places: Arc::new(Semaphore::new(capacity)),
            capacity,
            retry_after,
            refused: AtomicU64::new(0),
        }
    }

    /// Lets the caller in if a place is free, and says `Busy` at once if not: it never
    /// waits. Each refusal is counted.
    pub fn try_enter(&self) -> Result<Pass, Busy> {
        // Not `acquire().await`: waiting for a place is queueing again, with no bound on
        // how long. The semaphore is never closed, so an error means "no place".
        match Arc::clone(&self.places).try_acquire_owned() {
            Ok(place) => Ok(Pass { _place: place }),
            Err(_) => {
                self.refused.fetch_add(1, Ordering::Relaxed);
                Err(Busy {
                    retry_after: self.retry_after,
                })
            }
        }
    }

    /// How many callers were refused so far.
    pub fn refused(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }

    /// How many passes are out now.
    pub fn inside(&self) -> usize {
        self.capacity - self.places.available_permits()
    }
}
