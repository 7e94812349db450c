//! Chapter 05's lab: what a green-thread switch costs, and what a green thread weighs.
//!
//! Run it with `cargo run --release -p ch05-green-solution --example ch05-lab`. It writes
//! its tables (`switch-cost.md`, `memory.md`, `switch-claims.md`) and its charts
//! (`switch-cost.svg`, `memory.svg`) into `book/src/ch05-green/`, all from one run, and
//! prints the tables too. Everything is bounded: about ten seconds on a 2-core machine.
//! `--quick` runs a short version and writes into a temporary folder instead.

use std::collections::VecDeque;
use std::hint::black_box;
use std::sync::mpsc;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use ch05_green::ex02_scheduler::{Context, Corosensei, run, run_with, spawn, yield_now};
use ch05_green::ex05_switch::{AsmContext, SUPPORTED};
use corosensei::{Coroutine, CoroutineResult, Yielder};
use support::chart::{BarChart, Figures, Samples, Table, Unit};

/// How long a run is: the full run for the book, or a quick one for a laptop or a smoke
/// test.
struct Size {
    /// Each switch measurement is repeated this many times, interleaved with the others:
    /// the table shows the median and the spread, since on a shared machine the slow runs
    /// measure the neighbours.
    repeats: usize,
    switches: u64,
    ping_pongs: u64,
    /// How many times the memory rows are measured.
    memory_repeats: usize,
    thread_counts: &'static [usize],
}

const FULL: Size = Size {
    repeats: 5,
    switches: 5_000_000,
    ping_pongs: 5_000,
    memory_repeats: 3,
    thread_counts: &[1_000, 10_000],
};

const QUICK: Size = Size {
    repeats: 3,
    switches: 200_000,
    ping_pongs: 500,
    memory_repeats: 1,
    thread_counts: &[1_000],
};

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let size = if quick { QUICK } else { FULL };
    let figures = if quick {
        Figures::in_dir(std::env::temp_dir().join("ch05-lab"))
    } else {
        Figures::for_chapter(env!("CARGO_MANIFEST_DIR"), "ch05-green")
    };
    let machine = format!(
        "{} CPUs, {}, load average {} at the start{}",
        cpus(),
        std::env::consts::ARCH,
        load_average(),
        if quick { ", --quick" } else { "" }
    );
    println!("Chapter 05 lab: green threads ({machine})");
    println!();

    let costs = switch_costs(&size);
    let base = &costs[0].runs;
    let mut table = Table::new(["round trip", "time", "vs corosensei"]);
    let mut chart = BarChart::new(
        "One switch, there and back (log scale; shorter is cheaper)",
        Unit::Nanos,
    )
    .log_scale()
    .note(format!("{} runs on {machine}", size.repeats));
    for row in &costs {
        let samples = Samples::of(&row.runs);
        table.push(vec![
            row.what.to_string(),
            Unit::Nanos.range(&samples),
            Unit::Times.format(samples.median / Samples::of(base).median),
        ]);
        chart = if row.what.starts_with("scheduler yield (corosensei") {
            chart.highlighted_bar(row.short, samples)
        } else {
            chart.bar(row.short, samples)
        };
    }
    let table = format!(
        "{}\nTime per round trip: the median of {} runs, the fastest and slowest in \
         brackets; {} round trips per run ({} for the OS threads); \"vs corosensei\" \
         compares medians. {machine}.\n",
        table.to_markdown(),
        size.repeats,
        Unit::Count.format(size.switches as f64),
        Unit::Count.format(size.ping_pongs as f64),
    );
    println!("{table}");
    write(&figures, "switch-cost.md", &table);
    write(&figures, "switch-cost.svg", &chart.to_svg());
    let claims = switch_claims(&costs);
    println!("{claims}");
    write(&figures, "switch-claims.md", &claims);

    let memory = memory_use(&size);
    let mut table = Table::new([
        "threads alive",
        "reserved each (VmSize)",
        "touched each (VmRSS)",
    ]);
    let mut chart = BarChart::new("Memory per thread (log scale)", Unit::Bytes)
        .log_scale()
        .note(format!("{} runs on {machine}", size.memory_repeats));
    for m in &memory {
        let reserved = Samples::of(&m.reserved);
        let touched = Samples::of(&m.touched);
        table.push(vec![
            format!("{} {}", Unit::Count.format(m.count as f64), m.what),
            Unit::Bytes.range(&reserved),
            Unit::Bytes.range(&touched),
        ]);
        let label = format!("{} ×{}", m.short, Unit::Count.format(m.count as f64));
        chart = chart
            .bar(format!("{label}: reserved"), reserved)
            .bar(format!("{label}: touched"), touched);
    }
    let table = format!(
        "{}\nPer thread: the median of {} runs, the lowest and highest in brackets. \
         {machine}.\n",
        table.to_markdown(),
        size.memory_repeats
    );
    println!("{table}");
    write(&figures, "memory.md", &table);
    write(&figures, "memory.svg", &chart.to_svg());
}

