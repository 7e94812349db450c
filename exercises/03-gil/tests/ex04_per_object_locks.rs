//! Tests for exercise 03.4: a bank with one lock per account.
//!
//! Transfers that touch different accounts must run at the same time: they meet at a
//! `Rendezvous` while each holds its accounts, which a bank behind one big lock never
//! lets them do. Transfers that share an account must not: they count themselves in and
//! out while they hold their accounts, and there is never more than one of them inside.
//!
//! A deadlock between transfers the opposite way, or two transfers inside one account at
//! once, needs a thread to be stopped at just the wrong line: loom, a model checker, runs
//! a second copy of your module and tries every interleaving of the threads instead.

use ch03_gil::ex04_per_object_locks::Bank;
use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;
use support::{PATIENCE, Rendezvous, timeout, timeout_after};

// Your module again, compiled with loom's primitives: in this copy `crate::sync` is
// `support::loom_std`, so loom controls every account's lock.
use support::loom_std as sync;
// (Allowed as in the chapter's lib.rs: the stub leaves its parameters unused.)
#[allow(dead_code, unused_variables, unused_imports)]
mod under_loom {
    include!(concat!(env!("OUT_DIR"), "/model/ex04_per_object_locks.rs"));
}

/// If loom says a lock was used outside its model, the module took it from `std`.
const FROM_CRATE_SYNC: &str = "(if loom says a lock was used outside its model, take \
    `Mutex` and `MutexGuard` from `crate::sync`, as the given imports do, not from `std`)";

#[test]
fn transfers_between_different_accounts_run_at_the_same_time() {
    let (met, balances) = timeout(|| {
        let bank = Bank::new(&[100, 100, 100, 100]);
        let meeting = Rendezvous::new(2);
        let met = thread::scope(|s| {
            let a = s.spawn(|| {
                let mut met = false;
                bank.transfer_with(0, 1, 30, || met = meeting.try_meet());
                met
            });
            let b = s.spawn(|| {
                let mut met = false;
                bank.transfer_with(3, 2, 5, || met = meeting.try_meet());
                met
            });
            [a.join().unwrap(), b.join().unwrap()]
        });
        let balances: Vec<i64> = (0..4).map(|id| bank.balance(id)).collect();
        (met, balances)
    });
    assert_eq!(
        met,
        [true, true],
        "a transfer 0 -> 1 and a transfer 3 -> 2 share no account, yet they could not both \
         hold their accounts at the same time: lock only the two accounts a transfer \
         touches, not the whole bank"
    );
    assert_eq!(
        balances,
        [70, 130, 105, 95],
        "the balances after the two transfers"
    );
}

#[test]
fn no_interleaving_lets_two_transfers_hold_one_account_at_once() {
    // Two transfers take from account 0, one to account 1 and one to account 2, and count
    // themselves in and out in `while_held`. Loom tries every order of the two threads'
    // steps: in none may both be inside at once, and the money must add up.
    timeout_after(support::loom::LIMIT, || {
        support::loom::check(
            &format!(
                "two transfers from account 0 were inside `while_held` at the same moment, \
                 or the balances did not add up: a transfer holds the locks of both its \
                 accounts from before it takes the money out until after `while_held` \
                 returns, or another can see the money gone from one account and not yet \
                 in the other {FROM_CRATE_SYNC}"
            ),
            || {
                let bank = sync::Arc::new(under_loom::Bank::new(&[0, 0, 0]));
                let inside = sync::Arc::new(sync::atomic::AtomicUsize::new(0));
                let transfer = |to: usize| {
                    let (bank, inside) = (sync::Arc::clone(&bank), sync::Arc::clone(&inside));
                    move || {
                        bank.transfer_with(0, to, 1, || {
                            let others = inside.fetch_add(1, Ordering::SeqCst);
                            assert_eq!(others, 0, "another transfer from account 0 was inside");
                            inside.fetch_sub(1, Ordering::SeqCst);
                        })
                    }
                };
                let other = sync::thread::spawn(transfer(1));
                transfer(2)();
                other.join().unwrap();
                let balances: Vec<i64> = (0..3).map(|id| bank.balance(id)).collect();
                assert_eq!(
                    balances,
                    [-2, 1, 1],
                    "the balances after two transfers of 1"
                );
            },
        )
    });
}

