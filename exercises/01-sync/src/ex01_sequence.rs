//! Exercise 01.1: run tasks one after another, and record when each one ran.
//!
//! Book: `book/src/ch01-sync/sequential.md`.

use support::{Kind, Timeline};

// ANCHOR: task
/// A named piece of work that returns a `T`.
pub struct Task<T> {
    /// The span's label on the timeline.
    pub name: String,
    /// Whether the work computes ([`Kind::Cpu`]) or mostly waits ([`Kind::Wait`]).
    pub kind: Kind,
    /// The work itself. It runs once.
    pub work: Box<dyn FnOnce() -> T + Send>,
}
// ANCHOR_END: task

impl<T> Task<T> {
    pub fn new(name: &str, kind: Kind, work: impl FnOnce() -> T + Send + 'static) -> Self {
        Task {
            name: name.to_string(),
            kind,
            work: Box::new(work),
        }
    }
}

/// Runs every task on the calling thread, one after another, in the order given.
///
/// Each task's work is recorded on `timeline` as one span, labelled with the task's name
/// and kind, that covers the work and nothing else. Returns the results in task order.
pub fn run_in_sequence<T>(tasks: Vec<Task<T>>, timeline: &Timeline) -> Vec<T> {
    todo!("run each task's work inside a timeline span, in order, and collect the results")
}
