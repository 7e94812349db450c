//! Chapter 07, The event loop: the exercises.
//!
//! Each module is one exercise. Edit the `todo!()`s; `cargo course` tells you when the
//! tests pass. The chapter is in `book/src/ch07-event-loop/`. 07.1 stands alone; 07.2–07.5
//! build one runtime, piece by piece: the reactor, its timers, wake-ups from other threads,
//! and the loop with TCP on top. 07.6 runs on `futures`' local executor.

// Stubs leave their parameters unused until you write the body, and import what you
// will need.
#![allow(unused_variables, unused_imports)]

pub mod ex01_callbacks;
pub mod ex02_reactor;
pub mod ex03_timers;
pub mod ex04_wakeups;
pub mod ex05_runtime;
pub mod ex06_shared_state;
