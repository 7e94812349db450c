//! Tests for exercise 10.4: one CPU-bound batch on tokio tasks, plain threads and rayon,
//! and rayon's answer handed back to async code.
//!
//! The work function is the test's: it meets other calls at a rendezvous or waits for a
//! signal, so "these ran at the same time" is proven without a stopwatch.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::{self, ThreadId};

use ch10_when_not::ex04_cpu_pool::{on_rayon, on_tasks, on_threads, rayon_from_async, work};
use support::wakers::Counted;
use support::{Rendezvous, timeout};

/// What each right answer must return for `items`, in order.
fn expected(items: &[u64], f: fn(u64) -> u64) -> Vec<u64> {
    items.iter().map(|&item| f(item)).collect()
}

/// A pool of exactly two threads, whatever the machine has.
fn two_thread_pool() -> Arc<rayon::ThreadPool> {
    Arc::new(
        rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .expect("a rayon pool"),
    )
}

// One rendezvous per test that uses it: `fn` pointers cannot capture.
static PAIR_THREADS: OnceLock<Rendezvous> = OnceLock::new();
static PAIR_RAYON: OnceLock<Rendezvous> = OnceLock::new();

#[test]
fn work_gives_the_same_answer_everywhere() {
    let items: Vec<u64> = (1..=8).collect();
    let want = expected(&items, work);
    let by_threads = timeout({
        let items = items.clone();
        move || on_threads(items, 3, work)
    });
    assert_eq!(
        by_threads, want,
        "on_threads: every item's answer, in the items' order"
    );
    let by_rayon = timeout({
        let items = items.clone();
        move || on_rayon(&two_thread_pool(), items, work)
    });
    assert_eq!(
        by_rayon, want,
        "on_rayon: every item's answer, in the items' order"
    );
    let by_tasks = timeout({
        let items = items.clone();
        move || {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .build()
                .unwrap()
                .block_on(on_tasks(items, work))
        }
    });
    assert_eq!(
        by_tasks, want,
        "on_tasks: every item's answer, in the items' order"
    );
}

#[test]
fn the_batch_gives_the_known_answers() {
    // The Collatz steps of 1..=1000 and of 1..=2000, summed (computed once, elsewhere).
    let answers = timeout(|| on_threads(vec![1, 2], 2, work));
    assert_eq!(
        answers,
        vec![59_542, 134_100],
        "on_threads(vec![1, 2], 2, work) should give work(1) and work(2), in order"
    );
}

#[test]
fn an_empty_batch_is_an_empty_answer() {
    let (threads, rayon) = timeout(|| {
        (
            on_threads(Vec::new(), 4, work),
            on_rayon(&two_thread_pool(), Vec::new(), work),
        )
    });
    assert!(threads.is_empty() && rayon.is_empty());
}

#[test]
fn threads_work_at_the_same_time() {
    let answers = timeout(|| {
        on_threads(vec![1, 2], 2, |item| {
            let pair = PAIR_THREADS.get_or_init(|| Rendezvous::new(2));
            assert!(
                pair.try_meet(),
                "the two items never ran at the same time: with two threads, each thread \
                 should take its share of the batch at once"
            );
            item * 10
        })
    });
    assert_eq!(answers, vec![10, 20]);
}

#[test]
fn rayon_works_at_the_same_time() {
    let answers = timeout(|| {
        on_rayon(&two_thread_pool(), vec![1, 2], |item| {
            let pair = PAIR_RAYON.get_or_init(|| Rendezvous::new(2));
            assert!(
                pair.try_meet(),
                "the two items never ran at the same time: run the batch inside the pool \
                 (install) with a parallel iterator"
            );
            item * 10
        })
    });
    assert_eq!(answers, vec![10, 20]);
}

static FIRST_MAY_FINISH: AtomicBool = AtomicBool::new(false);

#[test]
fn tasks_keep_the_order_of_the_items_not_of_their_ends() {
    // Item 0 cannot finish before item 1 has finished: the later item ends first.
    let answers = timeout(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap()
            .block_on(on_tasks(vec![0, 1], |item| {
                if item == 0 {
                    assert!(
                        support::within_patience(|| FIRST_MAY_FINISH.load(Ordering::SeqCst)),
                        "probably a deadlock: item 0 waited for item 1, which never ran: spawn \
                         every task before awaiting any"
                    );
                } else {
                    FIRST_MAY_FINISH.store(true, Ordering::SeqCst);
                }
                item + 100
            }))
    });
    assert_eq!(
        answers,
        vec![100, 101],
        "the answers should be in the items' order, whichever task finished first"
    );
}

static LOOP_RAN: AtomicBool = AtomicBool::new(false);

