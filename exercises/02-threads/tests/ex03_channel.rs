//! Tests for exercise 02.3: `fan_in`.

use ch02_threads::ex03_channel::fan_in;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::sync::mpsc::Sender;
use std::thread;
use support::{PATIENCE, Rendezvous, sched, timeout};

type Producer<T> = Box<dyn FnOnce(Sender<T>) + Send>;

/// A producer that sends `count` messages `(id, 0)`, `(id, 1)`, … and hangs up.
fn counting(id: usize, count: usize) -> Producer<(usize, usize)> {
    Box::new(move |tx| {
        for n in 0..count {
            tx.send((id, n)).expect("the receiver hung up too early");
        }
    })
}

#[test]
fn every_message_arrives_once_and_in_order_per_producer() {
    let (count, seen) = timeout(|| {
        let mut seen = Vec::new();
        let producers = vec![counting(0, 10), counting(1, 3), counting(2, 7)];
        let count = fan_in(producers, |message| seen.push(message));
        (count, seen)
    });
    assert_eq!(count, 20, "10 + 3 + 7 messages were sent, {count} counted");
    assert_eq!(seen.len(), 20, "10 + 3 + 7 messages were sent");
    for (id, sent) in [(0, 10), (1, 3), (2, 7)] {
        let from_it: Vec<usize> = seen.iter().filter(|m| m.0 == id).map(|m| m.1).collect();
        assert_eq!(
            from_it,
            (0..sent).collect::<Vec<_>>(),
            "producer {id}'s messages must all arrive, in the order it sent them"
        );
    }
}

#[test]
fn the_producers_run_at_the_same_time() {
    let count = timeout(|| {
        let meeting = Arc::new(Rendezvous::new(3));
        let producers: Vec<Producer<usize>> = (0..3)
            .map(|i| {
                let meeting = Arc::clone(&meeting);
                Box::new(move |tx: Sender<usize>| {
                    meeting.meet();
                    tx.send(i).unwrap();
                }) as Producer<usize>
            })
            .collect();
        fan_in(producers, |_| {})
    });
    assert_eq!(
        count, 3,
        "3 producers sent 1 message each, {count} were counted"
    );
}

#[test]
fn messages_are_handled_while_the_producers_still_run() {
    let count = timeout(|| {
        // The producer sends a message and waits until `on_message` has handled it before
        // it goes on. If messages are only read after the producers have finished, the
        // producer waits in vain.
        let handled = Arc::new(Rendezvous::new(2));
        let in_producer = Arc::clone(&handled);
        let producers: Vec<Producer<&str>> = vec![Box::new(move |tx| {
            tx.send("first").unwrap();
            assert!(
                in_producer.try_meet(),
                "the first message was not handled while its producer was still running: \
                 receive as the messages come, not after joining the producers"
            );
            tx.send("second").unwrap();
        })];
        fan_in(producers, |message| {
            if message == "first" {
                handled.meet();
            }
        })
    });
    assert_eq!(count, 2, "two messages were sent");
}

#[test]
fn the_loop_ends_when_every_producer_has_hung_up() {
    let count = timeout(|| {
        // Producers that send nothing and hang up at once. The receiving loop ends only
        // when *every* sender is gone, including the one you made the clones from.
        let producers: Vec<Producer<u8>> = (0..3).map(|_| Box::new(drop) as Producer<u8>).collect();
        fan_in(producers, |_| {})
    });
    assert_eq!(
        count, 0,
        "nothing was sent, yet {count} messages were counted"
    );
}

