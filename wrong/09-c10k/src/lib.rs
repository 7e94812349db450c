//! Chapter 09's plausible wrong answers.
//!
//! Everything is the reference solution, except the one module that the enabled feature
//! swaps for a wrong answer (a local module shadows the glob re-export). A wrong module is
//! the solution's with a few edits (`mutations.toml`, applied by `build.rs`). Built with
//! one feature at a time by the course's tests, never by hand.

pub use ch09_solution::*;

use support::mutation;

mutation!("ex01-panics-on-refused", ex01_loadgen);
mutation!("ex01-reset-is-other", ex01_loadgen);
mutation!("ex01-first-client-only", ex01_loadgen);
mutation!("ex01-one-target", ex01_loadgen);
mutation!("ex01-no-loopback-check", ex01_loadgen);
mutation!("ex01-clients-one-at-a-time", ex01_loadgen);
mutation!("ex01-idle-closed-early", ex01_loadgen);
mutation!("ex01-active-spread", ex01_loadgen);
mutation!("ex01-polls-for-the-clients", ex01_loadgen);

mutation!("ex02-spins", ex02_accept);
mutation!("ex02-gives-up", ex02_accept);
mutation!("ex02-wait-never-starts-over", ex02_accept);
mutation!("ex02-no-ceiling", ex02_accept);
mutation!("ex02-ceiling-before-doubling", ex02_accept);
mutation!("ex02-doubles-before-pausing", ex02_accept);

mutation!("ex03-rss-in-kib", ex03_proc);
mutation!("ex03-splits-on-spaces", ex03_proc);
mutation!("ex03-user-time-only", ex03_proc);
mutation!("ex03-fixed-tick-rate", ex03_proc);
mutation!("ex03-whole-seconds", ex03_proc);

mutation!("ex04-waits-for-a-permit", ex04_budget);
mutation!("ex04-permit-dropped-at-once", ex04_budget);
mutation!("ex04-permit-never-returned", ex04_budget);
mutation!("ex04-silent-refusal", ex04_budget);
mutation!("ex04-accept-polls", ex04_budget);
mutation!("ex04-refusal-error-ends-serve", ex04_budget);
