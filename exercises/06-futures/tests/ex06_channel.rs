//! Tests for exercise 06.6: a oneshot and a bounded channel whose ends are futures.
//!
//! The futures are polled by hand, with wakers that count: the tests see every wake.

use ch06_futures::ex06_channel::{Closed, SendError, channel, oneshot};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
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
