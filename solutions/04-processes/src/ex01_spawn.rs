//! Exercise 04.1: start a child process, talk to it over its pipes, wait for it.
//!
//! Book: `book/src/ch04-processes/spawn.md`.

use std::io::{self, Read, Write};
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};

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

// ANCHOR: serve_one_line
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
// ANCHOR_END: serve_one_line

// ANCHOR: ask_child
/// Starts `program line` as a child process, writes `request` and a newline to its
/// stdin, reads everything it answers on its stdout, and waits for it to exit.
pub fn ask_child(program: &Path, request: &str) -> io::Result<Reply> {
    let mut child = Command::new(program)
        .arg("line")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    let pid = child.id();

    // `take` moves the pipe's write end out of `child`, so that dropping it at the end of
    // this block closes it. The child reads until end-of-file: while we hold the write
    // end open, it would wait for more, and we would wait for its answer, forever.
    {
        let mut to_child = child.stdin.take().expect("stdin was piped");
        to_child.write_all(request.as_bytes())?;
        to_child.write_all(b"\n")?;
    }

    // Read *before* waiting. A pipe holds only so much (64 KiB on Linux); a child with
    // more to say blocks until we read, and would never exit if we waited first.
    let mut answer = String::new();
    child
        .stdout
        .take()
        .expect("stdout was piped")
        .read_to_string(&mut answer)?;

    // Waiting collects the exit status and lets the OS forget the child. A child that
    // has ended but was never waited for stays in the process table: a zombie.
    let status = child.wait()?;
    Ok(Reply {
        answer,
        pid,
        status,
    })
}
// ANCHOR_END: ask_child
