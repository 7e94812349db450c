//! Tests for exercise 06.2: a timer future completed by another thread.
//!
//! The timers run on a manual clock, so a test decides when a timer fires; and the futures
//! are polled by hand, with wakers that count their wakes. The race between `poll` and the
//! timer thread is checked by loom, a model checker, on a second copy of your module.

use ch06_futures::ex02_delay::{Clock, Delay, sleep};
use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;
use support::eager::EagerWaker;
use support::loom::Woken;
use support::{PATIENCE, timeout, timeout_after};

// Your module again, compiled with loom's primitives: in this copy `crate::sync` is
// `support::loom::sync`, so loom controls every lock, atomic and thread it uses.
use support::loom::sync;
// (The stub's copy leaves its parameters and imports unused until you write the bodies.)
#[allow(dead_code, unused_imports, unused_variables)]
mod under_loom {
    include!(concat!(env!("OUT_DIR"), "/model/ex02_delay.rs"));
}

/// A waker that counts its wakes, and lets the test wait for them.
#[derive(Default)]
struct Count {
    wakes: Mutex<usize>,
    changed: Condvar,
}

impl Wake for Count {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        *self.wakes.lock().unwrap() += 1;
        self.changed.notify_all();
    }
}

impl Count {
    fn new() -> (Arc<Count>, Waker) {
        let count = Arc::new(Count::default());
        (Arc::clone(&count), Waker::from(count))
    }
    fn wakes(&self) -> usize {
        *self.wakes.lock().unwrap()
    }
    /// Waits (at most PATIENCE) until woken `n` times in all; says whether it was.
    fn wait_for(&self, n: usize) -> bool {
        let wakes = self.wakes.lock().unwrap();
        let (wakes, _) = self
            .changed
            .wait_timeout_while(wakes, PATIENCE, |w| *w < n)
            .unwrap();
        *wakes >= n
    }
}

