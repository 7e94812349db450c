//! Wrong: runs each task to the end before starting the next (sequential, not interleaved).
pub use ch01_solution::ex03_interleave::StepTask;
use std::task::Poll;

pub fn round_robin<T>(tasks: Vec<StepTask<T>>) -> Vec<T> {
    tasks
        .into_iter()
        .map(|mut task| {
            loop {
                if let Poll::Ready(value) = task() {
                    break value;
                }
            }
        })
        .collect()
}
