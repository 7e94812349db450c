//! Exercise 07.3: timers in the reactor.
//!
//! Book: `book/src/ch07-event-loop/timers.md`. Sleeping tasks wait in a map ordered by
//! deadline; the poller's wait is bounded by the earliest deadline, so a sleep ends even
//! when no socket ever becomes ready. "Now" comes from a [`Clock`] that tests control.

use std::collections::BTreeMap;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use crate::ex02_reactor::Reactor;

/// Where the reactor reads the time.
pub trait Clock: Send + Sync {
    fn now(&self) -> Instant;
}

/// The real clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
}

/// A clock that moves only when told to, for tests.
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<Instant>,
}

impl ManualClock {
    /// A clock stopped at the present moment.
    pub fn new() -> Arc<ManualClock> {
        Arc::new(ManualClock {
            now: Mutex::new(Instant::now()),
        })
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        *self.now.lock().unwrap() += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        *self.now.lock().unwrap()
    }
}

/// A timer's place in the map. The derived order compares `deadline` first, then `id`:
/// the earliest deadline comes first, and two equal deadlines fire in the order they
/// were set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct TimerId {
    pub deadline: Instant,
    pub id: u64,
}

/// The sleeping tasks, earliest deadline first.
#[derive(Default)]
pub struct Timers {
    /// Ordered by [`TimerId`], so the first entry is always the next to fire.
    map: BTreeMap<TimerId, Waker>,
    /// Makes each id unique, so equal deadlines do not overwrite each other.
    next_id: u64,
}

impl std::fmt::Debug for Timers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Timers")
            .field("deadlines", &self.map.keys().collect::<Vec<_>>())
            .field("next_id", &self.next_id)
            .finish()
    }
}

impl Timers {
    /// Adds a timer that wakes `waker` at `deadline`.
    pub fn insert(&mut self, deadline: Instant, waker: Waker) -> TimerId {
        let id = TimerId {
            deadline,
            id: self.next_id,
        };
        self.next_id += 1;
        self.map.insert(id, waker);
        id
    }

    /// Removes a timer (it fired, or its sleep was dropped).
    pub fn remove(&mut self, id: TimerId) {
        self.map.remove(&id);
    }

    /// The earliest deadline, if any timer is set.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.map.keys().next().map(|id| id.deadline)
    }

    /// Takes out every timer whose deadline is at or before `now`, earliest first.
    pub fn take_expired(&mut self, now: Instant) -> Vec<Waker> {
        let mut expired = Vec::new();
        while let Some(entry) = self.map.first_entry() {
            if entry.key().deadline > now {
                break;
            }
            expired.push(entry.remove());
        }
        expired
    }

    /// How many timers are set.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// True if no timer is set.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

impl Reactor {
    /// The reactor's idea of now.
    pub fn now(&self) -> Instant {
        self.clock.now()
    }

    /// How long the next wait may last: zero if the loop must not sleep (`block` is
    /// false), until the earliest deadline if a timer is set, forever otherwise.
    pub fn wait_timeout(&self, block: bool) -> Option<Duration> {
        if !block {
            return Some(Duration::ZERO);
        }
        let next = self.timers.lock().unwrap().next_deadline()?;
        Some(next.saturating_duration_since(self.now()))
    }

    /// One turn of the reactor: waits for I/O no longer than [`Reactor::wait_timeout`]
    /// allows, then fires the expired timers. Returns how many tasks it woke.
    pub fn turn(&self, block: bool) -> io::Result<usize> {
        let woken_by_io = self.react(self.wait_timeout(block))?;
        // Read the clock after the wait: the wait is what let the time pass.
        let expired = self.timers.lock().unwrap().take_expired(self.now());
        let woken = woken_by_io + expired.len();
        for waker in expired {
            waker.wake();
        }
        Ok(woken)
    }

    /// Sets a timer (for [`Sleep`]).
    pub fn insert_timer(&self, deadline: Instant, waker: Waker) -> TimerId {
        self.timers.lock().unwrap().insert(deadline, waker)
    }

    /// Removes a timer (for [`Sleep`]).
    pub fn remove_timer(&self, id: TimerId) {
        self.timers.lock().unwrap().remove(id);
    }

    /// How many timers are set.
    pub fn timers(&self) -> usize {
        self.timers.lock().unwrap().len()
    }
}

/// A future that is ready at a deadline of the reactor's clock.
pub struct Sleep {
    reactor: Arc<Reactor>,
    deadline: Instant,
    /// The timer this sleep has set, if any: replaced when the task's waker changes,
    /// removed when the sleep ends or is dropped.
    timer: Option<TimerId>,
}

/// Sleeps for `duration` of `reactor`'s clock.
pub fn sleep(reactor: &Arc<Reactor>, duration: Duration) -> Sleep {
    Sleep {
        reactor: reactor.clone(),
        deadline: reactor.now() + duration,
        timer: None,
    }
}

impl std::fmt::Debug for Sleep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sleep")
            .field("deadline", &self.deadline)
            .field("timer", &self.timer)
            .finish_non_exhaustive()
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        if this.reactor.now() >= this.deadline {
            if let Some(timer) = this.timer.take() {
                this.reactor.remove_timer(timer);
            }
            return Poll::Ready(());
        }
        // Keep only the latest waker: remove the old timer and set a new one.
        if let Some(timer) = this.timer.take() {
            this.reactor.remove_timer(timer);
        }
        this.timer = Some(this.reactor.insert_timer(this.deadline, cx.waker().clone()));
        Poll::Pending
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        // A sleep dropped early (a timeout that lost a race) must not leave its timer
        // behind to wake a task that no longer waits.
        if let Some(timer) = self.timer.take() {
            self.reactor.remove_timer(timer);
        }
    }
}
