//! Chapter 05's plausible wrong answers.
//!
//! Everything is the reference solution, except the one module that the enabled feature
//! swaps for a wrong answer (a local module shadows the glob re-export). A wrong module is
//! the solution's with a few edits (`mutations.toml`, applied by `build.rs`), since the
//! scheduler's state is private and a wrong answer must reach inside it. Built with one
//! feature at a time by the course's tests, never by hand.

pub use ch05_solution::*;

use support::mutation;

mutation!("ex01-yields-input", ex01_coroutine);
mutation!("ex01-drops-first-input", ex01_coroutine);
mutation!("ex01-pre-order", ex01_coroutine);
mutation!("ex01-collects-fringes", ex01_coroutine);

mutation!("ex02-runs-to-completion", ex02_scheduler);
mutation!("ex02-panic-kills-scheduler", ex02_scheduler);
mutation!("ex02-yield-to-self", ex02_scheduler);
mutation!("ex02-spinning-join", ex02_scheduler);
mutation!("ex02-join-parks-once", ex02_scheduler);

mutation!("ex03-spinning-recv", ex03_sleep_channel);
mutation!("ex03-blocking-sleep", ex03_sleep_channel);
mutation!("ex03-set-order-timers", ex03_sleep_channel);
mutation!("ex03-spinning-sleep", ex03_sleep_channel);
mutation!("ex03-recv-parks-once", ex03_sleep_channel);
mutation!("ex03-send-keeps-waiting", ex03_sleep_channel);
mutation!("ex03-closed-before-drained", ex03_sleep_channel);

mutation!("ex04-blocking-read", ex04_green_io);
mutation!("ex04-one-client-at-a-time", ex04_green_io);
mutation!("ex04-error-ends-server", ex04_green_io);
mutation!("ex04-spinning-read", ex04_green_io);
mutation!("ex04-spinning-accept", ex04_green_io);
mutation!("ex04-read-retries-errors", ex04_green_io);
mutation!("ex04-returns-without-joining", ex04_green_io);
mutation!("ex04-read-waits-once", ex04_green_io);
mutation!("ex04-events-never-cleared", ex04_green_io);
mutation!("ex04-poll-never-blocks", ex04_green_io);
mutation!("ex04-poll-ignores-timeout", ex04_green_io);
mutation!("ex04-accept-error-swallowed", ex04_green_io);

mutation!("ex05-forgets-rbx", ex05_switch);
mutation!("ex05-loses-the-resumer", ex05_switch);
mutation!("ex05-misaligned-frame", ex05_switch);
mutation!("ex05-trampoline-jumps", ex05_switch);
mutation!("ex05-pops-swapped", ex05_switch);
