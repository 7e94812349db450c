//! Wrong: reads the total, runs the job, then writes `old + n` under a second lock: updates race and get lost.
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
                let before = *total.lock().unwrap();
                let n = job();
                *total.lock().unwrap() = before + n;
            })
        })
        .collect();
    for handle in handles {
        handle.join().unwrap();
    }
    *total.lock().unwrap()
}
