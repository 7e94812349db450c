//! Lab: "the number of threads is limited by memory (100s–1000s)". How long does it take
//! to start 100, 1,000 and 10,000 threads, and how much memory do they hold while they
//! all exist, with the default stack and with a 64 KiB one?
//!
//! `cargo run --release -p ch02-threads-solution --example ch02-lab`
//!
//! Each measurement runs in a fresh child process (this same program, with `--one`), so
//! that stacks cached by an earlier run cannot make a later one look cheap. In the child,
//! every thread reports that it is running and then parks on a gate the main thread holds
//! shut; memory is read from `/proc/self/status` while all of them exist; then the gate
//! opens and every thread is joined. The program stops by itself. Linux only.
//!
//! It writes two tables (`lab-time.md`, `lab-memory.md`) and three bar charts into
//! `book/src/ch02-threads/`, all from one run, and prints the tables. `--quick` measures
//! 100 and 1,000 threads once each and writes into a temporary folder instead.

use std::path::PathBuf;
use std::process::Command;
use std::sync::{RwLock, mpsc};
use std::thread;
use std::time::{Duration, Instant};
use std::{env, fs};

use support::chart::{BarChart, Figures, Samples, Table, Unit};

const COUNTS: [usize; 3] = [100, 1_000, 10_000];
/// 0 means "Rust's default" (2 MiB unless `RUST_MIN_STACK` says otherwise).
const STACKS: [usize; 2] = [0, 64 * 1024];
/// Each configuration runs this many times; the tables show the median and the spread.
const RUNS: usize = 3;

/// What one child process measured.
#[derive(Clone, Copy, Debug, Default)]
struct Run {
    threads: usize,
    stack: usize,
    /// How many threads really started (fewer than `threads` if the OS said no).
    started: usize,
    /// From the first `spawn` call until the last one returned.
    spawn: Duration,
    /// Growth of the resident set (pages in RAM) and of the address space, in KiB.
    resident_kib: u64,
    virtual_kib: u64,
    /// Growth of the kernel's own stacks, one per thread, which no process's resident set
    /// counts. Read from `/proc/meminfo`, so it is machine-wide: other programs add noise.
    kernel_kib: u64,
}

fn main() {
    let args: Vec<String> = env::args().collect();
    if args.get(1).map(String::as_str) == Some("--one") {
        let threads = args[2].parse().expect("--one THREADS STACK");
        let stack = args[3].parse().expect("--one THREADS STACK");
        let run = measure(threads, stack);
        println!(
            "{} {} {} {} {} {} {}",
            run.threads,
            run.stack,
            run.started,
            run.spawn.as_nanos(),
            run.resident_kib,
            run.virtual_kib,
            run.kernel_kib
        );
        return;
    }
    parent();
}

/// The child's work: start `count` threads, measure, release, join.
// ANCHOR: measure
fn measure(count: usize, stack: usize) -> Run {
    let before = status();
    let (ready, all_ready) = mpsc::channel::<()>();
    // The gate: while the main thread holds the write lock, every `read()` blocks.
    let gate = RwLock::new(());
    let shut = gate.write().unwrap();

    let (spawn, started, during) = thread::scope(|s| {
        let clock = Instant::now();
        let mut handles = Vec::with_capacity(count);
        for _ in 0..count {
            let mut builder = thread::Builder::new();
            if stack > 0 {
                builder = builder.stack_size(stack);
            }
            let (ready, gate) = (ready.clone(), &gate);
            let spawned = builder.spawn_scoped(s, move || {
                let _ = ready.send(());
                drop(gate.read()); // park here until the gate opens
            });
            match spawned {
                Ok(handle) => handles.push(handle),
                Err(e) => {
                    eprintln!("the OS refused thread {}: {e}", handles.len() + 1);
                    break; // measure what we have; never hang on a partial set
                }
            }
        }
        let spawn = clock.elapsed();
        let started = handles.len();
        drop(ready);
        // Wait until every started thread is running and parked at the gate...
        for _ in 0..started {
            all_ready.recv().expect("a thread ended before it reported");
        }
        // ...read the memory while they all exist...
        let during = status();
        // ...then open the gate. `scope` joins every thread before it returns.
        drop(shut);
        (spawn, started, during)
    });
    Run {
        threads: count,
        stack,
        started,
        spawn,
        resident_kib: during.0.saturating_sub(before.0),
        virtual_kib: during.1.saturating_sub(before.1),
        kernel_kib: during.2.saturating_sub(before.2),
    }
}
// ANCHOR_END: measure

/// (VmRSS, VmSize) of this process and the machine's KernelStack, in KiB.
fn status() -> (u64, u64, u64) {
    let field = |text: &str, key: &str| -> u64 {
        text.lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    };
    let me = fs::read_to_string("/proc/self/status").expect("this lab needs Linux /proc");
    let machine = fs::read_to_string("/proc/meminfo").expect("this lab needs Linux /proc");
    (
        field(&me, "VmRSS:"),
        field(&me, "VmSize:"),
        field(&machine, "KernelStack:"),
    )
}

