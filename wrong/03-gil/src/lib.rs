//! Chapter 03's plausible wrong answers.
//!
//! Everything is the reference solution, except the one module that the enabled feature
//! swaps for a wrong answer (a local module shadows the glob re-export). A wrong module is
//! the solution's with a few edits (`mutations.toml`, applied by `build.rs`), so that it
//! differs from the solution only where it is wrong. Built with one feature at a time by
//! the course's tests, never by hand.

pub use ch03_solution::*;

use support::mutation;

mutation!("ex01-no-lock", ex01_gil);
mutation!("ex01-one-after-another", ex01_gil);
mutation!("ex01-on-the-caller", ex01_gil);
mutation!("ex01-holds-until-done", ex01_gil);
mutation!("ex01-finishing-order", ex01_gil);
mutation!("ex01-holds-for-a-batch", ex01_gil);
mutation!("ex01-unwrap-join", ex01_gil);
mutation!("ex01-spins-until-finished", ex01_gil);
mutation!("ex01-spins-for-the-gil", ex01_gil);

mutation!("ex02-keeps-the-gil", ex02_release);
mutation!("ex02-never-retakes", ex02_release);
mutation!("ex02-one-after-another", ex02_release);
mutation!("ex02-takes-gil-late", ex02_release);
mutation!("ex02-detached-call", ex02_release);
mutation!("ex02-finishing-order", ex02_release);
mutation!("ex02-unwrap-join", ex02_release);
mutation!("ex02-spins-until-finished", ex02_release);
mutation!("ex02-releases-every-instruction", ex02_release);
mutation!("ex02-spins-before-retake", ex02_release);

mutation!("ex03-never-switches", ex03_switch_interval);
mutation!("ex03-every-instruction", ex03_switch_interval);
mutation!("ex03-plain-mutex", ex03_switch_interval);
mutation!("ex03-notify-one", ex03_switch_interval);
mutation!("ex03-release-then-acquire", ex03_switch_interval);
mutation!("ex03-drop-then-acquire", ex03_switch_interval);
mutation!("ex03-spins-for-turn", ex03_switch_interval);
mutation!("ex03-sleeps-on-another-lock", ex03_switch_interval);
mutation!("ex03-wakes-then-serves", ex03_switch_interval);
mutation!("ex03-if-not-while", ex03_switch_interval);
mutation!("ex03-spins-in-switch", ex03_switch_interval);
mutation!("ex03-unwrap-join", ex03_switch_interval);
mutation!("ex03-spins-until-finished", ex03_switch_interval);

mutation!("ex04-one-big-lock", ex04_per_object_locks);
mutation!("ex04-unordered-locks", ex04_per_object_locks);
mutation!("ex04-self-transfer-deadlocks", ex04_per_object_locks);
mutation!("ex04-one-lock-at-a-time", ex04_per_object_locks);
mutation!("ex04-spins-on-try-lock", ex04_per_object_locks);
mutation!("ex04-locks-the-range", ex04_per_object_locks);
mutation!("ex04-hook-after-unlock", ex04_per_object_locks);
mutation!("ex04-hook-before-move", ex04_per_object_locks);
