//! Chapter 10, When not to use async: the exercises.
//!
//! Each module is one exercise. Edit the `todo!()`s; `cargo course` tells you when the
//! tests pass. The chapter is in `book/src/ch10-when-not/`.

// Stubs leave their parameters unused until you write the body, and import what you
// will need.
#![allow(unused_variables, unused_imports)]

pub mod ex01_starvation;
pub mod ex02_detector;
pub mod ex03_sqlite;
pub mod ex04_cpu_pool;
pub mod ex05_few_clients;
