//! Tests for exercise 07.4: waking a loop that sleeps in the poller from another thread.
//!
//! The races between the loop and the threads that wake it (a wake that lands while the
//! loop decides to sleep; a result published while the task stores its waker) are checked
//! by loom, a model checker, on a second copy of your module, with a stand-in for the
//! poller whose `notify` and wait loom can see.

use ch07_event_loop::ex02_reactor::Reactor;
use ch07_event_loop::ex04_wakeups::{LoopWaker, block_on, spawn_blocking};
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::task::{Context, Poll, Waker};
use std::thread;
use support::eager::EagerWaker;
use support::loom::Woken;
use support::wakers::FreshWakers;
use support::{timeout, timeout_after, within_patience};

// Your module again, compiled with loom's primitives: in this copy `crate::sync` is
// `support::loom::sync`, so loom controls every lock, atomic and thread it uses, and
// `crate::ex02_reactor::Reactor` is the stand-in below instead of the real poller.
// (What the crate allows a stub, the copy allows too.)
use support::loom::sync;
#[allow(dead_code, unused_variables, unused_imports)]
mod under_loom {
    include!(concat!(env!("OUT_DIR"), "/model/ex04_wakeups.rs"));
}

/// The poller as the model sees it. A real `polling::Poller` waits in the kernel, where
/// loom cannot follow; this one keeps the rules your code relies on, on loom's primitives:
/// a wait that may block ends only when notified (the model has no sockets and no timers),
/// a notification that comes before the wait still ends it ("sticky"), and every wait,
/// blocking or not, uses up the notification it finds.
#[allow(dead_code)]
mod ex02_reactor {
    use crate::sync::{Condvar, Mutex};
    use std::io;
    use std::sync::Arc;
    use std::time::Duration;

    #[derive(Debug)]
    pub struct Reactor {
        /// A notification that no wait has used up yet.
        notified: Mutex<bool>,
        rung: Condvar,
    }

    impl Reactor {
        pub fn new() -> io::Result<Arc<Reactor>> {
            Ok(Arc::new(Reactor {
                notified: Mutex::new(false),
                rung: Condvar::new(),
            }))
        }

        pub fn notify(&self) -> io::Result<()> {
            *self.notified.lock().unwrap() = true;
            self.rung.notify_all();
            Ok(())
        }

        pub fn react(&self, timeout: Option<Duration>) -> io::Result<usize> {
            let mut notified = self.notified.lock().unwrap();
            if timeout != Some(Duration::ZERO) {
                while !*notified {
                    notified = self.rung.wait(notified).unwrap();
                }
            }
            *notified = false;
            Ok(0)
        }

        pub fn wait_timeout(&self, block: bool) -> Option<Duration> {
            (!block).then_some(Duration::ZERO)
        }

        pub fn turn(&self, block: bool) -> io::Result<usize> {
            self.react(self.wait_timeout(block))
        }
    }
}

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
        within_patience(|| reactor.is_waiting()),
        "the loop never waited in the poller: does it turn the reactor (and does react wait \
         through Reactor::wait_for_events)?"
    );
}

/// A closure for `spawn_blocking` that finishes with `value` only when the test says so.
fn held_back<T: Send + 'static>(value: T) -> (mpsc::Sender<()>, impl FnOnce() -> T + Send) {
    let (go, wait) = mpsc::channel::<()>();
    (go, move || {
        let _ = wait.recv();
        value
    })
}

/// The message of a panic's payload.
fn message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(a panic without a message)".to_string())
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
        assert_eq!(answer, 42, "block_on must return the closure's result");
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
fn block_on_polls_the_future_only_when_it_was_woken() {
    // The loop wakes up for a notification that is nobody's wake (on a real runtime: an
    // event for another task's socket, a timer of another task). The future was not
    // woken, so it must not be polled: the loop goes back to sleep.
    let (polls, slept_again) = timeout(|| {
        let reactor = Reactor::new().unwrap();
        let shared: Arc<Mutex<(bool, Option<Waker>)>> = Arc::default();
        let ours = shared.clone();
        let (future, polls) = counted(std::future::poll_fn(move |cx| {
            let mut state = ours.lock().unwrap();
            if state.0 {
                return Poll::Ready(());
            }
            state.1 = Some(cx.waker().clone());
            Poll::Pending
        }));
        let theirs = reactor.clone();
        let helper = thread::spawn(move || {
            until_the_loop_sleeps(&theirs);
            theirs.notify().unwrap();
            let slept_again = within_patience(|| theirs.waits() >= 2 && theirs.is_waiting());
            let waker = {
                let mut state = shared.lock().unwrap();
                state.0 = true;
                state.1.take()
            };
            waker.expect("the future left its waker").wake();
            slept_again
        });
        block_on(&reactor, future);
        let slept_again = helper.join().unwrap();
        (polls.load(Ordering::SeqCst), slept_again)
    });
    assert!(
        slept_again,
        "after a notification that woke nobody, the loop did not go back to sleep in the \
         poller"
    );
    assert_eq!(
        polls, 2,
        "block_on polled the future {polls} times; once to start and once after its wake \
         are all it needed. The loop woke up for a notification that was nobody's wake and \
         polled the future anyway: poll it only when its flag was set"
    );
}

