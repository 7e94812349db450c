//! Chapter 03, The GIL, and Rust's answer: reference solutions.
//!
//! They pass the same tests as the exercises (`exercises/03-gil/tests/`). The chapter is
//! in `book/src/ch03-gil/`. The pictures and the lab table come from `examples/lab.rs`.

pub mod ex01_gil;
pub mod ex02_release;
pub mod ex03_switch_interval;
pub mod ex04_per_object_locks;
