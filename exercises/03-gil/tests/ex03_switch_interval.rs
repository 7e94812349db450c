//! Tests for exercise 03.3: a fair GIL and the switch interval.
//!
//! Fairness is shown by a log, not a clock: every instruction writes its program's
//! number, and the tests read the turns off the log. To make the turns exact, the test
//! holds the GIL itself until every interpreter thread is queued for it, then lets go.
//!
//! The races inside `FairGil` (a wake-up lost between "is it my turn?" and going to
//! sleep, a switch done in two steps, a release that wakes the wrong sleeper) are looked
//! for by loom, a model checker, on a second copy of your module: it tries every
//! interleaving of the threads instead of hoping that a run hits the bad one.

use ch03_gil::ex03_switch_interval::{FairGil, Program, Step, run_threads};
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread;
use std::time::{Duration, Instant};
use support::{PATIENCE, sched, timeout, timeout_after};

// Your module again, compiled with loom's primitives: in this copy `crate::sync` is
// `support::loom_std`, so loom controls every lock and condition variable of `FairGil`.
// (`crate::ex01_gil` is the one of exercise 03.1, for `Program` and `Step`.)
use ch03_gil::ex01_gil;
use support::loom_std as sync;
// (Allowed as in the chapter's lib.rs: the stub leaves its parameters unused.)
#[allow(dead_code, unused_variables, unused_imports)]
mod under_loom {
    include!(concat!(env!("OUT_DIR"), "/model/ex03_switch_interval.rs"));
}

/// A CPU-bound program: `length` instructions, each writing `id` in the log.
struct Worker {
    id: usize,
    length: usize,
    done: usize,
    log: Arc<Mutex<Vec<usize>>>,
    inside: Arc<(AtomicUsize, AtomicUsize)>,
    /// Makes its thread an idle-class thread at its first instruction (see `Scene`).
    yields_to_wakers: bool,
}

impl Program for Worker {
    fn step(&mut self) -> Step {
        if self.done == self.length {
            return Step::Done(self.id as u64);
        }
        if self.done == 0 && self.yields_to_wakers {
            sched::yield_to_every_waker();
        }
        let (inside, most) = &*self.inside;
        let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
        most.fetch_max(now, Ordering::SeqCst);
        self.log.lock().unwrap().push(self.id);
        self.done += 1;
        inside.fetch_sub(1, Ordering::SeqCst);
        Step::Ran
    }
}

struct Run {
    results: Vec<u64>,
    log: Vec<usize>,
    most_inside: usize,
}

/// Waits until `n` threads are queued for `gil`, giving up after a few seconds, or
/// earlier if `gave_up()` says there is no point waiting any more.
fn wait_until_queued(gil: &FairGil, n: usize, gave_up: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while gil.queued() < n {
        if gave_up() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "only {} of {n} interpreter threads ever queued for the GIL: each thread must \
             `acquire` the GIL before it runs bytecode",
            gil.queued()
        );
        thread::sleep(Duration::from_millis(1));
    }
}

/// How the interpreter threads are scheduled.
#[derive(Clone, Copy, PartialEq)]
enum Scene {
    /// As the kernel likes.
    AsItComes,
    /// All on one CPU, program 0's thread in the idle class: whenever it wakes another
    /// interpreter thread, that thread runs at once and program 0's waits until it sleeps
    /// (see `support::sched`).
    Program0YieldsToWakers,
}

/// Runs programs of the given lengths with the given switch interval. The test thread
/// holds the GIL until all of them are queued for it, so that they start in a known state.
fn run(lengths: &'static [usize], interval: usize) -> Run {
    timeout(move || play(lengths, interval, Scene::AsItComes))
}

/// As [`run`], with the threads scheduled as `scene` says.
fn run_scene(lengths: &'static [usize], interval: usize, scene: Scene) -> Run {
    timeout(move || play(lengths, interval, scene))
}

