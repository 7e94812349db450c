//! Tests for exercise 06.4: `join`, `join_all` and `select`.
//!
//! Futures are polled by hand with a waker that counts, or by `futures`' `block_on`.
//! The futures here panic if polled after they returned `Ready`.

use ch06_futures::ex04_combinators::{Either, join, join_all, select};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use support::timeout;

/// A waker that counts its wakes.
#[derive(Default)]
struct Count(AtomicUsize);

impl Wake for Count {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn counting_waker() -> (Arc<Count>, Waker) {
    let count = Arc::new(Count::default());
    (Arc::clone(&count), Waker::from(count))
}

/// Polls `future` as an executor would: again only after a wake, at most `max` times.
fn drive<F: Future + Unpin>(mut future: F, max: usize) -> Option<F::Output> {
    let (count, waker) = counting_waker();
    let mut cx = Context::from_waker(&waker);
    for _ in 0..max {
        let before = count.0.load(Ordering::SeqCst);
        if let Poll::Ready(out) = Pin::new(&mut future).poll(&mut cx) {
            return Some(out);
        }
        if count.0.load(Ordering::SeqCst) == before {
            return None; // Pending and nobody woke it: an executor would not poll again.
        }
    }
    None
}

/// Pending `n` times (waking itself each time), then ready with `value`. Panics if polled
/// after that.
struct Steps<T> {
    left: usize,
    value: Option<T>,
}

fn steps<T>(n: usize, value: T) -> Steps<T> {
    Steps {
        left: n,
        value: Some(value),
    }
}

impl<T: Unpin> Future for Steps<T> {
    type Output = T;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        assert!(
            self.value.is_some(),
            "a future was polled again after it returned Ready: a combinator must remember \
             which futures have finished and leave them alone"
        );
        if self.left == 0 {
            Poll::Ready(self.value.take().unwrap())
        } else {
            self.left -= 1;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

/// Pending for ever; records its drop.
struct Forever(Arc<AtomicBool>);

impl Future for Forever {
    type Output = &'static str;
    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<&'static str> {
        Poll::Pending
    }
}

impl Drop for Forever {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// An async meeting point for `n` futures: each is ready only once all have arrived (been
/// polled). Futures run one after another never all arrive.
struct Meeting {
    n: usize,
    state: Mutex<(usize, Vec<Waker>)>,
}

struct Arrive {
    meeting: Arc<Meeting>,
    arrived: bool,
}

impl Meeting {
    fn new(n: usize) -> Arc<Meeting> {
        Arc::new(Meeting {
            n,
            state: Mutex::new((0, Vec::new())),
        })
    }
    fn arrive(self: &Arc<Self>) -> Arrive {
        Arrive {
            meeting: Arc::clone(self),
            arrived: false,
        }
    }
    fn arrived(&self) -> usize {
        self.state.lock().unwrap().0
    }
}

impl Future for Arrive {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let meeting = Arc::clone(&self.meeting);
        let mut state = meeting.state.lock().unwrap();
        if !self.arrived {
            self.arrived = true;
            state.0 += 1;
        }
        if state.0 == meeting.n {
            for waker in state.1.drain(..) {
                waker.wake();
            }
            Poll::Ready(())
        } else {
            state.1.push(cx.waker().clone());
            Poll::Pending
        }
    }
}

#[test]
fn join_runs_both_futures_at_the_same_time() {
    let (out, arrived) = timeout(|| {
        let meeting = Meeting::new(2);
        let out = drive(join(meeting.arrive(), meeting.arrive()), 10);
        (out.is_some(), meeting.arrived())
    });
    assert!(
        out && arrived == 2,
        "two futures that wait for each other must both finish under join (only {arrived} \
         of 2 arrived): join polls both, not the second only after the first is done, as \
         `a.await; b.await` would"
    );
}

#[test]
fn join_gives_both_outputs_and_never_polls_a_finished_future() {
    let out = timeout(|| drive(join(steps(0, "now"), steps(3, 4)), 10));
    assert_eq!(
        out,
        Some(("now", 4)),
        "both outputs, in order, after four polls of the join"
    );
    let out = timeout(|| drive(join(steps(5, 'a'), steps(1, 'b')), 10));
    assert_eq!(out, Some(('a', 'b')));
}

#[test]
fn join_all_gives_every_output_in_the_order_given() {
    let out = timeout(|| {
        let futures = [3, 0, 2, 1].map(|n| steps(n, n * 10));
        drive(join_all(futures), 10)
    });
    assert_eq!(
        out,
        Some(vec![30, 0, 20, 10]),
        "outputs in the order the futures were given, not the order they finished"
    );
}

#[test]
fn join_all_runs_every_future_at_the_same_time() {
    let arrived = timeout(|| {
        let meeting = Meeting::new(3);
        let out = drive(join_all((0..3).map(|_| meeting.arrive())), 10);
        assert!(
            out.is_some(),
            "three futures that wait for each other must all finish under join_all (only \
             {} of 3 arrived)",
            meeting.arrived()
        );
        meeting.arrived()
    });
    assert_eq!(arrived, 3);
}

#[test]
fn select_returns_the_first_and_drops_the_other_at_once() {
    let (out, dropped_at_ready) = timeout(|| {
        let dropped = Arc::new(AtomicBool::new(false));
        let mut select = select(steps(2, "fast"), Forever(Arc::clone(&dropped)));
        let (_, waker) = counting_waker();
        let mut cx = Context::from_waker(&waker);
        for _ in 0..10 {
            if let Poll::Ready(out) = Pin::new(&mut select).poll(&mut cx) {
                // The select itself is still alive here.
                return (Some(out), dropped.load(Ordering::SeqCst));
            }
        }
        (None, false)
    });
    assert_eq!(out, Some(Either::Left("fast")));
    assert!(
        dropped_at_ready,
        "when select returns, the loser must already be dropped (cancelled), not kept \
         until the select itself goes away"
    );
}

#[test]
fn select_can_be_won_by_the_second_future() {
    let (out, dropped) = timeout(|| {
        let dropped = Arc::new(AtomicBool::new(false));
        let out = drive(select(Forever(Arc::clone(&dropped)), steps(1, 9)), 10);
        (out, dropped.load(Ordering::SeqCst))
    });
    assert_eq!(out, Some(Either::Right(9)));
    assert!(dropped, "the first future lost: it must be dropped");
}

#[test]
fn select_waits_while_neither_is_ready() {
    let out = timeout(|| {
        let (a, b) = (
            Arc::new(AtomicBool::new(false)),
            Arc::new(AtomicBool::new(false)),
        );
        drive(select(Forever(a), Forever(b)), 10)
    });
    assert_eq!(
        out, None,
        "neither future finishes: the select stays pending"
    );
}

#[test]
fn the_combinators_compose_under_a_real_executor() {
    let out = timeout(|| {
        futures::executor::block_on(async {
            let (a, b) = join(async { 1 }, select(steps(1, 2), steps(4, 3))).await;
            let all = join_all((1..=4).map(|n| steps(n, n))).await;
            (a, b, all)
        })
    });
    assert_eq!(out, (1, Either::Left(2), vec![1, 2, 3, 4]));
}
