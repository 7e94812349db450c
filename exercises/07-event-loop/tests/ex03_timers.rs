//! Tests for exercise 07.3: timers. The reactor reads a `ManualClock` that only the test
//! moves, so no test depends on how fast the machine is.

use ch07_event_loop::ex02_reactor::Reactor;
use ch07_event_loop::ex03_timers::{ManualClock, Timers, sleep};
use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};
use support::timeout;
use support::wakers::FreshWakers;

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
        assert_eq!(
            (wakes(&early), wakes(&late)),
            (1, 0),
            "at 3 s the 2 s timer's waker fires and the 5 s one's does not: (early, late)"
        );
        assert_eq!(
            timers.next_deadline(),
            Some(start + 5 * SECOND),
            "the 2 s timer is gone: the next deadline is the 5 s one"
        );
        assert_eq!(
            timers.take_expired(start + 5 * SECOND).len(),
            1,
            "at exactly 5 s the 5 s timer has expired: a deadline at *or before* now"
        );
        assert_eq!(
            timers.next_deadline(),
            None,
            "every timer has fired: there is no next deadline"
        );
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
        assert_eq!(
            reactor.wait_timeout(false),
            Some(Duration::ZERO),
            "a turn that may not block waits for nothing"
        );
        let (_, waker) = counter();
        let mut long = pin!(sleep(&reactor, 5 * SECOND));
        let mut short = pin!(sleep(&reactor, 2 * SECOND));
        let _ = long.as_mut().poll(&mut Context::from_waker(&waker));
        let _ = short.as_mut().poll(&mut Context::from_waker(&waker));
        assert_eq!(
            reactor.wait_timeout(true),
            Some(2 * SECOND),
            "timers at 5 s and 2 s: the wait lasts until the earliest deadline"
        );
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
        let ids = (
            timers.insert(at, first_waker),
            timers.insert(at, second_waker),
        );
        assert_eq!(
            timers.len(),
            2,
            "two timers were set for the same instant and the map holds {}: each \
             `TimerId` needs an id of its own (ids given: {:?} and {:?}), or the second \
             replaces the first",
            timers.len(),
            ids.0.id,
            ids.1.id
        );
        let expired = timers.take_expired(at);
        assert_eq!(
            expired.len(),
            2,
            "take_expired(now) gave {} of the 2 timers whose deadline is exactly now: a \
             timer has expired when its deadline is at *or before* now",
            expired.len()
        );
        expired.into_iter().for_each(Waker::wake);
        assert_eq!(
            (wakes(&first), wakes(&second)),
            (1, 1),
            "two timers set for the same instant must both fire, once each"
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
        assert!(
            nap.as_mut().poll(&mut cx).is_pending(),
            "a 3 s sleep at 0 s: Pending"
        );
        clock.advance(3 * SECOND);
        // No socket will ever be ready: only the timer can end this turn.
        let woken = reactor.turn(true).unwrap();
        assert_eq!(
            (woken, wakes(&count)),
            (1, 1),
            "the turn must fire the expired timer and wake its task once"
        );
        assert!(
            nap.as_mut().poll(&mut cx).is_ready(),
            "woken at its deadline, the sleep must be ready"
        );
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
        assert!(
            nap.as_mut().poll(&mut cx).is_pending(),
            "a 10 s sleep at 0 s: Pending"
        );
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
        assert_eq!(
            wakes(&count),
            1,
            "at 10 s the sleep's task must be woken once"
        );
        assert!(
            nap.as_mut().poll(&mut cx).is_ready(),
            "woken at its deadline, the sleep must be ready"
        );
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
        assert_eq!(wakes(&count), 0, "a sleep that never fired woke its task");
    });
}

