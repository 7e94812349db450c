//! Tests for exercise 01.1: `run_in_sequence`.

use ch01_sync::ex01_sequence::{Task, run_in_sequence};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;
use support::{Kind, Timeline, timeout};

#[test]
fn results_come_back_in_the_order_of_the_tasks() {
    let results = timeout(|| {
        let timeline = Timeline::new();
        let tasks = vec![
            Task::new("a", Kind::Cpu, || "first"),
            Task::new("b", Kind::Wait, || "second"),
            Task::new("c", Kind::Cpu, || "third"),
        ];
        run_in_sequence(tasks, &timeline)
    });
    assert_eq!(
        results,
        ["first", "second", "third"],
        "the results must be in the same order as the tasks"
    );
}

#[test]
fn each_task_starts_only_after_the_previous_one_finished() {
    let log = timeout(|| {
        let timeline = Timeline::new();
        let log = Arc::new(Mutex::new(Vec::new()));
        let tasks = (0..4)
            .map(|i| {
                let log = Arc::clone(&log);
                Task::new(&format!("task {i}"), Kind::Cpu, move || {
                    log.lock().unwrap().push(format!("start {i}"));
                    log.lock().unwrap().push(format!("end {i}"));
                })
            })
            .collect();
        run_in_sequence(tasks, &timeline);
        log.lock().unwrap().clone()
    });
    let expected: Vec<String> = (0..4)
        .flat_map(|i| [format!("start {i}"), format!("end {i}")])
        .collect();
    assert_eq!(
        log, expected,
        "the tasks must run once each, in order, one after another"
    );
}

#[test]
fn every_task_runs_on_the_calling_thread() {
    timeout(|| {
        let caller = thread::current().id();
        let timeline = Timeline::new();
        let tasks = (0..3)
            .map(|i| {
                Task::new(&format!("task {i}"), Kind::Cpu, move || {
                    thread::current().id()
                })
            })
            .collect();
        for (i, ran_on) in run_in_sequence(tasks, &timeline).into_iter().enumerate() {
            assert_eq!(
                ran_on, caller,
                "task {i} ran on another thread: synchronous processing means one thread \
                 doing one task at a time, the caller's"
            );
        }
    });
}

#[test]
fn each_task_is_one_span_that_covers_its_work() {
    timeout(|| {
        let timeline = Arc::new(Timeline::new());
        let seen_inside = Arc::new(Mutex::new(Vec::new()));
        let kinds = [Kind::Cpu, Kind::Wait, Kind::Cpu];
        let tasks = kinds
            .iter()
            .enumerate()
            .map(|(i, &kind)| {
                let (timeline, seen_inside) = (Arc::clone(&timeline), Arc::clone(&seen_inside));
                Task::new(&format!("task {i}"), kind, move || {
                    // The work notes the time while it runs: the span must contain it.
                    seen_inside.lock().unwrap().push(timeline.now());
                })
            })
            .collect();
        run_in_sequence(tasks, &timeline);

        let spans = timeline.spans();
        let seen = seen_inside.lock().unwrap().clone();
        assert_eq!(spans.len(), 3, "expected one span per task, got {spans:#?}");
        assert_eq!(seen.len(), 3, "each task's work must run exactly once");
        for (i, span) in spans.iter().enumerate() {
            assert_eq!(
                span.label,
                format!("task {i}"),
                "span {i} has the wrong label"
            );
            assert_eq!(span.kind, kinds[i], "span {i} has the wrong kind");
            assert!(
                span.start <= seen[i] && seen[i] <= span.end,
                "task {i}'s work ran at {:?}, outside its span {:?}..{:?}: record the \
                 span *around* the work",
                seen[i],
                span.start,
                span.end
            );
        }
        for pair in spans.windows(2) {
            assert!(
                pair[0].end <= pair[1].start,
                "`{}` and `{}` overlap on the timeline",
                pair[0].label,
                pair[1].label
            );
        }
    });
}

