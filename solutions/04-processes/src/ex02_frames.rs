//! Exercise 04.2: messages over a byte stream, as length-prefixed frames.
//!
//! Book: `book/src/ch04-processes/frames.md`.
//!
//! A pipe carries bytes, not messages: one `write` of 10 bytes may arrive as two reads of
//! 3 and 7, and two writes may arrive as one read. A frame puts the message boundaries
//! back: 4 bytes of length (big-endian, "network order"), then that many bytes of payload.

use std::io::{self, ErrorKind, Read, Write};

/// The largest payload a frame may carry: 16 MiB. A length above it is refused before
/// anything is allocated, so a corrupt or hostile header cannot make us reserve 4 GiB.
pub const MAX_FRAME: usize = 16 * 1024 * 1024;

// ANCHOR: write_frame
/// Writes `payload` as one frame: its length as a 4-byte big-endian number, then the
/// payload. Does not flush. A payload longer than [`MAX_FRAME`] is refused with
/// [`ErrorKind::InvalidInput`], and nothing is written.
pub fn write_frame<W: Write + ?Sized>(output: &mut W, payload: &[u8]) -> io::Result<()> {
    if payload.len() > MAX_FRAME {
        return Err(io::Error::new(
            ErrorKind::InvalidInput,
            format!(
                "a frame of {} bytes is over the limit of {MAX_FRAME} bytes",
                payload.len()
            ),
        ));
    }
    // The check above makes the cast lossless.
    let length = (payload.len() as u32).to_be_bytes();
    // `write_all`, not `write`: `write` may take only part of the buffer.
    output.write_all(&length)?;
    output.write_all(payload)
}
// ANCHOR_END: write_frame

// ANCHOR: read_frame
/// Reads one frame and returns its payload.
///
/// - `Ok(None)`: the stream ended cleanly, before the first byte of a frame.
/// - [`ErrorKind::UnexpectedEof`]: it ended inside a frame (a truncated frame).
/// - [`ErrorKind::InvalidData`]: the length is over [`MAX_FRAME`]; nothing more is read.
///
/// Works with readers that hand out a few bytes at a time, as pipes and sockets do.
pub fn read_frame<R: Read + ?Sized>(input: &mut R) -> io::Result<Option<Vec<u8>>> {
    let mut header = [0u8; 4];
    // The first byte is read by hand: end-of-file *here* is the clean end of the
    // stream, while end-of-file anywhere later means the peer stopped mid-frame.
    loop {
        match input.read(&mut header[..1]) {
            Ok(0) => return Ok(None),
            Ok(_) => break,
            // A signal arrived during the read; nothing was lost, try again.
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    // `read_exact` loops over short reads (and `Interrupted`) until the buffer is full,
    // and fails with `UnexpectedEof` if the stream ends first.
    input.read_exact(&mut header[1..]).map_err(truncated)?;
    let length = u32::from_be_bytes(header) as usize;
    if length > MAX_FRAME {
        return Err(io::Error::new(
            ErrorKind::InvalidData,
            format!("a frame says it is {length} bytes long, over the limit of {MAX_FRAME}"),
        ));
    }
    let mut payload = vec![0u8; length];
    input.read_exact(&mut payload).map_err(truncated)?;
    Ok(Some(payload))
}

/// Gives an end-of-file inside a frame a message that says so.
fn truncated(e: io::Error) -> io::Error {
    if e.kind() == ErrorKind::UnexpectedEof {
        io::Error::new(ErrorKind::UnexpectedEof, "the stream ended inside a frame")
    } else {
        e
    }
}
// ANCHOR_END: read_frame
