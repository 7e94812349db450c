//! Tests for exercise 06.6: a oneshot and a bounded channel whose ends are futures.
//!
//! The futures are polled by hand, with wakers that count: the tests see every wake. Some
//! wakers have their task polled at once on another thread, as a multi-threaded executor
//! may; and the races between the two ends on two threads are checked by loom, a model
//! checker, on a second copy of your module.

use ch06_futures::ex06_channel::{Closed, SendError, channel, oneshot};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use support::eager::EagerWaker;
use support::loom::Woken;
use support::wakers::FreshWakers;
use support::{PATIENCE, timeout, timeout_after};

// Your module again, compiled with loom's primitives: in this copy `crate::sync` is
// `support::loom::sync`, so loom controls every lock it uses.
use support::loom::sync;
// (The stub's copy leaves its parameters and imports unused until you write the bodies.)
#[allow(dead_code, unused_imports, unused_variables)]
mod under_loom {
    include!(concat!(env!("OUT_DIR"), "/model/ex06_channel.rs"));
}

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

fn wakes(count: &Count) -> usize {
    count.0.load(Ordering::SeqCst)
}

fn poll<F: Future + Unpin>(future: &mut F, waker: &Waker) -> Poll<F::Output> {
    Pin::new(future).poll(&mut Context::from_waker(waker))
}

#[test]
fn a_oneshot_receiver_waits_and_the_send_wakes_it() {
    let (first, woken, second) = timeout(|| {
        let (tx, mut rx) = oneshot();
        let (count, waker) = counting_waker();
        let first = poll(&mut rx, &waker);
        tx.send(5).unwrap();
        let woken = wakes(&count);
        (first, woken, poll(&mut rx, &waker))
    });
    assert_eq!(first, Poll::Pending, "nothing sent yet");
    assert_eq!(woken, 1, "the send must wake the waiting receiver, once");
    assert_eq!(second, Poll::Ready(Ok(5)));
}

#[test]
fn a_value_sent_before_the_first_poll_is_there() {
    let out = timeout(|| {
        let (tx, mut rx) = oneshot();
        tx.send("early").unwrap();
        let (_, waker) = counting_waker();
        poll(&mut rx, &waker)
    });
    assert_eq!(out, Poll::Ready(Ok("early")));
}

#[test]
fn dropping_the_oneshot_sender_ends_the_receiver_with_an_error() {
    let (first, woken, second) = timeout(|| {
        let (tx, mut rx) = oneshot::<u8>();
        let (count, waker) = counting_waker();
        let first = poll(&mut rx, &waker);
        drop(tx);
        let woken = wakes(&count);
        (first, woken, poll(&mut rx, &waker))
    });
    assert_eq!(first, Poll::Pending);
    assert_eq!(
        woken, 1,
        "the sender was dropped without sending: the waiting receiver must be woken, or it \
         waits for ever"
    );
    assert_eq!(
        second,
        Poll::Ready(Err(Closed)),
        "and then it ends with an error"
    );
}

#[test]
fn a_oneshot_wakes_the_latest_waker() {
    let (first, second) = timeout(|| {
        let (tx, mut rx) = oneshot();
        let (first, waker1) = counting_waker();
        let (second, waker2) = counting_waker();
        assert_eq!(poll(&mut rx, &waker1), Poll::Pending);
        assert_eq!(poll(&mut rx, &waker2), Poll::Pending);
        tx.send(()).unwrap();
        (wakes(&first), wakes(&second))
    });
    assert_eq!((first, second), (0, 1), "keep the waker of the latest poll");
}

#[test]
fn sending_to_a_dropped_oneshot_receiver_gives_the_value_back() {
    let out = timeout(|| {
        let (tx, rx) = oneshot();
        drop(rx);
        tx.send(String::from("unread"))
    });
    assert_eq!(out, Err(String::from("unread")));
}

