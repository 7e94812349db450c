//! Tests for exercise 03.2: `run_threads` that lets go of the GIL around blocking calls.
//!
//! Blocking calls that must overlap meet at a `Rendezvous`: they only meet if every
//! thread reached its blocking call while the others were still in theirs, which no
//! answer that keeps the GIL during a call can do. Instructions are counted in and out,
//! as in exercise 03.1, to show that bytecode itself never overlaps.

use ch03_gil::ex02_release::{Gil, Program, Step, run_threads};
use std::collections::VecDeque;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, mpsc};
use std::thread::{self, ThreadId};
use std::time::Duration;
use support::{Rendezvous, sched, timeout};

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
    /// The thread each program's instructions ran on.
    steps_ran_on: Mutex<Vec<(usize, ThreadId)>>,
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
        probe
            .steps_ran_on
            .lock()
            .unwrap()
            .push((self.id, thread::current().id()));
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
    let steps_ran_on = probe.steps_ran_on.lock().unwrap().clone();
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
        assert!(
            steps_ran_on
                .iter()
                .filter(|(p, _)| p == program)
                .all(|(_, t)| t == thread),
            "program {program}'s blocking calls ran on another thread than its instructions: \
             the interpreter thread makes the call itself, and waits for it, before its next \
             instruction (handing it to another thread lets the program run on while the \
             call has not happened yet)"
        );
    }
}

/// What each instruction and each blocking call of a lone program saw.
#[derive(Default)]
struct Seen {
    /// (what ran: "instruction n" or "call n", whether the GIL was held meanwhile).
    held: Vec<(String, bool)>,
    /// Blocking calls that have returned.
    calls_done: usize,
}

/// A program that runs `ops` (`true`: an instruction, `false`: a blocking call) and notes,
/// at each, whether the GIL is held (`Gil::is_held`). Alone, nobody else can hold it.
struct Checker {
    gil: Arc<Gil>,
    ops: VecDeque<bool>,
    n: usize,
    seen: Arc<Mutex<Seen>>,
}

impl Program for Checker {
    fn step(&mut self) -> Step {
        let held = self.gil.is_held();
        let mut seen = self.seen.lock().unwrap();
        self.n += 1;
        let n = self.n;
        seen.held.push((format!("instruction {n}"), held));
        match self.ops.pop_front() {
            None => Step::Done(seen.calls_done as u64),
            Some(true) => Step::Ran,
            Some(false) => {
                let (gil, seen) = (Arc::clone(&self.gil), Arc::clone(&self.seen));
                Step::Blocking(Box::new(move || {
                    let held = gil.is_held();
                    let mut seen = seen.lock().unwrap();
                    seen.held
                        .push((format!("the call made by instruction {n}"), held));
                    seen.calls_done += 1;
                }))
            }
        }
    }
}

#[test]
fn instructions_hold_the_gil_and_blocking_calls_let_go_of_it() {
    // One program: two instructions, a blocking call, an instruction, a blocking call,
    // two instructions. Alone, nothing but its own thread can hold the GIL, so each
    // instruction must find it held and each call must find it free.
    let (result, held) = timeout(|| {
        let gil = Arc::new(Gil::new());
        let seen = Arc::new(Mutex::new(Seen::default()));
        let program = Checker {
            gil: Arc::clone(&gil),
            ops: [true, false, true, false, true].into(),
            n: 0,
            seen: Arc::clone(&seen),
        };
        let results = run_threads(&gil, vec![Box::new(program)]);
        let held = std::mem::take(&mut seen.lock().unwrap().held);
        (results, held)
    });
    assert_eq!(
        result,
        [2],
        "the program's result counts its blocking calls that had returned by its last \
         instruction: both must have, since a thread makes each call itself and waits for it"
    );
    for (what, held) in &held {
        let call = what.starts_with("the call");
        assert_eq!(
            *held,
            !call,
            "{what} ran {} the GIL: {}. (What ran, and whether the GIL was held: {held:?})",
            if *held {
                "while the thread held"
            } else {
                "without"
            },
            if call {
                "release the GIL before a blocking call (drop the guard), so that other \
                 threads can run bytecode while this one waits"
            } else {
                "an instruction runs only while its thread holds the GIL: take it before \
                 the first instruction, and take it back after each blocking call"
            },
            held = held,
        );
    }
}

/// A program that runs `ops` (`true`: an instruction, `false`: a blocking call that does
/// nothing) and notes at each instruction which turn of the GIL it runs in.
struct TurnTaker {
    gil: Arc<Gil>,
    ops: VecDeque<bool>,
    turns: Arc<Mutex<Vec<u64>>>,
}

impl Program for TurnTaker {
    fn step(&mut self) -> Step {
        self.turns.lock().unwrap().push(self.gil.turns());
        match self.ops.pop_front() {
            None => Step::Done(0),
            Some(true) => Step::Ran,
            Some(false) => Step::Blocking(Box::new(|| {})),
        }
    }
}

#[test]
fn a_thread_keeps_the_gil_from_one_blocking_call_to_the_next() {
    // One program: an instruction, then one that makes a blocking call, twice, then two
    // instructions. Alone, its thread takes the GIL once to start and once after each
    // call, and keeps it in between: `Gil::turns` counts each `acquire`.
    let turns = timeout(|| {
        let gil = Arc::new(Gil::new());
        let turns = Arc::new(Mutex::new(Vec::new()));
        let program = TurnTaker {
            gil: Arc::clone(&gil),
            ops: [true, false, true, false, true].into(),
            turns: Arc::clone(&turns),
        };
        run_threads(&gil, vec![Box::new(program)]);
        std::mem::take(&mut *turns.lock().unwrap())
    });
    assert_eq!(
        turns,
        [1, 1, 2, 2, 3, 3],
        "the turn of the GIL each instruction ran in: a thread takes the GIL before its \
         first instruction and again after each blocking call, and keeps it from one call \
         to the next, as CPython does (a turn per instruction is 03.1's GIL, which pays a \
         lock operation for every bytecode)"
    );
}

