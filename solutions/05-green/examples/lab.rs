//! Chapter 05's lab: what a green-thread switch costs, and what a green thread weighs.
//!
//! Run it with `cargo run --release -p ch05-green-solution --example ch05-lab`. It prints two
//! tables and writes `switch-cost.svg` and `memory.svg` into `book/src/ch05-green/`.
//! Everything is bounded: a few seconds on a 2-core machine.

use std::collections::VecDeque;
use std::hint::black_box;
use std::sync::mpsc;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use ch05_green::ex02_scheduler::{Context, Corosensei, run, run_with, spawn, yield_now};
use ch05_green::ex05_switch::{AsmContext, SUPPORTED};
use corosensei::{Coroutine, CoroutineResult, Yielder};
use support::svg_escape;

/// Each measurement is repeated this many times, interleaved, and the fastest kept: on a
/// shared machine the slow runs measure the neighbours, not the code.
const REPEATS: usize = 5;
const SWITCHES: u64 = 5_000_000;
const PING_PONGS: u64 = 5_000;

fn main() {
    println!("Chapter 05 lab: green threads ({} CPUs)", cpus());
    println!();
    let costs = switch_costs();
    println!("Cost of one switch (round trip there and back), best of {REPEATS} runs:");
    println!("| what | round trips | ns per round trip | vs corosensei |");
    println!("|---|---:|---:|---:|");
    let base = costs[0].1;
    for (what, ns, count) in &costs {
        println!(
            "| {what} | {count} | {} | {:.1}× |",
            format_ns(*ns),
            ns / base
        );
    }
    let yield_ns = costs
        .iter()
        .find(|(w, _, _)| w.starts_with("scheduler yield (corosensei"))
        .map(|c| c.1)
        .unwrap_or(f64::NAN);
    let threads_ns = costs.last().map(|c| c.1).unwrap_or(f64::NAN);
    println!();
    println!(
        "A scheduler yield costs {:.1}× a raw corosensei round trip, and is {:.0}× cheaper \
         than an OS-thread ping-pong.",
        yield_ns / base,
        threads_ns / yield_ns
    );
    println!();

    let memory = memory_use();
    println!("Memory per thread, while all of them are alive (from /proc/self/status):");
    println!("| what | threads | reserved per thread (VmSize) | touched per thread (VmRSS) |");
    println!("|---|---:|---:|---:|");
    for m in &memory {
        println!(
            "| {} | {} | {} | {} |",
            m.what,
            m.count,
            format_kib(m.reserved_kib),
            format_kib(m.touched_kib)
        );
    }

    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../book/src/ch05-green");
    let switch_rows: Vec<(String, f64)> = costs.iter().map(|(w, ns, _)| (w.clone(), *ns)).collect();
    write(
        dir,
        "switch-cost.svg",
        &bar_chart(
            "One switch, there and back (ns, log scale; shorter is cheaper)",
            &switch_rows,
            format_ns,
        ),
    );
    let mut memory_rows = Vec::new();
    for m in &memory {
        memory_rows.push((
            format!("{} ×{}: reserved", m.short, m.count),
            m.reserved_kib,
        ));
        memory_rows.push((format!("{} ×{}: touched", m.short, m.count), m.touched_kib));
    }
    write(
        dir,
        "memory.svg",
        &bar_chart(
            "Memory per thread (KiB, log scale)",
            &memory_rows,
            format_kib,
        ),
    );
}

// ---- switch costs ----

/// (what, ns per round trip, round trips per run)
fn switch_costs() -> Vec<(String, f64, u64)> {
    let mut best = [f64::INFINITY; 8];
    for _ in 0..REPEATS {
        best[0] = best[0].min(corosensei_round_trip(SWITCHES));
        best[1] = best[1].min(scheduler_yield::<Corosensei>(SWITCHES));
        if SUPPORTED {
            best[2] = best[2].min(asm_round_trip(SWITCHES));
            best[3] = best[3].min(scheduler_yield::<AsmContext>(SWITCHES));
        }
        best[4] = best[4].min(thread_ping_pong(PING_PONGS));
        best[5] = best[5].min(lone_yield(SWITCHES));
        best[6] = best[6].min(corosensei_behind_a_call(SWITCHES));
        best[7] = best[7].min(minimal_round_robin(SWITCHES));
    }
    let mut rows = vec![
        ("corosensei resume + suspend".to_string(), best[0], SWITCHES),
        (
            "minimal round robin (a queue of indices)".to_string(),
            best[7],
            SWITCHES,
        ),
        (
            "scheduler yield (corosensei)".to_string(),
            best[1],
            SWITCHES,
        ),
    ];
    rows.push((
        "corosensei, suspend inside a called function".to_string(),
        best[6],
        SWITCHES,
    ));
    rows.push((
        "scheduler yield, one thread alone (corosensei)".to_string(),
        best[5],
        SWITCHES,
    ));
    if SUPPORTED {
        rows.push((
            "hand-written resume + suspend".to_string(),
            best[2],
            SWITCHES,
        ));
        rows.push((
            "scheduler yield (hand-written)".to_string(),
            best[3],
            SWITCHES,
        ));
    }
    rows.push((
        "OS threads, mpsc ping-pong".to_string(),
        best[4],
        PING_PONGS,
    ));
    rows
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
    reserved_kib: f64,
    touched_kib: f64,
}

