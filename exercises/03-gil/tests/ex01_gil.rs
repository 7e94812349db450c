//! Tests for exercise 03.1: `run_threads` under one global lock.
//!
//! The programs here are instrumented: each instruction counts itself in and out of the
//! interpreter, so the tests *see* how many threads ran bytecode at once. Programs that
//! wait for each other show that the threads run at the same time: they give up after a
//! few seconds, which only a wrong answer ever reaches. No clock decides a right answer.

use ch03_gil::ex01_gil::{Gil, Program, Step, run_threads};
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};
use support::{isolated, sched, timeout};

/// What the instructions saw.
#[derive(Default)]
struct Probe {
    /// Threads inside an instruction right now.
    inside: AtomicUsize,
    /// The most that ever were.
    most_inside: AtomicUsize,
    /// Instructions run, in total.
    instructions: AtomicUsize,
    /// The thread each program's instructions ran on.
    ran_on: Mutex<Vec<(usize, ThreadId)>>,
}

impl Probe {
    // ANCHOR: instruction
    /// Runs `work` as one instruction, counted in and out.
    fn instruction<T>(&self, work: impl FnOnce() -> T) -> T {
        let now = self.inside.fetch_add(1, Ordering::SeqCst) + 1;
        self.most_inside.fetch_max(now, Ordering::SeqCst);
        let value = work();
        self.instructions.fetch_add(1, Ordering::SeqCst);
        self.inside.fetch_sub(1, Ordering::SeqCst);
        value
    }
    // ANCHOR_END: instruction
}

/// A CPU-bound program of `length` instructions. Each instruction lingers a little, so
/// that a second thread running without the lock would be caught inside at the same time.
struct Worker {
    id: usize,
    length: usize,
    done: usize,
    probe: Arc<Probe>,
}

impl Program for Worker {
    fn step(&mut self) -> Step {
        if self.done == self.length {
            return Step::Done(self.done as u64);
        }
        let probe = Arc::clone(&self.probe);
        probe.instruction(|| {
            probe
                .ran_on
                .lock()
                .unwrap()
                .push((self.id, thread::current().id()));
            self.done += 1;
            thread::sleep(Duration::from_micros(200));
        });
        Step::Ran
    }
}

fn workers(lengths: &[usize], probe: &Arc<Probe>) -> Vec<Box<dyn Program>> {
    lengths
        .iter()
        .enumerate()
        .map(|(id, &length)| {
            Box::new(Worker {
                id,
                length,
                done: 0,
                probe: Arc::clone(probe),
            }) as Box<dyn Program>
        })
        .collect()
}

#[test]
fn only_one_thread_runs_bytecode_at_a_time() {
    let probe = timeout(|| {
        let probe = Arc::new(Probe::default());
        let gil = Gil::new();
        run_threads(&gil, workers(&[30, 30, 30, 30], &probe));
        probe
    });
    let most = probe.most_inside.load(Ordering::SeqCst);
    assert_eq!(
        probe.instructions.load(Ordering::SeqCst),
        120,
        "4 programs of 30 instructions: every instruction must run once"
    );
    assert_eq!(
        most, 1,
        "{most} threads were running bytecode at the same moment; under the GIL there is \
         never more than 1. Hold the GIL while `step` runs."
    );
}

/// Finishes only once the next program has finished (the last one finishes at once), so
/// that the programs finish last to first. It waits one instruction at a time, and gives
/// up after a few seconds (only a wrong answer ever gets that far).
struct Relay {
    id: usize,
    finished: Arc<Vec<AtomicBool>>,
    deadline: Instant,
}

impl Program for Relay {
    fn step(&mut self) -> Step {
        let next = self.finished.get(self.id + 1);
        if next.is_none_or(|next| next.load(Ordering::SeqCst)) {
            self.finished[self.id].store(true, Ordering::SeqCst);
            Step::Done(self.id as u64 * 10 + 1)
        } else if Instant::now() > self.deadline {
            Step::Done(0)
        } else {
            Step::Ran
        }
    }
}

#[test]
fn results_come_back_in_program_order() {
    let results = timeout(|| {
        let finished = Arc::new((0..3).map(|_| AtomicBool::new(false)).collect::<Vec<_>>());
        let deadline = Instant::now() + Duration::from_secs(5);
        let programs = (0..3)
            .map(|id| {
                Box::new(Relay {
                    id,
                    finished: Arc::clone(&finished),
                    deadline,
                }) as Box<dyn Program>
            })
            .collect();
        run_threads(&Gil::new(), programs)
    });
    assert_eq!(
        results,
        [1, 11, 21],
        "one result per program, in the order of the programs, although they finish last \
         to first (a 0 is a program that gave up waiting for the next one to finish: the \
         threads must run at the same time)"
    );
}

