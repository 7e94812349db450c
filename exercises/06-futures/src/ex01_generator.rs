//! Exercise 06.1: a generator by hand, as the state machine a compiler would write.
//!
//! Book: `book/src/ch06-futures/generator.md`. Fill in the `todo!()`: `Averager::resume`,
//! one `match` on where the body is suspended. The states are given.

use std::fmt;

/// What one `resume` gives back (std's unstable `CoroutineState` has the same shape).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CoroutineState<Y, R> {
    /// Suspended at a `yield`, handing out this value.
    Yielded(Y),
    /// Returned this value. The coroutine is finished and must not be resumed again.
    Complete(R),
}

/// The error of resuming a coroutine that has already completed. Python raises
/// `StopIteration` here; a compiler-generated Rust coroutine panics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Finished;

impl fmt::Display for Finished {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the coroutine has already completed")
    }
}

impl std::error::Error for Finished {}

// ANCHOR: trait
/// A coroutine that you resume with a value, as you `send` a value into a Python generator.
pub trait Coroutine {
    /// What each `resume` sends in (the value of the `yield` expression inside).
    type Input;
    /// What each `yield` hands out.
    type Yield;
    /// What the body returns at the end.
    type Return;

    /// Runs the body from where it was suspended up to its next `yield` or its end.
    fn resume(
        &mut self,
        input: Self::Input,
    ) -> Result<CoroutineState<Self::Yield, Self::Return>, Finished>;
}
// ANCHOR_END: trait

/// What the averager returns when it is sent `None`: how many terms it saw, and their
/// average (`None` if it saw none).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// How many terms were sent.
    pub count: u32,
    /// Their mean, if there was at least one.
    pub average: Option<f64>,
}

/// A running average, the state machine of this Python generator:
///
/// ```python
/// def averager():
///     total, count, average = 0.0, 0, None
///     while True:
///         term = yield average      # the only suspension point
///         if term is None:
///             break
///         total += term
///         count += 1
///         average = total / count
///     return Summary(count, average)
/// ```
///
/// The first `resume` starts the body and runs it to the first `yield` (Python's
/// `next(coro)`, "priming"): its input is not a term, and it yields `None`. Each later
/// `resume(Some(term))` yields the average so far; `resume(None)` completes it.
#[derive(Debug)]
pub struct Averager {
    /// Where the body is suspended, and the locals that are alive there.
    state: State,
}

/// One variant per place the body can be: before its start, at its one `yield`, after its
/// end. What a variant holds is exactly what a stack frame would have held at that point.
#[derive(Debug)]
enum State {
    /// Created, not yet resumed: the body has not started.
    Start,
    /// Suspended at `yield average`, with the locals alive across it. (`average` is not
    /// kept: it can be computed from these two.)
    Suspended { total: f64, count: u32 },
    /// Returned. Resuming again is refused.
    Done,
}

impl Averager {
    /// A new averager, not yet started.
    pub fn new() -> Self {
        Self {
            state: State::Start,
        }
    }
}

impl Default for Averager {
    fn default() -> Self {
        Self::new()
    }
}

impl Coroutine for Averager {
    type Input = Option<f64>;
    type Yield = Option<f64>;
    type Return = Summary;

    fn resume(
        &mut self,
        input: Option<f64>,
    ) -> Result<CoroutineState<Option<f64>, Summary>, Finished> {
        todo!("match on the state you take out: Start, Suspended or Done")
    }
}
