//! Exercise 05.2: a round-robin scheduler for green threads.
//!
//! Book: `book/src/ch05-green/scheduler.md`. The switching primitive sits behind the
//! [`Context`] trait, so exercise 05.5 can run the same scheduler on a hand-written switch.

use std::any::{Any, TypeId};
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::ptr;
use std::rc::Rc;
use std::time::{Duration, Instant};

use corosensei::stack::DefaultStack;
use corosensei::{Coroutine, CoroutineResult, Yielder};

use crate::ex03_sleep_channel::TimerQueue;

/// A green thread's number: its index in the scheduler's tables, given out in spawn order.
/// The closure passed to [`run`] is green thread 0.
pub type GreenId = usize;

// ANCHOR: context
/// The switching primitive: one green thread's stack and saved registers.
///
/// The scheduler needs only three things from it, so that corosensei (here) and your own
/// assembly (exercise 05.5) are interchangeable.
pub trait Context: 'static {
    /// A context that will run `body` on its own stack when first resumed.
    fn new(body: Box<dyn FnOnce()>) -> Self
    where
        Self: Sized;

    /// Switches to this context and runs it until it suspends (returns `false`) or its
    /// body returns (returns `true`; it must not be resumed again).
    ///
    /// `body` must not panic: the scheduler catches panics inside the green thread, so no
    /// unwinding ever crosses a switch.
    fn resume(&mut self) -> bool;

    /// Called on a green thread's own stack: switches back to whoever resumed it. Returns
    /// when the thread is resumed again.
    fn suspend()
    where
        Self: Sized;
}
// ANCHOR_END: context

// ANCHOR: corosensei
/// The [`Context`] built on corosensei's `Coroutine` (stack: 1 MiB + a guard page).
pub struct Corosensei {
    coroutine: Coroutine<(), (), ()>,
}

thread_local! {
    /// The `Yielder` of the coroutine running on this OS thread, if any. `suspend` is a
    /// free function (green code does not carry a yielder around), so it finds it here.
    static YIELDER: Cell<*const Yielder<(), ()>> = const { Cell::new(ptr::null()) };
}

impl Context for Corosensei {
    fn new(body: Box<dyn FnOnce()>) -> Self {
        let coroutine = Coroutine::with_stack(
            DefaultStack::default(),
            move |yielder: &Yielder<(), ()>, ()| {
                YIELDER.set(yielder);
                body();
            },
        );
        Self { coroutine }
    }

    // Inlined into the scheduler's loop, like corosensei's own switch: see `switch_out`.
    #[inline(always)]
    fn resume(&mut self) -> bool {
        // Whoever resumes may itself be a coroutine (nesting): put its yielder back after.
        let outer = YIELDER.get();
        let finished = matches!(self.coroutine.resume(()), CoroutineResult::Return(()));
        YIELDER.set(outer);
        finished
    }

    #[inline(always)]
    fn suspend() {
        let yielder = YIELDER.get();
        assert!(
            !yielder.is_null(),
            "suspend was called outside a green thread"
        );
        // SAFETY: `YIELDER` holds the yielder of the coroutine running right now (set when
        // its body started, restored below each time it is resumed, and reset by `resume`
        // when it is left). That `Yielder` lives on this very coroutine's stack, which
        // stays in place as long as the coroutine exists, and we are running on it.
        unsafe { (*yielder).suspend(()) };
        // Other coroutines ran meanwhile and changed `YIELDER`: we are back, so it is ours.
        YIELDER.set(yielder);
    }
}
// ANCHOR_END: corosensei

/// Why a green thread gave no result: it panicked. The scheduler caught the panic on the
/// thread's own stack, so the other green threads went on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinError {
    message: String,
}

impl JoinError {
    /// The error for a panic with this payload.
    pub fn from_panic(payload: &(dyn Any + Send)) -> Self {
        let message = if let Some(s) = payload.downcast_ref::<&str>() {
            (*s).to_string()
        } else if let Some(s) = payload.downcast_ref::<String>() {
            s.clone()
        } else {
            "a panic with a payload that is not a string".to_string()
        };
        Self { message }
    }