#[test]
fn messages_arrive_in_order() {
    let out = timeout(|| {
        let (tx, mut rx) = channel(4);
        let (_, waker) = counting_waker();
        for n in 1..=3 {
            assert_eq!(poll(&mut tx.send(n), &waker), Poll::Ready(Ok(())));
        }
        (0..3)
            .map(|_| poll(&mut rx.recv(), &waker))
            .collect::<Vec<_>>()
    });
    assert_eq!(out, [1, 2, 3].map(|n| Poll::Ready(Ok(n))));
}

#[test]
fn a_waiting_receiver_is_woken_by_the_send_and_not_before() {
    let (first, before, after, got) = timeout(|| {
        let (tx, mut rx) = channel(2);
        let (count, waker) = counting_waker();
        let mut recv = rx.recv();
        let first = poll(&mut recv, &waker);
        let before = wakes(&count);
        let (_, other) = counting_waker();
        assert_eq!(poll(&mut tx.send('x'), &other), Poll::Ready(Ok(())));
        let after = wakes(&count);
        (first, before, after, poll(&mut recv, &waker))
    });
    assert_eq!(first, Poll::Pending, "nothing sent yet");
    assert_eq!(
        before, 0,
        "the empty receiver woke itself: it must leave its waker and wait, not ask to be \
         polled again at once (that is a busy loop)"
    );
    assert_eq!(after, 1, "the send must wake the waiting receiver, once");
    assert_eq!(got, Poll::Ready(Ok('x')));
}

#[test]
fn a_full_channel_makes_the_sender_wait_until_a_receive() {
    let (third, woken, again) = timeout(|| {
        let (tx, mut rx) = channel(2);
        let (count, waker) = counting_waker();
        assert_eq!(poll(&mut tx.send(1), &waker), Poll::Ready(Ok(())));
        assert_eq!(poll(&mut tx.send(2), &waker), Poll::Ready(Ok(())));
        let mut send = tx.send(3);
        let third = poll(&mut send, &waker);
        let (_, other) = counting_waker();
        assert_eq!(poll(&mut rx.recv(), &other), Poll::Ready(Ok(1)));
        let woken = wakes(&count);
        (third, woken, poll(&mut send, &waker))
    });
    assert_eq!(
        third,
        Poll::Pending,
        "a channel of capacity 2 holding 2 messages is full: the third send must wait"
    );
    assert_eq!(
        woken, 1,
        "a receive makes room: it must wake the waiting sender"
    );
    assert_eq!(again, Poll::Ready(Ok(())), "woken, the sender finds room");
}

#[test]
fn the_receiver_ends_only_when_every_sender_is_gone() {
    let (while_one_left, woken, queued, end) = timeout(|| {
        let (tx, mut rx) = channel(2);
        let tx2 = tx.clone();
        let (count, waker) = counting_waker();
        drop(tx);
        let while_one_left = poll(&mut rx.recv(), &waker);
        assert_eq!(poll(&mut tx2.send(8), &waker), Poll::Ready(Ok(())));
        let queued = poll(&mut rx.recv(), &waker);
        let mut recv = rx.recv();
        assert_eq!(poll(&mut recv, &waker), Poll::Pending);
        let before = wakes(&count);
        drop(tx2);
        let woken = wakes(&count) - before;
        (while_one_left, woken, queued, poll(&mut recv, &waker))
    });
    assert_eq!(
        while_one_left,
        Poll::Pending,
        "one of two senders was dropped: the other can still send, so the receiver waits"
    );
    assert_eq!(queued, Poll::Ready(Ok(8)));
    assert_eq!(
        woken, 1,
        "the last sender's drop must wake the waiting receiver"
    );
    assert_eq!(
        end,
        Poll::Ready(Err(Closed)),
        "then the receiver ends with an error"
    );
}

#[test]
fn sending_after_the_receiver_is_gone_fails() {
    let out = timeout(|| {
        let (tx, rx) = channel(1);
        drop(rx);
        let (_, waker) = counting_waker();
        poll(&mut tx.send(3), &waker)
    });
    assert_eq!(out, Poll::Ready(Err(SendError(3))));
}

