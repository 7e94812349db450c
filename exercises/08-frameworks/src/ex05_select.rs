//! Exercise 08.5: `select!` in a connection loop (a line, a message to send, shutdown, an
//! idle timeout), with a read that loses nothing when another branch wins.
//!
//! The page is `book/src/ch08-frameworks/select.md`.

use std::io;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep};
use tokio_util::sync::CancellationToken;

/// Why a connection loop ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// The peer closed its side.
    PeerClosed,
    /// The server is shutting down; the peer was told.
    Shutdown,
    /// The peer sent nothing for the idle time; the peer was told.
    Idle,
}

/// What the peer reads before the server closes the connection on shutdown.
pub const BYE_SHUTDOWN: &str = "bye: the server is shutting down";
/// What the peer reads before the server closes an idle connection.
pub const BYE_IDLE: &str = "bye: idle for too long";

/// Serves one connection until it ends: each line from the peer goes to `incoming`, each
/// message from `outgoing` is written to the peer as a line, `shutdown` ends the loop with
/// a goodbye, and so does a peer that sends nothing for `idle`. Each line written to the
/// peer is flushed at once (the stream may buffer what is written). When every sender of
/// `outgoing` is gone there is nothing more to send, and the loop goes on without it; when
/// `incoming`'s receiver is gone, the peer's lines are dropped, and the loop goes on too.
pub async fn connection<S>(
    stream: S,
    outgoing: mpsc::Receiver<String>,
    incoming: mpsc::Sender<String>,
    shutdown: CancellationToken,
    idle: Duration,
) -> io::Result<Ending>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    todo!("split the stream; lines(); one pinned sleep; loop over select! with four branches")
}
