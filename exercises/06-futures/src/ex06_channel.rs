//! Exercise 06.6: async channels on wakers: a oneshot, then a bounded mpsc.
//!
//! Book: `book/src/ch06-futures/channels.md`. Fill in the `todo!()`s: the oneshot's `send`,
//! its sender's drop and its receiver's `poll`; then the bounded channel's sender drop,
//! `SendFuture::poll` and `RecvFuture::poll`.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::PoisonError;
use std::task::{Context, Poll, Waker};
// The chapter's `sync` is std's; the tests also run this module under loom, a model
// checker that swaps in its own locks and tries every interleaving of the threads.
use crate::sync::{Arc, Mutex};

/// The error of a receiver whose senders are all gone with nothing sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Closed;

impl fmt::Display for Closed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the channel is closed: every sender is gone")
    }
}

impl std::error::Error for Closed {}

/// What the two ends of a oneshot share.
struct Oneshot<T> {
    /// The value, between `send` and the receiver's poll.
    value: Option<T>,
    /// The receiver's waker, left by its latest `Pending` poll.
    waker: Option<Waker>,
    /// The sender was dropped (after sending, or without): no value will come any more.
    sender_gone: bool,
    /// The receiver was dropped: a value sent now would never be read.
    receiver_gone: bool,
}

/// Sends the one value of a [`oneshot`].
pub struct OneshotSender<T> {
    shared: Arc<Mutex<Oneshot<T>>>,
}

/// Receives the one value of a [`oneshot`]: a future of `Result<T, Closed>`.
pub struct OneshotReceiver<T> {
    shared: Arc<Mutex<Oneshot<T>>>,
}

// ANCHOR: oneshot
/// A channel for exactly one value (a task's result, an answer to one request).
pub fn oneshot<T>() -> (OneshotSender<T>, OneshotReceiver<T>) {
    let shared = Arc::new(Mutex::new(Oneshot {
        value: None,
        waker: None,
        sender_gone: false,
        receiver_gone: false,
    }));
    (
        OneshotSender {
            shared: Arc::clone(&shared),
        },
        OneshotReceiver { shared },
    )
}
// ANCHOR_END: oneshot

// ANCHOR: send
impl<T> OneshotSender<T> {
    /// Sends `value`, or gives it back if the receiver is gone.
    pub fn send(self, value: T) -> Result<(), T> {
        todo!("refuse if the receiver is gone; else leave the value (and who wakes the receiver?)")
    }
}
// ANCHOR_END: send

impl<T> Drop for OneshotSender<T> {
    fn drop(&mut self) {
        // (Replace all of this. The check only keeps a failing test's clean-up from
        // panicking a second time, which would abort every test.)
        if !std::thread::panicking() {
            todo!("mark the sender gone and wake the receiver, sent or not")
        }
    }
}

impl<T> Future for OneshotReceiver<T> {
    type Output = Result<T, Closed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        todo!("a value? Ready(Ok). Sender gone? Ready(Err(Closed)). Else keep the waker, Pending")
    }
}

impl<T> Drop for OneshotReceiver<T> {
    fn drop(&mut self) {
        // A drop must not panic: if a panic elsewhere poisoned the lock (a test that
        // failed while holding it), a second panic here, during the unwinding, would abort
        // the process and hide the first one. The state is still usable: take it anyway.
        let mut shared = self.shared.lock().unwrap_or_else(PoisonError::into_inner);
        shared.receiver_gone = true;
    }
}

/// What the ends of a bounded channel share.
struct Chan<T> {
    /// Messages sent and not yet received; never longer than `capacity`.
    queue: VecDeque<T>,
    capacity: usize,
    /// Live senders. The last one's drop closes the channel.
    senders: usize,
    /// The receiver was dropped: sends fail from now on.
    receiver_gone: bool,
    /// The receiver's waker, while it waits for a message.
    recv_waker: Option<Waker>,
    /// The wakers of senders waiting for room, one per waiting send.
    send_wakers: Vec<Waker>,
}

/// The sending end of a [`channel`]; clone it for more senders.
pub struct Sender<T> {
    shared: Arc<Mutex<Chan<T>>>,
}

/// The receiving end of a [`channel`].
pub struct Receiver<T> {
    shared: Arc<Mutex<Chan<T>>>,
}

// ANCHOR: channel
/// A channel that holds at most `capacity` messages: a sender waits (asynchronously) when
/// it is full. This back-pressure is what keeps a fast producer from eating all memory.
pub fn channel<T>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    assert!(capacity > 0, "a bounded channel needs room for one message");
    let shared = Arc::new(Mutex::new(Chan {
        queue: VecDeque::with_capacity(capacity),
        capacity,
        senders: 1,
        receiver_gone: false,
        recv_waker: None,
        send_wakers: Vec::new(),
    }));
    (
        Sender {
            shared: Arc::clone(&shared),
        },
        Receiver { shared },
    )
}
// ANCHOR_END: channel

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.shared.lock().unwrap().senders += 1;
        Self {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        // (Replace all of this. The check only keeps a failing test's clean-up from
        // panicking a second time, which would abort every test.)
        if !std::thread::panicking() {
            todo!("one sender fewer; the last one wakes the receiver")
        }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let wakers = {
            // Never a panic in a drop (see `OneshotReceiver`'s): a poisoned lock is taken.
            let mut chan = self.shared.lock().unwrap_or_else(PoisonError::into_inner);
            chan.receiver_gone = true;
            std::mem::take(&mut chan.send_wakers)
        };
        // Senders waiting for room would wait forever: wake them to fail.
        for waker in wakers {
            waker.wake();
        }
    }
}

/// The error of a send whose receiver is gone; it gives the message back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendError<T>(pub T);

// ANCHOR: sender_send
impl<T> Sender<T> {
    /// Sends `value`, waiting for room if the channel is full.
    pub fn send(&self, value: T) -> SendFuture<'_, T> {
        SendFuture {
            sender: self,
            value: Some(value),
        }
    }
}
// ANCHOR_END: sender_send

/// The future of [`Sender::send`].
pub struct SendFuture<'a, T> {
    sender: &'a Sender<T>,
    /// The message, until it is in the queue.
    value: Option<T>,
}

// The message is never pinned (it is moved into the queue), so the future may move.
impl<T> Unpin for SendFuture<'_, T> {}

impl<T> Future for SendFuture<'_, T> {
    type Output = Result<(), SendError<T>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        todo!(
            "receiver gone? Err. Full? keep the value and a waker, Pending. Else queue it, wake the receiver"
        )
    }
}

// ANCHOR: recv
impl<T> Receiver<T> {
    /// Receives the next message; `Err(Closed)` once every sender is gone and the queue
    /// is empty.
    pub fn recv(&mut self) -> RecvFuture<'_, T> {
        RecvFuture { receiver: self }
    }
}
// ANCHOR_END: recv

/// The future of [`Receiver::recv`].
pub struct RecvFuture<'a, T> {
    receiver: &'a mut Receiver<T>,
}

impl<T> Future for RecvFuture<'_, T> {
    type Output = Result<T, Closed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        todo!(
            "a message? take it and wake the waiting senders. No senders left? Err(Closed). Else keep the waker"
        )
    }
}
