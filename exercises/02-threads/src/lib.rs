//! Chapter 02, Threads: the exercises.
//!
//! Each module is one exercise. Edit the `todo!()`s; `cargo course` tells you when the
//! tests pass. The chapter is in `book/src/ch02-threads/`.

// Stubs leave their parameters unused until you write the body.
#![allow(unused_variables)]

pub mod ex01_spawn;
pub mod ex02_scoped;
pub mod ex03_channel;
pub mod ex04_counter;
pub mod ex05_pool;
