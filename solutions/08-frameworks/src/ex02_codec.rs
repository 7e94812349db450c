//! Exercise 08.2: a protocol as a codec. Twisted splits a network program into a transport
//! (bytes in, bytes out) and a protocol (what the bytes mean); tokio-util's `Framed` joins a
//! byte stream to a `Decoder`/`Encoder` pair the same way. The page is
//! `book/src/ch08-frameworks/codec.md`.

use futures::{SinkExt, StreamExt};
use std::{fmt, io};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::bytes::{BufMut, BytesMut};
use tokio_util::codec::{Decoder, Encoder, Framed};

/// A line that is not UTF-8: reported to the peer, and the connection goes on. It is an
/// *item*, not a decoder error, because `Framed` ends the stream after any decoder error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotUtf8 {
    /// How many bytes of the line were valid before the first bad one.
    pub valid_up_to: usize,
}

/// What ends a connection.
#[derive(Debug)]
pub enum LineError {
    /// A line (or the start of one) longer than the limit: refused before it is all read,
    /// so a peer cannot make the server buffer without end.
    TooLong { limit: usize },
    /// The socket failed, or the peer hung up in the middle of a line.
    Io(io::Error),
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LineError::TooLong { limit } => write!(f, "line longer than {limit} bytes"),
            LineError::Io(e) => write!(f, "i/o error: {e}"),
        }
    }
}

impl std::error::Error for LineError {}

impl From<io::Error> for LineError {
    fn from(e: io::Error) -> Self {
        LineError::Io(e)
    }
}

/// Lines of text, each ended by `\n` and at most `max_length` bytes long (without it).
#[derive(Debug, Clone)]
pub struct LineCodec {
    /// The longest line accepted, in bytes, newline not counted.
    max_length: usize,
}

impl LineCodec {
    /// A codec for lines of at most `max_length` bytes.
    pub fn new(max_length: usize) -> Self {
        Self { max_length }
    }

    /// The longest line accepted, in bytes.
    pub fn max_length(&self) -> usize {
        self.max_length
    }
}

impl Decoder for LineCodec {
    type Item = Result<String, NotUtf8>;
    type Error = LineError;

    fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Self::Item>, LineError> {
        let Some(end) = buf.iter().position(|&b| b == b'\n') else {
            // No whole line yet. Refuse now if what is here is already too long: waiting
            // for its end would let the peer fill our memory.
            if buf.len() > self.max_length {
                return Err(LineError::TooLong {
                    limit: self.max_length,
                });
            }
            return Ok(None);
        };
        if end > self.max_length {
            return Err(LineError::TooLong {
                limit: self.max_length,
            });
        }
        // Take the line and its newline out of the buffer whatever it holds, so that a
        // bad line is reported once and the next line decodes.
        let line = buf.split_to(end + 1);
        let line = &line[..end];
        Ok(Some(match std::str::from_utf8(line) {
            Ok(text) => Ok(text.to_string()),
            Err(e) => Err(NotUtf8 {
                valid_up_to: e.valid_up_to(),
            }),
        }))
    }
}

impl Encoder<String> for LineCodec {
    type Error = LineError;

    fn encode(&mut self, line: String, buf: &mut BytesMut) -> Result<(), LineError> {
        buf.reserve(line.len() + 1);
        buf.put(line.as_bytes());
        buf.put_u8(b'\n');
        Ok(())
    }
}

/// Accepts connections for ever and serves each on a task of its own with `handle`. A
/// connection's error ends that connection only; only a failed `accept` ends the server.
pub async fn serve(listener: TcpListener, max_length: usize) -> io::Result<()> {
    loop {
        let (stream, _) = listener.accept().await?;
        // A task per connection: a slow or silent peer holds up nobody else.
        tokio::spawn(async move {
            if let Err(e) = handle(stream, max_length).await {
                eprintln!("connection closed: {e}");
            }
        });
    }
}

/// Serves one connection: each line is answered with `echo: <line>`; a line that is not
/// UTF-8 with `error: not UTF-8 after byte N`; a line that is too long with
/// `error: line longer than N bytes`, after which the connection is closed (its error is
/// returned).
pub async fn handle(stream: TcpStream, max_length: usize) -> Result<(), LineError> {
    let mut framed = Framed::new(stream, LineCodec::new(max_length));
    while let Some(frame) = framed.next().await {
        let reply = match frame {
            Ok(Ok(line)) => format!("echo: {line}"),
            Ok(Err(NotUtf8 { valid_up_to })) => {
                format!("error: not UTF-8 after byte {valid_up_to}")
            }
            Err(LineError::TooLong { limit }) => {
                // Tell the peer why, then drop the connection: the rest of that line
                // cannot be found without reading it all.
                framed
                    .send(format!("error: line longer than {limit} bytes"))
                    .await?;
                return Err(LineError::TooLong { limit });
            }
            Err(e) => return Err(e),
        };
        framed.send(reply).await?;
    }
    Ok(())
}