/// A program whose one blocking call says which thread runs it, then waits for the test's
/// word; after it, one instruction.
struct CallsThenWaits {
    tid: Option<mpsc::Sender<sched::Tid>>,
    word: Option<mpsc::Receiver<()>>,
}

impl Program for CallsThenWaits {
    fn step(&mut self) -> Step {
        match (self.tid.take(), self.word.take()) {
            (Some(tid), Some(word)) => Step::Blocking(Box::new(move || {
                tid.send(sched::current_tid()).unwrap();
                let _ = word.recv();
            })),
            _ => Step::Done(1),
        }
    }
}

#[test]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs Linux's /proc to see whether a waiting thread sleeps"
)]
fn a_thread_that_wants_the_gil_back_sleeps_until_it_is_free() {
    // The test takes the GIL while the program's blocking call runs, then lets the call
    // return: the thread must wait for the GIL asleep, in `acquire`, not in a loop that
    // looks whether it is free (the kernel's count of its context switches and CPU time
    // tells the two apart).
    timeout(|| {
        let gil = Arc::new(Gil::new());
        let (tid_tx, tid_rx) = mpsc::channel();
        let (go, word) = mpsc::channel();
        let runner = {
            let gil = Arc::clone(&gil);
            thread::spawn(move || {
                let program = CallsThenWaits {
                    tid: Some(tid_tx),
                    word: Some(word),
                };
                run_threads(&gil, vec![Box::new(program)])
            })
        };
        let tid = tid_rx
            .recv()
            .expect("the program's blocking call never ran");
        let held = gil.acquire();
        go.send(()).unwrap();
        sched::assert_parks(
            tid,
            "the GIL, which the test holds, after its blocking call returned",
            "take the GIL back with `acquire`, which sleeps until it is free; a loop that \
             asks `is_held` and yields keeps a core busy for nothing",
        );
        drop(held);
        let results = runner
            .join()
            .unwrap_or_else(|panic| panic::resume_unwind(panic));
        assert_eq!(results, [1], "one program, one result");
    });
}

/// Finishes only once the next program has finished (the last one finishes at once), so
/// that the programs finish last to first. Its wait is a blocking call, so the GIL is
/// free meanwhile; it gives up after a few seconds (only a wrong answer gets that far).
struct Relay {
    id: usize,
    finished: Arc<(Mutex<Vec<bool>>, Condvar)>,
    waited: bool,
}

impl Program for Relay {
    fn step(&mut self) -> Step {
        let (done, changed) = &*self.finished;
        let mut done = done.lock().unwrap();
        let next_done = done.get(self.id + 1).is_none_or(|&next| next);
        if next_done || self.waited {
            done[self.id] = true;
            changed.notify_all();
            return Step::Done(if next_done {
                self.id as u64 * 10 + 1
            } else {
                0
            });
        }
        self.waited = true;
        let (finished, id) = (Arc::clone(&self.finished), self.id);
        Step::Blocking(Box::new(move || {
            let (done, changed) = &*finished;
            let done = done.lock().unwrap();
            let _ = changed
                .wait_timeout_while(done, Duration::from_secs(3), |done| !done[id + 1])
                .unwrap();
        }))
    }
}

#[test]
fn results_come_back_in_program_order() {
    let results = timeout(|| {
        let finished = Arc::new((Mutex::new(vec![false; 3]), Condvar::new()));
        let programs = (0..3)
            .map(|id| {
                Box::new(Relay {
                    id,
                    finished: Arc::clone(&finished),
                    waited: false,
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
         threads must run at the same time, and let go of the GIL while they wait)"
    );
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
        let programs: Vec<Box<dyn Program>> = vec![
            Box::new(Panics("program 0 lost its socket")),
            Box::new(Relay {
                id: 0,
                finished: Arc::new((Mutex::new(vec![false]), Condvar::new())),
                waited: false,
            }),
        ];
        panic::catch_unwind(AssertUnwindSafe(|| run_threads(&Gil::new(), programs)))
    });
    match outcome {
        Ok(results) => panic!(
            "program 0 panicked, yet `run_threads` returned {results:?} as if all had gone \
             well: pass the panic that `join` returns on with `std::panic::resume_unwind`"
        ),
        Err(payload) if message(&*payload) == Some("program 0 lost its socket") => {}
        Err(payload) => match message(&*payload) {
            Some(todo) if todo.starts_with("not yet implemented") => panic::resume_unwind(payload),
            said => panic!(
                "program 0 panicked with \"program 0 lost its socket\", but the caller got a \
                 panic that says {said:?}: the program's own message was lost. Pass the \
                 payload that `join` returns on with `std::panic::resume_unwind` (`unwrap` \
                 replaces it with its own)"
            ),
        },
    }
}

/// A program whose one blocking call waits for the test's word.
struct WaitsForWord(Option<mpsc::Receiver<()>>);

impl Program for WaitsForWord {
    fn step(&mut self) -> Step {
        match self.0.take() {
            Some(word) => Step::Blocking(Box::new(move || {
                let _ = word.recv();
            })),
            None => Step::Done(1),
        }
    }
}

#[test]
fn the_caller_sleeps_while_the_programs_run() {
    // The only program makes a blocking call that waits for the test's word. Meanwhile the
    // thread that called `run_threads` has nothing to do but wait, and it must wait asleep:
    // `join` parks it until the thread has ended. (On Linux the test reads the thread's
    // state in `/proc`; no clock.)
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
