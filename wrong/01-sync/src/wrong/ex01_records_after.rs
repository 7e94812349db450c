//! Wrong: runs the work, then records an empty span after it.
pub use ch01_solution::ex01_sequence::*;
use support::Timeline;

pub fn run_in_sequence<T>(tasks: Vec<Task<T>>, timeline: &Timeline) -> Vec<T> {
    tasks
        .into_iter()
        .map(|task| {
            let value = (task.work)();
            timeline.record(&task.name, task.kind, || ());
            value
        })
        .collect()
}