#[test]
fn a_producer_and_a_consumer_run_through_a_small_channel() {
    let got = timeout(|| {
        futures::executor::block_on(async {
            let (tx, mut rx) = channel(3);
            let producer = async move {
                for n in 0..100 {
                    tx.send(n).await.unwrap();
                }
            };
            let consumer = async {
                let mut got = Vec::new();
                while let Ok(n) = rx.recv().await {
                    got.push(n);
                }
                got
            };
            futures::join!(producer, consumer).1
        })
    });
    assert_eq!(got, (0..100).collect::<Vec<_>>());
}

#[test]
fn a_send_waiting_for_room_fails_when_the_receiver_goes() {
    let (first, woken, end) = timeout(|| {
        let (tx, rx) = channel(1);
        let (_, other) = counting_waker();
        assert_eq!(poll(&mut tx.send(1), &other), Poll::Ready(Ok(())));
        let (count, waker) = counting_waker();
        let mut send = tx.send(2);
        let first = poll(&mut send, &waker);
        drop(rx);
        let woken = wakes(&count);
        (first, woken, poll(&mut send, &waker))
    });
    assert_eq!(first, Poll::Pending, "the channel is full: the send waits");
    assert_eq!(
        woken, 1,
        "the receiver was dropped while a send waited for room: the sender must be woken, or \
         it waits for ever"
    );
    assert_eq!(
        end,
        Poll::Ready(Err(SendError(2))),
        "woken, a send whose receiver is gone fails with its message, even when the channel \
         is full: no receive will ever make room (look at `receiver_gone` before you look \
         at the room)"
    );
}

#[test]
fn every_wait_on_the_channel_wakes_the_waker_of_its_latest_poll() {
    let (recv, send) = timeout(|| {
        let (tx, mut rx) = channel(1);
        let (_, other) = counting_waker();
        let mut recv = FreshWakers::new(rx.recv());
        assert!(recv.poll().is_pending(), "nothing sent yet");
        assert!(recv.poll().is_pending(), "nothing sent yet");
        assert_eq!(poll(&mut tx.send(1), &other), Poll::Ready(Ok(())));
        let woke_recv = (recv.latest().wakes(), recv.stale_wakes());
        assert_eq!(recv.poll(), Poll::Ready(Ok(1)));
        drop(recv);
        assert_eq!(poll(&mut tx.send(2), &other), Poll::Ready(Ok(())));
        let mut send = FreshWakers::new(tx.send(3));
        assert!(send.poll().is_pending(), "the channel is full");
        assert!(send.poll().is_pending(), "the channel is full");
        assert_eq!(poll(&mut rx.recv(), &other), Poll::Ready(Ok(2)));
        let woke_send = send.latest().wakes();
        assert_eq!(send.poll(), Poll::Ready(Ok(())));
        (woke_recv, woke_send)
    });
    assert_eq!(
        recv,
        (1, 0),
        "a receive polled with one waker, then with another (as a future moved to another \
         task is), must be woken through the latest one when a message comes: keep the \
         waker of the latest poll, replacing the old one (latest woken, older woken)"
    );
    assert!(
        send >= 1,
        "a send polled with one waker, then with another, must be woken through the latest \
         one when a receive makes room; it was not"
    );
}

