//! Wrong: calls `f` on each chunk in a loop on the calling thread; no threads at all.
pub fn map_chunks<T, R, F>(data: &[T], parts: usize, f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&[T]) -> R + Sync,
{
    if data.is_empty() {
        return Vec::new();
    }
    data.chunks(data.len().div_ceil(parts)).map(f).collect()
}
