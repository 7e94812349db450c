//! Tests for exercise 02.5: `ThreadPool`.

use ch02_threads::ex05_pool::ThreadPool;
use std::collections::HashSet;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, mpsc};
use std::thread;
use std::time::Duration;
use support::{PATIENCE, Rendezvous, isolated, sched, timeout};

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
        // The gate opens once `shutdown` has begun, so that a pool that drops its queue at
        // shutdown is caught in the act. On Linux the opener waits until this thread
        // sleeps (in `shutdown`, the only place a right answer waits): that is the scene,
        // every time. Elsewhere it waits a moment, which only sets the scene almost
        // always; a right answer passes whatever the timing, as `shutdown` waits for the
        // gate.
        let caller = sched::current_tid();
        let opener = thread::spawn(move || {
            if sched::can_watch_threads() {
                sched::wait_until_asleep(caller, "the thread that called `shutdown` waits");
            } else {
                thread::sleep(Duration::from_millis(100));
            }
            let _ = open.send(());
        });
        pool.shutdown();
        let ran = ran.load(Ordering::SeqCst);
        opener
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
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

/// Jobs that count themselves in and then wait for the test's word.
#[derive(Default)]
struct Held {
    /// How many jobs have started, and whether the test has let them go.
    state: Mutex<(usize, bool)>,
    changed: Condvar,
}

impl Held {
    fn job(self: &Arc<Self>) -> impl FnOnce() + Send + 'static {
        let held = Arc::clone(self);
        move || {
            let mut state = held.state.lock().unwrap();
            state.0 += 1;
            held.changed.notify_all();
            let _let_go = held.changed.wait_while(state, |s| !s.1).unwrap();
        }
    }

    /// Waits until `n` jobs have started, for at most the PATIENCE; how many had.
    fn wait_for_started(&self, n: usize) -> usize {
        let state = self.state.lock().unwrap();
        let (state, _) = self
            .changed
            .wait_timeout_while(state, PATIENCE, |s| s.0 < n)
            .unwrap();
        state.0
    }

    fn let_go(&self) {
        self.state.lock().unwrap().1 = true;
        self.changed.notify_all();
    }
}

#[test]
fn a_pool_never_runs_more_jobs_at_once_than_it_has_workers() {
    // Three jobs that only end when the test lets them go, on a pool of 2: two run, and
    // the third waits in the queue for as long as they do. The test waits its whole
    // PATIENCE for a third job to start (a right answer makes it wait that long every
    // time; a pool with a worker too many starts the third at once), then lets them go.
    let started = timeout(|| {
        let pool = ThreadPool::new(2);
        let held = Arc::new(Held::default());
        for _ in 0..3 {
            pool.execute(held.job());
        }
        let started = held.wait_for_started(3);
        held.let_go();
        pool.shutdown();
        started
    });
    assert!(
        started <= 2,
        "{started} jobs ran at the same time on a pool of 2 workers: start exactly as many \
         worker threads as `new` is asked for (`0..workers`, not `0..=workers`)"
    );
}

#[test]
fn a_free_worker_takes_the_next_job_while_another_is_busy() {
    // Job A holds one of the 2 workers until the 4 jobs queued after it have all run. The
    // other worker is free, so it must take them, one after another: the workers share
    // one queue, first come, first served. A pool that deals jobs out to the workers in
    // turn leaves every other one waiting behind A.
    let seen = timeout(|| {
        let pool = ThreadPool::new(2);
        let ran = Arc::new((Mutex::new(0_usize), Condvar::new()));
        let (verdict, seen) = mpsc::channel();
        {
            let ran = Arc::clone(&ran);
            pool.execute(move || {
                let (count, changed) = &*ran;
                let count = count.lock().unwrap();
                let (count, _) = changed
                    .wait_timeout_while(count, PATIENCE, |n| *n < 4)
                    .unwrap();
                verdict.send(*count).unwrap();
            });
        }
        for _ in 0..4 {
            let ran = Arc::clone(&ran);
            pool.execute(move || {
                let (count, changed) = &*ran;
                *count.lock().unwrap() += 1;
                changed.notify_all();
            });
        }
        let seen = seen.recv().expect("job A never ran");
        pool.shutdown();
        seen
    });
    assert_eq!(
        seen, 4,
        "while one worker was busy with a long job, only {seen} of the 4 jobs queued after \
         it ran, though the other worker had nothing to do: the workers must share one \
         queue, and the next free worker takes the next job"
    );
}

#[test]
fn execute_returns_at_once_even_while_every_worker_is_busy() {
    // The only worker is held by a job until the test's word. Ten more `execute`s must
    // each return at once, queueing their jobs: a queue with a limit blocks the caller
    // until a worker is free. A watcher gives the word after the PATIENCE at the latest,
    // so a blocked `execute` fails the test instead of hanging it.
    let in_time = timeout(|| {
        let pool = ThreadPool::new(1);
        let (open, gate) = mpsc::channel::<()>();
        let (queued, all_queued) = mpsc::channel::<()>();
        let watcher = thread::spawn(move || {
            let in_time = all_queued.recv_timeout(PATIENCE).is_ok();
            let _ = open.send(());
            in_time
        });
        pool.execute(move || {
            let _ = gate.recv();
        });
        let ran = Arc::new(AtomicUsize::new(0));
        for _ in 0..10 {
            let ran = Arc::clone(&ran);
            pool.execute(move || {
                ran.fetch_add(1, Ordering::SeqCst);
            });
        }
        let _ = queued.send(());
        pool.shutdown();
        assert_eq!(
            ran.load(Ordering::SeqCst),
            10,
            "10 jobs were queued behind the first, but not all had run after `shutdown`"
        );
        watcher
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    });
    assert!(
        in_time,
        "while the only worker was busy, `execute` did not return: it must queue the job \
         and return at once, however many jobs wait (an unbounded `mpsc::channel`, not a \
         `sync_channel` with a limit)"
    );
}

