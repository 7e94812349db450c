//! Tests for exercise 11.4: graceful shutdown.
//!
//! How they prove what they prove:
//!
//! - **The signal.** A signal goes to a whole process, so the signal tests run this test
//!   binary again as a child process that does only one thing: the ignored test
//!   `child_waits_for_a_shutdown_signal`. The child polls `shutdown_signal()` once by
//!   hand (with a waker that counts its wakes), on a runtime that nobody drives yet, and
//!   says `ready` and how often it was woken. The parent sends the real signal only
//!   after `ready`, and then a line the child waits for before it lets its runtime run:
//!   so a listener that is not in place by the end of the first poll (one left to a
//!   spawned task, or to a later poll) lets the signal's default action kill the child,
//!   every time; a wait that wakes itself before any signal (a spin) shows in the count. The child says `got it` once the future is
//!   ready, and the parent checks that it exited on its own, with success.
//! - **The server.** Requests come from a channel the test holds, and the shutdown is a
//!   oneshot the test fires, under tokio's paused clock: handlers "work" by sleeping on
//!   that clock, so the grace period is checked to the millisecond without a stopwatch,
//!   and a wait that never ends fails as "probably a deadlock". The test fires the
//!   shutdown only after each handler has told it that it started (or, for requests
//!   that must stay queued, without letting the server run in between), so the order of
//!   events is forced, never hoped for. Each client's oneshot is read after `serve`
//!   returned: every request must have its one answer by then.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use ch11_production::ex04_shutdown::{Answer, Report, Request, serve};
use support::tokio::paused;
use support::wakers::Counted;
use tokio::sync::{Barrier, mpsc, oneshot};
// tokio's `Instant`, on the paused clock of `support::tokio::paused`: every `elapsed()`
// below is virtual time, moved only by the test's own timers, exact to the millisecond
// and the same on any machine, however fast or loaded.
use tokio::time::Instant;

// ---------------------------------------------------------------------------------------
// The signal, in a child process.

/// Set in the child's environment: the child test does its part only when it is there.
const CHILD_ENV: &str = "CH11_EX04_SIGNAL_CHILD";

/// The child's half of the signal tests, run by them in a process of its own (it is
/// ignored so that it never passes on its own while checking nothing).
#[test]
#[ignore = "the child half of the signal tests, which run it in a process of its own"]
fn child_waits_for_a_shutdown_signal() {
    if std::env::var_os(CHILD_ENV).is_none() {
        return;
    }
    use ch11_production::ex04_shutdown::shutdown_signal;
    use std::task::Context;
    use support::wakers::CountingWaker;
    // A current-thread runtime that nobody drives until the signal has come: the first
    // poll happens here, by hand, and no task the future spawns can run before the
    // signal (a listener set up in a spawned task is not in place in time, every time).
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("the child could not build a runtime");
    let mut wait = Box::pin(shutdown_signal());
    let (first, waker) = CountingWaker::new();
    let polled = {
        let _inside = runtime.enter();
        wait.as_mut().poll(&mut Context::from_waker(&waker))
    };
    if polled.is_ready() {
        println!("returned before any signal");
        std::process::exit(3);
    }
    println!("ready, woken {} times", first.wakes());
    // The parent sends the signal, then a line: once the line is here, the signal has
    // been delivered (a pending signal is delivered before `read` returns).
    let mut line = String::new();
    if std::io::stdin().read_line(&mut line).is_err() || line.trim() != "sent" {
        println!("the parent never said the signal was sent");
        std::process::exit(4);
    }
    // Now the runtime runs, and polls the future again with its own waker (a second
    // one): the signal that came meanwhile must end the wait.
    match runtime.block_on(async { tokio::time::timeout(support::PATIENCE, wait).await }) {
        Ok(()) => println!("got it"),
        Err(_) => {
            println!("still waiting after the signal");
            std::process::exit(5);
        }
    }
}

