//! Exercise 06.3: `block_on`, the smallest executor: one future, the current thread.
//!
//! Book: `book/src/ch06-futures/block-on.md`. Poll; if the future is not ready, park the
//! thread until its waker is called; poll again. Never poll in a loop.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

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

impl Signal {
    /// A signal for the current thread, not yet woken.
    pub fn for_current_thread() -> Self {
        Self {
            thread: thread::current(),
            woken: AtomicBool::new(false),
        }
    }
}

impl Wake for Signal {
    // (`wake_by_ref`, which a future calls to wake without giving up its waker, is
    // provided: it clones the `Arc` and calls this.)
    fn wake(self: Arc<Self>) {
        // The flag first, then the unpark: the thread that wakes up must see the flag.
        self.woken.store(true, Ordering::Release);
        self.thread.unpark();
    }
}

/// Runs `future` to completion on the current thread and returns its output. Between
/// polls the thread sleeps (parks) until the future's waker is called.
pub fn block_on<F: Future>(future: F) -> F::Output {
    // Pinned on this stack frame: the future never moves again until it is dropped here.
    let mut future = pin!(future);
    let signal = Arc::new(Signal::for_current_thread());
    let waker = Waker::from(Arc::clone(&signal));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        // Sleep until woken. A wake that came during the poll has already set the flag
        // (and left an unpark token): the swap sees it and we poll again without parking.
        // Clearing the flag *before* the next poll, never after it, is what keeps that
        // early wake from being lost.
        while !signal.woken.swap(false, Ordering::Acquire) {
            thread::park();
        }
    }
}
