//! Exercise 10.4: CPU-bound work belongs to a thread pool. The same batch on tokio
//! tasks, on plain threads and on rayon; then rayon's answer handed to async code through
//! a oneshot channel. The page is `book/src/ch10-when-not/cpu-pool.md`.

use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::thread;

use rayon::prelude::*;
use tokio::sync::oneshot;

// ANCHOR: work
/// Given. A CPU-bound piece of work with nothing to wait for: the number of steps the
/// Collatz sequence of each number up to `item * 1000` takes to reach 1, summed.
pub fn work(item: u64) -> u64 {
    let mut total = 0;
    for start in 1..=item * 1000 {
        let mut n = start;
        while n != 1 {
            n = if n % 2 == 0 { n / 2 } else { 3 * n + 1 };
            total += 1;
        }
    }
    total
}
// ANCHOR_END: work

/// The batch on tokio tasks: one task per item, all spawned before any is awaited.
/// Returns the answers in the items' order.
pub async fn on_tasks(items: Vec<u64>, f: fn(u64) -> u64) -> Vec<u64> {
    // Spawn all first, so that the runtime's workers can run them at the same time...
    let handles: Vec<_> = items
        .into_iter()
        .map(|item| tokio::spawn(async move { f(item) }))
        .collect();
    // ...then await them in the items' order, whichever finishes first.
    let mut answers = Vec::with_capacity(handles.len());
    for handle in handles {
        answers.push(handle.await.expect("a task of the batch panicked"));
    }
    answers
}

/// The batch on `threads` plain threads, each taking a contiguous share of the items.
/// Returns the answers in the items' order.
pub fn on_threads(items: Vec<u64>, threads: usize, f: fn(u64) -> u64) -> Vec<u64> {
    if items.is_empty() {
        return Vec::new();
    }
    let share = items.len().div_ceil(threads.max(1));
    // Scoped threads may borrow `items`; the scope joins them all before it returns.
    thread::scope(|scope| {
        let workers: Vec<_> = items
            .chunks(share)
            .map(|chunk| scope.spawn(move || chunk.iter().map(|&item| f(item)).collect::<Vec<_>>()))
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| worker.join().expect("a thread of the batch panicked"))
            .collect()
    })
}

/// The batch on `pool`, with a parallel iterator. Returns the answers in the items' order.
pub fn on_rayon(pool: &rayon::ThreadPool, items: Vec<u64>, f: fn(u64) -> u64) -> Vec<u64> {
    // `install` runs the closure in the pool, so `par_iter` splits the work among its
    // threads (and not those of rayon's global pool); `collect` keeps the order.
    pool.install(|| items.par_iter().map(|&item| f(item)).collect())
}

/// The batch on `pool`, awaited from async code without blocking the loop: the pool
/// does the work and sends the answers back through a oneshot channel. If `f` panics, the
/// panic reaches the caller with its own message, and the process goes on (a panic that
/// escapes a closure given to `pool.spawn` makes rayon abort the process).
pub async fn rayon_from_async(
    pool: Arc<rayon::ThreadPool>,
    items: Vec<u64>,
    f: fn(u64) -> u64,
) -> Vec<u64> {
    let (answer, answers) = oneshot::channel();
    let worker = pool.clone();
    // `spawn` returns at once; the closure runs on a pool thread.
    pool.spawn(move || {
        // Nobody joins a spawned closure, so a panic that escaped it would go to the
        // pool's panic handler, and without one rayon aborts the whole process. Catch it
        // here and send it like the answers: as a value.
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| on_rayon(&worker, items, f)));
        let _ = answer.send(outcome);
    });
    let answered = answers.await;
    match answered.expect("the pool dropped the batch without running it") {
        Ok(answers) => answers,
        // The batch panicked on the pool: raise that same panic here, in the caller's
        // task, where it is the caller's to handle (a tokio task's JoinError, say).
        Err(panicked) => panic::resume_unwind(panicked),
    }
}
