//! Chapter 05, Green threads: the exercises.
//!
//! Each module is one exercise. Edit the `todo!()`s; `cargo course` tells you when the
//! tests pass. The chapter is in `book/src/ch05-green/`. The modules build on each other:
//! the scheduler of 05.2 uses the timer queue of 05.3 and drives the reactor of 05.4, and
//! 05.5 runs it on your own context switch.

// Stubs leave their parameters unused until you write the body.
#![allow(unused_variables)]

pub mod ex01_coroutine;
pub mod ex02_scheduler;
pub mod ex03_sleep_channel;
pub mod ex04_green_io;
pub mod ex05_switch;
