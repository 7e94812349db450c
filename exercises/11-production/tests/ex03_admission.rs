//! Tests for exercise 11.3: a bounded pipeline and an admission gate.
//!
//! The pipeline's tests run on tokio's paused clock, and the work they give it is a
//! sleep on that clock. The clock moves only when every task waits, so a sleeping worker
//! gives everything else all the turns it wants first: a producer that can read ahead
//! *will* have read ahead before the first item is done, every time. The test's `items`
//! count how many were taken, and the work notes that count when each item starts, so
//! the bound is checked at every start, not sampled. Items that must be worked on at once
//! meet at a barrier (a sequential pipeline never gets them all there); a pipeline that
//! spins instead of sleeping keeps the clock from moving and is caught by a count of its
//! polls.
//!
//! The gate's tests need no clock: `try_enter` is not async, so it cannot wait. They
//! take passes, drop them in every way a request ends (an answer, a panic, a task
//! aborted, a timeout), and count what the gate says.

// Dropping a `Pass` is what gives its place back; in the stub, before you give it fields,
// it has nothing to drop yet, and clippy would say so.
#![allow(clippy::drop_non_drop)]

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use ch11_production::ex03_admission::{Busy, Gate, Pass, pipeline};
use support::tokio::paused;

// ---------------------------------------------------------------------------------
// The pipeline
// ---------------------------------------------------------------------------------

/// Items `0..n` that count how many were taken.
fn counted_items(n: usize, taken: Rc<Cell<usize>>) -> impl Iterator<Item = usize> {
    (0..n).inspect(move |_| taken.set(taken.get() + 1))
}

/// What one run of the pipeline showed: for each item, how many items had been taken
/// from `items` when its work started, and the answers.
struct Run {
    taken_at_start: Vec<Option<usize>>,
    answers: Vec<usize>,
}

/// Runs `pipeline` over `n` counted items; each item's work notes the count, then sleeps
/// a while on the paused clock (a slow request), then answers ten times its item.
async fn run_slow_work(n: usize, queue: usize, workers: usize) -> Run {
    let taken = Rc::new(Cell::new(0));
    let seen = Rc::new(RefCell::new(vec![None; n]));
    let answers = pipeline(counted_items(n, taken.clone()), queue, workers, |item| {
        let (taken, seen) = (taken.clone(), seen.clone());
        async move {
            seen.borrow_mut()[item] = Some(taken.get());
            tokio::time::sleep(Duration::from_millis(100)).await;
            item * 10
        }
    })
    .await;
    let taken_at_start = seen.borrow().clone();
    Run {
        taken_at_start,
        answers,
    }
}

#[test]
fn every_item_is_worked_on_once_and_the_answers_come_in_the_order_of_the_items() {
    const N: usize = 12;
    let (answers, calls) = paused(|| async {
        let calls = Rc::new(RefCell::new(vec![0; N]));
        // Later items finish first: item i sleeps N - i steps. The queue fills up while
        // the workers sleep.
        let answers = pipeline(0..N, 2, 3, |item| {
            let calls = calls.clone();
            async move {
                calls.borrow_mut()[item] += 1;
                tokio::time::sleep(Duration::from_millis(10 * (N - item) as u64)).await;
                item * 10
            }
        })
        .await;
        let calls = calls.borrow().clone();
        (answers, calls)
    });
    let not_once: Vec<(usize, usize)> = calls
        .iter()
        .enumerate()
        .filter(|(_, count)| **count != 1)
        .map(|(item, count)| (item, *count))
        .collect();
    assert!(
        not_once.is_empty(),
        "every item should be worked on exactly once; these (item, times) were not: \
         {not_once:?}. An item that never reached a worker was lost: was it dropped when \
         the queue was full (`try_send`)? Await the send, so the producer waits for room"
    );
    let expected: Vec<usize> = (0..N).map(|item| item * 10).collect();
    let mut sorted = answers.clone();
    sorted.sort();
    assert_eq!(
        sorted, expected,
        "the pipeline should return one answer per item, got {answers:?}"
    );
    assert_eq!(
        answers, expected,
        "the answers should come in the order of the items, but came as {answers:?}: later \
         items finished first here. Keep each item's index with it, and sort by it at the end"
    );
}

