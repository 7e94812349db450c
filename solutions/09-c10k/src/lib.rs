//! Chapter 09, The C10K lab: the reference solutions.
//!
//! Read them after solving the exercises in `exercises/09-c10k`. The chapter is in
//! `book/src/ch09-c10k/`; `examples/lab.rs` serves the same echo protocol many ways and
//! measures each with these four pieces.

pub mod ex01_loadgen;
pub mod ex02_accept;
pub mod ex03_proc;
pub mod ex04_budget;
