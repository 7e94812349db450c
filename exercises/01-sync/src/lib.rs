//! Chapter 01, Synchronous processing: the exercises.
//!
//! Each module is one exercise. Edit the `todo!()`s; `cargo course` tells you when the
//! tests pass. The chapter is in `book/src/ch01-sync/`.

// Stubs leave their parameters (and the imports you will need) unused until you
// write the body.
#![allow(unused_variables, unused_imports)]

pub mod ex01_sequence;
pub mod ex02_idle;
pub mod ex03_interleave;
pub mod ex04_overlap;

// `cargo course` checks an exercise by compiling its test file into this library's own
// test build (the feature named after the exercise puts it here): after a save, one
// crate to rebuild instead of two. `cargo test` runs the same files as integration tests.
#[cfg(test)]
extern crate self as ch01_sync;
#[cfg(test)]
#[path = "../tests"]
mod exercise_tests {
    #[cfg(feature = "ex01_sequence")]
    #[path = "ex01_sequence.rs"]
    mod ex01_sequence;
    #[cfg(feature = "ex02_idle")]
    #[path = "ex02_idle.rs"]
    mod ex02_idle;
    #[cfg(feature = "ex03_interleave")]
    #[path = "ex03_interleave.rs"]
    mod ex03_interleave;
    #[cfg(feature = "ex04_overlap")]
    #[path = "ex04_overlap.rs"]
    mod ex04_overlap;
}
