//! Tests for exercise 04.4: the process pool's `run` and `shutdown`.
//!
//! The workers are `ch04-worker` processes. Jobs are text: `pid`, `crash`,
//! `signal PATH`, `wait-for PATH`, or anything else (echoed). A `wait-for P` job can only
//! succeed while a `signal P` job runs in another worker: that is how these tests see
//! that jobs ran at the same time, without a stopwatch.

use ch04_processes::ex04_pool::{JobFailed, Pool};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use support::{timeout, timeout_after};

const WORKER: &str = env!("CARGO_BIN_EXE_ch04-worker");

fn pool(workers: usize) -> Pool {
    Pool::new(Path::new(WORKER), workers).expect("could not start the workers")
}

fn jobs(texts: &[&str]) -> Vec<Vec<u8>> {
    texts.iter().map(|t| t.as_bytes().to_vec()).collect()
}

/// The results as text, with failures as `FAILED`.
fn texts(results: &[Result<Vec<u8>, JobFailed>]) -> Vec<String> {
    results
        .iter()
        .map(|r| match r {
            Ok(answer) => String::from_utf8_lossy(answer).into_owned(),
            Err(_) => "FAILED".to_string(),
        })
        .collect()
}

/// A file path no other test uses, for `signal` and `wait-for` jobs. Removed on drop.
struct Signal(PathBuf);

impl Signal {
    fn new() -> Signal {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let path = std::env::temp_dir().join(format!("ch04-signal-{}-{n}", std::process::id()));
        let _ = std::fs::remove_file(&path);
        Signal(path)
    }
    fn wait_for(&self) -> String {
        format!("wait-for {}", self.0.display())
    }
    fn signal(&self) -> String {
        format!("signal {}", self.0.display())
    }
}

impl Drop for Signal {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Fails the test if process `pid` still exists (running, or a zombie nobody waited for).
/// Only Linux lets us look so simply (in `/proc`); elsewhere this checks nothing.
fn assert_gone(pid: u32, what: &str) {
    if let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        let state = stat.rsplit(')').next().unwrap_or("").trim_start();
        if state.starts_with('Z') {
            panic!(
                "{what} ({pid}) has exited but is a zombie: nobody waited for it. Every \
                 child must be waited for (`Child::wait`)."
            );
        }
        panic!("{what} ({pid}) is still running: it must be ended, then waited for");
    }
}

#[test]
fn every_job_is_answered_in_job_order() {
    let answers = timeout(|| {
        let mut pool = pool(3);
        let batch: Vec<String> = (0..12).map(|i| format!("job {i}")).collect();
        let refs: Vec<&str> = batch.iter().map(String::as_str).collect();
        texts(&pool.run(jobs(&refs)))
    });
    let expected: Vec<String> = (0..12).map(|i| format!("job {i}")).collect();
    assert_eq!(
        answers, expected,
        "every job must be answered once, and the results must be in the order of the jobs"
    );
}

#[test]
fn results_keep_the_job_order_when_a_later_job_finishes_first() {
    let answers = timeout(|| {
        let mut pool = pool(2);
        let go = Signal::new();
        // Job 0 waits for job 2. One worker is busy with job 0, so job 2 can only start
        // in the other, once it has answered job 1: job 1 always finishes before job 0.
        texts(&pool.run(jobs(&[&go.wait_for(), "first", &go.signal()])))
    });
    assert_eq!(
        answers,
        ["got it", "first", "signalled"],
        "job 1 finished before job 0 (which waited for job 2), but results must be in the \
         order of the jobs, not the order they finished in (and job 0 must not give up: \
         jobs run at the same time)"
    );
}

#[test]
fn a_free_worker_takes_the_next_job_while_another_is_busy() {
    let answers = timeout(|| {
        let mut pool = pool(2);
        let go = Signal::new();
        // Job 0 keeps its worker busy until job 2 has run, so the other worker must take
        // jobs 1 and 2. Had job 2 been handed in advance to the worker of job 0, it would
        // wait behind job 0, and job 0 would wait for it.
        texts(&pool.run(jobs(&[&go.wait_for(), "b", &go.signal(), "d", "e", "f"])))
    });
    assert!(
        !answers.iter().any(|a| a == "gave up"),
        "job 0 gave up waiting for job 2: were the jobs dealt out in advance, a fixed share \
         per worker? Then job 2 waited behind job 0 in the same worker. With one queue for \
         all, whichever worker is free takes the next job (answers: {answers:?})"
    );
    assert_eq!(answers, ["got it", "b", "signalled", "d", "e", "f"]);
}

