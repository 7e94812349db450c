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
//! It prints a Markdown table and writes three bar charts into `book/src/ch02-threads/`.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::Command;
use std::sync::{RwLock, mpsc};
use std::thread;
use std::time::{Duration, Instant};
use std::{env, fs};

use support::svg_escape;

const COUNTS: [usize; 3] = [100, 1_000, 10_000];
/// 0 means "Rust's default" (2 MiB unless `RUST_MIN_STACK` says otherwise).
const STACKS: [usize; 2] = [0, 64 * 1024];
/// Each configuration runs this many times; the table shows the median run.
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
    let cores = thread::available_parallelism().map_or(1, |n| n.get());
    println!("{cores} cores; each row is the median of {RUNS} runs\n");
    println!(
        "| threads | stack | started | spawn, total | per thread | resident, total | per thread | virtual, total | per thread | kernel stacks, per thread |"
    );
    println!("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut rows = Vec::new();
    for stack in STACKS {
        for count in COUNTS {
            let mut runs: Vec<Run> = (0..RUNS).map(|_| child(&me, count, stack)).collect();
            runs.sort_by_key(|r| r.spawn);
            let run = runs[RUNS / 2];
            let n = run.started.max(1) as f64;
            println!(
                "| {} | {} | {} | {:.1} ms | {:.1} µs | {:.1} MiB | {:.1} KiB | {:.1} MiB | {:.1} KiB | {:.1} KiB |",
                count,
                stack_name(stack),
                run.started,
                run.spawn.as_secs_f64() * 1e3,
                run.spawn.as_secs_f64() * 1e6 / n,
                run.resident_kib as f64 / 1024.0,
                run.resident_kib as f64 / n,
                run.virtual_kib as f64 / 1024.0,
                run.virtual_kib as f64 / n,
                run.kernel_kib as f64 / n,
            );
            rows.push(run);
        }
    }

    let book = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../book/src/ch02-threads");
    let categories: Vec<String> = COUNTS.iter().map(|c| format!("{c} threads")).collect();
    let series = |value: &dyn Fn(&Run) -> f64| -> Vec<(String, Vec<f64>)> {
        STACKS
            .iter()
            .map(|&stack| {
                let values = rows
                    .iter()
                    .filter(|r| r.stack == stack)
                    .map(value)
                    .collect();
                (format!("{} stack", stack_name(stack)), values)
            })
            .collect()
    };
    let per = |r: &Run| r.started.max(1) as f64;
    let charts = [
        (
            "lab-spawn.svg",
            "Time to spawn one thread",
            "µs",
            series(&|r| r.spawn.as_secs_f64() * 1e6 / per(r)),
        ),
        (
            "lab-resident.svg",
            "Resident memory per thread (RAM really used)",
            "KiB",
            series(&|r| r.resident_kib as f64 / per(r)),
        ),
        (
            "lab-virtual.svg",
            "Virtual memory, all threads (address space reserved)",
            "MiB",
            series(&|r| r.virtual_kib as f64 / 1024.0),
        ),
    ];
    for (file, title, unit, series) in charts {
        let svg = bar_chart(
            &format!("{title}, {cores}-core VM"),
            unit,
            &categories,
            &series,
        );
        fs::write(book.join(file), svg).unwrap_or_else(|e| panic!("write {file}: {e}"));
    }
    println!("\nwrote lab-spawn.svg, lab-resident.svg, lab-virtual.svg");
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

/// A grouped bar chart as a standalone SVG: one group per category, one bar per series,
/// each bar labelled with its value.
fn bar_chart(
    title: &str,
    unit: &str,
    categories: &[String],
    series: &[(String, Vec<f64>)],
) -> String {
    const LEFT: f64 = 70.0;
    const TOP: f64 = 50.0;
    const PLOT_W: f64 = 600.0;
    const PLOT_H: f64 = 260.0;
    const COLORS: [&str; 4] = ["#4a7fc1", "#e8a33d", "#5aa469", "#b05f9e"];
    let max = series
        .iter()
        .flat_map(|(_, v)| v.iter().copied())
        .fold(0.0_f64, f64::max)
        .max(1e-9);
    // A round top for the axis: 1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a power of ten.
    let magnitude = 10f64.powf(max.log10().floor());
    let top = [1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|&t| t >= max)
        .unwrap_or(10.0 * magnitude);
    let width = LEFT + PLOT_W + 20.0;
    let height = TOP + PLOT_H + 70.0;
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" font-family="sans-serif" font-size="12">"##
    );
    let _ = writeln!(
        svg,
        r##"<rect width="100%" height="100%" fill="#ffffff"/>"##
    );
    let _ = writeln!(
        svg,
        r##"<text x="{LEFT}" y="24" font-size="15" font-weight="bold">{}</text>"##,
        svg_escape(title)
    );
    // The value axis, with five grid lines.
    for tick in 0..=5 {
        let value = top * tick as f64 / 5.0;
        let y = TOP + PLOT_H - PLOT_H * tick as f64 / 5.0;
        let _ = writeln!(
            svg,
            r##"<line x1="{LEFT}" y1="{y:.1}" x2="{}" y2="{y:.1}" stroke="#dddddd"/><text x="{}" y="{:.1}" text-anchor="end">{}</text>"##,
            LEFT + PLOT_W,
            LEFT - 6.0,
            y + 4.0,
            format_value(value)
        );
    }
    let _ = writeln!(
        svg,
        r##"<text x="16" y="{}" transform="rotate(-90 16 {})" text-anchor="middle">{}</text>"##,
        TOP + PLOT_H / 2.0,
        TOP + PLOT_H / 2.0,
        svg_escape(unit)
    );
    let group = PLOT_W / categories.len() as f64;
    let bar = group * 0.7 / series.len() as f64;
    for (c, category) in categories.iter().enumerate() {
        let x0 = LEFT + group * c as f64 + group * 0.15;
        for (s, (name, values)) in series.iter().enumerate() {
            let value = values.get(c).copied().unwrap_or(0.0);
            let h = PLOT_H * value / top;
            let x = x0 + bar * s as f64;
            let y = TOP + PLOT_H - h;
            let _ = writeln!(
                svg,
                r##"<rect x="{x:.1}" y="{y:.1}" width="{:.1}" height="{h:.1}" fill="{}"><title>{}, {}: {} {}</title></rect><text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="11">{}</text>"##,
                bar - 4.0,
                COLORS[s % COLORS.len()],
                svg_escape(category),
                svg_escape(name),
                format_value(value),
                svg_escape(unit),
                x + (bar - 4.0) / 2.0,
                y - 4.0,
                format_value(value)
            );
        }
        let _ = writeln!(
            svg,
            r##"<text x="{:.1}" y="{}" text-anchor="middle">{}</text>"##,
            LEFT + group * (c as f64 + 0.5),
            TOP + PLOT_H + 18.0,
            svg_escape(category)
        );
    }
    let _ = writeln!(
        svg,
        r##"<line x1="{LEFT}" y1="{y}" x2="{}" y2="{y}" stroke="#555555"/>"##,
        LEFT + PLOT_W,
        y = TOP + PLOT_H
    );
    // The legend.
    let legend_y = TOP + PLOT_H + 45.0;
    for (s, (name, _)) in series.iter().enumerate() {
        let x = LEFT + 170.0 * s as f64;
        let _ = writeln!(
            svg,
            r##"<rect x="{x}" y="{}" width="14" height="12" fill="{}"/><text x="{}" y="{legend_y}">{}</text>"##,
            legend_y - 10.0,
            COLORS[s % COLORS.len()],
            x + 20.0,
            svg_escape(name)
        );
    }
    svg.push_str("</svg>\n");
    svg
}

fn format_value(v: f64) -> String {
    if v >= 100.0 || v == 0.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}