/// (VmSize, VmRSS) of this process, in KiB.
fn vm() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(f64::NAN)
    };
    (field("VmSize:"), field("VmRSS:"))
}

fn memory_use() -> Vec<Memory> {
    let mut rows = Vec::new();
    for count in [1_000, 10_000] {
        rows.push(green_memory(count));
    }
    for count in [1_000, 10_000] {
        rows.push(os_thread_memory(count));
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

fn green_memory(count: usize) -> Memory {
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
    Memory {
        what: "green threads (corosensei, 1 MiB stacks)",
        short: "green threads",
        count,
        reserved_kib: reserved / count as f64,
        touched_kib: touched / count as f64,
    }
}

fn os_thread_memory(count: usize) -> Memory {
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
    Memory {
        what: "OS threads (std, 2 MiB stacks)",
        short: "OS threads",
        count,
        reserved_kib: (during.0 - before.0) / count as f64,
        touched_kib: (during.1 - before.1) / count as f64,
    }
}

// ---- output ----

fn cpus() -> usize {
    thread::available_parallelism().map_or(1, |n| n.get())
}

fn format_ns(ns: f64) -> String {
    if ns >= 1000.0 {
        format!("{:.1} µs", ns / 1000.0)
    } else {
        format!("{ns:.1} ns")
    }
}

fn format_kib(kib: f64) -> String {
    if kib >= 1024.0 {
        format!("{:.2} MiB", kib / 1024.0)
    } else {
        format!("{kib:.1} KiB")
    }
}

fn write(dir: &str, name: &str, svg: &str) {
    let path = format!("{dir}/{name}");
    match std::fs::write(&path, svg) {
        Ok(()) => println!("wrote {name}"),
        Err(e) => eprintln!("could not write {path}: {e}"),
    }
}

/// A horizontal bar chart on a log scale: one bar per row, its value printed at its end.
fn bar_chart(title: &str, rows: &[(String, f64)], label: fn(f64) -> String) -> String {
    // Room for the longest name, at about 6.5 px per character.
    let longest = rows.iter().map(|r| r.0.chars().count()).max().unwrap_or(10);
    let left = 20.0 + 6.5 * longest as f64;
    const WIDTH: f64 = 420.0;
    const ROW: f64 = 28.0;
    const TOP: f64 = 44.0;
    let values = rows
        .iter()
        .map(|r| r.1)
        .filter(|v| v.is_finite() && *v > 0.0);
    let max = values.clone().fold(f64::MIN, f64::max);
    let min = values.fold(f64::MAX, f64::min);
    // Decades from just below the smallest value to just above the largest.
    let lo = min.log10().floor();
    let hi = max.log10().ceil().max(lo + 1.0);
    let x = |v: f64| left + (v.log10() - lo) / (hi - lo) * WIDTH;
    let height = TOP + ROW * rows.len() as f64 + 40.0;
    let full = left + WIDTH + 110.0;
    let mut svg = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {full} {height}" width="{full}" height="{height}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="#ffffff"/>
<text x="10" y="24" font-size="15" font-weight="bold">{}</text>
"##,
        svg_escape(title)
    );
    // Grid lines at each power of ten.
    let mut decade = lo;
    while decade <= hi {
        let gx = x(10f64.powf(decade));
        let axis = TOP + ROW * rows.len() as f64;
        svg += &format!(
            r##"<line x1="{gx:.1}" y1="{TOP}" x2="{gx:.1}" y2="{axis}" stroke="#dddddd"/><text x="{gx:.1}" y="{}" text-anchor="middle" fill="#555555">{}</text>
"##,
            axis + 16.0,
            label(10f64.powf(decade))
        );
        decade += 1.0;
    }
    for (i, (name, value)) in rows.iter().enumerate() {
        let y = TOP + ROW * i as f64;
        svg += &format!(
            r##"<text x="{}" y="{}" text-anchor="end">{}</text>
"##,
            left - 8.0,
            y + ROW / 2.0 + 4.0,
            svg_escape(name)
        );
        if value.is_finite() && *value > 0.0 {
            let w = (x(*value) - left).max(1.0);
            let color = if name.contains("OS thread") {
                "#c98414"
            } else {
                "#4a7fc1"
            };
            svg += &format!(
                r##"<rect x="{left}" y="{}" width="{w:.1}" height="{}" fill="{color}"/><text x="{:.1}" y="{}">{}</text>
"##,
                y + 5.0,
                ROW - 10.0,
                left + w + 6.0,
                y + ROW / 2.0 + 4.0,
                label(*value)
            );
        }
    }
    svg.push_str("</svg>\n");
    svg
}
