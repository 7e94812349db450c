//! Chapter 10's lab: what CPU work does to an event loop, what async buys for a CPU-bound
//! batch (nothing), and what a blocking database on the loop costs a service.
//!
//! Run it with `cargo run --release -p ch10-when-not-solution --example ch10-lab`
//! (`-- --quick` for a short run that only prints). It prints four tables, writes them as
//! Markdown files into `book/src/ch10-when-not/`, and draws their charts there, all from
//! this one run.
//! Everything is bounded: about two minutes on a 2-core machine (most of it six clean
//! builds of the small tool of 10.5), a few seconds with --quick.

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
use support::chart::{BarChart, Figures, Samples, Table, Unit};
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
    println!(
        "Chapter 10 lab ({cpus} CPUs, {} runs of each measurement)",
        size.runs
    );
    // A quick run must not overwrite the book's figures, which come from a full run.
    let figures = if quick {
        Figures::in_dir(std::env::temp_dir().join("ch10-lab-quick"))
    } else {
        Figures::for_chapter(env!("CARGO_MANIFEST_DIR"), "ch10-when-not")
    };
    let note = format!("{cpus} CPUs, {} runs", size.runs);

    // 1. Heartbeat lateness while a CPU batch runs, four ways.
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
    let mut table = Table::new([
        "where the CPU batch runs",
        "heartbeat late by, p50",
        "p99",
        "max",
    ]);
    let mut chart = BarChart::new(
        "Heartbeat late by, worst tick (log scale; shorter is better)",
        Unit::Nanos,
    )
    .log_scale()
    .note(note.clone());
    for (m, mode) in modes.iter().enumerate() {
        let [p50, p99, max] = &lateness[m];
        let [p50, p99, max] = [p50, p99, max].map(|v| Samples::of(v));
        table.push(vec![
            mode.to_string(),
            Unit::Nanos.range(&p50),
            Unit::Nanos.range(&p99),
            Unit::Nanos.range(&max),
        ]);
        chart = if m == 0 {
            chart.highlighted_bar(*mode, max)
        } else {
            chart.bar(*mode, max)
        };
    }
    emit(&figures, "heartbeat", &table, &chart);

    // 2. Throughput of the CPU-bound batch, five ways.
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
    let mut table = Table::new(["the same CPU batch on", "items per second"]);
    let mut chart = BarChart::new(
        "A CPU-bound batch: items per second (longer is better)",
        Unit::Count,
    )
    .note(note.clone());
    for (w, way) in ways.iter().enumerate() {
        let samples = Samples::of(&rates[w]);
        table.push(vec![way.to_string(), Unit::Count.range(&samples)]);
        chart = chart.bar(*way, samples);
    }
    emit(&figures, "batch", &table, &chart);

    // 3. The SQLite-backed service under a bounded loopback load.
    let variants = ["database on the loop", "database on its own thread"];
    let mut pings: Vec<Vec<f64>> = vec![Vec::new(); 2];
    let mut scans: Vec<Vec<f64>> = vec![Vec::new(); 2];
    for _ in 0..size.runs {
        for (v, variant) in variants.iter().enumerate() {
            let (p, s) = service_rates(v == 1, size.load_for);
            println!("  {variant}: {p:.0} PING/s, {s:.0} SCAN/s");
            pings[v].push(p);
            scans[v].push(s);
        }
    }
    let mut table = Table::new([
        "service",
        "PING answered per second",
        "SCAN answered per second",
    ]);
    let mut chart = BarChart::new("PING answered per second (longer is better)", Unit::Count).note(
        format!("{PINGERS} clients, each at most one PING per ms; {note}"),
    );
    for (v, variant) in variants.iter().enumerate() {
        let (p, s) = (Samples::of(&pings[v]), Samples::of(&scans[v]));
        table.push(vec![
            variant.to_string(),
            Unit::Count.range(&p),
            Unit::Count.range(&s),
        ]);
        chart = if v == 0 {
            chart.highlighted_bar(*variant, p)
        } else {
            chart.bar(*variant, p)
        };
    }
    emit(&figures, "service", &table, &chart);

    // 4. The small tool of exercise 10.5, written twice: lines, dependencies, build time.
    let builds = if quick { 0 } else { 3 };
    let versions = compare_versions(builds);
    let mut table = Table::new([
        "the line tool, written",
        "lines of code",
        "crates it builds",
        "clean build (debug)",
    ]);
    let mut chart = BarChart::new(
        "The line tool: clean debug build (shorter is better)",
        Unit::Nanos,
    )
    .note(format!("{cpus} CPUs, {builds} builds"));
    for version in &versions {
        let build = if version.builds.is_empty() {
            "not measured (--quick)".to_string()
        } else {
            Unit::Nanos.range(&Samples::of(&version.builds))
        };
        table.push(vec![
            version.name.to_string(),
            version.lines.to_string(),
            version.crates.to_string(),
            build,
        ]);
        if !version.builds.is_empty() {
            chart = chart.bar(version.name, Samples::of(&version.builds));
        }
    }
    emit(&figures, "tool", &table, &chart);
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
                        late.lock().unwrap().push(lateness.as_nanos() as f64);
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
        late.lock().unwrap().clone()
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
            let pace = (c < PINGERS).then_some(Duration::from_millis(1));
            thread::spawn(move || client(addr, request, pace, deadline, &counter))
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

