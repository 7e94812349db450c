//! Async test bodies on tokio, under the course's limits (feature `tokio`).
//!
//! An async answer that is wrong usually *waits* rather than fails: a lost wake-up, a
//! sender never dropped, a task never spawned. These helpers turn every such wait into a
//! failure that says so:
//!
//! - [`paused`] runs the body with tokio's clock paused. Time then moves only when every
//!   task is waiting, straight to the next timer, so a test of timeouts and sleeps is
//!   exact and instant. If nothing is left to run and no timer is due within
//!   [`VIRTUAL_LIMIT`] of virtual time, the body is stuck for good: it fails with
//!   "probably a deadlock".
//! - [`real_time`] runs the body on the real clock, for tests that wait on real sockets
//!   (a paused clock jumps ahead while a runtime waits for I/O, so a timeout would fire
//!   at once).
//!
//! Both run under [`crate::timeout`], so a body that spins (never yields to the runtime,
//! so the virtual clock cannot help) still ends with a message instead of a hang.
//!
//! ```
//! use std::time::Duration;
//!
//! let slept = support::tokio::paused(|| async {
//!     let start = tokio::time::Instant::now();
//!     tokio::time::sleep(Duration::from_secs(3600 * 24)).await; // a day, instantly
//!     start.elapsed()
//! });
//! assert_eq!(slept, Duration::from_secs(3600 * 24));
//! ```

use std::future::Future;
use std::time::Duration;

/// How far the paused clock may run ahead before a stuck body is declared deadlocked.
/// A test's own timers are seconds or minutes; a day means nothing will ever happen.
pub const VIRTUAL_LIMIT: Duration = Duration::from_secs(24 * 3600);

/// Runs `body()` to completion on a current-thread runtime whose clock starts paused.
///
/// `body` is a closure that makes the future, so the future itself need not be `Send`
/// (it is made and run on the test's worker thread). Panics in the body fail the test
/// with their own message.
pub fn paused<F, Fut>(body: F) -> Fut::Output
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future,
    Fut::Output: Send + 'static,
{
    crate::timeout(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .start_paused(true)
            .build()
            .expect("the test could not build a tokio runtime");
        runtime.block_on(async move {
            match tokio::time::timeout(VIRTUAL_LIMIT, body()).await {
                Ok(value) => value,
                Err(_) => panic!(
                    "probably a deadlock: every task was waiting and no timer was due for a \
                     day of the test's paused clock. Something waits for a wake-up that never \
                     comes: a message never sent, a sender never dropped, a task never \
                     spawned, a waker never called"
                ),
            }
        })
    })
}

/// Runs `body()` to completion on a current-thread runtime with the real clock, under
/// [`crate::timeout`]: for tests that wait on sockets.
pub fn real_time<F, Fut>(body: F) -> Fut::Output
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future,
    Fut::Output: Send + 'static,
{
    crate::timeout(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("the test could not build a tokio runtime")
            .block_on(body())
    })
}

/// As [`real_time`], on a multi-threaded runtime with `workers` threads.
pub fn real_time_multi_thread<F, Fut>(workers: usize, body: F) -> Fut::Output
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future,
    Fut::Output: Send + 'static,
{
    crate::timeout(move || {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .enable_all()
            .build()
            .expect("the test could not build a tokio runtime")
            .block_on(body())
    })
}

/// Runs `future` and says how much of tokio's clock it took. Only for bodies run by
/// [`paused`]: there the clock is virtual, moved only by timers, so the figure is exact
/// and the same on every machine (a sleep of 500 ms takes 500 ms, a computation takes 0).
pub async fn on_virtual_clock<F: Future>(future: F) -> (F::Output, std::time::Duration) {
    let start = tokio::time::Instant::now();
    let output = future.await;
    (output, start.elapsed())
}

/// As [`crate::within_patience`], for async tests on the real clock: awaits `attempt()`
/// again and again (10 ms apart) until it gives `true`, for at most the
/// [`crate::PATIENCE`]; returns whether it did.
pub async fn within_patience<F, Fut>(mut attempt: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    tokio::time::timeout(crate::PATIENCE, async {
        while !attempt().await {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    })
    .await
    .is_ok()
}

/// Starts `make()`'s future on an OS thread of its own, on a current-thread runtime with
/// the real clock: a server that a test can watch from outside, for example with
/// [`crate::sched::assert_parks`] on the returned `tid` (a runtime with nothing to do
/// sleeps in the kernel, so a task that spins or polls keeps its thread awake). `make`
/// runs on that thread, inside the runtime, so it may bind sockets or spawn tasks; the
/// thread ends when the future does.
pub fn on_own_thread<F, Fut>(make: F) -> crate::sched::Watched<()>
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = ()>,
{
    crate::sched::spawn_watched("server (own runtime)", move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("the test could not build a tokio runtime")
            .block_on(async move { make().await })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::panic;

    #[test]
    fn a_body_waiting_for_nothing_fails_as_a_deadlock() {
        let outcome = panic::catch_unwind(|| {
            paused(|| async {
                let (_keep, never) = tokio::sync::oneshot::channel::<()>();
                let _ = never.await;
            })
        });
        let payload = outcome.expect_err("a body that waits forever must fail");
        let message = payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        assert!(message.contains("probably a deadlock"), "got: {message}");
    }

    #[test]
    fn timers_run_in_virtual_time() {
        let order = paused(|| async {
            let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
            for (name, secs) in [("late", 30), ("early", 10)] {
                let tx = tx.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_secs(secs)).await;
                    tx.send(name).unwrap();
                });
            }
            drop(tx);
            let mut order = Vec::new();
            while let Some(name) = rx.recv().await {
                order.push(name);
            }
            order
        });
        assert_eq!(order, ["early", "late"]);
    }

    #[test]
    fn real_time_runs_sockets() {
        let echoed = real_time(|| async {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            tokio::spawn(async move {
                let (mut socket, _) = listener.accept().await.unwrap();
                let mut buf = [0; 4];
                socket.read_exact(&mut buf).await.unwrap();
                socket.write_all(&buf).await.unwrap();
            });
            let mut client = tokio::net::TcpStream::connect(addr).await.unwrap();
            client.write_all(b"ping").await.unwrap();
            let mut buf = [0; 4];
            client.read_exact(&mut buf).await.unwrap();
            buf
        });
        assert_eq!(&echoed, b"ping");
    }
}
