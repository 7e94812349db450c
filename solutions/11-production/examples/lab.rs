//! Chapter 11's lab: one small service under overload, three ways, and a shutdown under
//! load, two ways, counted request by request.
//!
//! Run it with `cargo run --release -p ch11-production-solution --example ch11-lab`
//! (`-- --quick` for a short run that only prints). It prints two tables, writes them as
//! Markdown files into `book/src/ch11-production/` and draws their charts there, all from
//! this one run. Everything stays in this process (tasks and channels, no sockets), is
//! bounded in count and time, and stops by itself: about two minutes on a 2-core machine,
//! a few seconds with `--quick`.
//!
//! The service: `WORKERS` workers, each holding a request for `SERVICE` (a sleep: the
//! time a backend takes to answer), fed by one queue. Callers arrive on a fixed schedule
//! (an open loop: a caller does not wait for the previous one, as users of a website
//! don't), at 0.5, 1, 2 and 4 times the capacity measured first. Each request carries
//! `PAYLOAD` bytes, so whatever holds requests holds memory.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use support::chart::{BarChart, Figures, Samples, Table, Unit};
use tokio::sync::{Semaphore, mpsc, oneshot};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// How many requests the service works on at once.
const WORKERS: usize = 8;
/// How long one request holds a worker.
const SERVICE: Duration = Duration::from_millis(8);
/// The bytes each request carries (its body).
const PAYLOAD: usize = 16 * 1024;
/// The places in the bounded queue of variants (b) and (c).
const QUEUE: usize = 64;
/// The offered loads, as multiples of the measured capacity.
const LOADS: [f64; 4] = [0.5, 1.0, 2.0, 4.0];
/// How long a graceful stop lets the accepted requests run.
const GRACE: Duration = Duration::from_secs(5);

/// How the service's queue treats a caller when it is full.
#[derive(Clone, Copy, PartialEq)]
enum Queue {
    /// (a) No limit: every caller is queued.
    Unbounded,
    /// (b) `QUEUE` places; a caller who finds it full waits for a place.
    BoundedWait,
    /// (c) `QUEUE` places; a caller who finds it full is refused at once.
    Shedding,
}

impl Queue {
    fn name(self) -> &'static str {
        match self {
            Queue::Unbounded => "(a) unbounded",
            Queue::BoundedWait => "(b) bounded, callers wait",
            Queue::Shedding => "(c) bounded, sheds",
        }
    }
}

/// One request in the queue: its body, and where its answer goes.
struct Request {
    body: Vec<u8>,
    reply: oneshot::Sender<usize>,
}

/// The queue's sending side in one of its two kinds.
#[derive(Clone)]
enum Sender {
    Unbounded(mpsc::UnboundedSender<Request>),
    Bounded(mpsc::Sender<Request>),
}

/// What one overload run measured.
struct Overload {
    /// Time from a caller's scheduled arrival to its answer, of each caller served (ns).
    latencies: Vec<u64>,
    refused: usize,
    offered: usize,
    /// The most requests the queue held at once.
    peak_queued: usize,
    /// The most callers waiting at once for a place in the queue (variant (b)).
    peak_waiting: usize,
}

/// Counts things that come and go, keeping the highest count seen.
#[derive(Default)]
struct Gauge {
    now: AtomicUsize,
    peak: AtomicUsize,
}

impl Gauge {
    fn up(&self) {
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
    }
    fn down(&self) {
        self.now.fetch_sub(1, Ordering::SeqCst);
    }
    fn peak(&self) -> usize {
        self.peak.load(Ordering::SeqCst)
    }
}

/// The service: takes requests from the queue and runs each on one of `WORKERS` places;
/// returns when the queue's senders are gone and every request has been answered.
async fn serve(mut next: impl AsyncQueue, queued: Arc<Gauge>) {
    let places = Arc::new(Semaphore::new(WORKERS));
    let mut workers = JoinSet::new();
    while let Some(request) = next.recv().await {
        queued.down();
        // Wait for a free worker before taking the next request: the queue, not a pile
        // of spawned tasks, is where waiting requests sit.
        let place = places.clone().acquire_owned().await.expect("never closed");
        workers.spawn(async move {
            tokio::time::sleep(SERVICE).await;
            let _ = request.reply.send(request.body.len());
            drop(place);
        });
        while workers.try_join_next().is_some() {}
    }
    while workers.join_next().await.is_some() {}
}