#[test]
fn a_sleep_wakes_the_waker_of_its_latest_poll() {
    // Polled three times before its deadline, each time with a waker it has never seen
    // (as a future moved into another task is): only the latest may be woken, once.
    timeout(|| {
        let clock = ManualClock::new();
        let reactor = Reactor::with_clock(clock.clone()).unwrap();
        let mut nap = FreshWakers::new(sleep(&reactor, 3 * SECOND));
        for _ in 0..3 {
            assert!(
                nap.poll().is_pending(),
                "before its deadline a sleep is Pending"
            );
        }
        assert_eq!(
            reactor.timers(),
            1,
            "polled three times, a sleep holds one timer (remove the old one, set a new one)"
        );
        clock.advance(3 * SECOND);
        reactor.turn(true).unwrap();
        assert_eq!(
            (nap.latest().wakes(), nap.stale_wakes()),
            (1, 0),
            "at its deadline the sleep must wake the waker of its latest poll, once, and no \
             older one (latest, older): a sleep that keeps its first timer wakes a task \
             that no longer waits for it, and the one that does sleeps for ever"
        );
        assert_eq!(
            nap.poll(),
            Poll::Ready(()),
            "woken at its deadline, the sleep is ready"
        );
        assert_eq!(
            reactor.timers(),
            0,
            "a finished sleep leaves no timer behind"
        );
    });
}

#[test]
fn a_deadline_less_than_a_millisecond_away_is_slept_for_not_polled_for() {
    // The reactor's deadlines are exact instants: the wait lasts exactly until the next
    // one, however close. A wait cut to whole milliseconds is zero for a deadline 300 µs
    // away, and the loop polls the OS with a zero timeout until the deadline has passed.
    timeout(|| {
        let clock = ManualClock::new();
        let reactor = Reactor::with_clock(clock.clone()).unwrap();
        let (_, waker) = counter();
        let mut nap = pin!(sleep(&reactor, Duration::from_micros(1_300)));
        assert!(
            nap.as_mut()
                .poll(&mut Context::from_waker(&waker))
                .is_pending(),
            "a 1.3 ms sleep at 0: Pending"
        );
        assert_eq!(
            reactor.wait_timeout(true),
            Some(Duration::from_micros(1_300)),
            "the wait lasts until the deadline, to the microsecond"
        );
        clock.advance(Duration::from_millis(1));
        assert_eq!(
            reactor.wait_timeout(true),
            Some(Duration::from_micros(300)),
            "300 µs before the deadline, the wait lasts 300 µs: not zero (a loop that polls \
             the OS until the deadline), not rounded"
        );
        // The clock only moves when the test says so: this turn sleeps its 300 µs of real
        // time in the poller, and fires nothing.
        reactor.turn(true).unwrap();
        assert_eq!(
            (reactor.waits(), reactor.non_blocking_waits()),
            (1, 0),
            "a turn 300 µs before a deadline must wait in the poller for those 300 µs, not \
             poll it with a zero timeout: (waits, zero-timeout waits)"
        );
    });
}

/// A waker that writes its name in a shared log when woken.
struct Named(&'static str, Arc<std::sync::Mutex<Vec<&'static str>>>);

impl Wake for Named {
    fn wake(self: Arc<Self>) {
        self.1.lock().unwrap().push(self.0);
    }
}

#[test]
fn expired_timers_come_out_earliest_first_and_equal_deadlines_in_the_order_they_were_set() {
    timeout(|| {
        let start = Instant::now();
        let log = Arc::new(std::sync::Mutex::new(Vec::new()));
        let named = |name| Waker::from(Arc::new(Named(name, log.clone())));
        let mut timers = Timers::default();
        timers.insert(start + 2 * SECOND, named("2 s, set first"));
        timers.insert(start + SECOND, named("1 s"));
        timers.insert(start + 2 * SECOND, named("2 s, set third"));
        timers.insert(start + 9 * SECOND, named("9 s"));
        let expired = timers.take_expired(start + 5 * SECOND);
        expired.into_iter().for_each(Waker::wake);
        assert_eq!(
            *log.lock().unwrap(),
            ["1 s", "2 s, set first", "2 s, set third"],
            "take_expired must give the expired timers earliest first, and two equal \
             deadlines in the order they were set (the map's order: deadline, then id)"
        );
        assert_eq!(
            timers.len(),
            1,
            "the 9 s timer has not expired: it stays set"
        );
    });
}
