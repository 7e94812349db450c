//! Chapter 08, Frameworks: the exercises.
//!
//! Each module is one exercise. Edit the `todo!()`s; `cargo course` tells you when the
//! tests pass. The chapter is in `book/src/ch08-frameworks/`. The exercises stand alone:
//! each uses the crates the chapter is about (futures, tokio, tokio-util, async-std, smol).

// Stubs leave their parameters unused until you write the body, and import what you will
// need.
#![allow(unused_variables, unused_imports)]

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
#[path = "../tests"]
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
