//! Tests for exercise 02.1: `run_all`.

use ch02_threads::ex01_spawn::run_all;
use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use support::{PATIENCE, Rendezvous, timeout};

type Job<T> = Box<dyn FnOnce() -> T + Send>;

#[test]
fn the_jobs_run_at_the_same_time() {
    let arrived = timeout(|| {
        let meeting = Arc::new(Rendezvous::new(4));
        let jobs: Vec<Job<usize>> = (0..4usize)
            .map(|i| {
                let meeting = Arc::clone(&meeting);
                Box::new(move || {
                    // Each job waits here for the other three: only threads that run at
                    // the same time can all get past this line.
                    meeting.meet();
                    i
                }) as Job<usize>
            })
            .collect();
        run_all(jobs);
        meeting.arrived()
    });
    assert_eq!(arrived, 4, "all 4 jobs should have met while running");
}

#[test]
fn results_come_back_in_job_order_not_finishing_order() {
    let results = timeout(|| {
        // Job 0 finishes last: it waits until job 2 has finished, which waits for job 1.
        let (done_1, after_1) = mpsc::channel::<()>();
        let (done_2, after_2) = mpsc::channel::<()>();
        let jobs: Vec<Job<&str>> = vec![
            Box::new(move || {
                after_2
                    .recv()
                    .expect("job 2 should tell job 0 when it is done");
                "zero"
            }),
            Box::new(move || {
                done_1.send(()).unwrap();
                "one"
            }),
            Box::new(move || {
                after_1
                    .recv()
                    .expect("job 1 should tell job 2 when it is done");
                done_2.send(()).unwrap();
                "two"
            }),
        ];
        run_all(jobs)
    });
    assert_eq!(
        results,
        ["zero", "one", "two"],
        "the jobs finished in the order one, two, zero; the results must still follow \
         the order of the jobs"
    );
}

#[test]
fn every_job_runs_on_a_thread_of_its_own() {
    let (caller, ran_on) = timeout(|| {
        let jobs: Vec<Job<thread::ThreadId>> = (0..5)
            .map(|_| Box::new(|| thread::current().id()) as Job<thread::ThreadId>)
            .collect();
        (thread::current().id(), run_all(jobs))
    });
    assert_eq!(ran_on.len(), 5, "expected one result per job");
    for (i, id) in ran_on.iter().enumerate() {
        assert_ne!(*id, caller, "job {i} ran on the calling thread");
        let same = ran_on.iter().filter(|other| *other == id).count();
        assert_eq!(same, 1, "job {i} shared its thread with another job");
    }
}

#[test]
fn every_job_runs_exactly_once() {
    let log = timeout(|| {
        let log = Arc::new(Mutex::new(Vec::new()));
        let jobs: Vec<Job<()>> = (0..6)
            .map(|i| {
                let log = Arc::clone(&log);
                Box::new(move || log.lock().unwrap().push(i)) as Job<()>
            })
            .collect();
        assert_eq!(run_all(jobs).len(), 6, "expected one result per job");
        let mut log = log.lock().unwrap().clone();
        log.sort();
        log
    });
    assert_eq!(log, [0, 1, 2, 3, 4, 5], "each job must run once");
}

