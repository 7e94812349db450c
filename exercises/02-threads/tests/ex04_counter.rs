//! Tests for exercise 02.4: `add_up_live`.

use ch02_threads::ex04_counter::add_up_live;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};
use support::{PATIENCE, Rendezvous, timeout};

type Job = Box<dyn FnOnce() -> u64 + Send>;

/// Waits (politely) until `total` reaches `at_least`; `false` if it has not within the
/// [`PATIENCE`]. A limit, not a measurement: a right answer gets there in microseconds.
fn total_reaches(total: &Mutex<u64>, at_least: u64) -> bool {
    let give_up = Instant::now() + PATIENCE;
    while Instant::now() < give_up {
        if *total.lock().unwrap() >= at_least {
            return true;
        }
        thread::sleep(Duration::from_millis(1));
    }
    false
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
