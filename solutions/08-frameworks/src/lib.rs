//! Chapter 08, Frameworks: the reference solutions.
//!
//! Read them after solving the exercises in `exercises/08-frameworks`. The chapter is in
//! `book/src/ch08-frameworks/`; `examples/lab.rs` measures what the chapter claims.

pub mod ex01_deferred;
pub mod ex02_codec;
pub mod ex03_gather;
pub mod ex04_runtimes;
pub mod ex05_select;
pub mod ex06_chat;

// `cargo course` checks an exercise by compiling its test file into this library's own
// test build (the feature named after the exercise puts it here): after a save, one
// crate to rebuild instead of two. `cargo test` runs the same files as integration tests.
#[cfg(test)]
extern crate self as ch08_frameworks;
#[cfg(test)]
#[path = "../../../exercises/08-frameworks/tests"]
mod exercise_tests {
    #[cfg(feature = "ex01_deferred")]
    #[path = "ex01_deferred.rs"]
    mod ex01_deferred;
    #[cfg(feature = "ex02_codec")]
    #[path = "ex02_codec.rs"]
    mod ex02_codec;
    #[cfg(feature = "ex03_gather")]
    #[path = "ex03_gather.rs"]
    mod ex03_gather;
    #[cfg(feature = "ex04_runtimes")]
    #[path = "ex04_runtimes.rs"]
    mod ex04_runtimes;
    #[cfg(feature = "ex05_select")]
    #[path = "ex05_select.rs"]
    mod ex05_select;
    #[cfg(feature = "ex06_chat")]
    #[path = "ex06_chat.rs"]
    mod ex06_chat;
}