#[test]
fn block_on_returns_at_once_when_the_future_is_ready() {
    timeout(|| {
        let reactor = Reactor::new().unwrap();
        let (future, polls) = counted(async { "ready" });
        assert_eq!(
            block_on(&reactor, future),
            "ready",
            "block_on must return the future's output"
        );
        assert_eq!(
            polls.load(Ordering::SeqCst),
            1,
            "a future that is ready at once is polled once"
        );
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
        assert_eq!(total, 30, "three closures gave 0, 10 and 20");
    });
}

#[test]
fn a_panic_in_the_closure_reaches_the_awaiting_task() {
    // The closure panics only after the task has polled and left its waker: the panic
    // must travel through the slot and the wake, like a result.
    let outcome = timeout(|| {
        let (go, wait) = mpsc::channel::<()>();
        let mut blocking = FreshWakers::new(spawn_blocking(move || -> u32 {
            let _ = wait.recv();
            panic!("the closure failed")
        }));
        assert!(
            blocking.poll().is_pending(),
            "the closure has not run yet: Pending"
        );
        go.send(()).unwrap();
        assert!(
            blocking.wait_for_wake(),
            "the closure panicked and the task that awaits it was never woken: catch the \
             panic on the closure's thread (catch_unwind), store it as the result, and wake \
             the task as for a value"
        );
        catch_unwind(AssertUnwindSafe(|| blocking.poll())).map_err(|p| message(&*p))
    });
    match outcome {
        Ok(poll) => panic!(
            "the closure panicked, but polling its future gave {poll:?}: the panic must be \
             resumed in the awaiting task (resume_unwind)"
        ),
        Err(message) => assert!(
            message.contains("the closure failed"),
            "the awaiting task panicked with {message:?} instead of the closure's own panic \
             (\"the closure failed\"): resume the payload that catch_unwind caught"
        ),
    }
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
        assert_eq!(answer, "done", "block_on must return the future's output");
        assert_eq!(
            (reactor.waits(), reactor.non_blocking_waits()),
            (1, 1),
            "after a future woke itself, the loop should ask the poller once with a zero \
             timeout (check the flag before you sleep), then poll the future again"
        );
    });
}

#[test]
fn a_blocking_future_wakes_the_waker_of_its_latest_poll() {
    // Polled twice before the closure finishes, each time with a waker it has never seen
    // (as a future moved into another task is): only the latest may be woken.
    timeout(|| {
        let (go, work) = held_back(42);
        let mut blocking = FreshWakers::new(spawn_blocking(work));
        assert!(blocking.poll().is_pending(), "the closure has not finished");
        assert!(blocking.poll().is_pending(), "the closure has not finished");
        go.send(()).unwrap();
        assert!(
            blocking.wait_for_wake(),
            "the closure finished and the waker of the latest poll was never woken ({} \
             wakes of an older one): each poll that returns Pending must leave its own \
             waker in the slot, replacing the one before",
            blocking.stale_wakes()
        );
        assert_eq!(
            blocking.stale_wakes(),
            0,
            "the closure woke the waker of an earlier poll too"
        );
        assert_eq!(
            blocking.poll(),
            Poll::Ready(42),
            "woken, the future must be ready with the closure's result"
        );
    });
}