/// The bounded client: one connection, one request at a time, until the deadline. With
/// a `pace`, it asks at most once per `pace` (a PING client: 1,000 a second), so that
/// the pings cannot eat the CPU that the scans need.
fn client(
    addr: SocketAddr,
    request: &[u8],
    pace: Option<Duration>,
    deadline: Instant,
    answered: &AtomicU64,
) {
    let stream = TcpStream::connect(addr).unwrap();
    stream.set_nodelay(true).unwrap();
    // A give-up limit, so that a stuck server cannot hang the lab.
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    let mut next = Instant::now();
    while Instant::now() < deadline {
        if let Some(pace) = pace {
            // The next slot; a late answer does not make the client catch up in a burst.
            next = (next + pace).max(Instant::now());
            thread::sleep(next.saturating_duration_since(Instant::now()));
        }
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
// 4. One tool, two ways

/// What one version of the tool costs.
struct Version {
    name: &'static str,
    /// Lines of code between the version's anchors in the solution, without blank lines
    /// and comments.
    lines: usize,
    /// Crates in its build, itself included (`cargo tree`).
    crates: usize,
    /// Clean debug builds of a crate holding only this version, in ns.
    builds: Vec<f64>,
}

/// Puts each version of the tool (cut from the solution at its anchors, with the shared
/// `answer`) into a crate of its own under `target/`, counts its lines and its crates,
/// and builds it from clean `builds` times, with its own target folder each time.
fn compare_versions(builds: usize) -> Vec<Version> {
    let source = include_str!("../src/ex05_few_clients.rs");
    let answer = between(source, "answer");
    let work = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/ch10-lab-tool");
    let lockfile = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Cargo.lock");
    let versions = [
        (
            "blocking threads (std only)",
            "blocking",
            "",
            "use std::io::{self, BufRead, BufReader, Write};\nuse std::net::TcpListener;\nuse std::thread;\n",
            "serve_blocking(listener, 1)",
        ),
        (
            "async (tokio: rt, net, io-util)",
            "async",
            r#"tokio = { version = "1.54", features = ["rt", "net", "io-util"] }"#,
            "use std::io;\nuse std::net::TcpListener;\n",
            "tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async { listener.set_nonblocking(true)?; serve_async(tokio::net::TcpListener::from_std(listener)?, 1).await })",
        ),
    ];
    let mut out = Vec::new();
    for (name, anchor, dependency, uses, call) in versions {
        let code = between(source, anchor);
        let lines = code
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with("//"))
            .count();
        let dir = work.join(anchor);
        std::fs::create_dir_all(dir.join("src")).unwrap();
        std::fs::write(
            dir.join("Cargo.toml"),
            format!("[package]\nname = \"tool-{anchor}\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[workspace]\n\n[dependencies]\n{dependency}\n"),
        )
        .unwrap();
        std::fs::write(
            dir.join("src/main.rs"),
            format!(
                "{uses}\n{answer}\n{code}\nfn main() -> io::Result<()> {{\n    let listener = TcpListener::bind(\"127.0.0.1:0\")?;\n    println!(\"{{}}\", listener.local_addr()?);\n    {call}\n}}\n"
            ),
        )
        .unwrap();
        // The course's lock file, so that both builds use the versions the course uses.
        let _ = std::fs::copy(&lockfile, dir.join("Cargo.lock"));
        let tree = std::process::Command::new(env!("CARGO"))
            .args(["tree", "--offline", "--prefix", "none", "-e", "normal"])
            .current_dir(&dir)
            .output()
            .expect("run cargo tree");
        let mut crates: Vec<String> = String::from_utf8_lossy(&tree.stdout)
            .lines()
            .map(|line| line.trim_end_matches(" (*)").to_string())
            .filter(|line| !line.is_empty())
            .collect();
        crates.sort();
        crates.dedup();
        let mut times = Vec::new();
        for _ in 0..builds {
            let target = dir.join("target");
            let _ = std::fs::remove_dir_all(&target);
            let started = Instant::now();
            let status = std::process::Command::new(env!("CARGO"))
                .args(["build", "--offline", "--quiet"])
                .env("CARGO_TARGET_DIR", &target)
                .current_dir(&dir)
                .status()
                .expect("run cargo build");
            assert!(
                status.success(),
                "the {anchor} version of the tool did not build"
            );
            times.push(started.elapsed().as_nanos() as f64);
        }
        out.push(Version {
            name,
            lines,
            crates: crates.len(),
            builds: times,
        });
    }
    out
}

/// The text between `// ANCHOR: name` and `// ANCHOR_END: name`.
fn between<'a>(source: &'a str, name: &str) -> &'a str {
    let start = source
        .find(&format!("// ANCHOR: {name}\n"))
        .expect("anchor")
        + format!("// ANCHOR: {name}\n").len();
    let end = source
        .find(&format!("// ANCHOR_END: {name}"))
        .expect("anchor end");
    &source[start..end]
}

// ---------------------------------------------------------------------------------------
// Output

/// Prints a table, and writes it as Markdown next to its chart: `NAME-table.md` (a
/// fragment the page includes) and `NAME.svg`, from the same samples.
fn emit(figures: &Figures, name: &str, table: &Table, chart: &BarChart) {
    let markdown = table.to_markdown();
    println!();
    println!("{markdown}");
    for (file, contents) in [
        (format!("{name}-table.md"), markdown),
        (format!("{name}.svg"), chart.to_svg()),
    ] {
        if let Err(e) = figures.write(&file, &contents) {
            eprintln!("could not write {file}: {e}");
        }
    }
}
