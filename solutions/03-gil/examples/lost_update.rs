//! The lost update of "Why CPython has a GIL": two threads increment one counter with a
//! separate load and store, as CPython's `ob_refcnt++` does, and increments get lost.
//!
//! Run it with `cargo run --release -p ch03-gil-solution --example ch03-lost-update`. It
//! tries five times and prints what each try counted.

use std::sync::Barrier;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;

fn main() {
    for _ in 0..5 {
        let counted = count_with_load_and_store();
        println!("2000000 increments, counted {counted}");
    }
}

// ANCHOR: experiment
/// Two threads, a million increments each, every increment a load then a store.
fn count_with_load_and_store() -> u64 {
    let refcount = AtomicU64::new(0);
    let start = Barrier::new(2); // so that both threads really run at the same time
    thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                start.wait();
                for _ in 0..1_000_000 {
                    // What `ob_refcnt++` does: read, add, write back. Another thread can
                    // write in between, and its write is then overwritten.
                    let seen = refcount.load(Ordering::Relaxed);
                    refcount.store(seen + 1, Ordering::Relaxed);
                }
            });
        }
    });
    refcount.load(Ordering::Relaxed)
}
// ANCHOR_END: experiment
