//! Wrong: runs the tasks last to first (and puts the results back in order, so only the
//! order of execution is wrong).
pub use ch01_solution::ex01_sequence::*;
use support::Timeline;

pub fn run_in_sequence<T>(tasks: Vec<Task<T>>, timeline: &Timeline) -> Vec<T> {
    let mut results: Vec<T> = tasks
        .into_iter()
        .rev()
        .map(|task| timeline.record(&task.name, task.kind, task.work))
        .collect();
    results.reverse();
    results
}
