//! Chapter 02, Threads: reference solutions.
//!
//! They pass the same tests as the exercises (`exercises/02-threads/tests/`). The chapter
//! is in `book/src/ch02-threads/`. The examples draw the chapter's timeline
//! (`examples/timeline.rs`) and measure what threads cost (`examples/lab.rs`).

pub mod ex01_spawn;
pub mod ex02_scoped;
pub mod ex03_channel;
pub mod ex04_counter;
pub mod ex05_pool;
