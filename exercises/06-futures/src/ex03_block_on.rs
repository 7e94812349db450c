//! Exercise 06.3: `block_on`, the smallest executor: one future, the current thread.
//!
//! Book: `book/src/ch06-futures/block-on.md`. Fill in the `todo!()`s: the waker (`Signal`'s
//! `wake`) and `block_on`.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

// ANCHOR: signal
/// The waker of a [`block_on`]: it wakes the thread that is blocked on the future.
#[derive(Debug)]
pub struct Signal {
    /// The thread that runs `block_on`, to unpark.
    thread: Thread,
    /// Set by a wake, cleared by `block_on` just before it polls. `park` may return for no
    /// reason at all (a "spurious wake-up"), so the flag, not `park` returning, says
    /// whether the future was really woken.
    woken: AtomicBool,
}
// ANCHOR_END: signal

impl Signal {
    /// A signal for the current thread, not yet woken.
    pub fn for_current_thread() -> Self {
        Self {
            thread: thread::current(),
            woken: AtomicBool::new(false),
        }
    }
}

// ANCHOR: wake
impl Wake for Signal {
    // (`wake_by_ref`, which a future calls to wake without giving up its waker, is
    // provided: it clones the `Arc` and calls this.)
    fn wake(self: Arc<Self>) {
        todo!("set the flag, then unpark the thread")
    }
}
// ANCHOR_END: wake

// ANCHOR: block_on
/// Runs `future` to completion on the current thread and returns its output. Between
/// polls the thread sleeps (parks) until the future's waker is called.
pub fn block_on<F: Future>(future: F) -> F::Output {
    todo!("pin the future, make a Waker from an Arc<Signal>, poll, park until woken, repeat")
}
// ANCHOR_END: block_on
