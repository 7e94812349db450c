//! Chapter 11, Async in production: the exercises.
//!
//! Each module is one exercise. Edit the `todo!()`s; `cargo course` tells you when the
//! tests pass. The chapter is in `book/src/ch11-production/`.

// Stubs leave their parameters unused until you write the body, and import what you
// will need.
#![allow(unused_variables, unused_imports)]

/// The atomics 11.3's gate counts with: std's own. Its tests compile the module a second
/// time with loom's atomics in their place and run it under `loom::model`, which tries
/// every interleaving of the callers' threads. So the gate takes its atomics from here,
/// not from `std` directly.
pub mod sync {
    pub use std::sync::atomic;
}

pub mod ex01_cancel;
pub mod ex02_scope;
pub mod ex03_admission;
pub mod ex04_shutdown;
pub mod ex05_tracing;
pub mod ex06_write_the_test;
