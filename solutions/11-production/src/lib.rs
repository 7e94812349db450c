//! Chapter 11, Async in production: reference solutions.
//!
//! Cancellation trees and cancel-safe reads, a scope no task outlives, back-pressure and
//! an admission gate, graceful shutdown on a signal, tracing across awaits and tasks,
//! and a test that tells a right component from its wrong twins.

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

// `cargo course` checks an exercise by compiling its test file into this library's own
// test build (the feature named after the exercise puts it here): after a save, one
// crate to rebuild instead of two. `cargo test` runs the same files as integration tests.
#[cfg(test)]
extern crate self as ch11_production;
#[cfg(test)]
#[path = "../../../exercises/11-production/tests"]
mod exercise_tests {
    #[cfg(feature = "ex01_cancel")]
    #[path = "ex01_cancel.rs"]
    mod ex01_cancel;
    #[cfg(feature = "ex02_scope")]
    #[path = "ex02_scope.rs"]
    mod ex02_scope;
    #[cfg(feature = "ex04_shutdown")]
    #[path = "ex04_shutdown.rs"]
    mod ex04_shutdown;
    #[cfg(feature = "ex05_tracing")]
    #[path = "ex05_tracing.rs"]
    mod ex05_tracing;
    #[cfg(feature = "ex06_write_the_test")]
    #[path = "ex06_write_the_test.rs"]
    mod ex06_write_the_test;
}
