//! Tests for exercise 07.3: timers. The reactor reads a `ManualClock` that only the test
//! moves, so no test depends on how fast the machine is.

use ch07_event_loop::ex02_reactor::Reactor;
use ch07_event_loop::ex03_timers::{ManualClock, Timers, sleep};
use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Wake, Waker};
use std::time::{Duration, Instant};
use support::timeout;

#[derive(Default)]
struct Counter(AtomicUsize);

impl Wake for Counter {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn counter() -> (Arc<Counter>, Waker) {
    let counter = Arc::new(Counter::default());
    (counter.clone(), Waker::from(counter))
}

fn wakes(counter: &Counter) -> usize {
    counter.0.load(Ordering::SeqCst)
}

const SECOND: Duration = Duration::from_secs(1);

#[test]
fn timers_come_out_earliest_deadline_first() {
    timeout(|| {
        let start = Instant::now();
        let mut timers = Timers::default();
        assert!(timers.is_empty());
        let (late, late_waker) = counter();
        let (early, early_waker) = counter();
        timers.insert(start + 5 * SECOND, late_waker);
        timers.insert(start + 2 * SECOND, early_waker);
        assert!(!timers.is_empty());
        assert_eq!(
            timers.next_deadline(),
            Some(start + 2 * SECOND),
            "the next deadline is the earliest one, not the first one set"
        );
        let expired = timers.take_expired(start + 3 * SECOND);
        assert_eq!(expired.len(), 1, "at 3 s only the 2 s timer has expired");
        expired.into_iter().for_each(Waker::wake);
        assert_eq!((wakes(&early), wakes(&late)), (1, 0));
        assert_eq!(timers.next_deadline(), Some(start + 5 * SECOND));
        assert_eq!(timers.take_expired(start + 5 * SECOND).len(), 1);
        assert_eq!(timers.next_deadline(), None);
    });
}

#[test]
fn the_wait_is_bounded_by_the_next_deadline() {
    timeout(|| {
        let clock = ManualClock::new();
        let reactor = Reactor::with_clock(clock.clone()).unwrap();
        assert_eq!(
            reactor.wait_timeout(true),
            None,
            "with no timer set, the loop may wait for I/O forever"
        );
        assert_eq!(reactor.wait_timeout(false), Some(Duration::ZERO));
        let (_, waker) = counter();
        let mut long = pin!(sleep(&reactor, 5 * SECOND));
        let mut short = pin!(sleep(&reactor, 2 * SECOND));
        let _ = long.as_mut().poll(&mut Context::from_waker(&waker));
        let _ = short.as_mut().poll(&mut Context::from_waker(&waker));
        assert_eq!(reactor.wait_timeout(true), Some(2 * SECOND));
        clock.advance(SECOND / 2);
        assert_eq!(
            reactor.wait_timeout(true),
            Some(3 * SECOND / 2),
            "the wait lasts until the earliest deadline, measured from now"
        );
        assert!(!reactor.is_waiting(), "nobody is in the poller's wait yet");
        reactor.turn(false).unwrap();
        assert_eq!(
            (reactor.waits(), reactor.non_blocking_waits()),
            (1, 1),
            "a turn that may not block asks the poller once, with a zero timeout"
        );
    });
}

#[test]
fn two_timers_with_the_same_deadline_both_fire() {
    timeout(|| {
        let at = Instant::now() + SECOND;
        let mut timers = Timers::default();
        let (first, first_waker) = counter();
        let (second, second_waker) = counter();
        timers.insert(at, first_waker);
        timers.insert(at, second_waker);
        assert_eq!(timers.len(), 2, "two timers were set");
        timers.take_expired(at).into_iter().for_each(Waker::wake);
        assert_eq!(
            (wakes(&first), wakes(&second)),
            (1, 1),
            "two timers set for the same instant must both fire: each `TimerId` needs an \
             id of its own, or the second replaces the first in the map"
        );
    });
}

#[test]
fn a_sleep_ends_with_no_socket_open() {
    timeout(|| {
        let clock = ManualClock::new();
        let reactor = Reactor::with_clock(clock.clone()).unwrap();
        let (count, waker) = counter();
        let mut nap = pin!(sleep(&reactor, 3 * SECOND));
        let mut cx = Context::from_waker(&waker);
        assert!(nap.as_mut().poll(&mut cx).is_pending());
        clock.advance(3 * SECOND);
        // No socket will ever be ready: only the timer can end this turn.
        let woken = reactor.turn(true).unwrap();
        assert_eq!(
            (woken, wakes(&count)),
            (1, 1),
            "the turn must fire the expired timer and wake its task once"
        );
        assert!(nap.as_mut().poll(&mut cx).is_ready());
        assert_eq!(
            reactor.timers(),
            0,
            "a finished sleep leaves no timer behind"
        );
    });
}

#[test]
fn a_sleep_waits_for_its_deadline_without_waking_itself() {
    timeout(|| {
        let clock = ManualClock::new();
        let reactor = Reactor::with_clock(clock.clone()).unwrap();
        let (count, waker) = counter();
        let mut cx = Context::from_waker(&waker);
        let mut nap = pin!(sleep(&reactor, 10 * SECOND));
        assert!(nap.as_mut().poll(&mut cx).is_pending());
        clock.advance(9 * SECOND);
        reactor.turn(false).unwrap();
        assert_eq!(
            wakes(&count),
            0,
            "a sleep woke its task before the deadline: a task that wakes itself to look \
             at the clock again spins instead of sleeping"
        );
        assert!(
            nap.as_mut().poll(&mut cx).is_pending(),
            "9 s of 10: not yet"
        );
        clock.advance(SECOND);
        reactor.turn(true).unwrap();
        assert_eq!(wakes(&count), 1);
        assert!(nap.as_mut().poll(&mut cx).is_ready());
    });
}

#[test]
fn timers_fire_in_deadline_order_not_the_order_they_were_set() {
    timeout(|| {
        let clock = ManualClock::new();
        let reactor = Reactor::with_clock(clock.clone()).unwrap();
        let (late, late_waker) = counter();
        let (early, early_waker) = counter();
        let mut long = pin!(sleep(&reactor, 5 * SECOND));
        let mut short = pin!(sleep(&reactor, 2 * SECOND));
        assert!(
            long.as_mut()
                .poll(&mut Context::from_waker(&late_waker))
                .is_pending()
        );
        assert!(
            short
                .as_mut()
                .poll(&mut Context::from_waker(&early_waker))
                .is_pending()
        );
        clock.advance(3 * SECOND);
        reactor.turn(true).unwrap();
        assert_eq!(
            (wakes(&early), wakes(&late)),
            (1, 0),
            "at 3 s the 2 s sleep must wake and the 5 s one must not"
        );
    });
}

#[test]
fn a_dropped_sleep_removes_its_timer() {
    timeout(|| {
        let reactor = Reactor::with_clock(ManualClock::new()).unwrap();
        let (count, waker) = counter();
        {
            let mut nap = pin!(sleep(&reactor, SECOND));
            assert!(
                nap.as_mut()
                    .poll(&mut Context::from_waker(&waker))
                    .is_pending()
            );
            assert!(
                nap.as_mut()
                    .poll(&mut Context::from_waker(&waker))
                    .is_pending()
            );
            assert_eq!(reactor.timers(), 1, "polled twice, a sleep holds one timer");
        }
        assert_eq!(reactor.timers(), 0, "a dropped sleep must remove its timer");
        assert_eq!(wakes(&count), 0);
    });
}
