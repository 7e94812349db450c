//! What the course's tests and labs share.
//!
//! - [`timeout`]: run a test body under a time limit, so a deadlock or an infinite loop in
//!   a learner's answer fails with a message instead of hanging the run.
//! - [`Rendezvous`]: prove that pieces of work ran *at the same time*, without a stopwatch.
//! - [`Timeline`]: record named spans per thread or task and draw them as an SVG timeline.
//!
//! ```
//! use support::{Kind, Timeline, timeout};
//!
//! let timeline = Timeline::new();
//! let answer = timeout(|| timeline.record("think", Kind::Cpu, || 6 * 7));
//! assert_eq!(answer, 42);
//! assert_eq!(timeline.spans()[0].label, "think");
//! ```

mod rendezvous;
mod timeline;
mod timeout;

pub use rendezvous::Rendezvous;
pub use timeline::{Kind, Span, Timeline};
pub use timeout::{DEFAULT_LIMIT, timeout, timeout_after};
