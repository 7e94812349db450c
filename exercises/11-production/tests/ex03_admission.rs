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
//! aborted, a timeout), and count what the gate says. Callers who come at the same moment
//! are checked twice: by loom, a model checker that runs a second copy of your module and
//! tries every interleaving of two callers' steps on the gate's atomics, and by a crowd of
//! threads for what loom cannot see (the inside of tokio's semaphore).

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

// Your module again, compiled with loom's atomics: in this copy `crate::sync` is
// `support::loom::sync`, so loom sees every load and store the gate makes on them.
use support::loom::sync;
// (Allowed as in the chapter's lib.rs: the stub leaves its parameters unused.)
#[allow(dead_code, unused_variables, unused_imports)]
mod under_loom {
    include!(concat!(env!("OUT_DIR"), "/model/ex03_admission.rs"));
}

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
fn a_gate_emptied_again_and_again_keeps_exactly_its_capacity() {
    // Each round: six callers come, none leaving, and then every pass is dropped.
    let rounds = support::timeout(|| {
        let gate = Gate::new(2, RETRY);
        (0..3)
            .map(|_| {
                let passes: Vec<Pass> = (0..6).filter_map(|_| enter(&gate)).collect();
                let (let_in, inside_while_held) = (passes.len(), gate.inside());
                drop(passes);
                (let_in, inside_while_held, gate.inside())
            })
            .collect::<Vec<_>>()
    });
    assert_eq!(
        rounds,
        [(2, 2, 0); 3],
        "three rounds at a gate of 2 places: 6 callers come, then every pass is dropped. Each \
         round should let 2 in, inside() should say 2 while they are in and 0 once they have \
         left; (let in, inside while held, inside after) were {rounds:?}. A pass gives back \
         its own place, once: not more (the gate grows), not less (it shrinks)"
    );
}

#[test]
fn refused_says_every_refusal_so_far_each_time_it_is_asked() {
    let counts = support::timeout(|| {
        let gate = Gate::new(1, RETRY);
        let _inside = enter(&gate);
        let _ = gate.try_enter();
        let _ = gate.try_enter();
        let (first, second) = (gate.refused(), gate.refused());
        let _ = gate.try_enter();
        [first, second, gate.refused()]
    });
    assert_eq!(
        counts,
        [2, 2, 3],
        "after two refusals refused() should say 2, and 2 again when asked again, then 3 \
         after one more; it said {counts:?}. It counts every refusal since the gate was made: \
         reading it does not reset it"
    );
}

