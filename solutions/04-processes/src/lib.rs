//! Chapter 04, Processes: reference solutions.
//!
//! They pass the same tests as the exercises (`exercises/04-processes/tests/`). The
//! chapter is in `book/src/ch04-processes/`. The worker process is `src/bin/worker.rs`.

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
#[path = "../../../exercises/04-processes/tests"]
mod exercise_tests {
    #[cfg(feature = "ex02_frames")]
    #[path = "ex02_frames.rs"]
    mod ex02_frames;
}
