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
    todo!("listen for both signals before the first await, then wait for whichever comes first")
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
    requests: mpsc::Receiver<Request>,
    handler: H,
    shutdown: impl Future<Output = ()>,
    grace: Duration,
) -> Report
where
    H: FnMut(u64) -> Fut,
    Fut: Future<Output = String> + Send + 'static,
{
    todo!(
        "accept until shutdown (which wins over a waiting request), close the queue and refuse what is left, then give the requests in flight one grace period before telling them to stop"
    )
}
