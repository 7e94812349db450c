//! Lab 04: what does a process cost, next to a thread?
//!
//! Measures, for a thread and for a worker process of this very program:
//! - start-up and shutdown of an idle worker (spawn, then close its input and join/wait);
//! - one round trip of a message (there and back), 16 bytes and 64 KiB.
//!
//! The thread talks over `std::sync::mpsc` channels (the message is moved: a pointer
//! changes hands); the process over its stdin and stdout pipes, with the chapter's frames
//! (the bytes are copied into the kernel and out again). It prints a Markdown table and
//! writes `book/src/ch04-processes/thread-vs-process.svg`.
//!
//! Run it with `cargo run --release -p ch04-processes-solution --example ch04-lab`.

use ch04_processes::ex02_frames::{read_frame, write_frame};
use ch04_processes::ex03_worker::run_worker_process;
use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// Rounds per measurement. The table shows the fastest round: on a shared machine, other
/// work can only make a round slower, so the fastest is the closest to the cost itself.
const ROUNDS: usize = 21;

fn main() {
    // The same binary is the worker: started with `worker`, it serves frames (echoing
    // them) until its stdin closes. This is how the chapter starts its processes.
    if std::env::args().nth(1).as_deref() == Some("worker") {
        std::process::exit(run_worker_process());
    }
    let me = std::env::current_exe().expect("where is this program?");

    let rows = [
        (
            "start + stop",
            best_per_op(100, thread_start_stop),
            best_per_op(10, |n| process_start_stop(&me, n)),
        ),
        (
            "round trip, 16 B",
            best_per_op(2_000, |n| thread_round_trips(n, 16)),
            best_per_op(1_000, |n| process_round_trips(&me, n, 16)),
        ),
        (
            "round trip, 64 KiB",
            best_per_op(500, |n| thread_round_trips(n, 64 * 1024)),
            best_per_op(200, |n| process_round_trips(&me, n, 64 * 1024)),
        ),
    ];

    println!(
        "{} logical CPUs; fastest of {ROUNDS} rounds, per operation\n",
        thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!("| | thread | process | process ÷ thread |");
    println!("|---|---:|---:|---:|");
    for (what, thread, process) in &rows {
        println!(
            "| {what} | {} | {} | {:.1}× |",
            micros(*thread),
            micros(*process),
            process.as_secs_f64() / thread.as_secs_f64()
        );
    }

    let svg = bar_chart(
        "A thread and a process: start-up and round-trip cost",
        &rows,
    );
    let out = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../book/src/ch04-processes/thread-vs-process.svg");
    match std::fs::write(&out, svg) {
        Ok(()) => println!("\nwrote {}", out.display()),
        Err(e) => eprintln!("\ncould not write {}: {e}", out.display()),
    }
}

/// Runs `batch(n)` (which times `n` operations) `ROUNDS` times; the fastest round's time
/// per operation.
fn best_per_op(n: u32, mut batch: impl FnMut(u32) -> Duration) -> Duration {
    batch(n.div_ceil(10)); // warm up: page in the code, fill the caches
    (0..ROUNDS)
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

fn micros(d: Duration) -> String {
    let us = d.as_secs_f64() * 1e6;
    if us >= 100.0 {
        format!("{us:.0} µs")
    } else if us >= 10.0 {
        format!("{us:.1} µs")
    } else {
        format!("{us:.2} µs")
    }
}

/// Draws the rows as pairs of horizontal bars (thread, process) on a logarithmic axis
/// in microseconds: the values span several powers of ten.
fn bar_chart(title: &str, rows: &[(&str, Duration, Duration)]) -> String {
    const LEFT: f64 = 150.0;
    const WIDTH: f64 = 560.0;
    const TOP: f64 = 50.0;
    const BAR: f64 = 16.0;
    const GROUP: f64 = 56.0;
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    let values = rows.iter().flat_map(|r| [us(r.1), us(r.2)]);
    let (min, max) = values.fold((f64::MAX, 0.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    // Whole powers of ten around the values.
    let (lo, hi) = (min.log10().floor() as i32, max.log10().ceil() as i32);
    let span = f64::from((hi - lo).max(1));
    let x = |v: f64| LEFT + (v.log10() - f64::from(lo)) / span * WIDTH;
    let height = TOP + GROUP * rows.len() as f64 + 60.0;
    let full = LEFT + WIDTH + 110.0;

    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {full} {height}" width="{full}" height="{height}" font-family="sans-serif" font-size="12">"##
    );
    let _ = writeln!(
        svg,
        r##"<rect width="100%" height="100%" fill="#ffffff"/><text x="{LEFT}" y="22" font-size="15" font-weight="bold">{title}</text>"##
    );
    let axis = TOP + GROUP * rows.len() as f64;
    for power in lo..=hi {
        let v = 10f64.powi(power);
        let _ = writeln!(
            svg,
            r##"<line x1="{x:.1}" y1="{TOP}" x2="{x:.1}" y2="{axis}" stroke="#e4e4e4"/><text x="{x:.1}" y="{}" text-anchor="middle">{}</text>"##,
            axis + 16.0,
            micros(Duration::from_secs_f64(v / 1e6)),
            x = x(v)
        );
    }
    for (i, (what, thread, process)) in rows.iter().enumerate() {
        let y = TOP + GROUP * i as f64 + 6.0;
        let _ = writeln!(
            svg,
            r##"<text x="{}" y="{}" text-anchor="end">{what}</text>"##,
            LEFT - 8.0,
            y + BAR + 4.0
        );
        for (j, (d, fill)) in [(*thread, "#4a7fc1"), (*process, "#e8a33d")]
            .into_iter()
            .enumerate()
        {
            let top = y + BAR * j as f64 + 2.0 * j as f64;
            // Bars start at the left edge of the axis, which is 10^lo, not zero.
            let end = x(us(d));
            let _ = writeln!(
                svg,
                r##"<rect x="{LEFT}" y="{top}" width="{:.1}" height="{BAR}" fill="{fill}"/><text x="{:.1}" y="{}">{}</text>"##,
                (end - LEFT).max(1.0),
                end + 4.0,
                top + BAR - 4.0,
                micros(d)
            );
        }
    }
    let legend = axis + 40.0;
    let _ = writeln!(
        svg,
        r##"<rect x="{LEFT}" y="{}" width="14" height="12" fill="#4a7fc1"/><text x="{}" y="{legend}">thread (mpsc channels)</text><rect x="{}" y="{}" width="14" height="12" fill="#e8a33d"/><text x="{}" y="{legend}">process (pipes, frames) — log scale</text>"##,
        legend - 10.0,
        LEFT + 20.0,
        LEFT + 200.0,
        legend - 10.0,
        LEFT + 220.0
    );
    svg.push_str("</svg>\n");
    svg
}