fn play(lengths: &'static [usize], interval: usize, scene: Scene) -> Run {
    // Threads inherit the pin: `run_threads`'s threads start on this CPU.
    let _pin = match scene {
        Scene::AsItComes => None,
        Scene::Program0YieldsToWakers => sched::pin_to_one_cpu(),
    };
    let gil = Arc::new(FairGil::new());
    let log = Arc::new(Mutex::new(Vec::new()));
    let inside = Arc::new((AtomicUsize::new(0), AtomicUsize::new(0)));
    let programs: Vec<Box<dyn Program>> = lengths
        .iter()
        .enumerate()
        .map(|(id, &length)| {
            Box::new(Worker {
                id,
                length,
                done: 0,
                log: Arc::clone(&log),
                inside: Arc::clone(&inside),
                yields_to_wakers: id == 0 && scene == Scene::Program0YieldsToWakers,
            }) as Box<dyn Program>
        })
        .collect();
    let held = gil.acquire();
    let (done, results) = mpsc::channel();
    let runner = {
        let gil = Arc::clone(&gil);
        thread::spawn(move || {
            let _ = done.send(run_threads(&gil, programs, interval));
        })
    };
    // If `run_threads` ends without ever queueing (it ignores the GIL), stop waiting:
    // the log shows what went wrong.
    wait_until_queued(&gil, lengths.len(), || runner.is_finished());
    drop(held);
    let results = results.recv();
    if let Err(panic) = runner.join() {
        std::panic::resume_unwind(panic);
    }
    let log = log.lock().unwrap().clone();
    Run {
        results: results.expect("run_threads returned nothing"),
        log,
        most_inside: inside.1.load(Ordering::SeqCst),
    }
}

/// The log as turns: (program, how many instructions in a row).
fn turns(log: &[usize]) -> Vec<(usize, usize)> {
    let mut turns: Vec<(usize, usize)> = Vec::new();
    for &id in log {
        match turns.last_mut() {
            Some((last, n)) if *last == id => *n += 1,
            _ => turns.push((id, 1)),
        }
    }
    turns
}

#[test]
fn threads_take_turns_of_interval_instructions_in_rotation() {
    // 3 programs of 14 instructions, switching every 4: turns of 4, 4, 4 and then 2.
    let run = run(&[14, 14, 14], 4);
    let turns = turns(&run.log);
    let lengths: Vec<usize> = turns.iter().map(|t| t.1).collect();
    assert_eq!(
        lengths,
        [4, 4, 4, 4, 4, 4, 4, 4, 4, 2, 2, 2],
        "with a switch interval of 4 and 3 threads always waiting, every turn should be 4 \
         instructions long (but each program's last, of 14 - 3*4 = 2); the turns were \
         {turns:?}"
    );
    let first: Vec<usize> = turns.iter().take(3).map(|t| t.0).collect();
    for (i, (program, _)) in turns.iter().enumerate() {
        assert_eq!(
            *program,
            first[i % 3],
            "turn {i} went to program {program}, out of rotation: a thread that gives up \
             the GIL must queue behind the threads already waiting (turns: {turns:?})"
        );
    }
}

#[test]
fn nobody_can_take_two_turns_while_a_thread_switches() {
    // A switch must pass the GIL on and queue again in one step. Done as two (release,
    // then acquire), it leaves a gap: the thread it woke can run a whole turn, switch, and
    // find nobody queued, so it keeps the GIL for a second turn. The gap is a few
    // instructions long, so the test has the kernel stop program 0's thread right in it:
    // that thread is idle-class and shares one CPU with the other, so the thread its
    // release wakes runs at once (see `support::sched`). That is the scheduler's rule, not
    // a race; the scene is played a few times anyway.
    const SCENES: usize = 3;
    for scene in 1..=SCENES {
        let run = run_scene(&[6, 6], 2, Scene::Program0YieldsToWakers);
        let turns = turns(&run.log);
        let lengths: Vec<usize> = turns.iter().map(|t| t.1).collect();
        assert_eq!(
            lengths, [2; 6],
            "scene {scene}: two programs of 6 instructions with a switch interval of 2 should \
             take turns of 2, but the turns were {turns:?}. A thread that switches must \
             pass the GIL on and queue again in one step, under one lock: released first \
             and asked for afterwards, the thread it woke can take its turn, switch, find \
             nobody waiting, and keep the GIL"
        );
    }
}

#[test]
fn a_longer_interval_gives_longer_turns() {
    let run = run(&[20, 20], 10);
    let lengths: Vec<usize> = turns(&run.log).iter().map(|t| t.1).collect();
    assert_eq!(
        lengths,
        [10, 10, 10, 10],
        "with a switch interval of 10, two programs of 20 should take turns of 10"
    );
}

#[test]
fn only_one_thread_runs_bytecode_at_a_time() {
    let run = run(&[50, 50, 50], 3);
    assert_eq!(run.log.len(), 150, "every instruction must run once");
    assert_eq!(
        run.most_inside, 1,
        "{} threads ran bytecode at the same moment: hold the GIL while `step` runs",
        run.most_inside
    );
}

