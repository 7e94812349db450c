//! Tests for exercise 05.2: `run`, `spawn`, `yield_now` and `join`.

use ch05_green::ex02_scheduler::{JoinHandle, park, run, spawn, turns, unpark, yield_now};
use std::cell::RefCell;
use std::panic::{self, AssertUnwindSafe};
use std::rc::Rc;
use std::thread;
use support::timeout;

type Log = Rc<RefCell<Vec<String>>>;

/// A green thread that logs `name1`, `name2`, … `steps` times, yielding after each.
fn stepper(name: &'static str, steps: usize, log: &Log) -> JoinHandle<&'static str> {
    let log = Rc::clone(log);
    spawn(move || {
        for step in 1..=steps {
            log.borrow_mut().push(format!("{name}{step}"));
            yield_now();
        }
        name
    })
}

#[test]
fn green_threads_take_turns_at_each_yield() {
    let log = timeout(|| {
        run(|| {
            let log: Log = Rc::default();
            let handles = [
                stepper("a", 3, &log),
                stepper("b", 3, &log),
                stepper("c", 3, &log),
            ];
            for handle in handles {
                handle.join().expect("no thread panics here");
            }
            log.take()
        })
    });
    assert_eq!(
        log,
        ["a1", "b1", "c1", "a2", "b2", "c2", "a3", "b3", "c3"],
        "each yield_now must let every other ready thread run once, in the order they \
         were spawned (a thread that runs to the end before the next is not a green thread)"
    );
}

#[test]
fn a_spawned_thread_waits_for_its_turn() {
    let log = timeout(|| {
        run(|| {
            let log: Log = Rc::default();
            let inner = Rc::clone(&log);
            let handle = spawn(move || inner.borrow_mut().push("child runs".into()));
            log.borrow_mut().push("spawn returned".into());
            handle.join().unwrap();
            log.take()
        })
    });
    assert_eq!(
        log,
        ["spawn returned", "child runs"],
        "spawn must only queue the new thread: it runs when the spawner yields or waits"
    );
}

#[test]
fn join_returns_each_threads_result() {
    let results = timeout(|| {
        run(|| {
            let handles: Vec<JoinHandle<u64>> = (1..=5u64)
                .map(|n| {
                    spawn(move || {
                        yield_now();
                        n * n
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap())
                .collect::<Vec<_>>()
        })
    });
    assert_eq!(
        results,
        [1, 4, 9, 16, 25],
        "join must return what each thread returned"
    );
}

#[test]
fn join_waits_for_a_thread_that_is_still_running() {
    let (value, log) = timeout(|| {
        run(|| {
            let log: Log = Rc::default();
            let inner = Rc::clone(&log);
            let slow = spawn(move || {
                for _ in 0..5 {
                    yield_now();
                }
                inner.borrow_mut().push("slow finished".into());
                7
            });
            let value = slow.join().unwrap();
            log.borrow_mut().push("join returned".into());
            (value, log.take())
        })
    });
    assert_eq!(value, 7);
    assert_eq!(
        log,
        ["slow finished", "join returned"],
        "join must wait until the thread has finished"
    );
}

#[test]
fn a_joiner_woken_before_the_thread_has_finished_waits_on() {
    let (joined, log) = timeout(|| {
        run(|| {
            let log: Log = Rc::default();
            let inner = Rc::clone(&log);
            let slow = spawn(move || {
                for _ in 0..5 {
                    yield_now();
                }
                inner.borrow_mut().push("slow finished".into());
                7
            });
            let joiner_log = Rc::clone(&log);
            let joiner = spawn(move || {
                let joined = slow.join();
                joiner_log.borrow_mut().push("join returned".into());
                joined
            });
            // Runs after the joiner has parked in `join`, long before `slow` finishes: a
            // stray wake-up, as `park`'s doc warns.
            let joiner_id = joiner.id();
            spawn(move || unpark(joiner_id));
            let joined = joiner.join();
            (joined, log.take())
        })
    });
    assert_eq!(
        joined,
        Ok(Ok(7)),
        "the joiner was unparked once before the thread it joins had finished: join must \
         look again and park again until the thread has finished (a loop), not take any \
         wake-up for the end"
    );
    assert_eq!(
        log,
        ["slow finished", "join returned"],
        "join must return only after the thread has finished"
    );
}

#[test]
fn a_panic_is_caught_and_reported_while_the_others_go_on() {
    let (failed, others, log) = timeout(|| {
        run(|| {
            let log: Log = Rc::default();
            let inner = Rc::clone(&log);
            let doomed = spawn(move || {
                inner.borrow_mut().push("doomed starts".into());
                yield_now();
                panic!("boom in a green thread");
            });
            let survivor = stepper("s", 4, &log);
            let failed = doomed.join();
            let others = survivor.join();
            (failed, others, log.take())
        })
    });
    let error = failed.expect_err("join of a thread that panicked must return Err");
    assert!(
        error.message().contains("boom in a green thread"),
        "the JoinError must carry the panic's message, got {:?}",
        error.message()
    );
    assert!(
        error.to_string().contains("boom in a green thread"),
        "a JoinError shown with `{{}}` must say what the panic said, got {error}"
    );
    assert_eq!(others, Ok("s"), "the other thread must finish normally");
    assert_eq!(
        log.iter().filter(|l| l.starts_with('s')).count(),
        4,
        "the other thread must have run all its steps: {log:?}"
    );
}

#[test]
fn every_green_thread_runs_on_the_os_thread_that_called_run() {
    let all_here = timeout(|| {
        let caller = thread::current().id();
        run(move || {
            let handles: Vec<_> = (0..10)
                .map(|_| {
                    spawn(move || {
                        yield_now();
                        thread::current().id() == caller
                    })
                })
                .collect();
            handles.into_iter().all(|h| h.join().unwrap())
        })
    });
    assert!(
        all_here,
        "green threads must all run on the OS thread that called run"
    );
}

#[test]
fn a_thousand_green_threads_share_one_os_thread() {
    let (sum, log_len) = timeout(|| {
        run(|| {
            let turns = Rc::new(RefCell::new(0usize));
            let handles: Vec<_> = (0..1000u64)
                .map(|n| {
                    let turns = Rc::clone(&turns);
                    spawn(move || {
                        for _ in 0..3 {
                            *turns.borrow_mut() += 1;
                            yield_now();
                        }
                        n
                    })
                })
                .collect();
            let sum: u64 = handles.into_iter().map(|h| h.join().unwrap()).sum();
            (sum, *turns.borrow())
        })
    });
    assert_eq!(sum, 999 * 1000 / 2, "every thread's result must come back");
    assert_eq!(log_len, 3000, "every thread must run all its steps");
}

#[test]
fn run_returns_what_main_returned() {
    let answer = timeout(|| run(|| 6 * 7));
    assert_eq!(answer, 42);
}

#[test]
fn a_joining_thread_parks_instead_of_spinning() {
    let joiner_turns = timeout(|| {
        run(|| {
            let slow = spawn(|| {
                // Keep the scheduler busy for 100 turns before finishing.
                for _ in 0..100 {
                    yield_now();
                }
            });
            let joiner = spawn(move || {
                slow.join().unwrap();
                turns()
            });
            joiner.join().unwrap()
        })
    });
    assert!(
        joiner_turns <= 2,
        "the joining thread had {joiner_turns} turns while it waited for a thread that \
         yielded 100 times: join must park (one turn to start waiting, one when the thread \
         has finished), not yield and look again in a loop"
    );
}

#[test]
fn a_join_that_can_never_finish_ends_in_the_scheduler_s_deadlock_panic() {
    let message = timeout(|| {
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
            run(|| {
                // This thread parks and nobody will ever unpark it: joining it can only
                // wait forever, and the scheduler must say so.
                let stuck = spawn(park);
                let _ = stuck.join();
            })
        }));
        match outcome {
            Ok(()) => "run returned".to_string(),
            Err(payload) => payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default(),
        }
    });
    assert!(
        message.contains("are parked and nothing can wake them"),
        "a join on a thread that can never finish must park, so that the scheduler finds \
         nothing to run and panics with its deadlock message; got {message:?}"
    );
}

#[test]
fn run_can_be_called_again_on_the_same_os_thread() {
    let answers = timeout(|| {
        let first = run(|| spawn(|| 1).join().unwrap());
        // A run that ends in a panic must leave the OS thread ready for the next run too.
        let failed = panic::catch_unwind(|| run(|| -> u8 { panic!("main fails") })).is_err();
        let second = run(|| spawn(|| 2).join().unwrap());
        (first, failed, second)
    });
    assert_eq!(
        answers,
        (1, true, 2),
        "after `run` returns (or panics), the OS thread has no scheduler any more, and `run` \
         can start a new one"
    );
}

#[test]
fn turns_count_each_time_a_thread_is_resumed_and_ids_follow_spawn_order() {
    let (ids, turns_seen) = timeout(|| {
        run(|| {
            let a = spawn(|| {
                for _ in 0..3 {
                    yield_now();
                }
                turns()
            });
            let b = spawn(turns);
            let ids = (a.id(), b.id());
            let turns_seen = (a.join().unwrap(), b.join().unwrap());
            (ids, turns_seen)
        })
    });
    assert_eq!(
        ids,
        (1, 2),
        "main is green thread 0, so the first two spawned are 1 and 2"
    );
    assert_eq!(
        turns_seen,
        (4, 1),
        "a thread that yielded 3 times is in its 4th turn; one that never yielded, its 1st"
    );
}
