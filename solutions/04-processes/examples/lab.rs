//! Lab 04: what does a process cost, next to a thread?
//!
//! Measures, for a thread and for a worker process of this very program:
//! - start-up and shutdown of an idle worker (spawn, then close its input and join/wait);
//! - one round trip of a message (there and back), 16 bytes and 64 KiB.
//!
//! The thread talks over `std::sync::mpsc` channels (the message is moved: a pointer
//! changes hands); the process over its stdin and stdout pipes, with the chapter's frames
//! (the bytes are copied into the kernel and out again). It writes its table
//! (`thread-vs-process.md`), its chart (`thread-vs-process.svg`) and what held in every
//! run (`thread-vs-process-claims.md`) into `book/src/ch04-processes/`, from one run.
//!
//! Run it with `cargo run --release -p ch04-processes-solution --example ch04-lab`;
//! `--quick` runs a short version and writes into a temporary folder instead.

use ch04_processes::ex02_frames::{read_frame, write_frame};
use ch04_processes::ex03_worker::run_worker_process;
use std::io::Write;
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};
use support::chart::{BarChart, Figures, Samples, Table, Unit};

/// How many times the whole measurement runs: the page shows the median of the runs and
/// their spread, and claims only what held in every run.
const RUNS: usize = 5;
/// Rounds per measurement within a run. A run keeps its fastest round: on a shared
/// machine, other work can only make a round slower.
const ROUNDS: usize = 21;

/// One row: what is measured, and each run's time per operation (ns) for a thread and a
/// process.
struct Row {
    what: &'static str,
    thread: Vec<f64>,
    process: Vec<f64>,
}

fn main() {
    // The same binary is the worker: started with `worker`, it serves frames (echoing
    // them) until its stdin closes. This is how the chapter starts its processes.
    if std::env::args().nth(1).as_deref() == Some("worker") {
        std::process::exit(run_worker_process());
    }
    let quick = std::env::args().any(|a| a == "--quick");
    let (runs, rounds) = if quick { (2, 5) } else { (RUNS, ROUNDS) };
    let figures = if quick {
        Figures::in_dir(std::env::temp_dir().join("ch04-lab"))
    } else {
        Figures::for_chapter(env!("CARGO_MANIFEST_DIR"), "ch04-processes")
    };
    let me = std::env::current_exe().expect("where is this program?");
    let load_average = load_average();
    let ns = |d: Duration| d.as_secs_f64() * 1e9;

    let mut rows = [
        Row {
            what: "start + stop",
            thread: vec![],
            process: vec![],
        },
        Row {
            what: "round trip, 16 B",
            thread: vec![],
            process: vec![],
        },
        Row {
            what: "round trip, 64 KiB",
            thread: vec![],
            process: vec![],
        },
    ];
    for _ in 0..runs {
        let best = |n, batch: &mut dyn FnMut(u32) -> Duration| ns(best_per_op(rounds, n, batch));
        rows[0].thread.push(best(100, &mut thread_start_stop));
        rows[0]
            .process
            .push(best(10, &mut |n| process_start_stop(&me, n)));
        rows[1]
            .thread
            .push(best(2_000, &mut |n| thread_round_trips(n, 16)));
        rows[1]
            .process
            .push(best(1_000, &mut |n| process_round_trips(&me, n, 16)));
        rows[2]
            .thread
            .push(best(500, &mut |n| thread_round_trips(n, 64 * 1024)));
        rows[2]
            .process
            .push(best(200, &mut |n| process_round_trips(&me, n, 64 * 1024)));
    }

    let machine = format!(
        "{} logical CPUs, load average {} at the start{}",
        thread::available_parallelism().map_or(0, |n| n.get()),
        load_average,
        if quick { ", --quick" } else { "" }
    );
    let mut table = Table::new(["per operation", "thread", "process", "process ÷ thread"]);
    let mut chart = BarChart::new(
        "A thread and a process (log scale; shorter is cheaper)",
        Unit::Nanos,
    )
    .log_scale()
    .note(format!(
        "{runs} runs, each the fastest of {rounds} rounds; {machine}"
    ));
    for row in &rows {
        let (thread, process) = (Samples::of(&row.thread), Samples::of(&row.process));
        table.push(vec![
            row.what.to_string(),
            Unit::Nanos.range(&thread),
            Unit::Nanos.range(&process),
            Unit::Times.range(&ratios(&row.process, &row.thread)),
        ]);
        chart = chart
            .bar(format!("{}: thread", row.what), thread)
            .highlighted_bar(format!("{}: process", row.what), process);
    }
    let table = format!(
        "{}\nMedian of {runs} runs (min–max in brackets), each run the fastest of {rounds} \
         rounds, per operation; {machine}.\n",
        table.to_markdown()
    );
    println!("{table}");
    let claims = format!(
        "- From 16 B to 64 KiB, a process's round trip grew {}, a thread's {} (median of \
         the runs, min–max in brackets, each run compared with itself).\n",
        Unit::Times.range(&ratios(&rows[2].process, &rows[1].process)),
        Unit::Times.range(&ratios(&rows[2].thread, &rows[1].thread)),
    );
    println!("{claims}");
    for (name, contents) in [
        ("thread-vs-process.md", table),
        ("thread-vs-process.svg", chart.to_svg()),
        ("thread-vs-process-claims.md", claims),
    ] {
        if let Err(e) = figures.write(name, &contents) {
            eprintln!("could not write {name}: {e}");
        }
    }
}

