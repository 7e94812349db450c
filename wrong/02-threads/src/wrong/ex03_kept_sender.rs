//! Wrong: forgets `drop(tx)`; the original sender keeps the channel open, the loop never ends.
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
    let mut count = 0;
    for message in rx {
        on_message(message);
        count += 1;
    }
    for handle in handles {
        handle.join().unwrap();
    }
    count
}
