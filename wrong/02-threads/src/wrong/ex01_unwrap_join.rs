//! Wrong: `join().unwrap()` replaces a job's panic message with "called `unwrap` on `Err`".
use std::thread;

pub fn run_all<T, F>(jobs: Vec<F>) -> Vec<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let handles: Vec<_> = jobs.into_iter().map(thread::spawn).collect();
    handles.into_iter().map(|h| h.join().unwrap()).collect()
}
