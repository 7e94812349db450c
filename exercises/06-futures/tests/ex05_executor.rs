//! Tests for exercise 06.5: a single-threaded executor with `spawn`, `JoinHandle` and `run`.
//!
//! Tasks count their polls: an executor polls a task again only after it was woken. The
//! races between `run` and wakes from other threads are checked by loom, a model checker,
//! on a second copy of your module.

use ch06_futures::ex05_executor::{Executor, JoinHandle, yield_now};
use std::future::{Future, poll_fn};
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::thread;
use support::loom::Woken;
use support::wakers::{FreshWakers, Gate};
use support::{timeout, timeout_after};

// Your module again, compiled with loom's primitives: in this copy `crate::sync` is
// `support::loom::sync`, so loom controls every lock and atomic it uses.
use support::loom::sync;
// (The stub's copy leaves its parameters and imports unused until you write the bodies.)
#[allow(dead_code, unused_imports, unused_variables)]
mod under_loom {
    include!(concat!(env!("OUT_DIR"), "/model/ex05_executor.rs"));
}

/// Wraps a future and counts how many times it is polled.
struct Counted<F> {
    future: Pin<Box<F>>,
    polls: Arc<AtomicUsize>,
}

fn counted<F: Future>(future: F) -> (Counted<F>, Arc<AtomicUsize>) {
    let polls = Arc::new(AtomicUsize::new(0));
    let counted = Counted {
        future: Box::pin(future),
        polls: Arc::clone(&polls),
    };
    (counted, polls)
}

impl<F: Future> Future for Counted<F> {
    type Output = F::Output;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.polls.fetch_add(1, Ordering::SeqCst);
        self.future.as_mut().poll(cx)
    }
}

/// The output of a handle whose task has finished (polled once, with a no-op waker); a
/// panic as its message and its `Display`.
fn output<T>(mut handle: JoinHandle<T>) -> Result<T, (String, String)> {
    match Pin::new(&mut handle).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(result) => result.map_err(|e| (e.message().to_string(), e.to_string())),
        Poll::Pending => panic!("run returned but this task's handle has no result yet"),
    }
}

#[test]
fn nothing_runs_before_run_then_handles_give_the_outputs() {
    let (ran_early, pending, a, b) = timeout(|| {
        let executor = Executor::new();
        let ran = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&ran);
        let a = executor.spawn(async move {
            flag.store(true, Ordering::SeqCst);
            "a"
        });
        let b = executor.spawn(async { 2 + 2 });
        let ran_early = ran.load(Ordering::SeqCst);
        let pending = executor.run();
        (ran_early, pending, output(a), output(b))
    });
    assert!(
        !ran_early,
        "spawn only queues the task: it runs when run() is called"
    );
    assert_eq!(
        pending, 0,
        "both tasks finished: run returns 0 tasks pending"
    );
    assert_eq!((a, b), (Ok("a"), Ok(4)));
}

#[test]
fn tasks_take_turns_in_the_order_they_were_woken() {
    let log = timeout(|| {
        let executor = Executor::new();
        let log = Arc::new(Mutex::new(Vec::new()));
        for name in ["a", "b", "c"] {
            let log = Arc::clone(&log);
            executor.spawn(async move {
                for step in 1..=2 {
                    log.lock().unwrap().push(format!("{name}{step}"));
                    yield_now().await;
                }
            });
        }
        executor.run();
        Arc::try_unwrap(log).unwrap().into_inner().unwrap()
    });
    assert_eq!(
        log,
        ["a1", "b1", "c1", "a2", "b2", "c2"],
        "the run queue is first in, first out: a task that yields goes to the back"
    );
}

#[test]
fn a_waiting_task_is_polled_only_when_woken() {
    let polls = timeout(|| {
        let executor = Executor::new();
        let gate = Gate::default();
        let theirs = gate.clone();
        let (waiter, polls) = counted(async move { theirs.wait().await });
        executor.spawn(waiter);
        executor.spawn(async move {
            for _ in 0..5 {
                yield_now().await;
            }
            gate.open();
        });
        assert_eq!(executor.run(), 0, "both tasks should finish");
        polls.load(Ordering::SeqCst)
    });
    assert_eq!(
        polls, 2,
        "the waiting task was woken once, so it must be polled twice (before and after), \
         however many times the other task yielded meanwhile: re-queue a task only when \
         its waker is called"
    );
}

