//! Wrong: believes whatever length the header says, and allocates it before reading.
//! A corrupt header of 0xFFFFFFFF reserves 4 GiB.
pub use ch04_solution::ex02_frames::{MAX_FRAME, write_frame};
use std::io::{self, ErrorKind, Read};

pub fn read_frame<R: Read + ?Sized>(input: &mut R) -> io::Result<Option<Vec<u8>>> {
    let mut header = [0u8; 4];
    loop {
        match input.read(&mut header[..1]) {
            Ok(0) => return Ok(None),
            Ok(_) => break,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    input.read_exact(&mut header[1..])?;
    let length = u32::from_be_bytes(header) as usize;
    let mut payload = vec![0u8; length];
    input.read_exact(&mut payload)?;
    Ok(Some(payload))
}
