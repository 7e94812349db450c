//! Chapter 11, Async in production: the exercises.
//!
//! Each module is one exercise. Edit the `todo!()`s; `cargo course` tells you when the
//! tests pass. The chapter is in `book/src/ch11-production/`.

// Stubs leave their parameters unused until you write the body, and import what you
// will need.
#![allow(unused_variables, unused_imports)]

pub mod ex01_cancel;
pub mod ex02_scope;
pub mod ex03_admission;
pub mod ex04_shutdown;
pub mod ex05_tracing;
pub mod ex06_write_the_test;
