//! Tests for exercise 02.4: `add_up_live`.
//!
//! A lost update needs another thread to slip in between two lines of yours, which
//! happens once in a blue moon. So the test that looks for it does not wait for luck: it
//! runs a second copy of your module under loom, a model checker, which tries every
//! interleaving of the threads.

use ch02_threads::ex04_counter::add_up_live;
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Arc, Mutex, mpsc};
use support::{Rendezvous, sched, timeout, timeout_after};

// Your module again, compiled with loom's primitives: in this copy `crate::sync` is
// `support::loom_std`, so loom controls every lock and thread it uses.
use support::loom_std as sync;
// (Allowed as in the chapter's lib.rs: the stub leaves its parameters unused.)
#[allow(dead_code, unused_variables, unused_imports)]
mod under_loom {
    include!(concat!(env!("OUT_DIR"), "/model/ex04_counter.rs"));
}

type Job = Box<dyn FnOnce() -> u64 + Send>;

/// Waits (politely) until `total` reaches `at_least`; `false` if it has not within the
/// [`support::PATIENCE`]. A limit, not a measurement: a right answer gets there in microseconds.
fn total_reaches(total: &Mutex<u64>, at_least: u64) -> bool {
    support::within_patience(|| *total.lock().unwrap() >= at_least)
}

#[test]
fn every_result_is_added_to_what_the_total_held() {
    let (returned, held) = timeout(|| {
        let total = Arc::new(Mutex::new(100));
        let jobs: Vec<Job> = (1..=5_u64).map(|n| Box::new(move || n) as Job).collect();
        let returned = add_up_live(&total, jobs);
        let held = *total.lock().unwrap();
        (returned, held)
    });
    assert_eq!(
        held, 115,
        "the total started at 100 and the jobs returned 1 to 5"
    );
    assert_eq!(returned, held, "return the final value of the shared total");
}

#[test]
fn the_jobs_run_at_the_same_time() {
    let arrived = timeout(|| {
        let meeting = Arc::new(Rendezvous::new(4));
        let jobs: Vec<Job> = (0..4)
            .map(|_| {
                let meeting = Arc::clone(&meeting);
                Box::new(move || {
                    // Only jobs that run at the same time can all get past this line.
                    meeting.meet();
                    1_u64
                }) as Job
            })
            .collect();
        add_up_live(&Arc::new(Mutex::new(0)), jobs);
        meeting.arrived()
    });
    assert_eq!(arrived, 4, "all 4 jobs should have met while running");
}

#[test]
fn no_update_is_lost_when_threads_add_at_the_same_time() {
    let total = timeout(|| {
        // All four jobs are running at once (they meet) and then return together, so the
        // four additions race each other. Each must land on top of the others.
        let meeting = Arc::new(Rendezvous::new(4));
        let jobs: Vec<Job> = (0..4)
            .map(|_| {
                let meeting = Arc::clone(&meeting);
                Box::new(move || {
                    meeting.meet();
                    10_u64
                }) as Job
            })
            .collect();
        add_up_live(&Arc::new(Mutex::new(0)), jobs)
    });
    assert_eq!(
        total, 40,
        "four jobs returned 10 each, so the total should be 40: updates were lost (read, \
         add and write back under one lock, not two)"
    );
}

#[test]
fn each_result_is_added_as_soon_as_its_job_returns() {
    let total = timeout(|| {
        // Job 0 returns only once it can *see* job 1's 7 in the shared total, so job 1's
        // thread must add it while job 0 is still running.
        let total = Arc::new(Mutex::new(0));
        let watched = Arc::clone(&total);
        let jobs: Vec<Job> = vec![
            Box::new(move || {
                assert!(
                    total_reaches(&watched, 7),
                    "job 1 had returned 7, but the shared total never showed it: add each \
                     result from its own thread as soon as its job returns"
                );
                1
            }),
            Box::new(|| 7),
        ];
        add_up_live(&total, jobs)
    });
    assert_eq!(
        total, 8,
        "the jobs returned 1 and 7, yet the total is {total}: was an update lost?"
    );
}

