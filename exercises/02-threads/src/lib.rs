//! Chapter 02, Threads: the exercises.
//!
//! Each module is one exercise. Edit the `todo!()`s; `cargo course` tells you when the
//! tests pass. The chapter is in `book/src/ch02-threads/`.

// Stubs leave their parameters unused until you write the body, and import what you will
// need.
#![allow(unused_variables, unused_imports)]

/// The primitives the exercises synchronise with: std's own. The tests of 02.4 compile
/// its module a second time with loom's primitives in their place and run it under
/// `loom::model`, which tries every interleaving of its threads. So 02.4 takes `Arc`,
/// `Mutex` and threads from here, not from `std` directly.
pub mod sync {
    pub use std::sync::{Arc, Condvar, Mutex, atomic};
    pub use std::thread;
}

pub mod ex01_spawn;
pub mod ex02_scoped;
pub mod ex03_channel;
pub mod ex04_counter;
pub mod ex05_pool;

// `cargo course` checks an exercise by compiling its test file into this library's own
// test build (the feature named after the exercise puts it here): after a save, one
// crate to rebuild instead of two. `cargo test` runs the same files as integration tests.
#[cfg(test)]
extern crate self as ch02_threads;
#[cfg(test)]
#[path = "../tests"]
mod exercise_tests {
    #[cfg(feature = "ex01_spawn")]
    #[path = "ex01_spawn.rs"]
    mod ex01_spawn;
    #[cfg(feature = "ex02_scoped")]
    #[path = "ex02_scoped.rs"]
    mod ex02_scoped;
    #[cfg(feature = "ex03_channel")]
    #[path = "ex03_channel.rs"]
    mod ex03_channel;
    #[cfg(feature = "ex05_pool")]
    #[path = "ex05_pool.rs"]
    mod ex05_pool;
}
