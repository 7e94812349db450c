//! Exercise 03.1: one lock for the whole interpreter.
//!
//! Book: `book/src/ch03-gil/the-lock.md`.

use std::panic;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError, TryLockError};
use std::thread;

/// The global interpreter lock of a toy interpreter.
///
/// Every bytecode instruction may touch the interpreter's shared state (in CPython: the
/// reference counts of every object), and that state is not thread-safe. So one lock
/// guards all of it, and holding the lock is the permission to run bytecode.
#[derive(Debug, Default)]
pub struct Gil {
    /// Guards no data of its own: what it protects is "the right to run an instruction".
    lock: Mutex<()>,
    /// How many times it has been taken: each `acquire` starts a new turn. The tests read
    /// it (with `is_held`) to see when your threads take and let go of the GIL.
    turns: AtomicU64,
}

/// Proof that this thread holds the GIL. Dropping it releases the lock.
#[derive(Debug)]
pub struct GilGuard<'a> {
    _held: MutexGuard<'a, ()>,
}

impl Gil {
    pub fn new() -> Self {
        Self::default()
    }

    /// Blocks until this thread holds the GIL.
    pub fn acquire(&self) -> GilGuard<'_> {
        // The lock guards no data, so a thread that panicked while holding it left nothing
        // half-done: a poisoned lock is still a good lock.
        let held = self.lock.lock().unwrap_or_else(PoisonError::into_inner);
        self.turns.fetch_add(1, Ordering::SeqCst);
        GilGuard { _held: held }
    }

    /// Whether some thread holds the GIL right now. (CPython's `PyGILState_Check` asks
    /// whether the calling thread does.)
    pub fn is_held(&self) -> bool {
        matches!(self.lock.try_lock(), Err(TryLockError::WouldBlock))
    }

    /// How many times the GIL has been taken so far: a thread that lets go of it and takes
    /// it again starts a new turn.
    pub fn turns(&self) -> u64 {
        self.turns.load(Ordering::SeqCst)
    }
}

/// What one instruction did.
#[derive(Debug, PartialEq, Eq)]
pub enum Step {
    /// It ran; the program has more instructions.
    Ran,
    /// The program has finished, with this result.
    Done(u64),
}

/// The bytecode of one interpreter thread.
pub trait Program: Send {
    /// Runs the next instruction. It touches the interpreter's shared state, so it may
    /// only be called by a thread that holds the GIL.
    fn step(&mut self) -> Step;
}

/// Runs each program on an OS thread of its own, all at the same time, and returns their
/// results in the order of `programs`.
///
/// A thread holds the GIL for each instruction it runs and lets go of it in between, so
/// that the other threads get their turns between any two instructions. If a program
/// panics, this panics with that panic (its message intact), once every thread has ended.
pub fn run_threads(gil: &Gil, programs: Vec<Box<dyn Program>>) -> Vec<u64> {
    // Scoped threads may borrow `gil`: the scope does not end before they have all ended.
    thread::scope(|scope| {
        // Start them all before joining any: joining inside this `map` would run the
        // programs one after another.
        let threads: Vec<_> = programs
            .into_iter()
            .map(|program| scope.spawn(move || interpret(gil, program)))
            .collect();
        // Join in program order, so results come back in that order whatever order the
        // threads finished in. A thread's panic is re-raised here with its own message.
        threads
            .into_iter()
            .map(|thread| thread.join().unwrap_or_else(|e| panic::resume_unwind(e)))
            .collect()
    })
}

/// One interpreter thread: runs `program` to the end, one instruction per turn of the GIL.
fn interpret(gil: &Gil, mut program: Box<dyn Program>) -> u64 {
    loop {
        // Take the GIL for one instruction. The guard lives to the end of this block, so
        // the lock is released before the next `acquire`: between any two instructions,
        // another thread can get in.
        let step = {
            let _gil = gil.acquire();
            program.step()
        };
        if let Step::Done(result) = step {
            return result;
        }
    }
}