    /// The panic's message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the green thread panicked: {}", self.message)
    }
}

impl std::error::Error for JoinError {}

/// What a green thread left behind: `None` while it runs.
type ResultSlot<T> = Rc<RefCell<Option<std::thread::Result<T>>>>;

/// Owns the right to wait for one green thread's result.
pub struct JoinHandle<T> {
    id: GreenId,
    result: ResultSlot<T>,
}

/// Something outside the run queue that wakes green threads: the I/O reactor of 05.4.
pub trait IoDriver {
    /// Whether some green thread is parked waiting for I/O.
    fn has_waiters(&self) -> bool;

    /// Waits at most `timeout` (`None`: no limit; zero: only look) for I/O readiness and
    /// [`unpark`]s the green threads whose sources are ready.
    fn poll(&self, timeout: Option<Duration>);
}

/// One green thread, as the scheduler sees it.
struct Thread {
    /// Its body, until the scheduler first runs it and builds its context.
    body: Option<Box<dyn FnOnce()>>,
    /// Parked: out of the run queue until someone calls [`unpark`].
    parked: bool,
    /// The green thread waiting in [`JoinHandle::join`] for this one, if any.
    joiner: Option<GreenId>,
    /// How many times the scheduler has resumed it.
    turns: u64,
}

/// Everything the scheduler knows that changes while it runs.
struct State {
    /// The green thread running now.
    current: GreenId,
    /// Green threads ready to run, in turn order: round robin is push back, pop front.
    ready: VecDeque<GreenId>,
    threads: Vec<Thread>,
    /// How many threads have not finished yet: `run` ends when it reaches 0.
    live: usize,
    timers: TimerQueue,
    /// The I/O reactor, once a green thread has used green I/O in this run (as an
    /// `IoDriver` for the loop, and as `Any` so that 05.4 can get its own type back).
    io: Option<(Rc<dyn IoDriver>, Rc<dyn Any>)>,
    /// Turns since the loop last looked for I/O without blocking.
    since_io_check: u32,
}

impl State {
    fn new() -> Self {
        Self {
            current: 0,
            ready: VecDeque::new(),
            threads: Vec::new(),
            live: 0,
            timers: TimerQueue::new(),
            io: None,
            since_io_check: 0,
        }
    }

    /// Green thread `id` has finished: one fewer to wait for, and its joiner may go on.
    fn finish(&mut self, id: GreenId) {
        self.live -= 1;
        if let Some(joiner) = self.threads[id].joiner.take() {
            self.unpark(joiner);
        }
    }

    fn unpark(&mut self, id: GreenId) {
        let thread = &mut self.threads[id];
        if thread.parked {
            thread.parked = false;
            self.ready.push_back(id);
        }
    }
}

/// A scheduler while it runs: owned by [`run_with`], on the OS thread's own stack.
struct Scheduler {
    /// How green code switches back to the loop.
    switch: Switch,
    state: RefCell<State>,
}

/// How green code switches back to the loop: `Context::suspend` of the context type
/// `run_with` was called with.
#[derive(Clone, Copy)]
enum Switch {
    /// `Corosensei::suspend`, called directly.
    Corosensei,
    /// Any other context's `suspend`.
    Other(fn()),
}

thread_local! {
    // A thread-local rather than a handle passed around: green code calls `spawn` and
    // `yield_now` from any depth, like gevent's functions, and a scheduler belongs to one
    // OS thread anyway (its green threads' stacks are `!Send`).
    //
    // It holds only a pointer to the `Scheduler` in `run_with`'s frame, null outside
    // `run`. A `Cell` of a pointer needs no destructor, so reading it is one load; a
    // thread-local that owned the state would check at every access that its destructor
    // is registered, and that check sits on the path of every yield.
    static SCHEDULER: Cell<*const Scheduler> = const { Cell::new(ptr::null()) };
}

