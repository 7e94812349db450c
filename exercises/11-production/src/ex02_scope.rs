//! Exercise 11.2: a scope no task outlives. Every job runs as a tokio task of its own; the
//! first error stops the others, and `all_or_nothing` returns only once they are gone.
//! The page is `book/src/ch11-production/scope.md`.

use std::future::Future;
use std::panic;

use tokio::task::JoinSet;

// ANCHOR: given
/// Given. A job's task ends in one of three ways, and a scope must deal with each:
///
/// ```text
///   Ok(Ok(value))   the job finished and gave a value
///   Ok(Err(error))  the job finished and failed: stop the others, return the error
///   Err(failure)    the job's task panicked (or was aborted): stop the others, then
///                   go on with the job's own panic, `failure.into_panic()`
/// ```
///
/// A job's value comes back with the place of the job in the list, so that the values
/// can be put back in the order of the jobs, whatever order they finished in.
pub type Finished<T, E> = Result<(usize, Result<T, E>), tokio::task::JoinError>;
// ANCHOR_END: given

/// Runs every job at the same time, each as a tokio task of its own, and waits for them.
///
/// - If every job gives `Ok`, returns `Ok` with their values in the order of `jobs`
///   (not the order in which they finished). No jobs: `Ok(vec![])` at once.
/// - As soon as one job gives `Err` (the first to fail in time, whatever its place in
///   the list), aborts every other job, waits until each of them is gone (its future
///   dropped), and only then returns that error.
/// - If a job panics, aborts and waits for the others the same way, then the panic goes
///   on in the caller as the job's own panic (the same payload, not a new panic).
///
/// So when `all_or_nothing` returns, or unwinds, no job is still running. It waits by
/// sleeping until a task finishes: while the jobs run, it is not polled again and again.
///
/// If the caller drops it before it is done (a timeout or a `select!` gave up on it), the
/// jobs still running are aborted: none is left to run on behind the caller's back. (A
/// drop cannot wait, so they are gone when the runtime next gets to them.)
pub async fn all_or_nothing<T, E, F>(jobs: Vec<F>) -> Result<Vec<T>, E>
where
    F: Future<Output = Result<T, E>> + Send + 'static,
    T: Send + 'static,
    E: Send + 'static,
{
    todo!(
        "spawn each job into a JoinSet with its place in the list; take the tasks as they \
         finish; on an error or a panic, stop the others AND wait until they are gone"
    )
}
