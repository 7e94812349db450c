//! Exercise 11.4: graceful shutdown. A signal says "stop"; the server stops accepting,
//! refuses what is still queued, gives the requests in flight a grace period to finish,
//! cancels the rest with a clear answer, waits for every request task to end, and says
//! what became of each request. The page is `book/src/ch11-production/shutdown.md`.

use std::future::Future;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

// ANCHOR: given
/// Given. One request: its id, and where its one answer goes.
#[derive(Debug)]
pub struct Request {
    pub id: u64,
    pub reply: oneshot::Sender<Answer>,
}

/// Given. The one answer each request taken from the queue gets (a request whose
/// handler panicked gets none: its reply is dropped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// The handler finished; this is what it returned.
    Done(String),
    /// The request was still in the queue when shutdown came: it was never started.
    Refused,
    /// The handler was still running when the grace period ended: it was stopped.
    Cancelled,
}

/// Given. What became of the requests, by id, each list in ascending order. Every
/// request the server took out of its queue is in exactly one list (unless its handler
/// panicked: then it is in none).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    pub finished: Vec<u64>,
    pub cancelled: Vec<u64>,
    pub refused: Vec<u64>,
}
// ANCHOR_END: given

/// Returns when the process is asked to stop: on Unix, when it receives SIGTERM (what
/// `kill`, systemd and container runtimes send) or SIGINT (Ctrl-C in a terminal);
/// elsewhere, on Ctrl-C. The handlers are installed at the first poll, so from then on
/// neither signal ends the process: both end this wait instead. Until a signal comes,
/// the wait sleeps (it never wakes its task for nothing).
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        // Both listeners are made before the first await, so both are in place when
        // the first poll returns: a signal that comes later is ours, not the default
        // action (which would end the process on the spot).
        let mut terminate = signal(SignalKind::terminate()).expect("could not listen for SIGTERM");
        let mut interrupt = signal(SignalKind::interrupt()).expect("could not listen for SIGINT");
        // Whichever comes first; each `recv` parks until the runtime's signal driver
        // wakes it.
        tokio::select! {
            _ = terminate.recv() => {}
            _ = interrupt.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c()
            .await
            .expect("could not listen for Ctrl-C");
    }
}

/// Serves `requests` until `shutdown` completes, then shuts down gracefully:
///
/// 1. Each request taken from the queue runs `handler(id)` on a task of its own, and
///    its client gets `Answer::Done` with the handler's output. Requests are served
///    concurrently.
/// 2. When `shutdown` completes, the queue is closed at once: a later `send` fails and
///    gives the request back. Requests still waiting in the queue (shutdown wins over
///    them) get `Answer::Refused`.
/// 3. The requests in flight get `grace`, counted once from the shutdown, to finish.
///    Those still running then are stopped (their handler future is dropped) and get
///    `Answer::Cancelled`.
/// 4. Returns only after every request task has ended, with the [`Report`].
///
/// While there is nothing to do, the server sleeps.
pub async fn serve<H, Fut>(
    mut requests: mpsc::Receiver<Request>,
    mut handler: H,
    shutdown: impl Future<Output = ()>,
    grace: Duration,
) -> Report
where
    H: FnMut(u64) -> Fut,
    Fut: Future<Output = String> + Send + 'static,
{
    let mut report = Report::default();
    // A JoinSet rather than a TaskTracker: each task hands back its id and its outcome,
    // so the report is counted by request, not guessed.
    let mut tasks = JoinSet::new();
    // One token for all request tasks: cancelling it tells each to stop and answer.
    let stop = CancellationToken::new();
    let mut shutdown = std::pin::pin!(shutdown);

    loop {
        tokio::select! {
            // Biased, shutdown first: once it has come, a request that is also waiting
            // must not be started.
            biased;
            () = &mut shutdown => break,
            // Reap the tasks that ended, so the set does not grow while the server runs.
            Some(ended) = tasks.join_next(), if !tasks.is_empty() => record(&mut report, ended),
            request = requests.recv() => match request {
                Some(Request { id, reply }) => {
                    let work = handler(id);
                    let stop = stop.clone();
                    tasks.spawn(async move {
                        // The task answers in every case: a client never sees its reply
                        // dropped without a word.
                        let answer = tokio::select! {
                            output = work => Answer::Done(output),
                            () = stop.cancelled() => Answer::Cancelled,
                        };
                        let finished = matches!(answer, Answer::Done(_));
                        // The client may have gone away: then nobody listens, and that
                        // is fine.
                        let _ = reply.send(answer);
                        (id, finished)
                    });
                }
                // Every sender is gone: nothing more can come; wait for the shutdown.
                None => {
                    shutdown.as_mut().await;
                    break;
                }
            },
        }
    }

    // Stop accepting: a `send` fails from now on. What was queued before stays in the
    // queue, and `recv` gives it out, then `None` (it does not wait for the senders).
    requests.close();
    while let Some(Request { id, reply }) = requests.recv().await {
        let _ = reply.send(Answer::Refused);
        report.refused.push(id);
    }

    // The grace period starts once, now, for all the requests in flight together.
    let deadline = tokio::time::Instant::now() + grace;
    let drained = tokio::time::timeout_at(deadline, async {
        while let Some(ended) = tasks.join_next().await {
            record(&mut report, ended);
        }
    })
    .await;
    if drained.is_err() {
        // Time is up: tell the rest to stop, and still wait for each of them, so that
        // every client has its answer and no task outlives the server.
        stop.cancel();
        while let Some(ended) = tasks.join_next().await {
            record(&mut report, ended);
        }
    }

    report.finished.sort_unstable();
    report.cancelled.sort_unstable();
    report.refused.sort_unstable();
    report
}

/// Notes how one request task ended. A handler that panicked is in no list.
fn record(report: &mut Report, ended: Result<(u64, bool), tokio::task::JoinError>) {
    match ended {
        Ok((id, true)) => report.finished.push(id),
        Ok((id, false)) => report.cancelled.push(id),
        Err(_) => {}
    }
}