#[test]
fn each_program_runs_on_a_thread_of_its_own() {
    let (caller, ran_on) = timeout(|| {
        let probe = Arc::new(Probe::default());
        run_threads(&Gil::new(), workers(&[3, 3, 3], &probe));
        let ran_on = probe.ran_on.lock().unwrap().clone();
        (thread::current().id(), ran_on)
    });
    let mut threads: Vec<Option<ThreadId>> = vec![None; 3];
    for (program, thread) in ran_on {
        assert_ne!(
            thread, caller,
            "program {program} ran on the calling thread; each program is an interpreter \
             thread of its own"
        );
        let first = *threads[program].get_or_insert(thread);
        assert_eq!(
            first, thread,
            "program {program} moved between threads; it should stay on one"
        );
    }
    for (a, ta) in threads.iter().enumerate() {
        for (b, tb) in threads.iter().enumerate().skip(a + 1) {
            assert_ne!(ta, tb, "programs {a} and {b} ran on the same thread");
        }
    }
}

/// Runs an instruction, then waits, one instruction at a time, until its partner has run
/// one too; it gives up after a few seconds (only a wrong answer ever gets that far).
struct Partner {
    ran: Arc<AtomicBool>,
    partner_ran: Arc<AtomicBool>,
    deadline: Instant,
}

impl Program for Partner {
    fn step(&mut self) -> Step {
        self.ran.store(true, Ordering::SeqCst);
        if self.partner_ran.load(Ordering::SeqCst) {
            Step::Done(1)
        } else if Instant::now() > self.deadline {
            Step::Done(0)
        } else {
            Step::Ran
        }
    }
}

#[test]
fn threads_take_turns_between_instructions() {
    let results = timeout(|| {
        let a = Arc::new(AtomicBool::new(false));
        let b = Arc::new(AtomicBool::new(false));
        let deadline = Instant::now() + Duration::from_secs(5);
        let programs: Vec<Box<dyn Program>> = vec![
            Box::new(Partner {
                ran: Arc::clone(&a),
                partner_ran: Arc::clone(&b),
                deadline,
            }),
            Box::new(Partner {
                ran: b,
                partner_ran: a,
                deadline,
            }),
        ];
        run_threads(&Gil::new(), programs)
    });
    assert_eq!(
        results,
        [1, 1],
        "each program loops until the other has run an instruction, and one of them never \
         saw that happen: the threads must run at the same time, and each must let go of \
         the GIL between instructions so that the other can get in"
    );
}

#[test]
fn no_programs_give_no_results() {
    let results = timeout(|| run_threads(&Gil::new(), Vec::new()));
    assert!(results.is_empty(), "no programs, yet results: {results:?}");
}

/// A program of `length` instructions, each of which notes whether the GIL is held while
/// it runs and in which turn of the GIL it runs (`Gil::is_held`, `Gil::turns`).
struct Checker {
    gil: Arc<Gil>,
    length: usize,
    seen: Arc<Mutex<Vec<(bool, u64)>>>,
}

impl Program for Checker {
    fn step(&mut self) -> Step {
        let mut seen = self.seen.lock().unwrap();
        if seen.len() == self.length {
            return Step::Done(self.length as u64);
        }
        seen.push((self.gil.is_held(), self.gil.turns()));
        Step::Ran
    }
}

/// Runs one `Checker` of `length` instructions alone: nobody else can hold the GIL, so
/// what each instruction saw is about its own thread.
fn check_alone(length: usize) -> Vec<(bool, u64)> {
    timeout(move || {
        let gil = Arc::new(Gil::new());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let program = Checker {
            gil: Arc::clone(&gil),
            length,
            seen: Arc::clone(&seen),
        };
        let results = run_threads(&gil, vec![Box::new(program)]);
        assert_eq!(
            results,
            [length as u64],
            "one program, one result: the value of its `Done`"
        );
        seen.lock().unwrap().clone()
    })
}

#[test]
fn every_instruction_runs_while_its_thread_holds_the_gil() {
    let seen = check_alone(6);
    assert_eq!(
        seen.len(),
        6,
        "a program of 6 instructions: each must run once"
    );
    for (i, (held, _)) in seen.iter().enumerate() {
        assert!(
            held,
            "instruction {i} of the only program ran while nobody held the GIL: take it \
             with `gil.acquire()` and keep the guard alive while `step` runs (`let _ = \
             gil.acquire();` drops it at once; `let _gil = ...` keeps it to the end of the \
             block)"
        );
    }
}

