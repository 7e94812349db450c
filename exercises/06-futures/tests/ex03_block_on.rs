//! Tests for exercise 06.3: `block_on`.
//!
//! The futures here count their polls and their wakes, and panic if they are polled again
//! without having been woken: a `block_on` that polls in a loop instead of parking fails.

use ch06_futures::ex03_block_on::block_on;
use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::thread;
use std::time::Duration;
use support::{PATIENCE, timeout, timeout_after};

/// How it wakes itself after its first poll.
#[derive(Clone, Copy)]
enum Wake {
    /// Never: the waker is dropped.
    Never,
    /// Inside `poll`, before returning `Pending` (like a yield).
    DuringPoll,
    /// From another thread, which has finished waking before `poll` returns.
    FromAThreadBeforePending,
    /// From another thread, some time after `poll` has returned.
    FromAThreadLater,
}

/// Pending once, then ready with 7. Counts polls and wakes (shared with the test).
struct Scripted {
    how: Wake,
    polls: Arc<AtomicUsize>,
    wakes: Arc<AtomicUsize>,
}

impl Scripted {
    fn new(how: Wake) -> (Self, Arc<AtomicUsize>) {
        let polls = Arc::new(AtomicUsize::new(0));
        let future = Self {
            how,
            polls: Arc::clone(&polls),
            wakes: Arc::new(AtomicUsize::new(0)),
        };
        (future, polls)
    }
}

impl Future for Scripted {
    type Output = u32;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
        let polls = self.polls.fetch_add(1, Ordering::SeqCst) + 1;
        if polls == 1 {
            let waker = cx.waker().clone();
            let wakes = Arc::clone(&self.wakes);
            match self.how {
                Wake::Never => drop(waker),
                Wake::DuringPoll => {
                    wakes.fetch_add(1, Ordering::SeqCst);
                    waker.wake();
                }
                Wake::FromAThreadBeforePending => thread::spawn(move || {
                    wakes.fetch_add(1, Ordering::SeqCst);
                    waker.wake();
                })
                .join()
                .unwrap(),
                Wake::FromAThreadLater => drop(thread::spawn(move || {
                    thread::sleep(Duration::from_millis(50));
                    wakes.fetch_add(1, Ordering::SeqCst);
                    waker.wake();
                })),
            }
            return Poll::Pending;
        }
        assert!(
            self.wakes.load(Ordering::SeqCst) > 0,
            "polled a second time without having been woken: block_on must park the \
             thread until the waker is called, not poll in a loop"
        );
        Poll::Ready(7)
    }
}

#[test]
fn a_ready_future_gives_its_output() {
    assert_eq!(timeout(|| block_on(async { 6 * 7 })), 42);
}

#[test]
fn a_future_woken_once_from_another_thread_is_polled_twice() {
    let (out, polls) = timeout(|| {
        let (future, polls) = Scripted::new(Wake::FromAThreadLater);
        (block_on(future), polls.load(Ordering::SeqCst))
    });
    assert_eq!(out, 7);
    assert_eq!(
        polls, 2,
        "woken once, the future must be polled exactly twice: once before, once after"
    );
}

#[test]
fn a_wake_during_the_poll_is_not_lost() {
    let (out, polls) = timeout_after(PATIENCE, || {
        let (future, polls) = Scripted::new(Wake::DuringPoll);
        (block_on(future), polls.load(Ordering::SeqCst))
    });
    assert_eq!((out, polls), (7, 2));
}

#[test]
fn a_wake_from_another_thread_before_the_park_is_not_lost() {
    let (out, polls) = timeout_after(PATIENCE, || {
        let (future, polls) = Scripted::new(Wake::FromAThreadBeforePending);
        (block_on(future), polls.load(Ordering::SeqCst))
    });
    assert_eq!(
        (out, polls),
        (7, 2),
        "the wake came before block_on parked: it must still count"
    );
}

#[test]
fn a_future_never_woken_ends_in_the_deadlock_message_after_one_poll() {
    let (future, polls) = Scripted::new(Wake::Never);
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
        timeout_after(Duration::from_millis(300), move || block_on(future))
    }));
    let message = match outcome {
        Ok(out) => panic!("block_on returned {out} from a future that was never woken"),
        Err(payload) => payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default(),
    };
    assert!(
        message.contains("probably a deadlock"),
        "a future that is never woken must leave block_on asleep, so that the course's \
         time limit reports \"probably a deadlock\"; it failed with: {message}"
    );
    assert_eq!(
        polls.load(Ordering::SeqCst),
        1,
        "never woken, the future must be polled once"
    );
}

#[test]
fn block_on_runs_async_code_with_many_wakes() {
    let total = timeout(|| {
        block_on(async {
            let mut total = 0;
            for _ in 0..20 {
                let (future, _) = Scripted::new(Wake::FromAThreadBeforePending);
                total += future.await;
            }
            total
        })
    });
    assert_eq!(total, 140);
}
