//! Wrong: a worker that dies takes its job down with it and is simply dropped from the
//! pool. The pool shrinks with every crash, and ends up with no workers at all.

use ch04_solution::ex02_frames::{read_frame, write_frame};
use std::io::{self, ErrorKind, Write};
use std::mem;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::Mutex;
use std::thread;

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

    /// Runs every job on the workers, several at a time (each worker runs one job at a
    /// time), and returns the results in the order of `jobs`.
    ///
    /// A worker that dies during a job fails that job (the others still run), and is
    /// replaced by a fresh worker, after being waited for. The pool keeps its size.
    pub fn run(&mut self, jobs: Vec<Vec<u8>>) -> Vec<Result<Vec<u8>, JobFailed>> {
        let count = jobs.len();
        // One queue for all: a worker that finishes early takes the next job, so a slow
        // job holds up one worker, not a whole share of the batch.
        let queue = Mutex::new(jobs.into_iter().enumerate());
        let (queue, program) = (&queue, self.program.as_path());
        let mut results: Vec<Option<Result<Vec<u8>, JobFailed>>> = vec![None; count];

        // One thread per worker, because `ask` blocks: the thread waits on its pipe while
        // its process works, and the other threads keep the other processes busy.
        // Scoped threads may borrow the workers, and are all joined when the scope ends.
        thread::scope(|s| {
            let feeders: Vec<_> = self
                .workers
                .iter_mut()
                .map(|worker| s.spawn(move || feed(worker, program, queue)))
                .collect();
            for feeder in feeders {
                // Each result goes in its job's slot: the order they finished in is lost.
                for (index, result) in feeder.join().expect("a feeder thread panicked") {
                    results[index] = Some(result);
                }
            }
        });
        // Forget the dead.
        self.workers
            .retain_mut(|worker| matches!(worker.child.try_wait(), Ok(None)));

        results
            .into_iter()
            .map(|slot| {
                slot.unwrap_or_else(|| {
                    Err(JobFailed {
                        reason: "no worker was left to run it".to_string(),
                    })
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

/// One feeder thread: takes jobs from the shared queue until it is empty and runs them
/// on `worker`. Returns the results it got, each with its job's index.
fn feed(
    worker: &mut Worker,
    _program: &Path,
    queue: &Mutex<impl Iterator<Item = (usize, Vec<u8>)>>,
) -> Vec<(usize, Result<Vec<u8>, JobFailed>)> {
    let mut done = Vec::new();
    loop {
        // The lock is held only to take a job, never while one runs.
        let next = queue.lock().unwrap_or_else(|e| e.into_inner()).next();
        let Some((index, job)) = next else { break };
        match worker.ask(&job) {
            Ok(answer) => done.push((index, Ok(answer))),
            Err(error) => {
                let _ = worker.child.wait();
                done.push((
                    index,
                    Err(JobFailed {
                        reason: format!("job {index} failed: {error}"),
                    }),
                ));
                // This worker is dead: stop feeding it.
                break;
            }
        }
    }
    done
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
