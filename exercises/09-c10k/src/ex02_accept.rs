//! Exercise 09.2: an accept loop that survives running out of file descriptors.
//!
//! Book: `book/src/ch09-c10k/out-of-files.md`. When `accept` fails with `EMFILE`, the
//! connection stays in the backlog, so retrying at once fails again at once: back off,
//! keep serving, and accept again when a descriptor frees up.

use std::io;
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

/// Something that accepts connections: a `TcpListener`, or a test's wrapper that counts
/// the calls.
pub trait Accept {
    fn accept(&self) -> io::Result<TcpStream>;
}

impl Accept for TcpListener {
    fn accept(&self) -> io::Result<TcpStream> {
        TcpListener::accept(self).map(|(stream, _peer)| stream)
    }
}

/// How long to wait after an `accept` that failed for lack of resources: `first`, then
/// twice as long each time it fails again, never more than `max`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    pub first: Duration,
    pub max: Duration,
}

impl Default for Backoff {
    /// 1 ms, doubling up to 100 ms: a freed descriptor is noticed within 100 ms, and an
    /// exhausted server makes at most a few dozen failing calls per second.
    fn default() -> Self {
        Backoff {
            first: Duration::from_millis(1),
            max: Duration::from_millis(100),
        }
    }
}

// ANCHOR: kinds
/// `accept` failed because the process or the system ran out of something (files,
/// buffers, memory) that a closing connection may give back.
pub fn is_out_of_resources(error: &io::Error) -> bool {
    // The numbers are the same on Linux and macOS, except ENOBUFS.
    const ENOMEM: i32 = 12;
    const ENFILE: i32 = 23; // the whole system's open-files limit
    const EMFILE: i32 = 24; // this process's open-files limit
    #[cfg(target_os = "linux")]
    const ENOBUFS: i32 = 105;
    #[cfg(not(target_os = "linux"))]
    const ENOBUFS: i32 = 55;
    cfg!(unix)
        && matches!(
            error.raw_os_error(),
            Some(EMFILE | ENFILE | ENOBUFS | ENOMEM)
        )
}

/// `accept` failed because of that one connection (it was reset before we took it) or a
/// signal: try the next one at once.
pub fn is_per_connection(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::Interrupted
    )
}
// ANCHOR_END: kinds

/// Accepts connections for ever and hands each to `serve`, which must not block (it
/// spawns a thread or a task). When the process runs out of files, it calls
/// `pause(wait)` with the [`Backoff`]'s wait and tries again; the wait starts over at
/// `backoff.first` after each successful accept. Returns only for an error that is
/// neither per-connection nor a lack of resources: the listener itself is broken.
pub fn accept_loop<L: Accept>(
    listener: &L,
    backoff: Backoff,
    pause: impl FnMut(Duration),
    serve: impl FnMut(TcpStream),
) -> io::Error {
    todo!(
        "loop on accept: serve a stream, retry a per-connection error, pause and double the wait when out of resources"
    )
}
