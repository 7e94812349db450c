//! Wrong: `while let Ok(job) = rx.lock().unwrap().recv()` keeps the queue locked while the
//! job runs, so the workers take turns instead of working at the same time.
use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};

type Job = Box<dyn FnOnce() + Send + 'static>;

pub struct ThreadPool {
    queue: Option<Sender<Job>>,
    workers: Vec<JoinHandle<()>>,
}

impl ThreadPool {
    pub fn new(workers: usize) -> Self {
        let (queue, jobs) = mpsc::channel::<Job>();
        let jobs = Arc::new(Mutex::new(jobs));
        let workers = (0..workers)
            .map(|_| {
                let jobs = Arc::clone(&jobs);
                thread::spawn(move || {
                    // The guard is a temporary of the `while let` scrutinee: it lives
                    // until the end of the loop body.
                    while let Ok(job) = jobs.lock().unwrap_or_else(|e| e.into_inner()).recv() {
                        let _ = panic::catch_unwind(AssertUnwindSafe(job));
                    }
                })
            })
            .collect();
        ThreadPool {
            queue: Some(queue),
            workers,
        }
    }

    pub fn execute<F>(&self, job: F)
    where
        F: FnOnce() + Send + 'static,
    {
        self.queue.as_ref().unwrap().send(Box::new(job)).unwrap();
    }

    pub fn shutdown(self) {
        drop(self);
    }
}

impl Drop for ThreadPool {
    fn drop(&mut self) {
        drop(self.queue.take());
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
    }
}