fn write(figures: &Figures, name: &str, contents: &str) {
    if let Err(e) = figures.write(name, contents) {
        eprintln!("could not write {name}: {e}");
    }
}

/// What held in *every* run, in words, for the page to include: ratios computed run by
/// run (the rows of one round were measured side by side), then their smallest and
/// largest value.
fn switch_claims(costs: &[Cost]) -> String {
    let find = |prefix: &str| costs.iter().find(|c| c.what.starts_with(prefix));
    let ratio = |over: &Cost, under: &Cost| {
        let ratios: Vec<f64> = over
            .runs
            .iter()
            .zip(&under.runs)
            .map(|(a, b)| a / b)
            .collect();
        Samples::of(&ratios)
    };
    let mut out = String::new();
    let (Some(raw), Some(yield_), Some(threads)) = (
        find("corosensei resume"),
        find("scheduler yield (corosensei"),
        find("OS threads"),
    ) else {
        return out;
    };
    let times = |s: Samples| {
        format!(
            "between {} and {}",
            Unit::Times.format(s.min),
            Unit::Times.format(s.max)
        )
    };
    out.push_str(&format!(
        "- In each of the {} runs, an OS-thread ping-pong cost {} a scheduler yield, \
         and a scheduler yield {} a raw corosensei round trip.\n",
        raw.runs.len(),
        times(ratio(threads, yield_)),
        times(ratio(yield_, raw)),
    ));
    if let (Some(lone), Some(called)) = (find("scheduler yield, one"), find("corosensei, suspend"))
    {
        out.push_str(&format!(
            "- A thread yielding alone cost {} two threads taking turns; suspending inside \
             a called function cost {} suspending in the coroutine's own loop.\n",
            times(ratio(lone, yield_)),
            times(ratio(called, raw)),
        ));
    }
    if let Some(asm) = find("hand-written resume") {
        out.push_str(&format!(
            "- The hand-written switch cost {} corosensei's round trip.\n",
            times(ratio(asm, raw)),
        ));
    }
    out
}

// ---- switch costs ----

/// One row of the switch table: every run's time per round trip, in ns.
struct Cost {
    what: &'static str,
    /// The name in the chart (shorter, for a phone's width).
    short: &'static str,
    /// Round trips per run.
    count: u64,
    runs: Vec<f64>,
}

/// A measurement: runs that many round trips, returns ns per round trip.
type Measure = fn(u64) -> f64;

fn switch_costs(size: &Size) -> Vec<Cost> {
    let (n, pings) = (size.switches, size.ping_pongs);
    // (row, name in the chart, round trips per run, the measurement if this target has it)
    let rows: Vec<(&str, &str, u64, Option<Measure>)> = vec![
        (
            "corosensei resume + suspend",
            "corosensei round trip",
            n,
            Some(corosensei_round_trip),
        ),
        (
            "minimal round robin (a queue of indices)",
            "minimal round robin",
            n,
            Some(minimal_round_robin),
        ),
        (
            "scheduler yield (corosensei)",
            "scheduler yield",
            n,
            Some(scheduler_yield::<Corosensei>),
        ),
        (
            "corosensei, suspend inside a called function",
            "suspend in a called fn",
            n,
            Some(corosensei_behind_a_call),
        ),
        (
            "scheduler yield, one thread alone (corosensei)",
            "yield, one thread alone",
            n,
            Some(lone_yield),
        ),
        (
            "hand-written resume + suspend",
            "hand-written round trip",
            n,
            SUPPORTED.then_some(asm_round_trip as Measure),
        ),
        (
            "scheduler yield (hand-written)",
            "yield, hand-written switch",
            n,
            SUPPORTED.then_some(scheduler_yield::<AsmContext> as Measure),
        ),
        (
            "OS threads, mpsc ping-pong",
            "OS-thread ping-pong",
            pings,
            Some(thread_ping_pong),
        ),
    ];
    let mut costs: Vec<Cost> = rows
        .iter()
        .filter(|r| r.3.is_some())
        .map(|&(what, short, count, _)| Cost {
            what,
            short,
            count,
            runs: Vec::new(),
        })
        .collect();
    // Interleaved: one run of every row, then the next round, so that a noisy moment on
    // the machine spreads over all rows instead of spoiling one.
    for _ in 0..size.repeats {
        for (cost, measure) in costs.iter_mut().zip(rows.iter().filter_map(|r| r.3)) {
            cost.runs.push(measure(cost.count));
        }
    }
    costs
}