/// The receiving side of either kind of queue.
trait AsyncQueue: Send + 'static {
    fn recv(&mut self) -> impl Future<Output = Option<Request>> + Send;
}

impl AsyncQueue for mpsc::UnboundedReceiver<Request> {
    async fn recv(&mut self) -> Option<Request> {
        mpsc::UnboundedReceiver::recv(self).await
    }
}

impl AsyncQueue for mpsc::Receiver<Request> {
    async fn recv(&mut self) -> Option<Request> {
        mpsc::Receiver::recv(self).await
    }
}

/// Measures how many requests a second the service answers when it always has work:
/// `count` requests queued at once, timed until the last answer.
async fn capacity(count: usize) -> f64 {
    let (tx, rx) = mpsc::unbounded_channel();
    let queued = Arc::new(Gauge::default());
    let server = tokio::spawn(serve(rx, queued.clone()));
    let start = Instant::now();
    let mut answers = Vec::with_capacity(count);
    for _ in 0..count {
        let (reply, answer) = oneshot::channel();
        queued.up();
        tx.send(Request {
            body: vec![0; PAYLOAD],
            reply,
        })
        .expect("the server runs");
        answers.push(answer);
    }
    for answer in answers {
        answer.await.expect("every request is answered");
    }
    let rate = count as f64 / start.elapsed().as_secs_f64();
    drop(tx);
    server.await.expect("the server does not panic");
    rate
}

/// One overload run: callers arrive at `rate` a second for `load_for`, each sends one
/// request through `queue` and waits for its answer; returns when every caller is done.
async fn overload(queue: Queue, rate: f64, load_for: Duration) -> Overload {
    let queued = Arc::new(Gauge::default());
    let waiting = Arc::new(Gauge::default());
    let (sender, server) = match queue {
        Queue::Unbounded => {
            let (tx, rx) = mpsc::unbounded_channel();
            (
                Sender::Unbounded(tx),
                tokio::spawn(serve(rx, queued.clone())),
            )
        }
        Queue::BoundedWait | Queue::Shedding => {
            let (tx, rx) = mpsc::channel(QUEUE);
            (Sender::Bounded(tx), tokio::spawn(serve(rx, queued.clone())))
        }
    };
    let offered = (rate * load_for.as_secs_f64()).round() as usize;
    let start = Instant::now();
    let mut callers = JoinSet::new();
    let mut ticks = tokio::time::interval(Duration::from_millis(1));
    let mut sent = 0;
    while sent < offered {
        ticks.tick().await;
        // Everyone whose arrival time has come arrives now: the schedule is fixed in
        // advance, whatever the service does (an open loop).
        let due = ((start.elapsed().as_secs_f64() * rate) as usize + 1).min(offered);
        for i in sent..due {
            let arrival = start + Duration::from_secs_f64(i as f64 / rate);
            let (sender, queued, waiting) = (sender.clone(), queued.clone(), waiting.clone());
            callers.spawn(call(queue, sender, arrival, queued, waiting));
        }
        sent = due;
    }
    drop(sender);
    let mut latencies = Vec::with_capacity(offered);
    let mut refused = 0;
    while let Some(outcome) = callers.join_next().await {
        match outcome.expect("a caller does not panic") {
            Some(latency) => latencies.push(latency),
            None => refused += 1,
        }
    }
    server.await.expect("the server does not panic");
    Overload {
        latencies,
        refused,
        offered,
        peak_queued: queued.peak(),
        peak_waiting: waiting.peak(),
    }
}

