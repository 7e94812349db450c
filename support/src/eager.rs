//! A waker whose task is polled at once, on another thread, while `wake` is still running.
//!
//! A multi-threaded executor may do exactly that: the wake pushes the task on a queue, an
//! idle worker pops it and polls it before the waking code has even returned. If that
//! code still holds a lock the poll needs (it woke *under* the lock), the poll waits for
//! the lock, and on a real executor a whole worker stalls. [`EagerWaker`] makes the stall
//! visible: each wake runs the test's `poll` on a new thread and waits for it (at most
//! the [`PATIENCE`]); a poll that could not finish meanwhile is counted as stuck. The
//! verdict is not a race: a lock held across the wake can never be taken by the poll
//! while the wake waits, and a lock released before it always can.
//!
//! ```
//! use support::eager::EagerWaker;
//!
//! let (eager, waker) = EagerWaker::new(|| { /* poll the task here */ });
//! waker.wake_by_ref();
//! assert_eq!((eager.wakes(), eager.stuck()), (1, 0));
//! ```

use crate::PATIENCE;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::task::{Wake, Waker};
use std::thread;

/// A waker that has its task polled on another thread during each wake (see the module).
pub struct EagerWaker {
    /// The test's poll of the task; it runs on a thread of its own at each wake.
    poll: Arc<dyn Fn() + Send + Sync>,
    /// (wakes so far, wakes whose poll did not finish while the wake waited for it)
    counts: Mutex<(usize, usize)>,
}

impl EagerWaker {
    /// The counter, and a waker that runs `poll` on another thread at each wake.
    pub fn new(poll: impl Fn() + Send + Sync + 'static) -> (Arc<EagerWaker>, Waker) {
        let eager = Arc::new(EagerWaker {
            poll: Arc::new(poll),
            counts: Mutex::new((0, 0)),
        });
        (Arc::clone(&eager), Waker::from(eager))
    }

    /// How many times it was woken.
    pub fn wakes(&self) -> usize {
        self.counts.lock().unwrap().0
    }

    /// How many wakes came while the code that woke held something the poll needed: the
    /// poll could not finish within the [`PATIENCE`] while `wake` waited for it.
    pub fn stuck(&self) -> usize {
        self.counts.lock().unwrap().1
    }
}

impl Wake for EagerWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let (done, finished) = mpsc::channel();
        let poll = Arc::clone(&self.poll);
        thread::spawn(move || {
            poll();
            let _ = done.send(());
        });
        // A poll that cannot finish now is waiting for something the waking code holds:
        // give up after the patience, so that the waking code goes on and the test can
        // say what happened (the poll then finishes on its own thread).
        let stuck = finished.recv_timeout(PATIENCE).is_err();
        let mut counts = self.counts.lock().unwrap();
        counts.0 += 1;
        counts.1 += usize::from(stuck);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wake_under_a_lock_the_poll_needs_is_stuck_and_one_after_it_is_not() {
        let lock = Arc::new(Mutex::new(()));
        let theirs = Arc::clone(&lock);
        let (eager, waker) = EagerWaker::new(move || drop(theirs.lock().unwrap()));
        waker.wake_by_ref();
        assert_eq!((eager.wakes(), eager.stuck()), (1, 0));
        let held = lock.lock().unwrap();
        waker.wake_by_ref();
        drop(held);
        assert_eq!((eager.wakes(), eager.stuck()), (2, 1));
    }
}
