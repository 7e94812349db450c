//! Tests for exercise 08.1: a Deferred's chain, then the same flow as combinators and as
//! `async`/`await`.

mod common;

use ch08_frameworks::ex01_deferred::{
    AlreadyCalled, Deferred, Failure, steps_taken, title_deferred, title_with_await,
    title_with_combinators,
};
use futures::channel::oneshot;
use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;
use std::task::Poll;
use support::timeout;
use support::wakers::FreshWakers;

type Log = Rc<RefCell<Vec<String>>>;

fn note(log: &Log, entry: String) {
    log.borrow_mut().push(entry);
}

#[test]
fn callbacks_run_in_order_each_on_the_last_result() {
    let (log, result) = timeout(|| {
        let log: Log = Rc::default();
        let mut d = Deferred::new();
        let (a, b) = (log.clone(), log.clone());
        d.add_callback(move |n: i32| {
            note(&a, format!("first got {n}"));
            Ok(n + 1)
        })
        .add_callback(move |n| {
            note(&b, format!("second got {n}"));
            Ok(n * 10)
        });
        let before = log.borrow().len();
        assert_eq!(before, 0, "no callback may run before the Deferred fires");
        d.callback(1).expect("the first firing is accepted");
        let log = log.borrow().clone();
        (log, d.result().cloned())
    });
    assert_eq!(
        log,
        ["first got 1", "second got 2"],
        "callbacks run in the order they were added, each on the previous one's result"
    );
    assert_eq!(result, Some(Ok(20)));
}

#[test]
fn a_failure_skips_callbacks_until_an_errback_and_recovery_resumes_them() {
    let (log, result) = timeout(|| {
        let log: Log = Rc::default();
        let mut d = Deferred::new();
        let (a, b, c, e) = (log.clone(), log.clone(), log.clone(), log.clone());
        d.add_callback(move |n: i32| {
            note(&a, format!("cb1 got {n}"));
            Err::<i32, Failure>("boom".to_string())
        })
        .add_callback(move |n| {
            note(&b, format!("cb2 got {n}"));
            Ok(n)
        })
        .add_errback(move |failure| {
            note(&e, format!("eb got {failure}"));
            Ok(7)
        })
        .add_callback(move |n| {
            note(&c, format!("cb3 got {n}"));
            Ok(n + 1)
        });
        d.callback(1).expect("the first firing is accepted");
        let log = log.borrow().clone();
        (log, d.result().cloned())
    });
    assert_eq!(
        log,
        ["cb1 got 1", "eb got boom", "cb3 got 7"],
        "a failure skips the callbacks up to the next errback; an errback that returns Ok \
         puts the chain back on the value path"
    );
    assert_eq!(result, Some(Ok(8)));
}

#[test]
fn errbacks_are_skipped_on_the_value_path_and_failures_pass_through() {
    let (log, result) = timeout(|| {
        let log: Log = Rc::default();
        let mut d = Deferred::<i32>::new();
        let (a, b, c) = (log.clone(), log.clone(), log.clone());
        d.add_errback(move |failure| {
            note(&a, format!("eb1 got {failure}"));
            Err(format!("{failure}, again"))
        })
        .add_callback(move |n| {
            note(&b, format!("cb got {n}"));
            Ok(n)
        })
        .add_errback(move |failure| {
            note(&c, format!("eb2 got {failure}"));
            Err(failure)
        });
        d.errback("lost".to_string())
            .expect("the first firing is accepted");
        let log = log.borrow().clone();
        (log, d.result().cloned())
    });
    assert_eq!(
        log,
        ["eb1 got lost", "eb2 got lost, again"],
        "a failure runs every errback in turn and skips the callbacks between them"
    );
    assert_eq!(result, Some(Err("lost, again".to_string())));
}

#[test]
fn a_deferred_fires_once() {
    let (second, third, result, runs) = timeout(|| {
        let runs = Rc::new(RefCell::new(0));
        let r = runs.clone();
        let mut d = Deferred::new();
        d.add_callback(move |n: i32| {
            *r.borrow_mut() += 1;
            Ok(n)
        });
        d.callback(1).expect("the first firing is accepted");
        let second = d.callback(2);
        let third = d.errback("late".to_string());
        (second, third, d.result().cloned(), *runs.borrow())
    });
    assert_eq!(
        second,
        Err(AlreadyCalled),
        "firing a Deferred a second time must be refused"
    );
    assert_eq!(
        third,
        Err(AlreadyCalled),
        "and so must an errback after a callback"
    );
    assert_eq!(
        result,
        Some(Ok(1)),
        "a refused firing leaves the result alone"
    );
    assert_eq!(runs, 1, "the chain runs once");
}

#[test]
fn a_callback_added_after_firing_runs_at_once() {
    let (log, result) = timeout(|| {
        let log: Log = Rc::default();
        let mut d = Deferred::new();
        d.callback(5).expect("the first firing is accepted");
        let a = log.clone();
        d.add_callback(move |n: i32| {
            note(&a, format!("late got {n}"));
            Ok(n * 2)
        });
        let log = log.borrow().clone();
        (log, d.result().cloned())
    });
    assert_eq!(
        log,
        ["late got 5"],
        "a Deferred that has fired runs a new callback at once, on its result"
    );
    assert_eq!(result, Some(Ok(10)));
}

