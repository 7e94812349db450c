//! Exercise 04.1: start a child process, talk to it over its pipes, wait for it.
//!
//! Book: `book/src/ch04-processes/spawn.md`.

use std::io::{self, Read, Write};
use std::path::Path;
use std::process::ExitStatus;

/// What came back from one child process.
#[derive(Debug)]
pub struct Reply {
    /// Everything the child wrote to its stdout.
    pub answer: String,
    /// The child's process id, as the operating system numbered it.
    pub pid: u32,
    /// How the child ended: only [`Child::wait`](std::process::Child::wait) can tell, and
    /// waiting is also what frees the finished child's entry in the process table.
    pub status: ExitStatus,
}

/// The child's side, given: `ch04-worker line` runs this. It reads its whole stdin (so it
/// answers only once the parent has closed the pipe), writes it back in capitals, and
/// returns the exit code: 0 if the request was exactly one line, 2 otherwise.
pub fn serve_one_line() -> i32 {
    let mut request = String::new();
    if io::stdin().read_to_string(&mut request).is_err() {
        return 1;
    }
    let mut out = io::stdout().lock();
    if out.write_all(request.to_uppercase().as_bytes()).is_err() || out.flush().is_err() {
        return 1;
    }
    if request.lines().count() == 1 { 0 } else { 2 }
}

/// Starts `program line` as a child process, writes `request` and a newline to its
/// stdin, reads everything it answers on its stdout, and waits for it to exit.
///
/// The child reads until its stdin is closed, and may answer more than a pipe can hold.
pub fn ask_child(program: &Path, request: &str) -> io::Result<Reply> {
    todo!(
        "start the program with `std::process::Command`, its stdin and stdout piped; then write, close, read, wait"
    )
}