#[test]
fn results_come_back_in_program_order() {
    let run = run(&[3, 7, 1], 2);
    assert_eq!(
        run.results,
        [0, 1, 2],
        "one result per program, in program order"
    );
}

#[test]
fn the_gil_goes_to_threads_in_the_order_they_asked() {
    let order = timeout(|| {
        let gil = Arc::new(FairGil::new());
        let order = Arc::new(Mutex::new(Vec::new()));
        let held = gil.acquire();
        let mut threads = Vec::new();
        for id in 0..4 {
            let (their_gil, order) = (Arc::clone(&gil), Arc::clone(&order));
            threads.push(thread::spawn(move || {
                let _held = their_gil.acquire();
                order.lock().unwrap().push(id);
            }));
            // Only start the next thread once this one is queued: the order is known.
            wait_until_queued(&gil, id + 1, || false);
        }
        drop(held);
        for thread in threads {
            thread.join().unwrap();
        }
        order.lock().unwrap().clone()
    });
    assert_eq!(
        order,
        [0, 1, 2, 3],
        "the GIL must go to waiting threads in the order they asked for it"
    );
}

#[test]
fn a_thread_sleeps_while_it_waits_for_its_turn() {
    // The test holds the GIL; another thread asks for it. That thread has nothing to do
    // until its number is served, and it must wait asleep, on the condvar, not look at the
    // tickets again and again. (On Linux the test reads its state in `/proc`; no clock.)
    timeout(|| {
        let gil = Arc::new(FairGil::new());
        let held = gil.acquire();
        let waiter = {
            let gil = Arc::clone(&gil);
            sched::spawn_watched("waiter", move || drop(gil.acquire()))
        };
        sched::assert_parks(
            waiter.tid,
            "its turn at the GIL",
            "`Condvar::wait_while` sleeps until another thread notifies the condvar.",
        );
        drop(held);
        waiter.thread.join().unwrap();
    });
}

#[test]
fn queued_counts_the_threads_waiting_not_the_holder() {
    let counts = timeout(|| {
        let gil = FairGil::new();
        // Take and give back the GIL twice, then hold it: nobody waits.
        drop(gil.acquire());
        drop(gil.acquire());
        let held = gil.acquire();
        let alone = gil.queued();
        drop(held);
        (alone, gil.queued())
    });
    assert_eq!(
        counts,
        (0, 0),
        "with the GIL held and nobody waiting, and then with the GIL free, no thread is \
         queued: the tickets drawn and the tickets served must match up"
    );
}

/// Under loom, waits until `n` threads are queued for `gil`, letting the others run.
fn loom_wait_until_queued(gil: &under_loom::FairGil, n: usize) {
    while gil.queued() < n {
        sync::thread::yield_now();
    }
}

/// If loom says a lock was used outside its model, the module took it from `std`.
const FROM_CRATE_SYNC: &str = "(if loom says a lock or a condvar was used outside its \
    model, take `Mutex`, `Condvar` and `MutexGuard` from `crate::sync`, as the given \
    imports do, not from `std`)";

#[test]
fn no_interleaving_of_a_release_and_a_waiter_loses_the_wake_up() {
    // The test holds the GIL and another thread asks for it; then the test lets go. Loom
    // tries every order of the two threads' steps: in every one, the waiter must get the
    // GIL. A release that can land between the waiter's "is it my turn?" and its going
    // to sleep (a condvar whose mutex is not the one the tickets are under, or a notify
    // before the number is served) leaves the waiter asleep for ever: a deadlock, which
    // loom reports.
    timeout_after(support::loom::LIMIT, || {
        support::loom::check(
            &format!(
                "a thread waiting for the GIL was never woken after the holder let go (or \
                 another check failed): look at whether its turn came and go to sleep \
                 under the same lock as the one `release` serves the next number under, \
                 and notify after serving it, not before. {FROM_CRATE_SYNC}"
            ),
            || {
                let gil = sync::Arc::new(under_loom::FairGil::new());
                let held = gil.acquire();
                let waiter = {
                    let gil = sync::Arc::clone(&gil);
                    sync::thread::spawn(move || drop(gil.acquire()))
                };
                drop(held);
                waiter.join().unwrap();
                assert_eq!(gil.queued(), 0, "nobody waits at the end");
            },
        )
    });
}