#[test]
fn with_no_producers_the_loop_ends_at_once() {
    // No producer at all: every producer has hung up before the first `recv`, and the
    // only sender left is the one you made, which no producer took. `fan_in` runs on a
    // thread of its own here, so that a loop that waits for that sender forever is named.
    let count = timeout(|| {
        let (tell, returned) = std::sync::mpsc::channel();
        let caller = thread::spawn(move || {
            let _ = tell.send(fan_in(Vec::<Producer<u8>>::new(), |_| {}));
        });
        match returned.recv_timeout(PATIENCE) {
            Ok(count) => count,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => panic!(
                "with no producers at all, `fan_in` had not returned after {} s: the \
                 receiving loop was waiting for a sender that nobody drops. Drop your own \
                 sender before the loop, whether or not a producer took a clone of it",
                PATIENCE.as_secs()
            ),
            // `fan_in` panicked: its own panic fails the test.
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => match caller.join() {
                Err(panic) => panic::resume_unwind(panic),
                Ok(()) => unreachable!("`fan_in` returned, so its count was sent"),
            },
        }
    });
    assert_eq!(
        count, 0,
        "there were no producers, yet {count} messages were counted"
    );
}

#[test]
fn messages_are_handled_on_the_calling_thread() {
    timeout(|| {
        let caller = thread::current().id();
        let count = fan_in(vec![counting(0, 2), counting(1, 2)], |_| {
            assert_eq!(
                thread::current().id(),
                caller,
                "`on_message` must run on the thread that called `fan_in`"
            );
        });
        assert_eq!(
            count, 4,
            "2 producers sent 2 messages each, {count} were counted"
        );
    });
}

#[test]
fn a_producer_s_panic_reaches_the_caller_with_its_message() {
    let outcome = timeout(|| {
        // Producer 1 sends, hangs up, and then fails. Its channel closes as if it had
        // finished well: only joining its thread tells the caller that it did not.
        let producers: Vec<Producer<u8>> = vec![
            Box::new(|tx| tx.send(0).unwrap()),
            Box::new(|tx| {
                tx.send(1).unwrap();
                drop(tx);
                panic!("producer 1 lost its connection");
            }),
        ];
        panic::catch_unwind(AssertUnwindSafe(|| fan_in(producers, |_| {})))
    });
    match outcome {
        Ok(count) => panic!(
            "producer 1 panicked, yet `fan_in` returned {count} as if all had gone well: join \
             every producer thread, and pass a panic on with `std::panic::resume_unwind`"
        ),
        // The producer's own panic, passed on: right.
        Err(payload)
            if payload.downcast_ref::<&str>() == Some(&"producer 1 lost its connection") => {}
        // Any other panic (a `todo!`, unwrap's message instead of the producer's) fails
        // the test with its own message.
        Err(payload) => panic::resume_unwind(payload),
    }
}

#[test]
fn the_receiver_sleeps_while_no_message_comes() {
    // The producer sends one message, then waits for the test's word before it sends the
    // next. In between, the caller's thread has nothing to do but wait for a message, and
    // it must wait asleep: `recv` (and a `for` loop over the receiver) parks it until a
    // message comes or every sender has gone. (On Linux the test reads the thread's state
    // in `/proc`; no clock.)
    let count = timeout(|| {
        let (go, wait_for_go) = std::sync::mpsc::channel::<()>();
        let (caller_tid, caller_started) = std::sync::mpsc::channel();
        let caller = thread::spawn(move || {
            let producers: Vec<Producer<&str>> = vec![Box::new(move |tx| {
                tx.send("first").unwrap();
                let _ = wait_for_go.recv();
                tx.send("second").unwrap();
            })];
            let mut told = Some(caller_tid);
            fan_in(producers, move |_| {
                // The first message is handled on the caller's thread: say which it is.
                if let Some(tell) = told.take() {
                    tell.send(support::sched::current_tid()).unwrap();
                }
            })
        });
        let tid = caller_started.recv_timeout(support::PATIENCE).expect(
            "the first message was never handled while its producer was still running: \
             receive as the messages come, not after joining the producers",
        );
        support::sched::assert_parks(
            tid,
            "the next message",
            "`recv`, or a `for` loop over the receiver, sleeps until a message comes.",
        );
        go.send(()).unwrap();
        caller.join().unwrap()
    });
    assert_eq!(count, 2, "two messages were sent");
}

