//! Chapter 03's lab: the pictures and the table of the chapter, from real runs.
//!
//! Run it with `cargo run --release -p ch03-gil-solution --example ch03-lab`. It writes three
//! timelines and the table of increments (`per-object-locks-table.md`) into
//! `book/src/ch03-gil/`; `--quick` writes them into a temporary folder instead.
//!
//! - `gil-cpu-bound.svg`: three CPU-bound threads under the fair GIL of exercise 03.3.
//! - `gil-io-bound.svg`: three I/O-bound threads under the GIL of exercise 03.2.
//! - `no-gil-cpu-bound.svg`: the same CPU-bound work on plain Rust threads, no GIL.

use ch03_gil::{ex02_release, ex03_switch_interval};
use std::hint::black_box;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier, Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};
use support::chart::{Samples, Table, Unit};
use support::{Kind, Timeline};

/// Rounds of [`spin`] that take half a millisecond on this machine, measured once.
static HALF_MS: OnceLock<u64> = OnceLock::new();

/// One round of pure computation, which the optimiser cannot remove.
fn spin(x: u64) -> u64 {
    (0..1000).fold(x, |x, i| black_box(x.wrapping_mul(31).wrapping_add(i)))
}

/// Computes for about `half_ms` half-milliseconds: the "bytecode" of the pictures. It is
/// a fixed amount of work, not a fixed time: a thread that the OS takes off the CPU in the
/// middle takes longer, and its bar in the picture shows it.
fn burn(half_ms: u64) -> u64 {
    let rounds = *HALF_MS.get_or_init(|| {
        let start = Instant::now();
        let mut rounds = 0;
        while start.elapsed() < Duration::from_millis(100) {
            black_box(spin(rounds));
            rounds += 1;
        }
        rounds / 200
    });
    (0..rounds * half_ms).fold(0, |x, _| spin(x))
}

/// A CPU-bound program for exercise 03.3's interpreter: `length` instructions of 0.5 ms.
struct Cruncher {
    lane: String,
    length: usize,
    done: usize,
    /// Started by the first instruction, once every thread is in line, so the picture's
    /// time starts there rather than while the threads are still being created.
    timeline: Arc<OnceLock<Timeline>>,
    /// The GIL, to see who waits for it: the picture starts once every thread is in line.
    gil: Arc<ex03_switch_interval::FairGil>,
    /// How many other threads must be in line before the first instruction runs.
    others: usize,
}

impl ex03_switch_interval::Program for Cruncher {
    fn step(&mut self) -> ex03_switch_interval::Step {
        if self.done == self.length {
            return ex03_switch_interval::Step::Done(0);
        }
        if self.done == 0 {
            // The first thread to get the GIL would otherwise run two turns in a row while
            // the others are still starting (nobody to switch to yet): wait until they are
            // all queued, so every turn in the picture is a real switch interval. Bounded:
            // after a second, go on anyway.
            let give_up = Instant::now() + Duration::from_secs(1);
            while self.gil.queued() < self.others && Instant::now() < give_up {
                thread::sleep(Duration::from_micros(100));
            }
            // Only the first thread can find fewer in line; once they all queue, none do.
            self.others = 0;
        }
        self.done += 1;
        self.timeline
            .get_or_init(Timeline::new)
            .record_in(&self.lane, "", Kind::Cpu, || burn(1));
        ex03_switch_interval::Step::Ran
    }
}

/// An I/O-bound program for exercise 03.2's interpreter: compute 1 ms, block 8 ms, three
/// times over.
struct Fetcher {
    lane: String,
    round: usize,
    computed: bool,
    timeline: Arc<Timeline>,
}