#[test]
fn a_receive_that_makes_room_leaves_no_waiting_sender_stranded() {
    let stranded = timeout(|| {
        let mut stranded = Vec::new();
        for dropped in ["first", "second"] {
            let (tx, mut rx) = channel(1);
            let (_, other) = counting_waker();
            assert_eq!(poll(&mut tx.send(0), &other), Poll::Ready(Ok(())));
            let wakers = [counting_waker(), counting_waker()];
            let mut sends = [Some(tx.send(1)), Some(tx.send(2))];
            for (send, (_, waker)) in sends.iter_mut().zip(&wakers) {
                let send = send.as_mut().expect("not dropped yet");
                assert_eq!(poll(send, waker), Poll::Pending, "the channel is full");
            }
            assert_eq!(poll(&mut rx.recv(), &other), Poll::Ready(Ok(0)));
            // Whichever sender was woken, one of them gives up (its task was cancelled).
            let (gone, left) = if dropped == "first" { (0, 1) } else { (1, 0) };
            sends[gone] = None;
            let (count, waker) = &wakers[left];
            if wakes(count) == 0 {
                stranded.push(dropped);
            } else {
                let send = sends[left].as_mut().expect("not dropped");
                assert_eq!(poll(send, waker), Poll::Ready(Ok(())), "there is room");
            }
        }
        stranded
    });
    assert!(
        stranded.is_empty(),
        "two sends waited on a full channel; a receive made room, and then the {} of them \
         was dropped (its task cancelled) while the other one had never been woken: that \
         sender waits for ever beside an empty slot. Wake every waiting sender when you make \
         room (those that find it full again leave a new waker), or pass the turn on when a \
         woken one is dropped",
        stranded.join(" and the ")
    );
}

/// An end of a channel, shared with the task that a woken waker runs on another thread.
type Shared<T> = Arc<Mutex<T>>;

/// A waker whose task, polled at once on another thread when woken, runs `poll` and keeps
/// what it gave, for the test to read.
fn polled_at_once<R: Send + 'static>(
    poll: impl Fn() -> R + Send + Sync + 'static,
) -> (Arc<EagerWaker>, Waker, Shared<Option<R>>) {
    let seen = Arc::new(Mutex::new(None));
    let theirs = Arc::clone(&seen);
    let (eager, waker) = EagerWaker::new(move || *theirs.lock().unwrap() = Some(poll()));
    (eager, waker, seen)
}

#[test]
fn the_channels_wake_a_task_only_after_letting_go_of_their_lock() {
    let stuck = timeout_after(6 * PATIENCE, || {
        let noop = Waker::noop();
        let mut stuck = Vec::new();
        let mut check = |what: &'static str, eager: &EagerWaker, seen: bool| {
            assert_eq!(
                eager.wakes(),
                1,
                "{what}: the waiting task must be woken, once"
            );
            assert!(
                seen,
                "{what}: the woken task, polled again, must find what woke it"
            );
            if eager.stuck() > 0 {
                stuck.push(what);
            }
        };

        let (tx, rx) = oneshot::<u32>();
        let rx: Shared<_> = Arc::new(Mutex::new(rx));
        let (eager, waker, seen) = {
            let rx = Arc::clone(&rx);
            polled_at_once(move || poll(&mut *rx.lock().unwrap(), noop))
        };
        assert_eq!(poll(&mut *rx.lock().unwrap(), &waker), Poll::Pending);
        tx.send(5).unwrap();
        let got = *seen.lock().unwrap() == Some(Poll::Ready(Ok(5)));
        check("the oneshot sender (its send, then its drop)", &eager, got);

        let (tx, rx) = channel::<u32>(1);
        let rx: Shared<_> = Arc::new(Mutex::new(rx));
        let recv_at_once = || {
            let rx = Arc::clone(&rx);
            polled_at_once(move || poll(&mut rx.lock().unwrap().recv(), noop))
        };
        let (eager, waker, seen) = recv_at_once();
        assert_eq!(poll(&mut rx.lock().unwrap().recv(), &waker), Poll::Pending);
        assert_eq!(poll(&mut tx.send(1), noop), Poll::Ready(Ok(())));
        let got = *seen.lock().unwrap() == Some(Poll::Ready(Ok(1)));
        check("a send, waking the waiting receiver", &eager, got);
        let (eager, waker, seen) = recv_at_once();
        assert_eq!(poll(&mut rx.lock().unwrap().recv(), &waker), Poll::Pending);
        drop(tx);
        let got = *seen.lock().unwrap() == Some(Poll::Ready(Err(Closed)));
        check("the last sender's drop, waking the receiver", &eager, got);

        let (tx, mut rx) = channel::<u32>(1);
        assert_eq!(poll(&mut tx.send(1), noop), Poll::Ready(Ok(())));
        let (eager, waker, seen) = {
            let tx = tx.clone();
            polled_at_once(move || poll(&mut tx.send(9), noop))
        };
        assert_eq!(
            poll(&mut tx.send(2), &waker),
            Poll::Pending,
            "the channel is full"
        );
        assert_eq!(poll(&mut rx.recv(), noop), Poll::Ready(Ok(1)));
        let got = *seen.lock().unwrap() == Some(Poll::Ready(Ok(())));
        check("a receive, waking the waiting sender", &eager, got);
        stuck
    });
    assert!(
        stuck.is_empty(),
        "these woke a task while they still held the channel's lock: {}. The woken task, \
         polled at once on another thread (as a multi-threaded executor may), waited {} s \
         for that lock. Lock, change the state, take the wakers out, unlock, then wake",
        stuck.join("; "),
        PATIENCE.as_secs()
    );
}

