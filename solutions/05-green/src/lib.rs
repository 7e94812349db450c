//! Chapter 05, Green threads: the reference solutions.
//!
//! Read them after solving the exercises in `exercises/05-green`. The chapter is in
//! `book/src/ch05-green/`; `examples/lab.rs` measures what the chapter claims.

pub mod ex01_coroutine;
pub mod ex02_scheduler;
pub mod ex03_sleep_channel;
pub mod ex04_green_io;
pub mod ex05_switch;

// `cargo course` checks an exercise by compiling its test file into this library's own
// test build (the feature named after the exercise puts it here): after a save, one
// crate to rebuild instead of two. `cargo test` runs the same files as integration tests.
#[cfg(test)]
extern crate self as ch05_green;
#[cfg(test)]
#[path = "../../../exercises/05-green/tests"]
mod exercise_tests {
    #[cfg(feature = "ex01_coroutine")]
    #[path = "ex01_coroutine.rs"]
    mod ex01_coroutine;
    #[cfg(feature = "ex02_scheduler")]
    #[path = "ex02_scheduler.rs"]
    mod ex02_scheduler;
    #[cfg(feature = "ex03_sleep_channel")]
    #[path = "ex03_sleep_channel.rs"]
    mod ex03_sleep_channel;
    #[cfg(feature = "ex04_green_io")]
    #[path = "ex04_green_io.rs"]
    mod ex04_green_io;
    #[cfg(feature = "ex05_switch")]
    #[path = "ex05_switch.rs"]
    mod ex05_switch;
}
