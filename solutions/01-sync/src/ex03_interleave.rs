//! Exercise 01.3: one thread, several tasks, taking turns.
//!
//! Book: `book/src/ch01-sync/interleave.md`.

use std::task::Poll;

// ANCHOR: step_task
/// A task that works in small steps. Each call does one step and returns
/// `Poll::Pending` (more to do) or `Poll::Ready(result)` (finished).
/// A finished task must not be called again.
pub type StepTask<T> = Box<dyn FnMut() -> Poll<T>>;
// ANCHOR_END: step_task

/// Runs all tasks on the calling thread, taking turns: one step of each unfinished task,
/// in task order, round after round, until every task has finished.
///
/// Returns the results in the order of `tasks`, not in the order they finished.
pub fn round_robin<T>(tasks: Vec<StepTask<T>>) -> Vec<T> {
    // Each task keeps its place in `results`, so the order of finishing does not matter.
    let mut results: Vec<Option<T>> = tasks.iter().map(|_| None).collect();
    let mut unfinished: Vec<(usize, StepTask<T>)> = tasks.into_iter().enumerate().collect();

    // One round: one step of every unfinished task, in task order. `retain_mut` drops a
    // task as soon as it is ready, so a finished task is never called again.
    while !unfinished.is_empty() {
        unfinished.retain_mut(|(index, task)| match task() {
            Poll::Pending => true,
            Poll::Ready(value) => {
                results[*index] = Some(value);
                false
            }
        });
    }

    results
        .into_iter()
        .map(|r| r.expect("every task finished before the loop ended"))
        .collect()
}
