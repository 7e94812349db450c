//! Chapter 10's lab: what CPU work does to an event loop, what async buys for a CPU-bound
//! batch (nothing), and what a blocking database on the loop costs a service.
//!
//! Run it with `cargo run --release -p ch10-when-not-solution --example ch10-lab`
//! (`-- --quick` for a short run that only prints). It prints three tables, writes them as
//! Markdown files into `book/src/ch10-when-not/`, and draws their charts there, all from
//! this one run.
//! Everything is bounded: under a minute on a 2-core machine, a few seconds with --quick.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::ops::ControlFlow;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use ch10_when_not::ex01_starvation::{in_slices, off_the_loop};
use ch10_when_not::ex03_sqlite::Store;
use ch10_when_not::ex04_cpu_pool::{on_rayon, on_tasks, on_threads, rayon_from_async, work};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt};

/// How big a run is: the full one for the book, or `--quick`.
struct Size {
    /// Runs of each measurement; the tables show min–median–max over them.
    runs: usize,
    /// The CPU batch: how many items, each `work(ITEM)`.
    items: usize,
    /// How long each service variant is loaded.
    load_for: Duration,
}

/// The size of one item of the batch (see `work`): a few milliseconds of CPU.
const ITEM: u64 = 20;
/// The heartbeat's period.
const PERIOD: Duration = Duration::from_millis(1);

fn main() {
    let quick = std::env::args().any(|arg| arg == "--quick");
    let size = if quick {
        Size {
            runs: 2,
            items: 16,
            load_for: Duration::from_millis(300),
        }
    } else {
        Size {
            runs: 5,
            items: 64,
            load_for: Duration::from_secs(2),
        }
    };
    let cpus = thread::available_parallelism().map_or(1, |n| n.get());
    let command = format!(
        "cargo run --release -p ch10-when-not-solution --example ch10-lab{}",
        if quick { " -- --quick" } else { "" }
    );
    println!(
        "Chapter 10 lab ({cpus} CPUs, {} runs each){}",
        size.runs,
        if quick { ", quick" } else { "" }
    );
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../book/src/ch10-when-not");

    // 1. Heartbeat latency while a CPU batch runs.
    let modes = [
        "on the loop",
        "in slices (yield_now)",
        "spawn_blocking",
        "rayon + oneshot",
    ];
    let mut lateness: Vec<[Vec<f64>; 3]> = vec![Default::default(); modes.len()];
    for _ in 0..size.runs {
        for (m, mode) in modes.iter().enumerate() {
            let late = heartbeat_during_batch(mode, size.items);
            let [p50, p99, max] = &mut lateness[m];
            p50.push(percentile(&late, 0.50));
            p99.push(percentile(&late, 0.99));
            max.push(percentile(&late, 1.0));
        }
    }
    let mut table = String::from(
        "| where the CPU batch runs | heartbeat lateness p50 | p99 | max |\n|---|---:|---:|---:|\n",
    );
    for (m, mode) in modes.iter().enumerate() {
        let [p50, p99, max] = &lateness[m];
        writeln!(
            table,
            "| {mode} | {} | {} | {} |",
            range(p50, ms),
            range(p99, ms),
            range(max, ms)
        )
        .unwrap();
    }
    emit(
        &dir,
        quick,
        "heartbeat-table.md",
        &table,
        &command,
        size.runs,
    );

    // 2. Throughput of the CPU-bound batch.
    let ways = [
        "one thread, in order",
        "tokio tasks, current_thread runtime",
        "tokio tasks, 2 workers",
        "2 plain threads",
        "rayon, 2 threads",
    ];
    let mut rates: Vec<Vec<f64>> = vec![Vec::new(); ways.len()];
    for _ in 0..size.runs {
        for (w, way) in ways.iter().enumerate() {
            rates[w].push(batch_rate(way, size.items));
        }
    }
    let mut table = String::from("| the same CPU batch on | items per second |\n|---|---:|\n");
    for (w, way) in ways.iter().enumerate() {
        writeln!(table, "| {way} | {} |", range(&rates[w], per_second)).unwrap();
    }
    emit(&dir, quick, "batch-table.md", &table, &command, size.runs);

    // 3. The SQLite-backed service under a bounded loopback load.
    let variants = ["database on the loop", "database on its own thread"];
    let mut pings: Vec<Vec<f64>> = vec![Vec::new(); 2];
    let mut scans: Vec<Vec<f64>> = vec![Vec::new(); 2];
    for _ in 0..size.runs {
        for (v, variant) in variants.iter().enumerate() {
            let (p, s) = service_rates(v == 1, size.load_for);
            println!("  {variant}: {p:.0} pings/s, {s:.0} scans/s");
            pings[v].push(p);
            scans[v].push(s);
        }
    }
    let mut table = String::from(
        "| service | PING answered per second | SCAN answered per second |\n|---|---:|---:|\n",
    );
    for (v, variant) in variants.iter().enumerate() {
        writeln!(
            table,
            "| {variant} | {} | {} |",
            range(&pings[v], per_second),
            range(&scans[v], per_second)
        )
        .unwrap();
    }
    emit(&dir, quick, "service-table.md", &table, &command, size.runs);
}

