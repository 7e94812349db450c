//! Tests for exercise 08.3: `fetch_all` with a limit, per-call timeouts and cancellation.
//!
//! Everything runs on tokio's paused clock: time moves only when every task waits on a
//! timer, so "10 ms" is exact and nothing depends on how fast the machine is.

mod common;

use ch08_frameworks::ex03_gather::{FetchError, Service, fetch_all};
use common::{paused, poll_limit};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::tokio::on_virtual_clock;
use tokio::time::sleep;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// A slow service that records what happens to its calls.
#[derive(Default)]
struct Slow {
    /// How long each call takes and what it answers (default: 10 ms, "item {id}").
    plan: HashMap<u32, (Duration, Result<String, String>)>,
    started: AtomicUsize,
    in_flight: AtomicUsize,
    most_in_flight: AtomicUsize,
    cancelled: AtomicUsize,
    finished: Mutex<Vec<u32>>,
}

/// Counts a call in flight for as long as it lives; a call dropped before it finished
/// was cancelled.
struct InFlight<'a> {
    service: &'a Slow,
    done: bool,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.service.in_flight.fetch_sub(1, Ordering::SeqCst);
        if !self.done {
            self.service.cancelled.fetch_add(1, Ordering::SeqCst);
        }
    }
}

impl Service for Slow {
    async fn call(&self, id: u32) -> Result<String, String> {
        self.started.fetch_add(1, Ordering::SeqCst);
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.most_in_flight.fetch_max(now, Ordering::SeqCst);
        let mut guard = InFlight {
            service: self,
            done: false,
        };
        let (delay, answer) = self
            .plan
            .get(&id)
            .cloned()
            .unwrap_or((ms(10), Ok(format!("item {id}"))));
        sleep(delay).await;
        guard.done = true;
        self.finished.lock().unwrap().push(id);
        answer
    }
}

impl Slow {
    fn with(plan: &[(u32, u64, Result<&str, &str>)]) -> Arc<Self> {
        Arc::new(Slow {
            plan: plan
                .iter()
                .map(|(id, delay, answer)| {
                    let answer = answer.map(str::to_string).map_err(str::to_string);
                    (*id, (ms(*delay), answer))
                })
                .collect(),
            ..Slow::default()
        })
    }
    fn most(&self) -> usize {
        self.most_in_flight.load(Ordering::SeqCst)
    }
    fn started(&self) -> usize {
        self.started.load(Ordering::SeqCst)
    }
    fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::SeqCst)
    }
    fn cancelled(&self) -> usize {
        self.cancelled.load(Ordering::SeqCst)
    }
}

fn items(ids: impl IntoIterator<Item = u32>) -> Vec<String> {
    ids.into_iter().map(|id| format!("item {id}")).collect()
}

#[test]
fn calls_run_at_the_same_time_up_to_the_limit() {
    let (result, most, took) = paused(|| async {
        let service = Slow::with(&[]);
        let (result, took) =
            on_virtual_clock(fetch_all(service.clone(), (1..=9).collect(), 3, ms(100))).await;
        (result, service.most(), took)
    });
    assert_eq!(result, Ok(items(1..=9)));
    assert_eq!(
        most, 3,
        "with a limit of 3, exactly 3 calls must be in flight at the busiest moment (1 means \
         the calls ran one after another; more than 3 means the limit was ignored)"
    );
    assert_eq!(
        took,
        ms(30),
        "9 calls of 10 ms, 3 at a time, take 30 ms of (virtual) time"
    );
}

#[test]
fn no_more_calls_than_the_limit_even_with_many_ids() {
    let most = paused(|| async {
        let service = Slow::with(&[]);
        let result = fetch_all(service.clone(), (1..=40).collect(), 5, ms(100)).await;
        assert_eq!(result, Ok(items(1..=40)));
        service.most()
    });
    assert_eq!(
        most, 5,
        "40 ids with a limit of 5 must never have more than 5 calls in flight (saw {most})"
    );
}

#[test]
fn items_come_back_in_the_order_of_the_ids() {
    let result = paused(|| async {
        // The first id is the slowest: the calls finish in the reverse order.
        let service = Slow::with(&[
            (1, 40, Ok("item 1")),
            (2, 30, Ok("item 2")),
            (3, 20, Ok("item 3")),
            (4, 10, Ok("item 4")),
        ]);
        fetch_all(service, vec![1, 2, 3, 4], 4, ms(100)).await
    });
    assert_eq!(
        result,
        Ok(items(1..=4)),
        "items must be in the order of the ids, not the order the calls finished"
    );
}

