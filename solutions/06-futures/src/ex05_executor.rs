//! Exercise 06.5: a single-threaded executor: a run queue of tasks woken by their wakers.
//!
//! Book: `book/src/ch06-futures/executor.md`. The shape of smol's `async-executor`: a task is
//! an `Arc` holding its future, its waker *is* that `Arc` (through `std::task::Wake`), and
//! waking it puts it back in the run queue. Anything that can call a waker, a thread or a
//! reactor, can drive it.

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

impl Wake for Task {
    fn wake(self: Arc<Self>) {
        // Only the first wake after a poll queues the task; later ones find it queued.
        if !self.scheduled.swap(true, Ordering::AcqRel) {
            let executor = Arc::clone(&self.executor);
            executor.queue.lock().unwrap().push_back(self);
        }
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

/// Awaits a spawned task's output. Dropping it detaches the task, which still runs.
pub struct JoinHandle<T> {
    state: Arc<Mutex<JoinState<T>>>,
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut state = self.state.lock().unwrap();
        match state.result.take() {
            Some(result) => Poll::Ready(result),
            None => {
                // Checked and stored under one lock: the task cannot finish in between.
                state.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

impl Executor {
    /// A new executor with no tasks.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `future` as a task, queued for its first poll. Nothing runs until
    /// [`Executor::run`].
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let state = Arc::new(Mutex::new(JoinState {
            result: None,
            waker: None,
        }));
        let theirs = Arc::clone(&state);
        // The task's body: poll the future, catching a panic so that it ends this task
        // only; when it is done, hand the outcome to the handle and wake whoever awaits it.
        let body = async move {
            // Pinned inside the body's own state: the body is boxed below, so the future
            // needs no box of its own.
            let mut future = pin!(future);
            let result = poll_fn(|cx| {
                match panic::catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx))) {
                    Ok(Poll::Pending) => Poll::Pending,
                    Ok(Poll::Ready(output)) => Poll::Ready(Ok(output)),
                    Err(payload) => Poll::Ready(Err(JoinError::from_panic(payload))),
                }
            })
            .await;
            let waker = {
                let mut state = theirs.lock().unwrap();
                state.result = Some(result);
                state.waker.take()
            };
            if let Some(waker) = waker {
                waker.wake();
            }
        };
        let task = Arc::new(Task {
            future: Mutex::new(Some(Box::pin(body))),
            scheduled: AtomicBool::new(true),
            executor: Arc::clone(&self.shared),
        });
        self.shared.live.fetch_add(1, Ordering::Relaxed);
        self.shared.queue.lock().unwrap().push_back(task);
        JoinHandle { state }
    }

    /// Polls queued tasks until none is queued, and returns how many tasks are still
    /// pending (0: all finished). A pending task is not polled again until it is woken.
    ///
    /// With no reactor yet (chapter 07), nothing on this thread could wake a pending task
    /// while `run` waited, so `run` returns instead of waiting.
    pub fn run(&self) -> usize {
        let mut batch = VecDeque::new();
        loop {
            // Take every queued task at once, under one lock (the swap leaves our empty
            // deque, with its capacity, in the queue). Tasks woken from here on queue up
            // behind this batch, so the order stays first in, first out.
            mem::swap(&mut batch, &mut *self.shared.queue.lock().unwrap());
            if batch.is_empty() {
                break;
            }
            while let Some(task) = batch.pop_front() {
                // Clear the flag *before* polling: a wake that comes during the poll then
                // queues the task again. Cleared after, that wake would be lost.
                task.scheduled.store(false, Ordering::Release);
                let waker = Waker::from(Arc::clone(&task));
                let mut cx = Context::from_waker(&waker);
                let mut slot = task.future.lock().unwrap();
                if let Some(future) = slot.as_mut()
                    && future.as_mut().poll(&mut cx).is_ready()
                {
                    *slot = None;
                    self.shared.live.fetch_sub(1, Ordering::Relaxed);
                }
            }
        }
        self.shared.live.load(Ordering::Relaxed)
    }
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
