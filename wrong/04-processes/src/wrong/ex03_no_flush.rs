//! Wrong: buffers the answers and flushes once, at the end. A parent that waits for each
//! answer before sending the next job waits forever.
use ch04_solution::ex02_frames::{read_frame, write_frame};
pub use ch04_solution::ex03_worker::{WAIT_FOR_PATIENCE, handle_job};
use std::io::{self, BufWriter, Read, Write};

pub fn serve<R: Read, W: Write>(
    mut input: R,
    output: W,
    mut handle: impl FnMut(&[u8]) -> Vec<u8>,
) -> io::Result<u64> {
    // "Fewer system calls": true, and fatal here.
    let mut output = BufWriter::new(output);
    let mut answered = 0;
    while let Some(job) = read_frame(&mut input)? {
        write_frame(&mut output, &handle(&job))?;
        answered += 1;
    }
    output.flush()?;
    Ok(answered)
}

pub fn run_worker_process() -> i32 {
    match serve(io::stdin().lock(), io::stdout().lock(), handle_job) {
        Ok(_) => 0,
        Err(_) => 1,
    }
}
