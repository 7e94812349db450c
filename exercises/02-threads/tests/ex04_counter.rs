//! Tests for exercise 02.4: `add_up_live`.

use ch02_threads::ex04_counter::add_up_live;
use std::sync::{Arc, Mutex, mpsc};
use std::thread;
use support::{PATIENCE, Rendezvous, sched, timeout};

type Job = Box<dyn FnOnce() -> u64 + Send>;

/// Waits (politely) until `total` reaches `at_least`; `false` if it has not within the
/// [`PATIENCE`]. A limit, not a measurement: a right answer gets there in microseconds.
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
fn no_update_is_lost_when_someone_else_adds_at_the_same_time() {
    // Anyone holding `total` may add to it while the jobs run. An answer that reads the
    // total under one lock and writes it back under another loses any add made in between.
    // "In between" is a gap of a few instructions, so the test makes the kernel put the
    // other adder there (see `support::sched`):
    //
    // 1. The test holds the lock. The job's thread J returns 5 and queues for the lock.
    // 2. The other adder B queues behind J, on the same CPU, as an ordinary thread; J has
    //    made itself an idle-class thread.
    // 3. The test lets go: J gets the lock. The moment J unlocks, the unlock wakes B, and
    //    an ordinary thread woken on J's CPU preempts an idle-class one at once: B adds
    //    its 1 before J can run another line. An answer with one lock has already added;
    //    one with two locks has read but not yet written, and writes over B's 1.
    //
    // That is the scheduler's rule, not a race, so the scene is played a few times only.
    // (Where the scene cannot be forced, on a system other than Linux, it still runs.)
    const SCENES: u64 = 3;
    let results = timeout(|| {
        let mut results = Vec::new();
        for _ in 0..SCENES {
            results.push(play_the_lost_update_scene());
        }
        results
    });
    for (scene, held) in results.into_iter().enumerate() {
        assert_eq!(
            held,
            106,
            "scene {}: the total started at 100, the job returned 5 and another thread \
             added 1 while the job's thread was adding, but the total is {held}: an update \
             was lost. Read and write the total under one lock (`*total.lock().unwrap() += \
             n`), not two",
            scene + 1
        );
    }
}

/// One scene of the test above; returns the total at the end.
fn play_the_lost_update_scene() -> u64 {
    let total = Arc::new(Mutex::new(100_u64));
    // The test's hold on the lock, on a thread of its own (a guard cannot change threads).
    let (held, lock_is_held) = mpsc::channel();
    let (let_go, release) = mpsc::channel::<()>();
    let holder = {
        let total = Arc::clone(&total);
        thread::spawn(move || {
            let guard = total.lock().unwrap();
            held.send(()).unwrap();
            let _ = release.recv();
            drop(guard);
        })
    };
    lock_is_held.recv().unwrap();
    // `add_up_live` runs on a thread pinned to one CPU, so the thread it starts for the
    // job (J) is there too.
    let (job_tid, job_started) = mpsc::channel();
    let caller = {
        let total = Arc::clone(&total);
        thread::spawn(move || {
            let _pin = sched::pin_to_one_cpu();
            let job: Job = Box::new(move || {
                let _ = job_tid.send(sched::current_tid());
                sched::yield_to_every_waker();
                5
            });
            add_up_live(&total, vec![job])
        })
    };
    let job = job_started.recv_timeout(PATIENCE).expect(
        "the job never ran while the test held the lock on the total: run each job first, \
         with no lock held, and lock only to add its result",
    );
    sched::wait_until_asleep(job, "the job's thread should now wait for the lock");
    // B, the other adder: an ordinary thread on the same CPU, queued behind J.
    let (b_tid, b_started) = mpsc::channel();
    let other = {
        let total = Arc::clone(&total);
        thread::spawn(move || {
            let _pin = sched::pin_to_one_cpu();
            b_tid.send(sched::current_tid()).unwrap();
            *total.lock().unwrap() += 1;
        })
    };
    sched::wait_until_asleep(
        b_started.recv().unwrap(),
        "the other adder waits for the lock",
    );
    let_go.send(()).unwrap();
    holder.join().unwrap();
    other.join().unwrap();
    caller
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
    *total.lock().unwrap()
}
