//! Exercise 07.2: the reactor, the half of a runtime that talks to the OS.
//!
//! Book: `book/src/ch07-event-loop/reactor.md`. One `polling::Poller` watches every socket;
//! a future that would block stores its waker under its source's key, and the reactor
//! wakes exactly the tasks whose sources became ready. The seams are smol's `async-io`:
//! a `Reactor`, a `Source` per registration with a waker per direction, a timer map.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use polling::{AsSource, Event, Events, Poller};

use crate::ex03_timers::{Clock, SystemClock, Timers};

/// The OS's name for a socket: a file descriptor on Unix, a `SOCKET` on Windows.
#[cfg(unix)]
pub type Raw = std::os::fd::RawFd;
/// The OS's name for a socket: a file descriptor on Unix, a `SOCKET` on Windows.
#[cfg(windows)]
pub type Raw = std::os::windows::io::RawSocket;

/// The raw descriptor of `io`, for [`Poller::add`].
pub fn raw_of(io: &impl AsSource) -> Raw {
    let borrowed = io.source();
    polling::AsRawSource::raw(&&borrowed)
}

/// Which way a task waits on a source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Read = 0,
    Write = 1,
}

/// What the reactor knows about one direction of one source.
#[derive(Debug, Default)]
pub struct Readiness {
    /// An event arrived for this direction and no task has taken it yet.
    pub ready: bool,
    /// The task to wake when the next event arrives. Only the latest waker counts: a
    /// task that moved to another executor must be woken there.
    pub waker: Option<Waker>,
}

/// One registration with the poller: a socket and who waits on it.
pub struct Source {
    /// The socket, to re-arm and delete its registration.
    raw: Raw,
    /// The key the poller hands back in this source's events. Keys are never reused, so a
    /// late event for a dropped source finds nothing instead of a stranger's waker.
    key: usize,
    /// Reading and writing, each with its own waker: a task may read while another
    /// writes on the same socket.
    state: Mutex<[Readiness; 2]>,
}

impl Source {
    /// The socket, for [`Poller::modify`] and [`Poller::delete`].
    #[cfg(unix)]
    pub fn socket(&self) -> std::os::fd::BorrowedFd<'_> {
        // SAFETY: a `Source` leaves the poller before its socket is closed
        // (`Async::drop`), so the descriptor is open whenever the reactor uses it.
        unsafe { std::os::fd::BorrowedFd::borrow_raw(self.raw) }
    }

    /// The socket, for [`Poller::modify`] and [`Poller::delete`].
    #[cfg(windows)]
    pub fn socket(&self) -> std::os::windows::io::BorrowedSocket<'_> {
        // SAFETY: as on Unix, the socket outlives its registration.
        unsafe { std::os::windows::io::BorrowedSocket::borrow_raw(self.raw) }
    }
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Source")
            .field("key", &self.key)
            .field("raw", &self.raw)
            .field("state", &self.state)
            .finish()
    }
}

/// How often the loop has waited in the poller: tests count it, so that a loop that
/// spins instead of sleeping shows.
#[derive(Debug, Default)]
pub struct WaitStats {
    /// Every wait, blocking or not.
    pub waits: AtomicUsize,
    /// Waits with a zero timeout: a poll that could not sleep.
    pub non_blocking: AtomicUsize,
    /// True while the thread is inside the poller's wait.
    pub in_wait: AtomicBool,
}

/// The reactor: one poller, the sources registered with it, the timers.
pub struct Reactor {
    /// epoll on Linux, kqueue on macOS, IOCP on Windows, behind one API.
    poller: Poller,
    /// Every registered source by key, so that an event finds its wakers.
    sources: Mutex<HashMap<usize, Arc<Source>>>,
    /// The next key to hand out.
    next_key: AtomicUsize,
    /// Where a wait collects its events; kept to avoid an allocation per turn.
    events: Mutex<Events>,
    /// Sleeping tasks by deadline (exercise 07.3).
    pub(crate) timers: Mutex<Timers>,
    /// What "now" is; tests put a clock they control here.
    pub(crate) clock: Arc<dyn Clock>,
    /// Counts of the poller's waits, for tests and the lab.
    stats: WaitStats,
}

