//! Exercise 02.1: start a thread per job, then wait for them all.
//!
//! Book: `book/src/ch02-threads/spawn.md`.

use std::panic;
use std::thread::{self, JoinHandle};

/// Runs every job on a thread of its own, all at the same time, and returns their results
/// in the order of `jobs` (not in the order they finished).
///
/// If a job panicked, this panics with that job's own panic (its message intact), after
/// every thread has been joined.
pub fn run_all<T, F>(jobs: Vec<F>) -> Vec<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    // Start them all first. `spawn` returns at once; collecting the handles into a Vec
    // (not joining inside the same loop) is what lets the threads run side by side.
    let handles: Vec<JoinHandle<T>> = jobs.into_iter().map(thread::spawn).collect();

    // Then wait for each, in job order. A handle remembers its own thread's result, so
    // joining in order gives results in order, whichever thread finished first.
    let outcomes: Vec<thread::Result<T>> = handles.into_iter().map(|h| h.join()).collect();

    // A panic in a thread does not reach us by itself: `join` returns it as an `Err`
    // holding the panic's payload. Re-raise it as it was, so the message survives.
    outcomes
        .into_iter()
        .map(|outcome| outcome.unwrap_or_else(|payload| panic::resume_unwind(payload)))
        .collect()
}
