//! Tests for exercise 03.4: a bank with one lock per account.
//!
//! Transfers that touch different accounts must run at the same time: they meet at a
//! `Rendezvous` while each holds its accounts, which a bank behind one big lock never
//! lets them do. Transfers that share an account must not: they count themselves in and
//! out while they hold their accounts, and there is never more than one of them inside.

use ch03_gil::ex04_per_object_locks::Bank;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;
use support::{Rendezvous, timeout, timeout_after};

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
fn transfers_that_share_an_account_hold_it_one_at_a_time() {
    let (most, balances) = timeout(|| {
        let bank = Bank::new(&[0, 0, 0]);
        let (inside, most) = (AtomicUsize::new(0), AtomicUsize::new(0));
        let start_line = Barrier::new(4);
        thread::scope(|s| {
            for t in 0..4 {
                let (bank, inside, most, start_line) = (&bank, &inside, &most, &start_line);
                s.spawn(move || {
                    start_line.wait();
                    // Every transfer takes from account 0; half go to 1, half to 2.
                    for _ in 0..25 {
                        bank.transfer_with(0, 1 + t % 2, 1, || {
                            let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                            most.fetch_max(now, Ordering::SeqCst);
                            // Linger, so that a transfer that does not hold account 0
                            // now is caught inside with another one.
                            thread::sleep(Duration::from_micros(200));
                            inside.fetch_sub(1, Ordering::SeqCst);
                        });
                    }
                });
            }
        });
        let balances: Vec<i64> = (0..3).map(|id| bank.balance(id)).collect();
        (most.into_inner(), balances)
    });
    assert_eq!(
        most, 1,
        "{most} transfers from account 0 were inside `while_held` at the same moment. A \
         transfer must hold the locks of both its accounts from before it takes the money \
         out until after `while_held` returns, or another transfer can see the money gone \
         from one account and not yet in the other"
    );
    assert_eq!(
        balances,
        [-100, 50, 50],
        "the balances after 100 transfers of 1"
    );
}

#[test]
fn transfers_the_opposite_way_do_not_deadlock() {
    let balances = timeout_after(Duration::from_secs(10), || {
        let bank = Arc::new(Bank::new(&[0, 0]));
        // Two threads each way, let loose at the same moment, to give a lock-order
        // deadlock every chance to happen. It needs one thread to be stopped between its
        // two locks while another takes them the other way round: rare on any one
        // transfer, so there are many, enough for it to happen even on a busy machine.
        let start_line = Arc::new(Barrier::new(4));
        let threads: Vec<_> = [(0, 1), (1, 0), (0, 1), (1, 0)]
            .into_iter()
            .map(|(from, to)| {
                let (bank, start_line) = (Arc::clone(&bank), Arc::clone(&start_line));
                thread::spawn(move || {
                    start_line.wait();
                    for _ in 0..250_000 {
                        bank.transfer(from, to, 1);
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        [bank.balance(0), bank.balance(1)]
    });
    assert_eq!(
        balances,
        [0, 0],
        "500,000 transfers each way should leave both accounts where they started"
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
fn while_held_runs_once_with_the_money_moved() {
    let seen = timeout(|| {
        let bank = Bank::new(&[10, 20]);
        let mut calls = 0;
        bank.transfer_with(1, 0, 5, || calls += 1);
        (calls, bank.balance(0), bank.balance(1))
    });
    assert_eq!(
        seen,
        (1, 15, 15),
        "(calls of while_held, balance 0, balance 1)"
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
