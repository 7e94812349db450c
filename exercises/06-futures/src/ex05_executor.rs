//! Exercise 06.5: a single-threaded executor: a run queue of tasks woken by their wakers.
//!
//! Book: `book/src/ch06-futures/executor.md`. Fill in the `todo!()`s: waking a task, the
//! `JoinHandle`'s `poll`, `spawn` and `run`. The types and `yield_now` are given.

use std::any::Any;
use std::collections::VecDeque;
use std::fmt;
use std::future::{Future, poll_fn};
use std::mem;
use std::panic::{self, AssertUnwindSafe};
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
// The chapter's `sync` is std's; the tests also run this module under loom, a model
// checker that swaps in its own locks and atomics and tries every interleaving of the
// threads. (`Arc` stays std's: a `Waker` is made from a std `Arc`.)
use crate::sync::Mutex;
use crate::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Runs tasks on the thread that calls [`Executor::run`]. Cloning it gives another handle
/// to the same executor (a task can keep one, to spawn more tasks).
#[derive(Clone, Default)]
pub struct Executor {
    shared: Arc<Shared>,
}

/// What the executor's handles and its tasks share.
#[derive(Default)]
struct Shared {
    /// The run queue: tasks that were woken (or just spawned) and wait for a poll. A
    /// `Mutex`, because a waker may be called from any thread.
    queue: Mutex<VecDeque<Arc<Task>>>,
    /// Tasks spawned and not yet finished: what `run` reports when it stops.
    live: AtomicUsize,
}

// ANCHOR: task
/// A spawned future, and what it needs to put itself back in the run queue.
struct Task {
    /// The future, boxed so that tasks of every type fit one queue; `None` once it has
    /// finished, so that its memory is freed at once even if wakers still point here.
    /// A `Mutex` (never contended: only `run` polls) because `Waker` must be `Send + Sync`.
    future: Mutex<Option<Pin<Box<dyn Future<Output = ()> + Send>>>>,
    /// `true` while the task sits in the run queue, so that ten wakes queue it once.
    scheduled: AtomicBool,
    /// The executor to go back to when woken.
    executor: Arc<Shared>,
}
// ANCHOR_END: task

impl Wake for Task {
    fn wake(self: Arc<Self>) {
        todo!("queue the task, unless it is queued already")
    }
}

/// Why a task gave no output: it panicked. The executor itself goes on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinError {
    message: String,
}

impl JoinError {
    /// The error for a task that panicked with this payload.
    pub fn from_panic(payload: Box<dyn Any + Send>) -> Self {
        let message = if let Some(s) = payload.downcast_ref::<&str>() {
            (*s).to_string()
        } else if let Some(s) = payload.downcast_ref::<String>() {
            s.clone()
        } else {
            "a panic with a payload that is not a string".to_string()
        };
        Self { message }
    }

    /// The task's panic message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the task panicked: {}", self.message)
    }
}

impl std::error::Error for JoinError {}

/// What a task and its [`JoinHandle`] share.
struct JoinState<T> {
    /// The task's outcome, put here when it finishes, taken by the handle.
    result: Option<Result<T, JoinError>>,
    /// The waker of whoever awaits the handle, to call when the result arrives.
    waker: Option<Waker>,
}

// ANCHOR: handle
/// Awaits a spawned task's output. Dropping it detaches the task, which still runs.
pub struct JoinHandle<T> {
    state: Arc<Mutex<JoinState<T>>>,
}
// ANCHOR_END: handle

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        todo!("take the result if it is there; else keep the waker")
    }
}

impl Executor {
    /// A new executor with no tasks.
    pub fn new() -> Self {
        Self::default()
    }

    // ANCHOR: spawn
    /// Adds `future` as a task, queued for its first poll. Nothing runs until
    /// [`Executor::run`].
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        todo!(
            "a JoinState shared with a body that polls the future under catch_unwind; an Arc<Task>, queued"
        )
    }
    // ANCHOR_END: spawn

    // ANCHOR: run
    /// Polls queued tasks until none is queued, and returns how many tasks are still
    /// pending (0: all finished). A pending task is not polled again until it is woken.
    ///
    /// With no reactor yet (chapter 07), nothing on this thread could wake a pending task
    /// while `run` waited, so `run` returns instead of waiting.
    pub fn run(&self) -> usize {
        todo!(
            "pop a task, clear its mark, poll it with a Waker made from it; until the queue is empty"
        )
    }
    // ANCHOR_END: run
}

impl fmt::Debug for Executor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Executor")
            .field("queued", &self.shared.queue.lock().unwrap().len())
            .field("live", &self.shared.live.load(Ordering::Relaxed))
            .finish()
    }
}

/// Gives the other tasks a turn: pending once, after waking itself.
pub async fn yield_now() {
    let mut yielded = false;
    poll_fn(|cx| {
        if yielded {
            Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    })
    .await
}