#[test]
fn the_producer_waits_for_the_workers_instead_of_reading_ahead() {
    let (queue, workers, n) = (3, 2, 20);
    let run = paused(move || async move { run_slow_work(n, queue, workers).await });
    assert_eq!(run.answers.len(), n, "every item should get its answer");
    for (item, taken) in run.taken_at_start.iter().enumerate() {
        let taken = taken.unwrap_or_else(|| panic!("item {item} was never worked on"));
        let most = item + 1 + queue;
        assert!(
            taken <= most,
            "when item {item} started, {taken} items had been taken from `items`; with a \
             queue of {queue} places there can be at most {most} (the {} started, {queue} \
             waiting in the queue, one waiting for a place). The producer read ahead of the \
             workers: is the channel bounded by `queue` (`mpsc::channel(queue)`, \
             `send(..).await`), and does each item go through it?",
            item + 1
        );
    }
}

#[test]
fn the_queue_fills_up_while_every_worker_is_busy() {
    let (queue, workers, n) = (3, 2, 12);
    let run = paused(move || async move { run_slow_work(n, queue, workers).await });
    assert_eq!(run.answers.len(), n, "every item should get its answer");
    // Item `workers` is the first to start once a worker is free again. By then the
    // workers had been busy for a while: the queue had filled.
    let taken = run.taken_at_start[workers].expect("every item should be worked on");
    assert!(
        taken >= queue + workers,
        "while the {workers} workers were busy, the producer should have filled the queue's \
         {queue} places: at least {} items taken from `items` when item {workers} started, \
         but only {taken} were. Make the channel with `queue` places",
        queue + workers
    );
}

#[test]
fn as_many_items_as_there_are_workers_are_worked_on_at_once_and_never_more() {
    let (queue, workers, n) = (1, 3, 9);
    let (met, most_at_once) = paused(move || async move {
        // The first `workers` items meet here; only items worked on at once can.
        let meeting = Rc::new(tokio::sync::Barrier::new(workers));
        let met = Rc::new(Cell::new(true));
        let (now, most) = (Rc::new(Cell::new(0)), Rc::new(Cell::new(0)));
        pipeline(0..n, queue, workers, |item| {
            let (meeting, met) = (meeting.clone(), met.clone());
            let (now, most) = (now.clone(), most.clone());
            async move {
                now.set(now.get() + 1);
                most.set(most.get().max(now.get()));
                if item < workers {
                    // An hour of the paused clock: it moves only when nothing else can
                    // run, so this gives up only if the others can never come.
                    let hour = Duration::from_secs(3600);
                    if tokio::time::timeout(hour, meeting.wait()).await.is_err() {
                        met.set(false);
                    }
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
                now.set(now.get() - 1);
                item
            }
        })
        .await;
        (met.get(), most.get())
    });
    assert!(
        met,
        "the first {workers} items never were worked on at the same time: with {workers} \
         workers they should be. Is a lock held while a worker works (a guard kept across \
         `work(..).await`)? Hold it only to take the next item"
    );
    assert!(
        most_at_once <= workers,
        "{most_at_once} items were worked on at once, with {workers} workers: the pipeline \
         should start no more than `workers` at a time (not one task or future per item)"
    );
}

/// Counts the polls of the future inside, and fails once there are too many: a future
/// that spins never lets tokio's paused clock move, so without a limit it would spin on.
struct PollLimit<F> {
    inner: Pin<Box<F>>,
    polls: usize,
    limit: usize,
}

impl<F: Future> Future for PollLimit<F> {
    type Output = (F::Output, usize);
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.polls += 1;
        assert!(
            self.polls <= self.limit,
            "the pipeline was polled {} times while its workers slept: it should sleep too, \
             until something it waits for happens (await the send, the receive, the work), \
             not try again and again with `try_send`/`try_recv` and `yield_now`",
            self.polls
        );
        let polls = self.polls;
        self.inner.as_mut().poll(cx).map(|output| (output, polls))
    }
}

#[test]
fn the_pipeline_sleeps_while_it_waits() {
    let (queue, workers, n) = (2, 2, 10);
    let (answers, polls) = paused(move || async move {
        PollLimit {
            inner: Box::pin(pipeline(0..n, queue, workers, |item| async move {
                // Slow work: while it sleeps, the producer waits for room and the other
                // workers wait for items.
                tokio::time::sleep(Duration::from_millis(100)).await;
                item
            })),
            polls: 0,
            // A pipeline that sleeps is polled a few times per item (an item taken, a
            // place freed, a work done); one that spins is polled without end.
            limit: 10 * n,
        }
        .await
    });
    assert_eq!(
        answers,
        (0..n).collect::<Vec<_>>(),
        "every item should get its answer, in order (polled {polls} times)"
    );
}

