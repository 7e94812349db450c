//! Wrong: every round steps every task, even those that have already finished.
pub use ch01_solution::ex03_interleave::StepTask;
use std::task::Poll;

pub fn round_robin<T>(mut tasks: Vec<StepTask<T>>) -> Vec<T> {
    let mut results: Vec<Option<T>> = tasks.iter().map(|_| None).collect();
    while results.iter().any(Option::is_none) {
        for (i, task) in tasks.iter_mut().enumerate() {
            if let Poll::Ready(value) = task() {
                results[i] = Some(value);
            }
        }
    }
    results.into_iter().map(Option::unwrap).collect()
}
