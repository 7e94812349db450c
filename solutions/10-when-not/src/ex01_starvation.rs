//! Exercise 10.1: starvation, seen and fixed. A task that computes without awaiting
//! keeps the event loop's only thread, and every other task on it (here, a heartbeat)
//! stops. Move the work off the loop, or cut it into slices that give the loop back.
//! The page is `book/src/ch10-when-not/starvation.md`.

use std::ops::ControlFlow;
use std::panic;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

// ANCHOR: heartbeat
/// Given. Ticks every `period`, forever, adding one to `beats` each time: a stand-in for
/// everything else a service does (answering a health check, accepting a connection).
/// If `beats` stops growing, the loop that runs this task is not being given back.
pub async fn heartbeat(period: Duration, beats: Arc<AtomicU64>) {
    let mut ticks = tokio::time::interval(period);
    loop {
        ticks.tick().await;
        beats.fetch_add(1, Ordering::SeqCst);
    }
}
// ANCHOR_END: heartbeat

/// Runs the CPU-bound `job` so that the loop this is awaited on keeps running other
/// tasks meanwhile, and returns what `job` returned. If `job` panics, the panic reaches
/// the caller with its own message.
pub async fn off_the_loop<T, F>(job: F) -> T
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    // tokio's blocking pool: threads made for work that does not await. The loop's
    // thread only parks on the JoinHandle, and is woken once, when the job is done.
    match tokio::task::spawn_blocking(job).await {
        Ok(value) => value,
        // The job panicked: hand its panic to the caller rather than a new one of ours.
        Err(error) => panic::resume_unwind(error.into_panic()),
    }
}

/// Runs a long computation on the loop itself, one `step` at a time, giving the loop
/// back between steps. `step` returns `Continue` while there is more to do and `Break`
/// with the result when it is finished.
pub async fn in_slices<T>(mut step: impl FnMut() -> ControlFlow<T>) -> T {
    loop {
        match step() {
            ControlFlow::Break(value) => return value,
            // The whole trick: between two slices, let every other ready task run.
            ControlFlow::Continue(()) => tokio::task::yield_now().await,
        }
    }
}
