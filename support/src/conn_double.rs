//! A connection whose other end the test holds, and which behaves as real connections
//! may (feature `tokio`).
//!
//! Code that is generic over `AsyncRead + AsyncWrite` must work on any connection, not
//! only on the one its author tried. A bare TCP socket on loopback hides what other
//! connections do, and what the traits allow:
//!
//! - **Writes that wait for a flush.** A `BufWriter`, a TLS stream or a compressor keeps
//!   what is written until `flush` (or `shutdown`). Code that never flushes leaves its
//!   answer where the peer never sees it, while each side waits for the other.
//! - **Short writes and reads.** `poll_write` may take fewer bytes than it is given, and
//!   `poll_read` may hand out fewer than have arrived. Code that calls `write` once and
//!   ignores the count loses the rest.
//! - **The end of the stream.** Once the peer has hung up, every read returns 0 bytes at
//!   once. A loop that does not stop there spins for ever; this double fails it with a
//!   message after [`READS_AFTER_THE_END`] such reads.
//!
//! [`connection`] makes a [`Conn`], the end the code under test gets (tokio's `AsyncRead`
//! and `AsyncWrite`; the `futures` traits through `tokio_util::compat`), and a [`Peer`],
//! the test's end: it sends bytes, hangs up, and sees what was *delivered* (written and
//! flushed) apart from what was written and is still *held*.
//!
//! ```
//! use support::conn_double::{Behaviour, connection};
//! use tokio::io::AsyncWriteExt;
//!
//! let (mut conn, peer) = connection(Behaviour::HOSTILE);
//! support::tokio::paused(move || async move {
//!     conn.write_all(b"hello\n").await.unwrap();
//!     assert_eq!(peer.delivered(), "", "written, but not flushed yet");
//!     assert_eq!(peer.held(), "hello\n");
//!     conn.flush().await.unwrap();
//!     assert_eq!(peer.delivered(), "hello\n");
//! });
//! ```

use std::collections::VecDeque;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::Notify;

/// How many reads past the end of the stream a [`Conn`] answers before it fails the
/// test: right code reads there once (or a few times, through layers), then stops.
pub const READS_AFTER_THE_END: usize = 100;

/// What a [`Conn`] does that a loopback socket does not. The default is a plain pipe.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Behaviour {
    /// What is written reaches the peer only on `flush` or `shutdown`.
    pub held_until_flush: bool,
    /// Each `poll_write` takes one byte, whatever it is given.
    pub one_byte_writes: bool,
    /// Each `poll_read` hands out at most one byte, however many have arrived.
    pub one_byte_reads: bool,
}

impl Behaviour {
    /// All of it at once: writes held until flushed and taken a byte at a time, reads a
    /// byte at a time.
    pub const HOSTILE: Behaviour = Behaviour {
        held_until_flush: true,
        one_byte_writes: true,
        one_byte_reads: true,
    };
}

/// A connection and the test's end of it.
pub fn connection(behaviour: Behaviour) -> (Conn, Peer) {
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            behaviour,
            ..State::default()
        }),
        changed: Notify::new(),
    });
    (
        Conn {
            shared: Arc::clone(&shared),
        },
        Peer { shared },
    )
}

#[derive(Default)]
struct State {
    behaviour: Behaviour,
    /// Sent by the peer, not yet read.
    to_read: VecDeque<u8>,
    hung_up: bool,
    reads_after_the_end: usize,
    /// The waker of the latest read that found nothing.
    reader: Option<Waker>,
    /// Written, not yet flushed.
    held: Vec<u8>,
    /// Written and flushed: what the peer has.
    delivered: Vec<u8>,
    flushes: usize,
    shut_down: bool,
    dropped: bool,
}

struct Shared {
    state: Mutex<State>,
    /// Told whenever something reaches the peer or the connection closes.
    changed: Notify,
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        // A panic of the code under test inside a read must not hide the test's report.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The end of a [`connection`] that the code under test reads and writes.
pub struct Conn {
    shared: Arc<Shared>,
}

impl AsyncRead for Conn {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let mut state = self.shared.state();
        if state.to_read.is_empty() {
            if state.hung_up {
                state.reads_after_the_end += 1;
                let reads = state.reads_after_the_end;
                drop(state);
                if reads > READS_AFTER_THE_END {
                    panic!(
                        "the connection was read {reads} times after the peer had hung up, \
                         each read giving 0 bytes (the end of the stream): a loop that does \
                         not stop at the end of the stream spins for ever. A read of 0 bytes \
                         means the peer is gone: return."
                    );
                }
                return Poll::Ready(Ok(()));
            }
            state.reader = Some(cx.waker().clone());
            return Poll::Pending;
        }
        let most = if state.behaviour.one_byte_reads {
            1
        } else {
            buf.remaining()
        };
        let n = most.min(buf.remaining()).min(state.to_read.len());
        let bytes: Vec<u8> = state.to_read.drain(..n).collect();
        buf.put_slice(&bytes);
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        bytes: &[u8],
    ) -> Poll<io::Result<usize>> {
        let mut state = self.shared.state();
        let n = if state.behaviour.one_byte_writes {
            bytes.len().min(1)
        } else {
            bytes.len()
        };
        if state.behaviour.held_until_flush {
            state.held.extend_from_slice(&bytes[..n]);
        } else {
            state.delivered.extend_from_slice(&bytes[..n]);
            drop(state);
            self.shared.changed.notify_waiters();
        }
        Poll::Ready(Ok(n))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut state = self.shared.state();
        let held = std::mem::take(&mut state.held);
        state.delivered.extend_from_slice(&held);
        state.flushes += 1;
        drop(state);
        self.shared.changed.notify_waiters();
        Poll::Ready(Ok(()))
    }

