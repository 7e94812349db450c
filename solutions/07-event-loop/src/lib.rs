//! Chapter 07, The event loop: the reference solutions.
//!
//! Read them after solving the exercises in `exercises/07-event-loop`. The chapter is in
//! `book/src/ch07-event-loop/`; `examples/lab.rs` measures what the chapter claims.

pub mod ex01_callbacks;
pub mod ex02_reactor;
pub mod ex03_timers;
pub mod ex04_wakeups;
pub mod ex05_runtime;
pub mod ex06_shared_state;
