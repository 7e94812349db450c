//! Exercise 02.4: shared state behind `Arc<Mutex<_>>`.
//!
//! Book: `book/src/ch02-threads/shared-state.md`.

use std::sync::{Arc, Mutex};

/// Runs every job on a thread of its own, all at the same time. As soon as a job returns
/// its number, its thread adds that number to the shared `total` (other jobs may still be
/// running, and anyone holding `total` can see it grow).
///
/// Returns the final value of `total` once every thread has been joined. `total` may not
/// start at zero: add to what is there.
pub fn add_up_live<F>(total: &Arc<Mutex<u64>>, jobs: Vec<F>) -> u64
where
    F: FnOnce() -> u64 + Send + 'static,
{
    todo!("each thread gets its own clone of the Arc; lock only to add")
}