#[test]
fn no_interleaving_lets_a_thread_take_two_turns_while_another_switches() {
    // The test holds the GIL; X queues for it, and then the test switches: X's turn, and
    // the test queues behind X. X runs, then switches too: the test's turn, and X queues
    // behind it. So the log is X, then the test, then X again, in every interleaving. A
    // switch done in two steps (release, then acquire) lets X run its first turn in
    // between, switch with nobody queued, and go on: X, X, then the test.
    timeout_after(support::loom::LIMIT, || {
        support::loom::check(
            &format!(
                "a thread that switched got the GIL back before the thread it had handed \
                 it to had queued again: `switch` must serve the next number and draw a \
                 new one under one lock of the tickets, not release and then acquire. \
                 {FROM_CRATE_SYNC}"
            ),
            || {
                let gil = sync::Arc::new(under_loom::FairGil::new());
                let log = Arc::new(Mutex::new(Vec::new()));
                let mut held = gil.acquire();
                let x = {
                    let (gil, log) = (sync::Arc::clone(&gil), Arc::clone(&log));
                    sync::thread::spawn(move || {
                        let mut held = gil.acquire();
                        log.lock().unwrap().push("X's first turn");
                        held.switch();
                        log.lock().unwrap().push("X's second turn");
                    })
                };
                loom_wait_until_queued(&gil, 1);
                held.switch();
                log.lock().unwrap().push("the test's turn");
                drop(held);
                x.join().unwrap();
                let log = log.lock().unwrap().clone();
                assert_eq!(
                    log,
                    ["X's first turn", "the test's turn", "X's second turn"],
                    "the turns went in the wrong order"
                );
            },
        )
    });
}

#[test]
fn no_interleaving_wakes_the_wrong_sleeper_or_lets_two_hold_the_gil() {
    // The test holds the GIL; X and then Y queue for it; the test switches. X's turn,
    // then Y's, then the test's again, in every interleaving, and never two at once. A
    // release that wakes one sleeper (`notify_one`) may wake one whose turn it is not,
    // and the one whose turn it is sleeps for ever; a waiter that does not look again
    // after it wakes (`if` instead of `while`) goes ahead out of turn.
    timeout_after(support::loom::LIMIT, || {
        support::loom::check(
            &format!(
                "the GIL did not go to X, then Y, then the test, one at a time: a release \
                 must wake every sleeper (`notify_all`), and each must look at the number \
                 served again after it wakes (`wait_while`, or `wait` in a `while` loop). \
                 {FROM_CRATE_SYNC}"
            ),
            || {
                let gil = sync::Arc::new(under_loom::FairGil::new());
                let inside = sync::Arc::new(sync::atomic::AtomicUsize::new(0));
                let log = Arc::new(Mutex::new(Vec::new()));
                let holder = |name: &'static str| {
                    let (gil, inside, log) = (
                        sync::Arc::clone(&gil),
                        sync::Arc::clone(&inside),
                        Arc::clone(&log),
                    );
                    move || {
                        let held = gil.acquire();
                        let others = inside.fetch_add(1, Ordering::SeqCst);
                        assert_eq!(others, 0, "{name} got the GIL while another held it");
                        log.lock().unwrap().push(name);
                        inside.fetch_sub(1, Ordering::SeqCst);
                        drop(held);
                    }
                };
                let mut held = gil.acquire();
                inside.fetch_add(1, Ordering::SeqCst);
                let x = sync::thread::spawn(holder("X"));
                loom_wait_until_queued(&gil, 1);
                let y = sync::thread::spawn(holder("Y"));
                loom_wait_until_queued(&gil, 2);
                inside.fetch_sub(1, Ordering::SeqCst);
                held.switch();
                let others = inside.fetch_add(1, Ordering::SeqCst);
                assert_eq!(others, 0, "the test got the GIL back while another held it");
                log.lock().unwrap().push("the test");
                inside.fetch_sub(1, Ordering::SeqCst);
                drop(held);
                x.join().unwrap();
                y.join().unwrap();
                let log = log.lock().unwrap().clone();
                assert_eq!(
                    log,
                    ["X", "Y", "the test"],
                    "the turns went in the wrong order"
                );
            },
        )
    });
}

