//! Wrong: interleaves correctly but returns results in the order the tasks finished.
pub use ch01_solution::ex03_interleave::StepTask;
use std::task::Poll;

pub fn round_robin<T>(mut tasks: Vec<StepTask<T>>) -> Vec<T> {
    let mut results = Vec::new();
    while !tasks.is_empty() {
        tasks.retain_mut(|task| match task() {
            Poll::Pending => true,
            Poll::Ready(value) => {
                results.push(value);
                false
            }
        });
    }
    results
}
