//! Wrong: joins the threads in order and adds each result only then, not as it comes.
use std::sync::{Arc, Mutex};
use std::thread;

pub fn add_up_live<F>(total: &Arc<Mutex<u64>>, jobs: Vec<F>) -> u64
where
    F: FnOnce() -> u64 + Send + 'static,
{
    let handles: Vec<_> = jobs.into_iter().map(thread::spawn).collect();
    for handle in handles {
        let n = handle.join().unwrap();
        *total.lock().unwrap() += n;
    }
    *total.lock().unwrap()
}
