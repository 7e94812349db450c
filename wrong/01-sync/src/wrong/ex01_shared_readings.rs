//! Wrong: reads the clock once between two tasks, as the end of one span and the start of
//! the next, and starts the first span at the timeline's origin: each span also covers
//! what came before its work.
pub use ch01_solution::ex01_sequence::*;
use std::time::Duration;
use support::{Span, Timeline};

pub fn run_in_sequence<T>(tasks: Vec<Task<T>>, timeline: &Timeline) -> Vec<T> {
    let lane = std::thread::current().name().unwrap_or("main").to_string();
    let mut start = Duration::ZERO;
    tasks
        .into_iter()
        .map(|task| {
            let value = (task.work)();
            let end = timeline.now();
            timeline.push(Span {
                lane: lane.clone(),
                label: task.name,
                kind: task.kind,
                start,
                end,
            });
            start = end;
            value
        })
        .collect()
}
