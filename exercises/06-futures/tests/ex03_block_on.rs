//! Tests for exercise 06.3: `block_on`.
//!
//! The futures here count their polls and their wakes, and panic if they are polled again
//! without having been woken: a `block_on` that polls in a loop instead of parking fails.
//! A thread that runs `block_on` is watched through the kernel while its future waits,
//! and the kernel's scheduler is made to stop a waking thread right after its `unpark`,
//! so that the order of the flag and the unpark shows every time.

use ch06_futures::ex03_block_on::block_on;
use std::future::{Future, poll_fn};
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::Duration;
use support::held_wake::hold_each_wake_up;
use support::sched::{self, assert_parks, spawn_watched};
use support::wakers::Gate;
use support::{PATIENCE, timeout, timeout_after, within_patience};

/// How it wakes itself after its first poll.
#[derive(Clone, Copy)]
enum Wake {
    /// Never: the waker is dropped.
    Never,
    /// Never; but the poll unparks the thread that polls it, as anything else in the
    /// process may (and as `park`'s own spurious wake-ups do): `park` then returns with
    /// nobody having called the waker.
    NeverButAStrayUnpark,
    /// Inside `poll`, before returning `Pending` (like a yield).
    DuringPoll,
    /// From another thread, which has finished waking before `poll` returns.
    FromAThreadBeforePending,
    /// From another thread, some time after `poll` has returned.
    FromAThreadLater,
}

/// Pending once, then ready with 7. Counts polls and wakes (shared with the test).
struct Scripted {
    how: Wake,
    polls: Arc<AtomicUsize>,
    wakes: Arc<AtomicUsize>,
}

impl Scripted {
    fn new(how: Wake) -> (Self, Arc<AtomicUsize>) {
        let polls = Arc::new(AtomicUsize::new(0));
        let future = Self {
            how,
            polls: Arc::clone(&polls),
            wakes: Arc::new(AtomicUsize::new(0)),
        };
        (future, polls)
    }
}

impl Future for Scripted {
    type Output = u32;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
        let polls = self.polls.fetch_add(1, Ordering::SeqCst) + 1;
        if polls == 1 {
            let waker = cx.waker().clone();
            let wakes = Arc::clone(&self.wakes);
            match self.how {
                Wake::Never => drop(waker),
                Wake::NeverButAStrayUnpark => {
                    drop(waker);
                    thread::current().unpark();
                }
                Wake::DuringPoll => {
                    wakes.fetch_add(1, Ordering::SeqCst);
                    waker.wake();
                }
                Wake::FromAThreadBeforePending => thread::spawn(move || {
                    wakes.fetch_add(1, Ordering::SeqCst);
                    waker.wake();
                })
                .join()
                .unwrap(),
                Wake::FromAThreadLater => drop(thread::spawn(move || {
                    thread::sleep(Duration::from_millis(50));
                    wakes.fetch_add(1, Ordering::SeqCst);
                    waker.wake();
                })),
            }
            return Poll::Pending;
        }
        assert!(
            self.wakes.load(Ordering::SeqCst) > 0,
            "polled a second time without having been woken: block_on must park the \
             thread until the waker is called, not poll in a loop"
        );
        Poll::Ready(7)
    }
}

#[test]
fn a_ready_future_gives_its_output() {
    assert_eq!(timeout(|| block_on(async { 6 * 7 })), 42);
}

#[test]
fn a_future_woken_once_from_another_thread_is_polled_twice() {
    let (out, polls) = timeout(|| {
        let (future, polls) = Scripted::new(Wake::FromAThreadLater);
        (block_on(future), polls.load(Ordering::SeqCst))
    });
    assert_eq!(out, 7);
    assert_eq!(
        polls, 2,
        "woken once, the future must be polled exactly twice: once before, once after"
    );
}

#[test]
fn a_wake_during_the_poll_is_not_lost() {
    let (out, polls) = timeout_after(PATIENCE, || {
        let (future, polls) = Scripted::new(Wake::DuringPoll);
        (block_on(future), polls.load(Ordering::SeqCst))
    });
    assert_eq!((out, polls), (7, 2));
}

#[test]
fn a_wake_from_another_thread_before_the_park_is_not_lost() {
    let (out, polls) = timeout_after(PATIENCE, || {
        let (future, polls) = Scripted::new(Wake::FromAThreadBeforePending);
        (block_on(future), polls.load(Ordering::SeqCst))
    });
    assert_eq!(
        (out, polls),
        (7, 2),
        "the wake came before block_on parked: it must still count"
    );
}

