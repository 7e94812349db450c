//! Tests for exercise 05.3: the timer queue, `sleep`, and a channel whose receiver parks.
//!
//! Only the ORDER of events is asserted, never how long anything took.

use ch05_green::ex02_scheduler::{run, spawn, turns, unpark, yield_now};
use ch05_green::ex03_sleep_channel::{TimerQueue, channel, sleep};
use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};
use support::timeout;

type Log = Rc<RefCell<Vec<String>>>;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn timers_expire_in_deadline_order() {
    let (early, rest, left) = timeout(|| {
        // A logical clock: instants built from one base, no real waiting.
        let base = Instant::now();
        let mut timers = TimerQueue::new();
        timers.push(base + ms(30), 3);
        timers.push(base + ms(10), 1);
        timers.push(base + ms(20), 2);
        let early = timers.pop_expired(base + ms(15));
        let rest = timers.pop_expired(base + ms(100));
        (early, rest, timers.is_empty())
    });
    assert_eq!(early, [1], "at +15 ms only the +10 ms timer has expired");
    assert_eq!(
        rest,
        [2, 3],
        "at +100 ms the others expire, earliest deadline first"
    );
    assert!(left, "expired timers must leave the queue");
}

#[test]
fn equal_deadlines_wake_in_the_order_they_were_set() {
    let woken = timeout(|| {
        let base = Instant::now();
        let mut timers = TimerQueue::new();
        for who in [5, 3, 9, 1] {
            timers.push(base + ms(10), who);
        }
        timers.pop_expired(base + ms(10))
    });
    assert_eq!(
        woken,
        [5, 3, 9, 1],
        "timers with the same deadline must come out first-in, first-out (a deadline \
         equal to now has expired)"
    );
}

#[test]
fn the_next_deadline_is_the_earliest_one() {
    let (empty, next) = timeout(|| {
        let base = Instant::now();
        let mut timers = TimerQueue::new();
        let empty = timers.next_deadline();
        timers.push(base + ms(50), 0);
        timers.push(base + ms(5), 1);
        timers.push(base + ms(70), 2);
        (empty, timers.next_deadline().map(|d| d - base))
    });
    assert_eq!(empty, None, "an empty queue has no next deadline");
    assert_eq!(
        next,
        Some(ms(5)),
        "the next deadline is the earliest one set"
    );
}

#[test]
fn sleepers_wake_in_the_order_of_their_deadlines() {
    let log = timeout(|| {
        run(|| {
            let log: Log = Rc::default();
            // Deadlines 300 ms apart: the three go to sleep within microseconds of each
            // other, so only a wrong order (or a stall of 300 ms) could swap two of them.
            let handles: Vec<_> = [("slow", 640), ("fast", 40), ("medium", 340)]
                .into_iter()
                .map(|(name, delay)| {
                    let log = Rc::clone(&log);
                    spawn(move || {
                        sleep(ms(delay));
                        log.borrow_mut().push(name.to_string());
                    })
                })
                .collect();
            for h in handles {
                h.join().unwrap();
            }
            log.take()
        })
    });
    assert_eq!(
        log,
        ["fast", "medium", "slow"],
        "sleepers must wake in the order of their deadlines, not the order they slept"
    );
}

#[test]
fn a_sleeping_green_thread_lets_the_others_run() {
    let log = timeout(|| {
        run(|| {
            let log: Log = Rc::default();
            let sleeper_log = Rc::clone(&log);
            let sleeper = spawn(move || {
                sleeper_log.borrow_mut().push("sleeper dozes off".into());
                sleep(ms(300));
                sleeper_log.borrow_mut().push("sleeper wakes".into());
            });
            let worker_log = Rc::clone(&log);
            let worker = spawn(move || {
                for step in 1..=3 {
                    worker_log.borrow_mut().push(format!("worker {step}"));
                    yield_now();
                }
            });
            sleeper.join().unwrap();
            worker.join().unwrap();
            log.take()
        })
    });
    assert_eq!(
        log,
        [
            "sleeper dozes off",
            "worker 1",
            "worker 2",
            "worker 3",
            "sleeper wakes"
        ],
        "while one green thread sleeps the others must run (std::thread::sleep would stop \
         them all)"
    );
}

