//! Exercise 02.5: a thread pool of your own.
//!
//! Book: `book/src/ch02-threads/pool.md`.

/// A fixed number of worker threads that run the jobs given to [`ThreadPool::execute`],
/// first come, first served.
///
/// - The workers run jobs at the same time (a pool of 3 runs up to 3 jobs at once); no
///   other thread ever runs a job, and no thread is started after [`ThreadPool::new`].
/// - A job that panics does not take its worker down: the pool keeps all its workers.
/// - [`ThreadPool::shutdown`], or dropping the pool, stops taking jobs, lets the workers
///   finish *every* job already queued, and joins them.
pub struct ThreadPool {
    // Add the fields you need.
}

impl ThreadPool {
    /// Starts `workers` worker threads (at least 1), waiting for jobs.
    pub fn new(workers: usize) -> Self {
        todo!("a job queue (a channel) and `workers` threads that take jobs from it in a loop")
    }

    /// Queues `job` for the next free worker, and returns at once.
    pub fn execute<F>(&self, job: F)
    where
        F: FnOnce() + Send + 'static,
    {
        todo!("box the job and put it on the queue")
    }

    /// Finishes every queued job, then stops and joins the workers. Dropping the pool does
    /// the same, so this only gives it a name.
    pub fn shutdown(self) {
        drop(self);
    }
}

impl Drop for ThreadPool {
    fn drop(&mut self) {
        todo!("close the queue, so each worker's loop ends once it is empty; join the workers")
    }
}
