//! Chapter 03, The GIL, and Rust's answer: the exercises.
//!
//! Each module is one exercise. Edit the `todo!()`s; `cargo course` tells you when the
//! tests pass. The chapter is in `book/src/ch03-gil/`.

// Stubs leave their parameters unused until you write the body, and import what you will
// need.
#![allow(unused_variables, unused_imports)]

/// The primitives the exercises synchronise with: std's own. The tests of 03.3 and 03.4
/// compile their modules a second time with loom's primitives in their place and run them
/// under `loom::model`, which tries every interleaving of their threads. So those
/// exercises take their locks and condition variables from here, not from `std` directly.
pub mod sync {
    pub use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError, atomic};
    pub use std::thread;
}

pub mod ex01_gil;
pub mod ex02_release;
pub mod ex03_switch_interval;
pub mod ex04_per_object_locks;

// `cargo course` checks an exercise by compiling its test file into this library's own
// test build (the feature named after the exercise puts it here): after a save, one
// crate to rebuild instead of two. `cargo test` runs the same files as integration tests.
#[cfg(test)]
extern crate self as ch03_gil;
#[cfg(test)]
#[path = "../tests"]
mod exercise_tests {
    #[cfg(feature = "ex01_gil")]
    #[path = "ex01_gil.rs"]
    mod ex01_gil;
    #[cfg(feature = "ex02_release")]
    #[path = "ex02_release.rs"]
    mod ex02_release;
}