impl Reactor {
    /// A reactor on the system clock.
    pub fn new() -> io::Result<Arc<Reactor>> {
        Reactor::with_clock(Arc::new(SystemClock))
    }

    /// A reactor whose timers read `clock`.
    pub fn with_clock(clock: Arc<dyn Clock>) -> io::Result<Arc<Reactor>> {
        Ok(Arc::new(Reactor {
            poller: Poller::new()?,
            sources: Mutex::new(HashMap::new()),
            next_key: AtomicUsize::new(0),
            events: Mutex::new(Events::new()),
            timers: Mutex::new(Timers::default()),
            clock,
            stats: WaitStats::default(),
        }))
    }

    /// Registers `io` with the poller, with no interest yet, under a fresh key.
    pub fn insert_io(&self, io: &impl AsSource) -> io::Result<Arc<Source>> {
        let key = self.next_key.fetch_add(1, Ordering::Relaxed);
        let raw = raw_of(io);
        // SAFETY: the source is deleted before `io` is closed (see `Async::drop`).
        unsafe { self.poller.add(raw, Event::none(key))? };
        let source = Arc::new(Source {
            raw,
            key,
            state: Mutex::new(Default::default()),
        });
        self.sources.lock().unwrap().insert(key, source.clone());
        Ok(source)
    }

    /// Forgets `source`: out of the poller and out of the table. Call it before the
    /// socket closes, or the OS may give its descriptor to a new socket first.
    pub fn remove_io(&self, source: &Source) -> io::Result<()> {
        self.sources.lock().unwrap().remove(&source.key);
        self.poller.delete(source.socket())
    }

