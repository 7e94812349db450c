//! Exercise 08.4: one library, three runtimes. The server and client below know only the
//! `futures` traits (`AsyncRead`, `AsyncWrite`, `Stream`) and a spawner passed in, so the
//! same code runs on tokio, async-std and smol. The page is
//! `book/src/ch08-frameworks/runtimes.md`.

use futures::future::BoxFuture;
use futures::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use futures::{Stream, StreamExt};
use std::io;

/// The protocol: each line gets one line back, in capitals.
pub fn reply(line: &str) -> String {
    line.to_uppercase()
}

/// Accepts connections from `incoming` until it ends, and serves each one with `handle` on
/// a task started by `spawn`: the runtime's own spawn function, passed in by the caller.
/// A failed connection ends that connection only; a failed accept ends the server.
pub async fn serve<S, C>(mut incoming: S, spawn: impl Fn(BoxFuture<'static, ()>)) -> io::Result<()>
where
    S: Stream<Item = io::Result<C>> + Unpin,
    C: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    while let Some(conn) = incoming.next().await {
        let conn = conn?;
        // Spawned, not awaited: a connection waiting for its peer holds up nobody. The
        // spawner is whatever runtime the caller runs; this library names none.
        spawn(Box::pin(async move {
            let _ = handle(conn).await;
        }));
    }
    Ok(())
}

/// Serves one connection: reads lines and answers each with `reply`, until the peer
/// hangs up. Each answer is flushed: a connection may buffer what is written to it, and
/// the peer waits for the answer before it sends the next line.
pub async fn handle<C>(conn: C) -> io::Result<()>
where
    C: AsyncRead + AsyncWrite + Unpin,
{
    // One BufReader for the whole connection: bytes it has read past the end of a line
    // are the start of the next line, and must not be thrown away.
    let mut conn = BufReader::new(conn);
    let mut line = String::new();
    loop {
        line.clear();
        if conn.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let answer = reply(line.trim_end_matches('\n'));
        conn.get_mut()
            .write_all(format!("{answer}\n").as_bytes())
            .await?;
        // The traits allow the connection to hold the answer in a buffer (a TLS stream,
        // a BufWriter): without a flush the peer could wait for it for ever.
        conn.flush().await?;
    }
}

/// The client side: one request, one answer, on any connection.
pub struct Client<C> {
    /// Buffered for reading answers line by line; writes go to the connection itself.
    conn: BufReader<C>,
}

impl<C: AsyncRead + AsyncWrite + Unpin> Client<C> {
    /// A client on an open connection.
    pub fn new(conn: C) -> Self {
        Self {
            conn: BufReader::new(conn),
        }
    }

    /// The connection, for a caller that is done with requests.
    pub fn into_inner(self) -> C {
        self.conn.into_inner()
    }

    /// Sends `line` and waits for its answer. A server that hangs up first is an
    /// `UnexpectedEof` error.
    pub async fn call(&mut self, line: &str) -> io::Result<String> {
        let conn = self.conn.get_mut();
        conn.write_all(format!("{line}\n").as_bytes()).await?;
        conn.flush().await?;
        let mut answer = String::new();
        if self.conn.read_line(&mut answer).await? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        Ok(answer.trim_end_matches('\n').to_string())
    }
}
