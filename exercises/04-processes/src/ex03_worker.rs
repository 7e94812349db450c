//! Exercise 04.3: the worker loop, the child's half of a process pool.
//!
//! Book: `book/src/ch04-processes/worker.md`.

use std::io::{self, Read, Write};
use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

/// Serves jobs: reads frames from `input` until it ends, and for each one writes the
/// frame `handle(job)` returns to `output`, flushed before the next job is read.
/// Returns how many jobs were answered. The end of `input` is the normal way to stop;
/// any other way is an error, and is returned as it is: a truncated frame, or an answer
/// that cannot be written or flushed (the parent has gone away).
///
/// Use your codec from exercise 04.2: `crate::ex02_frames::{read_frame, write_frame}`.
pub fn serve<R: Read, W: Write>(
    input: R,
    output: W,
    handle: impl FnMut(&[u8]) -> Vec<u8>,
) -> io::Result<u64> {
    todo!("loop: read a frame; at the clean end stop; else handle it, write the answer, flush")
}

/// The worker process's `main`, given: serves [`handle_job`] on stdin and stdout.
/// Returns the exit code: 0 when stdin closed cleanly, 1 on a broken stream.
pub fn run_worker_process() -> i32 {
    // Locked handles: the worker is the only writer, and `StdoutLock` buffers by line,
    // which `serve`'s flush after each answer takes care of.
    match serve(io::stdin().lock(), io::stdout().lock(), handle_job) {
        Ok(_) => 0,
        Err(e) => {
            eprintln!("ch04-worker {}: {e}", std::process::id());
            1
        }
    }
}

/// How long a `wait-for` job waits before it gives up.
pub const WAIT_FOR_PATIENCE: Duration = Duration::from_secs(5);

/// The work a worker process does, given. A job is UTF-8 text:
///
/// - `pid`: answers the worker's process id, in decimal.
/// - `crash`: the worker exits at once with code 3, without answering (for tests).
/// - `crash PATH`: the same, after adding a line to the file `PATH`: a test counts the
///   lines to see how many times the job ran.
/// - `signal PATH`: creates the file `PATH`, answers `signalled`.
/// - `wait-for PATH`: waits until the file `PATH` exists, answers `got it`; after
///   [`WAIT_FOR_PATIENCE`] it gives up and answers `gave up`. Two jobs `wait-for P` and
///   `signal P` can only both succeed if they run at the same time, in two workers.
/// - anything else is answered with itself (an echo).
pub fn handle_job(job: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(job);
    if text == "pid" {
        std::process::id().to_string().into_bytes()
    } else if text == "crash" {
        std::process::exit(3)
    } else if let Some(path) = text.strip_prefix("crash ") {
        let note = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path);
        let _ = note.and_then(|mut file| file.write_all(b"ran\n"));
        std::process::exit(3)
    } else if let Some(path) = text.strip_prefix("signal ") {
        match std::fs::write(path, b"") {
            Ok(()) => b"signalled".to_vec(),
            Err(e) => format!("could not signal: {e}").into_bytes(),
        }
    } else if let Some(path) = text.strip_prefix("wait-for ") {
        let started = Instant::now();
        while !Path::new(path).exists() {
            if started.elapsed() > WAIT_FOR_PATIENCE {
                return b"gave up".to_vec();
            }
            thread::sleep(Duration::from_millis(2));
        }
        b"got it".to_vec()
    } else {
        job.to_vec()
    }
}
