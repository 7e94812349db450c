//! Wrong: receives one message per producer (`recv` N times), instead of until all hang up.
use std::sync::mpsc::{self, Sender};
use std::thread;

pub fn fan_in<T, P>(producers: Vec<P>, mut on_message: impl FnMut(T)) -> usize
where
    T: Send + 'static,
    P: FnOnce(Sender<T>) + Send + 'static,
{
    let (tx, rx) = mpsc::channel();
    let handles: Vec<_> = producers
        .into_iter()
        .map(|produce| {
            let tx = tx.clone();
            thread::spawn(move || produce(tx))
        })
        .collect();
    drop(tx);
    let mut count = 0;
    for _ in 0..handles.len() {
        if let Ok(message) = rx.recv() {
            on_message(message);
            count += 1;
        }
    }
    for handle in handles {
        handle.join().unwrap();
    }
    count
}
