//! Chapter 01's lab: three tasks on one thread, CPU-bound and then I/O-bound, and the
//! same I/O-bound requests overlapped. Prints what it measured and draws the timelines
//! that the book shows.
//!
//!     cargo run --release -p ch01-sync-solution --example ch01-lab
//!
//! The pictures and the table (`idle-cpu-table.md`) go to `book/src/ch01-sync/`, from the
//! same run, or to the folder given as the first argument; `--quick` writes them into a
//! temporary folder (the run is short either way).

use ch01_sync::ex01_sequence::{Task, run_in_sequence};
use ch01_sync::ex02_idle::idle_fraction;
use ch01_sync::ex04_overlap::{Device, fetch_one_by_one, fetch_overlapped};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::Duration;
use support::chart::{Table, Unit};
use support::{Kind, Span, Timeline};

/// How long one request waits for its answer. A stand-in for a network round trip:
/// the thread sleeps, exactly as it would block in `read` on a socket.
const LATENCY: Duration = Duration::from_millis(40);

/// CPU-bound work: count the primes below `n` by trial division.
fn count_primes(n: u64) -> u64 {
    (2..n)
        .filter(|&k| (2..).take_while(|d| d * d <= k).all(|d| k % d != 0))
        .count() as u64
}

// ANCHOR: server
/// A device whose answers arrive `LATENCY` after the request, on the device's own
/// time (a helper thread plays the remote server). Each request's time in flight is
/// recorded in a lane of its own, so the picture shows the waits overlapping.
struct SlowServer {
    timeline: Arc<Timeline>,
}

struct Ticket {
    answer: Receiver<u64>,
}

impl Device for SlowServer {
    type Ticket = Ticket;

    fn submit(&self, request: u32) -> Ticket {
        let (tx, rx) = mpsc::channel();
        let timeline = Arc::clone(&self.timeline);
        thread::spawn(move || {
            let lane = format!("request {request}");
            timeline.record_in(&lane, "in flight", Kind::Wait, || thread::sleep(LATENCY));
            // The caller may have given up; then nobody receives, which is fine.
            let _ = tx.send(u64::from(request) * 100);
        });
        Ticket { answer: rx }
    }

    fn wait(&self, ticket: Ticket) -> u64 {
        self.timeline.record("wait", Kind::Wait, || {
            ticket
                .answer
                .recv()
                .expect("the server thread always answers")
        })
    }
}
// ANCHOR_END: server

/// One row of the table: the run's name, its total time and its idle share.
fn report(table: &mut Table, name: &str, spans: &[Span]) {
    let end = spans.iter().map(|s| s.end).max().unwrap_or_default();
    let start = spans.iter().map(|s| s.start).min().unwrap_or_default();
    table.push(vec![
        name.to_string(),
        Unit::Nanos.format((end - start).as_secs_f64() * 1e9),
        Unit::Percent.format(idle_fraction(spans)),
    ]);
}

fn main() {
    let out = match std::env::args().nth(1) {
        Some(quick) if quick == "--quick" => std::env::temp_dir().join("ch01-lab"),
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../book/src/ch01-sync"),
    };
    let mut table = Table::new(["run (3 tasks, 1 thread)", "total", "CPU idle"]);

    // 1. Three CPU-bound tasks, one after another.
    let cpu = Timeline::new();
    let tasks = (1..=3)
        .map(|i| Task::new(&format!("task {i}"), Kind::Cpu, || count_primes(400_000)))
        .collect();
    let primes = run_in_sequence(tasks, &cpu);
    assert!(primes.iter().all(|&p| p == primes[0]));
    report(&mut table, "CPU-bound, in sequence", &cpu.spans());

    // 2. Three I/O-bound tasks: a little work to prepare a request, a long wait for the
    //    answer, a little work on the answer. One after another.
    let io = Arc::new(Timeline::new());
    let server = SlowServer {
        timeline: Arc::clone(&io),
    };
    for i in 1..=3 {
        io.record(&format!("prep {i}"), Kind::Cpu, || count_primes(60_000));
        fetch_one_by_one(&server, &[i]);
        io.record(&format!("use {i}"), Kind::Cpu, || count_primes(60_000));
    }
    let main_only: Vec<Span> = io
        .spans()
        .into_iter()
        .filter(|s| s.lane == "main")
        .collect();
    report(&mut table, "I/O-bound, in sequence", &main_only);

    // 3. The same requests, overlapped: all sent first, then all collected.
    let overlapped = Arc::new(Timeline::new());
    let server = SlowServer {
        timeline: Arc::clone(&overlapped),
    };
    for i in 1..=3 {
        overlapped.record(&format!("prep {i}"), Kind::Cpu, || count_primes(60_000));
    }
    fetch_overlapped(&server, &[1, 2, 3]);
    for i in 1..=3 {
        overlapped.record(&format!("use {i}"), Kind::Cpu, || count_primes(60_000));
    }
    let main_only: Vec<Span> = overlapped
        .spans()
        .into_iter()
        .filter(|s| s.lane == "main")
        .collect();
    report(&mut table, "I/O-bound, overlapped", &main_only);

    let table = table.to_markdown();
    println!("{table}");
    std::fs::create_dir_all(&out).expect("cannot create the output folder");
    let out = out.canonicalize().expect("the output folder exists");
    for (file, svg) in [
        ("idle-cpu-table.md", table),
        ("cpu-bound.svg", cpu.to_svg("1 thread, 3 CPU-bound tasks")),
        ("io-bound.svg", io.to_svg("1 thread, 3 I/O-bound tasks")),
        (
            "overlapped.svg",
            overlapped.to_svg("1 thread, 3 requests overlapped"),
        ),
    ] {
        std::fs::write(out.join(file), svg).expect("cannot write a picture");
        println!("wrote {}", out.join(file).display());
    }
}
