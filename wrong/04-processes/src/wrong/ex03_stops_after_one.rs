//! Wrong: answers one job and returns, like a request/response handler, instead of
//! serving jobs until the input ends.
use ch04_solution::ex02_frames::{read_frame, write_frame};
pub use ch04_solution::ex03_worker::{WAIT_FOR_PATIENCE, handle_job};
use std::io::{self, Read, Write};

pub fn serve<R: Read, W: Write>(
    mut input: R,
    mut output: W,
    mut handle: impl FnMut(&[u8]) -> Vec<u8>,
) -> io::Result<u64> {
    match read_frame(&mut input)? {
        Some(job) => {
            write_frame(&mut output, &handle(&job))?;
            output.flush()?;
            Ok(1)
        }
        None => Ok(0),
    }
}

pub fn run_worker_process() -> i32 {
    match serve(io::stdin().lock(), io::stdout().lock(), handle_job) {
        Ok(_) => 0,
        Err(_) => 1,
    }
}
