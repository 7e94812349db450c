//! Chapter 02's plausible wrong answers.
//!
//! Everything is the reference solution, except the one module that the enabled feature
//! swaps for a wrong answer (a local module shadows the glob re-export). A wrong module is
//! the solution's with a few edits (`mutations.toml`, applied by `build.rs`), so that it
//! differs from the solution only by its mistake. Built with one feature at a time by the
//! course's tests, never by hand.

pub use ch02_solution::*;

use support::mutation;

mutation!("ex01-join-in-loop", ex01_spawn);
mutation!("ex01-finishing-order", ex01_spawn);
mutation!("ex01-unwrap-join", ex01_spawn);
mutation!("ex01-raises-early", ex01_spawn);
mutation!("ex01-spins-until-finished", ex01_spawn);
mutation!("ex01-str-only-message", ex01_spawn);

mutation!("ex02-sequential", ex02_scoped);
mutation!("ex02-lost-tail", ex02_scoped);
mutation!("ex02-extra-chunk", ex02_scoped);
mutation!("ex02-finishing-order", ex02_scoped);
mutation!("ex02-unwrap-join", ex02_scoped);
mutation!("ex02-spins-until-finished", ex02_scoped);

mutation!("ex03-kept-sender", ex03_channel);
mutation!("ex03-join-then-receive", ex03_channel);
mutation!("ex03-one-per-producer", ex03_channel);
mutation!("ex03-never-joins", ex03_channel);
mutation!("ex03-polls-try-recv", ex03_channel);
mutation!("ex03-spins-on-join", ex03_channel);
mutation!("ex03-silence-ends", ex03_channel);
mutation!("ex03-sender-to-last-producer", ex03_channel);

mutation!("ex04-lock-around-job", ex04_counter);
mutation!("ex04-read-then-write", ex04_counter);
mutation!("ex04-sum-at-the-end", ex04_counter);
mutation!("ex04-two-locks", ex04_counter);
mutation!("ex04-ignores-panics", ex04_counter);
mutation!("ex04-unwrap-join", ex04_counter);
mutation!("ex04-spins-until-finished", ex04_counter);
mutation!("ex04-spins-on-try-lock", ex04_counter);

mutation!("ex05-lock-held-during-job", ex05_pool);
mutation!("ex05-panic-kills-worker", ex05_pool);
mutation!("ex05-stop-flag", ex05_pool);
mutation!("ex05-polls-queue", ex05_pool);
mutation!("ex05-one-worker-too-many", ex05_pool);
mutation!("ex05-queue-per-worker", ex05_pool);
mutation!("ex05-bounded-queue", ex05_pool);
mutation!("ex05-spinning-shutdown", ex05_pool);
mutation!("ex05-starts-workers-in-execute", ex05_pool);
mutation!("ex05-skips-drop-while-panicking", ex05_pool);
