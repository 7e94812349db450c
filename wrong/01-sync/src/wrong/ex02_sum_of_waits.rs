//! Wrong: idle = time spent in Wait spans / time in all spans (forgets the gaps).
use support::{Kind, Span};

pub fn idle_fraction(spans: &[Span]) -> f64 {
    let total: f64 = spans.iter().map(|s| s.duration().as_secs_f64()).sum();
    let waits: f64 = spans
        .iter()
        .filter(|s| s.kind == Kind::Wait)
        .map(|s| s.duration().as_secs_f64())
        .sum();
    if total == 0.0 { 0.0 } else { waits / total }
}