impl ex02_release::Program for Fetcher {
    fn step(&mut self) -> ex02_release::Step {
        if self.round == 3 {
            return ex02_release::Step::Done(0);
        }
        if !self.computed {
            self.computed = true;
            self.timeline
                .record_in(&self.lane, "run", Kind::Cpu, || burn(2));
            return ex02_release::Step::Ran;
        }
        self.computed = false;
        self.round += 1;
        let (lane, timeline) = (self.lane.clone(), Arc::clone(&self.timeline));
        ex02_release::Step::Blocking(Box::new(move || {
            timeline.record_in(&lane, "read", Kind::Wait, || {
                thread::sleep(Duration::from_millis(8));
            });
        }))
    }
}

fn pictures(book: &Path) -> std::io::Result<()> {
    burn(0); // measure the machine before any timeline starts
    // CPU-bound threads under the GIL, switching every 4 instructions (2 ms).
    let timeline = Arc::new(OnceLock::new());
    let gil = Arc::new(ex03_switch_interval::FairGil::new());
    let programs = (1..=3)
        .map(|i| {
            Box::new(Cruncher {
                lane: format!("thread {i}"),
                length: 12,
                done: 0,
                timeline: Arc::clone(&timeline),
                gil: Arc::clone(&gil),
                others: 2,
            }) as Box<dyn ex03_switch_interval::Program>
        })
        .collect();
    ex03_switch_interval::run_threads(&gil, programs, 4);
    let path = book.join("gil-cpu-bound.svg");
    std::fs::write(
        &path,
        timeline
            .get()
            .expect("the threads ran")
            .to_svg("3 CPU-bound threads under the GIL: one runs at a time"),
    )?;
    println!("wrote {}", path.display());

    // The same work without a GIL: plain threads, as many at once as there are cores.
    let timeline = Timeline::new();
    thread::scope(|s| {
        for i in 1..=3 {
            let timeline = &timeline;
            s.spawn(move || {
                for _ in 0..12 {
                    timeline.record_in(&format!("thread {i}"), "", Kind::Cpu, || burn(1));
                }
            });
        }
    });
    let path = book.join("no-gil-cpu-bound.svg");
    std::fs::write(
        &path,
        timeline.to_svg("The same 3 threads in Rust, no GIL, on 2 cores"),
    )?;
    println!("wrote {}", path.display());

    // I/O-bound threads under the GIL, which they release while they wait.
    let timeline = Arc::new(Timeline::new());
    let programs = (1..=3)
        .map(|i| {
            Box::new(Fetcher {
                lane: format!("thread {i}"),
                round: 0,
                computed: false,
                timeline: Arc::clone(&timeline),
            }) as Box<dyn ex02_release::Program>
        })
        .collect();
    ex02_release::run_threads(&ex02_release::Gil::new(), programs);
    let path = book.join("gil-io-bound.svg");
    std::fs::write(
        &path,
        timeline.to_svg("3 I/O-bound threads under the GIL: the waits overlap"),
    )?;
    println!("wrote {}", path.display());
    Ok(())
}

/// How many increments each thread makes per measurement.
const INCREMENTS: u64 = 2_000_000;

/// A counter alone on its cache line, so that two counters never share one.
#[repr(align(64))]
#[derive(Default)]
struct Padded<T>(T);

/// One way to keep `N` counters that threads increment.
trait Counters: Sync {
    fn new(n: usize) -> Self;
    fn increment(&self, which: usize);
    fn total(&self) -> u64;
}

/// One lock for all the counters: the GIL way.
struct GlobalMutex(Mutex<Vec<u64>>);

impl Counters for GlobalMutex {
    fn new(n: usize) -> Self {
        GlobalMutex(Mutex::new(vec![0; n]))
    }
    fn increment(&self, which: usize) {
        self.0.lock().unwrap()[which] += 1;
    }
    fn total(&self) -> u64 {
        self.0.lock().unwrap().iter().sum()
    }
}

/// One lock per counter.
struct ShardMutexes(Vec<Padded<Mutex<u64>>>);

