//! Chapter 09, The C10K lab: the reference solutions.
//!
//! Read them after solving the exercises in `exercises/09-c10k`. The chapter is in
//! `book/src/ch09-c10k/`; `examples/lab.rs` serves the same echo protocol many ways and
//! measures each with these four pieces.

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
#[path = "../../../exercises/09-c10k/tests"]
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
