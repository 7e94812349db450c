//! Wrong: runs each task on a thread of its own, joined in order (not synchronous).
pub use ch01_solution::ex01_sequence::*;
use support::Timeline;

pub fn run_in_sequence<T: Send>(tasks: Vec<Task<T>>, timeline: &Timeline) -> Vec<T> {
    std::thread::scope(|s| {
        tasks
            .into_iter()
            .map(|task| s.spawn(move || timeline.record(&task.name, task.kind, task.work)))
            .collect::<Vec<_>>()
            .into_iter()
            .map(|handle| handle.join().unwrap())
            .collect()
    })
}
