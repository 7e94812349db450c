//! What the course's tests and labs share.
//!
//! - [`timeout`]: run a test body under a time limit, so a deadlock or an infinite loop in
//!   a learner's answer fails with a message instead of hanging the run.
//! - [`Rendezvous`]: prove that pieces of work ran *at the same time*, without a stopwatch.
//! - [`Timeline`]: record named spans per thread or task and draw them as an SVG timeline.
//! - [`chart`]: the labs' bar charts and Markdown tables, written from one run.
//! - [`child`]: a child process that lingers after it has answered (a shell script: Unix).
//! - `conn_double` (feature `tokio`): a connection whose other end the test holds, with
//!   writes held until flushed and taken a byte at a time, as real connections may.
//! - [`held_wake`]: hold a waking thread at the return of its wake-up until the thread it
//!   woke has run (Linux, seccomp), so that a flag set after the wake-up shows every time.
//! - [`net`]: how many bytes a loopback connection can hold, for tests that fill one.
//! - `loom` (feature `loom`): run a learner's module under the model checker, with a
//!   waker whose wakes the model sees.
//! - `model` (feature `model`, for build scripts): copies of a learner's module that
//!   the tests compile with loom's primitives, to check every interleaving.
//! - [`sched`]: see whether an OS thread parks or spins, and force a thread off its CPU
//!   at a chosen point, through the kernel's scheduler (Linux).
//! - [`wakers`]: wakers that count, and a future polled with a new waker each time.
//! - [`tokio`] (feature `tokio`): async test bodies on a paused clock, under the same
//!   limits.
//!
//! ```
//! use support::{Kind, Timeline, timeout};
//!
//! // A test body: if it deadlocked, `timeout` would fail it after 10 s with a message.
//! let spans = timeout(|| {
//!     let timeline = Timeline::new();
//!     let answer = timeline.record("think", Kind::Cpu, || 6 * 7);
//!     assert_eq!(answer, 42);
//!     timeline.spans()
//! });
//! assert_eq!(spans[0].label, "think");
//! ```

pub mod chart;
pub mod child;
#[cfg(feature = "tokio")]
pub mod conn_double;
pub mod eager;
pub mod held_wake;
pub mod isolated;
#[cfg(feature = "loom")]
#[path = "loom_check.rs"]
pub mod loom;
#[cfg(feature = "loom")]
pub mod loom_std;
#[cfg(feature = "model")]
pub mod model;
#[cfg(feature = "mutations")]
pub mod mutations;
pub mod net;
mod rendezvous;
pub mod sched;
pub mod tcp_table;
mod timeline;
mod timeout;
#[cfg(feature = "tokio")]
#[path = "tokio_rt.rs"]
pub mod tokio;
pub mod wakers;

pub use rendezvous::{PATIENCE, Rendezvous, within_patience};
pub use timeline::{Kind, Span, Timeline, escape as svg_escape};
pub use timeout::{DEFAULT_LIMIT, timeout, timeout_after};

/// `mutation!("feature", module)`, in a `wrong/` fixture crate: with that feature on,
/// `module` is the solution's module with the feature's edits from `mutations.toml`
/// applied, as the crate's build script wrote it (see `mutations`). It is declared in the
/// fixture crate, where it shadows the solution's module of the same name.
#[macro_export]
macro_rules! mutation {
    ($feature:literal, $module:ident) => {
        #[cfg(feature = $feature)]
        pub mod $module {
            include!(concat!(env!("OUT_DIR"), "/", $feature, ".rs"));
        }
    };
}
