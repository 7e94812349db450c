//! Tests for exercise 10.2: a detector that reports slow polls.
//!
//! The clock is the test's: a scripted future moves it forward by a chosen amount inside
//! each of its polls, so "this poll took 30 ms" is exact, on any machine.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use ch10_when_not::ex02_detector::{Clock, Detector, SlowPoll};
use support::timeout;
use support::tokio::real_time;
use support::wakers::Counted;
use support::wakers::FreshWakers;

/// A clock that moves only when told to.
#[derive(Default)]
struct ManualClock {
    nanos: AtomicU64,
}

impl ManualClock {
    fn advance(&self, by: Duration) {
        self.nanos.fetch_add(by.as_nanos() as u64, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Duration {
        Duration::from_nanos(self.nanos.load(Ordering::SeqCst))
    }
}

/// A future whose n-th poll "takes" `costs[n]` on the manual clock. It is ready on its
/// last poll (with the number of polls), and before that asks to be polled again.
struct Script {
    clock: Arc<ManualClock>,
    costs: Vec<Duration>,
    polls: usize,
}

impl Future for Script {
    type Output = usize;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<usize> {
        let cost = self.costs[self.polls];
        self.clock.advance(cost);
        self.polls += 1;
        if self.polls == self.costs.len() {
            Poll::Ready(self.polls)
        } else {
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn us(n: u64) -> Duration {
    Duration::from_micros(n)
}

/// Runs one scripted future, watched as `task`, with a limit of `limit`; returns its
/// output and the reports.
fn run_script(task: &'static str, limit: Duration, costs: Vec<Duration>) -> (usize, Vec<SlowPoll>) {
    real_time(move || async move {
        let clock = Arc::new(ManualClock::default());
        let detector = Detector::new(limit, clock.clone());
        let script = Script {
            clock,
            costs,
            polls: 0,
        };
        let output = detector.watch(task, script).await;
        (output, detector.reports())
    })
}

#[test]
fn a_slow_poll_is_reported_with_the_task_name_and_its_time() {
    let (_, reports) = run_script("database", ms(10), vec![ms(1), ms(30), ms(2)]);
    assert_eq!(
        reports,
        vec![SlowPoll {
            task: "database".into(),
            took: ms(30)
        }],
        "polls took 1, 30 and 2 ms with a limit of 10 ms: only the 30 ms poll, with its task's \
         name and its own time, should be reported"
    );
}

#[test]
fn quick_polls_are_not_reported_however_many() {
    let (_, reports) = run_script("chatty", ms(5), vec![ms(3), ms(3), ms(3), ms(3)]);
    assert!(
        reports.is_empty(),
        "four polls of 3 ms each with a limit of 5 ms: none is slow (time each poll on its own, \
         not since the first one), but the detector reported {reports:?}"
    );
}

#[test]
fn a_poll_that_takes_exactly_the_limit_is_not_reported() {
    let (_, reports) = run_script("edge", ms(10), vec![ms(10)]);
    assert!(
        reports.is_empty(),
        "a poll of exactly 10 ms with a limit of 10 ms is not longer than the limit, but the \
         detector reported {reports:?}"
    );
}

#[test]
fn the_last_poll_counts_too() {
    let (_, reports) = run_script("finisher", ms(10), vec![ms(1), ms(50)]);
    assert_eq!(
        reports,
        vec![SlowPoll {
            task: "finisher".into(),
            took: ms(50)
        }],
        "the poll that returned Ready took 50 ms: a task can block on its way out too"
    );
}

#[test]
fn the_watched_future_gives_back_the_inner_output() {
    let (output, _) = run_script("any", ms(10), vec![ms(1), ms(1), ms(1)]);
    assert_eq!(
        output, 3,
        "the watched future should return what the inner one returned"
    );
}

#[test]
fn every_task_is_reported_under_its_own_name() {
    let reports = real_time(|| async {
        let clock = Arc::new(ManualClock::default());
        let detector = Detector::new(ms(10), clock.clone());
        let first = Script {
            clock: clock.clone(),
            costs: vec![ms(20)],
            polls: 0,
        };
        let second = Script {
            clock,
            costs: vec![ms(1), ms(40)],
            polls: 0,
        };
        detector.watch("first", first).await;
        detector.watch("second", second).await;
        detector.reports()
    });
    assert_eq!(
        reports,
        vec![
            SlowPoll {
                task: "first".into(),
                took: ms(20)
            },
            SlowPoll {
                task: "second".into(),
                took: ms(40)
            }
        ]
    );
}

#[test]
fn a_waiting_future_is_polled_again_only_when_woken() {
    let polls = real_time(|| async {
        let clock = Arc::new(ManualClock::default());
        let detector = Detector::new(ms(10), clock);
        let (send, receive) = tokio::sync::oneshot::channel::<u32>();
        let polls = Arc::new(AtomicU64::new(0));
        let watched = detector.watch(
            "waiter",
            Counted {
                inner: Box::pin(receive),
                polls: polls.clone(),
            },
        );
        let waiter = tokio::spawn(watched);
        // Twenty turns of the loop before the answer comes.
        for _ in 0..20 {
            tokio::task::yield_now().await;
        }
        send.send(7).unwrap();
        assert_eq!(waiter.await.unwrap(), Ok(7));
        polls.load(Ordering::SeqCst)
    });
    assert!(
        polls <= 2,
        "the receiver inside was polled {polls} times over twenty turns of the loop: the watched \
         future should pass the task's context through and not wake itself"
    );
}

#[test]
fn every_poll_over_the_limit_is_reported_to_the_microsecond() {
    // The page's limits are 10 to 100 µs: a whole millisecond is far too coarse.
    let (_, reports) = run_script(
        "fine",
        us(50),
        vec![us(30), us(80), us(51), us(50), us(120), us(7)],
    );
    let slow = |took| SlowPoll {
        task: "fine".into(),
        took,
    };
    let expected = vec![slow(us(80)), slow(us(51)), slow(us(120))];
    let took: Vec<Duration> = reports.iter().map(|report| report.took).collect();
    assert_eq!(
        reports, expected,
        "with a limit of 50 µs, six polls of one task took 30, 80, 51, 50, 120 and 7 µs; the \
         detector reported polls of {took:?}. Every poll longer than the limit is reported, \
         however many the task has had before, each with its own exact time (compare the \
         Durations themselves: in whole milliseconds, 80 µs is 0)"
    );
}

/// A future that is ready once the test opens it; until then it keeps the waker of its
/// latest poll, to wake when opened (as a channel's receiver does).
struct Gate(Arc<Mutex<(bool, Option<Waker>)>>);

impl Future for Gate {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut gate = self.0.lock().unwrap();
        if gate.0 {
            Poll::Ready(())
        } else {
            gate.1 = Some(cx.waker().clone());
            Poll::Pending
        }
    }
}

#[test]
fn the_inner_future_wakes_the_waker_of_the_latest_poll() {
    timeout(|| {
        let detector = Detector::new(ms(10), Arc::new(ManualClock::default()));
        let gate = Arc::new(Mutex::new((false, None::<Waker>)));
        // Polled by hand, with a new waker each time, as a future moved from one task to
        // another is.
        let mut watched = FreshWakers::new(detector.watch("gate", Gate(gate.clone())));
        for poll in 1..=2 {
            assert!(
                watched.poll().is_pending(),
                "poll {poll}: the gate is closed, so the watched future must be Pending"
            );
            assert_eq!(
                watched.latest().wakes(),
                0,
                "poll {poll}: nothing happened, yet the watched future's waker was woken: it \
                 must not wake its own task"
            );
        }
        let waker = {
            let mut gate = gate.lock().unwrap();
            gate.0 = true;
            gate.1.take()
        };
        waker
            .expect("the inner future was polled, so it kept a waker")
            .wake();
        assert!(
            watched.stale_wakes() == 0 && watched.latest().wakes() == 1,
            "the inner future woke the waker of an earlier poll ({} stale wakes) instead of \
             the latest poll's ({} wakes): a task that was moved would never be polled again. \
             Poll the inner future with the context `poll` was given, every time",
            watched.stale_wakes(),
            watched.latest().wakes()
        );
        assert_eq!(
            watched.poll(),
            Poll::Ready(()),
            "once the gate is open the watched future is Ready"
        );
        assert!(
            detector.reports().is_empty(),
            "the clock never moved, so no poll was slow; the detector reported {:?}",
            detector.reports()
        );
    });
}
