//! Exercise 02.5: a thread pool of your own.
//!
//! Book: `book/src/ch02-threads/pool.md`.
//!
//! A fixed set of workers share one job queue, an `mpsc` channel. The pool keeps the
//! sending end; the workers share the receiving end behind a mutex. Closing the channel
//! is how the pool says "no more jobs": each worker empties the queue and then stops.

use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};

/// What the queue carries: any work that can be sent to another thread and run once.
type Job = Box<dyn FnOnce() + Send + 'static>;

/// A fixed number of worker threads that run the jobs given to [`ThreadPool::execute`],
/// first come, first served.
///
/// - The workers run jobs at the same time (a pool of 3 runs up to 3 jobs at once); no
///   other thread ever runs a job, and no thread is started after [`ThreadPool::new`].
/// - A job that panics does not take its worker down: the pool keeps all its workers.
/// - [`ThreadPool::shutdown`], or dropping the pool, stops taking jobs, lets the workers
///   finish *every* job already queued, and joins them.
pub struct ThreadPool {
    /// The queue's sending end. `None` once shutdown has begun: dropping the last sender
    /// closes the channel, which is the workers' signal to stop after the queue is empty.
    queue: Option<Sender<Job>>,
    /// The workers, kept so that shutdown can wait for each to finish its last job.
    workers: Vec<JoinHandle<()>>,
}

impl ThreadPool {
    /// Starts `workers` worker threads (at least 1), waiting for jobs.
    pub fn new(workers: usize) -> Self {
        assert!(workers > 0, "a pool needs at least one worker");
        let (queue, jobs) = mpsc::channel::<Job>();
        // One receiver, many workers: `Receiver` cannot be cloned, so the workers share it
        // behind a mutex and take turns taking the next job.
        let jobs = Arc::new(Mutex::new(jobs));
        let workers = (0..workers)
            .map(|n| {
                let jobs = Arc::clone(&jobs);
                thread::Builder::new()
                    .name(format!("pool worker {n}"))
                    .spawn(move || work(&jobs))
                    .expect("the pool could not start a worker thread")
            })
            .collect();
        ThreadPool {
            queue: Some(queue),
            workers,
        }
    }

    /// Queues `job` for the next free worker, and returns at once.
    pub fn execute<F>(&self, job: F)
    where
        F: FnOnce() + Send + 'static,
    {
        let queue = self.queue.as_ref().expect("the queue is open until drop");
        // Sending fails only if every receiver is gone, i.e. every worker has stopped,
        // which cannot happen while the pool holds its sender: workers never die.
        queue
            .send(Box::new(job))
            .expect("the pool's workers have all stopped");
    }

    /// Finishes every queued job, then stops and joins the workers. Dropping the pool does
    /// the same, so this only gives it a name.
    pub fn shutdown(self) {
        drop(self);
    }
}

impl Drop for ThreadPool {
    fn drop(&mut self) {
        // Close the queue. Jobs already in it stay there: a channel delivers everything
        // that was sent before it closed, and only then does `recv` report the close.
        drop(self.queue.take());
        for worker in self.workers.drain(..) {
            // A worker ends only by finding the queue closed and empty; it never panics
            // (jobs' panics are caught), so there is nothing to report here.
            let _ = worker.join();
        }
    }
}

/// A worker's life: take the next job, run it, repeat until the queue is closed and empty.
fn work(jobs: &Mutex<Receiver<Job>>) {
    loop {
        // Hold the lock only while *taking* a job, never while running it: the guard is a
        // temporary that is dropped at the end of this statement. (Writing
        // `while let Ok(job) = jobs.lock().unwrap().recv()` would keep it for the whole
        // loop body, and the workers would run jobs one at a time.)
        let next = jobs.lock().unwrap_or_else(|e| e.into_inner()).recv();
        let Ok(job) = next else {
            return; // closed and empty: shutdown has begun and the queue is done
        };
        // A panicking job would unwind through this loop and end the thread, and the pool
        // would silently shrink. Catch it here: the job has failed, the worker has not.
        // (Its message has already been printed by the panic hook.)
        let _ = panic::catch_unwind(AssertUnwindSafe(job));
    }
}
