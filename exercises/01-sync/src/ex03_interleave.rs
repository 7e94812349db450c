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
    todo!("keep the unfinished tasks and their results; step each in turn until none is left")
}
