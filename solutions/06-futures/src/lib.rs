//! Chapter 06, Coroutines and futures: the reference solutions.
//!
//! Read them after solving the exercises in `exercises/06-futures`. The chapter is in
//! `book/src/ch06-futures/`; `examples/lab.rs` measures what the chapter claims.

pub mod ex01_generator;
pub mod ex02_delay;
pub mod ex03_block_on;
pub mod ex04_combinators;
pub mod ex05_executor;
pub mod ex06_channel;
