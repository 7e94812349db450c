//! Chapter 03's plausible wrong answers.
//!
//! Everything is the reference solution, except the one module that the enabled feature
//! swaps for a wrong answer (a local module shadows the glob re-export). Built with one
//! feature at a time by the course's tests, never by hand.

pub use ch03_solution::*;

#[cfg(feature = "ex01-no-lock")]
#[path = "wrong/ex01_no_lock.rs"]
pub mod ex01_gil;
#[cfg(feature = "ex01-one-after-another")]
#[path = "wrong/ex01_one_after_another.rs"]
pub mod ex01_gil;
#[cfg(feature = "ex01-on-the-caller")]
#[path = "wrong/ex01_on_the_caller.rs"]
pub mod ex01_gil;

#[cfg(feature = "ex02-keeps-the-gil")]
#[path = "wrong/ex02_keeps_the_gil.rs"]
pub mod ex02_release;
#[cfg(feature = "ex02-never-retakes")]
#[path = "wrong/ex02_never_retakes.rs"]
pub mod ex02_release;
#[cfg(feature = "ex02-one-after-another")]
#[path = "wrong/ex02_one_after_another.rs"]
pub mod ex02_release;

#[cfg(feature = "ex03-never-switches")]
#[path = "wrong/ex03_never_switches.rs"]
pub mod ex03_switch_interval;
#[cfg(feature = "ex03-every-instruction")]
#[path = "wrong/ex03_every_instruction.rs"]
pub mod ex03_switch_interval;
#[cfg(feature = "ex03-plain-mutex")]
#[path = "wrong/ex03_plain_mutex.rs"]
pub mod ex03_switch_interval;

#[cfg(feature = "ex04-one-big-lock")]
#[path = "wrong/ex04_one_big_lock.rs"]
pub mod ex04_per_object_locks;
#[cfg(feature = "ex04-unordered-locks")]
#[path = "wrong/ex04_unordered_locks.rs"]
pub mod ex04_per_object_locks;
#[cfg(feature = "ex04-self-transfer-deadlocks")]
#[path = "wrong/ex04_self_transfer_deadlocks.rs"]
pub mod ex04_per_object_locks;
