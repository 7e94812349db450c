//! Wrong: rounds the chunk size down, so the items left over make one chunk too many.
use std::thread;

pub fn map_chunks<T, R, F>(data: &[T], parts: usize, f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&[T]) -> R + Sync,
{
    let size = (data.len() / parts).max(1);
    let f = &f;
    thread::scope(|s| {
        let handles: Vec<_> = data
            .chunks(size)
            .map(|chunk| s.spawn(move || f(chunk)))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}
