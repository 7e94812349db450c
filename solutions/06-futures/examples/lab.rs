//! Chapter 06's lab: what a task costs (spawn, wake and poll) and what a suspended task
//! weighs, for this chapter's executor, tokio, smol, futures, green and OS threads.
//!
//! Run it with `cargo run --release -p ch06-futures-solution --example ch06-lab`
//! (`-- --quick` for a short smoke run that writes its figures to a temporary folder). It
//! prints its tables and writes `task-cost.md`, `task-cost.svg`, `task-weight.md`,
//! `task-weight.svg` and `future-sizes.md` into `book/src/ch06-futures/`.

use std::collections::VecDeque;
use std::future::Future;
use std::hint::black_box;
use std::mem::size_of;
use std::pin::Pin;
use std::sync::{Arc, Barrier, Mutex};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::Instant;

use ch06_futures::ex01_generator::Averager;
use ch06_futures::ex02_delay::Delay;
use ch06_futures::ex04_combinators::{Join, Select};
use ch06_futures::ex05_executor::{Executor, JoinHandle};
use ch06_futures::ex06_channel::{OneshotReceiver, RecvFuture};
use support::chart::{BarChart, Figures, Samples, Table, Unit};

/// The sizes of one run: tasks spawned per measurement, yields per task, tasks kept
/// pending for the memory rows, rounds (each round measures every row once, interleaved,
/// so that a busy neighbour slows all rows of a round rather than one row).
struct Sizes {
    spawns: usize,
    yielders: usize,
    yields: usize,
    pending: usize,
    green: usize,
    os_threads: usize,
    rounds: usize,
}

const FULL: Sizes = Sizes {
    spawns: 100_000,
    yielders: 1_000,
    yields: 100,
    pending: 100_000,
    green: 10_000,
    os_threads: 1_000,
    rounds: 15,
};

const QUICK: Sizes = Sizes {
    spawns: 20_000,
    yielders: 100,
    yields: 100,
    pending: 10_000,
    green: 1_000,
    os_threads: 100,
    rounds: 3,
};

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let sizes = if quick { QUICK } else { FULL };
    // A memory row runs in a child process of its own (this program, with `--weigh N`):
    // in one process, memory freed by one row would be reused by the next, unseen by RSS.
    if let Some(row) = std::env::args().skip_while(|a| a != "--weigh").nth(1) {
        let (_, count, per) = weights(&sizes, row.parse().expect("a row number"));
        println!("{count} {per}");
        return;
    }
    let figures = if quick {
        Figures::in_dir(std::env::temp_dir().join("ch06-lab-quick"))
    } else {
        Figures::for_chapter(env!("CARGO_MANIFEST_DIR"), "ch06-futures")
    };
    println!(
        "Chapter 06 lab: {} CPUs, {} rounds",
        thread::available_parallelism().map_or(0, |n| n.get()),
        sizes.rounds
    );

    // What a task costs.
    let rows = costs(&sizes);
    let mut table = Table::new([
        "executor",
        "spawn and complete, per task",
        "wake and poll, per wake",
    ]);
    let mut chart = BarChart::new("Per task: spawn + complete (median, min–max)", Unit::Nanos);
    let mut wake_chart = BarChart::new("Per wake: wake + poll (median, min–max)", Unit::Nanos);
    for row in &rows {
        table = table.row([
            row.name.to_string(),
            Unit::Nanos.range(&row.spawn),
            Unit::Nanos.range(&row.wake),
        ]);
        chart = chart.bar(row.name, row.spawn);
        wake_chart = wake_chart.bar(row.name, row.wake);
    }
    let table = table.to_markdown();
    println!("\n{table}");
    let course = &rows[0];
    let tokio = &rows[1];
    let (spawn_best, wake_best) = (
        course.spawn.min / tokio.spawn.min,
        course.wake.min / tokio.wake.min,
    );
    let (spawn_median, wake_median) = (
        course.spawn.median / tokio.spawn.median,
        course.wake.median / tokio.wake.median,
    );
    let summary = format!(
        "Against tokio in this run: the course's spawn and complete took {spawn_best:.2}× \
         tokio's (best rounds) and {spawn_median:.2}× (medians); its wake and poll \
         {wake_best:.2}× (best rounds) and {wake_median:.2}× (medians).\n"
    );
    println!("{summary}");
    figures
        .write("task-cost.md", &format!("{table}\n{summary}"))
        .expect("write the table");
    figures
        .write("task-cost.svg", &chart.to_svg())
        .expect("write the chart");
    figures
        .write("task-wake.svg", &wake_chart.to_svg())
        .expect("write the chart");

    // What a suspended task weighs.
    let sizes_table = Table::new(["future or state machine", "size_of"])
        .row(["`Averager` (06.1)".into(), bytes(size_of::<Averager>())])
        .row(["`Delay` (06.2)".into(), bytes(size_of::<Delay>())])
        .row([
            "`Join<Delay, Delay>` (06.4)".into(),
            bytes(size_of::<Join<Delay, Delay>>()),
        ])
        .row([
            "`Select<Delay, Delay>` (06.4)".into(),
            bytes(size_of::<Select<Delay, Delay>>()),
        ])
        .row([
            "`JoinHandle<u64>` (06.5)".into(),
            bytes(size_of::<JoinHandle<u64>>()),
        ])
        .row([
            "`OneshotReceiver<u64>` (06.6)".into(),
            bytes(size_of::<OneshotReceiver<u64>>()),
        ])
        .row([
            "`RecvFuture<u64>` (06.6)".into(),
            bytes(size_of::<RecvFuture<'static, u64>>()),
        ])
        .row([
            "the lab's pending task body (`async` block awaiting a oneshot)".into(),
            bytes(std::mem::size_of_val(&pending_body(
                ch06_futures::ex06_channel::oneshot::<u64>().1,
            ))),
        ])
        .to_markdown();
    println!("{sizes_table}");
    figures
        .write("future-sizes.md", &sizes_table)
        .expect("write the table");

    let weights: Vec<_> = (0..WEIGHT_ROWS.len())
        .map(|row| {
            let mut child = std::process::Command::new(std::env::current_exe().unwrap());
            child.arg("--weigh").arg(row.to_string());
            if quick {
                child.arg("--quick");
            }
            let out = child.output().expect("run a memory row in a child process");
            let text = String::from_utf8_lossy(&out.stdout);
            let mut words = text.split_whitespace();
            let count: usize = words.next().and_then(|w| w.parse().ok()).unwrap_or(0);
            let per: f64 = words
                .next()
                .and_then(|w| w.parse().ok())
                .unwrap_or(f64::NAN);
            (WEIGHT_ROWS[row], count, per)
        })
        .collect();
    let mut table = Table::new(["what", "how many", "RSS per task or thread"]);
    let mut chart = BarChart::new("Memory per suspended task (RSS)", Unit::Bytes).log_scale();
    for (name, count, per) in &weights {
        table = table.row([
            name.to_string(),
            count.to_string(),
            Unit::Bytes.format(*per),
        ]);
        chart = chart.bar(*name, Samples::one(*per));
    }
    let table = table.to_markdown();
    println!("{table}");
    figures
        .write("task-weight.md", &table)
        .expect("write the table");
    figures
        .write("task-weight.svg", &chart.to_svg())
        .expect("write the chart");
}