// ANCHOR: call
/// One caller: sends its request the way `queue` allows and waits for the answer.
/// Returns the time from its scheduled arrival to the answer (ns), or `None` if refused.
async fn call(
    queue: Queue,
    sender: Sender,
    arrival: Instant,
    queued: Arc<Gauge>,
    waiting: Arc<Gauge>,
) -> Option<u64> {
    let (reply, answer) = oneshot::channel();
    let request = Request {
        body: vec![0; PAYLOAD],
        reply,
    };
    match (queue, sender) {
        (Queue::Unbounded, Sender::Unbounded(tx)) => {
            queued.up();
            tx.send(request).ok()?;
        }
        (Queue::BoundedWait, Sender::Bounded(tx)) => {
            waiting.up();
            let permit = tx.reserve().await;
            waiting.down();
            queued.up();
            permit.ok()?.send(request);
        }
        (Queue::Shedding, Sender::Bounded(tx)) => {
            let permit = tx.try_reserve().ok()?;
            queued.up();
            permit.send(request);
        }
        _ => unreachable!("each queue comes with its own kind of sender"),
    }
    answer.await.ok()?;
    Some(arrival.elapsed().as_nanos() as u64)
}
// ANCHOR_END: call

/// The `p`-th percentile (0–100) of `values`, sorted in place; `None` if there are none.
fn percentile(values: &mut [u64], p: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let rank = ((p / 100.0) * values.len() as f64).ceil() as usize;
    Some(values[rank.clamp(1, values.len()) - 1] as f64)
}

/// How a request of the shutdown runs ended, as its caller saw it.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Ending {
    /// Both parts of the answer arrived.
    Complete,
    /// The first part arrived, then nothing: an answer cut in half.
    Cut,
    /// Accepted into the queue, then no answer at all.
    Lost,
    /// Told at once that the service is stopping.
    Refused,
}

/// A request of the shutdown runs: its answer comes in two parts, the first when a worker
/// starts on it and the second `SERVICE` later, as a response streamed in pieces would.
struct Streamed {
    parts: mpsc::Sender<&'static str>,
}

/// One shutdown run: callers arrive at `rate` for `load_for`, then the service is stopped
/// (gracefully or not) while callers keep arriving for another `load_for`. Returns how
/// each request ended, counted by its caller.
async fn shutdown_run(graceful: bool, rate: f64, load_for: Duration) -> [usize; 4] {
    let (tx, mut rx) = mpsc::channel::<Streamed>(QUEUE);
    let stop = CancellationToken::new();
    let service = tokio::spawn({
        let stop = stop.clone();
        async move {
            let places = Arc::new(Semaphore::new(WORKERS));
            let mut workers = JoinSet::new();
            loop {
                let request = tokio::select! {
                    request = rx.recv() => request,
                    // Stop accepting: after `close`, every send fails (a caller waiting
                    // for a place too), so a newcomer is refused at once; `recv` still
                    // gives the requests accepted before, then `None`.
                    () = stop.cancelled(), if !rx.is_closed() => {
                        rx.close();
                        continue;
                    }
                };
                let Some(request) = request else { break };
                let place = places.clone().acquire_owned().await.expect("never closed");
                workers.spawn(async move {
                    let _ = request.parts.send("part 1").await;
                    tokio::time::sleep(SERVICE).await;
                    let _ = request.parts.send("part 2").await;
                    drop(place);
                });
                while workers.try_join_next().is_some() {}
            }
            // Every accepted request has a worker: wait for them to finish.
            while workers.join_next().await.is_some() {}
        }
    });
    let mut callers = JoinSet::new();
    let start = Instant::now();
    let total = (rate * 2.0 * load_for.as_secs_f64()).round() as usize;
    let stop_at = start + load_for;
    let mut service = Some(service);
    let mut ticks = tokio::time::interval(Duration::from_millis(1));
    let mut sent = 0;
    while sent < total {
        ticks.tick().await;
        if Instant::now() >= stop_at
            && let Some(service) = service.take()
        {
            if graceful {
                stop.cancel();
                // The lab's grace period is longer than the queue takes to drain: a
                // deadline that ran out would cancel the rest, as exercise 11.4 does.
                tokio::time::timeout(GRACE, service)
                    .await
                    .expect("the queue drains within the grace period")
                    .expect("the service does not panic");
            } else {
                // Abrupt: the service and every worker are dropped where they stand, as in
                // a process killed by a signal it does not handle.
                service.abort();
                let _ = service.await;
            }
        }
        let due = ((start.elapsed().as_secs_f64() * rate) as usize + 1).min(total);
        for _ in sent..due {
            let tx = tx.clone();
            callers.spawn(async move {
                let (parts, mut answer) = mpsc::channel(2);
                // A full queue makes the caller wait (as in (b)); a closed one refuses.
                if tx.send(Streamed { parts }).await.is_err() {
                    return Ending::Refused;
                }
                match (answer.recv().await, answer.recv().await) {
                    (Some(_), Some(_)) => Ending::Complete,
                    (Some(_), None) => Ending::Cut,
                    _ => Ending::Lost,
                }
            });
        }
        sent = due;
    }
    drop(tx);
    let mut counts = [0; 4];
    while let Some(ending) = callers.join_next().await {
        let ending = ending.expect("a caller does not panic");
        let index = [Ending::Complete, Ending::Cut, Ending::Lost, Ending::Refused]
            .iter()
            .position(|e| *e == ending)
            .expect("one of the four");
        counts[index] += 1;
    }
    counts
}

