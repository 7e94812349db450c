//! Exercise 05.3: sleeping through a timer queue, and a channel between green threads.
//!
//! Book: `book/src/ch05-green/sleep-channel.md`. Fill in the `todo!()`s: the timer queue's
//! `push`, `next_deadline` and `pop_expired`, `sleep`, `Sender::send`, `Receiver::recv`.

use std::cell::RefCell;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::rc::Rc;
use std::time::{Duration, Instant};

// `current`, `park` and `park_until` are there too, for you to use.
use crate::ex02_scheduler::{GreenId, unpark};

// ANCHOR: timer_queue
/// The scheduler's timers: which green thread wakes when, earliest first.
///
/// Timers with the same deadline wake in the order they were set. The scheduler calls
/// [`TimerQueue::pop_expired`] at the top of each turn and sleeps until
/// [`TimerQueue::next_deadline`] when no green thread is ready.
#[derive(Default)]
pub struct TimerQueue {
    /// A min-heap (`Reverse` turns std's max-heap around) of (deadline, order set, who).
    /// The order set breaks ties, so equal deadlines come out first-in, first-out.
    heap: BinaryHeap<Reverse<(Instant, u64, GreenId)>>,
    /// How many timers have been set so far: the tie-breaker.
    set: u64,
}

impl TimerQueue {
    /// An empty queue.
    pub const fn new() -> Self {
        Self {
            heap: BinaryHeap::new(),
            set: 0,
        }
    }

    /// No timers are set.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Sets a timer: `who` wakes at `deadline`.
    pub fn push(&mut self, deadline: Instant, who: GreenId) {
        todo!("push (deadline, order set, who) wrapped in Reverse; count the timers set")
    }

    /// The earliest deadline, if any timer is set.
    pub fn next_deadline(&self) -> Option<Instant> {
        todo!("peek at the heap")
    }

    /// Removes every timer whose deadline is at or before `now` and returns who they
    /// wake, earliest deadline first.
    pub fn pop_expired(&mut self, now: Instant) -> Vec<GreenId> {
        todo!("pop while the earliest deadline is at or before now")
    }
}
// ANCHOR_END: timer_queue

impl std::fmt::Debug for TimerQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TimerQueue")
            .field("pending", &self.heap.len())
            .field("set so far", &self.set)
            .finish()
    }
}

/// Puts the running green thread to sleep for at least `duration`. The others run
/// meanwhile; the OS thread sleeps only when no green thread at all is ready.
pub fn sleep(duration: Duration) {
    todo!("not std::thread::sleep: the scheduler has a timer queue for this")
}

// ANCHOR: channel
/// What a channel's two ends share. `Rc<RefCell<…>>` is enough: all green threads of a
/// scheduler live on one OS thread, and nothing is borrowed across a switch.
struct Shared<T> {
    queue: VecDeque<T>,
    /// The receiver, while it is parked waiting for a message.
    waiting: Option<GreenId>,
    /// How many `Sender`s are alive: at zero, an empty channel is closed for good.
    senders: usize,
}

/// The sending end of a channel. Clone it for more senders.
pub struct Sender<T> {
    shared: Rc<RefCell<Shared<T>>>,
}

/// The receiving end of a channel.
pub struct Receiver<T> {
    shared: Rc<RefCell<Shared<T>>>,
}

/// An unbounded channel between green threads of the same `run`.
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let shared = Rc::new(RefCell::new(Shared {
        queue: VecDeque::new(),
        waiting: None,
        senders: 1,
    }));
    (
        Sender {
            shared: Rc::clone(&shared),
        },
        Receiver { shared },
    )
}

impl<T> Sender<T> {
    /// Sends `value`; never waits. Wakes the receiver if it is parked.
    pub fn send(&self, value: T) {
        todo!("queue the value; wake the receiver if it waits (after the borrow ends)")
    }
}

impl<T> Receiver<T> {
    /// The next message, in the order sent. With nothing to read, parks this green thread
    /// until a message comes (or every sender is gone: then `None`).
    pub fn recv(&self) -> Option<T> {
        todo!(
            "a message? return it. No sender left? None. Else leave your id and park, then look again"
        )
    }
}
// ANCHOR_END: channel

impl<T> Receiver<T> {
    /// How many messages wait to be received.
    pub fn pending(&self) -> usize {
        self.shared.borrow().queue.len()
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.shared.borrow_mut().senders += 1;
        Self {
            shared: Rc::clone(&self.shared),
        }
    }
}

// ANCHOR: drop_sender
impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        // The last sender gone: a parked receiver must wake up to see `None`, or it would
        // wait forever.
        let waiting = {
            let mut shared = self.shared.borrow_mut();
            shared.senders -= 1;
            if shared.senders == 0 {
                shared.waiting.take()
            } else {
                None
            }
        };
        if let Some(receiver) = waiting {
            unpark(receiver);
        }
    }
}
// ANCHOR_END: drop_sender
