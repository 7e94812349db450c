//! Exercise 01.2: how much of a run did the CPU spend waiting?
//!
//! Book: `book/src/ch01-sync/idle-cpu.md`.

use support::{Kind, Span};

/// The fraction (0.0 to 1.0) of a run's wall-clock time during which no
/// [`Kind::Cpu`] span was running.
///
/// - The run lasts from the earliest start to the latest end among `spans`
///   (a timeline's clock need not start at the first span).
/// - Time covered by no span at all is idle too.
/// - CPU spans may overlap (on different lanes): a moment counts as busy once.
/// - `spans` may come in any order. No spans, or a run of zero length: `0.0`.
pub fn idle_fraction(spans: &[Span]) -> f64 {
    todo!("busy time is the union of the CPU spans; the rest of the run is idle")
}