/// Runs `future` to its end on a thread of the model: polls it, and after each `Pending`
/// waits for a wake (a wake that never comes is a deadlock, which loom reports).
fn wait_on<F: Future + Unpin>(mut future: F) -> F::Output {
    let (woken, waker) = Woken::new();
    loop {
        let before = woken.wakes();
        if let Poll::Ready(out) = Pin::new(&mut future).poll(&mut Context::from_waker(&waker)) {
            return out;
        }
        woken.wait_for(before + 1);
    }
}

#[test]
fn no_interleaving_of_a_oneshot_s_two_ends_loses_the_value() {
    timeout_after(support::loom::LIMIT, || {
        support::loom::check(
            "a oneshot receiver polled while the value was sent on another thread returned \
             Pending, and nobody woke it: look for the value and leave the waker under one \
             lock, and wake after you unlock",
            || {
                let (tx, rx) = under_loom::oneshot();
                let sender = sync::thread::spawn(move || tx.send(5).unwrap());
                assert_eq!(wait_on(rx).ok(), Some(5), "the value sent arrives");
                sender.join().unwrap();
            },
        )
    });
}

#[test]
fn no_interleaving_of_a_send_and_a_waiting_receive_loses_a_message_or_the_end() {
    timeout_after(support::loom::LIMIT, || {
        support::loom::check(
            "a receive on one thread, while another thread sent and then dropped the last \
             sender, returned Pending and nobody woke it: look at the queue and the senders \
             and leave the waker under one lock (a send in between finds no waker to call)",
            || {
                let (tx, mut rx) = under_loom::channel(1);
                let sender = sync::thread::spawn(move || {
                    wait_on(tx.send(1)).expect("the receiver is there");
                });
                let mut got = Vec::new();
                while let Ok(n) = wait_on(rx.recv()) {
                    got.push(n);
                }
                assert_eq!(got, [1], "the message, then the end");
                sender.join().unwrap();
            },
        )
    });
}

#[test]
fn no_interleaving_of_a_send_waiting_for_room_and_the_receiver_loses_the_wake() {
    timeout_after(support::loom::LIMIT, || {
        support::loom::check(
            "a send waiting for room on one thread, while the receiver took a message (or \
             was dropped) on another, returned Pending and nobody woke it: look at the room \
             and the receiver and leave the waker under one lock",
            || {
                let (tx, mut rx) = under_loom::channel(1);
                wait_on(tx.send(0)).expect("there is room for one");
                let sender = sync::thread::spawn(move || wait_on(tx.send(1)).is_ok());
                assert_eq!(wait_on(rx.recv()).ok(), Some(0));
                drop(rx);
                // Sent into the room the receive made, or refused once the receiver was
                // gone: either way the send ends.
                sender.join().unwrap();
            },
        )
    });
}