#[test]
fn the_loop_runs_while_rayon_works_and_the_caller_sleeps() {
    let (answers, polls) = timeout(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(async {
                let polls = Arc::new(AtomicU64::new(0));
                let batch = tokio::spawn(Counted {
                    inner: Box::pin(rayon_from_async(two_thread_pool(), vec![1, 2, 3], |item| {
                        // Every item waits until the event loop has had its turns.
                        assert!(
                            support::within_patience(|| LOOP_RAN.load(Ordering::SeqCst)),
                            "probably a deadlock: the event loop never ran while rayon worked: \
                             the batch held the loop's thread"
                        );
                        item * 2
                    })),
                    polls: polls.clone(),
                });
                // Twenty turns of the loop while rayon works.
                for _ in 0..20 {
                    tokio::task::yield_now().await;
                }
                LOOP_RAN.store(true, Ordering::SeqCst);
                let answers = batch.await.expect("the batch's task panicked");
                (answers, polls.load(Ordering::SeqCst))
            })
    });
    assert_eq!(answers, vec![2, 4, 6]);
    assert!(
        polls <= 3,
        "the caller's future was polled {polls} times over twenty turns of the loop: it should \
         sleep until rayon sends the answer (a oneshot), not look again and again"
    );
}

/// A pool of three threads named "the test's pool N": three, unlike this machine's count
/// of cores (and so unlike rayon's global pool), and named, so that a test sees which
/// pool ran the work.
fn named_pool() -> Arc<rayon::ThreadPool> {
    Arc::new(
        rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .thread_name(|i| format!("the test's pool {i}"))
            .build()
            .expect("a rayon pool"),
    )
}

/// The names of the threads that ran the items, per test (`fn` pointers cannot capture).
static RAN_ON_RAYON: Mutex<Vec<Option<String>>> = Mutex::new(Vec::new());
static RAN_FROM_ASYNC: Mutex<Vec<Option<String>>> = Mutex::new(Vec::new());

fn where_it_ran(log: &Mutex<Vec<Option<String>>>) {
    log.lock()
        .unwrap()
        .push(thread::current().name().map(String::from));
}

fn not_on_the_pool(log: &Mutex<Vec<Option<String>>>) -> Vec<Option<String>> {
    log.lock()
        .unwrap()
        .iter()
        .filter(|name| !name.as_deref().unwrap_or("").starts_with("the test's pool"))
        .cloned()
        .collect()
}

#[test]
fn the_batch_runs_on_the_pool_it_is_given() {
    let (by_rayon, from_async) = timeout(|| {
        let pool = named_pool();
        let by_rayon = on_rayon(&pool, (1..=12).collect(), |item| {
            where_it_ran(&RAN_ON_RAYON);
            item * 3
        });
        let from_async = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(rayon_from_async(pool, (1..=12).collect(), |item| {
                where_it_ran(&RAN_FROM_ASYNC);
                item * 5
            }));
        (by_rayon, from_async)
    });
    assert_eq!(
        by_rayon,
        (1..=12).map(|item| item * 3).collect::<Vec<_>>(),
        "on_rayon: every item's answer, in the items' order"
    );
    assert_eq!(
        from_async,
        (1..=12).map(|item| item * 5).collect::<Vec<_>>(),
        "rayon_from_async: every item's answer, in the items' order"
    );
    for (function, log) in [
        ("on_rayon", &RAN_ON_RAYON),
        ("rayon_from_async", &RAN_FROM_ASYNC),
    ] {
        let elsewhere = not_on_the_pool(log);
        assert!(
            elsewhere.is_empty(),
            "{function} was given a pool whose threads are named \"the test's pool N\", but \
             {} of 12 items ran on other threads ({:?}): a parallel iterator outside \
             `pool.install` runs on rayon's global pool, not on the pool it was given",
            elsewhere.len(),
            elsewhere
                .first()
                .cloned()
                .flatten()
                .unwrap_or("a thread with no name".into())
        );
    }
}

/// Which thread ran each item of `on_threads`, per test.
static SHARES: Mutex<Vec<(u64, ThreadId)>> = Mutex::new(Vec::new());

#[test]
fn each_thread_takes_one_contiguous_share_and_there_are_exactly_as_many_as_asked() {
    let answers = timeout(|| {
        on_threads((0..5).collect(), 2, |item| {
            SHARES.lock().unwrap().push((item, thread::current().id()));
            item + 100
        })
    });
    assert_eq!(
        answers,
        vec![100, 101, 102, 103, 104],
        "on_threads: every item's answer, in the items' order"
    );
    let mut shares: Vec<(ThreadId, Vec<u64>)> = Vec::new();
    for (item, thread) in SHARES.lock().unwrap().iter().copied() {
        match shares.iter_mut().find(|(t, _)| *t == thread) {
            Some((_, items)) => items.push(item),
            None => shares.push((thread, vec![item])),
        }
    }
    let mut items: Vec<Vec<u64>> = shares.into_iter().map(|(_, items)| items).collect();
    for share in &mut items {
        share.sort();
    }
    items.sort();
    let contiguous = items
        .iter()
        .all(|share| share.windows(2).all(|pair| pair[1] == pair[0] + 1));
    assert!(
        items.len() == 2 && contiguous,
        "5 items on 2 threads: the items ran in these groups, one per thread: {items:?}. \
         Exactly 2 threads, each with one contiguous share ([0, 1, 2] and [3, 4]): a share \
         of 5 / 2 = 2 items, rounded down, makes 3 shares, so 3 threads (round up: \
         `div_ceil`), and dealing the items out in turn makes shares that are not contiguous"
    );
}

