//! Chapter 10, When not to use async: the exercises.
//!
//! Each module is one exercise. Edit the `todo!()`s; `cargo course` tells you when the
//! tests pass. The chapter is in `book/src/ch10-when-not/`.

// Stubs leave their parameters unused until you write the body, and import what you
// will need.
#![allow(unused_variables, unused_imports)]

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
#[path = "../tests"]
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
