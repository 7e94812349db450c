//! Wrong: takes the lock before running the job, so the jobs run one at a time.
use std::sync::{Arc, Mutex};
use std::thread;

pub fn add_up_live<F>(total: &Arc<Mutex<u64>>, jobs: Vec<F>) -> u64
where
    F: FnOnce() -> u64 + Send + 'static,
{
    let handles: Vec<_> = jobs
        .into_iter()
        .map(|job| {
            let total = Arc::clone(total);
            thread::spawn(move || {
                let mut total = total.lock().unwrap();
                *total += job();
            })
        })
        .collect();
    for handle in handles {
        handle.join().unwrap();
    }
    *total.lock().unwrap()
}
