//! Exercise 09.4: a connection budget.
//!
//! Book: `book/src/ch09-c10k/budget.md`. A tokio echo server that serves at most `limit`
//! clients at once: the one over the limit gets a clear refusal and is closed, so the
//! server degrades instead of running out of files for everyone.

use std::io;
use std::sync::Arc;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

/// What a client over the limit reads before the server closes its connection.
pub const BUSY: &[u8] = b"ERR busy: too many connections, try again later\n";

/// The longest line the server echoes, newline included; a longer one ends the
/// connection (bad input costs the sender, nobody else).
pub const MAX_LINE: usize = 64 * 1024;

/// Echoes lines until the client hangs up or misbehaves.
pub async fn echo(stream: TcpStream) -> io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = (&mut reader)
            .take(MAX_LINE as u64)
            .read_until(b'\n', &mut line)
            .await?;
        if n == 0 {
            return Ok(());
        }
        if line.last() != Some(&b'\n') {
            // Either too long or cut short by a hang-up: drop it.
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "a line too long, or cut short",
            ));
        }
        write.write_all(&line).await?;
    }
}

/// Accepts clients for ever; serves at most `limit` at once, each in a task of its own,
/// and refuses the others with [`BUSY`]. Returns only if `accept` fails.
pub async fn serve(listener: TcpListener, limit: usize) -> io::Result<()> {
    // One permit per client being served. `try_acquire`, not `acquire().await`: a client
    // over the limit is told so at once, instead of waiting in silence for a permit.
    let budget = Arc::new(Semaphore::new(limit));
    loop {
        let (mut stream, _peer) = listener.accept().await?;
        match budget.clone().try_acquire_owned() {
            Ok(permit) => {
                tokio::spawn(async move {
                    // The permit lives as long as this task: whether the client hangs up,
                    // errs or panics the handler, dropping it gives the place back.
                    let _permit = permit;
                    let _ = echo(stream).await;
                });
            }
            Err(_) => {
                // Refused in a task too, so that a slow reader of the refusal cannot
                // stall the accept loop.
                tokio::spawn(async move {
                    let _ = stream.write_all(BUSY).await;
                    let _ = stream.shutdown().await;
                });
            }
        }
    }
}
