//! Tests for exercise 03.1: `run_threads` under one global lock.
//!
//! The programs here are instrumented: each instruction counts itself in and out of the
//! interpreter, so the tests *see* how many threads ran bytecode at once. Programs that
//! wait for each other show that the threads run at the same time: they give up after a
//! few seconds, which only a wrong answer ever reaches. No clock decides a right answer.

use ch03_gil::ex01_gil::{Gil, Program, Step, run_threads};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};
use support::timeout;

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
