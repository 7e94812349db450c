//! Wrong: records every span in a lane named by hand ("main"), not in the lane of the
//! thread that ran the task, so the timeline draws the work on a thread that did not do it.
pub use ch01_solution::ex01_sequence::*;
use support::Timeline;

pub fn run_in_sequence<T>(tasks: Vec<Task<T>>, timeline: &Timeline) -> Vec<T> {
    tasks
        .into_iter()
        .map(|task| timeline.record_in("main", &task.name, task.kind, task.work))
        .collect()
}
