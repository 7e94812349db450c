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
mutation!("ex01-panic-becomes-a-join-error", ex01_starvation);

mutation!("ex02-times-since-the-first-poll", ex02_detector);
mutation!("ex02-at-the-limit", ex02_detector);
mutation!("ex02-skips-the-ready-poll", ex02_detector);
mutation!("ex02-reports-the-limit", ex02_detector);
mutation!("ex02-wakes-itself", ex02_detector);
mutation!("ex02-reports-once-per-task", ex02_detector);
mutation!("ex02-whole-milliseconds", ex02_detector);
mutation!("ex02-keeps-the-first-waker", ex02_detector);

mutation!("ex03-waits-on-the-loop", ex03_sqlite);
mutation!("ex03-spins-for-the-answer", ex03_sqlite);
mutation!("ex03-error-kills-the-thread", ex03_sqlite);
mutation!("ex03-shutdown-does-not-wait", ex03_sqlite);
mutation!("ex03-shutdown-spins", ex03_sqlite);
mutation!("ex03-shutdown-drops-the-queue", ex03_sqlite);
mutation!("ex03-unbounded-queue", ex03_sqlite);
mutation!("ex03-full-queue-blocks-the-loop", ex03_sqlite);
mutation!("ex03-spins-for-room", ex03_sqlite);
mutation!("ex03-thread-polls-the-queue", ex03_sqlite);
mutation!("ex03-shutdown-hides-a-dead-thread", ex03_sqlite);

mutation!("ex04-tasks-one-by-one", ex04_cpu_pool);
mutation!("ex04-tasks-in-finishing-order", ex04_cpu_pool);
mutation!("ex04-threads-one-after-another", ex04_cpu_pool);
mutation!("ex04-rayon-sequential", ex04_cpu_pool);
mutation!("ex04-rayon-blocks-the-loop", ex04_cpu_pool);
mutation!("ex04-spins-for-the-answer", ex04_cpu_pool);
mutation!("ex04-rayon-global-pool", ex04_cpu_pool);
mutation!("ex04-threads-floor-share", ex04_cpu_pool);
mutation!("ex04-panic-aborts-the-process", ex04_cpu_pool);
mutation!("ex04-panic-replaced", ex04_cpu_pool);
mutation!("ex04-tasks-spin-on-the-handles", ex04_cpu_pool);
mutation!("ex04-threads-poll-for-the-end", ex04_cpu_pool);

mutation!("ex05-one-client-at-a-time", ex05_few_clients);
mutation!("ex05-text-lines-only", ex05_few_clients);
mutation!("ex05-detached-threads", ex05_few_clients);
mutation!("ex05-polls-for-the-end", ex05_few_clients);
mutation!("ex05-answers-a-cut-off-line", ex05_few_clients);
mutation!("ex05-answers-each-read", ex05_few_clients);
mutation!("ex05-client-error-ends-serve", ex05_few_clients);