#[test]
fn every_task_runs_exactly_once() {
    let runs = timeout(|| {
        let runs = Arc::new(AtomicUsize::new(0));
        let timeline = Timeline::new();
        let tasks: Vec<Task<()>> = (0..5)
            .map(|i| {
                let runs = Arc::clone(&runs);
                Task::new(&format!("task {i}"), Kind::Cpu, move || {
                    runs.fetch_add(1, Ordering::SeqCst);
                })
            })
            .collect();
        let results = run_in_sequence(tasks, &timeline);
        assert_eq!(results.len(), 5, "expected one result per task");
        runs.load(Ordering::SeqCst)
    });
    assert_eq!(runs, 5, "5 tasks, but their work ran {runs} times");
}

#[test]
fn no_tasks_gives_no_results_and_no_spans() {
    timeout(|| {
        let timeline = Timeline::new();
        let results: Vec<u8> = run_in_sequence(Vec::new(), &timeline);
        assert!(
            results.is_empty(),
            "no tasks, yet results came back: {results:?}"
        );
        assert!(
            timeline.spans().is_empty(),
            "no tasks, yet spans were recorded"
        );
    });
}

#[test]
fn each_span_is_drawn_in_the_lane_of_the_thread_that_ran_it() {
    let lanes = timeout(|| {
        // The tasks run on a thread with a name of its own, so its lane is known.
        thread::Builder::new()
            .name("the caller".into())
            .spawn(|| {
                let timeline = Timeline::new();
                let tasks = (0..3)
                    .map(|i| Task::new(&format!("task {i}"), Kind::Cpu, || ()))
                    .collect();
                run_in_sequence(tasks, &timeline);
                timeline
                    .spans()
                    .into_iter()
                    .map(|span| span.lane)
                    .collect::<Vec<_>>()
            })
            .expect("the test could not start a thread")
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    });
    assert_eq!(
        lanes.len(),
        3,
        "expected one span per task, got lanes {lanes:?}"
    );
    for (i, lane) in lanes.iter().enumerate() {
        assert_eq!(
            lane, "the caller",
            "task {i}'s span is in the lane {lane:?}, but the tasks ran on the thread named \
             \"the caller\": a span's lane is the thread it ran on, which is what \
             `Timeline::record` writes; a lane named by hand draws the work on a thread \
             that did not do it"
        );
    }
}

#[test]
fn each_span_starts_when_its_work_starts_and_ends_when_it_ends() {
    // Each task's work notes the time as it starts and as it ends; the test notes it just
    // before the call and just after. A span covers its work and nothing else: it starts
    // after the previous task's work ended (for the first task: after the call began)
    // and ends before the next task's work starts (for the last: before the call returned).
    let (spans, marks) = timeout(|| {
        let timeline = Arc::new(Timeline::new());
        // The clock has moved since the timeline was made, so a span that starts at the
        // timeline's origin instead of at its work is seen to start too early.
        while timeline.now() == Duration::ZERO {
            std::hint::spin_loop();
        }
        let marks = Arc::new(Mutex::new(vec![timeline.now()]));
        let tasks = (0..3)
            .map(|i| {
                let (timeline, marks) = (Arc::clone(&timeline), Arc::clone(&marks));
                Task::new(&format!("task {i}"), Kind::Wait, move || {
                    marks.lock().unwrap().push(timeline.now());
                    marks.lock().unwrap().push(timeline.now());
                })
            })
            .collect();
        run_in_sequence(tasks, &timeline);
        marks.lock().unwrap().push(timeline.now());
        let marks = marks.lock().unwrap().clone();
        (timeline.spans(), marks)
    });
    assert_eq!(spans.len(), 3, "expected one span per task, got {spans:#?}");
    // marks: [called, start 0, end 0, start 1, end 1, start 2, end 2, returned]
    for (i, span) in spans.iter().enumerate() {
        let (before, start, end, after) = (
            marks[2 * i],
            marks[2 * i + 1],
            marks[2 * i + 2],
            marks[2 * i + 3],
        );
        assert!(
            before <= span.start && span.start <= start,
            "task {i}'s span starts at {:?}, but its work started at {start:?} and the \
             time just before it was {before:?} (the previous task's end, or the call): a \
             span starts when its task's work starts, not earlier. Read the clock for each \
             task (`Timeline::record` does), not once for the end of one and the start of \
             the next",
            span.start
        );
        assert!(
            end <= span.end && span.end <= after,
            "task {i}'s span ends at {:?}, but its work ended at {end:?} and the next \
             moment the test saw was {after:?}: a span ends when its task's work ends",
            span.end
        );
    }
}
