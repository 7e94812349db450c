//! The course's verifier and its book builder, apart from the runner so that
//! `cargo course` does not wait for a book renderer it does not use.
//!
//! - [`verify`]: do the manifest, the crates and the book agree? (the `course` crate's
//!   tests, which `cargo test` runs, call it)
//! - [`book`]: build the book in-process and find broken links (`cargo course book` runs
//!   the `course-book` binary).
//! - [`quiz`]: the chapters' quizzes, expanded into their pages when the book is built.

pub mod book;
pub mod quiz;
pub mod verify;