fn bytes(n: usize) -> String {
    format!("{n} B")
}

/// One row of the cost table: samples in ns, one per round.
struct Cost {
    name: &'static str,
    spawn: Samples,
    wake: Samples,
}

type Measure = fn(&Sizes) -> f64;

fn costs(sizes: &Sizes) -> Vec<Cost> {
    let rows: [(&'static str, Measure, Measure); 5] = [
        ("this chapter's executor", course_spawn, course_wake),
        ("tokio current_thread", tokio_spawn, tokio_wake),
        ("smol LocalExecutor", smol_spawn, smol_wake),
        ("futures LocalPool", pool_spawn, pool_wake),
        ("least an executor can do", least_spawn, least_wake),
    ];
    let mut runs = vec![(Vec::new(), Vec::new()); rows.len()];
    for round in 0..sizes.rounds {
        for (i, (_, spawn, wake)) in rows.iter().enumerate() {
            let s = spawn(sizes);
            let w = wake(sizes);
            // The first round warms caches and the allocator; it is not kept.
            if round > 0 || sizes.rounds == 1 {
                runs[i].0.push(s);
                runs[i].1.push(w);
            }
        }
    }
    rows.iter()
        .zip(runs)
        .map(|((name, _, _), (s, w))| Cost {
            name,
            spawn: Samples::of(&s),
            wake: Samples::of(&w),
        })
        .collect()
}

/// The same yield for every executor: wake yourself, return `Pending` once.
struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

async fn yielder(n: usize) {
    for _ in 0..n {
        YieldOnce(false).await;
    }
}

fn per(start: Instant, count: usize) -> f64 {
    start.elapsed().as_nanos() as f64 / count as f64
}

/// Tasks are spawned in batches of this many, each batch run to the end before the next:
/// the memory of one batch is reused by the next, so the figures measure the executors,
/// not the kernel handing out fresh pages.
const BATCH: usize = 1_000;

fn course_spawn(s: &Sizes) -> f64 {
    let executor = Executor::new();
    let mut cx = Context::from_waker(Waker::noop());
    let start = Instant::now();
    for _ in 0..s.spawns / BATCH {
        let handles: Vec<_> = (0..BATCH)
            .map(|i| executor.spawn(async move { i }))
            .collect();
        executor.run();
        for mut handle in handles {
            black_box(Pin::new(&mut handle).poll(&mut cx).is_ready());
        }
    }
    per(start, s.spawns)
}

fn course_wake(s: &Sizes) -> f64 {
    let executor = Executor::new();
    for _ in 0..s.yielders {
        executor.spawn(yielder(s.yields));
    }
    let start = Instant::now();
    executor.run();
    per(start, s.yielders * s.yields)
}

fn tokio_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a tokio runtime")
}

