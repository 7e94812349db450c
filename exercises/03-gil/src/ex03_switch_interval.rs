//! Exercise 03.3: the switch interval, and a GIL that takes turns fairly.
//!
//! Book: `book/src/ch03-gil/switch-interval.md`.

// The GIL's locks come from the chapter's `sync` (std's own): the tests also run `FairGil`
// under loom, a model checker that swaps in its own and tries every interleaving.
use crate::sync::{Condvar, Mutex, MutexGuard, PoisonError};

/// Programs and their steps, as in exercise 03.1: `Step::Ran` or `Step::Done(result)`.
pub use crate::ex01_gil::{Program, Step};

// ANCHOR: fair_gil
/// A GIL that is handed out in the order it was asked for, like the numbered tickets at
/// a bakery counter.
///
/// A plain mutex is not fair: the thread that just released it can take it back before a
/// sleeping waiter has even woken up, so "drop it and take it again" may hand it to
/// nobody. Here each thread that asks draws the next number, and the GIL goes to the
/// numbers in order.
#[derive(Debug, Default)]
pub struct FairGil {
    /// The ticket counter: who asked when, and whose turn it is.
    tickets: Mutex<Tickets>,
    // Add what a waiting thread needs to sleep until its number comes up.
}

#[derive(Debug, Default)]
struct Tickets {
    /// The number the next thread to ask will draw.
    next: u64,
    /// The number that holds the GIL now (or will, as soon as its thread wakes up). The
    /// GIL is held or promised whenever `serving < next`.
    serving: u64,
}
// ANCHOR_END: fair_gil

/// Proof that this thread holds the GIL. Dropping it releases the lock.
#[derive(Debug)]
pub struct FairGilGuard<'a> {
    gil: &'a FairGil,
}

impl FairGilGuard<'_> {
    /// Lets every thread that is waiting for the GIL have a turn first, then goes on
    /// holding it. With nobody waiting, it returns at once.
    pub fn switch(&mut self) {
        self.gil.switch();
    }
}

impl Drop for FairGilGuard<'_> {
    fn drop(&mut self) {
        self.gil.release();
    }
}

impl FairGil {
    pub fn new() -> Self {
        Self::default()
    }

    /// Blocks until this thread holds the GIL. Threads get it in the order they asked.
    pub fn acquire(&self) -> FairGilGuard<'_> {
        todo!("draw a number, then sleep until it is the one being served")
    }

    /// Passes the GIL to the next number. Called by the guard's `drop`.
    fn release(&self) {
        todo!("serve the next number, and wake whoever is waiting for it")
    }

    /// Passes the GIL on and queues for it again, as one step, so that nobody can get
    /// into the queue between the two.
    fn switch(&self) {
        todo!("serve the next number and draw a new one, then wait for it, all in one go")
    }

    /// How many threads are waiting for the GIL (not counting its holder).
    pub fn queued(&self) -> usize {
        let tickets = self.lock_tickets();
        let outstanding = tickets.next - tickets.serving;
        usize::try_from(outstanding.saturating_sub(1)).unwrap_or(usize::MAX)
    }

    fn lock_tickets(&self) -> MutexGuard<'_, Tickets> {
        // Nothing that can panic runs while the counter is locked, so it is never left
        // half updated: a poisoned lock still holds good numbers.
        self.tickets.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

// ANCHOR: run_threads
/// Runs each program on an OS thread of its own and returns their results in order.
///
/// A thread holds the GIL while it runs bytecode, and after every `interval` instructions
/// it releases the GIL and asks for it again, so that the waiting threads get a turn
/// first: CPython's `sys.setswitchinterval`, counted in instructions instead of time.
/// If a program panics, this panics with that panic (its message intact), once every
/// thread has ended.
pub fn run_threads(gil: &FairGil, programs: Vec<Box<dyn Program>>, interval: usize) -> Vec<u64> {
    todo!("as in 03.2, but a thread lets go of the GIL every `interval` instructions")
}
// ANCHOR_END: run_threads