    /// Ready if an event for `dir` has arrived since the last call; otherwise stores the
    /// task's waker and arms the poller for `dir`, and returns `Pending`.
    pub fn poll_ready(
        &self,
        source: &Source,
        dir: Direction,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<()>> {
        let mut state = source.state.lock().unwrap();
        let this = &mut state[dir as usize];
        if this.ready {
            this.ready = false;
            return Poll::Ready(Ok(()));
        }
        // The latest waker, always: a future may be polled by another task than last time
        // (moved into a `select`, a `join`, a new task), and only the task polling it now
        // is waiting for it.
        this.waker = Some(cx.waker().clone());
        // `polling` is oneshot: after each event the registration is disarmed. Arm it
        // again for every direction somebody waits on.
        let interest = Event::new(
            source.key,
            state[0].waker.is_some(),
            state[1].waker.is_some(),
        );
        if let Err(e) = self.poller.modify(source.socket(), interest) {
            return Poll::Ready(Err(e));
        }
        Poll::Pending
    }

    /// Waits for I/O events (at most `timeout`; `None` waits until one comes) and wakes
    /// the tasks waiting on the sources that are ready. Returns how many it woke.
    pub fn react(&self, timeout: Option<Duration>) -> io::Result<usize> {
        let mut events = self.events.lock().unwrap();
        events.clear();
        self.wait_for_events(&mut events, timeout)?;
        let mut wakers = Vec::new();
        for event in events.iter() {
            // A source dropped since it was armed has left the table: nothing to wake.
            let Some(source) = self.sources.lock().unwrap().get(&event.key).cloned() else {
                continue;
            };
            let mut state = source.state.lock().unwrap();
            for (dir, fired) in [(0, event.readable), (1, event.writable)] {
                if fired {
                    state[dir].ready = true;
                    wakers.extend(state[dir].waker.take());
                }
            }
            // The event disarmed the whole registration: a task still waiting the other
            // way must not lose its interest.
            let (read, write) = (state[0].waker.is_some(), state[1].waker.is_some());
            if read || write {
                self.poller
                    .modify(source.socket(), Event::new(source.key, read, write))?;
            }
        }
        drop(events);
        // Wake outside every lock: a waker may run code that calls back into the reactor.
        let woken = wakers.len();
        for waker in wakers {
            waker.wake();
        }
        Ok(woken)
    }

    /// Interrupts a wait in progress (or makes the next one return at once), from any
    /// thread.
    pub fn notify(&self) -> io::Result<()> {
        self.poller.notify()
    }

    /// The poller's wait, counted. Everything that waits for events goes through here.
    pub fn wait_for_events(
        &self,
        events: &mut Events,
        timeout: Option<Duration>,
    ) -> io::Result<usize> {
        self.stats.waits.fetch_add(1, Ordering::SeqCst);
        if timeout == Some(Duration::ZERO) {
            self.stats.non_blocking.fetch_add(1, Ordering::SeqCst);
        }
        self.stats.in_wait.store(true, Ordering::SeqCst);
        let outcome = self.poller.wait(events, timeout);
        self.stats.in_wait.store(false, Ordering::SeqCst);
        outcome
    }

    /// How many times the loop has waited in the poller.
    pub fn waits(&self) -> usize {
        self.stats.waits.load(Ordering::SeqCst)
    }

    /// How many of those waits had a zero timeout (a loop that could not sleep).
    pub fn non_blocking_waits(&self) -> usize {
        self.stats.non_blocking.load(Ordering::SeqCst)
    }

    /// True while a thread is inside the poller's wait.
    pub fn is_waiting(&self) -> bool {
        self.stats.in_wait.load(Ordering::SeqCst)
    }

    /// How many sources are registered now.
    pub fn registrations(&self) -> usize {
        self.sources.lock().unwrap().len()
    }
}

impl std::fmt::Debug for Reactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reactor")
            .field("poller", &self.poller)
            .field("sources", &self.sources)
            .field("next_key", &self.next_key)
            .field("events", &self.events.lock().map(|e| e.len()))
            .field("timers", &self.timers)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

/// A non-blocking socket registered with a reactor, as in smol's `Async<T>`.
#[derive(Debug)]
pub struct Async<T: AsSource> {
    reactor: Arc<Reactor>,
    source: Arc<Source>,
    /// The socket. An `Option` only so that `drop` can close it *after* the source has
    /// left the poller.
    io: Option<T>,
}

impl<T: AsSource> Async<T> {
    /// Registers `io`, which must already be in non-blocking mode.
    pub fn new(reactor: &Arc<Reactor>, io: T) -> io::Result<Async<T>> {
        let source = reactor.insert_io(&io)?;
        Ok(Async {
            reactor: reactor.clone(),
            source,
            io: Some(io),
        })
    }

    /// The socket, for its non-blocking calls.
    pub fn get_ref(&self) -> &T {
        self.io.as_ref().expect("the socket is there until drop")
    }

    /// The reactor this socket is registered with.
    pub fn reactor(&self) -> &Arc<Reactor> {
        &self.reactor
    }

    /// `Ready` once the socket may be readable; otherwise the task is woken when it is.
    pub fn poll_readable(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.reactor.poll_ready(&self.source, Direction::Read, cx)
    }

    /// `Ready` once the socket may be writable; otherwise the task is woken when it is.
    pub fn poll_writable(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.reactor.poll_ready(&self.source, Direction::Write, cx)
    }

    /// Waits until the socket may be readable.
    pub fn readable(&self) -> impl Future<Output = io::Result<()>> + '_ {
        std::future::poll_fn(|cx| self.poll_readable(cx))
    }

    /// Waits until the socket may be writable.
    pub fn writable(&self) -> impl Future<Output = io::Result<()>> + '_ {
        std::future::poll_fn(|cx| self.poll_writable(cx))
    }
}

impl<T: AsSource> Drop for Async<T> {
    fn drop(&mut self) {
        // Out of the poller first, then close: the other order lets the OS hand the
        // descriptor to a new socket while the poller still knows the old one.
        let _ = self.reactor.remove_io(&self.source);
        drop(self.io.take());
    }
}
