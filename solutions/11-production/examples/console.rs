//! Chapter 11: the metrics example's loop, watched live with tokio-console.
//!
//! tokio-console reads instrumentation that tokio compiles in only with its `tracing`
//! feature and the `tokio_unstable` cfg, so this example has a feature of its own and a
//! target directory of its own (so the course's other builds keep their tokio):
//!
//! ```console
//! $ RUSTFLAGS="--cfg tokio_unstable" CARGO_TARGET_DIR=target/console \
//!     cargo run --release -p ch11-production-solution --features console --example ch11-console
//! $ tokio-console            # in another terminal (cargo install tokio-console)
//! ```
//!
//! It serves on 127.0.0.1:6669 (console-subscriber's default) for `RUN_FOR`, then stops.

use std::time::{Duration, Instant};

/// How many well-behaved handler tasks run.
const HANDLERS: usize = 20;
/// How long the whole run lasts.
const RUN_FOR: Duration = Duration::from_secs(120);

/// A handler: wakes every millisecond and does a moment's work, until the run is over.
async fn handler(until: Instant) {
    let mut ticks = tokio::time::interval(Duration::from_millis(1));
    while Instant::now() < until {
        ticks.tick().await;
        std::hint::black_box((0..1_000u64).sum::<u64>());
    }
}

/// The report task: every 10 ms, computes for 5 ms without giving the thread back.
async fn report(until: Instant) {
    let mut ticks = tokio::time::interval(Duration::from_millis(10));
    while Instant::now() < until {
        ticks.tick().await;
        let start = Instant::now();
        while start.elapsed() < Duration::from_millis(5) {
            std::hint::black_box(start.elapsed());
        }
    }
}

fn main() {
    // Without `--cfg tokio_unstable`, this panics and says so.
    console_subscriber::init();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async {
        let until = Instant::now() + RUN_FOR;
        // tokio-console tells the tasks apart by where they were spawned: the handlers'
        // line, and the report task's.
        let mut tasks = Vec::new();
        for _ in 0..HANDLERS {
            tasks.push(tokio::spawn(handler(until)));
        }
        tasks.push(tokio::spawn(report(until)));
        for task in tasks {
            task.await.expect("no task panics");
        }
    });
}
