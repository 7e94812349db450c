//! Wrong: takes any end of the stream for the clean end, even in the middle of a frame.
//! A worker that died mid-answer looks like one that had nothing more to say.
pub use ch04_solution::ex02_frames::{MAX_FRAME, write_frame};
use std::io::{self, ErrorKind, Read};

pub fn read_frame<R: Read + ?Sized>(input: &mut R) -> io::Result<Option<Vec<u8>>> {
    let mut header = [0u8; 4];
    if let Err(e) = input.read_exact(&mut header) {
        return if e.kind() == ErrorKind::UnexpectedEof {
            Ok(None)
        } else {
            Err(e)
        };
    }
    let length = u32::from_be_bytes(header) as usize;
    if length > MAX_FRAME {
        return Err(io::Error::new(ErrorKind::InvalidData, "frame too long"));
    }
    let mut payload = vec![0u8; length];
    if let Err(e) = input.read_exact(&mut payload) {
        return if e.kind() == ErrorKind::UnexpectedEof {
            Ok(None)
        } else {
            Err(e)
        };
    }
    Ok(Some(payload))
}