const CHILD: &str = "CH10_POOL_PANIC_CHILD";

/// The child's side: a batch whose second item panics, on a pool with rayon's default
/// panic handler (which aborts the process), awaited in a task; then a batch that works.
fn panicking_batch() {
    let said = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(async {
            let pool = two_thread_pool();
            let batch = tokio::spawn(rayon_from_async(pool.clone(), vec![1, 2, 3], |item| {
                if item == 2 {
                    panic!("item 2 is bad");
                }
                item
            }));
            let said = match batch.await {
                Ok(answers) => format!("no panic: {answers:?}"),
                Err(failed) if failed.is_panic() => {
                    let payload = failed.into_panic();
                    payload
                        .downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| payload.downcast_ref::<String>().cloned())
                        .unwrap_or_else(|| "a panic that is not a message".into())
                }
                Err(failed) => format!("{failed}"),
            };
            let after = rayon_from_async(pool, vec![4, 5], |item| item * 10).await;
            format!("{said} / after: {after:?}")
        });
    println!("\nthe caller saw: {said}");
}

#[test]
fn a_panic_in_the_batch_reaches_the_caller_and_the_process_goes_on() {
    if std::env::var_os(CHILD).is_some() {
        timeout(panicking_batch);
        return;
    }
    let (status, output) = timeout(|| {
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                &support::test_name!(
                    a_panic_in_the_batch_reaches_the_caller_and_the_process_goes_on
                ),
            ])
            .args(["--nocapture", "--test-threads=1"])
            .env(CHILD, "1")
            .output()
            .expect("run this test again as a child process");
        (out.status, String::from_utf8_lossy(&out.stdout).to_string())
    });
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        assert!(
            status.signal() != Some(SIGABRT),
            "the process aborted when an item of the batch panicked on the pool: a panic that \
             escapes a closure given to `pool.spawn` goes to rayon's panic handler, and by \
             default that aborts the process, every connection of a service with it. Catch \
             it in the closure (`std::panic::catch_unwind`), send it through the oneshot \
             like the answers, and raise it again in the caller (`resume_unwind`)"
        );
    }
    let saw = output
        .lines()
        .find_map(|line| line.split_once("the caller saw: "))
        .map(|(_, saw)| saw.to_string());
    assert!(
        status.success(),
        "the process that ran a panicking batch ended with {status} (the caller saw: \
         {saw:?}); it must go on after one bad batch"
    );
    assert_eq!(
        saw.as_deref(),
        Some("item 2 is bad / after: [40, 50]"),
        "item 2 panicked with \"item 2 is bad\": the task that awaited rayon_from_async must \
         fail with that same panic (raise the caught panic again with \
         `std::panic::resume_unwind`, not a new one of yours), and the pool must go on \
         serving the next batch"
    );
}

/// The signal of an abort (6 on every Unix the course runs on).
#[cfg(unix)]
const SIGABRT: i32 = 6;

/// Lets the items of `waits_for_release` finish.
static RELEASE_TASKS: AtomicBool = AtomicBool::new(false);
static RELEASE_THREADS: AtomicBool = AtomicBool::new(false);

fn released(flag: &AtomicBool, item: u64) -> u64 {
    assert!(
        support::within_patience(|| flag.load(Ordering::SeqCst)),
        "the test never let the batch finish"
    );
    item * 7
}

#[test]
fn the_caller_waits_asleep_while_tasks_or_threads_work() {
    timeout(|| {
        // The batch's items wait until the test lets them go; meanwhile the thread that
        // called on_tasks (in block_on) or on_threads has nothing to do but wait.
        let tasks = support::sched::spawn_watched("on_tasks' caller", || {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .build()
                .unwrap()
                .block_on(on_tasks(vec![1, 2], |item| released(&RELEASE_TASKS, item)))
        });
        support::sched::assert_parks(
            tasks.tid,
            "the tasks of the batch (on_tasks, awaited in block_on)",
            "Await each JoinHandle: the caller's task sleeps until that task is done (a loop \
             on `is_finished()` with `yield_now()` keeps the thread busy).",
        );
        RELEASE_TASKS.store(true, Ordering::SeqCst);
        let by_tasks = tasks.thread.join().expect("on_tasks panicked");
        let threads = support::sched::spawn_watched("on_threads' caller", || {
            on_threads(vec![1, 2], 2, |item| released(&RELEASE_THREADS, item))
        });
        support::sched::assert_parks(
            threads.tid,
            "the threads of the batch (on_threads)",
            "Join the threads (a `thread::scope` joins them at its end), which sleeps until \
             they are done.",
        );
        RELEASE_THREADS.store(true, Ordering::SeqCst);
        let by_threads = threads.thread.join().expect("on_threads panicked");
        assert_eq!(
            (by_tasks, by_threads),
            (vec![7, 14], vec![7, 14]),
            "on_tasks and on_threads: every item's answer, in the items' order"
        );
    });
}
