//! Exercise 05.4: green I/O, the gevent idea, and a green echo server.
//!
//! Book: `book/src/ch05-green/green-io.md`. Sockets are non-blocking; a read that would
//! block parks only its green thread, and the `polling` crate says when to wake it. Fill
//! in the `todo!()`s: `Reactor::poll`, `wait_until_ready`, `read`, `accept`, `serve_echo`.
//! `write_all` and `handle_client` are given.

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::{self, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use polling::{AsRawSource, AsSource, Events, Poller};

// `current`, `park`, `unpark` and `spawn` are there too, for you to use.
use crate::ex02_scheduler::{GreenId, IoDriver, io_driver};

/// The longest line the echo server accepts, newline included. A longer one gets
/// [`TOO_LONG`] and the connection is closed.
pub const MAX_LINE: usize = 1024;

/// The reply to a line longer than [`MAX_LINE`].
pub const TOO_LONG: &[u8] = b"ERR line too long\n";

/// What a green thread waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interest {
    Read,
    Write,
}

// ANCHOR: reactor
/// The reactor: one `Poller` per `run`, and who waits for what.
pub struct Reactor {
    poller: Poller,
    /// The green threads parked in [`wait_until_ready`]. The poller's event key is the
    /// green thread's id, so an event says directly whom to wake.
    waiting: RefCell<HashMap<usize, GreenId>>,
    /// Where `poll` collects events; kept to avoid an allocation per poll.
    events: RefCell<Events>,
}
// ANCHOR_END: reactor

impl Reactor {
    /// A reactor with a new `Poller` (epoll on Linux, kqueue on macOS, IOCP on Windows).
    pub fn new() -> io::Result<Self> {
        Ok(Self {
            poller: Poller::new()?,
            waiting: RefCell::new(HashMap::new()),
            events: RefCell::new(Events::new()),
        })
    }

    /// This run's reactor (the scheduler keeps it).
    pub fn get() -> std::rc::Rc<Reactor> {
        io_driver(|| Reactor::new().expect("the OS refused to create a poller"))
    }
}

impl std::fmt::Debug for Reactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reactor")
            .field("poller", &self.poller)
            .field("waiting", &self.waiting.borrow().len())
            .field("events", &self.events.borrow().capacity())
            .finish()
    }
}

// ANCHOR: poll
impl IoDriver for Reactor {
    fn has_waiters(&self) -> bool {
        !self.waiting.borrow().is_empty()
    }

    fn poll(&self, timeout: Option<Duration>) {
        todo!("wait on the poller with this timeout, then unpark whoever each event's key names")
    }
}
// ANCHOR_END: poll

// ANCHOR: wait
/// Parks the running green thread until `source` is ready for `interest`.
pub fn wait_until_ready<S>(source: &S, interest: Interest) -> io::Result<()>
where
    S: AsSource,
    for<'a> &'a S: AsRawSource,
{
    todo!(
        "add the source with your id as the key (unsafe: say why it is sound), note that you wait, park, then delete it"
    )
}

/// Reads into `buf` like `Read::read`, but a read that would block parks only this green
/// thread. `stream` must be non-blocking.
pub fn read(stream: &TcpStream, buf: &mut [u8]) -> io::Result<usize> {
    todo!("try the read; on WouldBlock wait until readable and try again")
}

/// Accepts a connection; waiting parks only this green thread. The new stream is
/// non-blocking.
pub fn accept(listener: &TcpListener) -> io::Result<TcpStream> {
    todo!(
        "make the listener non-blocking; on WouldBlock wait until readable; new streams are non-blocking too"
    )
}
// ANCHOR_END: wait

// ANCHOR: write_all
/// Writes all of `data`; a full send buffer parks only this green thread.
pub fn write_all(stream: &TcpStream, mut data: &[u8]) -> io::Result<()> {
    while !data.is_empty() {
        match (&*stream).write(data) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => data = &data[n..],
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                wait_until_ready(stream, Interest::Write)?;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
// ANCHOR_END: write_all

/// Serves one client: sends back every complete line it sends. A line longer than
/// [`MAX_LINE`] gets [`TOO_LONG`] and an error; a partial line at hang-up is dropped.
pub fn handle_client(stream: TcpStream) -> io::Result<()> {
    let mut line = Vec::with_capacity(128);
    let mut buf = [0u8; 512];
    loop {
        let n = read(&stream, &mut buf)?;
        if n == 0 {
            // The peer hung up; whatever partial line it left is dropped.
            return Ok(());
        }
        for &byte in &buf[..n] {
            line.push(byte);
            if byte == b'\n' {
                write_all(&stream, &line)?;
                line.clear();
            } else if line.len() >= MAX_LINE {
                write_all(&stream, TOO_LONG)?;
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "the client sent a line that is too long",
                ));
            }
        }
    }
}

// ANCHOR: serve
/// Accepts `clients` connections and serves each in a green thread of its own, all on
/// this OS thread. Returns once every one of them has been served (its connection
/// closed). A failing `accept` ends it with that error; a client's error ends only that
/// client's connection.
pub fn serve_echo(listener: TcpListener, clients: usize) -> io::Result<()> {
    todo!(
        "accept `clients` connections, each handled in a green thread of its own; then join them all"
    )
}
// ANCHOR_END: serve