/// The scheduler running on this OS thread. Panics outside `run`.
///
/// The pointer is valid to read for as long as the caller does not return: `run_with`
/// sets it to its own `Scheduler`, which it never moves, and sets it back to null before
/// that value is dropped, panics included (see `Reset`). Green code runs only while
/// `run_with` runs, and only on this OS thread.
#[inline(always)]
fn running() -> *const Scheduler {
    let scheduler = SCHEDULER.get();
    if scheduler.is_null() {
        outside_run();
    }
    scheduler
}

/// Runs `f` on the scheduler's state. Never call `suspend` inside: the borrow would be
/// held across the switch and the next green thread would find the state locked.
#[inline(always)]
fn with<R>(f: impl FnOnce(&mut State) -> R) -> R {
    // SAFETY: see `running`; the reference does not outlive this call.
    let state = unsafe { &(*running()).state };
    f(&mut state.borrow_mut())
}

/// The panic of [`with`], kept out of line: the check runs at every yield, and a panic's
/// formatting code inlined into it would make the hot path too big to inline itself.
#[cold]
#[inline(never)]
fn outside_run() -> ! {
    panic!("green-thread functions must be called inside `run`")
}

/// Runs `main` as green thread 0 on a scheduler that switches with corosensei.
pub fn run<T: 'static>(main: impl FnOnce() -> T + 'static) -> T {
    run_with::<Corosensei, T>(main)
}

/// What the loop does next.
enum Step {
    Run(GreenId),
    /// Look for ready I/O without blocking, then decide again.
    CheckIo,
    Wait,
    Done,
}

// ANCHOR: run_with
/// Runs `main` as green thread 0, and every thread it spawns, on this OS thread, until
/// all of them have finished. Returns what `main` returned; if `main` panicked, the panic
/// goes on from here.
pub fn run_with<C: Context, T: 'static>(main: impl FnOnce() -> T + 'static) -> T {
    assert!(SCHEDULER.get().is_null(), "`run` was called inside `run`");
    let switch = if TypeId::of::<C>() == TypeId::of::<Corosensei>() {
        Switch::Corosensei
    } else {
        Switch::Other(C::suspend)
    };
    let scheduler = Scheduler {
        switch,
        state: RefCell::new(State::new()),
    };
    SCHEDULER.set(&scheduler);
    // Clear the pointer however we leave, panics included (`_reset` is dropped before
    // `scheduler`, in reverse order of declaration).
    let _reset = Reset;
    let main = spawn(main);
    // The contexts live here, not in the state: `resume` runs while no borrow of the
    // state is held.
    let mut contexts: Vec<Option<C>> = Vec::new();
    loop {
        match next_step() {
            Step::Run(id) => run_turn(&mut contexts, id),
            Step::CheckIo => check_io(),
            Step::Wait => {
                if !wait_for_outside_events() {
                    // Nothing is ready and nothing can ever wake the parked threads. Their
                    // stacks hold frames that will never finish: leak them rather than
                    // unwind them from under the scheduler.
                    std::mem::forget(contexts);
                    let parked = with(|state| state.live);
                    panic!(
                        "deadlock: {parked} green thread(s) are parked and nothing can wake \
                         them (a join or a recv waiting for something that never comes?)"
                    );
                }
            }
            Step::Done => break,
        }
    }
    let result = main.result.borrow_mut().take();
    match result.expect("the main green thread finished") {
        Ok(value) => value,
        Err(payload) => panic::resume_unwind(payload),
    }
}
// ANCHOR_END: run_with

struct Reset;

impl Drop for Reset {
    fn drop(&mut self) {
        SCHEDULER.set(ptr::null());
    }
}

/// Wakes the threads whose timers expired, then picks the next thread to run: the one at
/// the front of the ready queue. (This path runs at every yield: the `#[inline]`s on it
/// show in the lab's figures.)
#[inline(always)]
fn next_step() -> Step {
    with(|state| {
        wake_expired_timers(state);
        if io_check_due(state) {
            return Step::CheckIo;
        }
        match state.ready.pop_front() {
            Some(id) => {
                state.current = id;
                state.threads[id].turns += 1;
                Step::Run(id)
            }
            None if state.live == 0 => Step::Done,
            None => Step::Wait,
        }
    })
}

