//! Wrong: starts the run at the earliest CPU span instead of the earliest span of any kind, so a wait before the first CPU work is not counted as idle, breaking "the run lasts from the earliest start".
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
    if spans.is_empty() {
        return 0.0;
    }
    let first = spans
        .iter()
        .filter(|s| s.kind == Kind::Cpu)
        .map(|s| s.start)
        .min()
        .unwrap_or_else(|| spans.iter().map(|s| s.start).min().unwrap());
    let last = spans.iter().map(|s| s.end).max().unwrap();
    let run = last.saturating_sub(first);
    if run.is_zero() {
        return 0.0;
    }
    let mut cpu: Vec<(Duration, Duration)> = spans
        .iter()
        .filter(|s| s.kind == Kind::Cpu)
        .map(|s| (s.start, s.end))
        .collect();
    cpu.sort();
    let mut busy = Duration::ZERO;
    let mut current: Option<(Duration, Duration)> = None;
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
    1.0 - busy.as_secs_f64() / run.as_secs_f64()
}