#[test]
fn the_gil_is_let_go_between_any_two_instructions() {
    let seen = check_alone(6);
    assert_eq!(
        seen.len(),
        6,
        "a program of 6 instructions: each must run once"
    );
    for (i, pair) in seen.windows(2).enumerate() {
        let (before, after) = (pair[0].1, pair[1].1);
        assert!(
            after > before,
            "instructions {i} and {} ran in the same turn of the GIL (turn {before}): the \
             thread kept the GIL from one instruction to the next, so no other thread could \
             have got in between. Let go of it after each instruction and take it again \
             before the next (turns seen: {:?})",
            i + 1,
            seen.iter().map(|s| s.1).collect::<Vec<_>>()
        );
    }
}

/// A program that panics at its first instruction, with `message`.
struct Panics(&'static str);

impl Program for Panics {
    fn step(&mut self) -> Step {
        panic!("{}", self.0)
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
        let probe = Arc::new(Probe::default());
        let mut programs = workers(&[2], &probe);
        programs.push(Box::new(Panics("program 1 divided by zero")));
        panic::catch_unwind(AssertUnwindSafe(|| run_threads(&Gil::new(), programs)))
    });
    match outcome {
        Ok(results) => panic!(
            "program 1 panicked, yet `run_threads` returned {results:?} as if all had gone \
             well: pass the panic that `join` returns on with `std::panic::resume_unwind`"
        ),
        Err(payload) if message(&*payload) == Some("program 1 divided by zero") => {}
        Err(payload) => match message(&*payload) {
            Some(todo) if todo.starts_with("not yet implemented") => panic::resume_unwind(payload),
            said => panic!(
                "program 1 panicked with \"program 1 divided by zero\", but the caller got a \
                 panic that says {said:?}: the program's own message was lost. Pass the \
                 payload that `join` returns on with `std::panic::resume_unwind` (`unwrap` \
                 replaces it with its own)"
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
    // until the thread has ended. (On Linux the test reads the thread's state in `/proc`;
    // no clock.)
    timeout(|| {
        let (go, word) = mpsc::channel();
        let caller = sched::spawn_watched("caller", move || {
            run_threads(&Gil::new(), vec![Box::new(WaitsForWord(Some(word)))])
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

/// The kernel ids of this process's threads now, as Linux's `/proc/self/task` lists them.
fn threads_of_this_process() -> Vec<sched::Tid> {
    std::fs::read_dir("/proc/self/task")
        .expect("/proc/self/task lists the threads of the process")
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse().ok())
        .map(sched::Tid)
        .collect()
}

#[test]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "finds and watches the program's thread in /proc, which only Linux has"
)]
fn a_thread_waiting_for_the_gil_sleeps() {
    // The test takes the GIL itself, then calls `run_threads` with one program, on a
    // thread of its own. The program's thread has nothing to do but wait for the GIL, and
    // it must wait asleep: `acquire` parks it until the GIL is free. The test finds that
    // thread in `/proc` (the one new thread that is not the caller; the test runs alone in
    // a child process, so no other test's threads come and go) and reads its state there,
    // with no clock; then it lets go of the GIL.
    isolated::run(
        "the test process died while a program's thread waited for the GIL",
        || {
            let results = timeout(|| {
                let gil = Arc::new(Gil::new());
                let held = gil.acquire();
                let before = threads_of_this_process();
                let probe = Arc::new(Probe::default());
                let programs = workers(&[3], &probe);
                let caller = {
                    let gil = Arc::clone(&gil);
                    sched::spawn_watched("caller", move || run_threads(&gil, programs))
                };
                let mut program_thread = None;
                support::within_patience(|| {
                    program_thread = threads_of_this_process()
                        .into_iter()
                        .find(|tid| !before.contains(tid) && *tid != caller.tid);
                    program_thread.is_some() || caller.thread.is_finished()
                });
                let Some(tid) = program_thread else {
                    drop(held);
                    let _ = caller
                        .thread
                        .join()
                        .map_err(|panic| panic::resume_unwind(panic));
                    panic!(
                        "`run_threads` started no thread for its program: each program runs \
                         on an OS thread of its own"
                    );
                };
                sched::assert_parks(
                    tid,
                    "the GIL, which the test holds",
                    "`Gil::acquire` sleeps until the GIL is free: call it, and nothing else, \
                     to wait for the GIL (a loop on `is_held` spins).",
                );
                drop(held);
                caller
                    .thread
                    .join()
                    .unwrap_or_else(|panic| panic::resume_unwind(panic))
            });
            assert_eq!(results, [3], "one program of 3 instructions, one result");
        },
    );
}
