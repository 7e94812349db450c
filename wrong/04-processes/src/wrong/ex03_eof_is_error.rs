//! Wrong: treats the end of the input as a failure, so a worker told "no more jobs"
//! reports an error and exits with 1.
use ch04_solution::ex02_frames::{read_frame, write_frame};
pub use ch04_solution::ex03_worker::{WAIT_FOR_PATIENCE, handle_job};
use std::io::{self, ErrorKind, Read, Write};

pub fn serve<R: Read, W: Write>(
    mut input: R,
    mut output: W,
    mut handle: impl FnMut(&[u8]) -> Vec<u8>,
) -> io::Result<u64> {
    loop {
        let job = read_frame(&mut input)?
            .ok_or_else(|| io::Error::new(ErrorKind::UnexpectedEof, "no more input"))?;
        write_frame(&mut output, &handle(&job))?;
        output.flush()?;
    }
}

pub fn run_worker_process() -> i32 {
    match serve(io::stdin().lock(), io::stdout().lock(), handle_job) {
        Ok(_) => 0,
        Err(_) => 1,
    }
}
