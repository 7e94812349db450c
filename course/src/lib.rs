//! The course's runner (`cargo course`) and verifier (`cargo test`).
//!
//! - [`manifest`]: `exercises/course.toml`, the list of chapters and exercises.
//! - [`check`]: build and run one exercise's tests under a time limit.
//! - [`progress`]: what is solved, cached by a fingerprint of the learner's files.
//! - [`cargo`]: run cargo and read libtest's output.
//! - [`diff`]: a learner's file against the solution.

pub mod cargo;
pub mod check;
pub mod diff;
pub mod manifest;
pub mod progress;
pub mod ui;