fn tokio_spawn(s: &Sizes) -> f64 {
    let rt = tokio_runtime();
    let n = s.spawns;
    rt.block_on(async move {
        let start = Instant::now();
        for _ in 0..n / BATCH {
            let handles: Vec<_> = (0..BATCH).map(|i| tokio::spawn(async move { i })).collect();
            for handle in handles {
                black_box(handle.await.unwrap());
            }
        }
        per(start, n)
    })
}

fn tokio_wake(s: &Sizes) -> f64 {
    let rt = tokio_runtime();
    let (tasks, yields) = (s.yielders, s.yields);
    rt.block_on(async move {
        let handles: Vec<_> = (0..tasks).map(|_| tokio::spawn(yielder(yields))).collect();
        // Timed from inside, once they are all spawned.
        let start = Instant::now();
        for handle in handles {
            handle.await.unwrap();
        }
        per(start, tasks * yields)
    })
}

fn smol_spawn(s: &Sizes) -> f64 {
    let ex = smol::LocalExecutor::new();
    let start = Instant::now();
    smol::block_on(ex.run(async {
        for _ in 0..s.spawns / BATCH {
            let handles: Vec<_> = (0..BATCH).map(|i| ex.spawn(async move { i })).collect();
            for handle in handles {
                black_box(handle.await);
            }
        }
    }));
    per(start, s.spawns)
}

fn smol_wake(s: &Sizes) -> f64 {
    let ex = smol::LocalExecutor::new();
    let handles: Vec<_> = (0..s.yielders)
        .map(|_| ex.spawn(yielder(s.yields)))
        .collect();
    let start = Instant::now();
    smol::block_on(ex.run(async {
        for handle in handles {
            handle.await;
        }
    }));
    per(start, s.yielders * s.yields)
}

fn pool_spawn(s: &Sizes) -> f64 {
    use futures::task::LocalSpawnExt;
    let mut pool = futures::executor::LocalPool::new();
    let spawner = pool.spawner();
    let start = Instant::now();
    for _ in 0..s.spawns / BATCH {
        let handles: Vec<_> = (0..BATCH)
            .map(|i| spawner.spawn_local_with_handle(async move { i }).unwrap())
            .collect();
        pool.run_until(async {
            for handle in handles {
                black_box(handle.await);
            }
        });
    }
    per(start, s.spawns)
}

fn pool_wake(s: &Sizes) -> f64 {
    use futures::task::LocalSpawnExt;
    let mut pool = futures::executor::LocalPool::new();
    let spawner = pool.spawner();
    for _ in 0..s.yielders {
        spawner.spawn_local(yielder(s.yields)).unwrap();
    }
    let start = Instant::now();
    pool.run();
    per(start, s.yielders * s.yields)
}

/// The least an executor can do to spawn and complete a task: box the future, poll it
/// once (with a waker that does nothing), free it. No queue, no handle, no wake.
fn least_spawn(s: &Sizes) -> f64 {
    let mut cx = Context::from_waker(Waker::noop());
    let mut tasks: Vec<Pin<Box<dyn Future<Output = usize>>>> = Vec::with_capacity(BATCH);
    let start = Instant::now();
    for _ in 0..s.spawns / BATCH {
        for i in 0..BATCH {
            tasks.push(Box::pin(async move { i }));
        }
        for mut task in tasks.drain(..) {
            black_box(task.as_mut().poll(&mut cx).is_ready());
        }
    }
    per(start, s.spawns)
}

/// The least an executor can do per wake: a queue of boxed tasks polled in turn with a
/// waker that does nothing. No wakers to build or call, no lock, no reference counts.
fn least_wake(s: &Sizes) -> f64 {
    let mut queue: VecDeque<Pin<Box<dyn Future<Output = ()>>>> = (0..s.yielders)
        .map(|_| Box::pin(yielder(s.yields)) as _)
        .collect();
    let mut cx = Context::from_waker(Waker::noop());
    let start = Instant::now();
    while let Some(mut task) = queue.pop_front() {
        if task.as_mut().poll(&mut cx).is_pending() {
            queue.push_back(task);
        }
    }
    per(start, s.yielders * s.yields)
}

