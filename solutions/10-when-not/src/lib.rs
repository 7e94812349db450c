//! Chapter 10, When not to use async: reference solutions.
//!
//! Starvation of an event loop and its fixes, a detector for blocking polls, a blocking
//! database behind a thread, CPU-bound work on thread pools, and a small tool written
//! without async.

pub mod ex01_starvation;
pub mod ex02_detector;
pub mod ex03_sqlite;
pub mod ex04_cpu_pool;
pub mod ex05_few_clients;

// `cargo course` checks an exercise by compiling its test file into this library's own
// test build (the feature named after the exercise puts it here): after a save, one
// crate to rebuild instead of two. `cargo test` runs the same files as integration tests.
#[cfg(test)]
extern crate self as ch10_when_not;
#[cfg(test)]
#[path = "../../../exercises/10-when-not/tests"]
mod exercise_tests {
    #[cfg(feature = "ex01_starvation")]
    #[path = "ex01_starvation.rs"]
    mod ex01_starvation;
    #[cfg(feature = "ex02_detector")]
    #[path = "ex02_detector.rs"]
    mod ex02_detector;
    #[cfg(feature = "ex03_sqlite")]
    #[path = "ex03_sqlite.rs"]
    mod ex03_sqlite;
    #[cfg(feature = "ex04_cpu_pool")]
    #[path = "ex04_cpu_pool.rs"]
    mod ex04_cpu_pool;
    #[cfg(feature = "ex05_few_clients")]
    #[path = "ex05_few_clients.rs"]
    mod ex05_few_clients;
}
