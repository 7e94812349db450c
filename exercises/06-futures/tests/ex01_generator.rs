//! Tests for exercise 06.1: the averager, resumed step by step like a PEP 342 coroutine.

use ch06_futures::ex01_generator::{Averager, Coroutine, CoroutineState, Finished, Summary};
use support::timeout;

use CoroutineState::{Complete, Yielded};

#[test]
fn priming_yields_nothing_then_each_term_yields_the_average_so_far() {
    let steps = timeout(|| {
        let mut averager = Averager::new();
        let mut steps = vec![averager.resume(None)];
        for term in [10.0, 30.0, 5.0] {
            steps.push(averager.resume(Some(term)));
        }
        steps
    });
    assert_eq!(
        steps,
        [
            Ok(Yielded(None)),
            Ok(Yielded(Some(10.0))),
            Ok(Yielded(Some(20.0))),
            Ok(Yielded(Some(15.0))),
        ],
        "the first resume starts the body and stops at the first `yield` with no average \
         yet (Python's `next(coro)`); each term sent after that yields the average of all \
         the terms so far, so the total and the count must survive between resumes"
    );
}

#[test]
fn the_priming_resume_ignores_its_input_whatever_it_is() {
    let steps = timeout(|| {
        let mut averager = Averager::new();
        vec![
            averager.resume(Some(99.0)),
            averager.resume(Some(10.0)),
            averager.resume(Some(20.0)),
            averager.resume(None),
        ]
    });
    assert_eq!(
        steps,
        [
            Ok(Yielded(None)),
            Ok(Yielded(Some(10.0))),
            Ok(Yielded(Some(15.0))),
            Ok(Complete(Summary {
                count: 2,
                average: Some(15.0)
            })),
        ],
        "the first resume only runs the body to its first `yield`: nothing receives its \
         input (Python's `coro.send(99)` on a fresh generator is refused for that reason), \
         so even `Some(99.0)` there is not a term; it yields `None`, and 99 is never \
         counted nor averaged"
    );
}

#[test]
fn sending_none_completes_with_the_count_and_the_average() {
    let end = timeout(|| {
        let mut averager = Averager::new();
        averager.resume(None).unwrap();
        for term in [1.0, 2.0, 6.0] {
            averager.resume(Some(term)).unwrap();
        }
        averager.resume(None)
    });
    assert_eq!(
        end,
        Ok(Complete(Summary {
            count: 3,
            average: Some(3.0)
        })),
        "sending None ends the loop: the coroutine completes with how many terms it saw \
         and their average"
    );
}

#[test]
fn each_average_is_the_total_divided_by_the_count_to_the_last_bit() {
    // The generator keeps `total` and `count` and divides, as the Python does. A running
    // mean (`mean += (term - mean) / count`) is the same in exact arithmetic, not in
    // floating point: after 0.1, 0.2 and 0.3 it gives 0.2, the Python 0.20000000000000004.
    let terms = [0.1, 0.2, 0.3, 0.7];
    let (averages, end) = timeout(move || {
        let mut averager = Averager::new();
        averager.resume(None).unwrap();
        let averages: Vec<_> = terms
            .iter()
            .map(|&term| averager.resume(Some(term)))
            .collect();
        (averages, averager.resume(None))
    });
    let mut total = 0.0;
    let expected: Vec<_> = terms
        .iter()
        .zip(1..)
        .map(|(&term, count)| {
            total += term;
            Ok(Yielded(Some(total / f64::from(count))))
        })
        .collect();
    assert_eq!(
        averages, expected,
        "each average must be `total / count`, with the total summed in the order the terms          came, as in the Python generator (terms {terms:?})"
    );
    assert_eq!(
        end,
        Ok(Complete(Summary {
            count: 4,
            average: Some(total / 4.0)
        })),
        "the summary's average must be `total / count` too (terms {terms:?})"
    );
}

#[test]
fn an_averager_with_no_terms_completes_with_no_average() {
    let end = timeout(|| {
        let mut averager = Averager::new();
        let first = averager.resume(None);
        (first, averager.resume(None))
    });
    assert_eq!(
        end,
        (
            Ok(Yielded(None)),
            Ok(Complete(Summary {
                count: 0,
                average: None
            }))
        ),
        "primed, then sent None at once: zero terms, no average (and no division by zero)"
    );
}

#[test]
fn resuming_after_completion_is_refused_every_time() {
    let after = timeout(|| {
        let mut averager = Averager::new();
        averager.resume(None).unwrap();
        averager.resume(Some(4.0)).unwrap();
        averager.resume(None).unwrap();
        [
            averager.resume(None),
            averager.resume(Some(1.0)),
            averager.resume(None),
        ]
    });
    assert_eq!(
        after,
        [Err(Finished), Err(Finished), Err(Finished)],
        "a completed coroutine is finished for good: every later resume must be refused \
         (Python raises StopIteration), never start the body again"
    );
}

#[test]
fn two_averagers_keep_their_own_state() {
    let steps = timeout(|| {
        let (mut a, mut b) = (Averager::new(), Averager::new());
        a.resume(None).unwrap();
        b.resume(None).unwrap();
        vec![
            a.resume(Some(2.0)),
            b.resume(Some(100.0)),
            a.resume(Some(4.0)),
            b.resume(Some(300.0)),
            a.resume(None),
        ]
    });
    assert_eq!(
        steps,
        [
            Ok(Yielded(Some(2.0))),
            Ok(Yielded(Some(100.0))),
            Ok(Yielded(Some(3.0))),
            Ok(Yielded(Some(200.0))),
            Ok(Complete(Summary {
                count: 2,
                average: Some(3.0)
            })),
        ],
        "each averager's state lives in its own value (no globals, no statics): resuming \
         one must not change the other"
    );
}
