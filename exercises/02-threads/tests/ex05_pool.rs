//! Tests for exercise 02.5: `ThreadPool`.

use ch02_threads::ex05_pool::ThreadPool;
use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread;
use std::time::Duration;
use support::{Rendezvous, timeout};

#[test]
fn the_workers_run_jobs_at_the_same_time() {
    let done = timeout(|| {
        let pool = ThreadPool::new(3);
        let meeting = Arc::new(Rendezvous::new(3));
        let done = Arc::new(AtomicUsize::new(0));
        for _ in 0..3 {
            let (meeting, done) = (Arc::clone(&meeting), Arc::clone(&done));
            pool.execute(move || {
                meeting.meet();
                done.fetch_add(1, Ordering::SeqCst);
            });
        }
        pool.shutdown();
        done.load(Ordering::SeqCst)
    });
    assert_eq!(
        done, 3,
        "3 jobs on 3 workers should all have met and finished"
    );
}

#[test]
fn execute_returns_before_the_job_has_run() {
    timeout(|| {
        let pool = ThreadPool::new(1);
        let (open, gate) = mpsc::channel::<()>();
        // This job cannot finish until the caller opens the gate, *after* `execute`
        // returned: a pool that runs jobs inside `execute` never gets there.
        pool.execute(move || {
            gate.recv().expect("the test should open the gate");
        });
        open.send(()).unwrap();
        pool.shutdown();
    });
}

#[test]
fn jobs_run_only_on_the_pool_s_fixed_workers() {
    let (caller, threads) = timeout(|| {
        let pool = ThreadPool::new(2);
        let threads = Arc::new(Mutex::new(HashSet::new()));
        for _ in 0..12 {
            let threads = Arc::clone(&threads);
            pool.execute(move || {
                threads.lock().unwrap().insert(thread::current().id());
            });
        }
        pool.shutdown();
        let threads = threads.lock().unwrap().clone();
        (thread::current().id(), threads)
    });
    assert!(
        !threads.contains(&caller),
        "a job ran on the thread that called `execute`"
    );
    assert!(
        !threads.is_empty() && threads.len() <= 2,
        "12 jobs on a pool of 2 ran on {} different threads: the pool must reuse its \
         workers, not start a thread per job",
        threads.len()
    );
}

#[test]
fn shutdown_finishes_every_queued_job_first() {
    let ran = timeout(|| {
        let pool = ThreadPool::new(1);
        let ran = Arc::new(AtomicUsize::new(0));

        // The only worker is kept busy until shutdown has begun, so the five jobs after
        // this one are still in the queue when `shutdown` is called.
        let (open, gate) = mpsc::channel::<()>();
        {
            let ran = Arc::clone(&ran);
            pool.execute(move || {
                gate.recv().expect("the test should open the gate");
                ran.fetch_add(1, Ordering::SeqCst);
            });
        }
        for _ in 0..5 {
            let ran = Arc::clone(&ran);
            pool.execute(move || {
                ran.fetch_add(1, Ordering::SeqCst);
            });
        }
        // The gate opens a moment after `shutdown` has been called. This pause only sets
        // the scene, so that a pool that drops its queue at shutdown is caught in the act;
        // a right answer passes whatever the timing, as `shutdown` waits for the gate.
        let opener = thread::spawn(move || {
            thread::sleep(Duration::from_millis(100));
            let _ = open.send(());
        });
        pool.shutdown();
        let ran = ran.load(Ordering::SeqCst);
        opener.join().unwrap();
        ran
    });
    assert_eq!(
        ran, 6,
        "6 jobs were queued before `shutdown`, but only {ran} had run when it returned: \
         shutdown must let the workers empty the queue, then join them"
    );
}

#[test]
fn dropping_the_pool_finishes_the_queued_jobs_too() {
    let ran = timeout(|| {
        let ran = Arc::new(AtomicUsize::new(0));
        {
            let pool = ThreadPool::new(2);
            for _ in 0..20 {
                let ran = Arc::clone(&ran);
                pool.execute(move || {
                    ran.fetch_add(1, Ordering::SeqCst);
                });
            }
            // `pool` is dropped here, without a call to `shutdown`.
        }
        ran.load(Ordering::SeqCst)
    });
    assert_eq!(
        ran, 20,
        "20 jobs were queued, {ran} had run once the pool was dropped"
    );
}

#[test]
fn a_panicking_job_does_not_take_a_worker_down() {
    let (met_before, done) = timeout(|| {
        let pool = ThreadPool::new(2);
        // First, with no panic yet: two jobs that only finish together. If they cannot
        // meet, the fault is not the panic's, and the message below says what it is.
        let before = Arc::new(Rendezvous::new(2));
        let (met, verdicts) = mpsc::channel();
        for _ in 0..2 {
            let (before, met) = (Arc::clone(&before), met.clone());
            pool.execute(move || met.send(before.try_meet()).unwrap());
        }
        let met_before = verdicts.recv().unwrap() & verdicts.recv().unwrap();
        if !met_before {
            pool.shutdown();
            return (false, 0);
        }
        pool.execute(|| panic!("a job failed (this panic is part of the test)"));
        // Both workers must still be there: these two jobs only finish together.
        let meeting = Arc::new(Rendezvous::new(2));
        let done = Arc::new(AtomicUsize::new(0));
        for _ in 0..2 {
            let (meeting, done) = (Arc::clone(&meeting), Arc::clone(&done));
            pool.execute(move || {
                if meeting.try_meet() {
                    done.fetch_add(1, Ordering::SeqCst);
                }
            });
        }
        pool.shutdown();
        (true, done.load(Ordering::SeqCst))
    });
    assert!(
        met_before,
        "even before any job panicked, the 2 workers never ran jobs at the same time: does \
         a worker hold the queue's lock while its job runs? Take the job in one statement, \
         so that the guard is dropped before the job starts"
    );
    assert_eq!(
        done, 2,
        "after a job panicked, the pool no longer ran 2 jobs at the same time (only {done} \
         of the 2 jobs that must meet did): catch the job's panic in its worker, so the \
         worker lives on"
    );
}

#[test]
fn an_idle_worker_sleeps() {
    // Two jobs meet, so they ran on both workers, and each says which thread it ran on.
    // Then the queue is empty: each worker has nothing to do but wait for the next job,
    // and it must wait asleep, in `recv` (or in `lock`, behind the worker that is in
    // `recv`). (On Linux the test reads the threads' states in `/proc`; no clock.)
    timeout(|| {
        let pool = ThreadPool::new(2);
        let meeting = Arc::new(Rendezvous::new(2));
        let (tell, workers) = mpsc::channel();
        for _ in 0..2 {
            let (meeting, tell) = (Arc::clone(&meeting), tell.clone());
            pool.execute(move || {
                meeting.meet();
                tell.send(support::sched::current_tid()).unwrap();
            });
        }
        for _ in 0..2 {
            let worker = workers.recv().expect("a job never ran");
            support::sched::assert_parks(
                worker,
                "the next job",
                "A worker's `recv` on the queue sleeps until a job comes or the queue closes.",
            );
        }
        pool.shutdown();
    });
}
