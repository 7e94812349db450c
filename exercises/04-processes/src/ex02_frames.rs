//! Exercise 04.2: messages over a byte stream, as length-prefixed frames.
//!
//! Book: `book/src/ch04-processes/frames.md`.
//!
//! A pipe carries bytes, not messages: one `write` of 10 bytes may arrive as two reads of
//! 3 and 7, and two writes may arrive as one read. A frame puts the message boundaries
//! back: 4 bytes of length (big-endian, "network order"), then that many bytes of payload.

use std::io::{self, Read, Write};

/// The largest payload a frame may carry: 16 MiB. A length above it is refused before
/// anything is allocated, so a corrupt or hostile header cannot make us reserve 4 GiB.
pub const MAX_FRAME: usize = 16 * 1024 * 1024;

/// Writes `payload` as one frame: its length as a 4-byte big-endian number, then the
/// payload. Does not flush. A payload longer than [`MAX_FRAME`] is refused with
/// [`io::ErrorKind::InvalidInput`], and nothing is written.
pub fn write_frame<W: Write + ?Sized>(output: &mut W, payload: &[u8]) -> io::Result<()> {
    todo!("check the size, then write the 4 length bytes and the payload")
}

/// Reads one frame and returns its payload.
///
/// - `Ok(None)`: the stream ended cleanly, before the first byte of a frame.
/// - [`io::ErrorKind::UnexpectedEof`]: it ended inside a frame (a truncated frame).
/// - [`io::ErrorKind::InvalidData`]: the length is over [`MAX_FRAME`]; nothing more is read.
///
/// Works with readers that hand out a few bytes at a time, as pipes and sockets do.
pub fn read_frame<R: Read + ?Sized>(input: &mut R) -> io::Result<Option<Vec<u8>>> {
    todo!("tell a clean end (no byte at all) from a cut frame; check the length before allocating")
}