#[test]
fn run_returns_when_no_task_can_progress_and_a_later_wake_requeues_the_task() {
    let (first, second, done) = timeout(|| {
        let executor = Executor::new();
        let gate = Gate::default();
        let theirs = gate.clone();
        let done = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&done);
        executor.spawn(async move {
            theirs.wait().await;
            flag.store(true, Ordering::SeqCst);
        });
        let first = executor.run();
        // The wake comes from another thread, while run is not running.
        thread::spawn(move || gate.open()).join().unwrap();
        let second = executor.run();
        (first, second, done.load(Ordering::SeqCst))
    });
    assert_eq!(
        first, 1,
        "one task waits at a gate nobody has opened: run must return, with 1 task pending"
    );
    assert_eq!(
        (second, done),
        (0, true),
        "the gate's wake put the task back in the run queue: the next run finishes it"
    );
}

#[test]
fn a_wake_during_the_poll_is_not_lost() {
    let (pending, finished) = timeout(|| {
        let executor = Executor::new();
        let finished = Arc::new(AtomicUsize::new(0));
        let count = Arc::clone(&finished);
        executor.spawn(async move {
            // Woken by itself, inside its poll.
            yield_now().await;
            count.fetch_add(1, Ordering::SeqCst);
        });
        let count = Arc::clone(&finished);
        executor.spawn(async move {
            // Woken from another thread, which has finished before the poll returns.
            let mut first = true;
            poll_fn(|cx| {
                if std::mem::take(&mut first) {
                    let waker = cx.waker().clone();
                    thread::spawn(move || waker.wake()).join().unwrap();
                    Poll::Pending
                } else {
                    Poll::Ready(())
                }
            })
            .await;
            count.fetch_add(1, Ordering::SeqCst);
        });
        (executor.run(), finished.load(Ordering::SeqCst))
    });
    assert_eq!(
        (pending, finished),
        (0, 2),
        "both tasks were woken while they were being polled; such a wake must queue the \
         task again (clear its `scheduled` mark before the poll, not after)"
    );
}

#[test]
fn two_wakes_before_the_next_poll_queue_the_task_once() {
    let polls = timeout(|| {
        let executor = Executor::new();
        let (task, polls) = counted(async {
            let mut first = true;
            poll_fn(|cx| {
                if std::mem::take(&mut first) {
                    cx.waker().wake_by_ref();
                    cx.waker().wake_by_ref();
                }
                Poll::<()>::Pending
            })
            .await
        });
        executor.spawn(task);
        assert_eq!(executor.run(), 1, "the task never finishes");
        polls.load(Ordering::SeqCst)
    });
    assert_eq!(
        polls, 2,
        "two wakes before the task ran again must queue it once: it is polled twice in \
         all, not three times"
    );
}

#[test]
fn a_panicking_task_is_reported_through_its_handle_and_the_others_go_on() {
    let (pending, bad, good) = timeout(|| {
        let executor = Executor::new();
        let bad = executor.spawn(async {
            yield_now().await;
            panic!("task on fire");
        });
        let good = executor.spawn(async {
            for _ in 0..3 {
                yield_now().await;
            }
            "still here"
        });
        (executor.run(), output::<()>(bad), output(good))
    });
    assert_eq!(
        pending, 0,
        "run goes on after a task's panic and finishes the rest"
    );
    assert_eq!(
        bad,
        Err((
            "task on fire".to_string(),
            "the task panicked: task on fire".to_string()
        )),
        "the panic reaches the handle as a JoinError with its message"
    );
    assert_eq!(good, Ok("still here"));
}

