//! Tests for exercise 06.5: a single-threaded executor with `spawn`, `JoinHandle` and `run`.
//!
//! Tasks count their polls: an executor polls a task again only after it was woken.

use ch06_futures::ex05_executor::{Executor, JoinHandle, yield_now};
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::thread;
use support::timeout;

/// A gate a task can wait at; opening it wakes the waiting task.
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
    async fn wait(&self) {
        poll_fn(|cx| {
            let mut state = self.0.lock().unwrap();
            if state.0 {
                Poll::Ready(())
            } else {
                state.1 = Some(cx.waker().clone());
                Poll::Pending
            }
        })
        .await
    }
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
