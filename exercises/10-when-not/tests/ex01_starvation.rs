//! Tests for exercise 10.1: the heartbeat keeps ticking while CPU work runs.
//!
//! No stopwatch: the test's job cannot finish until the heartbeat has ticked while it
//! ran. A job that holds the loop's thread never sees a tick, and gives up with the
//! course's deadlock message. The heartbeat runs on the real clock (tokio's paused clock
//! does not advance by itself while `spawn_blocking` work runs); a clock here is only a
//! give-up limit.

use std::ops::ControlFlow;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use ch10_when_not::ex01_starvation::{heartbeat, in_slices, off_the_loop};
use support::PATIENCE;
use support::tokio::real_time;
use support::wakers::Counted;

/// A CPU job that cannot finish until the heartbeat has ticked `ticks` more times.
fn job_that_needs(beats: Arc<AtomicU64>, ticks: u64) -> impl FnOnce() -> u64 + Send + 'static {
    move || {
        let start = beats.load(Ordering::SeqCst);
        assert!(
            support::within_patience(|| beats.load(Ordering::SeqCst) >= start + ticks),
            "probably a deadlock: the heartbeat never ticked while the CPU job ran, so the job \
             is holding the event loop's only thread"
        );
        42
    }
}

#[test]
fn the_heartbeat_ticks_while_the_job_runs() {
    let answer = real_time(|| async {
        let beats = Arc::new(AtomicU64::new(0));
        tokio::spawn(heartbeat(Duration::from_millis(1), beats.clone()));
        off_the_loop(job_that_needs(beats, 3)).await
    });
    assert_eq!(
        answer, 42,
        "off_the_loop should return what the job returned"
    );
}

#[test]
fn the_job_gives_back_what_it_returned() {
    let answer = real_time(|| off_the_loop(|| String::from("six times seven")));
    assert_eq!(answer, "six times seven");
}

#[test]
fn a_panicking_job_panics_in_the_caller_with_its_own_message() {
    let outcome = std::panic::catch_unwind(|| {
        real_time(|| off_the_loop(|| -> u32 { panic!("the job's own message") }))
    });
    let Err(payload) = outcome else {
        panic!("the job panicked, but off_the_loop returned a value");
    };
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned());
    assert_eq!(
        message.as_deref(),
        Some("the job's own message"),
        "the job panicked with \"the job's own message\", and the caller's panic said \
         {message:?}: hand the job's own panic on (`std::panic::resume_unwind(error.into_panic())`), \
         not a new panic about the JoinError"
    );
}

#[test]
fn the_caller_parks_while_the_job_runs() {
    let polls = real_time(|| async {
        let beats = Arc::new(AtomicU64::new(0));
        tokio::spawn(heartbeat(Duration::from_millis(1), beats.clone()));
        let polls = Arc::new(AtomicU64::new(0));
        let counted = Counted {
            inner: Box::pin(off_the_loop(job_that_needs(beats, 10))),
            polls: polls.clone(),
        };
        assert_eq!(counted.await, 42);
        polls.load(Ordering::SeqCst)
    });
    assert!(
        polls <= 3,
        "off_the_loop was polled {polls} times while the job ran for ten heartbeats: it should \
         wait for the job's end without looking again and again (await the job, do not poll it in \
         a loop)"
    );
}

#[test]
fn slices_let_the_heartbeat_tick() {
    let answer = real_time(|| async {
        let beats = Arc::new(AtomicU64::new(0));
        tokio::spawn(heartbeat(Duration::from_millis(1), beats.clone()));
        let start = beats.load(Ordering::SeqCst);
        let gave_up = Instant::now() + PATIENCE;
        in_slices(move || {
            if beats.load(Ordering::SeqCst) >= start + 3 {
                return ControlFlow::Break(42);
            }
            assert!(
                Instant::now() < gave_up,
                "probably a deadlock: the heartbeat never ticked between two slices, so the \
                 slices never give the event loop back"
            );
            ControlFlow::Continue(())
        })
        .await
    });
    assert_eq!(
        answer, 42,
        "in_slices should return the value of the last step"
    );
}

#[test]
fn every_slice_gives_the_loop_back() {
    let seen = real_time(|| async {
        // Another task that counts its own turns on the loop.
        let turns = Arc::new(AtomicU64::new(0));
        let counter = turns.clone();
        tokio::spawn(async move {
            loop {
                counter.fetch_add(1, Ordering::SeqCst);
                tokio::task::yield_now().await;
            }
        });
        let mut seen = Vec::new();
        let total = in_slices(|| {
            seen.push(turns.load(Ordering::SeqCst));
            if seen.len() == 5 {
                ControlFlow::Break(seen.len())
            } else {
                ControlFlow::Continue(())
            }
        })
        .await;
        assert_eq!(
            total, 5,
            "in_slices should return the value of the last step"
        );
        seen
    });
    assert!(
        seen.windows(2).all(|pair| pair[0] < pair[1]),
        "the other task's turn counter, read at each of five slices, was {seen:?}: between two \
         slices every other task should get a turn"
    );
}

#[test]
fn slices_stop_at_the_first_break() {
    let steps = real_time(|| async {
        let mut steps = 0;
        let last = in_slices(|| {
            steps += 1;
            if steps == 3 {
                ControlFlow::Break(steps)
            } else {
                ControlFlow::Continue(())
            }
        })
        .await;
        assert_eq!(
            last, 3,
            "in_slices should return the value of the last step"
        );
        steps
    });
    assert_eq!(
        steps, 3,
        "in_slices called the step {steps} times; the third one said Break"
    );
}
