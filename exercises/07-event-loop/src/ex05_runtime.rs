//! Exercise 07.5: a runtime of your own, and a TCP echo server on it.
//!
//! Book: `book/src/ch07-event-loop/runtime.md`. The executor (a run queue of tasks woken
//! through `std::task::Wake`) is chapter 06's with one change: a wake from another thread
//! notifies the poller. You write the loop that joins it to the reactor, and the async TCP
//! types.
//!
//! Fill in the `todo!()`s: `block_on`, `TcpListener::accept`, `TcpStream::poll_read` and
//! `poll_write`, `handle_client` and `serve_echo`. The executor's plumbing is given.

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, ToSocketAddrs};
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker, ready};
use std::thread;
use std::time::Duration;

use futures::channel::oneshot;
use futures::future::BoxFuture;
use futures::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};

use crate::ex02_reactor::{Async, Reactor};
use crate::ex03_timers::{Sleep, sleep as sleep_on};
use crate::ex04_wakeups::LoopWaker;

// ANCHOR: executor
/// How many tasks the loop runs before it looks at the OS again: a task that keeps
/// waking itself must not keep every socket waiting.
pub const BUDGET: usize = 64;

/// The tasks that are ready to run, shared with every task's waker.
struct RunQueue {
    /// Tasks woken and not yet run, oldest first.
    ready: Mutex<VecDeque<Arc<Task>>>,
    /// Every task not finished yet, so that the runtime can drop them when it ends.
    active: Mutex<HashMap<u64, Arc<Task>>>,
    /// The loop sleeps in this reactor's poller: a wake must interrupt it.
    reactor: Arc<Reactor>,
    /// The thread that runs the loop (the one that created the runtime).
    loop_thread: thread::ThreadId,
}

/// A spawned future and what its waker needs.
struct Task {
    id: u64,
    /// The future; `None` once it has finished (or while it is being polled).
    future: Mutex<Option<BoxFuture<'static, ()>>>,
    /// True while the task sits in the run queue: ten wakes queue it once.
    queued: AtomicBool,
    queue: Arc<RunQueue>,
}

impl Wake for Task {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if !self.queued.swap(true, Ordering::AcqRel) {
            self.queue.ready.lock().unwrap().push_back(self.clone());
            // The one change from chapter 06's executor: the loop sleeps in the poller,
            // not on a condition variable, so a wake from another thread must go through
            // the poller. A wake on the loop's own thread needs none: the loop is awake,
            // and looks at the queue before it sleeps again (that saves a notification's
            // system calls, on Linux an eventfd written and read again, and most wakes
            // come from the loop's own reactor).
            if thread::current().id() != self.queue.loop_thread {
                let _ = self.queue.reactor.notify();
            }
        }
    }
}

impl Task {
    /// Polls the task once.
    fn run(self: Arc<Self>) {
        // Cleared before the poll: a wake during the poll queues the task again.
        self.queued.store(false, Ordering::Release);
        let waker = Waker::from(self.clone());
        let mut cx = Context::from_waker(&waker);
        let mut slot = self.future.lock().unwrap();
        let Some(future) = slot.as_mut() else { return };
        if future.as_mut().poll(&mut cx).is_ready() {
            *slot = None;
            self.queue.active.lock().unwrap().remove(&self.id);
        }
    }
}

/// A runtime: a reactor and a run queue.
pub struct Runtime {
    reactor: Arc<Reactor>,
    queue: Arc<RunQueue>,
    next_id: AtomicU64,
}

thread_local! {
    /// The runtime of the `block_on` running on this thread, for `spawn` and the sockets.
    static CURRENT: RefCell<Option<Arc<Runtime>>> = const { RefCell::new(None) };
}

impl Runtime {
    /// A runtime with a new reactor on the system clock.
    pub fn new() -> io::Result<Arc<Runtime>> {
        let reactor = Reactor::new()?;
        Ok(Arc::new(Runtime {
            queue: Arc::new(RunQueue {
                ready: Mutex::new(VecDeque::new()),
                active: Mutex::new(HashMap::new()),
                reactor: reactor.clone(),
                loop_thread: thread::current().id(),
            }),
            reactor,
            next_id: AtomicU64::new(0),
        }))
    }

