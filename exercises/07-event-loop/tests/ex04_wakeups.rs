//! Tests for exercise 07.4: waking a loop that sleeps in the poller from another thread.

use ch07_event_loop::ex02_reactor::Reactor;
use ch07_event_loop::ex04_wakeups::{LoopWaker, block_on, spawn_blocking};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Waker};
use std::thread;
use support::timeout;

/// Wraps a future and counts its polls.
struct Counted<F> {
    inner: Pin<Box<F>>,
    polls: Arc<AtomicUsize>,
}

impl<F: Future> Future for Counted<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.polls.fetch_add(1, Ordering::SeqCst);
        self.inner.as_mut().poll(cx)
    }
}

fn counted<F: Future>(future: F) -> (Counted<F>, Arc<AtomicUsize>) {
    let polls = Arc::new(AtomicUsize::new(0));
    (
        Counted {
            inner: Box::pin(future),
            polls: polls.clone(),
        },
        polls,
    )
}

/// Blocks until `reactor`'s loop sits in the poller's wait.
fn until_the_loop_sleeps(reactor: &Reactor) {
    assert!(
        support::within_patience(|| reactor.is_waiting()),
        "the loop never waited in the poller: does it turn the reactor (and does react wait \
         through Reactor::wait_for_events)?"
    );
}

#[test]
fn a_wake_from_another_thread_interrupts_the_wait() {
    timeout(|| {
        let reactor = Reactor::new().unwrap();
        let flag = LoopWaker::new(&reactor);
        assert!(flag.take_woken(), "a new LoopWaker starts woken");
        let waker = Waker::from(flag.clone());
        let theirs = reactor.clone();
        let waking = thread::spawn(move || {
            until_the_loop_sleeps(&theirs);
            waker.wake();
        });
        // No socket, no timer: only the waker's notification can end this turn.
        reactor.turn(true).unwrap();
        waking.join().unwrap();
        assert!(flag.take_woken(), "the wake must set the flag");
    });
}

#[test]
fn block_on_gets_the_result_of_a_blocking_closure() {
    timeout(|| {
        let reactor = Reactor::new().unwrap();
        let theirs = reactor.clone();
        let (future, polls) = counted(spawn_blocking(move || {
            // Finish only once the loop is asleep in the poller: the wake must reach it
            // there.
            until_the_loop_sleeps(&theirs);
            6 * 7
        }));
        let answer = block_on(&reactor, future);
        assert_eq!(answer, 42);
        assert_eq!(
            polls.load(Ordering::SeqCst),
            2,
            "the future should be polled twice: once to start, once after its wake"
        );
        assert_eq!(
            reactor.non_blocking_waits(),
            0,
            "block_on polled the poller without sleeping: with nothing ready it must wait \
             with no timeout"
        );
    });
}

#[test]
fn block_on_returns_at_once_when_the_future_is_ready() {
    timeout(|| {
        let reactor = Reactor::new().unwrap();
        let (future, polls) = counted(async { "ready" });
        assert_eq!(block_on(&reactor, future), "ready");
        assert_eq!(polls.load(Ordering::SeqCst), 1);
        assert_eq!(
            reactor.waits(),
            0,
            "a ready future needs no wait in the poller"
        );
    });
}

#[test]
fn several_blocking_closures_run_at_the_same_time() {
    timeout(|| {
        let reactor = Reactor::new().unwrap();
        let meeting = Arc::new(support::Rendezvous::new(3));
        let jobs: Vec<_> = (0..3)
            .map(|n| {
                let meeting = meeting.clone();
                spawn_blocking(move || {
                    meeting.meet();
                    n * 10
                })
            })
            .collect();
        let total = block_on(&reactor, async move {
            let mut total = 0;
            for job in jobs {
                total += job.await;
            }
            total
        });
        assert_eq!(total, 30);
    });
}

#[test]
#[should_panic(expected = "the closure failed")]
fn a_panic_in_the_closure_reaches_the_awaiting_task() {
    timeout(|| {
        let reactor = Reactor::new().unwrap();
        block_on(&reactor, spawn_blocking(|| panic!("the closure failed")));
    });
}

#[test]
fn block_on_does_not_sleep_when_the_future_woke_itself() {
    // A future that wakes itself while it is polled (it has more to do at once) must be
    // polled again without the loop sleeping first: `block_on` turns the reactor with a
    // zero timeout when the flag is already set.
    timeout(|| {
        let reactor = Reactor::new().unwrap();
        let mut first = true;
        let answer = block_on(
            &reactor,
            std::future::poll_fn(move |cx| {
                if std::mem::take(&mut first) {
                    cx.waker().wake_by_ref();
                    Poll::Pending
                } else {
                    Poll::Ready("done")
                }
            }),
        );
        assert_eq!(answer, "done");
        assert_eq!(
            (reactor.waits(), reactor.non_blocking_waits()),
            (1, 1),
            "after a future woke itself, the loop should ask the poller once with a zero \
             timeout (check the flag before you sleep), then poll the future again"
        );
    });
}
