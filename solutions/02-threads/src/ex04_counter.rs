//! Exercise 02.4: shared state behind `Arc<Mutex<_>>`.
//!
//! Book: `book/src/ch02-threads/shared-state.md`.

use std::sync::{Arc, Mutex};
use std::thread;

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
    for handle in handles {
        handle
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
    }
    *total.lock().unwrap()
}
