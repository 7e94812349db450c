//! Chapter 04, Processes: reference solutions.
//!
//! They pass the same tests as the exercises (`exercises/04-processes/tests/`). The
//! chapter is in `book/src/ch04-processes/`. The worker process is `src/bin/worker.rs`.

pub mod ex01_spawn;
pub mod ex02_frames;
pub mod ex03_worker;
pub mod ex04_pool;
