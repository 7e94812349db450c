//! Chapter 01, Synchronous processing: reference solutions.
//!
//! They pass the same tests as the exercises (`exercises/01-sync/tests/`). The chapter is
//! in `book/src/ch01-sync/`.

pub mod ex01_sequence;
pub mod ex02_idle;
pub mod ex03_interleave;
pub mod ex04_overlap;
