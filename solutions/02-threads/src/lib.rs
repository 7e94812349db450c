//! Chapter 02, Threads: reference solutions.
//!
//! They pass the same tests as the exercises (`exercises/02-threads/tests/`). The chapter
//! is in `book/src/ch02-threads/`. The examples draw the chapter's timeline
//! (`examples/timeline.rs`) and measure what threads cost (`examples/lab.rs`).

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
