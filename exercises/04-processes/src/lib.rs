//! Chapter 04, Processes: the exercises.
//!
//! Each module is one exercise. Edit the `todo!()`s; `cargo course` tells you when the
//! tests pass. The chapter is in `book/src/ch04-processes/`. The worker process that the
//! tests start is `src/bin/worker.rs`; it runs your code from this crate.

// Stubs leave their parameters unused until you write the body.
#![allow(unused_variables)]

pub mod ex01_spawn;
pub mod ex02_frames;
pub mod ex03_worker;
pub mod ex04_pool;

// `cargo course` checks an exercise by compiling its test file into this library's own
// test build (the feature named after the exercise puts it here): after a save, one
// crate to rebuild instead of two. `cargo test` runs the same files as integration tests.
#[cfg(test)]
extern crate self as ch04_processes;
#[cfg(test)]
#[path = "../tests"]
mod exercise_tests {
    #[cfg(feature = "ex02_frames")]
    #[path = "ex02_frames.rs"]
    mod ex02_frames;
}
