//! Wrong: measures the run from time zero instead of from the first span.
use support::{Kind, Span};

pub fn idle_fraction(spans: &[Span]) -> f64 {
    let Some(last) = spans.iter().map(|s| s.end).max() else {
        return 0.0;
    };
    if last.is_zero() {
        return 0.0;
    }
    let mut cpu: Vec<_> = spans.iter().filter(|s| s.kind == Kind::Cpu).collect();
    cpu.sort_by_key(|s| s.start);
    let (mut busy, mut reached) = (0.0, std::time::Duration::ZERO);
    for s in cpu {
        let start = s.start.max(reached);
        if s.end > start {
            busy += (s.end - start).as_secs_f64();
            reached = s.end;
        }
    }
    1.0 - busy / last.as_secs_f64()
}
