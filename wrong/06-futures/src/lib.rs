//! Chapter 06's plausible wrong answers.
//!
//! Everything is the reference solution, except the one module that the enabled feature
//! swaps for a wrong answer (a local module shadows the glob re-export). A wrong module is
//! the solution's with a few edits (`mutations.toml`, applied by `build.rs`). Built with
//! one feature at a time by the course's tests, never by hand.

pub use ch06_solution::*;

use support::mutation;

mutation!("ex01-forgets-state", ex01_generator);
mutation!("ex01-no-priming", ex01_generator);
mutation!("ex01-restarts-after-complete", ex01_generator);
mutation!("ex01-primes-with-a-term", ex01_generator);
mutation!("ex01-running-mean", ex01_generator);

mutation!("ex02-first-waker", ex02_delay);
mutation!("ex02-thread-per-poll", ex02_delay);
mutation!("ex02-ready-twice", ex02_delay);
mutation!("ex02-two-locks", ex02_delay);
mutation!("ex02-wakes-under-lock", ex02_delay);

mutation!("ex03-busy-loop", ex03_block_on);
mutation!("ex03-noop-waker", ex03_block_on);
mutation!("ex03-loses-early-wake", ex03_block_on);
mutation!("ex03-parks-once", ex03_block_on);
mutation!("ex03-yields-instead-of-parking", ex03_block_on);
mutation!("ex03-unparks-before-flag", ex03_block_on);

mutation!("ex04-sequential-join", ex04_combinators);
mutation!("ex04-polls-finished", ex04_combinators);
mutation!("ex04-select-keeps-loser", ex04_combinators);
mutation!("ex04-select-polls-b-first", ex04_combinators);
mutation!("ex04-select-polls-both", ex04_combinators);
mutation!("ex04-join-wakes-itself", ex04_combinators);
mutation!("ex04-select-pending-after-finish", ex04_combinators);

mutation!("ex05-clears-after-poll", ex05_executor);
mutation!("ex05-requeues-pending", ex05_executor);
mutation!("ex05-panic-kills-run", ex05_executor);
mutation!("ex05-queues-twice", ex05_executor);
mutation!("ex05-handle-keeps-first-waker", ex05_executor);
mutation!("ex05-keeps-finished-future", ex05_executor);
mutation!("ex05-checks-then-marks", ex05_executor);
mutation!("ex05-handle-two-locks", ex05_executor);

mutation!("ex06-spinning-recv", ex06_channel);
mutation!("ex06-drop-forgets-wake", ex06_channel);
mutation!("ex06-unbounded", ex06_channel);
mutation!("ex06-one-sender-closes", ex06_channel);
mutation!("ex06-full-before-gone", ex06_channel);
mutation!("ex06-recv-keeps-first-waker", ex06_channel);
mutation!("ex06-wakes-one-sender", ex06_channel);
mutation!("ex06-wakes-under-lock", ex06_channel);
mutation!("ex06-recv-two-locks", ex06_channel);