#[test]
fn the_caller_sleeps_until_a_producer_that_hung_up_has_finished() {
    // The producer sends a message, hangs up, and then goes on working until the test's
    // word. The channel is closed, but `fan_in` returns only once every producer thread
    // has been joined, and it must wait for that asleep: `join` parks it until the thread
    // has ended. (On Linux the test reads the thread's state in `/proc`; no clock.)
    timeout(|| {
        let (go, wait_for_go) = std::sync::mpsc::channel::<()>();
        let (hung_up, producer_hung_up) = std::sync::mpsc::channel::<()>();
        let caller = sched::spawn_watched("caller", move || {
            let producers: Vec<Producer<&str>> = vec![Box::new(move |tx| {
                tx.send("only").unwrap();
                drop(tx);
                hung_up.send(()).unwrap();
                let _ = wait_for_go.recv();
            })];
            fan_in(producers, |_| {})
        });
        producer_hung_up
            .recv_timeout(PATIENCE)
            .expect("the producer never ran, or never got to hang up");
        sched::assert_parks(
            caller.tid,
            "a producer that has hung up but not finished yet",
            "`fan_in` returns once every producer thread has been joined, and \
             `JoinHandle::join` sleeps until the thread has ended.",
        );
        go.send(()).unwrap();
        let count = caller
            .thread
            .join()
            .unwrap_or_else(|panic| panic::resume_unwind(panic));
        assert_eq!(count, 1, "one message was sent, {count} were counted");
    });
}

/// How many times thread `tid` has been switched off its CPU so far (it went to sleep, or
/// was preempted), as Linux's `/proc` counts; `None` elsewhere.
fn switches(tid: sched::Tid) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/self/task/{}/status", tid.0)).ok()?;
    Some(
        status
            .lines()
            .filter(|line| line.contains("ctxt_switches:"))
            .filter_map(|line| line.split(':').nth(1)?.trim().parse::<u64>().ok())
            .sum(),
    )
}

#[test]
fn a_silent_producer_has_not_hung_up() {
    // The producer sends a message, then says nothing until the test's word, then sends
    // another. Silence is not the end: only every sender gone is. An answer that stops
    // receiving after a pause (`recv_timeout`) wakes up from its wait before the word
    // comes, so on Linux the test waits for exactly that (the thread's context switches
    // in `/proc`) and only then lets the producer go on: the message after the pause is
    // lost every time. A right answer sleeps in `recv` the whole time, and the test gives
    // the word after the PATIENCE.
    let (count, seen) = timeout(|| {
        let (go, wait_for_go) = std::sync::mpsc::channel::<()>();
        let (tell, caller_tid) = std::sync::mpsc::channel();
        let caller = thread::spawn(move || {
            let producers: Vec<Producer<&str>> = vec![Box::new(move |tx| {
                tx.send("before the pause").unwrap();
                let _ = wait_for_go.recv();
                let _ = tx.send("after the pause");
            })];
            let mut seen = Vec::new();
            let mut tell = Some(tell);
            let count = fan_in(producers, |message| {
                if let Some(tell) = tell.take() {
                    tell.send(sched::current_tid()).unwrap();
                }
                seen.push(message);
            });
            (count, seen)
        });
        let tid = caller_tid
            .recv_timeout(PATIENCE)
            .expect("the first message was never handled while its producer was running");
        sched::wait_until_asleep(tid, "the caller should wait for the next message");
        let asleep = switches(tid);
        support::within_patience(|| asleep.is_some() && switches(tid) != asleep);
        go.send(()).unwrap();
        caller
            .join()
            .unwrap_or_else(|panic| panic::resume_unwind(panic))
    });
    assert_eq!(
        seen,
        ["before the pause", "after the pause"],
        "the producer paused between its two messages without hanging up, and `fan_in` \
         handled {seen:?} (and counted {count}): a pause is not the end. Receive until every \
         sender is gone (`recv`, or a `for` loop over the receiver), not until nothing \
         comes for a while"
    );
    assert_eq!(count, 2, "two messages were sent, {count} were counted");
}