#[test]
fn jobs_run_at_the_same_time_on_different_workers() {
    // A longer limit than usual: an answer that runs one job at a time gets here after
    // two `wait-for` jobs gave up, and should fail with the message below.
    let (answers, pids, workers) = timeout_after(Duration::from_secs(30), || {
        let mut pool = pool(3);
        let (a, b) = (Signal::new(), Signal::new());
        // Two jobs wait at once, each in its own worker; the third worker signals both.
        let batch = [a.wait_for(), b.wait_for(), a.signal(), b.signal()];
        let refs: Vec<&str> = batch.iter().map(String::as_str).collect();
        let answers = texts(&pool.run(jobs(&refs)));
        let pids = texts(&pool.run(jobs(&["pid"; 6])));
        (answers, pids, pool.worker_pids())
    });
    assert!(
        !answers.iter().any(|a| a == "gave up"),
        "a `wait-for` job gave up waiting for its signal: the jobs did not run at the same \
         time on different workers (answers: {answers:?})"
    );
    assert_eq!(answers, ["got it", "got it", "signalled", "signalled"]);
    for pid in &pids {
        assert!(
            workers.iter().any(|w| w.to_string() == *pid),
            "a `pid` job was answered by process {pid}, which is not one of the pool's \
             workers {workers:?}"
        );
    }
}

// ANCHOR: crash_test
#[test]
fn a_crashed_worker_fails_its_job_and_is_replaced() {
    let (before, results, after, again) = timeout(|| {
        let mut pool = pool(2);
        let before = pool.worker_pids();
        let results = pool.run(jobs(&["a", "b", "crash", "c", "d", "e"]));
        let after = pool.worker_pids();
        let again = texts(&pool.run(jobs(&["still", "working"])));
        (before, results, after, again)
    });
    let answers = texts(&results);
    assert_eq!(
        answers,
        ["a", "b", "FAILED", "c", "d", "e"],
        "the job that crashed its worker must fail, and every other job must still be \
         answered"
    );
    let reason = &results[2].as_ref().unwrap_err().reason;
    assert!(!reason.is_empty(), "a failed job must say why it failed");
    assert_eq!(
        after.len(),
        2,
        "the pool must keep its size: a dead worker is replaced (workers now: {after:?})"
    );
    let gone: Vec<u32> = before
        .iter()
        .copied()
        .filter(|p| !after.contains(p))
        .collect();
    assert_eq!(
        gone.len(),
        1,
        "exactly one worker (the one that crashed) should have been replaced: before \
         {before:?}, after {after:?}"
    );
    assert_gone(gone[0], "the crashed worker");
    assert_eq!(
        again,
        ["still", "working"],
        "the pool must keep working after a crash"
    );
}
// ANCHOR_END: crash_test

#[test]
fn a_job_that_crashed_its_worker_fails_without_being_tried_again() {
    let (answers, runs) = timeout(|| {
        let mut pool = pool(2);
        // `crash PATH` adds a line to PATH before its worker dies: one line per run.
        let note = Signal::new();
        let crash = format!("crash {}", note.0.display());
        let answers = texts(&pool.run(jobs(&["a", &crash, "b", "c"])));
        let runs = std::fs::read_to_string(&note.0)
            .unwrap_or_default()
            .lines()
            .count();
        (answers, runs)
    });
    assert_eq!(
        answers,
        ["a", "FAILED", "b", "c"],
        "the job that crashed its worker must fail, and the others be answered"
    );
    assert_eq!(
        runs, 1,
        "the job that crashed its worker ran {runs} times: it must be reported as failed, \
         not tried again on a fresh worker (a job that crashed one worker would likely \
         crash the next, and a job with side effects must not run twice)"
    );
}

