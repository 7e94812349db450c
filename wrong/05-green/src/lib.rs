//! Chapter 05's plausible wrong answers.
//!
//! Everything is the reference solution, except the one module that the enabled feature
//! swaps for a wrong answer (a local module shadows the glob re-export). Each wrong module
//! is a copy of the solution's with one change, since the scheduler's state is private.
//! Built with one feature at a time by the course's tests, never by hand.

pub use ch05_solution::*;

#[cfg(feature = "ex01-yields-input")]
#[path = "wrong/ex01_yields_input.rs"]
pub mod ex01_coroutine;
#[cfg(feature = "ex01-drops-first-input")]
#[path = "wrong/ex01_drops_first_input.rs"]
pub mod ex01_coroutine;
#[cfg(feature = "ex01-pre-order")]
#[path = "wrong/ex01_pre_order.rs"]
pub mod ex01_coroutine;

#[cfg(feature = "ex02-runs-to-completion")]
#[path = "wrong/ex02_runs_to_completion.rs"]
pub mod ex02_scheduler;
#[cfg(feature = "ex02-panic-kills-scheduler")]
#[path = "wrong/ex02_panic_kills_scheduler.rs"]
pub mod ex02_scheduler;
#[cfg(feature = "ex02-yield-to-self")]
#[path = "wrong/ex02_yield_to_self.rs"]
pub mod ex02_scheduler;

#[cfg(feature = "ex03-spinning-recv")]
#[path = "wrong/ex03_spinning_recv.rs"]
pub mod ex03_sleep_channel;
#[cfg(feature = "ex03-blocking-sleep")]
#[path = "wrong/ex03_blocking_sleep.rs"]
pub mod ex03_sleep_channel;
#[cfg(feature = "ex03-set-order-timers")]
#[path = "wrong/ex03_set_order_timers.rs"]
pub mod ex03_sleep_channel;

#[cfg(feature = "ex04-blocking-read")]
#[path = "wrong/ex04_blocking_read.rs"]
pub mod ex04_green_io;
#[cfg(feature = "ex04-one-client-at-a-time")]
#[path = "wrong/ex04_one_client_at_a_time.rs"]
pub mod ex04_green_io;
#[cfg(feature = "ex04-error-ends-server")]
#[path = "wrong/ex04_error_ends_server.rs"]
pub mod ex04_green_io;

#[cfg(feature = "ex05-forgets-rbx")]
#[path = "wrong/ex05_forgets_rbx.rs"]
pub mod ex05_switch;
#[cfg(feature = "ex05-loses-the-resumer")]
#[path = "wrong/ex05_loses_the_resumer.rs"]
pub mod ex05_switch;
