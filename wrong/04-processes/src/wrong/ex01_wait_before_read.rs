//! Wrong: waits for the child to exit before reading its answer. A child with more to
//! say than a pipe holds blocks on its write and never exits.
pub use ch04_solution::ex01_spawn::{Reply, serve_one_line};
use std::io::{self, Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};

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
    let status = child.wait()?;
    let mut answer = String::new();
    child
        .stdout
        .take()
        .expect("stdout was piped")
        .read_to_string(&mut answer)?;
    Ok(Reply {
        answer,
        pid,
        status,
    })
}