// ---------------------------------------------------------------------------------
// The gate
// ---------------------------------------------------------------------------------

fn enter(gate: &Gate) -> Option<Pass> {
    gate.try_enter().ok()
}

const RETRY: Duration = Duration::from_millis(250);

#[test]
fn a_full_gate_says_busy_at_once_with_its_advice() {
    let (third, inside) = support::timeout(|| {
        let gate = Gate::new(2, RETRY);
        let first = enter(&gate);
        let second = enter(&gate);
        assert!(
            first.is_some() && second.is_some(),
            "a gate with 2 places should let 2 callers in"
        );
        let third = gate.try_enter().err();
        (third, gate.inside())
    });
    assert_eq!(
        third,
        Some(Busy { retry_after: RETRY }),
        "with both places taken, try_enter should say Busy with the gate's `retry_after`"
    );
    assert_eq!(inside, 2, "two passes are out: inside() should say 2");
}

#[test]
fn no_more_than_capacity_are_let_in_and_no_fewer() {
    for capacity in [1, 3] {
        let (let_in, inside) = support::timeout(move || {
            let gate = Gate::new(capacity, RETRY);
            let passes: Vec<Pass> = (0..capacity + 2).filter_map(|_| enter(&gate)).collect();
            (passes.len(), gate.inside())
        });
        assert_eq!(
            let_in,
            capacity,
            "{} callers came to a gate with {capacity} places, none leaving: it should let \
             exactly {capacity} in, and let {let_in} in",
            capacity + 2
        );
        assert_eq!(
            inside, capacity,
            "with {capacity} passes out, inside() should say {capacity}, and said {inside}"
        );
    }
}

#[test]
fn every_refusal_is_counted_once_and_nothing_else_is() {
    let (after_admissions, after_refusals) = support::timeout(|| {
        let gate = Gate::new(2, RETRY);
        let _passes = [enter(&gate), enter(&gate)];
        let after_admissions = gate.refused();
        for _ in 0..3 {
            let _ = gate.try_enter();
        }
        (after_admissions, gate.refused())
    });
    assert_eq!(
        after_admissions, 0,
        "two callers were let in and nobody was refused: refused() should say 0, and said \
         {after_admissions}"
    );
    assert_eq!(
        after_refusals, 3,
        "three callers were refused: refused() should say 3, and said {after_refusals}"
    );
}

#[test]
fn a_place_comes_back_when_its_pass_is_dropped() {
    let (inside_after, again) = support::timeout(|| {
        let gate = Gate::new(1, RETRY);
        let pass = enter(&gate).expect("an empty gate should let a caller in");
        drop(pass);
        (gate.inside(), enter(&gate).is_some())
    });
    assert_eq!(
        inside_after, 0,
        "the only pass was dropped: inside() should say 0, and said {inside_after}"
    );
    assert!(
        again,
        "after the only pass was dropped, the next caller should be let in"
    );
}

/// What the gate says after one request that held a pass ended the way `end` makes it.
fn after_a_request_that<F, Fut>(end: F) -> (usize, bool)
where
    F: FnOnce(Arc<Gate>) -> Fut + Send + 'static,
    Fut: Future<Output = ()>,
{
    paused(|| async move {
        let gate = Arc::new(Gate::new(1, RETRY));
        end(gate.clone()).await;
        (gate.inside(), enter(&gate).is_some())
    })
}

/// A request: takes a pass, says so, then waits for an answer that never comes.
async fn stuck_request(gate: Arc<Gate>, entered: tokio::sync::oneshot::Sender<()>) {
    let _pass = gate
        .try_enter()
        .expect("an empty gate should let a caller in");
    let _ = entered.send(());
    std::future::pending::<()>().await;
}

