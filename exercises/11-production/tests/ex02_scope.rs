//! Tests for exercise 11.2: a scope no task outlives.
//!
//! How they prove what they prove, with no stopwatch:
//!
//! - Every body but the last two runs on tokio's current-thread runtime with the clock
//!   paused (`support::tokio::paused`): a job that "takes an hour" takes no real time, and
//!   a wait that can never end is reported as probably a deadlock.
//! - The last two run on a multi-threaded runtime, where one job is held in the middle of
//!   a poll on a worker thread while another fails: an aborted task outlives its abort
//!   until that poll ends, which the test decides. It lets the job go only once the
//!   caller has gone to sleep after the failure, so an answer that does not wait for the
//!   job returns while it is alive, every time.
//! - Each job holds a drop guard from the moment it is made: a shared count goes up when
//!   the job is made and down when its future is dropped (finished, or aborted and
//!   cleaned up). The tests read the count right after `all_or_nothing` returns, before
//!   yielding to the runtime. On this runtime an aborted task is dropped only when the
//!   runtime next gets to it, so an answer that aborts without waiting, or just drops its
//!   `JoinSet`, still has live jobs at that moment, every time.
//! - Concurrency is a meeting: the jobs wait at a `tokio::sync::Barrier` for all of them.
//!   Run one after another, the first never meets the others.
//! - Orders are forced: the jobs finish in the opposite order of the list because each
//!   one waits for the next one to finish; the job that fails first in time is not the
//!   first in the list, and an earlier job fails too, but only an hour later.
//! - The caller's waiting is checked by polling it by hand, each time with a fresh waker
//!   (`support::wakers::FreshWakers`), and counting how often it asks to be polled again
//!   while its job is held back.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::Poll;
use std::time::Duration;

use ch11_production::ex02_scope::all_or_nothing;
use futures::FutureExt;
use support::tokio::paused;
use support::wakers::FreshWakers;
use tokio::sync::{Barrier, oneshot};

/// The jobs the tests hand to `all_or_nothing`: all of one type, so boxed.
type Job<T> = Pin<Box<dyn Future<Output = Result<T, String>> + Send>>;

/// How many jobs exist and have not been dropped yet.
#[derive(Clone, Default)]
struct Live(Arc<AtomicUsize>);

/// Held by a job's future; dropping the future drops it.
struct Alive(Arc<AtomicUsize>);

impl Drop for Alive {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Live {
    /// A job that runs `body`, counted as live from now until its future is dropped.
    fn job<T: Send + 'static>(
        &self,
        body: impl Future<Output = Result<T, String>> + Send + 'static,
    ) -> Job<T> {
        self.0.fetch_add(1, Ordering::SeqCst);
        let alive = Alive(self.0.clone());
        Box::pin(async move {
            let _alive = alive;
            body.await
        })
    }

    fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

/// A flag a job raises if it gets to the end of its wait: it was not stopped.
#[derive(Clone, Default)]
struct Flag(Arc<AtomicBool>);

impl Flag {
    fn raise(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
    fn is_raised(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

const HOUR: Duration = Duration::from_secs(3600);

#[test]
fn every_job_runs_at_the_same_time_as_the_others() {
    let outcome = paused(|| async {
        let live = Live::default();
        let meeting = Arc::new(Barrier::new(4));
        let jobs: Vec<Job<usize>> = (0..4)
            .map(|n| {
                let meeting = meeting.clone();
                live.job(async move {
                    // Each job waits for all four at the meeting point; a job that waits
                    // an hour of the test's clock in vain gives up and says so.
                    match tokio::time::timeout(HOUR, meeting.wait()).await {
                        Ok(_) => Ok(n),
                        Err(_) => Err(format!(
                            "job {n} waited at the meeting point and the other jobs never came"
                        )),
                    }
                })
            })
            .collect();
        all_or_nothing(jobs).await
    });
    assert_eq!(
        outcome,
        Ok(vec![0, 1, 2, 3]),
        "four jobs that can only finish once all four have started should all finish: \
         they must run at the same time (spawn them all before waiting for any), not one \
         after another"
    );
}

#[test]
fn every_job_runs_as_a_tokio_task_of_its_own() {
    let ids = paused(|| async {
        let live = Live::default();
        let jobs: Vec<Job<Option<tokio::task::Id>>> = (0..3)
            .map(|_| live.job(async { Ok(tokio::task::try_id()) }))
            .collect();
        all_or_nothing(jobs).await
    })
    .expect("three jobs that cannot fail should give Ok");
    assert!(
        ids.iter().all(Option::is_some),
        "each job should run as a tokio task of its own, but some ran outside any task \
         (task ids seen by the jobs: {ids:?}): polling the jobs inside the caller's future \
         (a `join_all`) runs them all on one thread, never in parallel"
    );
    let mut distinct = ids.clone();
    distinct.sort_by_key(|id| id.map(|id| id.to_string()));
    distinct.dedup();
    assert_eq!(
        distinct.len(),
        3,
        "each job should run as a tokio task of its own, but three jobs saw the task ids \
         {ids:?}"
    );
}

#[test]
fn values_come_in_the_order_of_the_jobs_not_the_order_they_finished() {
    let (outcome, live_after) = paused(|| async {
        let live = Live::default();
        // Job n finishes only after job n + 1 has: the last job finishes first.
        let mut jobs: Vec<Job<String>> = Vec::new();
        let mut next_done: Option<oneshot::Receiver<()>> = None;
        for n in (0..4).rev() {
            let (done, is_done) = oneshot::channel::<()>();
            let wait_for = next_done.replace(is_done);
            jobs.push(live.job(async move {
                if let Some(later_job) = wait_for {
                    let _ = later_job.await;
                }
                let _ = done.send(());
                Ok(format!("value of job {n}"))
            }));
        }
        jobs.reverse();
        let outcome = all_or_nothing(jobs).await;
        (outcome, live.count())
    });
    let expected: Vec<String> = (0..4).map(|n| format!("value of job {n}")).collect();
    assert_eq!(
        outcome,
        Ok(expected),
        "the jobs finished last to first; the values should still come in the order of the \
         jobs (keep each job's place in the list with its value)"
    );
    assert_eq!(
        live_after, 0,
        "after every job gave its value, {live_after} jobs were still alive"
    );
}

#[test]
fn the_first_error_in_time_is_returned_once_every_other_job_is_gone() {
    let (outcome, live_after, first_finished, third_finished) = paused(|| async {
        let live = Live::default();
        let (first_finished, third_finished) = (Flag::default(), Flag::default());
        let jobs: Vec<Job<&str>> = vec![
            // First in the list, fails too, but only after an hour.
            live.job({
                let finished = first_finished.clone();
                async move {
                    tokio::time::sleep(HOUR).await;
                    finished.raise();
                    Err("job 0 failed after an hour".to_string())
                }
            }),
            // Fails at once: the first error in time.
            live.job(async { Err("job 1 failed at once".to_string()) }),
            // Would succeed, after two hours.
            live.job({
                let finished = third_finished.clone();
                async move {
                    tokio::time::sleep(2 * HOUR).await;
                    finished.raise();
                    Ok("job 2's value")
                }
            }),
        ];
        let outcome = all_or_nothing(jobs).await;
        // Read at once, before this task lets the runtime run anything else.
        let live_after = live.count();
        (
            outcome,
            live_after,
            first_finished.is_raised(),
            third_finished.is_raised(),
        )
    });
    assert_eq!(
        outcome,
        Err("job 1 failed at once".to_string()),
        "job 1 failed at once and job 0 only an hour later: the error to return is the \
         first one to happen, whatever its place in the list (take the tasks in the order \
         they finish, not in the order of the list)"
    );
    assert!(
        !first_finished && !third_finished,
        "after job 1 failed, the other jobs ran to the end of their waits (job 0: {}, job 2: \
         {}): the first error should stop them (abort them), not wait for them",
        if first_finished {
            "finished"
        } else {
            "stopped"
        },
        if third_finished {
            "finished"
        } else {
            "stopped"
        },
    );
    assert_eq!(
        live_after, 0,
        "when all_or_nothing returned the error, other jobs were still alive (their futures \
         not dropped yet: {live_after}). The first error must stop them, and aborting a task \
         only asks it to stop: abort them AND wait until each one is gone (await its end, or \
         `JoinSet::shutdown`) before returning"
    );
}

#[test]
fn a_panic_in_a_job_reaches_the_caller_as_that_panic_once_the_others_are_gone() {
    let (payload, live_after, other_finished) = paused(|| async {
        let live = Live::default();
        let other_finished = Flag::default();
        let jobs: Vec<Job<u32>> = vec![
            live.job(async { Ok(0) }),
            live.job({
                let finished = other_finished.clone();
                async move {
                    tokio::time::sleep(HOUR).await;
                    finished.raise();
                    Ok(1)
                }
            }),
            live.job(async {
                tokio::task::yield_now().await;
                panic!("job 2 broke")
            }),
        ];
        let caught = AssertUnwindSafe(all_or_nothing(jobs)).catch_unwind().await;
        // Read at once, before this task lets the runtime run anything else.
        let live_after = live.count();
        let payload = match caught {
            Err(payload) => Err(match payload.downcast::<&str>() {
                Ok(text) => Ok(*text),
                Err(payload) => Err(match payload.downcast::<String>() {
                    Ok(text) => format!("a panic with the message {text:?}"),
                    Err(_) => "a panic with a payload that is not text".to_string(),
                }),
            }),
            Ok(returned) => Ok(format!("{returned:?}")),
        };
        (payload, live_after, other_finished.is_raised())
    });
    match payload {
        Err(Ok(message)) => assert_eq!(
            message, "job 2 broke",
            "the caller should get the job's own panic"
        ),
        Err(Err(other)) => panic!(
            "job 2 panicked with \"job 2 broke\", and the caller got {other}: a new panic. \
             Go on with the job's own panic (`std::panic::resume_unwind` with \
             `JoinError::into_panic`)"
        ),
        Ok(returned) => panic!(
            "job 2 panicked, and all_or_nothing returned {returned}: the panic was swallowed. \
             It should go on in the caller, as the job's own panic"
        ),
    }
    assert!(
        !other_finished,
        "after job 2 panicked, job 1 still ran to the end of its hour: the panic should stop \
         the other jobs"
    );
    assert_eq!(
        live_after, 0,
        "when the panic reached the caller, other jobs were still alive (their futures not \
         dropped yet: {live_after}): clean up on a panic too. Abort the others AND wait until \
         each one is gone, then go on with the panic"
    );
}

#[test]
fn no_jobs_give_no_values_at_once() {
    let first_poll = paused(|| async {
        let mut scope = FreshWakers::new(all_or_nothing(Vec::<Job<u32>>::new()));
        scope.poll()
    });
    assert_eq!(
        first_poll,
        Poll::Ready(Ok(vec![])),
        "with no jobs there is nothing to wait for: all_or_nothing should give Ok(vec![]) \
         on its first poll"
    );
}

#[test]
fn the_caller_sleeps_until_a_job_finishes() {
    let (early_wakes, woken_when_done, last_poll) = paused(|| async {
        let live = Live::default();
        let (release, released) = oneshot::channel::<u32>();
        let jobs: Vec<Job<u32>> = vec![
            live.job(async { Ok(1) }),
            live.job(async move { released.await.map_err(|_| "never released".to_string()) }),
        ];
        let mut scope = FreshWakers::new(all_or_nothing(jobs));
        assert!(
            scope.poll().is_pending(),
            "all_or_nothing should wait for its jobs: its first poll gave Ready although \
             job 1 had not finished"
        );
        // Twenty turns of the runtime: job 0 finishes, job 1 waits for the test.
        for _ in 0..20 {
            tokio::task::yield_now().await;
        }
        // Job 0's end may wake it once (and it goes back to sleep); polled again with a new
        // waker, it must then stay asleep while job 1 waits.
        assert!(
            scope.poll().is_pending(),
            "all_or_nothing finished while job 1 was still waiting"
        );
        for _ in 0..20 {
            tokio::task::yield_now().await;
        }
        let early_wakes = scope.latest().wakes();
        let _ = release.send(2);
        // Now job 1 finishes: that must wake the latest waker.
        let mut woken_when_done = false;
        for _ in 0..20 {
            tokio::task::yield_now().await;
            if scope.latest().wakes() > 0 {
                woken_when_done = true;
                break;
            }
        }
        (early_wakes, woken_when_done, scope.poll())
    });
    assert_eq!(
        early_wakes, 0,
        "polled while its only unfinished job waited, all_or_nothing woke its own waker \
         ({early_wakes} wake) over twenty turns of the runtime, asking to be polled again \
         although nothing had happened: it should sleep until a task finishes (await \
         `join_next`), not check the tasks and yield, again and again"
    );
    assert!(
        woken_when_done,
        "the last job finished, and all_or_nothing's latest waker was never woken: it must \
         be woken when a task finishes"
    );
    assert_eq!(
        last_poll,
        Poll::Ready(Ok(vec![1, 2])),
        "polled after its last job finished, all_or_nothing should give both values"
    );
}

#[test]
fn of_two_jobs_that_failed_before_the_caller_looked_the_first_to_fail_is_returned() {
    let outcome = paused(|| async {
        let live = Live::default();
        let (fail_first, first) = oneshot::channel::<()>();
        let (fail_second, second) = oneshot::channel::<()>();
        let jobs: Vec<Job<u32>> = vec![
            live.job(async move {
                let _ = second.await;
                Err("job 0, which failed second".to_string())
            }),
            live.job(async move {
                let _ = first.await;
                Err("job 1, which failed first".to_string())
            }),
        ];
        let mut scope = FreshWakers::new(all_or_nothing(jobs));
        assert!(
            scope.poll().is_pending(),
            "all_or_nothing should wait for its jobs: its first poll gave Ready although \
             neither job had finished"
        );
        // Job 1 fails, and its task ends; then job 0 fails too, all before the caller is
        // polled again: both failures are waiting for it when it looks.
        fail_first.send(()).expect("job 1 waits for the test");
        for _ in 0..20 {
            tokio::task::yield_now().await;
        }
        fail_second.send(()).expect("job 0 waits for the test");
        for _ in 0..20 {
            tokio::task::yield_now().await;
        }
        for _ in 0..10 {
            if let Poll::Ready(outcome) = scope.poll() {
                return Some(outcome);
            }
            for _ in 0..20 {
                tokio::task::yield_now().await;
            }
        }
        None
    });
    assert_eq!(
        outcome,
        Some(Err("job 1, which failed first".to_string())),
        "job 1 failed first and job 0 a moment later, both before all_or_nothing looked \
         again (None: it never finished): the error to return is the first to fail in time; \
         the errors of the jobs met while cleaning up after it are dropped, not kept"
    );
}

#[test]
fn dropping_the_scope_before_it_is_done_stops_its_jobs() {
    let (live_later, finished) = paused(|| async {
        let live = Live::default();
        let finished = Flag::default();
        let jobs: Vec<Job<u32>> = (0..2)
            .map(|n| {
                let finished = finished.clone();
                live.job(async move {
                    tokio::time::sleep(HOUR).await;
                    finished.raise();
                    Ok(n)
                })
            })
            .collect();
        let mut scope = FreshWakers::new(all_or_nothing(jobs));
        assert!(
            scope.poll().is_pending(),
            "all_or_nothing finished while both jobs were waiting for an hour"
        );
        // The jobs start, and wait.
        for _ in 0..5 {
            tokio::task::yield_now().await;
        }
        // The caller gives up on the scope, as a timeout or a `select!` would.
        drop(scope);
        tokio::time::sleep(2 * HOUR).await;
        (live.count(), finished.is_raised())
    });
    assert!(
        !finished,
        "the caller dropped all_or_nothing while its jobs waited, and the jobs ran on to the          end of their hour: when the scope is dropped, its tasks must be aborted (tasks kept          as `JoinHandle`s are only detached by a drop; a `JoinSet` aborts them)"
    );
    assert_eq!(
        live_later, 0,
        "two hours after the caller dropped all_or_nothing, {live_later} job(s) were still          alive: dropping the scope must abort its tasks"
    );
}

/// What one run of [`a_job_busy_on_another_thread`] saw.
struct BusyRun {
    /// What `all_or_nothing` gave: its value, or the message of the panic it went on with.
    outcome: Result<Result<Vec<u32>, String>, String>,
    /// Jobs alive at the moment it returned or unwound.
    live_when_done: usize,
}

/// Polls `scope` (each time with a new waker) until it is `Ready`, unwinds, or goes to
/// sleep: `Pending` without having woken its own waker. Panics if it asks to be polled
/// again a thousand times in a row: it should sleep until a task finishes.
fn poll_until_asleep<F: Future>(
    scope: &mut FreshWakers<F>,
    when: &str,
) -> std::thread::Result<Poll<F::Output>> {
    for _ in 0..1000 {
        let poll = std::panic::catch_unwind(AssertUnwindSafe(|| scope.poll()))?;
        if poll.is_ready() || scope.latest().wakes() == 0 {
            return Ok(poll);
        }
    }
    panic!(
        "{when}, all_or_nothing asked to be polled again a thousand times in a row: it should \
         sleep until a task finishes (await `join_next`), not check and yield"
    );
}

/// The message of a panic payload.
fn message(payload: Box<dyn std::any::Any + Send>) -> String {
    match payload.downcast::<&str>() {
        Ok(text) => text.to_string(),
        Err(payload) => match payload.downcast::<String>() {
            Ok(text) => *text,
            Err(_) => "a panic with a payload that is not text".to_string(),
        },
    }
}

/// On a multi-threaded runtime, job 1 is held by the test in the middle of a poll on a
/// worker thread (blocked on a channel, inside its poll) while job 0 fails (`failing` is
/// job 0's body, run when the test says so). Aborting job 1 cannot drop it until that
/// poll ends, so an answer that aborts and returns, or aborts, yields once and returns,
/// returns while it is alive: every time, whatever the threads do, because the test lets
/// job 1 go only once the caller has gone to sleep after job 0's end.
fn a_job_busy_on_another_thread(
    failing: impl Future<Output = Result<u32, String>> + Send + 'static,
) -> BusyRun {
    support::timeout(move || {
        // Timers and I/O on, as in any real runtime: an answer that sleeps gets its sleep.
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a multi-threaded runtime");
        // Polled by hand on this thread, inside the runtime: spawned jobs go to its workers.
        let _inside = runtime.enter();
        let live = Live::default();
        let (fail, failing_allowed) = oneshot::channel::<()>();
        let (inside_tx, inside) = std::sync::mpsc::channel::<()>();
        let (release, released) = std::sync::mpsc::channel::<()>();
        let jobs: Vec<Job<u32>> = vec![
            live.job(async move {
                let _ = failing_allowed.await;
                failing.await
            }),
            live.job(async move {
                let _ = inside_tx.send(());
                // Blocks its worker thread, inside this poll, until the test lets it go
                // (or the test ends: dropping `release` lets it go too).
                let _ = released.recv();
                // Then waits for ever: only an abort ends it.
                std::future::pending::<()>().await;
                Ok(1)
            }),
        ];
        let mut scope = FreshWakers::new(all_or_nothing(jobs));
        let done = |outcome, live: &Live| BusyRun {
            outcome,
            live_when_done: live.count(),
        };
        match poll_until_asleep(&mut scope, "while its jobs had just started") {
            Ok(Poll::Pending) => {}
            Ok(Poll::Ready(early)) => return done(Ok(early), &live),
            Err(panicked) => return done(Err(message(panicked)), &live),
        }
        inside
            .recv_timeout(support::PATIENCE)
            .expect("job 1 never started: its task was never polled");
        // Job 0 ends while nobody polls the caller: the next wake is job 0's end.
        let _ = fail.send(());
        assert!(
            scope.wait_for_wake(),
            "job 0 ended, and all_or_nothing's latest waker was never woken: it must be woken \
             when a task finishes"
        );
        match poll_until_asleep(&mut scope, "after job 0 ended") {
            // Job 1 is still held inside its poll: whatever was returned, it is alive.
            Ok(Poll::Ready(returned)) => return done(Ok(returned), &live),
            Err(panicked) => return done(Err(message(panicked)), &live),
            Ok(Poll::Pending) => {}
        }
        // Asleep after job 0's end: waiting for job 1 to be gone. Let it go.
        let _ = release.send(());
        loop {
            assert!(
                scope.wait_for_wake(),
                "job 1 was let go and should have been aborted, and all_or_nothing was never \
                 woken again: after the first failure it must abort the other jobs, then wait \
                 for each to be gone"
            );
            match poll_until_asleep(&mut scope, "after job 1 was let go") {
                Ok(Poll::Ready(returned)) => return done(Ok(returned), &live),
                Err(panicked) => return done(Err(message(panicked)), &live),
                // Woken for something else than its last job's end: it sleeps again.
                Ok(Poll::Pending) => {}
            }
        }
    })
}

#[test]
fn the_error_comes_back_only_after_a_job_busy_on_another_thread_is_gone() {
    let run = a_job_busy_on_another_thread(async { Err("job 0 failed".to_string()) });
    assert_eq!(
        run.outcome,
        Ok(Err("job 0 failed".to_string())),
        "job 0 failed while job 1 waited for ever: all_or_nothing should return job 0's error"
    );
    assert_eq!(
        run.live_when_done, 0,
        "all_or_nothing returned job 0's error while job 1 was still in the middle of a poll \
         on another worker thread, alive. An aborted task is dropped only when its poll ends, \
         and on a multi-threaded runtime that can take any time: yielding once, or a few \
         times, is a guess. Abort the others, then await each one's end (`JoinSet::shutdown`)"
    );
}

#[test]
fn the_panic_goes_on_only_after_a_job_busy_on_another_thread_is_gone() {
    let run = a_job_busy_on_another_thread(async { panic!("job 0 broke") });
    assert_eq!(
        run.outcome,
        Err("job 0 broke".to_string()),
        "job 0 panicked while job 1 waited for ever: the caller should get job 0's panic"
    );
    assert_eq!(
        run.live_when_done, 0,
        "job 0's panic went on in the caller while job 1 was still in the middle of a poll on \
         another worker thread, alive. Clean up on a panic too: abort the others, then await \
         each one's end, then go on with the panic"
    );
}
