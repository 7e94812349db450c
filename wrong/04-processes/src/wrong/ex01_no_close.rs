//! Wrong: writes the request but keeps the child's stdin open while reading its answer.
//! The child reads until end-of-file, which never comes: both wait for each other.
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
    let to_child = child.stdin.as_mut().expect("stdin was piped");
    to_child.write_all(request.as_bytes())?;
    to_child.write_all(b"\n")?;
    to_child.flush()?;
    let mut answer = String::new();
    child
        .stdout
        .as_mut()
        .expect("stdout was piped")
        .read_to_string(&mut answer)?;
    let status = child.wait()?;
    Ok(Reply {
        answer,
        pid,
        status,
    })
}
