//! Chapter 09, The C10K lab: the exercises.
//!
//! Each module is one exercise. Edit the `todo!()`s; `cargo course` tells you when the
//! tests pass. The chapter is in `book/src/ch09-c10k/`. These are the tools of the
//! chapter's lab: a load generator, an accept loop that survives running out of files, a
//! way to measure a server from outside, and a connection budget.

// Stubs leave their parameters unused until you write the body.
#![allow(unused_variables)]
// They also import what you will need.
#![allow(unused_imports)]

pub mod ex01_loadgen;
pub mod ex02_accept;
pub mod ex03_proc;
pub mod ex04_budget;
