//! A child process that lingers: for tests of a parent's wait on its children (Unix).

use crate::PATIENCE;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::mpsc;

/// A program (a small shell script in a fresh temporary directory) that reads its stdin to
/// the end, writes `answer` on its stdout and closes it, and then waits for the test's word
/// before it exits with 0. Between the two, a parent has read everything and has nothing
/// left to do but wait for the exit: [`crate::sched::assert_parks`] can look at it there.
#[derive(Debug)]
pub struct LingeringChild {
    dir: PathBuf,
    script: PathBuf,
    word: PathBuf,
}

impl LingeringChild {
    /// Writes the script; `name` keeps the directories of different tests apart.
    pub fn new(name: &str, answer: &str) -> LingeringChild {
        let dir = std::env::temp_dir().join(format!("{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("the test could not make a temporary directory");
        let (script, word) = (dir.join("child.sh"), dir.join("word"));
        let made = std::process::Command::new("mkfifo").arg(&word).status();
        assert!(
            made.is_ok_and(|status| status.success()),
            "the test could not make a named pipe with mkfifo"
        );
        // `exec 1>&-` closes stdout: the parent reads end-of-file while the child lives on.
        // A parent that has closed its end of stdout already (a pool shutting down) does
        // not end the child: SIGPIPE is ignored and the failed `echo` is quiet.
        let text = format!(
            "#!/bin/sh\ntrap '' PIPE\ncat >/dev/null\necho '{answer}' 2>/dev/null\n\
             exec 1>&-\nread word < '{}'\n",
            word.display()
        );
        std::fs::write(&script, text).expect("the test could not write its child's script");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755))
                .expect("the test could not make its child's script executable");
        }
        LingeringChild { dir, script, word }
    }

    /// The program to start.
    pub fn program(&self) -> &Path {
        &self.script
    }

    /// Waits (at most the [`PATIENCE`]) until a child running the program has answered,
    /// closed its stdout and is waiting for the word; panics with `if_not` otherwise.
    /// Returns the pipe to send the word on.
    pub fn until_lingering(&self, if_not: &str) -> Word {
        // Opening a named pipe to write waits until someone opens it to read: the child,
        // at its last line. On a thread of its own, so the wait can be given up.
        let (opened, pipe) = mpsc::channel();
        let word = self.word.clone();
        std::thread::spawn(move || {
            let _ = opened.send(std::fs::OpenOptions::new().write(true).open(word));
        });
        match pipe.recv_timeout(PATIENCE) {
            Ok(Ok(pipe)) => Word(pipe),
            Ok(Err(e)) => panic!("{if_not} (the named pipe: {e})"),
            Err(_) => panic!("{if_not}"),
        }
    }
}

impl Drop for LingeringChild {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The test's word to one lingering child: [`Word::let_go`] (or dropping it) lets the
/// child exit.
#[derive(Debug)]
pub struct Word(File);

impl Word {
    /// Lets the child exit.
    pub fn let_go(mut self) {
        let _ = writeln!(self.0, "go");
    }
}