#[test]
fn no_interleaving_of_transfers_the_opposite_way_deadlocks() {
    // One thread moves money from account 0 to 1 while another moves it from 1 to 0.
    // Loom tries every order of their steps, including the one where each has taken its
    // first lock and wants the other's: an answer that locks `from` first deadlocks there,
    // and loom says so.
    timeout_after(support::loom::LIMIT, || {
        support::loom::check(
            &format!(
                "two transfers the opposite way deadlocked: each held one account and \
                 waited for the other's. Take the two locks in one order for everyone \
                 (the lower account number first), whichever way the money goes \
                 {FROM_CRATE_SYNC}"
            ),
            || {
                let bank = sync::Arc::new(under_loom::Bank::new(&[10, 20]));
                let other = {
                    let bank = sync::Arc::clone(&bank);
                    sync::thread::spawn(move || bank.transfer(0, 1, 3))
                };
                bank.transfer(1, 0, 5);
                other.join().unwrap();
                let balances = [bank.balance(0), bank.balance(1)];
                assert_eq!(
                    balances,
                    [12, 18],
                    "the balances after 0 -> 1: 3 and 1 -> 0: 5"
                );
            },
        )
    });
}

#[test]
fn a_transfer_holds_only_the_locks_of_its_two_accounts() {
    // A transfer holds account 1 until the test's word. Transfers between accounts 0 and 2
    // do not touch account 1, so they must go through meanwhile; an answer that locks
    // every account between `from` and `to` waits for account 1 until the word comes.
    let (in_time, balances) = timeout(|| {
        let bank = Bank::new(&[100, 100, 100]);
        let (go, wait_for_go) = mpsc::channel::<()>();
        let (holding, holds) = mpsc::channel::<()>();
        let bank = &bank;
        let in_time = thread::scope(|s| {
            s.spawn(move || {
                bank.transfer_with(1, 1, 0, move || {
                    holding.send(()).unwrap();
                    let _ = wait_for_go.recv();
                })
            });
            holds
                .recv()
                .expect("the transfer on account 1 never held it");
            let (done, finished) = mpsc::channel::<()>();
            s.spawn(move || {
                bank.transfer(0, 2, 10);
                bank.transfer(2, 0, 30);
                done.send(()).unwrap();
            });
            let in_time = finished.recv_timeout(PATIENCE).is_ok();
            go.send(()).unwrap();
            in_time
        });
        (in_time, [bank.balance(0), bank.balance(1), bank.balance(2)])
    });
    assert!(
        in_time,
        "while another transfer held account 1, transfers between accounts 0 and 2 could \
         not go through: a transfer locks only the two accounts it touches, not the ones \
         between them, nor the whole bank"
    );
    assert_eq!(
        balances,
        [120, 100, 80],
        "the balances after 0 -> 2: 10 and 2 -> 0: 30"
    );
}

#[test]
fn money_is_neither_created_nor_lost() {
    let balances = timeout(|| {
        let bank = Bank::new(&[1000, 1000, 1000, 1000]);
        thread::scope(|s| {
            for t in 0..4 {
                let bank = &bank;
                s.spawn(move || {
                    // Thread t sends t + 1 to the next account, 2,000 times.
                    for _ in 0..2000 {
                        bank.transfer(t, (t + 1) % 4, t as i64 + 1);
                    }
                });
            }
        });
        (0..4).map(|id| bank.balance(id)).collect::<Vec<_>>()
    });
    assert_eq!(
        balances.iter().sum::<i64>(),
        4000,
        "the bank started with 4,000 in all and ended with {balances:?}: money was created \
         or lost by transfers that ran over each other"
    );
    assert_eq!(
        balances,
        [
            1000 + 4 * 2000 - 2000,
            1000 + 2000 - 2 * 2000,
            1000 + 2 * 2000 - 3 * 2000,
            1000 + 3 * 2000 - 4 * 2000
        ],
        "every account should end at its balance plus what came in, minus what went out"
    );
}

