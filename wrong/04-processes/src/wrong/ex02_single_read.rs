//! Wrong: one `read` call for the header and one for the payload, as if each always
//! arrived whole. A pipe may hand them out in pieces.
pub use ch04_solution::ex02_frames::{MAX_FRAME, write_frame};
use std::io::{self, ErrorKind, Read};

pub fn read_frame<R: Read + ?Sized>(input: &mut R) -> io::Result<Option<Vec<u8>>> {
    let mut header = [0u8; 4];
    let n = input.read(&mut header)?;
    if n == 0 {
        return Ok(None);
    }
    if n < 4 {
        return Err(ErrorKind::UnexpectedEof.into());
    }
    let length = u32::from_be_bytes(header) as usize;
    if length > MAX_FRAME {
        return Err(io::Error::new(ErrorKind::InvalidData, "frame too long"));
    }
    let mut payload = vec![0u8; length];
    let n = input.read(&mut payload)?;
    if n < length {
        return Err(ErrorKind::UnexpectedEof.into());
    }
    Ok(Some(payload))
}
