//! Tests for exercise 03.3: a fair GIL and the switch interval.
//!
//! Fairness is shown by a log, not a clock: every instruction writes its program's
//! number, and the tests read the turns off the log. To make the turns exact, the test
//! holds the GIL itself until every interpreter thread is queued for it, then lets go.

use ch03_gil::ex03_switch_interval::{FairGil, Program, Step, run_threads};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread;
use std::time::{Duration, Instant};
use support::{sched, timeout};

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
fn a_release_wakes_the_thread_whose_turn_it_is() {
    // The test's own thread T holds the GIL; X and then Y queue for it. T switches: X's
    // turn, and T queues again, behind Y. The switch woke every sleeper, so Y went back
    // to sleep *after* T did: a release that wakes one sleeper (`notify_one`) wakes T,
    // whose turn it is not, and Y, whose turn it is, sleeps forever. The order in which
    // sleepers wake is the kernel's, so the scene is played SCENES times; a stuck scene
    // (Y never runs) ends the test. On the course's 2-core machine the `notify_one` answer
    // (`ex03-notify-one`) got stuck within the first 3 scenes in each of 8 runs, idle or
    // with both cores busy with other work: its odds of escaping 60 scenes are negligible.
    const SCENES: usize = 60;
    let stuck = timeout(|| {
        for scene in 0..SCENES {
            let gil = Arc::new(FairGil::new());
            let order = Arc::new(Mutex::new(Vec::new()));
            let (finished, all_done) = mpsc::channel();
            // T, on a thread of its own so that this thread can give up on a stuck scene.
            let (holds, t_holds) = mpsc::channel();
            let (go, t_go) = mpsc::channel::<()>();
            {
                let (gil, order, finished) =
                    (Arc::clone(&gil), Arc::clone(&order), finished.clone());
                thread::spawn(move || {
                    let mut held = gil.acquire();
                    holds.send(()).unwrap();
                    let _ = t_go.recv();
                    held.switch();
                    order.lock().unwrap().push("T");
                    drop(held);
                    let _ = finished.send(());
                });
            }
            t_holds.recv().unwrap();
            for (queued, name) in [(1, "X"), (2, "Y")] {
                let (their_gil, order, finished) =
                    (Arc::clone(&gil), Arc::clone(&order), finished.clone());
                thread::spawn(move || {
                    let _held = their_gil.acquire();
                    order.lock().unwrap().push(name);
                    let _ = finished.send(());
                });
                wait_until_queued(&gil, queued, || false);
            }
            go.send(()).unwrap();
            for _ in 0..3 {
                if all_done.recv_timeout(Duration::from_secs(3)).is_err() {
                    return Some((scene, order.lock().unwrap().clone()));
                }
            }
        }
        None
    });
    if let Some((scene, order)) = stuck {
        panic!(
            "in scene {} of {SCENES}, after X's turn, Y (next in line) never got the GIL; \
             the order so far was {order:?}. A release must wake every sleeper \
             (`notify_all`): each checks its number, and the one whose turn it is goes on",
            scene + 1
        );
    }
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
