//! Tests for exercise 03.2: `run_threads` that lets go of the GIL around blocking calls.
//!
//! Blocking calls that must overlap meet at a `Rendezvous`: they only meet if every
//! thread reached its blocking call while the others were still in theirs, which no
//! answer that keeps the GIL during a call can do. Instructions are counted in and out,
//! as in exercise 03.1, to show that bytecode itself never overlaps.

use ch03_gil::ex02_release::{Gil, Program, Step, run_threads};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, ThreadId};
use std::time::Duration;
use support::{Rendezvous, timeout};

/// What a program does next.
enum Op {
    /// One instruction of bytecode, which lingers a little.
    Compute,
    /// A call that blocks: wait at the meeting point.
    Meet,
    /// A call that blocks: sleep a little.
    Sleep,
}

/// What the program saw.
#[derive(Default)]
struct Probe {
    /// Threads inside an instruction right now, and the most there ever were.
    inside: AtomicUsize,
    most_inside: AtomicUsize,
    /// Instructions and blocking calls run, in total.
    instructions: AtomicUsize,
    calls: AtomicUsize,
    /// Whether each meeting succeeded.
    met: Mutex<Vec<bool>>,
    /// The thread each program's blocking calls ran on.
    calls_ran_on: Mutex<Vec<(usize, ThreadId)>>,
}

struct Script {
    id: usize,
    ops: VecDeque<Op>,
    meeting: Arc<Rendezvous>,
    probe: Arc<Probe>,
}

impl Program for Script {
    fn step(&mut self) -> Step {
        let probe = Arc::clone(&self.probe);
        let now = probe.inside.fetch_add(1, Ordering::SeqCst) + 1;
        probe.most_inside.fetch_max(now, Ordering::SeqCst);
        let step = match self.ops.pop_front() {
            None => Step::Done(self.id as u64 * 10),
            Some(Op::Compute) => {
                thread::sleep(Duration::from_micros(200));
                probe.instructions.fetch_add(1, Ordering::SeqCst);
                Step::Ran
            }
            Some(op) => {
                let (id, meeting, probe) = (self.id, Arc::clone(&self.meeting), Arc::clone(&probe));
                Step::Blocking(Box::new(move || {
                    probe.calls.fetch_add(1, Ordering::SeqCst);
                    probe
                        .calls_ran_on
                        .lock()
                        .unwrap()
                        .push((id, thread::current().id()));
                    match op {
                        Op::Meet => {
                            let met = meeting.try_meet();
                            probe.met.lock().unwrap().push(met);
                        }
                        _ => thread::sleep(Duration::from_millis(1)),
                    }
                }))
            }
        };
        probe.inside.fetch_sub(1, Ordering::SeqCst);
        step
    }
}

/// Runs one program per script; blocking `Meet` calls meet `parties` at a time.
fn run(scripts: Vec<Vec<Op>>, parties: usize) -> (Vec<u64>, Arc<Probe>, ThreadId) {
    timeout(move || {
        let probe = Arc::new(Probe::default());
        // When the calls run one after another, all but the last wait out the patience in
        // turn: 2 × 3 s stays within the test's time limit, so the failure says that the
        // calls never overlapped instead of "probably a deadlock".
        let meeting = Arc::new(Rendezvous::with_patience(parties, Duration::from_secs(3)));
        let programs = scripts
            .into_iter()
            .enumerate()
            .map(|(id, ops)| {
                Box::new(Script {
                    id,
                    ops: ops.into(),
                    meeting: Arc::clone(&meeting),
                    probe: Arc::clone(&probe),
                }) as Box<dyn Program>
            })
            .collect();
        let results = run_threads(&Gil::new(), programs);
        (results, probe, thread::current().id())
    })
}

#[test]
fn blocking_calls_of_all_threads_overlap() {
    use Op::*;
    let scripts = (0..3).map(|_| vec![Compute, Meet, Compute]).collect();
    let (_, probe, _) = run(scripts, 3);
    let met = probe.met.lock().unwrap().clone();
    assert_eq!(met.len(), 3, "each program's blocking call must run once");
    assert!(
        met.iter().all(|&m| m),
        "the blocking calls of 3 threads never were in progress at the same time (only \
         {} of 3 met). A thread must release the GIL while its call blocks, or the other \
         threads cannot run the bytecode that brings them to their own calls.",
        met.iter().filter(|&&m| m).count()
    );
}

#[test]
fn bytecode_still_runs_one_thread_at_a_time() {
    use Op::*;
    let script = || {
        let mut ops = vec![Sleep];
        ops.extend((0..15).map(|_| Compute));
        ops.push(Sleep);
        ops.extend((0..15).map(|_| Compute));
        ops
    };
    let (_, probe, _) = run((0..3).map(|_| script()).collect(), 3);
    assert_eq!(
        probe.instructions.load(Ordering::SeqCst),
        90,
        "3 programs of 30 instructions: every instruction must run once"
    );
    let most = probe.most_inside.load(Ordering::SeqCst);
    assert_eq!(
        most, 1,
        "{most} threads ran bytecode at the same moment. Release the GIL around a blocking \
         call, and take it back before the next instruction."
    );
}

#[test]
fn each_blocking_call_runs_once_on_its_programs_thread() {
    use Op::*;
    let scripts = (0..3).map(|_| vec![Sleep, Compute, Sleep]).collect();
    let (results, probe, caller) = run(scripts, 3);
    assert_eq!(
        results,
        [0, 10, 20],
        "one result per program, in program order"
    );
    assert_eq!(
        probe.calls.load(Ordering::SeqCst),
        6,
        "3 programs make 2 blocking calls each: each must run exactly once"
    );
    let ran_on = probe.calls_ran_on.lock().unwrap().clone();
    for (program, thread) in &ran_on {
        assert_ne!(
            *thread, caller,
            "program {program}'s blocking call ran on the calling thread; each program \
             runs on a thread of its own"
        );
        let mine: Vec<_> = ran_on.iter().filter(|(p, _)| p == program).collect();
        assert!(
            mine.iter().all(|(_, t)| t == thread),
            "program {program}'s blocking calls ran on different threads"
        );
    }
}