#[test]
fn a_sleeping_green_thread_parks_instead_of_spinning() {
    let sleeper_turns = timeout(|| {
        run(|| {
            let awake = Rc::new(RefCell::new(false));
            let flag = Rc::clone(&awake);
            let sleeper = spawn(move || {
                sleep(ms(20));
                *flag.borrow_mut() = true;
                turns()
            });
            // Another thread stays busy (it yields) until the sleeper is done, so the
            // scheduler always has someone to run: a spinning sleep would get a turn in
            // every round.
            let busy = spawn(move || {
                while !*awake.borrow() {
                    yield_now();
                }
            });
            busy.join().unwrap();
            sleeper.join().unwrap()
        })
    });
    assert!(
        sleeper_turns <= 3,
        "the sleeper was resumed {sleeper_turns} times during its 20 ms sleep: sleep must \
         park until its timer expires (one turn to start, one to wake), not yield and look \
         at the clock in a loop"
    );
}

#[test]
fn a_sleeper_woken_early_sleeps_on_until_its_deadline() {
    let log = timeout(|| {
        run(|| {
            let log: Log = Rc::default();
            let sleeper = |name: &'static str, delay| {
                let log = Rc::clone(&log);
                spawn(move || {
                    sleep(ms(delay));
                    log.borrow_mut().push(name.to_string());
                })
            };
            let slow = sleeper("slow", 400);
            let fast = sleeper("fast", 100);
            // Runs once both sleep: a stray wake-up for the slow one, 300 ms early.
            let slow_id = slow.id();
            spawn(move || unpark(slow_id));
            slow.join().unwrap();
            fast.join().unwrap();
            log.take()
        })
    });
    assert_eq!(
        log,
        ["fast", "slow"],
        "the slow sleeper was unparked long before its deadline and woke up first: sleep \
         lasts at least its duration, and a stray wake-up does not end it"
    );
}

#[test]
fn messages_sent_before_the_last_sender_went_are_still_received() {
    let got = timeout(|| {
        run(|| {
            let (tx, rx) = channel();
            for n in 1..=3 {
                tx.send(n);
            }
            drop(tx);
            [rx.recv(), rx.recv(), rx.recv(), rx.recv()]
        })
    });
    assert_eq!(
        got,
        [Some(1), Some(2), Some(3), None],
        "three messages were sent before the only sender was dropped: recv must return \
         them all, and None only once the channel is empty and no sender is left"
    );
}

#[test]
fn a_receiver_woken_before_a_message_came_waits_on() {
    let got = timeout(|| {
        run(|| {
            let (tx, rx) = channel();
            let receiver = spawn(move || rx.recv());
            // Runs once the receiver has parked in `recv`, with nothing sent yet: a stray
            // wake-up, as `park`'s doc warns.
            let receiver_id = receiver.id();
            spawn(move || unpark(receiver_id));
            spawn(move || {
                for _ in 0..5 {
                    yield_now();
                }
                tx.send("late");
            });
            receiver.join()
        })
    });
    assert_eq!(
        got,
        Ok(Some("late")),
        "the receiver was unparked while its channel was empty and its sender still alive: \
         recv must look again and park again (a loop), and return the message that comes \
         later, not whatever the queue held when it woke"
    );
}

