//! Exercise 02.2: threads that borrow, with `std::thread::scope`.
//!
//! Book: `book/src/ch02-threads/scoped.md`.

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
    todo!("inside `std::thread::scope`, spawn one thread per chunk and join them in order")
}
