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
    todo!("spawn a task per item, then await the handles in order")
}

/// The batch on `threads` plain threads, each taking a contiguous share of the items.
/// Returns the answers in the items' order.
pub fn on_threads(items: Vec<u64>, threads: usize, f: fn(u64) -> u64) -> Vec<u64> {
    todo!("split the items into `threads` shares, one scoped thread each")
}

/// The batch on `pool`, with a parallel iterator. Returns the answers in the items' order.
pub fn on_rayon(pool: &rayon::ThreadPool, items: Vec<u64>, f: fn(u64) -> u64) -> Vec<u64> {
    todo!("run a parallel iterator inside the pool")
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
    todo!(
        "spawn the work on the pool, catching its panic; it answers through a oneshot that you await"
    )
}
