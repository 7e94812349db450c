//! `course-book ROOT DEST`: builds the book of the course at ROOT into DEST and prints
//! the path of its first page. `cargo course book` runs it.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [root, dest] = args.as_slice() else {
        eprintln!("usage: course-book ROOT DEST");
        return ExitCode::from(2);
    };
    match course_verify::book::build(root, dest) {
        Ok(index) => {
            println!("{}", index.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
