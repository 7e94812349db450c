//! Tests for exercise 10.4: one CPU-bound batch on tokio tasks, plain threads and rayon,
//! and rayon's answer handed back to async code.
//!
//! The work function is the test's: it meets other calls at a rendezvous or waits for a
//! signal, so "these ran at the same time" is proven without a stopwatch.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};

use ch10_when_not::ex04_cpu_pool::{on_rayon, on_tasks, on_threads, rayon_from_async, work};
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

/// Counts the polls of the future inside.
struct Counted<F> {
    inner: Pin<Box<F>>,
    polls: Arc<AtomicU64>,
}

impl<F: Future> Future for Counted<F> {
    type Output = F::Output;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.polls.fetch_add(1, Ordering::SeqCst);
        self.inner.as_mut().poll(cx)
    }
}

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