#[test]
fn the_blocking_thread_wakes_the_task_after_releasing_the_lock() {
    // The task's waker has it polled at once on another thread, as a multi-threaded
    // executor may: that poll needs the slot's lock. If the closure's thread still holds
    // it while it wakes, the poll cannot run until the wake returns.
    let (stuck, polled) = timeout(|| {
        let (go, work) = held_back(42);
        let blocking = Arc::new(Mutex::new(spawn_blocking(work)));
        let polled: Arc<Mutex<Option<Poll<i32>>>> = Arc::default();
        let (theirs, seen) = (blocking.clone(), polled.clone());
        let (eager, waker) = EagerWaker::new(move || {
            let poll = Pin::new(&mut *theirs.lock().unwrap())
                .poll(&mut Context::from_waker(Waker::noop()));
            *seen.lock().unwrap() = Some(poll);
        });
        let first = Pin::new(&mut *blocking.lock().unwrap()).poll(&mut Context::from_waker(&waker));
        assert!(first.is_pending(), "the closure has not finished");
        go.send(()).unwrap();
        assert!(
            within_patience(|| eager.wakes() == 1),
            "the closure finished and the task was never woken"
        );
        assert!(
            within_patience(|| polled.lock().unwrap().is_some()),
            "the task's poll never finished"
        );
        let polled = polled.lock().unwrap().take();
        (eager.stuck(), polled)
    });
    assert_eq!(
        stuck, 0,
        "the task, polled on another thread as soon as it was woken, could not take the \
         slot's lock while the wake ran: the closure's thread called the waker while it \
         still held the lock. Store the result and take the waker under the lock, then \
         wake after releasing it"
    );
    assert_eq!(
        polled,
        Some(Poll::Ready(42)),
        "polled after its wake, the future must be ready with the closure's result"
    );
}

/// A value sent from one thread to a task, made of the model's primitives (the test's
/// own, correct by construction: stored and woken under one lock).
struct OneValue {
    state: sync::Mutex<(Option<u32>, Option<Waker>)>,
}

impl OneValue {
    fn send(&self, value: u32) {
        let waker = {
            let mut state = self.state.lock().unwrap();
            state.0 = Some(value);
            state.1.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

struct Receive(Arc<OneValue>);

impl Future for Receive {
    type Output = u32;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
        let mut state = self.0.state.lock().unwrap();
        match state.0.take() {
            Some(value) => Poll::Ready(value),
            None => {
                state.1 = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

#[test]
fn no_interleaving_loses_a_wake_that_comes_while_the_loop_goes_to_sleep() {
    timeout_after(support::loom::LIMIT, || {
        support::loom::check(
            "a value was sent from another thread and its wake reached the loop, yet \
             block_on slept on in the poller with the future ready. The waker must set the \
             flag *before* it notifies the poller (a loop that gets up for the notification \
             must find the flag set), and block_on must look at the flag before it sleeps",
            || {
                let reactor = ex02_reactor::Reactor::new().unwrap();
                let value = Arc::new(OneValue {
                    state: sync::Mutex::new((None, None)),
                });
                let theirs = value.clone();
                let sender = sync::thread::spawn(move || theirs.send(42));
                let got = under_loom::block_on(&reactor, Receive(value));
                assert_eq!(got, 42, "block_on must return the value sent");
                sender.join().unwrap();
            },
        )
    });
}

#[test]
fn no_interleaving_of_the_closure_s_thread_and_the_polls_loses_the_result() {
    timeout_after(support::loom::LIMIT, || {
        support::loom::check(
            "the closure's thread published its result and the task, polled twice with two \
             different wakers, was never woken with the result there. The thread must store \
             the result and take the waker in one locked step (then wake); the poll must \
             take the result or store its waker under that same lock, and always the waker \
             of the latest poll",
            || {
                let mut blocking = under_loom::spawn_blocking(|| 42);
                let (_, first) = Woken::new();
                let (second, latest) = Woken::new();
                let mut poll =
                    |waker: &Waker| Pin::new(&mut blocking).poll(&mut Context::from_waker(waker));
                if let Poll::Ready(value) = poll(&first) {
                    assert_eq!(
                        value, 42,
                        "the future must be ready with the closure's result"
                    );
                    return;
                }
                if poll(&latest).is_pending() {
                    second.wait_for(1);
                    assert_eq!(
                        poll(&latest),
                        Poll::Ready(42),
                        "woken, the future must be ready with the closure's result"
                    );
                }
            },
        )
    });
}

#[test]
fn no_interleaving_of_block_on_and_a_blocking_closure_loses_the_wake() {
    timeout_after(support::loom::LIMIT, || {
        support::loom::check(
            "block_on slept on in the poller after the closure's thread had finished: \
             somewhere between the closure's result, the slot's waker, the loop's flag and \
             the notification, a wake was lost",
            || {
                let reactor = ex02_reactor::Reactor::new().unwrap();
                let got = under_loom::block_on(&reactor, under_loom::spawn_blocking(|| 6 * 7));
                assert_eq!(got, 42, "block_on must return the closure's result");
            },
        )
    });
}
