//! Chapter 02's plausible wrong answers.
//!
//! Everything is the reference solution, except the one module that the enabled feature
//! swaps for a wrong answer (a local module shadows the glob re-export). Built with one
//! feature at a time by the course's tests, never by hand.

pub use ch02_solution::*;

#[cfg(feature = "ex01-join-in-loop")]
#[path = "wrong/ex01_join_in_loop.rs"]
pub mod ex01_spawn;
#[cfg(feature = "ex01-finishing-order")]
#[path = "wrong/ex01_finishing_order.rs"]
pub mod ex01_spawn;
#[cfg(feature = "ex01-unwrap-join")]
#[path = "wrong/ex01_unwrap_join.rs"]
pub mod ex01_spawn;

#[cfg(feature = "ex02-sequential")]
#[path = "wrong/ex02_sequential.rs"]
pub mod ex02_scoped;
#[cfg(feature = "ex02-lost-tail")]
#[path = "wrong/ex02_lost_tail.rs"]
pub mod ex02_scoped;
#[cfg(feature = "ex02-extra-chunk")]
#[path = "wrong/ex02_extra_chunk.rs"]
pub mod ex02_scoped;

#[cfg(feature = "ex03-kept-sender")]
#[path = "wrong/ex03_kept_sender.rs"]
pub mod ex03_channel;
#[cfg(feature = "ex03-join-then-receive")]
#[path = "wrong/ex03_join_then_receive.rs"]
pub mod ex03_channel;
#[cfg(feature = "ex03-one-per-producer")]
#[path = "wrong/ex03_one_per_producer.rs"]
pub mod ex03_channel;

#[cfg(feature = "ex04-lock-around-job")]
#[path = "wrong/ex04_lock_around_job.rs"]
pub mod ex04_counter;
#[cfg(feature = "ex04-read-then-write")]
#[path = "wrong/ex04_read_then_write.rs"]
pub mod ex04_counter;
#[cfg(feature = "ex04-sum-at-the-end")]
#[path = "wrong/ex04_sum_at_the_end.rs"]
pub mod ex04_counter;

#[cfg(feature = "ex05-lock-held-during-job")]
#[path = "wrong/ex05_lock_held_during_job.rs"]
pub mod ex05_pool;
#[cfg(feature = "ex05-panic-kills-worker")]
#[path = "wrong/ex05_panic_kills_worker.rs"]
pub mod ex05_pool;
#[cfg(feature = "ex05-stop-flag")]
#[path = "wrong/ex05_stop_flag.rs"]
pub mod ex05_pool;