    /// Flushes, then closes the writing side (as a `BufWriter`'s shutdown does).
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let _ = self.as_mut().poll_flush(cx);
        self.shared.state().shut_down = true;
        self.shared.changed.notify_waiters();
        Poll::Ready(Ok(()))
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        // What is still held is lost, as in a buffer dropped unflushed.
        self.shared.state().dropped = true;
        self.shared.changed.notify_waiters();
    }
}

/// The test's end of a [`connection`].
pub struct Peer {
    shared: Arc<Shared>,
}

impl Peer {
    /// Sends `bytes` to the code under test, and wakes its read if one waits.
    pub fn send(&self, bytes: &[u8]) {
        let mut state = self.shared.state();
        state.to_read.extend(bytes);
        let reader = state.reader.take();
        drop(state);
        if let Some(reader) = reader {
            reader.wake();
        }
    }

    /// Hangs up: once what was sent has been read, every read gives 0 bytes. Wakes a
    /// waiting read.
    pub fn hang_up(&self) {
        let mut state = self.shared.state();
        state.hung_up = true;
        let reader = state.reader.take();
        drop(state);
        if let Some(reader) = reader {
            reader.wake();
        }
    }

    /// What reached the peer: written and flushed (as text, lossily).
    pub fn delivered(&self) -> String {
        String::from_utf8_lossy(&self.shared.state().delivered).into_owned()
    }

    /// What was written and not flushed yet.
    pub fn held(&self) -> String {
        String::from_utf8_lossy(&self.shared.state().held).into_owned()
    }

    /// How many times the code under test flushed (a shutdown flushes too).
    pub fn flushes(&self) -> usize {
        self.shared.state().flushes
    }

    /// Whether the code under test has shut the connection down or dropped it.
    pub fn is_closed(&self) -> bool {
        let state = self.shared.state();
        state.shut_down || state.dropped
    }

    /// What the peer has and what is held, in a sentence for a failure message.
    pub fn describe(&self) -> String {
        let (delivered, held) = (self.delivered(), self.held());
        if held.is_empty() {
            format!("the peer got {delivered:?}")
        } else {
            format!(
                "the peer got {delivered:?}, and {held:?} was written but never flushed (it \
                 sits in the connection's buffer, where the peer never sees it)"
            )
        }
    }

    /// Waits until `done` holds for what was delivered, or the connection is closed;
    /// returns what was delivered. For tests on a runtime; a wait that never ends is the
    /// test's timeout to report.
    pub async fn delivered_when(&self, done: impl Fn(&str) -> bool) -> String {
        loop {
            let changed = self.shared.changed.notified();
            tokio::pin!(changed);
            // Registered before looking, so that a change in between is not missed.
            changed.as_mut().enable();
            let delivered = self.delivered();
            if done(&delivered) || self.is_closed() {
                return delivered;
            }
            changed.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[test]
    fn a_plain_connection_delivers_at_once_and_ends_when_the_peer_hangs_up() {
        let (mut conn, peer) = connection(Behaviour::default());
        let got = crate::tokio::paused(move || async move {
            peer.send(b"ping");
            peer.hang_up();
            let mut got = String::new();
            conn.read_to_string(&mut got).await.unwrap();
            conn.write_all(b"pong").await.unwrap();
            (got, peer.delivered())
        });
        assert_eq!(got, ("ping".to_string(), "pong".to_string()));
    }

    #[test]
    fn hostile_writes_take_one_byte_and_wait_for_the_flush() {
        let (mut conn, peer) = connection(Behaviour::HOSTILE);
        let (written, held, delivered) = crate::tokio::paused(move || async move {
            let written = conn.write(b"abc").await.unwrap();
            let held = peer.held();
            conn.write_all(b"bc").await.unwrap();
            conn.flush().await.unwrap();
            (written, held, peer.delivered())
        });
        assert_eq!(
            (written, held.as_str(), delivered.as_str()),
            (1, "a", "abc")
        );
    }

    #[test]
    #[should_panic(expected = "after the peer had hung up")]
    fn reading_on_and_on_after_the_end_fails() {
        let (mut conn, peer) = connection(Behaviour::default());
        peer.hang_up();
        crate::tokio::paused(move || async move {
            let mut buf = [0; 8];
            loop {
                let _ = conn.read(&mut buf).await;
            }
        });
    }
}