#[test]
fn a_send_wakes_the_receiver_only_while_it_waits_in_recv() {
    let (first, turns_in_join) = timeout(|| {
        run(|| {
            let (tx, rx) = channel();
            // The receiver, once it has its first message, waits for this one instead.
            let gate = spawn(|| {
                for _ in 0..100 {
                    yield_now();
                }
            });
            let receiver = spawn(move || {
                let first = rx.recv();
                let before = turns();
                gate.join().unwrap();
                (first, turns() - before, rx)
            });
            spawn(move || {
                for n in 0..50 {
                    tx.send(n);
                    yield_now();
                }
            });
            let (first, turns_in_join, _rx) = receiver.join().unwrap();
            (first, turns_in_join)
        })
    });
    assert_eq!(first, Some(0));
    assert!(
        turns_in_join <= 2,
        "the receiver took {turns_in_join} turns while it waited in a join, not in recv, \
         and 49 more messages were sent: each send woke it. A send wakes the receiver that \
         waits in recv, once: take its id out of the channel when you wake it"
    );
}

#[test]
fn messages_arrive_in_the_order_sent() {
    let got = timeout(|| {
        run(|| {
            let (tx, rx) = channel();
            let producer = spawn(move || {
                for n in 0..5 {
                    tx.send(n);
                    yield_now();
                }
            });
            let got: Vec<i32> = std::iter::from_fn(|| rx.recv()).collect();
            producer.join().unwrap();
            got
        })
    });
    assert_eq!(
        got,
        [0, 1, 2, 3, 4],
        "the receiver must get every message, in order, then None once the sender is gone"
    );
}

#[test]
fn recv_returns_none_when_every_sender_is_gone() {
    let got = timeout(|| {
        run(|| {
            let (tx, rx) = channel::<u8>();
            let tx2 = tx.clone();
            let a = spawn(move || {
                yield_now();
                drop(tx);
            });
            let b = spawn(move || {
                yield_now();
                yield_now();
                tx2.send(1);
            });
            let got = (rx.recv(), rx.recv());
            a.join().unwrap();
            b.join().unwrap();
            got
        })
    });
    assert_eq!(
        got,
        (Some(1), None),
        "with one sender left the receiver must wait for its message; with none, recv \
         returns None instead of waiting forever"
    );
}

#[test]
fn a_receiver_with_nothing_to_read_parks_instead_of_spinning() {
    let (message, receiver_turns) = timeout(|| {
        run(|| {
            let (tx, rx) = channel();
            let receiver = spawn(move || {
                let message = rx.recv();
                (message, turns())
            });
            let sender = spawn(move || {
                // Keep the scheduler busy for 100 turns before sending.
                for _ in 0..100 {
                    yield_now();
                }
                tx.send("finally");
            });
            sender.join().unwrap();
            receiver.join().unwrap()
        })
    });
    assert_eq!(message, Some("finally"));
    assert!(
        receiver_turns <= 3,
        "the receiver was resumed {receiver_turns} times while its channel was empty: it \
         polled in a loop instead of parking until a message came (expected at most 3: \
         start, and after the send)"
    );
}

#[test]
fn many_senders_one_receiver() {
    let (count, sum) = timeout(|| {
        run(|| {
            let (tx, rx) = channel::<u32>();
            for id in 0..10 {
                let tx = tx.clone();
                spawn(move || {
                    for n in 0..10 {
                        tx.send(id * 10 + n);
                        yield_now();
                    }
                });
            }
            drop(tx);
            let mut count = 0;
            let mut sum = 0;
            while let Some(n) = rx.recv() {
                count += 1;
                sum += n;
            }
            (count, sum)
        })
    });
    assert_eq!(count, 100, "every message must arrive exactly once");
    assert_eq!(sum, (0..100).sum::<u32>());
}

#[test]
fn pending_counts_the_messages_not_yet_received() {
    let counts = timeout(|| {
        run(|| {
            let (tx, rx) = channel();
            tx.send(1);
            tx.send(2);
            let before = rx.pending();
            let first = rx.recv();
            (before, first, rx.pending())
        })
    });
    assert_eq!(
        counts,
        (2, Some(1), 1),
        "two messages sent, one received: pending is 2, then 1"
    );
}