#[test]
fn a_request_cancelled_mid_way_gives_its_place_back() {
    let (inside, again) = after_a_request_that(|gate| async move {
        let (entered, has_entered) = tokio::sync::oneshot::channel();
        let request = tokio::spawn(stuck_request(gate.clone(), entered));
        // The request runs until it waits, holding its pass.
        has_entered
            .await
            .expect("the request should enter the gate");
        assert_eq!(gate.inside(), 1, "the request should hold the only place");
        request.abort();
        let _ = request.await;
    });
    assert_eq!(
        inside, 0,
        "a request holding a pass was aborted: its place should come back (inside() 0), \
         and inside() said {inside}. Let the pass's drop give it back, not a call at the end \
         of the request (a cancelled future never gets there)"
    );
    assert!(
        again,
        "after the aborted request, the next caller should be let in"
    );
}

#[test]
fn a_request_that_times_out_gives_its_place_back() {
    let (inside, again) = after_a_request_that(|gate| async move {
        let (entered, _) = tokio::sync::oneshot::channel();
        let request = stuck_request(gate.clone(), entered);
        let timed_out = tokio::time::timeout(Duration::from_secs(1), request).await;
        assert!(timed_out.is_err(), "the stuck request should time out");
    });
    assert_eq!(
        inside, 0,
        "a request holding a pass timed out (its future was dropped): its place should come \
         back, and inside() said {inside}"
    );
    assert!(
        again,
        "after the timed-out request, the next caller should be let in"
    );
}

#[test]
fn a_request_that_panics_gives_its_place_back() {
    let (inside, again) = after_a_request_that(|gate| async move {
        let request = tokio::spawn(async move {
            let _pass = gate
                .try_enter()
                .expect("an empty gate should let a caller in");
            panic!("a request that panics (this panic is part of the test)");
        });
        assert!(request.await.is_err(), "the request should have panicked");
    });
    assert_eq!(
        inside, 0,
        "a request holding a pass panicked: its place should come back (the pass is dropped \
         as the panic unwinds), and inside() said {inside}"
    );
    assert!(
        again,
        "after the request that panicked, the next caller should be let in"
    );
}

/// How many threads knock at the gate at once in the crowd test, how many times each in a
/// round, and how many rounds at most.
const KNOCKERS: usize = 4;
const KNOCKS: u64 = 1_000_000;
const ROUNDS: usize = 3;

/// One round of the crowd test: `KNOCKERS` threads knock `KNOCKS` times each at a new gate
/// of one place, entering and leaving at once. Returns the refusals the gate counted, the
/// refusals the threads got, and the passes still out.
fn crowd_round() -> (u64, u64, usize) {
    let gate = Arc::new(Gate::new(1, Duration::from_secs(1)));
    let start = Arc::new(std::sync::Barrier::new(KNOCKERS));
    let knockers: Vec<_> = (0..KNOCKERS)
        .map(|_| {
            let (gate, start) = (gate.clone(), start.clone());
            std::thread::spawn(move || {
                start.wait();
                let mut refused = 0;
                for _ in 0..KNOCKS {
                    match gate.try_enter() {
                        Ok(pass) => drop(pass),
                        Err(_) => refused += 1,
                    }
                }
                refused
            })
        })
        .collect();
    let got: u64 = knockers
        .into_iter()
        .map(|knocker| knocker.join().expect("a knocking thread panicked"))
        .sum();
    (gate.refused(), got, gate.inside())
}

// A race between threads, which no order can be forced on: the gate's parts are tokio's
// semaphore and an atomic, which the model checker cannot see inside. So this test
// repeats: up to three rounds, in each of which four threads knock at a gate of one place
// a million times each, as fast as they can, and count the refusals they got. On a loaded
// 2-core machine, a count made of a load and a separate store lost refusals in the first
// round of every one of 20 runs, and so did a refusal decided by looking at the free
// places before trying to take one (with a tenth of the knocks, one run in ten or
// twenty escaped a round: three rounds of a million leave odds far below that).
#[test]
fn refusals_are_counted_exactly_when_threads_knock_at_once() {
    let (counted, got, inside) = support::timeout_after(Duration::from_secs(60), || {
        let mut round = crowd_round();
        for _ in 1..ROUNDS {
            if round.0 != round.1 || round.2 != 0 {
                break;
            }
            round = crowd_round();
        }
        round
    });
    assert_eq!(
        (counted, inside),
        (got, 0),
        "four threads knocked at a gate of one place, and were told Busy {got} times in all; \
         the gate counted {counted} refusals and has {inside} passes out. A refusal must be \
         counted in one step that no other thread can come between (`fetch_add`, not a \
         `load` and a `store`), and it must be decided by trying to take a place, not by \
         looking at the free places first (another thread can take the place in between)"
    );
}