// ---------------------------------------------------------------------------------------
// 1. Heartbeat

/// Runs the batch one way on a current-thread runtime, with a heartbeat on the same
/// loop, and returns how late each of the heartbeat's ticks was while the batch ran (ms).
fn heartbeat_during_batch(mode: &str, items: usize) -> Vec<f64> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let pool = Arc::new(
        rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap(),
    );
    runtime.block_on(async {
        let running = Arc::new(AtomicBool::new(false));
        let done = Arc::new(AtomicBool::new(false));
        let late = Arc::new(Mutex::new(Vec::new()));
        let beat = tokio::spawn({
            let (running, done, late) = (running.clone(), done.clone(), late.clone());
            async move {
                while !done.load(Ordering::SeqCst) {
                    let deadline = Instant::now() + PERIOD;
                    tokio::time::sleep_until(deadline.into()).await;
                    if running.load(Ordering::SeqCst) {
                        let lateness = Instant::now() - deadline;
                        late.lock().unwrap().push(lateness.as_secs_f64() * 1e3);
                    }
                }
            }
        });
        // A few beats first, so that the heartbeat is going when the batch starts.
        tokio::time::sleep(Duration::from_millis(5)).await;
        let batch: Vec<u64> = vec![ITEM; items];
        running.store(true, Ordering::SeqCst);
        let total: u64 = match mode {
            "on the loop" => tokio::spawn(async move { batch.iter().map(|&i| work(i)).sum() })
                .await
                .unwrap(),
            "in slices (yield_now)" => {
                let mut next = 0;
                let mut total = 0;
                in_slices(move || {
                    total += work(batch[next]);
                    next += 1;
                    if next == batch.len() {
                        ControlFlow::Break(total)
                    } else {
                        ControlFlow::Continue(())
                    }
                })
                .await
            }
            "spawn_blocking" => off_the_loop(move || batch.iter().map(|&i| work(i)).sum()).await,
            _ => rayon_from_async(pool, batch, work).await.iter().sum(),
        };
        std::hint::black_box(total);
        // One more beat after the batch, so that a loop blocked all along still shows
        // how late its first beat came.
        tokio::time::sleep(PERIOD * 2).await;
        running.store(false, Ordering::SeqCst);
        done.store(true, Ordering::SeqCst);
        beat.await.unwrap();
        let late = late.lock().unwrap().clone();
        late
    })
}

