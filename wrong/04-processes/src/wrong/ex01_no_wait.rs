//! Wrong: reads the answer but never waits for the child. The status is made up, and
//! the finished child stays in the process table as a zombie.
pub use ch04_solution::ex01_spawn::{Reply, serve_one_line};
use std::io::{self, Read, Write};
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};

pub fn ask_child(program: &Path, request: &str) -> io::Result<Reply> {
    let mut child = Command::new(program)
        .arg("line")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    let pid = child.id();
    {
        let mut to_child = child.stdin.take().expect("stdin was piped");
        to_child.write_all(request.as_bytes())?;
        to_child.write_all(b"\n")?;
    }
    let mut answer = String::new();
    child
        .stdout
        .take()
        .expect("stdout was piped")
        .read_to_string(&mut answer)?;
    // "It has answered, so it must have succeeded": no wait, a status made up.
    let status = ExitStatus::default();
    Ok(Reply {
        answer,
        pid,
        status,
    })
}
