//! Wrong: joins each thread right after spawning it, so the jobs run one after another.
use std::thread;

pub fn run_all<T, F>(jobs: Vec<F>) -> Vec<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    jobs.into_iter()
        .map(|job| {
            thread::spawn(job)
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p))
        })
        .collect()
}