fn main() {
    let quick = std::env::args().any(|arg| arg == "--quick");
    let (runs, load_for) = if quick {
        (1, Duration::from_millis(300))
    } else {
        (3, Duration::from_secs(2))
    };
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cpus)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let figures = if quick {
        Figures::in_dir(std::env::temp_dir().join("ch11-lab-quick"))
    } else {
        Figures::for_chapter(env!("CARGO_MANIFEST_DIR"), "ch11-production")
    };
    println!("Chapter 11 lab ({cpus} CPUs, {runs} runs of each measurement)");
    let note = format!("{cpus} CPUs, {runs} runs");

    let capacity = runtime.block_on(capacity(if quick { 400 } else { 2000 }));
    let line = format!(
        "The service's capacity, measured first: {capacity:.0} requests a second \
         ({WORKERS} workers, {} ms each).",
        SERVICE.as_millis()
    );
    println!("{line}");
    write(&figures, "capacity.md", &format!("{line}\n"));

    // 1. Overload.
    let queues = [Queue::Unbounded, Queue::BoundedWait, Queue::Shedding];
    let mut table = Table::new([
        "queue",
        "load",
        "p50 latency",
        "p99 latency",
        "peak held in the queue",
        "peak callers waiting",
        "refused",
    ]);
    let mut p99_chart = BarChart::new(
        "p99 latency of the requests served (shorter is better)",
        Unit::Nanos,
    )
    .log_scale()
    .note(note.clone());
    let mut memory_chart = BarChart::new(
        "Peak bytes held in the service's queue (smaller is better)",
        Unit::Bytes,
    )
    .log_scale()
    .note(note.clone());
    for queue in queues {
        for load in LOADS {
            let mut p50s = Vec::new();
            let mut p99s = Vec::new();
            let mut held = Vec::new();
            let mut waiting = Vec::new();
            let mut refused = Vec::new();
            for _ in 0..runs {
                let mut run = runtime.block_on(overload(queue, capacity * load, load_for));
                p50s.push(percentile(&mut run.latencies, 50.0).unwrap_or(0.0));
                p99s.push(percentile(&mut run.latencies, 99.0).unwrap_or(0.0));
                held.push((run.peak_queued * PAYLOAD) as f64);
                waiting.push(run.peak_waiting as f64);
                refused.push(run.refused as f64 / run.offered as f64);
            }
            let (p50, p99) = (Samples::of(&p50s), Samples::of(&p99s));
            let held = Samples::of(&held);
            let waiting = Samples::of(&waiting);
            let refused = Samples::of(&refused);
            let load_label = format!("{load}×");
            println!(
                "{:<28} {load_label:>4}  p50 {:>22}  p99 {:>22}  queue {:>22}  waiting {:>14}  refused {}",
                queue.name(),
                Unit::Nanos.range(&p50),
                Unit::Nanos.range(&p99),
                Unit::Bytes.range(&held),
                Unit::Count.range(&waiting),
                Unit::Percent.range(&refused),
            );
            table.push(vec![
                queue.name().to_string(),
                load_label.clone(),
                Unit::Nanos.range(&p50),
                Unit::Nanos.range(&p99),
                Unit::Bytes.range(&held),
                Unit::Count.range(&waiting),
                Unit::Percent.range(&refused),
            ]);
            let label = format!("{} at {load_label}", queue.name());
            p99_chart = if load == 4.0 {
                p99_chart.highlighted_bar(label.clone(), p99)
            } else {
                p99_chart.bar(label.clone(), p99)
            };
            memory_chart = memory_chart.bar(label, held);
        }
    }
    write(&figures, "overload-table.md", &table.to_markdown());
    write(&figures, "overload-p99.svg", &p99_chart.to_svg());
    write(&figures, "overload-memory.svg", &memory_chart.to_svg());

    // 1b. The same service in asyncio, queues (a) and (c), if there is a Python 3.
    match asyncio_side(runs, load_for, if quick { 400 } else { 2000 }) {
        Some(text) => write(&figures, "asyncio-table.md", &text),
        None => println!("no python3 here: the asyncio side is left out of this run"),
    }

    // 2. Shutdown under load.
    let mut table = Table::new(["stop", "complete", "cut in half", "lost", "refused"]);
    for graceful in [false, true] {
        let mut counts: [Vec<f64>; 4] = Default::default();
        for _ in 0..runs {
            let run = runtime.block_on(shutdown_run(graceful, capacity, load_for));
            for (column, count) in counts.iter_mut().zip(run) {
                column.push(count as f64);
            }
        }
        let name = if graceful { "graceful" } else { "abrupt" };
        let cells: Vec<String> = counts
            .iter()
            .map(|column| Unit::Count.range(&Samples::of(column)))
            .collect();
        println!(
            "{name:<9} complete {}  cut {}  lost {}  refused {}",
            cells[0], cells[1], cells[2], cells[3]
        );
        let mut row = vec![name.to_string()];
        row.extend(cells);
        table.push(row);
    }
    write(&figures, "shutdown-table.md", &table.to_markdown());
}

