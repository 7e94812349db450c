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
use support::wakers::FreshWakers;

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
fn a_select_polled_again_after_it_finished_panics() {
    // A finished future polled again may panic, and the ones the compiler writes do; a
    // select that answers `Pending` instead leaves its caller waiting for a wake that
    // never comes, with no sign of the bug.
    let (first, again) = timeout(|| {
        let dropped = Arc::new(AtomicBool::new(false));
        let mut select = select(steps(1, "fast"), Forever(dropped));
        let (_, waker) = counting_waker();
        let mut cx = Context::from_waker(&waker);
        let mut first = Poll::Pending;
        for _ in 0..10 {
            first = Pin::new(&mut select).poll(&mut cx);
            if first.is_ready() {
                break;
            }
        }
        let again = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            Pin::new(&mut select).poll(&mut cx).is_ready()
        }));
        (first, again)
    });
    assert_eq!(first, Poll::Ready(Either::Left("fast")));
    match again {
        Err(_) => {}
        Ok(ready) => panic!(
            "a select polled again after it returned Ready must panic (its outputs are \
             gone); it returned {} instead",
            if ready { "Ready" } else { "Pending" }
        ),
    }
}

/// Never ready; counts its polls (the test reads them) and records its drop.
struct Watched {
    polls: Arc<AtomicUsize>,
    dropped: Arc<AtomicBool>,
}

fn watched() -> (Watched, Arc<AtomicUsize>, Arc<AtomicBool>) {
    let (polls, dropped) = (Arc::default(), Arc::default());
    let future = Watched {
        polls: Arc::clone(&polls),
        dropped: Arc::clone(&dropped),
    };
    (future, polls, dropped)
}

impl Future for Watched {
    type Output = &'static str;
    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<&'static str> {
        self.polls.fetch_add(1, Ordering::SeqCst);
        Poll::Pending
    }
}

impl Drop for Watched {
    fn drop(&mut self) {
        self.dropped.store(true, Ordering::SeqCst);
    }
}

#[test]
fn a_select_whose_first_future_is_ready_wins_without_polling_the_second() {
    let (out, polls, dropped, both) = timeout(|| {
        let (loser, polls, dropped) = watched();
        let (_, waker) = counting_waker();
        let mut first_ready = select(steps(0, "first"), loser);
        let out = Pin::new(&mut first_ready).poll(&mut Context::from_waker(&waker));
        let (polls, dropped) = (polls.load(Ordering::SeqCst), dropped.load(Ordering::SeqCst));
        // Both ready in the same poll.
        let both = drive(select(steps(0, 'a'), steps(0, 'b')), 1);
        (out, polls, dropped, both)
    });
    assert_eq!(
        (out, polls, dropped),
        (Poll::Ready(Either::Left("first")), 0, true),
        "the first future was ready at the first poll: the select is biased, it polls `a` \
         first and returns `Left` at once, and the second future must not run a single \
         step (polled {polls} time(s)): it has lost, and is dropped unpolled"
    );
    assert_eq!(
        both,
        Some(Either::Left('a')),
        "both futures ready in the same poll: `a` wins (the select is biased)"
    );
}

#[test]
fn combinators_of_futures_that_wait_do_not_wake_themselves() {
    let wakes = timeout(|| {
        let forever = || Forever(Arc::new(AtomicBool::new(false)));
        let mut wakes = Vec::new();
        let (count, waker) = counting_waker();
        let mut cx = Context::from_waker(&waker);
        let mut both = join(forever(), forever());
        assert!(Pin::new(&mut both).poll(&mut cx).is_pending());
        wakes.push(("join", count.0.load(Ordering::SeqCst)));
        let (count, waker) = counting_waker();
        let mut cx = Context::from_waker(&waker);
        let mut all = join_all([forever(), forever(), forever()]);
        assert!(Pin::new(&mut all).poll(&mut cx).is_pending());
        wakes.push(("join_all", count.0.load(Ordering::SeqCst)));
        let (count, waker) = counting_waker();
        let mut cx = Context::from_waker(&waker);
        let mut first = select(forever(), forever());
        assert!(Pin::new(&mut first).poll(&mut cx).is_pending());
        wakes.push(("select", count.0.load(Ordering::SeqCst)));
        wakes
    });
    assert_eq!(
        wakes,
        [("join", 0), ("join_all", 0), ("select", 0)],
        "none of the inner futures can make progress, and none asked to be polled again: \
         a combinator returns Pending without waking its own waker (a wake \"to be safe\" \
         makes the executor poll it again at once, for ever: a busy loop). The inner \
         futures were given the waker; they call it when they can go on"
    );
}

