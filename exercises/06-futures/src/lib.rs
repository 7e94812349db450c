//! Chapter 06, Coroutines and futures: the exercises.
//!
//! Each module is one exercise. Edit the `todo!()`s; `cargo course` tells you when the
//! tests pass. The chapter is in `book/src/ch06-futures/`. Each exercise stands alone: the
//! executor of 06.5 does not need your `block_on`, and its tests do not need your channels.

// Stubs leave their parameters unused until you write the body, and import what you will
// need. This chapter's given types (a task, a channel's shared state) have private fields
// that only the code you write reads: until then they are "dead code".
#![allow(unused_variables, unused_imports, dead_code)]

/// The primitives the exercises synchronise with: std's own. Some tests compile an
/// exercise's module a second time with loom's primitives in their place and run it under
/// `loom::model`, which tries every interleaving of its threads. So an exercise takes
/// `Arc`, `Mutex`, atomics and threads from here, not from `std` directly.
pub mod sync {
    pub use std::sync::{Arc, Condvar, Mutex, atomic};
    pub use std::thread;
}

pub mod ex01_generator;
pub mod ex02_delay;
pub mod ex03_block_on;
pub mod ex04_combinators;
pub mod ex05_executor;
pub mod ex06_channel;

// `cargo course` checks an exercise by compiling its test file into this library's own
// test build (the feature named after the exercise puts it here): after a save, one
// crate to rebuild instead of two. `cargo test` runs the same files as integration tests.
#[cfg(test)]
extern crate self as ch06_futures;
#[cfg(test)]
#[path = "../tests"]
mod exercise_tests {
    #[cfg(feature = "ex01_generator")]
    #[path = "ex01_generator.rs"]
    mod ex01_generator;
    #[cfg(feature = "ex03_block_on")]
    #[path = "ex03_block_on.rs"]
    mod ex03_block_on;
    #[cfg(feature = "ex04_combinators")]
    #[path = "ex04_combinators.rs"]
    mod ex04_combinators;
}