fn poll(delay: &mut Delay, waker: &Waker) -> Poll<()> {
    Pin::new(delay).poll(&mut Context::from_waker(waker))
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn a_delay_starts_its_timer_at_the_first_poll_not_before() {
    let (before, first, after) = timeout(|| {
        let clock = Clock::manual();
        let mut delay = Delay::new(ms(10), &clock);
        let before = clock.timers_started();
        let (_, waker) = Count::new();
        let first = poll(&mut delay, &waker);
        (before, first, clock.timers_started())
    });
    assert_eq!(before, 0, "a future does nothing until it is polled");
    assert_eq!(
        first,
        Poll::Pending,
        "the clock has not moved: not ready yet"
    );
    assert_eq!(after, 1, "the first poll starts the timer thread");
}

#[test]
fn polling_again_starts_no_new_timer() {
    let started = timeout(|| {
        let clock = Clock::manual();
        let mut delay = Delay::new(ms(10), &clock);
        let (_, waker) = Count::new();
        for _ in 0..5 {
            assert_eq!(poll(&mut delay, &waker), Poll::Pending);
        }
        clock.timers_started()
    });
    assert_eq!(
        started, 1,
        "five polls must share one timer thread: a future is polled again after each \
         wake-up (and sometimes for no reason), and each poll must not start new work"
    );
}

#[test]
fn the_delay_wakes_its_task_when_the_timer_fires_and_is_ready_then() {
    let (early, woken, wakes_before, last) = timeout(|| {
        let clock = Clock::manual();
        let mut delay = Delay::new(ms(10), &clock);
        let (count, waker) = Count::new();
        assert_eq!(poll(&mut delay, &waker), Poll::Pending);
        clock.advance(ms(5));
        let early = poll(&mut delay, &waker);
        let wakes_before = count.wakes();
        clock.advance(ms(5));
        let woken = count.wait_for(1);
        (early, woken, wakes_before, poll(&mut delay, &waker))
    });
    assert_eq!(early, Poll::Pending, "at 5 ms a 10 ms delay is not ready");
    assert_eq!(
        wakes_before, 0,
        "nothing should wake the task before the deadline"
    );
    assert!(
        woken,
        "the timer fired at 10 ms but the waker was never called: the timer thread must \
         wake the waker the future was polled with, or nobody polls it again"
    );
    assert_eq!(
        last,
        Poll::Ready(()),
        "woken by its timer, the delay is ready"
    );
}

#[test]
fn the_latest_waker_is_the_one_woken() {
    let (first, second) = timeout(|| {
        let clock = Clock::manual();
        let mut delay = Delay::new(ms(10), &clock);
        let (first, waker1) = Count::new();
        let (second, waker2) = Count::new();
        assert_eq!(poll(&mut delay, &waker1), Poll::Pending);
        // The future moves to another task, which polls it with its own waker.
        assert_eq!(poll(&mut delay, &waker2), Poll::Pending);
        clock.advance(ms(10));
        second.wait_for(1);
        (first.wakes(), second.wakes())
    });
    assert_eq!(
        (first, second),
        (0, 1),
        "polled with waker 1 and then waker 2, the delay must wake waker 2 (once) and not \
         waker 1: a future keeps the waker of its latest poll, since the task that polled \
         it first may not be the one waiting for it now"
    );
}

#[test]
fn a_finished_delay_refuses_a_second_poll() {
    let (ready, again) = timeout(|| {
        let clock = Clock::manual();
        let mut delay = Delay::new(ms(1), &clock);
        let (count, waker) = Count::new();
        assert_eq!(poll(&mut delay, &waker), Poll::Pending);
        clock.advance(ms(1));
        count.wait_for(1);
        let ready = poll(&mut delay, &waker);
        let again = panic::catch_unwind(AssertUnwindSafe(|| poll(&mut delay, &waker)));
        (ready, again.is_err())
    });
    assert_eq!(ready, Poll::Ready(()));
    assert!(
        again,
        "a delay must be Ready exactly once: polled again after Ready, it must panic (as \
         the futures the compiler writes do), not be Ready a second time"
    );
}

#[test]
fn the_timer_thread_lets_go_of_the_lock_before_it_wakes_the_task() {
    let (stuck, seen) = timeout_after(3 * PATIENCE, || {
        let clock = Clock::manual();
        let delay = Arc::new(Mutex::new(Delay::new(ms(10), &clock)));
        let seen = Arc::new(Mutex::new(None));
        // The woken task is polled at once, on another thread, as a multi-threaded
        // executor may do while `wake` is still running.
        let (eager, waker) = {
            let (delay, seen) = (Arc::clone(&delay), Arc::clone(&seen));
            EagerWaker::new(move || {
                let polled = poll(&mut delay.lock().unwrap(), Waker::noop());
                *seen.lock().unwrap() = Some(polled);
            })
        };
        assert_eq!(poll(&mut delay.lock().unwrap(), &waker), Poll::Pending);
        clock.advance(ms(10));
        while eager.wakes() == 0 {
            std::thread::sleep(ms(1));
        }
        (eager.stuck(), *seen.lock().unwrap())
    });
    assert_eq!(
        stuck,
        0,
        "the timer thread called the waker while it still held the delay's lock: the woken \
         task, polled at once on another thread (as a multi-threaded executor may), waited \
         {} s for that lock. Take the waker out under the lock, let go of the lock, then wake",
        PATIENCE.as_secs()
    );
    assert_eq!(
        seen,
        Some(Poll::Ready(())),
        "polled by its woken task, the delay is ready"
    );
}

#[test]
fn a_real_delay_completes_under_an_executor() {
    timeout(|| futures::executor::block_on(sleep(ms(1))));
}

#[test]
fn no_interleaving_of_poll_and_the_timer_thread_loses_the_wake_up() {
    timeout_after(support::loom::LIMIT, || {
        support::loom::check(
            "the second poll returned Pending and then nobody woke its waker: either the \
             timer fired between \"has it fired?\" and \"here is my waker\" (check both \
             under one lock), or it woke the waker of the first poll instead of the latest",
            || {
                let clock = under_loom::Clock::manual();
                let mut delay = under_loom::Delay::new(ms(10), &clock);
                let (_, first) = Woken::new();
                let (second, latest) = Woken::new();
                let mut poll =
                    |waker: &Waker| Pin::new(&mut delay).poll(&mut Context::from_waker(waker));
                assert_eq!(poll(&first), Poll::Pending, "the clock has not moved yet");
                // The clock moves on another thread while the task polls again: loom tries
                // every order of the two threads' steps (and the timer thread's).
                let advancer = {
                    let clock = clock.clone();
                    sync::thread::spawn(move || clock.advance(ms(10)))
                };
                if poll(&latest) == Poll::Pending {
                    second.wait_for(1);
                    assert_eq!(poll(&latest), Poll::Ready(()), "woken, the delay is ready");
                }
                advancer.join().unwrap();
            },
        )
    });
}

#[test]
fn a_timer_that_fires_during_the_first_poll_still_wakes_the_task() {
    timeout_after(support::loom::LIMIT, || {
        support::loom::check(
            "a delay of zero, whose timer fires as soon as the first poll starts it, \
             returned Pending and nobody woke its waker: the first poll must look at \
             \"has it fired?\" and leave its waker under the same lock, like every other",
            || {
                let clock = under_loom::Clock::manual();
                let mut delay = under_loom::Delay::new(Duration::ZERO, &clock);
                let (woken, waker) = Woken::new();
                let mut poll = || Pin::new(&mut delay).poll(&mut Context::from_waker(&waker));
                if poll() == Poll::Pending {
                    woken.wait_for(1);
                    assert_eq!(poll(), Poll::Ready(()), "woken, the delay is ready");
                }
            },
        )
    });
}
