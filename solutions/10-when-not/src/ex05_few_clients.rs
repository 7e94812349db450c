//! Exercise 10.5: few clients, short project. One small tool, a line server that answers
//! each line in capitals, written twice: on tokio (given) and with one blocking thread
//! per client (yours). The same tests run both. The page is
//! `book/src/ch10-when-not/few-clients.md`.

use std::io::{self, BufRead, BufReader, Write};
use std::net::TcpListener;
use std::thread;

// ANCHOR: answer
/// Given. What the tool answers to one line (without its `\n`): the line in capitals,
/// or an error line for bytes that are not UTF-8. The connection goes on either way.
pub fn answer(line: &[u8]) -> Vec<u8> {
    match std::str::from_utf8(line) {
        Ok(text) => format!("{}\n", text.trim_end_matches('\r').to_uppercase()).into_bytes(),
        Err(_) => b"ERR not UTF-8\n".to_vec(),
    }
}
// ANCHOR_END: answer

// ANCHOR: async
/// Given. The async version: accepts `clients` connections, one task each, and returns
/// when all of them have hung up.
pub async fn serve_async(listener: tokio::net::TcpListener, clients: usize) -> io::Result<()> {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..clients {
        let (stream, _) = listener.accept().await?;
        tasks.spawn(async move {
            let (read, mut write) = stream.into_split();
            let mut read = tokio::io::BufReader::new(read);
            let mut line = Vec::new();
            loop {
                line.clear();
                // An error or end of stream ends this client only.
                match read.read_until(b'\n', &mut line).await {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
                // A line cut off by a hang-up gets no answer: nobody would read it.
                if line.pop() != Some(b'\n') {
                    break;
                }
                if write.write_all(&answer(&line)).await.is_err() {
                    break;
                }
            }
        });
    }
    while tasks.join_next().await.is_some() {}
    Ok(())
}
// ANCHOR_END: async

// ANCHOR: blocking
/// The blocking version: accepts `clients` connections, one thread each, and returns
/// when all of them have hung up.
pub fn serve_blocking(listener: TcpListener, clients: usize) -> io::Result<()> {
    // Scoped threads: the scope joins every client's thread before it returns.
    thread::scope(|scope| {
        for _ in 0..clients {
            let (stream, _) = listener.accept()?;
            scope.spawn(move || {
                // An error ends this client only; the others go on.
                let _ = serve_one(stream);
            });
        }
        Ok(())
    })
}

/// One client, to the end: read a line, answer it, again. Blocking reads are fine here:
/// they stop only this client's thread.
fn serve_one(stream: std::net::TcpStream) -> io::Result<()> {
    let mut write = stream.try_clone()?;
    let mut read = BufReader::new(stream);
    let mut line = Vec::new();
    loop {
        line.clear();
        // Bytes, not `read_line`: a line that is not UTF-8 must get an answer, not end
        // the connection with an error.
        if read.read_until(b'\n', &mut line)? == 0 || line.pop() != Some(b'\n') {
            return Ok(());
        }
        write.write_all(&answer(&line))?;
    }
}
// ANCHOR_END: blocking
