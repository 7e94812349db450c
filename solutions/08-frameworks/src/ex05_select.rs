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
    mut outgoing: mpsc::Receiver<String>,
    incoming: mpsc::Sender<String>,
    shutdown: CancellationToken,
    idle: Duration,
) -> io::Result<Ending>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let (reader, mut writer) = tokio::io::split(stream);
    // `Lines` keeps a partly read line in its own buffer, which outlives each call to
    // `next_line`: when another branch wins, the bytes already read wait there for the
    // next call. That is what makes `next_line` cancel safe (a `read_line` into a
    // buffer of the loop's body is not).
    let mut lines = BufReader::new(reader).lines();
    // One timer for the whole loop, moved forward by each line from the peer. A timer
    // made anew in each round would also be restarted by our own outgoing messages.
    let idle_timer = sleep(idle);
    tokio::pin!(idle_timer);
    loop {
        tokio::select! {
            line = lines.next_line() => match line? {
                Some(line) => {
                    idle_timer.as_mut().reset(Instant::now() + idle);
                    // If nobody listens any more, the line has nowhere to go: drop it.
                    let _ = incoming.send(line).await;
                }
                None => return Ok(Ending::PeerClosed),
            },
            // When every sender is gone, `recv` gives `None`: the pattern does not match
            // and select! disables this branch instead of ending the loop.
            Some(message) = outgoing.recv() => write_line(&mut writer, &message).await?,
            () = shutdown.cancelled() => {
                write_line(&mut writer, BYE_SHUTDOWN).await?;
                return Ok(Ending::Shutdown);
            }
            () = &mut idle_timer => {
                write_line(&mut writer, BYE_IDLE).await?;
                return Ok(Ending::Idle);
            }
        }
    }
}

/// Writes `line` and a newline to the peer, and flushes: a stream may keep what is
/// written in a buffer (a TLS stream, a `BufWriter`) until it is flushed, and a goodbye
/// left there is lost when the connection is dropped.
async fn write_line<W: AsyncWrite + Unpin>(writer: &mut W, line: &str) -> io::Result<()> {
    writer.write_all(format!("{line}\n").as_bytes()).await?;
    writer.flush().await
}