#[test]
fn tasks_spawn_tasks_and_await_their_handles() {
    let (pending, out, polls) = timeout(|| {
        let executor = Executor::new();
        let spawner = executor.clone();
        let (parent, polls) = counted(async move {
            let child = spawner.spawn(async {
                for _ in 0..4 {
                    yield_now().await;
                }
                21
            });
            child.await.expect("the child does not panic") * 2
        });
        let handle = executor.spawn(parent);
        (executor.run(), output(handle), polls.load(Ordering::SeqCst))
    });
    assert_eq!(pending, 0);
    assert_eq!(out, Ok(42));
    assert_eq!(
        polls, 2,
        "the parent waits on its child's handle: it must be polled once before and once \
         after the child finishes (the handle keeps the waker and the child's end wakes it)"
    );
}

#[test]
fn a_join_handle_wakes_the_waker_of_its_latest_poll() {
    let (latest, stale, out) = timeout(|| {
        let executor = Executor::new();
        let gate = Gate::default();
        let theirs = gate.clone();
        let mut handle = FreshWakers::new(executor.spawn(async move {
            theirs.wait().await;
            5
        }));
        assert!(handle.poll().is_pending(), "the task has not run yet");
        assert_eq!(executor.run(), 1, "the task waits at the gate");
        // Awaited now by another task, with another waker.
        assert!(
            handle.poll().is_pending(),
            "the task still waits at the gate"
        );
        gate.open();
        assert_eq!(executor.run(), 0, "the gate is open: the task finishes");
        let (latest, stale) = (handle.latest().wakes(), handle.stale_wakes());
        let out = handle.poll();
        (latest, stale, out)
    });
    assert_eq!(
        (latest, stale),
        (1, 0),
        "the handle was polled with one waker, then with another; when the task finished, \
         it woke the latest one {latest} time(s) and older ones {stale} time(s). Keep the \
         waker of the latest poll (replace the old one): whoever awaits the handle now may \
         not be who polled it first"
    );
    assert_eq!(out, Poll::Ready(Ok(5)));
}

/// Ready at its first poll; keeps a clone of its waker where the test can reach it, and
/// records its polls and its drop.
struct LeavesItsWaker {
    waker: Arc<Mutex<Option<Waker>>>,
    polls: Arc<AtomicUsize>,
    dropped: Arc<AtomicBool>,
}

impl Future for LeavesItsWaker {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.polls.fetch_add(1, Ordering::SeqCst);
        *self.waker.lock().unwrap() = Some(cx.waker().clone());
        Poll::Ready(())
    }
}

impl Drop for LeavesItsWaker {
    fn drop(&mut self) {
        self.dropped.store(true, Ordering::SeqCst);
    }
}

#[test]
fn a_finished_task_is_dropped_at_once_and_a_late_wake_does_not_poll_it_again() {
    let (dropped, late, polls) = timeout(|| {
        let executor = Executor::new();
        let (waker, polls, dropped) = (Arc::default(), Arc::default(), Arc::default());
        executor.spawn(LeavesItsWaker {
            waker: Arc::clone(&waker),
            polls: Arc::clone(&polls),
            dropped: Arc::clone(&dropped),
        });
        assert_eq!(executor.run(), 0, "the task is ready at its first poll");
        let dropped = dropped.load(Ordering::SeqCst);
        // Someone kept the task's waker, and calls it now that the task has finished.
        let kept: Waker = waker.lock().unwrap().take().expect("the task was polled");
        kept.wake();
        let late = panic::catch_unwind(AssertUnwindSafe(|| executor.run()));
        (dropped, late, polls.load(Ordering::SeqCst))
    });
    assert!(
        dropped,
        "the task finished, but its future was not dropped although the executor had \
         nothing more to do with it (a waker of the task was still alive): set the task's \
         slot to None when it finishes, so its memory goes at once"
    );
    match late {
        Ok(pending) => assert_eq!(
            (pending, polls),
            (0, 1),
            "a late wake of a finished task may queue it, but must not poll it again (it \
             was polled {polls} times) nor count it as pending"
        ),
        Err(_) => panic!(
            "a late wake of a finished task made run poll it again, and that poll panicked \
             (the futures the compiler writes panic when polled after Ready): a finished \
             task's slot must be None, so that run skips it"
        ),
    }
}

