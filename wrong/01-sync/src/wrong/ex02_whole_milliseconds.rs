//! Wrong: does the arithmetic in whole milliseconds (as_millis), so sub-millisecond spans and fractions are rounded away and the fraction is wrong for short runs.
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
    if spans.is_empty() {
        return 0.0;
    }
    let first = spans.iter().map(|s| s.start.as_millis()).min().unwrap();
    let last = spans.iter().map(|s| s.end.as_millis()).max().unwrap();
    let run = last - first;
    if run == 0 {
        return 0.0;
    }
    let mut cpu: Vec<(u128, u128)> = spans
        .iter()
        .filter(|s| s.kind == Kind::Cpu)
        .map(|s| (s.start.as_millis(), s.end.as_millis()))
        .collect();
    cpu.sort();
    let mut busy = 0u128;
    let mut current: Option<(u128, u128)> = None;
    for (start, end) in cpu {
        match current {
            Some((cs, ce)) if start <= ce => current = Some((cs, ce.max(end))),
            Some((cs, ce)) => {
                busy += ce - cs;
                current = Some((start, end));
            }
            None => current = Some((start, end)),
        }
    }
    if let Some((cs, ce)) = current {
        busy += ce - cs;
    }
    1.0 - busy as f64 / run as f64
}
