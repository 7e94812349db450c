//! Chapter 04's plausible wrong answers.
//!
//! Everything is the reference solution, except the one module that the enabled feature
//! swaps for a wrong answer (a local module shadows the glob re-export). Built with one
//! feature at a time by the course's tests, never by hand.

pub use ch04_solution::*;

/// `mutation!("feature", module)`: with that feature on, `module` is the solution's module
/// with the feature's edits from `mutations.toml` applied (by `build.rs`; see
/// `support::mutations`). Used where a wrong answer is a small change to a large module.
macro_rules! mutation {
    ($feature:literal, $module:ident) => {
        #[cfg(feature = $feature)]
        pub mod $module {
            include!(concat!(env!("OUT_DIR"), "/", $feature, ".rs"));
        }
    };
}

#[cfg(feature = "ex01-no-close")]
#[path = "wrong/ex01_no_close.rs"]
pub mod ex01_spawn;
#[cfg(feature = "ex01-no-wait")]
#[path = "wrong/ex01_no_wait.rs"]
pub mod ex01_spawn;
#[cfg(feature = "ex01-wait-before-read")]
#[path = "wrong/ex01_wait_before_read.rs"]
pub mod ex01_spawn;

#[cfg(feature = "ex02-single-read")]
#[path = "wrong/ex02_single_read.rs"]
pub mod ex02_frames;
#[cfg(feature = "ex02-trusts-length")]
#[path = "wrong/ex02_trusts_length.rs"]
pub mod ex02_frames;
#[cfg(feature = "ex02-truncated-is-end")]
#[path = "wrong/ex02_truncated_is_end.rs"]
pub mod ex02_frames;

#[cfg(feature = "ex03-no-flush")]
#[path = "wrong/ex03_no_flush.rs"]
pub mod ex03_worker;
#[cfg(feature = "ex03-stops-after-one")]
#[path = "wrong/ex03_stops_after_one.rs"]
pub mod ex03_worker;
#[cfg(feature = "ex03-eof-is-error")]
#[path = "wrong/ex03_eof_is_error.rs"]
pub mod ex03_worker;

mutation!("ex04-one-at-a-time", ex04_pool);
mutation!("ex04-finishing-order", ex04_pool);
mutation!("ex04-no-replacement", ex04_pool);
mutation!("ex04-kill-on-shutdown", ex04_pool);