#[test]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "reads the thread's state in /proc, which only Linux has"
)]
fn run_sleeps_while_it_waits_for_the_workers() {
    // One worker holds a `wait-for` job until the test signals. Meanwhile the feeder
    // threads wait in `ask` and `run` waits for its feeder threads: all of that must be
    // asleep. (Linux only: the test reads the thread's state in `/proc`; no clock.)
    if !support::sched::can_watch_threads() {
        return;
    }
    let answers = timeout(|| {
        let go = Signal::new();
        let batch = [go.wait_for(), "second".to_string()];
        let mut pool = pool(2);
        let caller = support::sched::spawn_watched("caller", move || {
            let refs: Vec<&str> = batch.iter().map(String::as_str).collect();
            texts(&pool.run(jobs(&refs)))
        });
        support::sched::assert_parks(
            caller.tid,
            "its workers' answers",
            "`run` waits for its feeder threads by joining them (the end of a \
             `thread::scope` joins them all), which sleeps until they have finished.",
        );
        std::fs::write(&go.0, b"").expect("the test could not signal its job");
        caller.thread.join().expect("run panicked")
    });
    assert_eq!(
        answers,
        ["got it", "second"],
        "the job that waited for the test's signal must get it (had it given up, the test \
         took too long to see that `run` sleeps)"
    );
}

#[test]
fn shutdown_closes_the_pipes_and_waits_for_every_worker() {
    let (pids, statuses) = timeout(|| {
        let mut pool = pool(3);
        let answers = texts(&pool.run(jobs(&["x", "y", "z", "w"])));
        assert_eq!(answers, ["x", "y", "z", "w"]);
        let pids = pool.worker_pids();
        let statuses = pool.shutdown().expect("shutdown failed");
        (pids, statuses)
    });
    assert_eq!(
        statuses.len(),
        3,
        "shutdown must return the exit status of each of the 3 workers"
    );
    for status in &statuses {
        assert!(
            status.success(),
            "a worker ended with {status}: closing its stdin ends it with 0; killing it \
             does not"
        );
    }
    for pid in pids {
        assert_gone(pid, "a worker");
    }
}

#[test]
fn a_pool_that_is_dropped_leaves_no_process_behind() {
    let pids = timeout(|| {
        let mut pool = pool(2);
        let answers = texts(&pool.run(jobs(&["pid", "pid", "pid"])));
        assert_eq!(answers.len(), 3);
        let pids = pool.worker_pids();
        drop(pool);
        pids
    });
    for pid in pids {
        assert_gone(pid, "a worker of a dropped pool");
    }
}

#[test]
fn an_empty_batch_gives_no_results() {
    let (results, statuses) = timeout(|| {
        let mut pool = pool(2);
        let results = pool.run(Vec::new());
        (results, pool.shutdown().expect("shutdown failed"))
    });
    assert!(results.is_empty(), "no jobs, yet results: {results:?}");
    assert_eq!(statuses.len(), 2);
}

#[test]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "reads the thread's state in /proc, which only Linux has"
)]
fn shutdown_sleeps_while_it_waits_for_a_worker_to_exit() {
    // The worker here is a child that, once its stdin is closed, waits for the test's word
    // before it exits. `shutdown` has closed the pipes and has nothing to do but wait, and
    // it must wait asleep: `Child::wait` parks the thread until the child has ended.
    // (Linux only: the test reads the thread's state in `/proc`; no clock.)
    if !support::sched::can_watch_threads() {
        return;
    }
    let statuses = timeout(|| {
        let child = support::child::LingeringChild::new("ch04-pool-shutdown", "bye");
        let pool = Pool::new(child.program(), 1).expect("could not start the worker");
        let caller = support::sched::spawn_watched("caller", move || pool.shutdown());
        let word = child.until_lingering(
            "the worker never saw its stdin close: does `shutdown` close every worker's pipe \
             before it waits?",
        );
        support::sched::assert_parks(
            caller.tid,
            "a worker to exit",
            "`Child::wait` sleeps until the child has ended.",
        );
        word.let_go();
        caller.thread.join().unwrap().expect("shutdown failed")
    });
    assert_eq!(statuses.len(), 1, "one worker, one exit status");
    assert!(statuses[0].success(), "status: {}", statuses[0]);
}
