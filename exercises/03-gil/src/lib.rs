//! Chapter 03, The GIL, and Rust's answer: the exercises.
//!
//! Each module is one exercise. Edit the `todo!()`s; `cargo course` tells you when the
//! tests pass. The chapter is in `book/src/ch03-gil/`.

// Stubs leave their parameters unused until you write the body.
#![allow(unused_variables)]

pub mod ex01_gil;
pub mod ex02_release;
pub mod ex03_switch_interval;
pub mod ex04_per_object_locks;
