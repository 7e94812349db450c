//! Chapter 11: what `tokio-metrics` shows about tasks that share a loop, one of which
//! hogs it.
//!
//! Run it with `cargo run --release -p ch11-production-solution --example ch11-metrics`
//! (`-- --quick` for a short run that only prints). On one `current_thread` runtime, for
//! `RUN_FOR`: `HANDLERS` request handlers that each wake every `TICK` and do a moment's
//! work; and one report task that wakes every `REPORT_EVERY` and computes for `HOG`
//! without an `.await`. Each kind of task is instrumented with a `TaskMonitor` of
//! its own; the table compares them. It writes `metrics-table.md` into
//! `book/src/ch11-production/`, from this one run, and stops by itself.

use std::time::{Duration, Instant};

use support::chart::{Figures, Samples, Table, Unit};
use tokio_metrics::{TaskMetrics, TaskMonitor};

/// How many well-behaved handler tasks run.
const HANDLERS: usize = 20;
/// How often each handler wakes up.
const TICK: Duration = Duration::from_millis(1);
/// How often the report task wakes up.
const REPORT_EVERY: Duration = Duration::from_millis(10);
/// How long the report task computes each time, without an `.await`.
const HOG: Duration = Duration::from_millis(5);
/// How long the whole run lasts.
const RUN_FOR: Duration = Duration::from_secs(3);

/// A handler: waits for its timer, then does a little work, until the run is over.
async fn handler(until: Instant) {
    let mut ticks = tokio::time::interval(TICK);
    while Instant::now() < until {
        ticks.tick().await;
        std::hint::black_box((0..1_000u64).sum::<u64>());
    }
}

/// The report task: computes for `HOG` at a time without giving the thread back.
async fn report(until: Instant) {
    let mut ticks = tokio::time::interval(REPORT_EVERY);
    while Instant::now() < until {
        ticks.tick().await;
        let start = Instant::now();
        while start.elapsed() < HOG {
            std::hint::black_box(start.elapsed());
        }
    }
}

fn main() {
    let quick = std::env::args().any(|arg| arg == "--quick");
    let run_for = if quick {
        Duration::from_millis(300)
    } else {
        RUN_FOR
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    // One monitor per kind of task: a monitor sums the tasks it instruments, so what it
    // reports is about "the handlers" and "the report task", each as a whole.
    let handlers = TaskMonitor::new();
    let hog = TaskMonitor::new();
    runtime.block_on(async {
        let until = Instant::now() + run_for;
        let mut tasks = Vec::new();
        for _ in 0..HANDLERS {
            tasks.push(tokio::spawn(handlers.instrument(handler(until))));
        }
        tasks.push(tokio::spawn(hog.instrument(report(until))));
        for task in tasks {
            task.await.expect("no task panics");
        }
    });

    let mut table = Table::new([
        "tasks",
        "polls",
        "mean poll",
        "slow polls",
        "mean scheduling delay",
        "delays of 50 µs or more",
    ]);
    println!(
        "Chapter 11 metrics ({HANDLERS} handlers and a report task, {} s, one thread; a slow \
         poll takes {} µs or more, a long delay {} µs)",
        run_for.as_secs_f64(),
        TaskMonitor::DEFAULT_SLOW_POLL_THRESHOLD.as_micros(),
        TaskMonitor::DEFAULT_LONG_DELAY_THRESHOLD.as_micros()
    );
    for (name, monitor) in [("the handlers", &handlers), ("the report task", &hog)] {
        let metrics = monitor.cumulative();
        let row = row(name, &metrics);
        println!("{}", row.join("  "));
        table.push(row);
    }
    if !quick {
        Figures::for_chapter(env!("CARGO_MANIFEST_DIR"), "ch11-production")
            .write("metrics-table.md", &table.to_markdown())
            .expect("could not write metrics-table.md");
    }
}

/// One row of the table: what a monitor saw of its tasks.
fn row(name: &str, metrics: &TaskMetrics) -> Vec<String> {
    let nanos = |d: Duration| Unit::Nanos.range(&Samples::one(d.as_nanos() as f64));
    vec![
        name.to_string(),
        Unit::Count.range(&Samples::one(metrics.total_poll_count as f64)),
        nanos(metrics.mean_poll_duration()),
        Unit::Count.range(&Samples::one(metrics.total_slow_poll_count as f64)),
        nanos(metrics.mean_scheduled_duration()),
        Unit::Count.range(&Samples::one(metrics.total_long_delay_count as f64)),
    ]
}
