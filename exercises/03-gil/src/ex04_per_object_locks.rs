//! Exercise 03.4: one lock per object instead of one for everything.
//!
//! Book: `book/src/ch03-gil/per-object-locks.md`.

// The accounts' locks come from the chapter's `sync` (std's own): the tests also run the
// bank under loom, a model checker that swaps in its own and tries every interleaving.
use crate::sync::{Mutex, MutexGuard, PoisonError};

// ANCHOR: bank
/// Accounts that many threads transfer money between.
///
/// Instead of one lock for the whole bank (a GIL), each account has a lock of its own: a
/// transfer between accounts 0 and 1 and one between 2 and 3 touch nothing in common, so
/// they run at the same time, on different cores.
#[derive(Debug)]
pub struct Bank {
    /// One lock per account, in account order. A transfer holds exactly the two locks of
    /// the accounts it touches.
    accounts: Vec<Mutex<i64>>,
}
// ANCHOR_END: bank

impl Bank {
    /// A bank with one account per balance.
    pub fn new(balances: &[i64]) -> Self {
        Bank {
            accounts: balances.iter().map(|&b| Mutex::new(b)).collect(),
        }
    }

    /// The balance of account `id`.
    pub fn balance(&self, id: usize) -> i64 {
        *self.lock(id)
    }

    /// How many accounts there are.
    pub fn len(&self) -> usize {
        self.accounts.len()
    }

    /// Whether the bank has no accounts.
    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty()
    }

    /// Moves `amount` from account `from` to account `to`.
    pub fn transfer(&self, from: usize, to: usize, amount: i64) {
        self.transfer_with(from, to, amount, || ());
    }

    // ANCHOR: transfer_with
    /// Moves `amount` from account `from` to account `to` (balances may go negative), and
    /// calls `while_held` while the accounts involved are locked, with the money moved.
    ///
    /// It holds only the locks of `from` and `to`, so transfers between other accounts run
    /// at the same time; it never deadlocks, even when another thread transfers the other
    /// way; and a transfer from an account to itself changes nothing.
    pub fn transfer_with(&self, from: usize, to: usize, amount: i64, while_held: impl FnOnce()) {
        todo!("lock the two accounts (in which order?), move the money, call `while_held`")
    }
    // ANCHOR_END: transfer_with

    fn lock(&self, id: usize) -> MutexGuard<'_, i64> {
        // A balance is changed in one statement, so a panic elsewhere cannot leave it
        // half-written: a poisoned lock still holds a good number.
        self.accounts[id]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}