fn per(elapsed: Duration, count: u64) -> f64 {
    elapsed.as_secs_f64() * 1e9 / count as f64
}

/// The primitive alone: resume a coroutine that suspends straight back.
fn corosensei_round_trip(count: u64) -> f64 {
    let mut coroutine: Coroutine<u64, u64, ()> = Coroutine::new(|yielder, mut n| {
        loop {
            n = yielder.suspend(n + 1);
        }
    });
    let start = Instant::now();
    let mut n = 0;
    for _ in 0..count {
        n = coroutine.resume(black_box(n)).as_yield().unwrap_or(n);
    }
    let elapsed = start.elapsed();
    black_box(n);
    per(elapsed, count)
}

/// The same, but the coroutine suspends inside a function it calls (through a pointer, as
/// the scheduler's `yield_now` does): the switch is no longer inlined into a tight loop.
fn corosensei_behind_a_call(count: u64) -> f64 {
    #[inline(never)]
    fn suspend_here(yielder: &Yielder<(), ()>) {
        yielder.suspend(());
    }
    let suspend: fn(&Yielder<(), ()>) = black_box(suspend_here);
    let mut coroutine: Coroutine<(), (), ()> = Coroutine::new(move |yielder, ()| {
        loop {
            suspend(yielder);
        }
    });
    let start = Instant::now();
    for _ in 0..count {
        coroutine.resume(());
    }
    per(start.elapsed(), count)
}

/// The least a round robin can do: two coroutines that stay in place in a `Vec`, and a
/// `VecDeque` of their indices, each put back at the end after every suspend. No
/// thread-local, no timers, no I/O, no joins: what is left is the queue itself.
fn minimal_round_robin(count: u64) -> f64 {
    let mut coroutines: Vec<Coroutine<(), (), ()>> = (0..2)
        .map(|_| {
            Coroutine::new(move |yielder: &Yielder<(), ()>, ()| {
                for _ in 0..count / 2 {
                    yielder.suspend(());
                }
            })
        })
        .collect();
    let mut ready: VecDeque<usize> = (0..coroutines.len()).collect();
    let start = Instant::now();
    while let Some(id) = ready.pop_front() {
        if let CoroutineResult::Yield(()) = coroutines[id].resume(()) {
            ready.push_back(id);
        }
    }
    per(start.elapsed(), count)
}

/// The same with the hand-written switch of exercise 05.5.
fn asm_round_trip(count: u64) -> f64 {
    let mut context = AsmContext::new(Box::new(|| {
        loop {
            AsmContext::suspend();
        }
    }));
    let start = Instant::now();
    for _ in 0..count {
        context.resume();
    }
    per(start.elapsed(), count)
}

/// Two green threads yielding to each other: each yield is a switch to the scheduler and
/// a switch into the other thread, like one round trip of the primitive.
fn scheduler_yield<C: Context>(count: u64) -> f64 {
    let body = move || {
        let start = Instant::now();
        let a = spawn(move || {
            for _ in 0..count / 2 {
                yield_now();
            }
        });
        let b = spawn(move || {
            for _ in 0..count / 2 {
                yield_now();
            }
        });
        a.join().unwrap();
        b.join().unwrap();
        start.elapsed()
    };
    per(run_with::<C, _>(body), count)
}

