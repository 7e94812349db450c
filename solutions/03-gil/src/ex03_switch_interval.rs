//! Exercise 03.3: the switch interval, and a GIL that takes turns fairly.
//!
//! Book: `book/src/ch03-gil/switch-interval.md`.

// The GIL's locks come from the chapter's `sync` (std's own): the tests also run `FairGil`
// under loom, a model checker that swaps in its own and tries every interleaving.
use crate::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::panic;
use std::thread;

/// Programs and their steps, as in exercise 03.1: `Step::Ran` or `Step::Done(result)`.
pub use crate::ex01_gil::{Program, Step};

/// A GIL that is handed out in the order it was asked for, like the numbered tickets at
/// a bakery counter.
///
/// A plain mutex is not fair: the thread that just released it can take it back before a
/// sleeping waiter has even woken up, so "drop it and take it again" may hand it to
/// nobody. CPython's GIL has the same problem and solves it the same way: the thread that
/// drops the lock waits until somebody else has had it.
#[derive(Debug, Default)]
pub struct FairGil {
    /// The ticket counter: who asked when, and whose turn it is.
    tickets: Mutex<Tickets>,
    /// Signalled whenever the turn moves on, so that waiters look whether it is theirs.
    turn_changed: Condvar,
}

#[derive(Debug, Default)]
struct Tickets {
    /// The number the next thread to ask will draw.
    next: u64,
    /// The number that holds the GIL now (or will, as soon as its thread wakes up). The
    /// GIL is held or promised whenever `serving < next`.
    serving: u64,
}

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

// ANCHOR: fair_gil
impl FairGil {
    pub fn new() -> Self {
        Self::default()
    }

    /// Blocks until this thread holds the GIL. Threads get it in the order they asked.
    pub fn acquire(&self) -> FairGilGuard<'_> {
        let mut tickets = self.lock_tickets();
        let mine = tickets.next;
        tickets.next += 1;
        self.wait_for(tickets, mine);
        FairGilGuard { gil: self }
    }

    /// Passes the GIL to the next number. Called by the guard's `drop`.
    fn release(&self) {
        self.lock_tickets().serving += 1;
        // Every waiter checks whether it is its turn; exactly one of them finds it is.
        self.turn_changed.notify_all();
    }

    /// Passes the GIL on and queues for it again, as one step, so that nobody can get
    /// into the queue between the two.
    fn switch(&self) {
        let mut tickets = self.lock_tickets();
        tickets.serving += 1;
        let mine = tickets.next;
        tickets.next += 1;
        self.turn_changed.notify_all();
        self.wait_for(tickets, mine);
    }

    /// Sleeps until ticket `mine` is served.
    fn wait_for(&self, tickets: MutexGuard<'_, Tickets>, mine: u64) {
        // `wait_while` releases the ticket counter while it sleeps, so others can draw
        // numbers and pass the GIL on meanwhile.
        let _tickets = self
            .turn_changed
            .wait_while(tickets, |t| t.serving != mine)
            .unwrap_or_else(PoisonError::into_inner);
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
// ANCHOR_END: fair_gil

/// Runs each program on an OS thread of its own and returns their results in order.
///
/// A thread holds the GIL while it runs bytecode, and after every `interval` instructions
/// it releases the GIL and asks for it again, so that the waiting threads get a turn
/// first: CPython's `sys.setswitchinterval`, counted in instructions instead of time.
/// If a program panics, this panics with that panic (its message intact), once every
/// thread has ended.
pub fn run_threads(gil: &FairGil, programs: Vec<Box<dyn Program>>, interval: usize) -> Vec<u64> {
    assert!(
        interval > 0,
        "the switch interval must be at least one instruction"
    );
    thread::scope(|scope| {
        let threads: Vec<_> = programs
            .into_iter()
            .map(|program| scope.spawn(move || interpret(gil, program, interval)))
            .collect();
        threads
            .into_iter()
            .map(|thread| thread.join().unwrap_or_else(|e| panic::resume_unwind(e)))
            .collect()
    })
}

// ANCHOR: interpret
/// One interpreter thread: runs `program` to the end, giving the others a turn every
/// `interval` instructions.
fn interpret(gil: &FairGil, mut program: Box<dyn Program>, interval: usize) -> u64 {
    let mut gil_held = gil.acquire();
    let mut since_switch = 0;
    loop {
        if let Step::Done(result) = program.step() {
            return result;
        }
        since_switch += 1;
        if since_switch == interval {
            // Our time is up: let everyone already waiting go first. Not `drop` then
            // `acquire`: between the two, a thread that got the GIL from us could run a
            // whole turn and queue up again ahead of us. With nobody waiting, we go on.
            gil_held.switch();
            since_switch = 0;
        }
    }
}
// ANCHOR_END: interpret
