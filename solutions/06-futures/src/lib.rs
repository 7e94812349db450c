//! Chapter 06, Coroutines and futures: the reference solutions.
//!
//! Read them after solving the exercises in `exercises/06-futures`. The chapter is in
//! `book/src/ch06-futures/`; `examples/lab.rs` measures what the chapter claims.

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
