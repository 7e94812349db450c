//! A time limit for test bodies.
//!
//! Async and concurrent exercises tend to *hang* when they are wrong, not fail. A test
//! that hangs tells the learner nothing and stalls the whole run, so every test body runs
//! on a fresh thread while the test thread waits with a limit.

use std::panic;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

/// The limit [`timeout`] uses. The work in every exercise takes milliseconds; the rest is
/// head-room for a slow, shared machine. It is a limit, never a measurement.
pub const DEFAULT_LIMIT: Duration = Duration::from_secs(10);

/// Runs `body` with the [`DEFAULT_LIMIT`]. See [`timeout_after`].
pub fn timeout<T, F>(body: F) -> T
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    timeout_after(DEFAULT_LIMIT, body)
}

/// Runs `body` on its own thread and returns what it returns.
///
/// - If `body` panics, the panic is re-raised here with its own message, so the test
///   fails exactly as if there were no wrapper.
/// - If `body` has not finished after `limit`, this panics with a message that says the
///   code probably deadlocked or looped. The stuck thread cannot be killed; it is left
///   behind and ends with the test process.
pub fn timeout_after<T, F>(limit: Duration, body: F) -> T
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    // libtest names each test's thread after the test: reuse it in the message.
    let test = thread::current().name().unwrap_or("this test").to_string();
    let (done, finished) = mpsc::channel();
    let worker = thread::Builder::new()
        .name(format!("{test} (body)"))
        .spawn(move || {
            // Catch the panic so that the waiting side can tell "failed" from "stuck".
            let outcome = panic::catch_unwind(panic::AssertUnwindSafe(body));
            // If the waiting side has given up, nobody listens any more: that is fine.
            let _ = done.send(outcome);
        })
        .expect("the test could not start a thread for its body");
    match finished.recv_timeout(limit) {
        Ok(Ok(value)) => {
            let _ = worker.join();
            value
        }
        Ok(Err(payload)) => {
            let _ = worker.join();
            panic::resume_unwind(payload)
        }
        // The message does not repeat the test's name (every report shows it already),
        // so that a runner can say once that several tests timed out the same way.
        Err(_) => panic!(
            "probably a deadlock or an infinite loop: the test did not finish within {} s. \
             Look for a lock that is never released, a join or receive that waits for \
             something that never comes, or a loop that never yields.",
            limit.as_secs()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn returns_the_value_of_the_body() {
        assert_eq!(timeout(|| 2 + 2), 4);
    }

    #[test]
    #[should_panic(expected = "the body's own message")]
    fn a_panic_in_the_body_keeps_its_message() {
        timeout(|| panic!("the body's own message"));
    }

    #[test]
    #[should_panic(expected = "probably a deadlock or an infinite loop")]
    fn a_stuck_body_fails_with_a_helpful_message() {
        // A receiver whose sender is kept alive forever: a textbook deadlock.
        timeout_after(Duration::from_millis(50), || {
            let (_keep, rx) = mpsc::channel::<()>();
            let _ = rx.recv();
        });
    }
}