/// Run by run, `over[i] / under[i]`, summarised.
fn ratios(over: &[f64], under: &[f64]) -> Samples {
    let each: Vec<f64> = over.iter().zip(under).map(|(a, b)| a / b).collect();
    Samples::of(&each)
}

/// Runs `batch(n)` (which times `n` operations) `rounds` times; the fastest round's time
/// per operation.
fn best_per_op(rounds: usize, n: u32, batch: &mut dyn FnMut(u32) -> Duration) -> Duration {
    batch(n.div_ceil(10)); // warm up: page in the code, fill the caches
    (0..rounds)
        .map(|_| batch(n) / n)
        .min()
        .expect("at least one round")
}

fn thread_start_stop(n: u32) -> Duration {
    let start = Instant::now();
    for _ in 0..n {
        let (to_worker, jobs) = mpsc::channel::<Vec<u8>>();
        let worker = thread::spawn(move || for _job in jobs {});
        drop(to_worker); // the worker's loop ends...
        worker.join().unwrap(); // ...and we wait for it
    }
    start.elapsed()
}

fn process_start_stop(me: &Path, n: u32) -> Duration {
    let start = Instant::now();
    for _ in 0..n {
        let mut worker = Worker::start(me);
        drop(worker.to_worker); // the worker sees the end of its input...
        worker.child.wait().unwrap(); // ...and we wait for it
    }
    start.elapsed()
}

fn thread_round_trips(n: u32, size: usize) -> Duration {
    let (to_worker, jobs) = mpsc::channel::<Vec<u8>>();
    let (to_us, answers) = mpsc::channel::<Vec<u8>>();
    let worker = thread::spawn(move || {
        for job in jobs {
            to_us.send(job).unwrap();
        }
    });
    let mut message = vec![7u8; size];
    let start = Instant::now();
    for _ in 0..n {
        to_worker.send(message).unwrap();
        message = answers.recv().unwrap();
    }
    let elapsed = start.elapsed();
    drop(to_worker);
    worker.join().unwrap();
    elapsed
}

fn process_round_trips(me: &Path, n: u32, size: usize) -> Duration {
    let mut worker = Worker::start(me);
    let message = vec![7u8; size];
    let start = Instant::now();
    for _ in 0..n {
        write_frame(&mut worker.to_worker, &message).unwrap();
        worker.to_worker.flush().unwrap();
        let answer = read_frame(&mut worker.from_worker).unwrap();
        assert_eq!(answer.map(|a| a.len()), Some(size));
    }
    let elapsed = start.elapsed();
    drop(worker.to_worker);
    worker.child.wait().unwrap();
    elapsed
}

/// A worker process of this program, and our ends of its pipes.
struct Worker {
    child: Child,
    to_worker: ChildStdin,
    from_worker: ChildStdout,
}

impl Worker {
    fn start(me: &Path) -> Worker {
        let mut child = Command::new(me)
            .arg("worker")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("could not start a worker process");
        let to_worker = child.stdin.take().unwrap();
        let from_worker = child.stdout.take().unwrap();
        Worker {
            child,
            to_worker,
            from_worker,
        }
    }
}

/// The machine's load when the lab started (the 1-minute load average of
/// `/proc/loadavg`): on a shared machine, it says how much the neighbours weigh on the
/// figures.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "unknown".to_string())
}
