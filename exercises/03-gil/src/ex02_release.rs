//! Exercise 03.2: let go of the GIL around blocking calls.
//!
//! Book: `book/src/ch03-gil/blocking-io.md`.

/// The global interpreter lock of exercise 03.1, and the guard that proves a thread holds
/// it: holding it is the permission to run bytecode.
pub use crate::ex01_gil::{Gil, GilGuard};

// ANCHOR: program
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
// ANCHOR_END: program

// ANCHOR: run_threads
/// Runs each program on an OS thread of its own and returns their results in order.
///
/// A thread holds the GIL while it runs bytecode. When an instruction hands back a
/// [`BlockingCall`], the thread releases the GIL, makes the call, and takes the GIL back
/// before its next instruction: the waits of several threads overlap, their bytecode
/// never does. If a program panics, this panics with that panic (its message intact),
/// once every thread has ended.
pub fn run_threads(gil: &Gil, programs: Vec<Box<dyn Program>>) -> Vec<u64> {
    todo!("as in 03.1, but what should a thread hold while a `BlockingCall` runs?")
}
// ANCHOR_END: run_threads
