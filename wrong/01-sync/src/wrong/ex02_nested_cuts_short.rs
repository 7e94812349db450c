//! Wrong: when a CPU span overlaps the busy stretch, the stretch ends where that span
//! ends, even when the span lies inside it: a short span nested in a long one cuts the
//! stretch short.
use std::time::Duration;
use support::{Kind, Span};

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
            Some((s, e)) if start <= e => Some((s, end)),
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