impl Counters for ShardMutexes {
    fn new(n: usize) -> Self {
        ShardMutexes((0..n).map(|_| Padded::default()).collect())
    }
    fn increment(&self, which: usize) {
        *self.0[which].0.lock().unwrap() += 1;
    }
    fn total(&self) -> u64 {
        self.0.iter().map(|c| *c.0.lock().unwrap()).sum()
    }
}

/// No lock: one atomic instruction per increment.
struct Atomics(Vec<Padded<AtomicU64>>);

impl Counters for Atomics {
    fn new(n: usize) -> Self {
        Atomics((0..n).map(|_| Padded::default()).collect())
    }
    fn increment(&self, which: usize) {
        self.0[which].0.fetch_add(1, Ordering::Relaxed);
    }
    fn total(&self) -> u64 {
        self.0.iter().map(|c| c.0.load(Ordering::Relaxed)).sum()
    }
}

/// Nanoseconds per increment when `threads` threads each increment counter
/// `which(thread)` `INCREMENTS` times, over five runs: the median, the lowest and the
/// highest. Contended locks vary a lot from run to run (whether the lock changes hands on
/// each increment or stays with one thread for a while is up to timing), so the spread is
/// part of the answer.
fn measure<C: Counters>(threads: usize, which: Pick) -> Samples {
    let runs: Vec<f64> = (0..5)
        .map(|_| {
            let counters = C::new(threads.max(1));
            // Start every thread's loop at the same moment, and time from there.
            let start_line = Barrier::new(threads + 1);
            let elapsed = thread::scope(|s| {
                for t in 0..threads {
                    let (counters, start_line) = (&counters, &start_line);
                    s.spawn(move || {
                        start_line.wait();
                        for _ in 0..INCREMENTS {
                            counters.increment(which(t));
                        }
                    });
                }
                start_line.wait();
                let start = Instant::now();
                // Leaving the scope joins the threads; time that too.
                start
            });
            let elapsed = elapsed.elapsed();
            assert_eq!(
                counters.total(),
                INCREMENTS * threads as u64,
                "lost increments"
            );
            elapsed.as_secs_f64() * 1e9 / (INCREMENTS * threads as u64) as f64
        })
        .collect();
    Samples::of(&runs)
}

/// Which counter thread `t` increments.
type Pick = fn(usize) -> usize;

/// Measures every case and writes the table, as Markdown, next to the page.
fn table(book: &Path) -> std::io::Result<()> {
    let load = load_average();
    let same: Pick = |_| 0;
    let own: Pick = |t| t;
    let rows: [(&str, usize, Pick); 3] = [
        ("1 thread", 1, same),
        ("2 threads, same counter", 2, same),
        ("2 threads, own counters", 2, own),
    ];
    let mut table = Table::new([
        "case",
        "one global `Mutex`",
        "a `Mutex` per counter",
        "`AtomicU64` per counter",
    ]);
    for (name, threads, which) in rows {
        table.push(vec![
            name.to_string(),
            Unit::Nanos.range(&measure::<GlobalMutex>(threads, which)),
            Unit::Nanos.range(&measure::<ShardMutexes>(threads, which)),
            Unit::Nanos.range(&measure::<Atomics>(threads, which)),
        ]);
    }
    let table = format!(
        "{}\nTime per increment: the median of 5 runs, the lowest and highest in brackets; \
         {} increments per thread, {} cores, load average {load} when the lab started.\n",
        table.to_markdown(),
        Unit::Count.format(INCREMENTS as f64),
        thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!("\n{table}");
    let path = book.join("per-object-locks-table.md");
    std::fs::write(&path, table)?;
    println!("wrote {}", path.display());
    Ok(())
}

fn main() -> std::io::Result<()> {
    let book = if std::env::args().any(|a| a == "--quick") {
        let dir = std::env::temp_dir().join("ch03-lab");
        std::fs::create_dir_all(&dir)?;
        dir
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../book/src/ch03-gil")
    };
    pictures(&book)?;
    table(&book)
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