#[test]
fn the_limit_is_per_call_not_for_the_whole_batch() {
    let result = paused(|| async {
        let plan: Vec<_> = (1..=6).map(|id| (id, 40, Ok("x"))).collect();
        let service = Slow::with(&plan);
        fetch_all(service, (1..=6).collect(), 2, ms(50)).await
    });
    assert_eq!(
        result.map(|items| items.len()),
        Ok(6),
        "six calls of 40 ms, two at a time, take 120 ms in all, but each call is within \
         its 50 ms limit: nothing may time out"
    );
}

#[test]
fn a_slow_call_times_out_and_is_cancelled() {
    let (result, took, in_flight, cancelled) = paused(|| async {
        let service = Slow::with(&[(2, 1_000_000, Ok("too late"))]);
        let (result, took) =
            on_virtual_clock(fetch_all(service.clone(), vec![1, 2], 2, ms(50))).await;
        // At once, as fetch_all returns: nothing else has run since.
        (result, took, service.in_flight(), service.cancelled())
    });
    assert_eq!(result, Err(FetchError::Timeout { id: 2 }));
    assert_eq!(took, ms(50), "the call gives up after its limit of 50 ms");
    assert_eq!(
        (in_flight, cancelled),
        (0, 1),
        "after a timeout the call itself must be cancelled (its future dropped), not left \
         running in the background"
    );
}

#[test]
fn the_first_error_cancels_the_calls_still_running_before_it_returns() {
    let (result, took, in_flight, cancelled) = paused(|| async {
        let mut plan: Vec<_> = (1..=6).map(|id| (id, 1_000_000, Ok("slow"))).collect();
        plan[2] = (3, 5, Err("no such item"));
        let service = Slow::with(&plan);
        let (result, took) = on_virtual_clock(fetch_all(
            service.clone(),
            (1..=6).collect(),
            6,
            ms(2_000_000),
        ))
        .await;
        // Looked at the moment fetch_all returns: the test's task has not let any other
        // task run since, so what an abort only asked for has not happened yet.
        (result, took, service.in_flight(), service.cancelled())
    });
    assert_eq!(
        result,
        Err(FetchError::Failed {
            id: 3,
            reason: "no such item".to_string()
        })
    );
    assert_eq!(
        took,
        ms(5),
        "the error is returned as soon as it happens, without waiting for the other calls"
    );
    assert_eq!(
        (in_flight, cancelled),
        (0, 5),
        "the five calls still running when the error came must be stopped (their futures \
         dropped) before fetch_all returns: {in_flight} were still running when it returned, \
         and {cancelled} had been dropped. Dropping the JoinSet only asks its tasks to stop, \
         later; `shutdown().await` stops them and waits until they are gone"
    );
}

#[test]
fn an_error_behind_the_limit_comes_at_once_and_no_call_starts_after_it() {
    let (result, took, most, in_flight, started_then, started_later) = paused(|| async {
        // Two at a time: id 1 fails after 5 ms, id 2 would take for ever, and ids 3 to 8
        // wait for a permit.
        let mut plan: Vec<_> = (1..=8).map(|id| (id, 1_000_000, Ok("slow"))).collect();
        plan[0] = (1, 5, Err("no such item"));
        let service = Slow::with(&plan);
        let (result, took) = on_virtual_clock(fetch_all(
            service.clone(),
            (1..=8).collect(),
            2,
            ms(2_000_000),
        ))
        .await;
        let (in_flight, started_then) = (service.in_flight(), service.started());
        // Long after: the calls that were waiting for a permit must never start.
        sleep(ms(10_000)).await;
        (
            result,
            took,
            service.most(),
            in_flight,
            started_then,
            service.started(),
        )
    });
    assert_eq!(
        result,
        Err(FetchError::Failed {
            id: 1,
            reason: "no such item".to_string()
        })
    );
    assert_eq!(
        took,
        ms(5),
        "the error came after 5 ms, while six calls waited for a permit: fetch_all must \
         return it then. Waiting for a permit before spawning each task keeps fetch_all \
         from looking at any result until the last call has started; let each task wait for \
         its own permit"
    );
    assert_eq!(most, 2, "never more than 2 calls in flight");
    assert_eq!(
        in_flight, 0,
        "no call may still be running when fetch_all returns its error"
    );
    assert_eq!(
        started_later, started_then,
        "calls started after fetch_all had returned its error: the tasks waiting for a \
         permit must be stopped too"
    );
}

#[test]
fn waiting_for_the_calls_parks_instead_of_spinning() {
    let result = paused(|| async {
        let service = Slow::with(&[]);
        // 20 calls, 4 at a time: fetch_all is woken about once per finished call.
        poll_limit(
            "fetch_all",
            100,
            fetch_all(service, (1..=20).collect(), 4, ms(100)),
        )
        .await
    });
    assert_eq!(result, Ok(items(1..=20)));
}