/// Runs `block_on(future)` for a short while, for a future nobody will ever wake: it must
/// still be asleep when the limit ends it, so this gives the limit's message (or the
/// message of whatever failed first).
fn message_of_a_block_on_never_woken(future: Scripted) -> String {
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
        timeout_after(Duration::from_millis(300), move || block_on(future))
    }));
    match outcome {
        Ok(out) => panic!("block_on returned {out} from a future that was never woken"),
        Err(payload) => payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default(),
    }
}

#[test]
fn a_future_never_woken_ends_in_the_deadlock_message_after_one_poll() {
    let (future, polls) = Scripted::new(Wake::Never);
    let message = message_of_a_block_on_never_woken(future);
    assert!(
        message.contains("probably a deadlock"),
        "a future that is never woken must leave block_on asleep, so that the course's \
         time limit reports \"probably a deadlock\"; it failed with: {message}"
    );
    assert_eq!(
        polls.load(Ordering::SeqCst),
        1,
        "never woken, the future must be polled once"
    );
}

#[test]
fn a_stray_unpark_does_not_poll_a_future_nobody_woke() {
    let (future, polls) = Scripted::new(Wake::NeverButAStrayUnpark);
    let message = message_of_a_block_on_never_woken(future);
    assert!(
        message.contains("probably a deadlock") && polls.load(Ordering::SeqCst) == 1,
        "the future unparked block_on's thread without calling its waker (anything in the \
         process may unpark a thread, and `park` may also return for no reason at all): \
         block_on must look at its `woken` flag whenever `park` returns and park again \
         while it is not set (`while`, not `if`), so the future is polled once and the \
         thread sleeps until the course's time limit. It was polled {} times, and failed \
         with: {message}",
        polls.load(Ordering::SeqCst)
    );
}

#[test]
fn block_on_sleeps_in_the_kernel_while_its_future_waits() {
    let (out, polls) = timeout(|| {
        let gate = Gate::default();
        let theirs = gate.clone();
        let polls = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&polls);
        let blocked = spawn_watched("block_on", move || {
            block_on(poll_fn(move |cx| {
                counted.fetch_add(1, Ordering::SeqCst);
                let mut waiting = Box::pin(theirs.wait());
                waiting.as_mut().poll(cx).map(|()| 7)
            }))
        });
        assert_parks(
            blocked.tid,
            "the future's waker",
            "Between polls, block_on must park (`thread::park`) until the waker unparks \
             it; `yield_now` in a loop, or `park_timeout` and a look at the flag, keep the \
             thread awake for as long as the future waits.",
        );
        gate.open();
        let out = blocked.thread.join().expect("block_on panicked");
        (out, polls.load(Ordering::SeqCst))
    });
    assert_eq!(
        (out, polls),
        (7, 2),
        "woken once by the gate, the future is polled twice and gives its output"
    );
}

#[test]
fn a_thread_woken_the_instant_it_is_unparked_finds_the_flag_set() {
    let (returned, polls) = timeout(|| {
        let (hand_over, waker) = mpsc::channel();
        let polls = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&polls);
        let blocked = spawn_watched("block_on", move || {
            block_on(poll_fn(move |cx| {
                if counted.fetch_add(1, Ordering::SeqCst) == 0 {
                    hand_over.send(cx.waker().clone()).unwrap();
                    Poll::Pending
                } else {
                    Poll::Ready(())
                }
            }))
        });
        let waker: Waker = waker.recv().expect("block_on never polled the future");
        sched::wait_until_asleep(blocked.tid, "block_on should now be parked, waiting");
        // The wake runs on a thread held at the return of its `unpark` until block_on's
        // thread has run and sleeps again (Linux; elsewhere the scene is not forced, and
        // only a right answer's behaviour is checked). A flag set *after* the unpark is
        // not set yet when block_on looks.
        hold_each_wake_up(blocked.tid, move || waker.wake());
        let returned = within_patience(|| blocked.thread.is_finished());
        (returned, polls.load(Ordering::SeqCst))
    });
    assert!(
        returned,
        "the future was woken while block_on was parked, and block_on never polled it \
         again (polled {polls} time(s)): the thread woken by `unpark` ran at once, found \
         the `woken` flag not yet set, and parked again, and the flag set afterwards had no \
         unpark left to announce it. In `wake`, set the flag first, then unpark"
    );
}