/// One green thread yielding with nobody else ready: the scheduler's bookkeeping and the
/// same coroutine resumed again and again, with no alternation between two stacks.
fn lone_yield(count: u64) -> f64 {
    let elapsed = run(move || {
        let start = Instant::now();
        for _ in 0..count {
            yield_now();
        }
        start.elapsed()
    });
    per(elapsed, count)
}

/// Two OS threads passing a token back and forth through two channels: each round trip
/// is two wake-ups by the kernel.
fn thread_ping_pong(count: u64) -> f64 {
    let (to_other, from_main) = mpsc::channel::<u64>();
    let (to_main, from_other) = mpsc::channel::<u64>();
    let other = thread::spawn(move || {
        while let Ok(n) = from_main.recv() {
            if to_main.send(n + 1).is_err() {
                break;
            }
        }
    });
    let start = Instant::now();
    let mut n = 0;
    for _ in 0..count {
        to_other.send(n).unwrap();
        n = from_other.recv().unwrap();
    }
    let elapsed = start.elapsed();
    drop(to_other);
    other.join().unwrap();
    black_box(n);
    per(elapsed, count)
}

// ---- memory ----

struct Memory {
    what: &'static str,
    /// The name in the chart.
    short: &'static str,
    count: usize,
    /// Bytes of address space reserved per thread, one figure per run.
    reserved: Vec<f64>,
    /// Bytes actually touched (resident) per thread, one figure per run.
    touched: Vec<f64>,
}

/// (VmSize, VmRSS) of this process, in bytes.
fn vm() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .map_or(f64::NAN, |kib| kib * 1024.0)
    };
    (field("VmSize:"), field("VmRSS:"))
}

fn memory_use(size: &Size) -> Vec<Memory> {
    let mut rows = Vec::new();
    for (what, short) in [
        ("green threads (corosensei, 1 MiB stacks)", "green threads"),
        ("OS threads (std, 2 MiB stacks)", "OS threads"),
    ] {
        for &count in size.thread_counts {
            rows.push(Memory {
                what,
                short,
                count,
                reserved: Vec::new(),
                touched: Vec::new(),
            });
        }
    }
    for _ in 0..size.memory_repeats {
        for row in &mut rows {
            let (reserved, touched) = if row.short == "green threads" {
                green_memory(row.count)
            } else {
                os_thread_memory(row.count)
            };
            row.reserved.push(reserved);
            row.touched.push(touched);
        }
    }
    rows
}

/// A green thread's work: a small frame, then a yield so that it is alive and suspended
/// when main measures.
fn small_work() -> u64 {
    let local = black_box([7u8; 256]);
    yield_now();
    local.iter().map(|&b| b as u64).sum()
}

/// Bytes (reserved, touched) per green thread while `count` of them are alive.
fn green_memory(count: usize) -> (f64, f64) {
    let (reserved, touched) = run(move || {
        let before = vm();
        let handles: Vec<_> = (0..count).map(|_| spawn(small_work)).collect();
        // One yield: every green thread runs up to its own yield, then main is back.
        yield_now();
        let during = vm();
        for h in handles {
            h.join().unwrap();
        }
        (during.0 - before.0, during.1 - before.1)
    });
    (reserved / count as f64, touched / count as f64)
}

/// Bytes (reserved, touched) per OS thread while `count` of them are alive.
fn os_thread_memory(count: usize) -> (f64, f64) {
    let before = vm();
    let started = Arc::new(Barrier::new(count + 1));
    let release = Arc::new(Barrier::new(count + 1));
    let handles: Vec<_> = (0..count)
        .map(|_| {
            let started = Arc::clone(&started);
            let release = Arc::clone(&release);
            thread::spawn(move || {
                let local = black_box([7u8; 256]);
                started.wait();
                release.wait();
                local.iter().map(|&b| b as u64).sum::<u64>()
            })
        })
        .collect();
    started.wait();
    let during = vm();
    release.wait();
    for h in handles {
        h.join().unwrap();
    }
    (
        (during.0 - before.0) / count as f64,
        (during.1 - before.1) / count as f64,
    )
}

fn cpus() -> usize {
    thread::available_parallelism().map_or(1, |n| n.get())
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