#[test]
fn while_held_runs_with_the_money_already_moved() {
    // `while_held` is called "with the money moved". The accounts are locked meanwhile, so
    // nothing can read them; but a hook that panics stops the transfer where it stands,
    // and the balances show whether the money had moved before it.
    let balances = timeout(|| {
        let bank = Bank::new(&[100, 0]);
        let stopped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            bank.transfer_with(0, 1, 10, || panic!("the test's hook stops the transfer"));
        }));
        assert!(stopped.is_err(), "the hook's panic must reach the caller");
        (bank.balance(0), bank.balance(1))
    });
    assert_eq!(
        balances,
        (90, 10),
        "a transfer of 10 from account 0 (100) to account 1 (0) whose `while_held` panicked: \
         the money must have moved before the hook was called (balances of 0 and 1 after it)"
    );
}

#[test]
fn a_transfer_to_the_same_account_changes_nothing() {
    let balance = timeout_after(Duration::from_secs(5), || {
        let bank = Bank::new(&[50, 60]);
        bank.transfer(1, 1, 25);
        bank.balance(1)
    });
    assert_eq!(
        balance, 60,
        "moving money from account 1 to itself must leave it as it was"
    );
}

#[test]
fn while_held_runs_once_and_the_money_moves() {
    let seen = timeout(|| {
        let bank = Bank::new(&[10, 20]);
        let mut calls = 0;
        bank.transfer_with(1, 0, 5, || calls += 1);
        (calls, bank.balance(0), bank.balance(1))
    });
    assert_eq!(
        seen,
        (1, 15, 15),
        "moving 5 from account 1 (20) to account 0 (10): expected (calls of while_held, \
         balance 0, balance 1) = (1, 15, 15)"
    );
}

#[test]
fn a_transfer_sleeps_while_its_account_is_busy() {
    // Transfer A holds account 1 (its `while_held` waits for the test's word). Transfer B,
    // from 0 to 1, must wait for account 1, and it must wait asleep, in `lock`, not
    // spin on `try_lock`: a spinning wait burns a core that A may need to finish. (On
    // Linux the test reads B's state in `/proc`; no clock.)
    let balances = timeout(|| {
        let bank = Bank::new(&[100, 100]);
        let (go, wait_for_go) = std::sync::mpsc::channel::<()>();
        let (holding, a_holds) = std::sync::mpsc::channel();
        let (b_tid, b_started) = std::sync::mpsc::channel();
        let bank = &bank;
        thread::scope(|s| {
            s.spawn(move || {
                bank.transfer_with(1, 1, 0, move || {
                    holding.send(()).unwrap();
                    let _ = wait_for_go.recv();
                })
            });
            a_holds.recv().expect("transfer A never held its account");
            s.spawn(move || {
                b_tid.send(support::sched::current_tid()).unwrap();
                bank.transfer(0, 1, 30);
            });
            let parked = std::panic::catch_unwind(|| {
                support::sched::assert_parks(
                    b_started.recv().unwrap(),
                    "account 1, which another transfer holds",
                    "`Mutex::lock` sleeps until the mutex is free.",
                );
            });
            // Let A finish either way: the scope waits for both transfers.
            go.send(()).unwrap();
            if let Err(failure) = parked {
                std::panic::resume_unwind(failure);
            }
        });
        [bank.balance(0), bank.balance(1)]
    });
    assert_eq!(balances, [70, 130], "the balances after the transfer");
}