#[test]
#[should_panic(expected = "job 1 could not find its file")]
fn a_job_s_panic_reaches_the_caller_with_its_message() {
    timeout(|| {
        let jobs: Vec<Job<u8>> = vec![
            Box::new(|| 0),
            Box::new(|| panic!("job 1 could not find its file")),
            Box::new(|| 2),
        ];
        // `join` gives the panic back as an `Err`; re-raise it with its own message.
        run_all(jobs)
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
fn a_job_s_formatted_panic_reaches_the_caller_with_its_message() {
    // `panic!` with values in its message (`panic!("job {i} ...")`) carries a `String`,
    // not a `&'static str`: the message must reach the caller whichever it is.
    let outcome = timeout(|| {
        let file = "results.csv";
        let jobs: Vec<Job<usize>> = (0..3_usize)
            .map(|i| {
                Box::new(move || {
                    if i == 1 {
                        panic!("job {i} could not find {file}");
                    }
                    i
                }) as Job<usize>
            })
            .collect();
        panic::catch_unwind(AssertUnwindSafe(|| run_all(jobs)))
    });
    match outcome {
        Ok(results) => panic!(
            "job 1 panicked, yet `run_all` returned {results:?} as if all had gone well: \
             `join` gives the panic back as an `Err`; pass it on with \
             `std::panic::resume_unwind`"
        ),
        Err(payload) if message(&*payload) == Some("job 1 could not find results.csv") => {}
        Err(payload) => match message(&*payload) {
            Some(todo) if todo.starts_with("not yet implemented") => panic::resume_unwind(payload),
            said => panic!(
                "job 1 panicked with a formatted message, \"job 1 could not find \
                 results.csv\" (a `String` in the payload, not a `&str`), but the caller got \
                 a panic that says {said:?}: the job's own message was lost. Pass the payload \
                 on as it is, with `std::panic::resume_unwind`, instead of taking the message \
                 out of it"
            ),
        },
    }
}

#[test]
fn a_job_s_panic_reaches_the_caller_only_after_every_thread_is_joined() {
    let job_2_finished_first = timeout(|| {
        // Job 2 waits (up to the PATIENCE) for word that the caller already has job 1's
        // panic. A right answer cannot have it before job 2 is joined, so job 2 waits in
        // vain and then finishes; an answer that re-raises at the first `Err` hands the
        // panic over while job 2 still runs, and the word arrives at once. Only a caller
        // stalled for the whole PATIENCE between job 1's panic and its own could escape.
        let (caller_has_it, word) = mpsc::channel::<()>();
        let (report, job_2_report) = mpsc::channel::<bool>();
        let jobs: Vec<Job<u8>> = vec![
            Box::new(|| 0),
            Box::new(|| panic!("job 1 failed")),
            Box::new(move || {
                let early = word.recv_timeout(PATIENCE).is_ok();
                report.send(!early).unwrap();
                2
            }),
        ];
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| run_all(jobs)));
        assert!(outcome.is_err(), "job 1 panicked, so run_all must panic");
        let _ = caller_has_it.send(());
        job_2_report
            .recv_timeout(PATIENCE)
            .expect("job 2 never finished")
    });
    assert!(
        job_2_finished_first,
        "the caller got job 1's panic while job 2 was still running: join every thread \
         first, then re-raise the panic (a panic that leaves early abandons the others)"
    );
}

#[test]
fn no_jobs_gives_no_results() {
    let results: Vec<u8> = timeout(|| run_all(Vec::<Job<u8>>::new()));
    assert!(results.is_empty(), "no jobs, yet results came back");
}

#[test]
fn the_caller_sleeps_while_it_waits_for_a_job() {
    // One job waits for the test's word. Meanwhile the thread that called `run_all` has
    // nothing to do but wait, and it must wait asleep: `join` parks it until the job's
    // thread ends. (On Linux the test reads the thread's state in `/proc`; no clock.)
    timeout(|| {
        let (go, wait_for_go) = mpsc::channel::<()>();
        let caller = support::sched::spawn_watched("caller", move || {
            let job: Job<u32> = Box::new(move || {
                let _ = wait_for_go.recv();
                7
            });
            run_all(vec![job])
        });
        support::sched::assert_parks(
            caller.tid,
            "a job to finish",
            "`JoinHandle::join` sleeps until the thread has ended.",
        );
        go.send(()).unwrap();
        let results = caller
            .thread
            .join()
            .unwrap_or_else(|panic| panic::resume_unwind(panic));
        assert_eq!(results, [7], "the one job returned 7");
    });
}
