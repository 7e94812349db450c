//! Exercise 02.2: threads that borrow, with `std::thread::scope`.
//!
//! Book: `book/src/ch02-threads/scoped.md`.

use std::thread;

/// Splits `data` into at most `parts` chunks, in order, and calls `f` on each chunk on a
/// thread of its own, all at the same time. Returns the results in chunk order.
///
/// - Every chunk but the last holds `data.len().div_ceil(parts)` items; the last holds the
///   rest. So 10 items in 4 parts are chunks of 3, 3, 3 and 1.
/// - Empty `data` gives no chunks, no threads and no results. `parts` is at least 1.
/// - Nothing here is `'static`: `data` and `f` are borrowed from the caller.
/// - If `f` panics on a chunk, this panics with that panic (its message intact), once
///   every thread has ended.
pub fn map_chunks<T, R, F>(data: &[T], parts: usize, f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&[T]) -> R + Sync,
{
    assert!(parts > 0, "map_chunks needs at least one part");
    if data.is_empty() {
        return Vec::new();
    }
    // Rounding the chunk size *up* keeps every item and never makes more than `parts`
    // chunks; rounding down would either drop the tail or add a chunk.
    let size = data.len().div_ceil(parts);
    let f = &f; // each thread gets a copy of this reference, not of the closure

    // `scope` promises that every thread spawned inside it is joined before it returns,
    // so the threads may borrow `data` and `f`: the borrows cannot outlive them.
    thread::scope(|s| {
        let handles: Vec<_> = data
            .chunks(size)
            .map(|chunk| s.spawn(move || f(chunk)))
            .collect();
        // Joining in chunk order gives the results in chunk order, whichever thread
        // finished first. A panic re-raised here leaves the scope, which still waits for
        // the threads not joined yet before it passes the panic on.
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    })
}