    /// The runtime of the `block_on` running on this thread.
    pub fn current() -> Arc<Runtime> {
        CURRENT
            .with(|current| current.borrow().clone())
            .expect("no runtime here: call this inside ch07_event_loop::ex05_runtime::block_on")
    }

    /// Makes this the current runtime until the guard is dropped.
    pub fn enter(self: &Arc<Self>) -> EnterGuard {
        let previous = CURRENT.with(|current| current.replace(Some(self.clone())));
        EnterGuard { previous }
    }

    /// This runtime's reactor.
    pub fn reactor(&self) -> &Arc<Reactor> {
        &self.reactor
    }

    /// Queues a new task (it runs on the loop's next pass).
    fn spawn_boxed(&self, future: BoxFuture<'static, ()>) {
        let task = Arc::new(Task {
            id: self.next_id.fetch_add(1, Ordering::Relaxed),
            future: Mutex::new(Some(future)),
            queued: AtomicBool::new(false),
            queue: self.queue.clone(),
        });
        self.queue
            .active
            .lock()
            .unwrap()
            .insert(task.id, task.clone());
        task.wake_by_ref();
    }

    /// Runs the oldest ready task, if there is one. Returns whether it ran one.
    pub fn run_one(&self) -> bool {
        let next = self.queue.ready.lock().unwrap().pop_front();
        match next {
            Some(task) => {
                task.run();
                true
            }
            None => false,
        }
    }

    /// True if some task is ready to run.
    pub fn has_ready_tasks(&self) -> bool {
        !self.queue.ready.lock().unwrap().is_empty()
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        // Tasks still pending hold sockets and wakers (and wakers hold tasks): drop their
        // futures, which closes the sockets and breaks the cycles.
        let tasks: Vec<_> = self.queue.active.lock().unwrap().drain().collect();
        for (_, task) in tasks {
            drop(task.future.lock().unwrap().take());
        }
        self.queue.ready.lock().unwrap().clear();
    }
}

/// Puts the previous current runtime back when dropped.
pub struct EnterGuard {
    previous: Option<Arc<Runtime>>,
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        CURRENT.with(|current| *current.borrow_mut() = previous);
    }
}

/// Runs `future` as a task of the current runtime; await the handle for its output.
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let (done, output) = oneshot::channel();
    Runtime::current().spawn_boxed(Box::pin(async move {
        // The handle may be gone (nobody waits for this task): that is fine.
        let _ = done.send(future.await);
    }));
    JoinHandle { output }
}

/// The output of a spawned task, as a future.
#[derive(Debug)]
pub struct JoinHandle<T> {
    output: oneshot::Receiver<T>,
}

impl<T> Future for JoinHandle<T> {
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        Pin::new(&mut self.output)
            .poll(cx)
            .map(|output| output.expect("the task was dropped before it finished"))
    }
}

/// The current runtime's reactor.
pub fn reactor() -> Arc<Reactor> {
    Runtime::current().reactor.clone()
}

/// Sleeps for `duration` on the current runtime's timers.
pub fn sleep(duration: Duration) -> Sleep {
    sleep_on(&reactor(), duration)
}
// ANCHOR_END: executor

/// Runs `future` on a new runtime on this thread, with every task it spawns, until
/// `future` is ready. Sleeps in the poller only when no task is ready.
pub fn block_on<F: Future>(future: F) -> F::Output {
    todo!(
        "a Runtime, entered; a LoopWaker for the main future; loop: poll it when woken, run up to BUDGET tasks, turn the reactor (block only if nothing is ready)"
    )
}

/// A TCP listener on the current runtime.
#[derive(Debug)]
pub struct TcpListener {
    io: Async<std::net::TcpListener>,
}

impl TcpListener {
    /// Binds `addr` and registers the listener with the current runtime.
    pub fn bind(addr: impl ToSocketAddrs) -> io::Result<TcpListener> {
        TcpListener::from_std(std::net::TcpListener::bind(addr)?)
    }