#[test]
fn no_interleaving_of_the_adders_loses_an_update() {
    // Two jobs return 5 and 7 while a thread of the test's adds 1 to the same total. Loom
    // runs this again and again, until every order of the threads' steps has been tried
    // (within a bound on preemptions): an answer that reads the total under one lock and
    // writes it back under another loses an update in one of them, every time.
    timeout_after(support::loom::LIMIT, || {
        support::loom::check(
            "an update was lost: another thread added between your read of the total and \
             your write of it. Read, add and write under one guard \
             (`*total.lock().unwrap() += n`), not two. (If loom says a lock or a thread was \
             used outside its model, take `Arc`, `Mutex` and `thread` from `crate::sync`, \
             as the given imports do, not from `std`)",
            || {
                let total = sync::Arc::new(sync::Mutex::new(100_u64));
                let other = {
                    let total = sync::Arc::clone(&total);
                    sync::thread::spawn(move || *total.lock().unwrap() += 1)
                };
                let jobs: Vec<Job> = vec![Box::new(|| 5), Box::new(|| 7)];
                under_loom::add_up_live(&total, jobs);
                other.join().unwrap();
                let held = *total.lock().unwrap();
                assert_eq!(
                    held, 113,
                    "the total started at 100, the jobs returned 5 and 7 and another thread \
                     added 1, but the total is {held}"
                );
            },
        )
    });
}

/// What a panic said, if it said it with a string.
fn message(payload: &(dyn std::any::Any + Send)) -> Option<&str> {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
}

#[test]
fn a_job_s_panic_reaches_the_caller_with_its_message() {
    let outcome = timeout(|| {
        let jobs: Vec<Job> = vec![
            Box::new(|| 1),
            Box::new(|| panic!("job 1 could not reach its server")),
            Box::new(|| 2),
        ];
        panic::catch_unwind(AssertUnwindSafe(|| {
            add_up_live(&Arc::new(Mutex::new(0)), jobs)
        }))
    });
    match outcome {
        Ok(total) => panic!(
            "job 1 panicked, yet `add_up_live` returned {total} as if all had gone well: a \
             thread's panic comes back from `join` as an `Err`; pass it on with \
             `std::panic::resume_unwind`"
        ),
        Err(payload) if message(&*payload) == Some("job 1 could not reach its server") => {}
        Err(payload) => match message(&*payload) {
            Some(todo) if todo.starts_with("not yet implemented") => panic::resume_unwind(payload),
            said => panic!(
                "job 1 panicked with \"job 1 could not reach its server\", but the caller \
                 got a panic that says {said:?}: the job's own message was lost. Pass the \
                 payload that `join` returns on with `std::panic::resume_unwind` (`unwrap` \
                 replaces it with its own)"
            ),
        },
    }
}

#[test]
fn the_caller_sleeps_while_it_waits_for_a_job() {
    // One job waits for the test's word. Meanwhile the thread that called `add_up_live`
    // has nothing to do but wait, and it must wait asleep: `join` parks it until the job's
    // thread ends. (On Linux the test reads the thread's state in `/proc`; no clock.)
    timeout(|| {
        let (go, wait_for_go) = mpsc::channel::<()>();
        let total = Arc::new(Mutex::new(0));
        let caller = {
            let total = Arc::clone(&total);
            sched::spawn_watched("caller", move || {
                let job: Job = Box::new(move || {
                    let _ = wait_for_go.recv();
                    7
                });
                add_up_live(&total, vec![job])
            })
        };
        sched::assert_parks(
            caller.tid,
            "a job to finish",
            "`JoinHandle::join` sleeps until the thread has ended.",
        );
        go.send(()).unwrap();
        let returned = caller
            .thread
            .join()
            .unwrap_or_else(|panic| panic::resume_unwind(panic));
        assert_eq!(returned, 7, "the job returned 7 to a total of 0");
    });
}

#[test]
fn a_thread_that_finds_the_total_locked_sleeps_until_it_is_free() {
    // The test holds `total` locked. The one job says which thread it runs on and returns
    // 7: its thread then has nothing to do but wait for the lock, and it must wait asleep:
    // `Mutex::lock` parks it until the lock is free. (On Linux the test reads the
    // thread's state in `/proc`; no clock.)
    let returned = timeout(|| {
        let total = Arc::new(Mutex::new(0));
        let held = total.lock().unwrap();
        let (tell, job_thread) = mpsc::channel();
        let caller = {
            let total = Arc::clone(&total);
            std::thread::spawn(move || {
                let job: Job = Box::new(move || {
                    tell.send(sched::current_tid()).unwrap();
                    7
                });
                add_up_live(&total, vec![job])
            })
        };
        let Ok(tid) = job_thread.recv_timeout(support::PATIENCE) else {
            drop(held);
            let _ = caller.join().map_err(|panic| panic::resume_unwind(panic));
            panic!("the job never ran");
        };
        sched::assert_parks(
            tid,
            "the lock on `total`, which the test holds",
            "`Mutex::lock` sleeps until the lock is free; `try_lock` in a loop does not.",
        );
        drop(held);
        caller
            .join()
            .unwrap_or_else(|panic| panic::resume_unwind(panic))
    });
    assert_eq!(returned, 7, "the job returned 7 to a total of 0");
}
