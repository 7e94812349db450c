//! Exercise 01.2: how much of a run did the CPU spend waiting?
//!
//! Book: `book/src/ch01-sync/idle-cpu.md`.

use std::time::Duration;
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
    let (Some(first), Some(last)) = (
        spans.iter().map(|s| s.start).min(),
        spans.iter().map(|s| s.end).max(),
    ) else {
        return 0.0;
    };
    let run = last.saturating_sub(first);
    if run.is_zero() {
        return 0.0;
    }

    // Busy time is the union of the CPU spans: sort them by start, then merge each span
    // into the current stretch of busy time if it overlaps it, or start a new stretch.
    let mut cpu: Vec<(Duration, Duration)> = spans
        .iter()
        .filter(|s| s.kind == Kind::Cpu)
        .map(|s| (s.start, s.end))
        .collect();
    cpu.sort();
    let mut busy = Duration::ZERO;
    let mut stretch: Option<(Duration, Duration)> = None;
    for (start, end) in cpu {
        stretch = match stretch {
            Some((s, e)) if start <= e => Some((s, e.max(end))),
            Some((s, e)) => {
                busy += e - s;
                Some((start, end))
            }
            None => Some((start, end)),
        };
    }
    if let Some((s, e)) = stretch {
        busy += e - s;
    }

    1.0 - busy.as_secs_f64() / run.as_secs_f64()
}
