//! Chapter 05, Green threads: the reference solutions.
//!
//! Read them after solving the exercises in `exercises/05-green`. The chapter is in
//! `book/src/ch05-green/`; `examples/lab.rs` measures what the chapter claims.

pub mod ex01_coroutine;
pub mod ex02_scheduler;
pub mod ex03_sleep_channel;
pub mod ex04_green_io;
pub mod ex05_switch;
