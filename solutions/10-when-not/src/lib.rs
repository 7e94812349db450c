//! Chapter 10, When not to use async: reference solutions.
//!
//! Starvation of an event loop and its fixes, a detector for blocking polls, a blocking
//! database behind a thread, CPU-bound work on thread pools, and a small tool written
//! without async.

pub mod ex01_starvation;
pub mod ex02_detector;
pub mod ex03_sqlite;
pub mod ex04_cpu_pool;
pub mod ex05_few_clients;
