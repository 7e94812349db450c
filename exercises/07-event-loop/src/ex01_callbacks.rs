//! Exercise 07.1: an event loop with callbacks and no futures, the way Twisted did it.
//!
//! Book: `book/src/ch07-event-loop/callbacks.md`. Sockets are non-blocking, one `Poller`
//! says which are ready, and each connection is a small state machine that the loop calls
//! back: "you are readable", "you are writable".
//!
//! Fill in the `todo!()`s: `Connection::on_readable` and `serve_echo`. The rest is given.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use polling::{Event, Events, Poller};

/// The longest line the echo server accepts, counting its newline: at most
/// `MAX_LINE - 1` bytes, then `\n`. As soon as `MAX_LINE` bytes have arrived with no
/// newline among them, the line is too long: the server queues [`TOO_LONG`] and closes
/// the connection.
pub const MAX_LINE: usize = 1024;

/// The reply to a line longer than [`MAX_LINE`].
pub const TOO_LONG: &[u8] = b"ERR line too long\n";

/// The listener's key in the poller; connections get the keys after it.
pub const LISTENER: usize = 0;

/// How the loop waited, so that a loop that spins instead of sleeping shows in tests.
#[derive(Debug, Default)]
pub struct Stats {
    /// Every wait in the poller.
    pub waits: AtomicUsize,
    /// Waits with a zero timeout: polls that could not sleep.
    pub non_blocking: AtomicUsize,
    /// True while the loop is inside the poller's wait.
    pub in_wait: AtomicBool,
}

/// The poller's wait, counted in `stats`. The loop waits only through here.
pub fn wait(
    poller: &Poller,
    events: &mut Events,
    timeout: Option<Duration>,
    stats: &Stats,
) -> io::Result<usize> {
    stats.waits.fetch_add(1, Ordering::SeqCst);
    if timeout == Some(Duration::ZERO) {
        stats.non_blocking.fetch_add(1, Ordering::SeqCst);
    }
    stats.in_wait.store(true, Ordering::SeqCst);
    let outcome = poller.wait(events, timeout);
    stats.in_wait.store(false, Ordering::SeqCst);
    outcome
}

/// One client's state between callbacks.
pub struct Connection {
    /// The client's socket, non-blocking.
    pub stream: TcpStream,
    /// The start of a line whose newline has not arrived yet.
    line: Vec<u8>,
    /// Bytes to send back that the socket has not taken yet (a slow reader).
    outgoing: Vec<u8>,
    /// The client hung up or broke the rules: send what is left, then close.
    closing: bool,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("stream", &self.stream)
            .field("line", &String::from_utf8_lossy(&self.line))
            .field("outgoing", &self.outgoing.len())
            .field("closing", &self.closing)
            .finish()
    }
}

impl Connection {
    /// A connection on a non-blocking stream.
    pub fn new(stream: TcpStream) -> Connection {
        Connection {
            stream,
            line: Vec::new(),
            outgoing: Vec::new(),
            closing: false,
        }
    }

    /// What to ask the poller for next: more input unless closing, and room to write if
    /// something waits to be sent.
    pub fn interest(&self, key: usize) -> Event {
        Event::new(key, !self.closing, !self.outgoing.is_empty())
    }

    /// True once the connection has nothing left to do: close it.
    pub fn done(&self) -> bool {
        self.closing && self.outgoing.is_empty()
    }

    /// The socket is writable: send what is waiting, as much as it takes.
    pub fn on_writable(&mut self) -> io::Result<()> {
        while !self.outgoing.is_empty() {
            match self.stream.write(&self.outgoing) {
                Ok(n) => {
                    self.outgoing.drain(..n);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// The socket is readable: read until it would block, and queue every complete line
    /// to be sent back. End of file, or [`MAX_LINE`] bytes with no newline among them
    /// (answered with [`TOO_LONG`]), sets the connection closing.
    pub fn on_readable(&mut self) -> io::Result<()> {
        todo!(
            "read until WouldBlock; move each complete line to outgoing; EOF, or MAX_LINE bytes with no newline, sets closing"
        )
    }
}

/// Serves `clients` connections on one thread with one poller, and returns once every
/// one of them has been closed. A client's error closes that client only.
pub fn serve_echo(listener: TcpListener, clients: usize, stats: &Stats) -> io::Result<()> {
    todo!(
        "non-blocking listener under key LISTENER, a HashMap of Connections, one wait(.., None, stats) per round, re-arm with modify after each event, delete before dropping"
    )
}
