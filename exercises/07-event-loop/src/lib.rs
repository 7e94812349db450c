//! Chapter 07, The event loop: the exercises.
//!
//! Each module is one exercise. Edit the `todo!()`s; `cargo course` tells you when the
//! tests pass. The chapter is in `book/src/ch07-event-loop/`. 07.1 stands alone; 07.2–07.5
//! build one runtime, piece by piece: the reactor, its timers, wake-ups from other threads,
//! and the loop with TCP on top. 07.6 runs on `futures`' local executor.

// Stubs leave their parameters unused until you write the body, and import what you
// will need.
#![allow(unused_variables, unused_imports)]

/// The primitives 07.4 synchronises with: std's own. Its tests compile that module a second
/// time with loom's primitives in their place (and a stand-in for the poller) and run it
/// under `loom::model`, which tries every interleaving of its threads. So 07.4 takes its
/// `Mutex`, atomics and threads from here, not from `std` directly.
pub mod sync {
    pub use std::sync::{Arc, Condvar, Mutex, atomic};
    pub use std::thread;
}

pub mod ex01_callbacks;
pub mod ex02_reactor;
pub mod ex03_timers;
pub mod ex04_wakeups;
pub mod ex05_runtime;
pub mod ex06_shared_state;

// `cargo course` checks an exercise by compiling its test file into this library's own
// test build (the feature named after the exercise puts it here): after a save, one
// crate to rebuild instead of two. `cargo test` runs the same files as integration tests.
#[cfg(test)]
extern crate self as ch07_event_loop;
#[cfg(test)]
#[path = "../tests"]
mod exercise_tests {
    #[cfg(feature = "ex01_callbacks")]
    #[path = "ex01_callbacks.rs"]
    mod ex01_callbacks;
    #[cfg(feature = "ex02_reactor")]
    #[path = "ex02_reactor.rs"]
    mod ex02_reactor;
    #[cfg(feature = "ex03_timers")]
    #[path = "ex03_timers.rs"]
    mod ex03_timers;
    #[cfg(feature = "ex05_runtime")]
    #[path = "ex05_runtime.rs"]
    mod ex05_runtime;
    #[cfg(feature = "ex06_shared_state")]
    #[path = "ex06_shared_state.rs"]
    mod ex06_shared_state;
}