#[test]
fn a_thread_that_switches_sleeps_until_its_turn_comes_back() {
    // The test's thread T holds the GIL; X queues for it, and T switches: X's turn. X
    // keeps the GIL until the test's word, and T has nothing to do but wait for its next
    // turn, asleep on the condvar. (On Linux the test reads T's state in `/proc`.)
    timeout(|| {
        let gil = Arc::new(FairGil::new());
        let (go, word) = mpsc::channel::<()>();
        let (x_has_it, x_holds) = mpsc::channel::<()>();
        let t = {
            let gil = Arc::clone(&gil);
            let (holds, t_holds) = mpsc::channel::<()>();
            let t = sched::spawn_watched("T", move || {
                let mut held = gil.acquire();
                holds.send(()).unwrap();
                while gil.queued() < 1 {
                    thread::sleep(Duration::from_millis(1));
                }
                held.switch();
            });
            t_holds.recv().expect("T never got the GIL");
            t
        };
        let x = {
            let gil = Arc::clone(&gil);
            thread::spawn(move || {
                let _held = gil.acquire();
                x_has_it.send(()).unwrap();
                let _ = word.recv();
            })
        };
        x_holds
            .recv_timeout(PATIENCE)
            .expect("X never got the GIL after T switched");
        sched::assert_parks(
            t.tid,
            "its turn to come back after a switch",
            "`Condvar::wait_while` sleeps until another thread notifies the condvar.",
        );
        go.send(()).unwrap();
        x.join().unwrap();
        t.thread
            .join()
            .unwrap_or_else(|panic| panic::resume_unwind(panic));
    });
}

/// A program that panics at its first instruction, with `message`.
struct Panics(&'static str);

impl Program for Panics {
    fn step(&mut self) -> Step {
        panic!("{}", self.0)
    }
}

/// A program of one instruction.
struct Short;

impl Program for Short {
    fn step(&mut self) -> Step {
        Step::Done(1)
    }
}

/// What a panic said, if it said it with a string.
fn message(payload: &(dyn std::any::Any + Send)) -> Option<&str> {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
}

#[test]
fn a_program_s_panic_reaches_the_caller_with_its_message() {
    let outcome = timeout(|| {
        let programs: Vec<Box<dyn Program>> = vec![
            Box::new(Short),
            Box::new(Panics("program 1 ran out of stack")),
        ];
        panic::catch_unwind(AssertUnwindSafe(|| {
            run_threads(&FairGil::new(), programs, 2)
        }))
    });
    match outcome {
        Ok(results) => panic!(
            "program 1 panicked, yet `run_threads` returned {results:?} as if all had gone \
             well: pass the panic that `join` returns on with `std::panic::resume_unwind`"
        ),
        Err(payload) if message(&*payload) == Some("program 1 ran out of stack") => {}
        Err(payload) => match message(&*payload) {
            Some(todo) if todo.starts_with("not yet implemented") => panic::resume_unwind(payload),
            said => panic!(
                "program 1 panicked with \"program 1 ran out of stack\", but the caller got \
                 a panic that says {said:?}: the program's own message was lost. Pass the \
                 payload that `join` returns on with `std::panic::resume_unwind` (`unwrap` \
                 replaces it with its own). A panic in a program must also not leave the \
                 GIL held: the guard's drop releases it as the thread unwinds"
            ),
        },
    }
}

/// A program whose first instruction waits for the test's word.
struct WaitsForWord(Option<mpsc::Receiver<()>>);

impl Program for WaitsForWord {
    fn step(&mut self) -> Step {
        match self.0.take() {
            Some(word) => {
                let _ = word.recv();
                Step::Ran
            }
            None => Step::Done(1),
        }
    }
}

#[test]
fn the_caller_sleeps_while_the_programs_run() {
    // The only program waits for the test's word. Meanwhile the thread that called
    // `run_threads` has nothing to do but wait, and it must wait asleep: `join` parks it
    // until the thread has ended. (On Linux the test reads the thread's state in `/proc`.)
    timeout(|| {
        let (go, word) = mpsc::channel();
        let caller = sched::spawn_watched("caller", move || {
            run_threads(&FairGil::new(), vec![Box::new(WaitsForWord(Some(word)))], 3)
        });
        sched::assert_parks(
            caller.tid,
            "its programs' threads to finish",
            "`ScopedJoinHandle::join` sleeps until the thread has ended.",
        );
        go.send(()).unwrap();
        let results = caller
            .thread
            .join()
            .unwrap_or_else(|panic| panic::resume_unwind(panic));
        assert_eq!(results, [1], "one program, one result");
    });
}