    /// Takes over a std listener (made non-blocking here).
    pub fn from_std(listener: std::net::TcpListener) -> io::Result<TcpListener> {
        listener.set_nonblocking(true)?;
        Ok(TcpListener {
            io: Async::new(&reactor(), listener)?,
        })
    }

    /// The address this listener is bound to.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// Waits for the next connection.
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        todo!("accept; on WouldBlock wait until the listener is readable, and try again")
    }
}

/// A TCP connection on the current runtime. `&TcpStream` reads and writes too, so one
/// task can hold a reader and a writer on the same connection.
#[derive(Debug)]
pub struct TcpStream {
    io: Async<std::net::TcpStream>,
}

impl TcpStream {
    /// Connects to `addr`. (On loopback the OS connects at once; a production runtime
    /// starts a non-blocking connect and waits until the socket is writable.)
    pub async fn connect(addr: SocketAddr) -> io::Result<TcpStream> {
        TcpStream::from_std(std::net::TcpStream::connect(addr)?)
    }

    /// Takes over a std stream (made non-blocking here).
    pub fn from_std(stream: std::net::TcpStream) -> io::Result<TcpStream> {
        stream.set_nonblocking(true)?;
        Ok(TcpStream {
            io: Async::new(&reactor(), stream)?,
        })
    }

    /// Waits until the connection may be readable.
    pub async fn readable(&self) -> io::Result<()> {
        self.io.readable().await
    }

    /// Waits until the connection may be writable.
    pub async fn writable(&self) -> io::Result<()> {
        self.io.writable().await
    }

    /// The std stream, for its non-blocking calls.
    pub fn get_ref(&self) -> &std::net::TcpStream {
        self.io.get_ref()
    }

    /// Reads into `buf`, or stores the task's waker and returns `Pending`.
    pub fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        todo!("read; on WouldBlock poll_readable (ready!) and try again")
    }

    /// Writes from `buf`, or stores the task's waker and returns `Pending`.
    pub fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        todo!("write; on WouldBlock poll_writable (ready!) and try again")
    }

    /// Closes the writing half: the peer reads end of file.
    pub fn shutdown_write(&self) -> io::Result<()> {
        self.io.get_ref().shutdown(std::net::Shutdown::Write)
    }
}

impl AsyncRead for &TcpStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        TcpStream::poll_read(self.get_mut(), cx, buf)
    }
}

impl AsyncWrite for &TcpStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        TcpStream::poll_write(self.get_mut(), cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        // Nothing is buffered here: every write went to the OS.
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(self.shutdown_write())
    }
}

impl AsyncRead for TcpStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        TcpStream::poll_read(self.get_mut(), cx, buf)
    }
}

impl AsyncWrite for TcpStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        TcpStream::poll_write(self.get_mut(), cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(self.shutdown_write())
    }
}

/// The longest line the echo server accepts, counting its newline: at most
/// `MAX_LINE - 1` bytes, then `\n` (as in 07.1). `MAX_LINE` bytes with no newline among
/// them make the line too long: the client gets [`TOO_LONG`] and the connection is closed.
pub const MAX_LINE: usize = 1024;

/// The reply to a line longer than [`MAX_LINE`].
pub const TOO_LONG: &[u8] = b"ERR line too long\n";

/// Echoes `stream` line by line until the client hangs up. A line longer than
/// [`MAX_LINE`] gets [`TOO_LONG`] and ends the connection with an error.
pub async fn handle_client(stream: TcpStream) -> io::Result<()> {
    todo!(
        "BufReader over &stream; read_until a newline through take(MAX_LINE); echo each line; too long: TOO_LONG then an error"
    )
}

/// Serves `clients` connections on `listener`, each in a task of its own, and returns
/// once every one of them has hung up. A client's error ends that client only.
pub async fn serve_echo(listener: std::net::TcpListener, clients: usize) -> io::Result<()> {
    todo!(
        "accept `clients` times, spawn a handle_client per connection that only logs its error, then await every handle"
    )
}
