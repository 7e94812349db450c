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
