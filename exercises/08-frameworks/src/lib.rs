//! Chapter 08, Frameworks: the exercises.
//!
//! Each module is one exercise. Edit the `todo!()`s; `cargo course` tells you when the
//! tests pass. The chapter is in `book/src/ch08-frameworks/`. The exercises stand alone:
//! each uses the crates the chapter is about (futures, tokio, tokio-util, async-std, smol).

// Stubs leave their parameters unused until you write the body, and import what you will
// need.
#![allow(unused_variables, unused_imports)]

pub mod ex01_deferred;
pub mod ex02_codec;
pub mod ex03_gather;
pub mod ex04_runtimes;
pub mod ex05_select;
pub mod ex06_chat;