/// A task that is pending at its first poll, handing its waker to a thread of the model
/// that wakes it; ready at its second poll.
fn woken_by_another_thread(
    handle: Arc<Mutex<Option<sync::thread::JoinHandle<()>>>>,
    polls: Arc<AtomicUsize>,
) -> impl Future<Output = ()> + Send + 'static {
    poll_fn(move |cx| {
        if polls.fetch_add(1, Ordering::SeqCst) == 0 {
            let waker = cx.waker().clone();
            *handle.lock().unwrap() = Some(sync::thread::spawn(move || waker.wake()));
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
}

#[test]
fn no_interleaving_of_run_and_a_wake_from_another_thread_loses_the_wake() {
    timeout_after(support::loom::LIMIT, || {
        support::loom::check(
            "a task woken from another thread, during or after its poll, was never polled \
             again: clear its `scheduled` mark before the poll, and let `wake` queue it \
             when it swaps the mark from false to true",
            || {
                let executor = under_loom::Executor::new();
                let (thread, polls) = (Arc::default(), Arc::new(AtomicUsize::new(0)));
                executor.spawn(woken_by_another_thread(
                    Arc::clone(&thread),
                    Arc::clone(&polls),
                ));
                let first = executor.run();
                let waker: Option<sync::thread::JoinHandle<()>> = thread.lock().unwrap().take();
                waker.expect("the task was polled").join().unwrap();
                let left = if first == 0 { 0 } else { executor.run() };
                assert_eq!(
                    (left, polls.load(Ordering::SeqCst)),
                    (0, 2),
                    "woken once, the task is polled twice and finishes"
                );
            },
        )
    });
}

#[test]
fn no_interleaving_of_two_wakes_from_two_threads_queues_the_task_twice() {
    timeout_after(support::loom::LIMIT, || {
        support::loom::check(
            "two threads woke a waiting task at the same time and it was queued twice (polled \
             three times in all): `wake` must look at the `scheduled` mark and set it in one \
             step (`swap`), not read it and then write it",
            || {
                let executor = under_loom::Executor::new();
                let (kept, polls) = (Arc::new(Mutex::new(None)), Arc::new(AtomicUsize::new(0)));
                let (theirs, counted) = (Arc::clone(&kept), Arc::clone(&polls));
                executor.spawn(poll_fn(move |cx| {
                    counted.fetch_add(1, Ordering::SeqCst);
                    *theirs.lock().unwrap() = Some(cx.waker().clone());
                    Poll::<()>::Pending
                }));
                assert_eq!(executor.run(), 1, "the task waits");
                let waker: Waker = kept.lock().unwrap().take().expect("the task was polled");
                let wakers = [waker.clone(), waker];
                let threads = wakers.map(|waker| sync::thread::spawn(move || waker.wake()));
                for thread in threads {
                    thread.join().unwrap();
                }
                assert_eq!(executor.run(), 1, "the task still waits");
                // The task's future keeps its own waker: break the cycle.
                kept.lock().unwrap().take();
                assert_eq!(
                    polls.load(Ordering::SeqCst),
                    2,
                    "two wakes before the next poll queue the task once"
                );
            },
        )
    });
}

#[test]
fn no_interleaving_of_a_task_s_end_and_a_poll_of_its_handle_loses_the_wake() {
    timeout_after(support::loom::LIMIT, || {
        support::loom::check(
            "a JoinHandle polled on another thread while its task finished returned \
             Pending, and nobody woke it: look for the result and leave the waker under one \
             lock (the task could finish in between and find no waker to call)",
            || {
                let executor = under_loom::Executor::new();
                let mut handle = executor.spawn(async { 7 });
                let awaiting = sync::thread::spawn(move || {
                    let (woken, waker) = Woken::new();
                    let mut poll = || Pin::new(&mut handle).poll(&mut Context::from_waker(&waker));
                    match poll() {
                        Poll::Ready(out) => out,
                        Poll::Pending => {
                            woken.wait_for(1);
                            match poll() {
                                Poll::Ready(out) => out,
                                Poll::Pending => panic!("woken by its task, the handle is ready"),
                            }
                        }
                    }
                });
                assert_eq!(executor.run(), 0, "the task is ready at its first poll");
                let out = awaiting.join().unwrap();
                assert_eq!(out.ok(), Some(7), "the handle gives the task's output");
            },
        )
    });
}