fn parent() {
    // `/proc/self/exe` is this very program, even if a later build has replaced the file
    // that `cargo run` started (several chapters have an example called `lab`).
    let me = PathBuf::from("/proc/self/exe");
    let quick = env::args().any(|a| a == "--quick");
    let (counts, runs): (&[usize], usize) = if quick {
        (&COUNTS[..2], 1)
    } else {
        (&COUNTS, RUNS)
    };
    let figures = if quick {
        Figures::in_dir(env::temp_dir().join("ch02-lab"))
    } else {
        Figures::for_chapter(env!("CARGO_MANIFEST_DIR"), "ch02-threads")
    };
    let cores = thread::available_parallelism().map_or(1, |n| n.get());
    let machine = format!(
        "{cores} cores, {} of RAM{}",
        Unit::Bytes.format(mem_total_kib() as f64 * 1024.0),
        if quick { ", --quick" } else { "" }
    );
    println!("{machine}; {runs} runs of each row\n");

    // Every configuration, `runs` times, each in a fresh process; the configurations take
    // turns, so that a noisy moment on the machine spreads over all of them.
    let configs: Vec<(usize, usize)> = STACKS
        .iter()
        .flat_map(|&stack| counts.iter().map(move |&count| (count, stack)))
        .collect();
    let mut results: Vec<Vec<Run>> = vec![Vec::new(); configs.len()];
    for _ in 0..runs {
        for (i, &(count, stack)) in configs.iter().enumerate() {
            results[i].push(child(&me, count, stack));
        }
    }

    let note = format!("{runs} runs, each in a fresh process; {machine}");
    let label = |r: &Run| {
        format!(
            "{} threads, {} stack",
            Unit::Count.format(r.threads as f64),
            stack_name(r.stack)
        )
    };
    let samples = |runs: &[Run], value: &dyn Fn(&Run) -> f64| {
        Samples::of(&runs.iter().map(value).collect::<Vec<_>>())
    };
    let per = |r: &Run| r.started.max(1) as f64;
    let spawn = |r: &Run| r.spawn.as_secs_f64() * 1e9 / per(r);
    let resident = |r: &Run| r.resident_kib as f64 * 1024.0 / per(r);
    let virtual_total = |r: &Run| r.virtual_kib as f64 * 1024.0;
    let kernel = |r: &Run| r.kernel_kib as f64 * 1024.0 / per(r);

    let mut time = Table::new(["threads", "stack", "started (fewest)", "spawn, per thread"]);
    let mut memory = Table::new([
        "threads",
        "stack",
        "resident, per thread",
        "virtual, all threads",
        "kernel stack, per thread",
    ]);
    let mut spawn_chart = BarChart::new("Time to spawn one thread", Unit::Nanos).note(note.clone());
    let mut resident_chart =
        BarChart::new("Resident memory per thread (RAM really used)", Unit::Bytes)
            .note(note.clone());
    let mut virtual_chart = BarChart::new(
        "Virtual memory of all the threads (address space reserved)",
        Unit::Bytes,
    )
    .log_scale()
    .note(note);
    for runs in &results {
        let first = &runs[0];
        let count = Unit::Count.format(first.threads as f64);
        let fewest = runs.iter().map(|r| r.started).min().unwrap_or(0);
        time.push(vec![
            count.clone(),
            stack_name(first.stack),
            Unit::Count.format(fewest as f64),
            Unit::Nanos.range(&samples(runs, &spawn)),
        ]);
        memory.push(vec![
            count,
            stack_name(first.stack),
            Unit::Bytes.range(&samples(runs, &resident)),
            Unit::Bytes.range(&samples(runs, &virtual_total)),
            Unit::Bytes.range(&samples(runs, &kernel)),
        ]);
        spawn_chart = spawn_chart.bar(label(first), samples(runs, &spawn));
        resident_chart = resident_chart.bar(label(first), samples(runs, &resident));
        virtual_chart = virtual_chart.bar(label(first), samples(runs, &virtual_total));
    }
    let caption = format!("\nMedian of {runs} runs (min–max in brackets); {machine}.\n");
    let time = time.to_markdown() + &caption;
    let memory = memory.to_markdown() + &caption;
    println!("{time}\n{memory}");
    for (name, contents) in [
        ("lab-time.md", time),
        ("lab-memory.md", memory),
        ("lab-spawn.svg", spawn_chart.to_svg()),
        ("lab-resident.svg", resident_chart.to_svg()),
        ("lab-virtual.svg", virtual_chart.to_svg()),
    ] {
        if let Err(e) = figures.write(name, &contents) {
            eprintln!("could not write {name}: {e}");
        }
    }
}

/// The machine's RAM, in KiB (`MemTotal` of `/proc/meminfo`).
fn mem_total_kib() -> u64 {
    fs::read_to_string("/proc/meminfo")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn stack_name(stack: usize) -> String {
    if stack == 0 {
        "default".to_string()
    } else {
        format!("{} KiB", stack / 1024)
    }
}

/// Runs one measurement in a fresh process and reads its one line of output.
fn child(me: &PathBuf, count: usize, stack: usize) -> Run {
    let out = Command::new(me)
        .args(["--one", &count.to_string(), &stack.to_string()])
        .output()
        .expect("could not start the measuring process");
    assert!(
        out.status.success(),
        "the measuring process failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let f: Vec<u64> = text
        .split_whitespace()
        .map(|x| x.parse().unwrap())
        .collect();
    Run {
        threads: f[0] as usize,
        stack: f[1] as usize,
        started: f[2] as usize,
        spawn: Duration::from_nanos(f[3]),
        resident_kib: f[4],
        virtual_kib: f[5],
        kernel_kib: f[6],
    }
}
