//! Wrong: when a task finishes, starts the next round from the first task again, so the
//! tasks after it in that round lose their turn.
pub use ch01_solution::ex03_interleave::StepTask;
use std::task::Poll;

pub fn round_robin<T>(tasks: Vec<StepTask<T>>) -> Vec<T> {
    let mut results: Vec<Option<T>> = tasks.iter().map(|_| None).collect();
    let mut unfinished: Vec<(usize, StepTask<T>)> = tasks.into_iter().enumerate().collect();
    'rounds: while !unfinished.is_empty() {
        for i in 0..unfinished.len() {
            if let Poll::Ready(value) = (unfinished[i].1)() {
                results[unfinished[i].0] = Some(value);
                unfinished.remove(i);
                continue 'rounds;
            }
        }
    }
    results.into_iter().map(Option::unwrap).collect()
}