/// Runs `overload.py` (beside this file) with `python3`, if there is one, and returns its
/// figures as a sentence and a Markdown table; `None` if Python could not be run.
fn asyncio_side(runs: usize, load_for: Duration, capacity_count: usize) -> Option<String> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/overload.py");
    let output = std::process::Command::new("python3")
        .arg(script)
        .args(["--load-for", &load_for.as_secs_f64().to_string()])
        .args(["--runs", &runs.to_string()])
        .args(["--capacity-count", &capacity_count.to_string()])
        .output()
        .ok()
        .filter(|output| output.status.success())?;
    let mut text = String::new();
    let mut table = Table::new([
        "queue",
        "load",
        "p50 latency",
        "p99 latency",
        "peak held in the queue",
        "refused",
    ]);
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let value: serde_json::Value =
            serde_json::from_str(line).expect("overload.py prints JSON lines");
        if let Some(capacity) = value["capacity"].as_f64() {
            let line = format!(
                "asyncio's service, measured first: {capacity:.0} requests a second \
                 ({WORKERS} workers, {} ms each).",
                SERVICE.as_millis()
            );
            println!("{line}");
            text = format!("{line}\n\n");
            continue;
        }
        let column = |key: &str| -> Samples {
            let values: Vec<f64> = value["runs"]
                .as_array()
                .expect("each line has its runs")
                .iter()
                .map(|run| run[key].as_f64().expect("every run has every figure"))
                .collect();
            Samples::of(&values)
        };
        let cells = vec![
            value["queue"].as_str().unwrap_or("?").to_string(),
            format!("{}×", value["load"].as_f64().unwrap_or(0.0)),
            Unit::Nanos.range(&column("p50")),
            Unit::Nanos.range(&column("p99")),
            Unit::Bytes.range(&column("held")),
            Unit::Percent.range(&column("refused")),
        ];
        println!("{}", cells.join("  "));
        table.push(cells);
    }
    Some(text + &table.to_markdown())
}

fn write(figures: &Figures, name: &str, contents: &str) {
    figures
        .write(name, contents)
        .unwrap_or_else(|e| panic!("could not write {name}: {e}"));
}