// ANCHOR: run_turn
/// One turn: resumes green thread `id` until it yields, parks or finishes.
#[inline(always)]
fn run_turn<C: Context>(contexts: &mut Vec<Option<C>>, id: GreenId) {
    let context = match contexts.get_mut(id) {
        Some(Some(context)) => context,
        // Its first turn: its context does not exist yet.
        _ => start(contexts, id),
    };
    // No borrow of the state is held here: the green thread will borrow it itself.
    if context.resume() {
        // Finished: free its stack now, and wake the thread that joins it.
        contexts[id] = None;
        with(|state| state.finish(id));
    }
}

/// Builds green thread `id`'s context from its body. Contexts are built on the first
/// turn, not by `spawn`: spawning stays cheap, and a thread's stack exists only once it
/// runs. (Out of line: it runs once per thread, `run_turn` at every yield.)
#[inline(never)]
fn start<C: Context>(contexts: &mut Vec<Option<C>>, id: GreenId) -> &mut C {
    let body = with(|state| state.threads[id].body.take()).expect("a thread starts once");
    if contexts.len() <= id {
        contexts.resize_with(id + 1, || None);
    }
    contexts[id].insert(C::new(body))
}
// ANCHOR_END: run_turn

// ANCHOR: spawn
/// Starts a green thread that will run `f`. It runs when its turn comes, not now.
pub fn spawn<T: 'static>(f: impl FnOnce() -> T + 'static) -> JoinHandle<T> {
    let result: ResultSlot<T> = Rc::default();
    let slot = Rc::clone(&result);
    let body = Box::new(move || {
        // Catch the panic here, on the green thread's own stack: unwinding never crosses a
        // switch, and the scheduler (and every other green thread) goes on.
        let outcome = panic::catch_unwind(AssertUnwindSafe(f));
        *slot.borrow_mut() = Some(outcome);
    });
    let id = with(|state| {
        let id = state.threads.len();
        state.threads.push(Thread {
            body: Some(body),
            parked: false,
            joiner: None,
            turns: 0,
        });
        state.live += 1;
        state.ready.push_back(id);
        id
    });
    JoinHandle { id, result }
}

/// Gives the other ready green threads a turn; this one goes to the back of the queue.
#[inline(always)]
pub fn yield_now() {
    with(|state| state.ready.push_back(state.current));
    // The borrow of the state ended with `with`: only now is it safe to switch.
    switch_out();
}

impl<T> JoinHandle<T> {
    /// Waits (parking this green thread, not the OS thread) until the thread finishes,
    /// and returns its result, or the message of its panic.
    pub fn join(self) -> Result<T, JoinError> {
        loop {
            if let Some(outcome) = self.result.borrow_mut().take() {
                return outcome.map_err(|payload| JoinError::from_panic(payload.as_ref()));
            }
            // Not finished yet: leave our id where the scheduler looks when it finishes.
            let me = current();
            with(|state| {
                assert!(me != self.id, "a green thread cannot join itself");
                state.threads[self.id].joiner = Some(me);
            });
            park();
            // Woken: by the thread's end, or by a stray `unpark`. The loop looks again.
        }
    }

    /// The id of the green thread this handle joins.
    pub fn id(&self) -> GreenId {
        self.id
    }
}
// ANCHOR_END: spawn

/// Switches away from the running green thread, back to the loop.
///
/// With corosensei, `Corosensei::suspend` is called directly so that it is inlined into
/// the caller: a switch buried in a function called through a pointer costs several times
/// more (the lab measures it), as the CPU's return-address prediction goes wrong.
#[inline(always)]
fn switch_out() {
    // SAFETY: see `running`. `Switch` is `Copy`: no reference is held across the switch.
    let switch = unsafe { (*running()).switch };
    match switch {
        Switch::Corosensei => Corosensei::suspend(),
        Switch::Other(suspend) => suspend(),
    }
}

// ANCHOR: park
/// The id of the running green thread.
pub fn current() -> GreenId {
    with(|state| state.current)
}

/// How many turns the running green thread has had so far (1 during its first run).
pub fn turns() -> u64 {
    with(|state| state.threads[state.current].turns)
}

