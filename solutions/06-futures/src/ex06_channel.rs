//! Exercise 06.6: async channels on wakers: a oneshot, then a bounded mpsc.
//!
//! Book: `book/src/ch06-futures/channels.md`. A receiver that finds nothing leaves its
//! waker and returns `Pending`; a sender (or the last sender's drop) calls that waker.
//! Nothing blocks a thread, and nothing polls in a loop.

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

impl<T> OneshotSender<T> {
    /// Sends `value`, or gives it back if the receiver is gone.
    pub fn send(self, value: T) -> Result<(), T> {
        let mut shared = self.shared.lock().unwrap();
        if shared.receiver_gone {
            return Err(value);
        }
        shared.value = Some(value);
        // No wake here: `self` is dropped when this returns, and the drop wakes the
        // receiver, which then finds the value.
        Ok(())
    }
}

impl<T> Drop for OneshotSender<T> {
    fn drop(&mut self) {
        let waker = {
            let mut shared = self.shared.lock().unwrap();
            shared.sender_gone = true;
            shared.waker.take()
        };
        // Sent or not, the receiver has something new to see: a value or the end.
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl<T> Future for OneshotReceiver<T> {
    type Output = Result<T, Closed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut shared = self.shared.lock().unwrap();
        if let Some(value) = shared.value.take() {
            Poll::Ready(Ok(value))
        } else if shared.sender_gone {
            // A dropped sender ends the wait with an error, never a hang.
            Poll::Ready(Err(Closed))
        } else {
            shared.waker = Some(cx.waker().clone());
            Poll::Pending
        }
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
        let waker = {
            let mut chan = self.shared.lock().unwrap();
            chan.senders -= 1;
            // Only the last sender's drop closes the channel; the others change nothing
            // the receiver could see.
            if chan.senders == 0 {
                chan.recv_waker.take()
            } else {
                None
            }
        };
        if let Some(waker) = waker {
            waker.wake();
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

impl<T> Sender<T> {
    /// Sends `value`, waiting for room if the channel is full.
    pub fn send(&self, value: T) -> SendFuture<'_, T> {
        SendFuture {
            sender: self,
            value: Some(value),
        }
    }
}

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
        let this = self.get_mut();
        // Before the lock: a panic while holding it would poison the channel for everyone.
        let value = this
            .value
            .take()
            .expect("a SendFuture polled after it returned Ready");
        let waker = {
            let mut chan = this.sender.shared.lock().unwrap();
            if chan.receiver_gone {
                return Poll::Ready(Err(SendError(value)));
            }
            if chan.queue.len() == chan.capacity {
                // Full: keep the message, leave a waker, and wait for a receive to make room.
                this.value = Some(value);
                chan.send_wakers.push(cx.waker().clone());
                return Poll::Pending;
            }
            chan.queue.push_back(value);
            chan.recv_waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
        Poll::Ready(Ok(()))
    }
}

impl<T> Receiver<T> {
    /// Receives the next message; `Err(Closed)` once every sender is gone and the queue
    /// is empty.
    pub fn recv(&mut self) -> RecvFuture<'_, T> {
        RecvFuture { receiver: self }
    }
}

/// The future of [`Receiver::recv`].
pub struct RecvFuture<'a, T> {
    receiver: &'a mut Receiver<T>,
}

impl<T> Future for RecvFuture<'_, T> {
    type Output = Result<T, Closed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let (result, senders) = {
            let mut chan = self.receiver.shared.lock().unwrap();
            match chan.queue.pop_front() {
                // A message, and room for one more: senders waiting for room may go on.
                // All of them are woken; the ones that find the channel full again
                // leave a new waker (simpler than choosing one, and no wake is lost).
                Some(value) => (Ok(value), std::mem::take(&mut chan.send_wakers)),
                None if chan.senders == 0 => return Poll::Ready(Err(Closed)),
                None => {
                    chan.recv_waker = Some(cx.waker().clone());
                    return Poll::Pending;
                }
            }
        };
        for waker in senders {
            waker.wake();
        }
        Poll::Ready(result)
    }
}
