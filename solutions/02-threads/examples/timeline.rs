//! The chapter's pictures: three I/O-bound tasks on one thread, then on three threads,
//! and three CPU-bound tasks on three threads of a 2-core machine. It also prints what
//! the OS scheduler did with each thread, read from `/proc/thread-self/` (Linux only).
//!
//! `cargo run --release -p ch02-threads-solution --example ch02-timeline`
//! writes `book/src/ch02-threads/{sequential-io,threads-io,threads-cpu}.svg` and, from the
//! same run, what it measured as Markdown (`timeline-runs.md`), which the page includes.

use std::fs;
use std::path::PathBuf;
use std::thread;
use std::time::Duration;
use support::chart::{Table, Unit};
use support::{Kind, Timeline};

/// CPU time of the calling thread so far, and the scheduler's counters for it.
#[derive(Clone, Copy, Debug, Default)]
struct Sched {
    /// Nanoseconds spent running on a CPU.
    on_cpu: u64,
    /// Nanoseconds spent runnable but waiting for a CPU (in a run queue).
    queued: u64,
    /// Times the thread gave the CPU up itself: it blocked (I/O, sleep, a lock).
    voluntary: u64,
    /// Times the scheduler took the CPU away: its time slice was up, or someone
    /// with a better claim woke up.
    involuntary: u64,
}

/// Nanoseconds this thread has run on a CPU, and waited in a run queue for one.
fn schedstat() -> (u64, u64) {
    let schedstat = fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
    let mut fields = schedstat.split_whitespace().map(|f| f.parse().unwrap_or(0));
    (fields.next().unwrap_or(0), fields.next().unwrap_or(0))
}

fn sched() -> Sched {
    let (on_cpu, queued) = schedstat();
    let status = fs::read_to_string("/proc/thread-self/status").unwrap_or_default();
    let count = |key: &str| -> u64 {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0)
    };
    Sched {
        on_cpu,
        queued,
        voluntary: count("voluntary_ctxt_switches:"),
        involuntary: count("nonvoluntary_ctxt_switches:"),
    }
}

/// Keeps the CPU busy until this thread has *run* for `cpu` (not merely existed for it):
/// if the scheduler shares the core with others, this takes longer on the wall clock.
fn compute(cpu: Duration) {
    let until = schedstat().0 + cpu.as_nanos() as u64;
    let mut x: u64 = 1;
    while schedstat().0 < until {
        for i in 0..100_000u64 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(i);
        }
        std::hint::black_box(x);
    }
}

/// An I/O-bound task: a little work, a long wait (standing in for a disk or a peer), a
/// little work.
fn io_task(timeline: &Timeline, lane: &str, name: &str) {
    timeline.record_in(lane, &format!("{name}: prepare"), Kind::Cpu, || {
        compute(Duration::from_millis(10))
    });
    timeline.record_in(lane, &format!("{name}: wait"), Kind::Wait, || {
        thread::sleep(Duration::from_millis(80))
    });
    timeline.record_in(lane, &format!("{name}: finish"), Kind::Cpu, || {
        compute(Duration::from_millis(10))
    });
}

/// Runs `task` on three named threads at once, and adds what the scheduler did to
/// `report` (Markdown).
fn on_three_threads(
    title: &str,
    report: &mut String,
    task: impl Fn(&Timeline, &str) + Sync,
) -> Timeline {
    let timeline = Timeline::new();
    let stats: Vec<(String, Sched)> = thread::scope(|s| {
        let handles: Vec<_> = (1..=3)
            .map(|i| {
                let (timeline, task) = (&timeline, &task);
                let name = format!("thread {i}");
                thread::Builder::new()
                    .name(name.clone())
                    .spawn_scoped(s, move || {
                        let before = sched();
                        task(timeline, &name);
                        let after = sched();
                        let delta = Sched {
                            on_cpu: after.on_cpu - before.on_cpu,
                            queued: after.queued - before.queued,
                            voluntary: after.voluntary - before.voluntary,
                            involuntary: after.involuntary - before.involuntary,
                        };
                        (name, delta)
                    })
                    .expect("could not start a thread")
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let total = timeline
        .spans()
        .iter()
        .map(|s| s.end)
        .max()
        .unwrap_or_default();
    let mut table = Table::new([
        "thread",
        "on CPU",
        "waiting for a CPU",
        "gave it up",
        "had it taken",
    ]);
    for (name, d) in stats {
        table.push(vec![
            name,
            Unit::Nanos.format(d.on_cpu as f64),
            Unit::Nanos.format(d.queued as f64),
            d.voluntary.to_string(),
            d.involuntary.to_string(),
        ]);
    }
    report.push_str(&format!(
        "**{title}: {} in all.**\n\n{}\n",
        Unit::Nanos.format(total.as_secs_f64() * 1e9),
        table.to_markdown()
    ));
    timeline
}

fn main() {
    let book = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../book/src/ch02-threads");
    let cores = thread::available_parallelism().map_or(1, |n| n.get());
    let mut report = String::new();

    // One thread, three I/O-bound tasks: chapter 01's picture, the waits add up.
    let sequential = Timeline::new();
    for i in 1..=3 {
        io_task(&sequential, "main", &format!("task {i}"));
    }
    let total = sequential
        .spans()
        .iter()
        .map(|s| s.end)
        .max()
        .unwrap_or_default();
    report.push_str(&format!(
        "**1 thread, 3 I/O-bound tasks: {} in all.**\n\n",
        Unit::Nanos.format(total.as_secs_f64() * 1e9)
    ));
    let svg = sequential.to_svg("1 thread, 3 I/O-bound tasks");
    fs::write(book.join("sequential-io.svg"), svg).expect("write sequential-io.svg");

    // Three threads, one task each: the waits overlap.
    let threads = on_three_threads(
        "3 threads, 3 I/O-bound tasks",
        &mut report,
        |timeline, lane| io_task(timeline, lane, "task"),
    );
    let svg = threads.to_svg("3 threads, 3 I/O-bound tasks");
    fs::write(book.join("threads-io.svg"), svg).expect("write threads-io.svg");

    // Three CPU-bound tasks of 150 ms each on three threads: more threads than cores, so
    // the scheduler slices the time, and each task takes longer than its 150 ms of work.
    let cpu = on_three_threads(
        "3 threads, 3 CPU-bound tasks",
        &mut report,
        |timeline, lane| {
            timeline.record_in(lane, "compute 150 ms", Kind::Cpu, || {
                compute(Duration::from_millis(150))
            });
        },
    );
    let svg = cpu.to_svg(&format!("3 threads, 3 CPU-bound tasks, {cores} cores"));
    fs::write(book.join("threads-cpu.svg"), svg).expect("write threads-cpu.svg");
    report.push_str(&format!(
        "Measured on {cores} cores: \"on CPU\" and \"waiting for a CPU\" from \
         `/proc/thread-self/schedstat`, the two counts of switches from \
         `/proc/thread-self/status`.\n"
    ));
    print!("{report}");
    fs::write(book.join("timeline-runs.md"), report).expect("write timeline-runs.md");
    println!("\nwrote sequential-io.svg, threads-io.svg, threads-cpu.svg, timeline-runs.md");
}
