//! Chapter 01, Synchronous processing: the exercises.
//!
//! Each module is one exercise. Edit the `todo!()`s; `cargo course` tells you when the
//! tests pass. The chapter is in `book/src/ch01-sync/`.

// Stubs leave their parameters (and the imports you will need) unused until you
// write the body.
#![allow(unused_variables, unused_imports)]

pub mod ex01_sequence;
pub mod ex02_idle;
pub mod ex03_interleave;
pub mod ex04_overlap;
