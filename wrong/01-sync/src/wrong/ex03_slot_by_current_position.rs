//! Wrong: stores each result in the slot of the task's position among the still-unfinished tasks instead of its original position, so once an earlier task has finished the later results land in the wrong place, breaking "results in the order of tasks".
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
    let mut results: Vec<Option<T>> = (0..tasks.len()).map(|_| None).collect();
    let mut live = tasks;
    while !live.is_empty() {
        let mut position = 0;
        live.retain_mut(|task| {
            let keep = match task() {
                Poll::Ready(v) => {
                    let mut slot = position;
                    while results[slot].is_some() {
                        slot += 1;
                    }
                    results[slot] = Some(v);
                    false
                }
                Poll::Pending => true,
            };
            position += 1;
            keep
        });
    }
    results.into_iter().map(|r| r.unwrap()).collect()
}
