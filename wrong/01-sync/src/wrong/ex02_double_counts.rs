//! Wrong: adds up CPU spans, so overlapping work is counted twice.
use support::{Kind, Span};

pub fn idle_fraction(spans: &[Span]) -> f64 {
    let (Some(first), Some(last)) = (
        spans.iter().map(|s| s.start).min(),
        spans.iter().map(|s| s.end).max(),
    ) else {
        return 0.0;
    };
    let run = (last - first).as_secs_f64();
    if run == 0.0 {
        return 0.0;
    }
    let busy: f64 = spans
        .iter()
        .filter(|s| s.kind == Kind::Cpu)
        .map(|s| s.duration().as_secs_f64())
        .sum();
    (1.0 - busy / run).max(0.0)
}
