//! Chapter 10's plausible wrong answers.
//!
//! Everything is the reference solution, except the one module that the enabled feature
//! swaps for a wrong answer (a local module shadows the glob re-export): the solution's
//! module with a few edits (`mutations.toml`, applied by `build.rs`). Built with one
//! feature at a time by the course's tests, never by hand.

pub use ch10_solution::*;

use support::mutation;

mutation!("ex01-runs-on-the-loop", ex01_starvation);
mutation!("ex01-spawns-a-task", ex01_starvation);
mutation!("ex01-spins-on-the-handle", ex01_starvation);
mutation!("ex01-never-yields", ex01_starvation);
mutation!("ex01-yields-once", ex01_starvation);

mutation!("ex02-times-since-the-first-poll", ex02_detector);
mutation!("ex02-at-the-limit", ex02_detector);
mutation!("ex02-skips-the-ready-poll", ex02_detector);
mutation!("ex02-reports-the-limit", ex02_detector);
mutation!("ex02-wakes-itself", ex02_detector);

mutation!("ex03-waits-on-the-loop", ex03_sqlite);
mutation!("ex03-spins-for-the-answer", ex03_sqlite);
mutation!("ex03-error-kills-the-thread", ex03_sqlite);
mutation!("ex03-shutdown-does-not-wait", ex03_sqlite);
mutation!("ex03-shutdown-spins", ex03_sqlite);
mutation!("ex03-shutdown-drops-the-queue", ex03_sqlite);

mutation!("ex04-tasks-one-by-one", ex04_cpu_pool);
mutation!("ex04-tasks-in-finishing-order", ex04_cpu_pool);
mutation!("ex04-threads-one-after-another", ex04_cpu_pool);
mutation!("ex04-rayon-sequential", ex04_cpu_pool);
mutation!("ex04-rayon-blocks-the-loop", ex04_cpu_pool);
mutation!("ex04-spins-for-the-answer", ex04_cpu_pool);

mutation!("ex05-one-client-at-a-time", ex05_few_clients);
mutation!("ex05-text-lines-only", ex05_few_clients);
