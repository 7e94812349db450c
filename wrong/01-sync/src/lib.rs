//! Chapter 01's plausible wrong answers.
//!
//! Everything is the reference solution, except the one module that the enabled feature
//! swaps for a wrong answer (a local module shadows the glob re-export). Built with one
//! feature at a time by the course's tests, never by hand.

pub use ch01_solution::*;

#[cfg(feature = "ex01-reversed")]
#[path = "wrong/ex01_reversed.rs"]
pub mod ex01_sequence;
#[cfg(feature = "ex01-on-threads")]
#[path = "wrong/ex01_on_threads.rs"]
pub mod ex01_sequence;
#[cfg(feature = "ex01-records-after")]
#[path = "wrong/ex01_records_after.rs"]
pub mod ex01_sequence;
#[cfg(feature = "ex01-fixed-lane")]
#[path = "wrong/ex01_fixed_lane.rs"]
pub mod ex01_sequence;
#[cfg(feature = "ex01-shared-readings")]
#[path = "wrong/ex01_shared_readings.rs"]
pub mod ex01_sequence;

#[cfg(feature = "ex02-sum-of-waits")]
#[path = "wrong/ex02_sum_of_waits.rs"]
pub mod ex02_idle;
#[cfg(feature = "ex02-from-zero")]
#[path = "wrong/ex02_from_zero.rs"]
pub mod ex02_idle;
#[cfg(feature = "ex02-double-counts")]
#[path = "wrong/ex02_double_counts.rs"]
pub mod ex02_idle;
#[cfg(feature = "ex02-stretch-ends")]
#[path = "wrong/ex02_stretch_ends.rs"]
pub mod ex02_idle;
#[cfg(feature = "ex02-nested-cuts-short")]
#[path = "wrong/ex02_nested_cuts_short.rs"]
pub mod ex02_idle;
#[cfg(feature = "ex02-no-cpu-means-zero")]
#[path = "wrong/ex02_no_cpu_means_zero.rs"]
pub mod ex02_idle;
#[cfg(feature = "ex02-run-starts-at-first-cpu")]
#[path = "wrong/ex02_run_starts_at_first_cpu.rs"]
pub mod ex02_idle;
#[cfg(feature = "ex02-whole-milliseconds")]
#[path = "wrong/ex02_whole_milliseconds.rs"]
pub mod ex02_idle;

#[cfg(feature = "ex03-one-at-a-time")]
#[path = "wrong/ex03_one_at_a_time.rs"]
pub mod ex03_interleave;
#[cfg(feature = "ex03-finishing-order")]
#[path = "wrong/ex03_finishing_order.rs"]
pub mod ex03_interleave;
#[cfg(feature = "ex03-steps-finished-again")]
#[path = "wrong/ex03_steps_finished_again.rs"]
pub mod ex03_interleave;
#[cfg(feature = "ex03-restarts-round")]
#[path = "wrong/ex03_restarts_round.rs"]
pub mod ex03_interleave;
#[cfg(feature = "ex03-round-cap")]
#[path = "wrong/ex03_round_cap.rs"]
pub mod ex03_interleave;
#[cfg(feature = "ex03-slot-by-current-position")]
#[path = "wrong/ex03_slot_by_current_position.rs"]
pub mod ex03_interleave;

#[cfg(feature = "ex04-one-by-one")]
#[path = "wrong/ex04_one_by_one.rs"]
pub mod ex04_overlap;
#[cfg(feature = "ex04-reverse-order")]
#[path = "wrong/ex04_reverse_order.rs"]
pub mod ex04_overlap;
#[cfg(feature = "ex04-in-batches")]
#[path = "wrong/ex04_in_batches.rs"]
pub mod ex04_overlap;
