//! Tests for exercise 01.2: `idle_fraction`.

use ch01_sync::ex02_idle::idle_fraction;
use std::time::Duration;
use support::{Kind, Span, timeout};

/// A span on `lane` from `start` ms to `end` ms.
fn span(lane: &str, kind: Kind, start: u64, end: u64) -> Span {
    Span {
        lane: lane.to_string(),
        label: format!("{kind:?} {start}..{end}"),
        kind,
        start: Duration::from_millis(start),
        end: Duration::from_millis(end),
    }
}

fn check(spans: Vec<Span>, expected: f64, why: &str) {
    let got = timeout(move || idle_fraction(&spans));
    assert!(
        (got - expected).abs() < 1e-9,
        "expected an idle fraction of {expected:.4}, got {got:.4}: {why}"
    );
}

#[test]
fn back_to_back_cpu_work_is_never_idle() {
    let spans = vec![
        span("main", Kind::Cpu, 0, 10),
        span("main", Kind::Cpu, 10, 25),
        span("main", Kind::Cpu, 25, 30),
    ];
    check(spans, 0.0, "the CPU was busy the whole run");
}

#[test]
fn waiting_is_idle_time() {
    // 10 ms of work, then 30 ms of waiting for an answer.
    let spans = vec![
        span("main", Kind::Cpu, 0, 10),
        span("main", Kind::Wait, 10, 40),
    ];
    check(spans, 0.75, "30 ms of a 40 ms run were spent waiting");
}

#[test]
fn gaps_between_spans_are_idle_too() {
    let spans = vec![
        span("main", Kind::Cpu, 0, 10),
        span("main", Kind::Cpu, 20, 30),
    ];
    check(
        spans,
        1.0 / 3.0,
        "nothing ran from 10 to 20 ms, so a third of the run was idle",
    );
}

#[test]
fn every_busy_stretch_counts_for_its_own_length() {
    // Two stretches of work, neither starting at zero: each counts for 10 ms, not for
    // where it ends.
    let spans = vec![
        span("main", Kind::Cpu, 10, 20),
        span("main", Kind::Wait, 20, 30),
        span("main", Kind::Cpu, 30, 40),
    ];
    check(
        spans,
        1.0 / 3.0,
        "the CPU was busy from 10 to 20 and from 30 to 40 ms of a run from 10 to 40 ms",
    );
}

#[test]
fn the_run_starts_at_the_first_span_not_at_zero() {
    let spans = vec![
        span("main", Kind::Cpu, 100, 110),
        span("main", Kind::Wait, 110, 140),
    ];
    check(
        spans,
        0.75,
        "the run lasted from 100 to 140 ms; the time before it is not part of it",
    );
}

#[test]
fn overlapping_cpu_work_counts_once() {
    // Two threads compute at the same time, then one waits.
    let spans = vec![
        span("thread 1", Kind::Cpu, 0, 10),
        span("thread 2", Kind::Cpu, 5, 15),
        span("thread 1", Kind::Wait, 15, 20),
    ];
    check(
        spans,
        0.25,
        "the CPU was busy from 0 to 15 ms; 5 to 10 ms must not be counted twice",
    );
}

#[test]
fn a_cpu_span_inside_a_longer_one_does_not_cut_its_stretch_short() {
    // Thread 2's short burst lies inside thread 1's long one: the busy stretch is still
    // thread 1's, 0 to 30 ms, however the spans are merged.
    let spans = vec![
        span("thread 1", Kind::Cpu, 0, 30),
        span("thread 2", Kind::Cpu, 10, 20),
        span("thread 1", Kind::Wait, 30, 40),
    ];
    check(
        spans,
        0.25,
        "the CPU was busy from 0 to 30 ms of a 40 ms run; a span from 10 to 20 ms inside \
         that stretch must not end it at 20 ms (a merged stretch ends at the later of the \
         two ends)",
    );
}

#[test]
fn spans_may_come_in_any_order() {
    let spans = vec![
        span("main", Kind::Wait, 10, 40),
        span("main", Kind::Cpu, 50, 60),
        span("main", Kind::Cpu, 0, 10),
        span("main", Kind::Wait, 40, 50),
    ];
    check(
        spans,
        40.0 / 60.0,
        "40 of the run's 60 ms were spent waiting",
    );
}

#[test]
fn a_run_that_only_waits_is_idle_all_the_time() {
    let spans = vec![
        span("main", Kind::Wait, 0, 30),
        span("main", Kind::Wait, 10, 40),
    ];
    check(
        spans,
        1.0,
        "no CPU span at all: the whole 40 ms run was idle (no CPU work is not no run)",
    );
}

#[test]
fn a_wait_before_the_first_cpu_work_is_idle_too() {
    let spans = vec![
        span("main", Kind::Wait, 0, 30),
        span("main", Kind::Cpu, 30, 40),
    ];
    check(
        spans,
        0.75,
        "the run starts with the earliest span of any kind, here a 30 ms wait before the \
         only 10 ms of CPU work",
    );
}

#[test]
fn time_is_counted_to_the_microsecond() {
    let micros = |kind, start, end| Span {
        lane: "main".to_string(),
        label: format!("{kind:?} {start}..{end} µs"),
        kind,
        start: Duration::from_micros(start),
        end: Duration::from_micros(end),
    };
    let spans = vec![
        micros(Kind::Cpu, 0, 1_500),
        micros(Kind::Wait, 1_500, 2_000),
        micros(Kind::Cpu, 2_000, 2_900),
        micros(Kind::Wait, 2_900, 3_000),
    ];
    check(
        spans,
        0.2,
        "600 µs of a 3 ms run were spent waiting: spans shorter than a millisecond, and \
         ends between two milliseconds, count for their exact length",
    );
}

#[test]
fn nothing_recorded_means_nothing_idle() {
    check(
        Vec::new(),
        0.0,
        "no spans: no run, nothing idle (and no NaN)",
    );
    check(
        vec![span("main", Kind::Cpu, 7, 7)],
        0.0,
        "a run of zero length has nothing idle (and no NaN)",
    );
}
