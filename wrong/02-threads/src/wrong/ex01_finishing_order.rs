//! Wrong: the threads send their results over a channel, so they arrive in finishing order.
use std::sync::mpsc;
use std::thread;

pub fn run_all<T, F>(jobs: Vec<F>) -> Vec<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let (tx, rx) = mpsc::channel();
    let handles: Vec<_> = jobs
        .into_iter()
        .map(|job| {
            let tx = tx.clone();
            thread::spawn(move || {
                let _ = tx.send(job());
            })
        })
        .collect();
    drop(tx);
    let results = rx.iter().collect();
    for handle in handles {
        handle
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
    }
    results
}
