//! Exercise 06.2: a future by hand, completed by another thread.
//!
//! Book: `book/src/ch06-futures/future.md`. A timer future: the shape of every I/O future.
//! Something else (here a timer thread, in chapter 07 a reactor) does the waiting and calls
//! the waker; the future only checks a flag and leaves its waker behind.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
// The chapter's `sync` is std's; the tests also run this module under loom, a model
// checker that swaps in its own primitives and tries every interleaving of the threads.
use crate::sync::atomic::{AtomicUsize, Ordering};
use crate::sync::thread;
use crate::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// What timer threads sleep on: real time, or a manual clock that only moves when a test
/// calls [`Clock::advance`], so that tests decide exactly when a timer fires.
#[derive(Clone)]
pub struct Clock {
    inner: Arc<ClockInner>,
}

struct ClockInner {
    /// `false`: real time (`thread::sleep`). `true`: time moves only on `advance`.
    manual: bool,
    /// The manual clock's time since it was made.
    now: Mutex<Duration>,
    /// Notified on each `advance`, so that sleeping timer threads look at the time again.
    ticked: Condvar,
    /// How many timer threads were started on this clock: a future that starts one per
    /// poll shows up here.
    timers_started: AtomicUsize,
}

impl Clock {
    /// Real time.
    pub fn real() -> Self {
        Self::with(false)
    }

    /// A clock at zero that moves only when [`Clock::advance`] is called.
    pub fn manual() -> Self {
        Self::with(true)
    }

    fn with(manual: bool) -> Self {
        Self {
            inner: Arc::new(ClockInner {
                manual,
                now: Mutex::new(Duration::ZERO),
                ticked: Condvar::new(),
                timers_started: AtomicUsize::new(0),
            }),
        }
    }

    /// Moves a manual clock forward; timers whose time has come fire.
    pub fn advance(&self, by: Duration) {
        assert!(self.inner.manual, "only a manual clock can be advanced");
        *self.inner.now.lock().unwrap() += by;
        self.inner.ticked.notify_all();
    }

    /// How many timers have been started on this clock so far.
    pub fn timers_started(&self) -> usize {
        self.inner.timers_started.load(Ordering::SeqCst)
    }

    /// Starts a timer: a thread that calls `fire` once `duration` has passed on this clock.
    pub fn start_timer(&self, duration: Duration, fire: impl FnOnce() + Send + 'static) {
        self.inner.timers_started.fetch_add(1, Ordering::SeqCst);
        let inner = Arc::clone(&self.inner);
        if inner.manual {
            // The deadline is taken now, on the caller's thread, so that a test knows
            // exactly which `advance` makes it fire.
            let deadline = *inner.now.lock().unwrap() + duration;
            thread::spawn(move || {
                let mut now = inner.now.lock().unwrap();
                while *now < deadline {
                    now = inner.ticked.wait(now).unwrap();
                }
                drop(now);
                fire();
            });
        } else {
            thread::spawn(move || {
                thread::sleep(duration);
                fire();
            });
        }
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Clock")
            .field("manual", &self.inner.manual)
            .field("timers_started", &self.timers_started())
            .finish()
    }
}

/// What a [`Delay`] and its timer thread share.
#[derive(Debug, Default)]
struct Shared {
    /// Set by the timer thread when the time has come.
    fired: bool,
    /// The waker of the latest poll: the one to call when the timer fires.
    waker: Option<Waker>,
}

/// A future that is ready once `duration` has passed on its clock.
#[derive(Debug)]
pub struct Delay {
    duration: Duration,
    clock: Clock,
    /// Shared with the timer thread; `None` until the first poll starts it. (A future does
    /// nothing until it is polled: creating a `Delay` starts no thread.)
    shared: Option<Arc<Mutex<Shared>>>,
    /// Set when `poll` has returned `Ready`.
    finished: bool,
}

impl Delay {
    /// A delay of `duration` on `clock`. Nothing starts until the first poll.
    pub fn new(duration: Duration, clock: &Clock) -> Self {
        Self {
            duration,
            clock: clock.clone(),
            shared: None,
            finished: false,
        }
    }
}

/// A delay of `duration` in real time.
pub fn sleep(duration: Duration) -> Delay {
    Delay::new(duration, &Clock::real())
}

impl Future for Delay {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // Every field is `Unpin`, so `Delay` is too and can be used as a plain `&mut`.
        let this = self.get_mut();
        assert!(!this.finished, "a Delay was polled after it returned Ready");
        // The first poll starts the timer thread, once: later polls find it started.
        let shared = match &this.shared {
            Some(shared) => Arc::clone(shared),
            None => {
                let shared = Arc::new(Mutex::new(Shared::default()));
                let theirs = Arc::clone(&shared);
                this.clock.start_timer(this.duration, move || {
                    // Take the waker under the lock, call it after: waking may run code
                    // (a task queued, a thread unparked) that should not wait on our lock.
                    let waker = {
                        let mut shared = theirs.lock().unwrap();
                        shared.fired = true;
                        shared.waker.take()
                    };
                    if let Some(waker) = waker {
                        waker.wake();
                    }
                });
                this.shared = Some(Arc::clone(&shared));
                shared
            }
        };
        // One lock around "has it fired?" and "here is my waker": the timer thread cannot
        // fire between the two and find no waker to call.
        let mut shared = shared.lock().unwrap();
        if shared.fired {
            this.finished = true;
            return Poll::Ready(());
        }
        // Keep the waker of *this* poll, replacing any older one: a future moved to another
        // task is polled with another waker, and waking the old one would wake the wrong
        // task. (Cloning a waker is cheap: for most executors, a reference count.)
        shared.waker = Some(cx.waker().clone());
        Poll::Pending
    }
}
