//! Exercise 03.2: let go of the GIL around blocking calls.
//!
//! Book: `book/src/ch03-gil/blocking-io.md`.

use std::panic;
use std::thread;

/// The global interpreter lock of exercise 03.1, and the guard that proves a thread holds
/// it: holding it is the permission to run bytecode.
pub use crate::ex01_gil::{Gil, GilGuard};

/// A call that blocks: a read from a socket or a file, a sleep. It touches none of the
/// interpreter's state.
pub type BlockingCall = Box<dyn FnOnce() + Send>;

/// What one instruction did.
pub enum Step {
    /// It ran; the program has more instructions.
    Ran,
    /// The instruction is a call into something that blocks, given here to be run.
    Blocking(BlockingCall),
    /// The program has finished, with this result.
    Done(u64),
}

/// The bytecode of one interpreter thread.
pub trait Program: Send {
    /// Runs the next instruction. May only be called by a thread that holds the GIL.
    fn step(&mut self) -> Step;
}

/// Runs each program on an OS thread of its own and returns their results in order.
///
/// A thread holds the GIL while it runs bytecode. When an instruction hands back a
/// [`BlockingCall`], the thread releases the GIL, makes the call, and takes the GIL back
/// before its next instruction: the waits of several threads overlap, their bytecode
/// never does. If a program panics, this panics with that panic (its message intact),
/// once every thread has ended.
pub fn run_threads(gil: &Gil, programs: Vec<Box<dyn Program>>) -> Vec<u64> {
    thread::scope(|scope| {
        let threads: Vec<_> = programs
            .into_iter()
            .map(|program| scope.spawn(move || interpret(gil, program)))
            .collect();
        threads
            .into_iter()
            .map(|thread| thread.join().unwrap_or_else(|e| panic::resume_unwind(e)))
            .collect()
    })
}

// ANCHOR: interpret
/// One interpreter thread: runs `program` to the end.
fn interpret(gil: &Gil, mut program: Box<dyn Program>) -> u64 {
    // Like CPython, hold the GIL for as long as there is bytecode to run...
    let mut gil_held = gil.acquire();
    loop {
        match program.step() {
            Step::Ran => {}
            Step::Blocking(call) => {
                // ...and let go of it around a call that blocks. This is CPython's
                // Py_BEGIN_ALLOW_THREADS / Py_END_ALLOW_THREADS: while this thread
                // waits, another one runs bytecode.
                drop(gil_held);
                call();
                // Back to bytecode: take the GIL again first.
                gil_held = gil.acquire();
            }
            // Returning drops `gil_held`, which releases the GIL.
            Step::Done(result) => return result,
        }
    }
}
// ANCHOR_END: interpret
