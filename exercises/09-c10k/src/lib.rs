//! Chapter 09, The C10K lab: the exercises.
//!
//! Each module is one exercise. Edit the `todo!()`s; `cargo course` tells you when the
//! tests pass. The chapter is in `book/src/ch09-c10k/`. These are the tools of the
//! chapter's lab: a load generator, an accept loop that survives running out of files, a
//! way to measure a server from outside, and a connection budget.

// Stubs leave their parameters unused until you write the body.
#![allow(unused_variables)]
// They also import what you will need.
#![allow(unused_imports)]

pub mod ex01_loadgen;
pub mod ex02_accept;
pub mod ex03_proc;
pub mod ex04_budget;

// `cargo course` checks an exercise by compiling its test file into this library's own
// test build (the feature named after the exercise puts it here): after a save, one
// crate to rebuild instead of two. `cargo test` runs the same files as integration tests.
#[cfg(test)]
extern crate self as ch09_c10k;
#[cfg(test)]
#[path = "../tests"]
mod exercise_tests {
    #[cfg(feature = "ex01_loadgen")]
    #[path = "ex01_loadgen.rs"]
    mod ex01_loadgen;
    #[cfg(feature = "ex02_accept")]
    #[path = "ex02_accept.rs"]
    mod ex02_accept;
    #[cfg(feature = "ex03_proc")]
    #[path = "ex03_proc.rs"]
    mod ex03_proc;
    #[cfg(feature = "ex04_budget")]
    #[path = "ex04_budget.rs"]
    mod ex04_budget;
}
