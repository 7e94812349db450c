//! Exercise 05.4: green I/O, the gevent idea, and a green echo server.
//!
//! Book: `book/src/ch05-green/green-io.md`. Sockets are non-blocking; a read that would
//! block parks only its green thread, and the `polling` crate says when to wake it.

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use polling::{AsRawSource, AsSource, Event, Events, Poller};

use crate::ex02_scheduler::{GreenId, IoDriver, current, io_driver, park, spawn, unpark};

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

/// The reactor: one `Poller` per `run`, and who waits for what.
pub struct Reactor {
    poller: Poller,
    /// The green threads parked in [`wait_until_ready`]. The poller's event key is the
    /// green thread's id, so an event says directly whom to wake.
    waiting: RefCell<HashMap<usize, GreenId>>,
    /// Where `poll` collects events; kept to avoid an allocation per poll.
    events: RefCell<Events>,
}

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
        let mut events = self.events.borrow_mut();
        events.clear();
        // The one place where the OS thread blocks: nobody is ready, so wait for the
        // kernel to say which socket is.
        if let Err(error) = self.poller.wait(&mut events, timeout) {
            // Interrupted by a signal: the loop will simply poll again.
            if error.kind() != io::ErrorKind::Interrupted {
                panic!("waiting for I/O failed: {error}");
            }
        }
        for event in events.iter() {
            let woken = self.waiting.borrow_mut().remove(&event.key);
            if let Some(id) = woken {
                unpark(id);
            }
        }
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
    let reactor = Reactor::get();
    let me = current();
    let event = match interest {
        Interest::Read => Event::readable(me),
        Interest::Write => Event::writable(me),
    };
    // SAFETY: `Poller::add` requires the source to be deleted from the poller before it
    // is closed. We hold `&source` for this whole function and delete it below on every
    // path that gets past this line, so it is deleted while still open.
    unsafe { reactor.poller.add(source, event)? };
    reactor.waiting.borrow_mut().insert(me, me);
    park();
    // Woken: `poll` has already removed us from `waiting`. One registration per wait
    // costs two system calls; it keeps the bookkeeping obvious.
    reactor.poller.delete(source)
}
// ANCHOR_END: wait

// ANCHOR: read
/// Reads into `buf` like `Read::read`, but a read that would block parks only this green
/// thread. `stream` must be non-blocking.
pub fn read(stream: &TcpStream, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match (&*stream).read(buf) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                wait_until_ready(stream, Interest::Read)?;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            other => return other,
        }
    }
}

/// Accepts a connection; waiting parks only this green thread. The new stream is
/// non-blocking.
pub fn accept(listener: &TcpListener) -> io::Result<TcpStream> {
    listener.set_nonblocking(true)?;
    loop {
        match listener.accept() {
            Ok((stream, _peer)) => {
                stream.set_nonblocking(true)?;
                return Ok(stream);
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                wait_until_ready(listener, Interest::Read)?;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}
// ANCHOR_END: read

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
    let mut handlers = Vec::with_capacity(clients);
    for _ in 0..clients {
        // Only a failing accept ends the server.
        let stream = accept(&listener)?;
        handlers.push(spawn(move || {
            // A client's error ends that client's connection, and nothing else.
            if let Err(error) = handle_client(stream) {
                eprintln!("echo: a client was dropped: {error}");
            }
        }));
    }
    for handler in handlers {
        // A handler that panicked has been reported by the scheduler; go on.
        let _ = handler.join();
    }
    Ok(())
}
// ANCHOR_END: serve