const PAGE: &str = "<html><title>  Twisted   Matrix </title></html>";

/// Which flow a test runs.
#[derive(Clone, Copy, Debug)]
enum Flow {
    Deferred,
    Combinators,
    Await,
}

/// Runs one flow on a fetch that ends with `fetched`; returns its result and its steps.
fn run_flow(
    flow: Flow,
    fetched: Result<String, Failure>,
) -> (Result<String, Failure>, Vec<&'static str>) {
    timeout(move || {
        steps_taken();
        let result = match flow {
            Flow::Deferred => {
                let mut d = title_deferred();
                match fetched {
                    Ok(page) => d.callback(page),
                    Err(failure) => d.errback(failure),
                }
                .expect("the first firing is accepted");
                d.result().cloned().expect("a fired Deferred has a result")
            }
            Flow::Combinators => {
                futures::executor::block_on(title_with_combinators(async { fetched }))
            }
            Flow::Await => futures::executor::block_on(title_with_await(async { fetched })),
        };
        (result, steps_taken())
    })
}

const FLOWS: [Flow; 3] = [Flow::Deferred, Flow::Combinators, Flow::Await];

#[test]
fn every_flow_tidies_a_title() {
    for flow in FLOWS {
        let (result, steps) = run_flow(flow, Ok(PAGE.to_string()));
        assert_eq!(
            result,
            Ok("Twisted Matrix".to_string()),
            "{flow:?}: a page with a title gives the tidied title"
        );
        assert_eq!(
            steps,
            ["parse_title", "tidy"],
            "{flow:?}: on success only parse_title and tidy run, in that order"
        );
    }
}

#[test]
fn every_flow_recovers_from_a_missing_title() {
    for flow in FLOWS {
        let (result, steps) = run_flow(flow, Ok("<html></html>".to_string()));
        assert_eq!(
            result,
            Ok("(untitled)".to_string()),
            "{flow:?}: a page without a title is recovered as \"(untitled)\""
        );
        assert_eq!(
            steps,
            ["parse_title", "recover", "tidy"],
            "{flow:?}: a parse failure goes to recover, which puts the flow back on tidy"
        );
    }
}

#[test]
fn every_flow_reports_a_fetch_failure_it_cannot_recover() {
    for flow in FLOWS {
        let (result, steps) = run_flow(flow, Err("connection refused".to_string()));
        assert_eq!(
            result,
            Err("fetching the title: connection refused".to_string()),
            "{flow:?}: a fetch failure that recover passes on is annotated and returned"
        );
        assert_eq!(
            steps,
            ["recover", "annotate"],
            "{flow:?}: a fetch failure skips parse_title and tidy"
        );
    }
}

/// Drives a flow by hand on a fetch that is a channel, each poll with a new waker (as a
/// future moved between tasks is polled): the flow must wait without being woken until
/// the page arrives, the page must wake the waker of the latest poll, and the next poll
/// must finish.
fn check_parks(flow: Flow) {
    let (early_wakes, woken_by_page, stale, result) = timeout(move || {
        let (send, recv) = oneshot::channel::<Result<String, Failure>>();
        let fetch = async move { recv.await.unwrap_or(Err("cancelled".to_string())) };
        let future: std::pin::Pin<Box<dyn Future<Output = Result<String, Failure>>>> = match flow {
            Flow::Combinators => Box::pin(title_with_combinators(fetch)),
            _ => Box::pin(title_with_await(fetch)),
        };
        let mut future = FreshWakers::new(future);
        let mut early = 0;
        for _ in 0..3 {
            assert!(
                future.poll().is_pending(),
                "{flow:?}: the flow cannot finish before the page arrives"
            );
            early += future.latest().wakes();
        }
        send.send(Ok(PAGE.to_string())).unwrap();
        let (woken, stale) = (future.latest().wakes(), future.stale_wakes() - early);
        let result = match future.poll() {
            Poll::Ready(result) => result,
            Poll::Pending => panic!("{flow:?}: the flow must finish once the page is there"),
        };
        (early, woken, stale, result)
    });
    assert_eq!(
        early_wakes, 0,
        "{flow:?}: the flow woke itself {early_wakes} times while the page was not there: \
         it spins instead of waiting for the fetch's wake-up"
    );
    assert!(
        woken_by_page >= 1,
        "{flow:?}: the page's arrival must wake the flow, through the waker of its latest \
         poll{}",
        if stale > 0 {
            " (it woke the waker of an earlier poll instead: keep the waker each poll is \
             given, not the first)"
        } else {
            ""
        }
    );
    assert_eq!(result, Ok("Twisted Matrix".to_string()));
}

#[test]
fn the_combinator_flow_waits_for_the_fetch_without_spinning() {
    check_parks(Flow::Combinators);
}

#[test]
fn the_await_flow_waits_for_the_fetch_without_spinning() {
    check_parks(Flow::Await);
}
