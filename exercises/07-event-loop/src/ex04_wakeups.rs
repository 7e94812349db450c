//! Exercise 07.4: waking the loop from another thread.
//!
//! Book: `book/src/ch07-event-loop/wakeups.md`. A loop asleep in the poller hears only
//! the OS. A waker called on another thread must therefore do two things: mark the task
//! as ready, and interrupt the wait with `Poller::notify`.
//!
//! Fill in the `todo!()`s: `LoopWaker::wake_by_ref`, `block_on`, `spawn_blocking` and
//! `Blocking::poll`. The rest is given.

use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
// The chapter's `sync` is std's; the tests also run this module under loom, a model
// checker that swaps in its own primitives and tries every interleaving of the threads.
// (`Arc` stays std's: a `Waker` is made from a `std::sync::Arc`.)
use crate::sync::Mutex;
use crate::sync::atomic::{AtomicBool, Ordering};
use crate::sync::thread;

use crate::ex02_reactor::Reactor;

/// The waker of a loop's main future: a flag, and the reactor to interrupt.
pub struct LoopWaker {
    reactor: Arc<Reactor>,
    /// Set by a wake, cleared by the loop just before it polls the future. Starts set,
    /// so the future is polled once to begin with.
    woken: AtomicBool,
}

impl std::fmt::Debug for LoopWaker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoopWaker")
            .field("reactor", &self.reactor)
            .field("woken", &self.woken)
            .finish()
    }
}

impl LoopWaker {
    /// A waker for a loop on `reactor`, set so that the first poll happens.
    pub fn new(reactor: &Arc<Reactor>) -> Arc<LoopWaker> {
        Arc::new(LoopWaker {
            reactor: reactor.clone(),
            woken: AtomicBool::new(true),
        })
    }

    /// Clears the flag and says whether it was set.
    pub fn take_woken(&self) -> bool {
        self.woken.swap(false, Ordering::AcqRel)
    }

    /// Says whether the flag is set, without clearing it.
    pub fn is_woken(&self) -> bool {
        self.woken.load(Ordering::Acquire)
    }
}

impl Wake for LoopWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        todo!("set the flag, then interrupt the poller's wait")
    }
}

/// Runs `future` to completion on this thread, turning `reactor` while it waits.
pub fn block_on<F: Future>(reactor: &Arc<Reactor>, future: F) -> F::Output {
    todo!(
        "poll when the flag was set; otherwise turn the reactor, blocking only if nothing woke the future"
    )
}

/// What a blocking closure's thread and the awaiting task share.
struct Slot<T> {
    /// The closure's result once it has finished (or its panic).
    result: Option<std::thread::Result<T>>,
    /// The task to wake when the result lands.
    waker: Option<Waker>,
}

/// The future of [`spawn_blocking`]: ready with the closure's result.
pub struct Blocking<T> {
    slot: Arc<Mutex<Slot<T>>>,
}

impl<T> std::fmt::Debug for Blocking<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let slot = self.slot.lock().unwrap();
        f.debug_struct("Blocking")
            .field("finished", &slot.result.is_some())
            .field("waker", &slot.waker)
            .finish()
    }
}

/// Runs `work` on a thread of its own and returns a future of its result, so that the
/// loop goes on serving other tasks while `work` blocks.
pub fn spawn_blocking<T, F>(work: F) -> Blocking<T>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    todo!(
        "a shared Slot, a thread that runs `work` under catch_unwind, stores the result and wakes the stored waker"
    )
}

impl<T> Future for Blocking<T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        todo!(
            "a result: Ready (or resume the panic); none yet: store the waker under the same lock"
        )
    }
}