#[test]
fn shutdown_sleeps_while_the_workers_finish() {
    // A job waits for the test's word, and the thread that owns the pool calls `shutdown`.
    // That thread has nothing to do but wait for the workers, and it must wait asleep:
    // `join` parks it until the worker has ended. (On Linux the test reads the thread's
    // state in `/proc`; no clock.)
    timeout(|| {
        let (go, wait_for_go) = mpsc::channel::<()>();
        let (started, job_started) = mpsc::channel::<()>();
        let ran = Arc::new(AtomicUsize::new(0));
        let caller = {
            let ran = Arc::clone(&ran);
            sched::spawn_watched("caller", move || {
                let pool = ThreadPool::new(1);
                pool.execute(move || {
                    started.send(()).unwrap();
                    let _ = wait_for_go.recv();
                    ran.fetch_add(1, Ordering::SeqCst);
                });
                pool.shutdown();
            })
        };
        job_started
            .recv_timeout(PATIENCE)
            .expect("the job never started");
        sched::assert_parks(
            caller.tid,
            "its workers to finish the jobs and end",
            "`JoinHandle::join` sleeps until the thread has ended.",
        );
        go.send(()).unwrap();
        caller
            .thread
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        assert_eq!(
            ran.load(Ordering::SeqCst),
            1,
            "the job had not run when `shutdown` returned"
        );
    });
}

/// How many threads this process has now, as Linux's `/proc/self/task` lists them.
fn threads_of_this_process() -> usize {
    std::fs::read_dir("/proc/self/task")
        .expect("/proc/self/task lists the threads of the process")
        .count()
}

#[test]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "counts the process's threads in /proc/self/task, which only Linux has"
)]
fn new_starts_every_worker_and_execute_starts_none() {
    // `new` starts the workers; `execute` only queues. The test counts the threads of the
    // process (in `/proc`) before `new`, after it, and after six jobs have run. It runs
    // alone in a child process, so that no other test's threads come and go meanwhile.
    isolated::run(
        "the test process died while it counted the pool's threads",
        || {
            let (after_new, after_jobs) = timeout(|| {
                let before = threads_of_this_process();
                let pool = ThreadPool::new(3);
                let after_new = threads_of_this_process().saturating_sub(before);
                let (done, ran) = mpsc::channel();
                for _ in 0..6 {
                    let done = done.clone();
                    pool.execute(move || done.send(()).unwrap());
                }
                for _ in 0..6 {
                    ran.recv_timeout(PATIENCE).expect("a job never ran");
                }
                let after_jobs = threads_of_this_process().saturating_sub(before);
                pool.shutdown();
                (after_new, after_jobs)
            });
            assert!(
                after_new >= 3,
                "`ThreadPool::new(3)` returned with {after_new} new threads in the process: \
                 `new` starts every worker, and `execute` only queues jobs for them"
            );
            assert_eq!(
                after_jobs, after_new,
                "the process had {after_new} more threads once `ThreadPool::new(3)` returned, \
                 and {after_jobs} once 6 jobs had run: no thread is started after `new`"
            );
        },
    );
}

/// The panic that drops the pool in the next test.
const OWNER_FAILED: &str = "the pool's owner failed (this panic is part of the test)";

/// What a panic said, if it said it with a string.
fn message(payload: &(dyn std::any::Any + Send)) -> Option<&str> {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
}

#[test]
fn a_pool_dropped_while_a_panic_unwinds_still_finishes_its_queue() {
    let (panicked, ran) = timeout(|| {
        let ran = Arc::new(AtomicUsize::new(0));
        // The only worker is held by the first job until the pool's drop has begun, so
        // the five jobs after it are still queued when the panic drops the pool. On Linux
        // the opener waits until this thread sleeps (in the drop, waiting for the worker:
        // the only place a right answer waits), and a drop that returns at once is seen
        // every time; elsewhere it waits a moment. A right answer passes either way.
        let (open, gate) = mpsc::channel::<()>();
        let caller = sched::current_tid();
        let opener = thread::spawn(move || {
            if sched::can_watch_threads() {
                sched::wait_until_asleep(caller, "the thread whose panic drops the pool waits");
            } else {
                thread::sleep(Duration::from_millis(100));
            }
            let _ = open.send(());
        });
        let outcome = {
            let ran = Arc::clone(&ran);
            panic::catch_unwind(AssertUnwindSafe(move || {
                let pool = ThreadPool::new(1);
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
                panic!("{OWNER_FAILED}");
            }))
        };
        let ran = ran.load(Ordering::SeqCst);
        opener
            .join()
            .unwrap_or_else(|panic| panic::resume_unwind(panic));
        match outcome {
            Err(payload) if message(&*payload) == Some(OWNER_FAILED) => (true, ran),
            // Another panic (a `todo!`) fails the test with its own message.
            Err(payload) => panic::resume_unwind(payload),
            Ok(()) => (false, ran),
        }
    });
    assert!(panicked, "the test's own panic never happened");
    assert_eq!(
        ran, 6,
        "6 jobs were queued, and the pool was dropped by a panic (as the stack unwinds): \
         only {ran} had run when the drop returned. Dropping the pool finishes every queued \
         job and joins the workers, even while the thread panics"
    );
}
