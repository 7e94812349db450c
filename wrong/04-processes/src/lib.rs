//! Chapter 04's plausible wrong answers.
//!
//! Everything is the reference solution, except the one module that the enabled feature
//! swaps for a wrong answer (a local module shadows the glob re-export). A wrong module is
//! the solution's with a few edits (`mutations.toml`, applied by `build.rs`), so that it
//! follows the solution when it changes. Built with one feature at a time by the course's
//! tests, never by hand. The crate's own `ch04-worker` runs this library, so a wrong
//! worker loop is what the tests' worker processes serve.

pub use ch04_solution::*;

use support::mutation;

mutation!("ex01-no-close", ex01_spawn);
mutation!("ex01-no-wait", ex01_spawn);
mutation!("ex01-wait-before-read", ex01_spawn);
mutation!("ex01-reads-one-line", ex01_spawn);
mutation!("ex01-polls-try-wait", ex01_spawn);

mutation!("ex02-single-read", ex02_frames);
mutation!("ex02-trusts-length", ex02_frames);
mutation!("ex02-truncated-is-end", ex02_frames);
mutation!("ex02-single-write", ex02_frames);
mutation!("ex02-allocates-first", ex02_frames);
mutation!("ex02-every-error-is-truncation", ex02_frames);
mutation!("ex02-retries-every-error", ex02_frames);
mutation!("ex02-write-loop-no-retry", ex02_frames);

mutation!("ex03-no-flush", ex03_worker);
mutation!("ex03-stops-after-one", ex03_worker);
mutation!("ex03-eof-is-error", ex03_worker);
mutation!("ex03-write-errors-ignored", ex03_worker);
mutation!("ex03-flush-errors-ignored", ex03_worker);

mutation!("ex04-one-at-a-time", ex04_pool);
mutation!("ex04-finishing-order", ex04_pool);
mutation!("ex04-no-replacement", ex04_pool);
mutation!("ex04-kill-on-shutdown", ex04_pool);
mutation!("ex04-fixed-shares", ex04_pool);
mutation!("ex04-shutdown-polls", ex04_pool);
mutation!("ex04-retries-crashed-job", ex04_pool);
mutation!("ex04-run-polls-feeders", ex04_pool);