/// Takes the running green thread out of the run queue until someone [`unpark`]s it.
///
/// There is no race between "I checked, nothing to read" and `park`: nothing else runs on
/// this OS thread in between. That is what cooperative scheduling buys.
///
/// Being woken does not mean that what the thread waited for has happened: anyone may
/// call `unpark`, for any reason, and a wake-up meant for an earlier wait may come late.
/// So whoever parks looks again when it wakes, and parks again if it must (a loop).
pub fn park() {
    with(|state| {
        let current = state.current;
        state.threads[current].parked = true;
    });
    // The borrow of the state ended with `with`: only now is it safe to switch.
    switch_out();
}

/// Puts a parked green thread back in the run queue. Does nothing if it is not parked.
pub fn unpark(id: GreenId) {
    with(|state| state.unpark(id));
}
// ANCHOR_END: park

/// Parks the running green thread until `deadline` (the scheduler's timer queue wakes it).
/// A stray [`unpark`] before the deadline does not end the wait.
pub fn park_until(deadline: Instant) {
    with(|state| {
        let current = state.current;
        state.timers.push(deadline, current);
    });
    loop {
        park();
        // Woken before the deadline: not by the timer, which is still set. Park again.
        if Instant::now() >= deadline {
            break;
        }
    }
}

/// The I/O driver of type `D` of this run, made by `make` the first time it is asked for.
pub fn io_driver<D: IoDriver + 'static>(make: impl FnOnce() -> D) -> Rc<D> {
    let existing = with(|state| state.io.as_ref().map(|(_, any)| Rc::clone(any)));
    let any = match existing {
        Some(any) => any,
        None => {
            let driver = Rc::new(make());
            with(|state| {
                state.io = Some((driver.clone(), driver.clone()));
            });
            driver
        }
    };
    any.downcast::<D>()
        .unwrap_or_else(|_| panic!("one run uses one kind of I/O driver"))
}

/// Moves the green threads whose timers have expired to the run queue. The check for
/// "no timers at all" runs at every turn, so it is inlined; the rest is not.
#[inline(always)]
fn wake_expired_timers(state: &mut State) {
    if !state.timers.is_empty() {
        wake_expired_timers_now(state);
    }
}

#[inline(never)]
fn wake_expired_timers_now(state: &mut State) {
    for id in state.timers.pop_expired(Instant::now()) {
        state.unpark(id);
    }
}

/// Every 61 turns, the I/O driver (if a green thread waits for I/O): a green thread that
/// computes and yields must not keep the ones waiting for sockets out forever.
#[inline(always)]
fn io_check_due(state: &mut State) -> bool {
    state.since_io_check += 1;
    state.since_io_check >= 61 && io_waiters(state)
}

#[inline(never)]
fn io_waiters(state: &mut State) -> bool {
    state.since_io_check = 0;
    state
        .io
        .as_ref()
        .is_some_and(|(driver, _)| driver.has_waiters())
}

/// Looks for ready I/O without blocking, and unparks the threads it was for.
#[inline(never)]
fn check_io() {
    let driver = with(|state| state.io.as_ref().map(|(driver, _)| Rc::clone(driver)));
    // The borrow is released: `poll` calls `unpark`, which borrows the state.
    if let Some(driver) = driver {
        driver.poll(Some(Duration::ZERO));
    }
}

/// Nothing is ready: blocks the OS thread until a timer expires or I/O is ready. Returns
/// `false` when nothing could ever wake a parked green thread.
fn wait_for_outside_events() -> bool {
    let (deadline, driver) = with(|state| {
        let driver = state.io.as_ref().map(|(driver, _)| Rc::clone(driver));
        let deadline = if state.timers.is_empty() {
            None
        } else {
            state.timers.next_deadline()
        };
        (deadline, driver)
    });
    let timeout = deadline.map(|d| d.saturating_duration_since(Instant::now()));
    match driver.filter(|d| d.has_waiters()) {
        // The borrow is released: `poll` calls `unpark`, which borrows the state.
        Some(driver) => driver.poll(timeout),
        None => match timeout {
            Some(timeout) => std::thread::sleep(timeout),
            None => return false,
        },
    }
    true
}
