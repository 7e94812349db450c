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
    let handles: Vec<_> = jobs
        .into_iter()
        .map(|job| {
            // Each thread owns a handle to the *same* mutex: cloning the Arc copies a
            // pointer and bumps a count; it does not copy the total.
            let total = Arc::clone(total);
            thread::spawn(move || {
                // Do the work with no lock held, so the jobs really run side by side...
                let n = job();
                // ...then lock only for the update. Reading and writing under one guard
                // is what makes `+=` safe: nobody can slip in between the two.
                *total.lock().unwrap() += n;
            })
        })
        .collect();
    // A job's panic ends its thread before the add; `join` hands it back as an `Err`, and
    // re-raising it passes the job's own message on to the caller.
    for handle in handles {
        handle
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
    }
    *total.lock().unwrap()
}