/// Runs the child, sends it `signal` once it is ready, and checks that the wait, not the
/// signal, ended it.
#[cfg(unix)]
fn signal_ends_the_wait(signal: libc::c_int, name: &'static str) {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::os::unix::process::ExitStatusExt;
    use std::process::{Command, Stdio};
    support::timeout(move || {
        let program = std::env::current_exe().expect("the test could not find its own binary");
        let mut child = Command::new(program)
            .args([
                "--exact",
                // The child test's name, as `--exact` wants it.
                &support::test_name!(child_waits_for_a_shutdown_signal),
                "--ignored",
                "--nocapture",
                "--test-threads",
                "1",
            ])
            .env(CHILD_ENV, "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the test could not start its child process");
        let stdout = child.stdout.take().unwrap();
        let mut stderr = child.stderr.take().unwrap();
        // The child's lines, read on a thread of their own so the wait for `ready` has a
        // limit.
        let (lines, said) = std::sync::mpsc::channel::<String>();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = lines.send(line);
            }
        });
        // The child prints its lines after the test harness's own "test … " prefix.
        let woken = loop {
            match said.recv_timeout(support::PATIENCE) {
                Ok(line) => match line.split_once("ready, woken ") {
                    Some((_, rest)) => break Some(rest.trim_end_matches(" times").to_string()),
                    None => continue,
                },
                Err(_) => break None,
            }
        };
        if woken.is_some() {
            // The child is waiting in `shutdown_signal()`: now the signal.
            let sent = unsafe { libc::kill(child.id() as libc::pid_t, signal) };
            assert_eq!(sent, 0, "the test could not send {name} to its child");
            // Then a line, which the child reads before it runs its runtime: the signal
            // is delivered before that read returns. (A child the signal killed reads
            // nothing, and the write may fail: that is the child's status to report.)
            if let Some(mut input) = child.stdin.take() {
                let _ = input.write_all(b"sent\n");
            }
        } else {
            let _ = child.kill();
        }
        let status = child.wait().expect("the test could not wait for its child");
        let _ = reader.join();
        let rest: Vec<String> = said.try_iter().collect();
        let mut errors = String::new();
        let _ = stderr.read_to_string(&mut errors);
        assert!(
            woken.is_some(),
            "the child never said it was ready: polling shutdown_signal() once should return \
             Pending quickly. Its error output:\n{errors}"
        );
        assert_eq!(
            status.signal(),
            None,
            "{name} killed the process: shutdown_signal() had been polled once, so a listener \
             for {name} should have been in place, and the signal should have ended the wait \
             instead. Listen for both SIGTERM and SIGINT before the first await"
        );
        let woken = woken.unwrap_or_default();
        assert_eq!(
            woken, "0",
            "shutdown_signal() woke its task {woken} time(s) during its first poll, before any \
             signal came: a wait sleeps until the signal driver wakes it (no yield_now or \
             try-again loop)"
        );
        assert!(
            rest.iter().any(|line| line == "got it"),
            "after {name}, shutdown_signal() should have woken its task and returned; the \
             child said {rest:?}. Its error output:\n{errors}"
        );
        assert!(
            status.success(),
            "the child should have exited with success after the wait ended; it exited with \
             {status}. Its error output:\n{errors}"
        );
    });
}

#[test]
#[cfg_attr(
    not(unix),
    ignore = "SIGTERM is a Unix signal; elsewhere there is only Ctrl-C"
)]
fn sigterm_ends_the_wait_instead_of_the_process() {
    #[cfg(unix)]
    signal_ends_the_wait(libc::SIGTERM, "SIGTERM");
}

#[test]
#[cfg_attr(not(unix), ignore = "SIGINT is sent as a Unix signal only on Unix")]
fn sigint_ends_the_wait_instead_of_the_process() {
    #[cfg(unix)]
    signal_ends_the_wait(libc::SIGINT, "SIGINT");
}

// ---------------------------------------------------------------------------------------
// The server, on the paused clock.

/// What the handler of one request does.
#[derive(Clone)]
enum Work {
    /// Sleeps this many seconds (of the paused clock), then answers.
    Takes(u64),
    /// Never finishes.
    Never,
    /// Waits until every handler of the same barrier has arrived, then answers.
    Meets(Arc<Barrier>),
    /// Panics.
    Panics,
    /// Sleeps this many seconds (of the paused clock), then panics.
    PanicsAfter(u64),
}

/// A handler that follows `plan`, and tells the test when each handler starts and how
/// many handler futures are still alive (made and not yet finished or dropped).
struct Handlers {
    started: mpsc::UnboundedReceiver<u64>,
    alive: Arc<AtomicUsize>,
}

/// Counts a handler future as alive until it is dropped.
struct Alive(Arc<AtomicUsize>);