/// A task that stays pending: it waits for a message that comes only at the end.
async fn pending_body(rx: ch06_futures::ex06_channel::OneshotReceiver<u64>) -> u64 {
    rx.await.unwrap_or(0)
}

/// RSS of this process, in bytes (from /proc/self/status).
fn rss() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<f64>().ok())
        .map_or(f64::NAN, |kib| kib * 1024.0)
}

const WEIGHT_ROWS: [&str; 5] = [
    "this chapter's executor",
    "tokio current_thread",
    "smol LocalExecutor",
    "chapter 05's green threads",
    "OS threads",
];

/// Memory row `row` of [`WEIGHT_ROWS`]: (name, how many, RSS bytes per task or thread).
fn weights(s: &Sizes, row: usize) -> (&'static str, usize, f64) {
    let n = s.pending;
    let mut rows = Vec::new();
    if row >= WEIGHT_ROWS.len() {
        return ("", 0, 0.0);
    }

    // This chapter's executor: n tasks, each polled once and left pending.
    if row == 0 {
        let before = rss();
        let executor = Executor::new();
        let mut senders = Vec::with_capacity(n);
        let mut handles = Vec::with_capacity(n);
        for _ in 0..n {
            let (tx, rx) = ch06_futures::ex06_channel::oneshot();
            senders.push(tx);
            handles.push(executor.spawn(pending_body(rx)));
        }
        assert_eq!(executor.run(), n);
        let during = rss();
        drop(senders);
        assert_eq!(executor.run(), 0);
        rows.push(("this chapter's executor", n, (during - before) / n as f64));
    }

    // tokio current_thread, the same tasks.
    if row == 1 {
        let rt = tokio_runtime();
        let before = rss();
        let during = rt.block_on(async {
            let mut senders = Vec::with_capacity(n);
            let mut handles = Vec::with_capacity(n);
            for _ in 0..n {
                let (tx, rx) = ch06_futures::ex06_channel::oneshot();
                senders.push(tx);
                handles.push(tokio::spawn(pending_body(rx)));
            }
            tokio::task::yield_now().await; // let every task run to its await
            let during = rss();
            drop(senders);
            for handle in handles {
                handle.await.unwrap();
            }
            during
        });
        rows.push(("tokio current_thread", n, (during - before) / n as f64));
    }

    // smol LocalExecutor.
    if row == 2 {
        let ex = smol::LocalExecutor::new();
        let before = rss();
        let mut senders = Vec::with_capacity(n);
        let mut handles = Vec::with_capacity(n);
        for _ in 0..n {
            let (tx, rx) = ch06_futures::ex06_channel::oneshot();
            senders.push(tx);
            handles.push(ex.spawn(pending_body(rx)));
        }
        while ex.try_tick() {}
        let during = rss();
        drop(senders);
        smol::block_on(ex.run(async {
            for handle in handles {
                handle.await;
            }
        }));
        rows.push(("smol LocalExecutor", n, (during - before) / n as f64));
    }

    // Chapter 05's green threads (1 MiB stacks reserved, touched as needed).
    if row == 3 {
        let count = s.green;
        let touched = ch05_solution::ex02_scheduler::run(move || {
            let before = rss();
            let handles: Vec<_> = (0..count)
                .map(|_| {
                    ch05_solution::ex02_scheduler::spawn(|| {
                        ch05_solution::ex02_scheduler::yield_now();
                    })
                })
                .collect();
            ch05_solution::ex02_scheduler::yield_now();
            let during = rss();
            for handle in handles {
                handle.join().unwrap();
            }
            during - before
        });
        rows.push(("chapter 05's green threads", count, touched / count as f64));
    }

    // OS threads, each blocked at a barrier.
    if row == 4 {
        let count = s.os_threads;
        let before = rss();
        let started = Arc::new(Barrier::new(count + 1));
        let release = Arc::new(Barrier::new(count + 1));
        let during = Arc::new(Mutex::new(0.0));
        let handles: Vec<_> = (0..count)
            .map(|_| {
                let (started, release) = (Arc::clone(&started), Arc::clone(&release));
                thread::spawn(move || {
                    started.wait();
                    release.wait();
                })
            })
            .collect();
        started.wait();
        *during.lock().unwrap() = rss();
        release.wait();
        for handle in handles {
            handle.join().unwrap();
        }
        let during = *during.lock().unwrap();
        rows.push(("OS threads", count, (during - before) / count as f64));
    }
    rows.pop().expect("the row asked for")
}