#[test]
fn a_refusal_never_puts_the_caller_to_sleep() {
    // The kernel counts the times a thread goes to sleep (a sleep, a blocking lock, a
    // wait): a refusal that waits a little first, or waits for a lock, adds one each
    // time; one that answers at once adds none. No clock involved. (Linux only: elsewhere
    // the count is not to be had, and this test checks the refusals alone.)
    let (refusals, sleeps) = support::timeout(|| {
        let gate = Gate::new(1, RETRY);
        let _inside = enter(&gate);
        let tid = support::sched::current_tid();
        let before = support::sched::sleeps_so_far(tid);
        let refusals = (0..100).filter(|_| gate.try_enter().is_err()).count();
        let after = support::sched::sleeps_so_far(tid);
        (refusals, before.zip(after).map(|(b, a)| a - b))
    });
    assert_eq!(refusals, 100, "a full gate should refuse all 100 callers");
    if let Some(sleeps) = sleeps {
        assert!(
            sleeps < 50,
            "100 callers were refused, and the calling thread went to sleep {sleeps} times \
             while they were: a full gate says Busy at once, it never waits (not a short \
             sleep, not a lock someone else may hold, not a second try later)"
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

#[test]
fn no_interleaving_of_two_refused_callers_loses_a_refusal() {
    // A full gate, and two callers refused at the same moment on two threads. Loom runs
    // this again and again, until every order of the two threads' steps on the gate's
    // atomics has been tried: a count made of a load and a separate store loses one of
    // the two refusals in one of those orders, every time.
    support::timeout_after(support::loom::LIMIT, || {
        support::loom::check(
            "two callers were refused at the same moment and the gate counted fewer than \
             two refusals: count each in one step that no other thread can come between \
             (`fetch_add`, not a `load` and a `store`). (The gate's atomics must come from \
             `crate::sync`, as the given import has them, for the model checker to see them.)",
            || {
                let gate = sync::Arc::new(under_loom::Gate::new(1, RETRY));
                let _inside = gate
                    .try_enter()
                    .expect("an empty gate should let the first caller in");
                let other = {
                    let gate = sync::Arc::clone(&gate);
                    sync::thread::spawn(move || gate.try_enter().is_err())
                };
                let refused_here = gate.try_enter().is_err();
                let refused_there = other.join().unwrap();
                assert!(
                    refused_here && refused_there,
                    "a gate of one place, that place taken, should refuse both callers"
                );
                assert_eq!(gate.refused(), 2, "two callers were refused");
            },
        )
    });
}

/// Two callers on two threads at a gate of `capacity` places, under loom: both are let in
/// if there are two places, one if there is one, and what the gate says agrees.
fn two_callers_race_at(capacity: usize) {
    let gate = sync::Arc::new(under_loom::Gate::new(capacity, RETRY));
    let other = {
        let gate = sync::Arc::clone(&gate);
        sync::thread::spawn(move || gate.try_enter())
    };
    let here = gate.try_enter();
    let there = other.join().unwrap();
    let let_in = usize::from(here.is_ok()) + usize::from(there.is_ok());
    assert_eq!(
        let_in,
        capacity.min(2),
        "two callers came at the same moment to a gate of {capacity} place(s)"
    );
    assert_eq!(gate.inside(), let_in, "inside() with {let_in} passes out");
    assert_eq!(
        gate.refused(),
        (2 - let_in) as u64,
        "refused() after the race"
    );
    drop((here, there));
    assert_eq!(gate.inside(), 0, "inside() once both passes were dropped");
}

#[test]
fn no_interleaving_of_two_callers_lets_both_into_one_place() {
    support::timeout_after(support::loom::LIMIT, || {
        support::loom::check(
            "two callers came at the same moment to a gate of one place, and both were let \
             in (or the gate's counts disagreed): a place must be taken in one step that no \
             other thread can come between, not by looking at a count and then adding to it \
             (`try_acquire_owned` on tokio's semaphore does it for you)",
            || two_callers_race_at(1),
        )
    });
}

#[test]
fn no_interleaving_of_two_callers_refuses_one_of_two_free_places() {
    support::timeout_after(support::loom::LIMIT, || {
        support::loom::check(
            "two callers came at the same moment to a gate of two free places, and one was \
             refused (or the gate's counts disagreed): a caller that loses a race for a place \
             must try again while places are free, not give up (a single `compare_exchange` \
             fails whenever another caller changed the count first)",
            || two_callers_race_at(2),
        )
    });
}

#[test]
fn no_interleaving_of_a_caller_coming_and_going_shows_a_wrong_inside() {
    support::timeout_after(support::loom::LIMIT, || {
        support::loom::check(
            "while one caller entered a gate of one place and left it on another thread, \
             inside() said something other than 0 or 1 (or panicked): read what is inside \
             in one step, not as the difference of two counts read one after the other",
            || {
                let gate = sync::Arc::new(under_loom::Gate::new(1, RETRY));
                let other = {
                    let gate = sync::Arc::clone(&gate);
                    sync::thread::spawn(move || drop(gate.try_enter()))
                };
                let seen = gate.inside();
                other.join().unwrap();
                assert!(seen <= 1, "inside() said {seen}");
                assert_eq!(gate.inside(), 0, "inside() once the caller had left");
            },
        )
    });
}

#[test]
fn no_interleaving_of_a_refusal_and_a_caller_leaving_loses_a_place() {
    support::timeout_after(support::loom::LIMIT, || {
        support::loom::check(
            "one caller entered a gate of one place and left it on another thread while a \
             second caller came, and afterwards the empty gate said someone was inside or \
             let nobody in: a place was lost. A refused caller must undo exactly what it did \
             to the count (`fetch_sub` of its own add), not set the count to a value it \
             computed (another caller may have left in between)",
            || {
                let gate = sync::Arc::new(under_loom::Gate::new(1, RETRY));
                let other = {
                    let gate = sync::Arc::clone(&gate);
                    sync::thread::spawn(move || drop(gate.try_enter()))
                };
                drop(gate.try_enter());
                other.join().unwrap();
                assert_eq!(gate.inside(), 0, "inside() once both callers had left");
                assert!(gate.try_enter().is_ok(), "the empty gate let nobody in");
            },
        )
    });
}

// What loom cannot see: a refusal decided inside tokio's semaphore, whose atomics are
// std's. A caller that looks at the free places before trying to take one can find a
// place that another thread takes in between. No order can be forced on two threads in
// there, so this test repeats: up to three rounds, in each of which four threads knock at
// a gate of one place a million times each, as fast as they can, and count the refusals
// they got. On a loaded 2-core machine, a refusal decided by looking first lost refusals
// in the first round of every one of 20 runs, and so did a count made of a load and a
// store (which loom also catches, above); with a tenth of the knocks, one run in ten or
// twenty escaped a round: three rounds of a million leave odds far below that.
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
