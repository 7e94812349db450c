//! Wrong: gives up after a fixed safety cap of 100 rounds (to guard against a task that never finishes), so a task needing more steps than that never gets them all and its result is missing, breaking "until every task has finished".
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
    const MAX_ROUNDS: usize = 100;
    let mut results: Vec<Option<T>> = (0..tasks.len()).map(|_| None).collect();
    let mut live: Vec<(usize, StepTask<T>)> = tasks.into_iter().enumerate().collect();
    let mut rounds = 0;
    while !live.is_empty() && rounds < MAX_ROUNDS {
        live.retain_mut(|(i, task)| match task() {
            Poll::Ready(v) => {
                results[*i] = Some(v);
                false
            }
            Poll::Pending => true,
        });
        rounds += 1;
    }
    results.into_iter().flatten().collect()
}
