//! Tests for exercise 03.1: `run_threads` under one global lock.
//!
//! The programs here are instrumented: each instruction counts itself in and out of the
//! interpreter, so the tests *see* how many threads ran bytecode at once. No clock is read
//! to decide anything.

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

/// A CPU-bound program: `length` instructions that add up numbers. Each instruction
/// lingers a little, so that a second thread running without the lock would be caught
/// inside at the same time.
struct Adder {
    id: usize,
    length: usize,
    done: usize,
    sum: u64,
    probe: Arc<Probe>,
}

impl Program for Adder {
    fn step(&mut self) -> Step {
        if self.done == self.length {
            return Step::Done(self.sum);
        }
        let probe = Arc::clone(&self.probe);
        probe.instruction(|| {
            probe
                .ran_on
                .lock()
                .unwrap()
                .push((self.id, thread::current().id()));
            self.done += 1;
            self.sum += (self.id * 1000 + self.done) as u64;
            thread::sleep(Duration::from_micros(200));
        });
        Step::Ran
    }
}

fn adders(lengths: &[usize], probe: &Arc<Probe>) -> Vec<Box<dyn Program>> {
    lengths
        .iter()
        .enumerate()
        .map(|(id, &length)| {
            Box::new(Adder {
                id,
                length,
                done: 0,
                sum: 0,
                probe: Arc::clone(probe),
            }) as Box<dyn Program>
        })
        .collect()
}

fn expected_sum(id: usize, length: usize) -> u64 {
    (1..=length).map(|i| (id * 1000 + i) as u64).sum()
}

#[test]
fn only_one_thread_runs_bytecode_at_a_time() {
    let probe = timeout(|| {
        let probe = Arc::new(Probe::default());
        let gil = Gil::new();
        run_threads(&gil, adders(&[30, 30, 30, 30], &probe));
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

#[test]
fn results_come_back_in_program_order() {
    let results = timeout(|| {
        let probe = Arc::new(Probe::default());
        run_threads(&Gil::new(), adders(&[5, 1, 3], &probe))
    });
    assert_eq!(
        results,
        [expected_sum(0, 5), expected_sum(1, 1), expected_sum(2, 3)],
        "one result per program, in the order of the programs"
    );
}

#[test]
fn each_program_runs_on_a_thread_of_its_own() {
    let (caller, ran_on) = timeout(|| {
        let probe = Arc::new(Probe::default());
        run_threads(&Gil::new(), adders(&[3, 3, 3], &probe));
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

/// Waits, one instruction at a time, until the other program has run an instruction; it
/// gives up after a few seconds (only a wrong answer ever gets that far).
struct Waiter {
    other_ran: Arc<AtomicBool>,
    deadline: Instant,
}

impl Program for Waiter {
    fn step(&mut self) -> Step {
        if self.other_ran.load(Ordering::SeqCst) {
            Step::Done(1)
        } else if Instant::now() > self.deadline {
            Step::Done(0)
        } else {
            Step::Ran
        }
    }
}

/// Runs one instruction, which the waiter is waiting for.
struct Signaller {
    other_ran: Arc<AtomicBool>,
}

impl Program for Signaller {
    fn step(&mut self) -> Step {
        self.other_ran.store(true, Ordering::SeqCst);
        Step::Done(2)
    }
}

#[test]
fn threads_take_turns_between_instructions() {
    let results = timeout(|| {
        let other_ran = Arc::new(AtomicBool::new(false));
        let programs: Vec<Box<dyn Program>> = vec![
            Box::new(Waiter {
                other_ran: Arc::clone(&other_ran),
                deadline: Instant::now() + Duration::from_secs(5),
            }),
            Box::new(Signaller { other_ran }),
        ];
        run_threads(&Gil::new(), programs)
    });
    assert_eq!(
        results,
        [1, 2],
        "the first program loops until the second has run an instruction, and it never \
         saw that happen: the threads must run at the same time, and the GIL must be let \
         go between instructions so that the other thread can get in"
    );
}

#[test]
fn no_programs_give_no_results() {
    let results = timeout(|| run_threads(&Gil::new(), Vec::new()));
    assert!(results.is_empty(), "no programs, yet results: {results:?}");
}