fn percentile(samples: &[f64], q: f64) -> f64 {
    if samples.is_empty() {
        return f64::NAN;
    }
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

// ---------------------------------------------------------------------------------------
// 2. Batch throughput

/// Runs the batch one way and returns items per second.
fn batch_rate(way: &str, items: usize) -> f64 {
    let batch: Vec<u64> = vec![ITEM; items];
    let started = Instant::now();
    let answers = match way {
        "one thread, in order" => batch.iter().map(|&i| work(i)).collect(),
        "tokio tasks, current_thread runtime" => tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(on_tasks(batch, work)),
        "tokio tasks, 2 workers" => tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap()
            .block_on(on_tasks(batch, work)),
        "2 plain threads" => on_threads(batch, 2, work),
        _ => on_rayon(
            &rayon::ThreadPoolBuilder::new()
                .num_threads(2)
                .build()
                .unwrap(),
            batch,
            work,
        ),
    };
    let elapsed = started.elapsed();
    assert_eq!(answers.len(), items);
    items as f64 / elapsed.as_secs_f64()
}

// ---------------------------------------------------------------------------------------
// 3. The service

/// Rows in the service's table: enough that a SCAN takes a few milliseconds.
const ROWS: usize = 20_000;
/// Clients that send PING (no database) and clients that send SCAN (a table scan).
const PINGERS: usize = 4;
const SCANNERS: usize = 2;

/// Serves PING and SCAN on 127.0.0.1 with the database either on the event loop (a
/// connection behind a mutex, queried inside the task) or on its own thread (`Store`),
/// loads it for `load_for` with a bounded client, and returns (pings/s, scans/s).
fn service_rates(own_thread: bool, load_for: Duration) -> (f64, f64) {
    let path = std::env::temp_dir().join(format!("ch10-lab-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    {
        let mut db = rusqlite::Connection::open(&path).unwrap();
        db.execute(
            "CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
            (),
        )
        .unwrap();
        let tx = db.transaction().unwrap();
        for n in 0..ROWS {
            tx.execute(
                "INSERT INTO kv VALUES (?1, ?2)",
                (format!("key {n}"), format!("value {}", n * 7919)),
            )
            .unwrap();
        }
        tx.commit().unwrap();
    }
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    let stop = Arc::new(AtomicBool::new(false));
    let server = thread::spawn({
        let (path, stop) = (path.clone(), stop.clone());
        move || serve(&path, own_thread, addr_tx, stop)
    });
    let addr: SocketAddr = addr_rx.recv().unwrap();
    let pings = Arc::new(AtomicU64::new(0));
    let scans = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + load_for;
    let clients: Vec<_> = (0..PINGERS + SCANNERS)
        .map(|c| {
            let counter = if c < PINGERS {
                pings.clone()
            } else {
                scans.clone()
            };
            let request: &'static [u8] = if c < PINGERS { b"PING\n" } else { b"SCAN\n" };
            thread::spawn(move || client(addr, request, deadline, &counter))
        })
        .collect();
    for c in clients {
        c.join().unwrap();
    }
    stop.store(true, Ordering::SeqCst);
    // Wake the accept loop so that it sees `stop`.
    let _ = TcpStream::connect(addr);
    server.join().unwrap();
    let _ = std::fs::remove_file(&path);
    let secs = load_for.as_secs_f64();
    (
        pings.load(Ordering::SeqCst) as f64 / secs,
        scans.load(Ordering::SeqCst) as f64 / secs,
    )
}

/// The bounded client: one connection, one request at a time, until the deadline.
fn client(addr: SocketAddr, request: &[u8], deadline: Instant, answered: &AtomicU64) {
    let stream = TcpStream::connect(addr).unwrap();
    stream.set_nodelay(true).unwrap();
    // A give-up limit, so that a stuck server cannot hang the lab.
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    while Instant::now() < deadline {
        writer.write_all(request).unwrap();
        line.clear();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            break;
        }
        if Instant::now() <= deadline {
            answered.fetch_add(1, Ordering::SeqCst);
        }
    }
}

/// The SQL of a SCAN: touches every row.
const SCAN: &str = "SELECT count(*) FROM kv WHERE value LIKE '%77%'";

/// The service, on a current-thread runtime: one task per connection.
fn serve(
    path: &Path,
    own_thread: bool,
    addr_tx: std::sync::mpsc::Sender<SocketAddr>,
    stop: Arc<AtomicBool>,
) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        addr_tx.send(listener.local_addr().unwrap()).unwrap();
        // The wrong way: a blocking connection used right inside the tasks.
        let on_loop = Arc::new(Mutex::new(rusqlite::Connection::open(path).unwrap()));
        // The right way: the database on its own thread.
        let store = Arc::new(Store::open(path).unwrap());
        let mut tasks = Vec::new();
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            if stop.load(Ordering::SeqCst) {
                break;
            }
            let (on_loop, store) = (on_loop.clone(), store.clone());
            tasks.push(tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = tokio::io::BufReader::new(read).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    let answer = match line.trim() {
                        "PING" => "PONG".to_string(),
                        "SCAN" if own_thread => store
                            .call(|db| db.query_row(SCAN, (), |row| row.get::<_, i64>(0)))
                            .await
                            .unwrap()
                            .to_string(),
                        "SCAN" => {
                            let db = on_loop.lock().unwrap();
                            db.query_row(SCAN, (), |row| row.get::<_, i64>(0))
                                .unwrap()
                                .to_string()
                        }
                        _ => "ERR unknown request".to_string(),
                    };
                    if write
                        .write_all(format!("{answer}\n").as_bytes())
                        .await
                        .is_err()
                    {
                        break;
                    }
                }
            }));
        }
        for task in tasks {
            let _ = task.await;
        }
        if let Ok(store) = Arc::try_unwrap(store) {
            store.shutdown().await.unwrap();
        }
    });
}

// ---------------------------------------------------------------------------------------
// Output

/// "min–median–max" of `values`, each formatted by `format`; one value if they agree.
fn range(values: &[f64], format: fn(f64) -> String) -> String {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let (lo, mid, hi) = (
        sorted[0],
        sorted[sorted.len() / 2],
        sorted[sorted.len() - 1],
    );
    let (lo, mid, hi) = (format(lo), format(mid), format(hi));
    if lo == hi {
        lo
    } else {
        format!("{lo}–{mid}–{hi}")
    }
}

fn ms(value: f64) -> String {
    if value < 10.0 {
        format!("{value:.2} ms")
    } else {
        format!("{value:.0} ms")
    }
}

fn per_second(value: f64) -> String {
    if value >= 1000.0 {
        format!("{:.1}k", value / 1000.0)
    } else {
        format!("{value:.0}")
    }
}

/// Prints a table and writes it, with the command that made it, next to the pages. A
/// quick run only prints: the book keeps the figures of a full run.
fn emit(dir: &Path, quick: bool, name: &str, table: &str, command: &str, runs: usize) {
    println!();
    println!("{table}");
    if quick {
        return;
    }
    let text = format!("{table}\nmin–median–max over {runs} runs of `{command}`.\n");
    let path = dir.join(name);
    match std::fs::write(&path, text) {
        Ok(()) => println!("wrote {}", path.display()),
        Err(e) => eprintln!("could not write {}: {e}", path.display()),
    }
}