/// A future that waits at a gate the test opens, keeping the waker of its latest poll.
#[derive(Clone, Default)]
struct Gate(Arc<Mutex<(bool, Option<Waker>)>>);

impl Gate {
    fn open(&self) {
        let waker = {
            let mut state = self.0.lock().unwrap();
            state.0 = true;
            state.1.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
    fn wait(&self, value: u32) -> impl Future<Output = u32> + use<> {
        let gate = self.clone();
        std::future::poll_fn(move |cx| {
            let mut state = gate.0.lock().unwrap();
            if state.0 {
                Poll::Ready(value)
            } else {
                state.1 = Some(cx.waker().clone());
                Poll::Pending
            }
        })
    }
}

/// Polls `future` twice with new wakers, opens `gate`: says whether the latest waker was
/// woken, and how many older wakers were.
fn woken_after_two_polls<F: Future>(future: F, gate: &Gate) -> (FreshWakers<F>, bool, usize) {
    let mut polled = FreshWakers::new(future);
    assert!(polled.poll().is_pending(), "nothing is ready yet");
    assert!(polled.poll().is_pending(), "nothing is ready yet");
    gate.open();
    let latest = polled.latest().wakes() > 0;
    let stale = polled.stale_wakes();
    (polled, latest, stale)
}

#[test]
fn the_combinators_hand_each_poll_s_waker_to_the_futures_inside() {
    let seen = timeout(|| {
        let mut seen = Vec::new();
        let (a, b) = (Gate::default(), Gate::default());
        let (mut polled, latest, stale) = woken_after_two_polls(join(a.wait(1), b.wait(2)), &a);
        seen.push(("join, first future", latest, stale));
        assert!(polled.poll().is_pending(), "the second future still waits");
        let stale_before = polled.stale_wakes();
        b.open();
        let stale = polled.stale_wakes() - stale_before;
        seen.push(("join, second future", polled.latest().wakes() > 0, stale));
        assert_eq!(polled.poll(), Poll::Ready((1, 2)));
        let gates = [Gate::default(), Gate::default()];
        let (_, latest, stale) =
            woken_after_two_polls(join_all([gates[0].wait(1), gates[1].wait(2)]), &gates[1]);
        seen.push(("join_all", latest, stale));
        let (a, b) = (Gate::default(), Gate::default());
        let (_, latest, stale) = woken_after_two_polls(select(a.wait(1), b.wait(2)), &b);
        seen.push(("select", latest, stale));
        seen
    });
    for (what, latest, stale) in seen {
        assert!(
            latest && stale == 0,
            "{what}: polled with one waker, then with another (as a combinator moved to \
             another task is), the inner future that became ready must wake the waker of \
             the latest poll; it woke it: {latest}, and woke older wakers {stale} time(s). \
             Poll the inner futures with the `Context` you are given, every time"
        );
    }
}

#[test]
fn join_all_of_no_futures_is_ready_at_once() {
    let out = timeout(|| drive(join_all(Vec::<Steps<u8>>::new()), 1));
    assert_eq!(
        out,
        Some(vec![]),
        "with no futures to wait for, join_all is ready at its first poll, with no outputs"
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
