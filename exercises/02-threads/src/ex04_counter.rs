//! Exercise 02.4: shared state behind `Arc<Mutex<_>>`.
//!
//! Book: `book/src/ch02-threads/shared-state.md`.

// The chapter's `sync` is std's; the tests also run this module under loom, a model
// checker that swaps in its own primitives and tries every interleaving of the threads.
use crate::sync::thread;
use crate::sync::{Arc, Mutex};

/// Runs every job on a thread of its own, all at the same time. As soon as a job returns
/// its number, its thread adds that number to the shared `total` (other jobs may still be
/// running, and anyone holding `total` can see it grow).
///
/// Returns the final value of `total` once every thread has been joined. `total` may not
/// start at zero: add to what is there. If a job panicked, this panics with that job's own
/// panic (its message intact).
pub fn add_up_live<F>(total: &Arc<Mutex<u64>>, jobs: Vec<F>) -> u64
where
    F: FnOnce() -> u64 + Send + 'static,
{
    todo!("each thread gets its own clone of the Arc; lock only to add")
}
