//! Exercise 07.4: waking the loop from another thread.
//!
//! Book: `book/src/ch07-event-loop/wakeups.md`. A loop asleep in the poller hears only
//! the OS. A waker called on another thread must therefore do two things: mark the task
//! as ready, and interrupt the wait with `Poller::notify`.

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
        self.woken.store(true, Ordering::Release);
        // The loop may be asleep in the poller, where only the OS can reach it: the
        // notification is the OS event that says "look at your flags".
        let _ = self.reactor.notify();
    }
}

/// Runs `future` to completion on this thread, turning `reactor` while it waits.
pub fn block_on<F: Future>(reactor: &Arc<Reactor>, future: F) -> F::Output {
    let flag = LoopWaker::new(reactor);
    let waker = Waker::from(flag.clone());
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if flag.take_woken()
            && let Poll::Ready(output) = future.as_mut().poll(&mut cx)
        {
            return output;
        }
        // Sleep in the poller only if nothing woke the future meanwhile; a wake that
        // lands between this check and the wait still ends the wait (notify is sticky).
        let block = !flag.is_woken();
        reactor
            .turn(block)
            .expect("the reactor failed to wait for events");
    }
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
    let slot = Arc::new(Mutex::new(Slot {
        result: None,
        waker: None,
    }));
    let theirs = slot.clone();
    thread::spawn(move || {
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work));
        // Take the waker under the lock, wake outside it: the woken loop may poll at
        // once and want the lock.
        let waker = {
            let mut slot = theirs.lock().unwrap();
            slot.result = Some(result);
            slot.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    });
    Blocking { slot }
}

impl<T> Future for Blocking<T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let mut slot = self.slot.lock().unwrap();
        match slot.result.take() {
            Some(Ok(value)) => Poll::Ready(value),
            Some(Err(panic)) => std::panic::resume_unwind(panic),
            None => {
                // Stored under the same lock the thread takes to publish: it either sees
                // this waker or has already published, and we saw its result above.
                slot.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}