impl Drop for Alive {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

fn handlers(
    plan: &[(u64, Work)],
) -> (
    impl FnMut(u64) -> Pin<Box<dyn Future<Output = String> + Send>> + Send + 'static,
    Handlers,
) {
    let plan: HashMap<u64, Work> = plan.iter().cloned().collect();
    let (tell, started) = mpsc::unbounded_channel();
    let alive = Arc::new(AtomicUsize::new(0));
    let counter = alive.clone();
    let handler = move |id: u64| {
        let work = plan.get(&id).cloned().unwrap_or_else(|| {
            panic!(
                "the server called the handler for request {id}, which was refused or never sent"
            )
        });
        counter.fetch_add(1, Ordering::SeqCst);
        let alive = Alive(counter.clone());
        let tell = tell.clone();
        Box::pin(async move {
            let _alive = alive;
            let _ = tell.send(id);
            match work {
                Work::Takes(secs) => tokio::time::sleep(Duration::from_secs(secs)).await,
                Work::Never => std::future::pending().await,
                Work::Meets(barrier) => {
                    barrier.wait().await;
                }
                Work::Panics => panic!("request {id}'s handler panics, as the test asked"),
                Work::PanicsAfter(secs) => {
                    tokio::time::sleep(Duration::from_secs(secs)).await;
                    panic!("request {id}'s handler panics, as the test asked")
                }
            }
            format!("answer {id}")
        }) as Pin<Box<dyn Future<Output = String> + Send>>
    };
    (handler, Handlers { started, alive })
}

/// Sends request `id`; returns where its answer will come.
async fn send(queue: &mpsc::Sender<Request>, id: u64) -> oneshot::Receiver<Answer> {
    let (reply, answer) = oneshot::channel();
    queue.send(Request { id, reply }).await.unwrap_or_else(|_| {
        panic!("request {id} could not be sent: the server closed its queue before the shutdown")
    });
    answer
}

/// Waits until the handlers of `ids` (in any order) have started.
async fn until_started(handlers: &mut Handlers, ids: &[u64]) {
    let mut seen = Vec::new();
    while seen.len() < ids.len() {
        match tokio::time::timeout(Duration::from_secs(3600), handlers.started.recv()).await {
            Ok(Some(id)) => seen.push(id),
            _ => panic!(
                "the handlers of requests {ids:?} should all have started (the server takes \
                 each request from the queue and starts its handler at once); only {seen:?} did"
            ),
        }
    }
}

/// The answer a client holds once `serve` has returned.
fn answer_of(id: u64, mut answer: oneshot::Receiver<Answer>) -> Answer {
    match answer.try_recv() {
        Ok(answer) => answer,
        Err(oneshot::error::TryRecvError::Empty) => panic!(
            "request {id} had no answer yet when serve returned: serve returns only after \
             every request task has ended, and each has answered"
        ),
        Err(oneshot::error::TryRecvError::Closed) => panic!(
            "request {id} got no answer at all: its reply sender was dropped without a word \
             (a cancelled request gets Answer::Cancelled, a queued one Answer::Refused)"
        ),
    }
}

/// Starts `serve` on a task; returns the queue, the shutdown trigger and the task.
#[allow(clippy::type_complexity)]
fn start(
    handler: impl FnMut(u64) -> Pin<Box<dyn Future<Output = String> + Send>> + Send + 'static,
    grace: Duration,
) -> (
    mpsc::Sender<Request>,
    oneshot::Sender<()>,
    tokio::task::JoinHandle<Report>,
) {
    let (queue, requests) = mpsc::channel(8);
    let (stop, shutdown) = oneshot::channel::<()>();
    let server = tokio::spawn(serve(
        requests,
        handler,
        async move {
            let _ = shutdown.await;
        },
        grace,
    ));
    (queue, stop, server)
}

#[test]
fn every_request_gets_its_handlers_answer_and_requests_are_served_at_the_same_time() {
    paused(|| async {
        // Each of the two handlers can only finish once the other has started: a server
        // that runs one request at a time never answers either.
        let barrier = Arc::new(Barrier::new(2));
        let (handler, _handlers) =
            handlers(&[(1, Work::Meets(barrier.clone())), (2, Work::Meets(barrier))]);
        let (queue, stop, server) = start(handler, Duration::from_secs(5));
        let first = send(&queue, 1).await;
        let second = send(&queue, 2).await;
        let both = async { (first.await, second.await) };
        let (first, second) = match tokio::time::timeout(Duration::from_secs(3600), both).await {
            Ok(answers) => answers,
            Err(_) => panic!(
                "two requests whose handlers wait for each other were never answered: the \
                 server should run each request on a task of its own, so that they run at \
                 the same time"
            ),
        };
        assert_eq!(
            first,
            Ok(Answer::Done("answer 1".into())),
            "request 1's answer"
        );
        assert_eq!(
            second,
            Ok(Answer::Done("answer 2".into())),
            "request 2's answer"
        );
        let _ = stop.send(());
        let report = server.await.expect("serve panicked");
        assert_eq!(
            report,
            Report {
                finished: vec![1, 2],
                ..Report::default()
            },
            "both requests finished before the shutdown"
        );
    });
}

#[test]
fn in_flight_requests_get_the_grace_period_and_the_rest_are_cancelled_with_an_answer() {
    paused(|| async {
        // Grace 5 s. Request 1 needs 3 s more at shutdown, request 2 needs 6 s, request 3
        // never ends: 1 finishes, 2 and 3 are cancelled when the 5 s are up.
        let (handler, mut handlers) =
            handlers(&[(1, Work::Takes(3)), (2, Work::Takes(6)), (3, Work::Never)]);
        let (queue, stop, server) = start(handler, Duration::from_secs(5));
        let mut answers = Vec::new();
        for id in [1, 2, 3] {
            answers.push((id, send(&queue, id).await));
        }
        until_started(&mut handlers, &[1, 2, 3]).await;
        let shutdown_at = Instant::now();
        let _ = stop.send(());
        let report = server.await.expect("serve panicked");
        let took = shutdown_at.elapsed();
        let answers: Vec<(u64, Answer)> = answers
            .into_iter()
            .map(|(id, a)| (id, answer_of(id, a)))
            .collect();
        assert_eq!(
            answers,
            [
                (1, Answer::Done("answer 1".into())),
                (2, Answer::Cancelled),
                (3, Answer::Cancelled),
            ],
            "request 1 needed 3 s of a 5 s grace period and should have finished; requests \
             2 (6 s) and 3 (never) should have been cancelled when the grace period ended"
        );
        assert_eq!(
            report,
            Report {
                finished: vec![1],
                cancelled: vec![2, 3],
                refused: vec![]
            },
            "the report should list each request once, by what became of it"
        );
        assert_eq!(
            handlers.alive.load(Ordering::SeqCst),
            0,
            "a handler was still alive when serve returned: every request task should have \
             ended (finished, or cancelled and its handler dropped) before serve returns"
        );
        assert_eq!(
            took,
            Duration::from_secs(5),
            "serve should return when the grace period of 5 s (counted once, from the \
             shutdown) is up and the cancelled requests have ended; it took {took:?}"
        );
    });
}

#[test]
fn a_request_accepted_long_before_the_shutdown_gets_the_whole_grace_period_from_the_shutdown() {
    paused(|| async {
        // Grace 5 s. Request 1 takes 12 s; the shutdown comes after 10 s, so it finishes
        // 2 s into the grace period.
        let (handler, mut handlers) = handlers(&[(1, Work::Takes(12))]);
        let (queue, stop, server) = start(handler, Duration::from_secs(5));
        let answer = send(&queue, 1).await;
        until_started(&mut handlers, &[1]).await;
        tokio::time::sleep(Duration::from_secs(10)).await;
        let shutdown_at = Instant::now();
        let _ = stop.send(());
        let report = server.await.expect("serve panicked");
        let took = shutdown_at.elapsed();
        assert_eq!(
            answer_of(1, answer),
            Answer::Done("answer 1".into()),
            "a request that needs 2 s more at the shutdown should finish within a grace \
             period of 5 s: the grace period counts from the shutdown, not from when the \
             request came"
        );
        assert_eq!(
            report,
            Report {
                finished: vec![1],
                ..Report::default()
            }
        );
        assert_eq!(
            took,
            Duration::from_secs(2),
            "serve should return as soon as the last request finished (2 s after the \
             shutdown), not wait for the rest of the grace period; it took {took:?}"
        );
    });
}

#[test]
fn requests_still_queued_at_the_shutdown_are_refused_and_later_ones_cannot_be_sent() {
    paused(|| async {
        let (handler, mut handlers) = handlers(&[(1, Work::Takes(1))]);
        let (queue, stop, server) = start(handler, Duration::from_secs(5));
        let first = send(&queue, 1).await;
        until_started(&mut handlers, &[1]).await;
        // Requests 2 and 3 go into the queue and the shutdown fires, with no await in
        // between: when the server next runs, all three are waiting for it.
        let second = send(&queue, 2).await;
        let third = send(&queue, 3).await;
        let shutdown_at = Instant::now();
        let _ = stop.send(());
        if tokio::time::timeout(Duration::from_secs(3600), queue.closed())
            .await
            .is_err()
        {
            panic!(
                "the server never closed its queue after the shutdown: it should stop \
                 accepting at once (close the receiver), so that later sends fail"
            );
        }
        let closed_after = shutdown_at.elapsed();
        assert_eq!(
            closed_after,
            Duration::ZERO,
            "the queue should be closed as soon as the shutdown comes, not {closed_after:?} \
             later"
        );
        let (reply, _answer) = oneshot::channel();
        match queue.send(Request { id: 4, reply }).await {
            Err(mpsc::error::SendError(request)) => assert_eq!(request.id, 4),
            Ok(()) => panic!(
                "a request sent after the shutdown was accepted into the queue: it should \
                 fail to send, giving the request back"
            ),
        }
        let report = server.await.expect("serve panicked");
        assert_eq!(
            (answer_of(2, second), answer_of(3, third)),
            (Answer::Refused, Answer::Refused),
            "requests 2 and 3 were still in the queue when the shutdown came: the shutdown \
             wins over them, and each should be answered Refused without being started"
        );
        assert_eq!(answer_of(1, first), Answer::Done("answer 1".into()));
        assert_eq!(
            report,
            Report {
                finished: vec![1],
                cancelled: vec![],
                refused: vec![2, 3]
            },
            "the report should list each request once, by what became of it"
        );
    });
}

#[test]
fn a_shutdown_with_nothing_in_flight_returns_at_once() {
    paused(|| async {
        let (handler, _handlers) = handlers(&[]);
        let (_queue, stop, server) = start(handler, Duration::from_secs(5));
        let shutdown_at = Instant::now();
        let _ = stop.send(());
        let report = server.await.expect("serve panicked");
        let took = shutdown_at.elapsed();
        assert_eq!(report, Report::default(), "no request was sent");
        assert_eq!(
            took,
            Duration::ZERO,
            "with no request in flight there is nothing to wait for: serve should return at \
             once, not after {took:?}"
        );
    });
}

#[test]
fn a_request_whose_handler_panicked_is_in_no_list_and_the_server_goes_on() {
    paused(|| async {
        let (handler, mut handlers) = handlers(&[(1, Work::Panics), (2, Work::Takes(1))]);
        let (queue, stop, server) = start(handler, Duration::from_secs(5));
        let first = send(&queue, 1).await;
        let second = send(&queue, 2).await;
        until_started(&mut handlers, &[1, 2]).await;
        let _ = stop.send(());
        let report = server
            .await
            .expect("serve panicked: a handler's panic ends that request's task, not the server");
        assert!(
            first.await.is_err(),
            "request 1's handler panicked, so its reply should have been dropped unanswered"
        );
        assert_eq!(answer_of(2, second), Answer::Done("answer 2".into()));
        assert_eq!(
            report,
            Report {
                finished: vec![2],
                ..Report::default()
            },
            "a request whose handler panicked is in no list of the report"
        );
    });
}

#[test]
fn an_idle_server_sleeps_until_a_request_or_the_shutdown_comes() {
    paused(|| async {
        let (handler, _handlers) = handlers(&[]);
        let (_queue, requests) = mpsc::channel(8);
        let (stop, shutdown) = oneshot::channel::<()>();
        let polls = Arc::new(AtomicU64::new(0));
        let server = tokio::spawn(Counted {
            inner: Box::pin(serve(
                requests,
                handler,
                async move {
                    let _ = shutdown.await;
                },
                Duration::from_secs(5),
            )),
            polls: polls.clone(),
        });
        // A minute with nothing to do: the server is polled once, parks, and is not
        // polled again until something comes.
        tokio::time::sleep(Duration::from_secs(60)).await;
        let idle_polls = polls.load(Ordering::SeqCst);
        let _ = stop.send(());
        server.await.expect("serve panicked");
        assert!(
            idle_polls <= 1,
            "the server was polled {idle_polls} times during a minute with no request and \
             no shutdown: it should wait for the queue and the shutdown together, asleep \
             (no timer that wakes it to look, no yield_now loop)"
        );
    });
}

#[test]
fn a_queue_whose_senders_are_gone_is_no_shutdown() {
    paused(|| async {
        // Request 1 takes 10 s. Every sender is dropped while it runs, and the shutdown
        // comes only at 30 s, with a grace period of 1 s: nothing asked the server to stop
        // before request 1 finished, so it must finish, and serve must wait for the
        // shutdown before it returns.
        let (handler, mut handlers) = handlers(&[(1, Work::Takes(10))]);
        let (queue, stop, server) = start(handler, Duration::from_secs(1));
        let answer = send(&queue, 1).await;
        until_started(&mut handlers, &[1]).await;
        drop(queue);
        tokio::time::sleep(Duration::from_secs(30)).await;
        let finished_before_the_shutdown = server.is_finished();
        let _ = stop.send(());
        let report = server.await.expect("serve panicked");
        assert!(
            !finished_before_the_shutdown,
            "serve returned before its shutdown came, because every sender of its queue was \
             gone: the end of the queue means nothing more will come, not that the server \
             must stop; it serves until `shutdown` completes"
        );
        assert_eq!(
            (answer_of(1, answer), report),
            (
                Answer::Done("answer 1".into()),
                Report {
                    finished: vec![1],
                    ..Report::default()
                }
            ),
            "request 1 (10 s) ran while the queue's senders went away, and the shutdown came \
             only 30 s later: it should have finished, with its answer"
        );
    });
}

#[test]
fn a_handler_that_panics_in_the_grace_period_does_not_end_the_wait_for_the_others() {
    paused(|| async {
        // Both requests are in flight at the shutdown (grace 10 s): request 1's handler
        // panics at 2 s, request 2's answers at 4 s. The server must go on waiting for
        // request 2 after request 1's panic.
        let (handler, mut handlers) = handlers(&[(1, Work::PanicsAfter(2)), (2, Work::Takes(4))]);
        let (queue, stop, server) = start(handler, Duration::from_secs(10));
        let first = send(&queue, 1).await;
        let second = send(&queue, 2).await;
        until_started(&mut handlers, &[1, 2]).await;
        let _ = stop.send(());
        let report = server.await.expect("serve panicked");
        drop(first);
        assert_eq!(
            (answer_of(2, second), report),
            (
                Answer::Done("answer 2".into()),
                Report {
                    finished: vec![2],
                    ..Report::default()
                }
            ),
            "request 1's handler panicked during the grace period and request 2's finished \
             after it: serve must keep waiting for the requests in flight after a panic \
             (a panicked task is one that ended, not the end of the wait)"
        );
    });
}

// `select!` without `biased;` polls its branches from a random one: a server that lets the
// shutdown and a waiting request race starts the request half of the time. So this test
// repeats the race, 32 servers in a row, each with a request waiting when the shutdown
// comes: such a server gets through all 32 about once in four billion runs.
#[test]
fn the_shutdown_wins_over_a_waiting_request_every_time() {
    paused(|| async {
        let mut started = Vec::new();
        for round in 0..32 {
            let (handler, mut handlers) = handlers(&[(1, Work::Takes(1))]);
            let (queue, stop, server) = start(handler, Duration::from_secs(5));
            let answer = send(&queue, 1).await;
            // The request waits in the queue, and the shutdown comes, before the server
            // has run at all: both are ready at its first look.
            let _ = stop.send(());
            let _report = server.await.expect("serve panicked");
            if handlers.started.try_recv().is_ok() {
                started.push((round, answer_of(1, answer)));
            }
        }
        assert!(
            started.is_empty(),
            "a request was waiting in the queue when the shutdown came, before the server \
             looked at either, 32 times; the server started it anyway in rounds (with its \
             answer) {started:?}: the shutdown must win over a waiting request every time \
             (`select!` polls its branches from a random one unless told `biased;`)"
        );
    });
}
