//! Wrong: hands the jobs to the workers in turn, but waits for each answer before sending
//! the next job. Several processes, one job at a time: no faster than one process.

use ch04_solution::ex02_frames::{read_frame, write_frame};
use std::io::{self, ErrorKind, Write};
use std::mem;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitStatus, Stdio};

/// Why a job has no answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobFailed {
    /// What happened, in words: which worker, how it ended.
    pub reason: String,
}

/// One worker process and our ends of its two pipes. Given.
#[derive(Debug)]
pub struct Worker {
    /// The process itself: kept to wait for it (and to kill it, in an emergency).
    child: Child,
    /// The write end of its stdin. Dropping it is how we say "no more jobs".
    to_worker: ChildStdin,
    /// The read end of its stdout, where the answers come.
    from_worker: ChildStdout,
}

impl Worker {
    /// Starts `program` (the chapter's `ch04-worker`) with its stdin and stdout piped to
    /// us. Its stderr stays ours, so whatever it prints there shows in our output.
    pub fn start(program: &Path) -> io::Result<Worker> {
        let mut child = Command::new(program)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        let to_worker = child.stdin.take().expect("stdin was piped");
        let from_worker = child.stdout.take().expect("stdout was piped");
        Ok(Worker {
            child,
            to_worker,
            from_worker,
        })
    }

    /// The worker's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends one job and blocks until its answer has come back. An error means the
    /// worker can no longer be trusted: it died (its stdout closed, or its stdin is a
    /// broken pipe) or it broke the protocol.
    pub fn ask(&mut self, job: &[u8]) -> io::Result<Vec<u8>> {
        write_frame(&mut self.to_worker, job)?;
        self.to_worker.flush()?;
        read_frame(&mut self.from_worker)?.ok_or_else(|| {
            io::Error::new(
                ErrorKind::UnexpectedEof,
                "the worker's stdout closed before it answered",
            )
        })
    }
}

/// A fixed number of worker processes that run batches of jobs.
#[derive(Debug)]
pub struct Pool {
    /// What each worker runs, kept to start a replacement when one dies.
    program: PathBuf,
    /// The live workers. Only `run` touches them while jobs are in flight.
    workers: Vec<Worker>,
}

impl Pool {
    /// Starts `workers` worker processes running `program`. Given.
    pub fn new(program: &Path, workers: usize) -> io::Result<Pool> {
        assert!(workers > 0, "a pool needs at least one worker");
        // Built up inside the pool, so that if the third start fails, the pool's `Drop`
        // ends the two already running instead of leaving them behind.
        let mut pool = Pool {
            program: program.to_path_buf(),
            workers: Vec::with_capacity(workers),
        };
        for _ in 0..workers {
            pool.workers.push(Worker::start(program)?);
        }
        Ok(pool)
    }

    /// The program the workers run. Given.
    pub fn program(&self) -> &Path {
        &self.program
    }

    /// The process ids of the current workers. Given.
    pub fn worker_pids(&self) -> Vec<u32> {
        self.workers.iter().map(Worker::pid).collect()
    }

    /// Runs every job, one after another, each on the next worker in turn.
    pub fn run(&mut self, jobs: Vec<Vec<u8>>) -> Vec<Result<Vec<u8>, JobFailed>> {
        let program = self.program.clone();
        let count = self.workers.len();
        jobs.into_iter()
            .enumerate()
            .map(|(index, job)| {
                let worker = &mut self.workers[index % count];
                worker.ask(&job).map_err(|error| JobFailed {
                    reason: replace(worker, &program, &error),
                })
            })
            .collect()
    }

    /// Ends the pool: closes every worker's stdin, so that each one sees the end of its
    /// input and exits on its own, then waits for all of them. Returns their statuses.
    pub fn shutdown(mut self) -> io::Result<Vec<ExitStatus>> {
        // Taken out of the pool, so that its `Drop` finds nothing left to kill.
        let workers = mem::take(&mut self.workers);
        // First close every pipe, so that all the workers wind down together...
        let children: Vec<Child> = workers
            .into_iter()
            .map(
                |Worker {
                     child, to_worker, ..
                 }| {
                    drop(to_worker);
                    child
                },
            )
            .collect();
        // ...then wait for each. Waiting for all before looking at errors: an early
        // return would leave the rest unwaited.
        let statuses: Vec<io::Result<ExitStatus>> =
            children.into_iter().map(|mut child| child.wait()).collect();
        statuses.into_iter().collect()
    }
}

/// Swaps a failed worker for a fresh one and reaps the old one. Returns what happened.
fn replace(worker: &mut Worker, program: &Path, error: &io::Error) -> String {
    match Worker::start(program) {
        Ok(fresh) => {
            let mut dead = mem::replace(worker, fresh);
            // Usually it has exited already; if it broke the protocol but still runs,
            // kill it. Either way, wait, or it would stay a zombie.
            let _ = dead.child.kill();
            let status = match dead.child.wait() {
                Ok(status) => status.to_string(),
                Err(e) => format!("an unknown status ({e})"),
            };
            format!(
                "worker {} failed ({error}) and ended with {status}; worker {} replaces it",
                dead.pid(),
                worker.pid()
            )
        }
        // The dead worker stays; its next job fails the same way.
        Err(start) => format!(
            "worker {} failed ({error}) and could not be replaced ({start})",
            worker.pid()
        ),
    }
}

impl Drop for Pool {
    /// Given. A pool dropped without `shutdown` (say, a test panicked) kills its workers
    /// and waits for them: no process outlives the pool, and none is left a zombie.
    fn drop(&mut self) {
        for worker in &mut self.workers {
            let _ = worker.child.kill();
            let _ = worker.child.wait();
        }
    }
}
