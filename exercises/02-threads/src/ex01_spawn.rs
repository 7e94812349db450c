//! Exercise 02.1: start a thread per job, then wait for them all.
//!
//! Book: `book/src/ch02-threads/spawn.md`.

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
    todo!("start every thread first, keep the handles, then join each one")
}
