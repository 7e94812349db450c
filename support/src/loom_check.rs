//! Running a learner's module under loom, the model checker (feature `loom`).
//!
//! A test crate that compiles a module of the learner's a second time (see the `model`
//! module, which writes the copy) says at its root `use support::loom::sync;`, so that the
//! copy's `crate::sync::{Arc, Mutex, …}` are loom's. Then [`check`] runs a scenario under
//! `loom::model`, which runs it again and again until it has tried every interleaving of
//! its threads (within a bound on preemptions), and turns what loom found into a sentence.

use std::sync::Arc as StdArc;
use std::task::{Wake, Waker};
use std::time::Duration;

/// loom's primitives under the names of the chapters' `crate::sync`.
pub mod sync {
    pub use ::loom::sync::{Arc, Condvar, Mutex, atomic};

    /// loom's threads; `sleep` (real time) means nothing to the model: it lets another
    /// thread run instead.
    pub mod thread {
        pub use ::loom::thread::*;

        pub fn sleep(_: std::time::Duration) {
            ::loom::thread::yield_now();
        }
    }
}

/// How many times a thread may be preempted in one interleaving. Races between two or
/// three threads need one or two; a bound keeps the search within seconds.
pub const PREEMPTIONS: usize = 3;

/// Runs `scenario` under every interleaving loom tries. If one of them panics or
/// deadlocks (a thread waits for a wake that never comes), fails with `what` and loom's
/// own words.
///
/// The model runs in a child process: the same test binary, asked to run only this test.
/// After loom reports a deadlock, the values left on the stuck threads are dropped
/// outside any execution, which panics again inside a destructor and aborts the process;
/// in a child, that abort is one failed check instead of a lost test run.
pub fn check(what: &str, scenario: impl Fn() + Sync + Send + 'static) {
    if std::env::var_os(CHILD).is_some() {
        let mut builder = ::loom::model::Builder::new();
        builder.preemption_bound = Some(PREEMPTIONS);
        builder.check(scenario);
        return;
    }
    let (out, text) = crate::isolated::rerun(CHILD);
    // A finding is a panic in the model (a failed assert, or loom's own "deadlock"); a
    // child that died with no panic at all never got to report one (loom itself could
    // not run: under Wine, for one, its threads' stacks cannot unwind).
    if !out.status.success() && !text.contains("panicked at") {
        panic!(
            "the model checker (loom) could not run here: its process ended without \
             reporting an interleaving, so nothing is known about your code from it.\n\
             What it printed: {}",
            text.trim()
        );
    }
    if !out.status.success() {
        panic!(
            "the model checker (loom) tried the interleavings of your code's threads and \
             found one where {what}.\nWhat it saw: {}",
            crate::isolated::first_panic(&text)
        );
    }
}

/// The environment variable that tells a child process to run the model itself.
const CHILD: &str = "SUPPORT_LOOM_MODEL";

/// A waker whose wakes the scenario can count and wait for, made of loom's primitives so
/// that the model sees the wake as a synchronisation.
pub struct Woken {
    wakes: ::loom::sync::Mutex<usize>,
    changed: ::loom::sync::Condvar,
}

impl Woken {
    /// The counter, and a waker that adds to it.
    pub fn new() -> (StdArc<Woken>, Waker) {
        let woken = StdArc::new(Woken {
            wakes: ::loom::sync::Mutex::new(0),
            changed: ::loom::sync::Condvar::new(),
        });
        (StdArc::clone(&woken), Waker::from(woken))
    }

    /// How many wakes so far.
    pub fn wakes(&self) -> usize {
        *self.wakes.lock().unwrap()
    }

    /// Waits until woken at least `n` times in all. A wake that never comes is a deadlock
    /// in the model, which loom reports.
    pub fn wait_for(&self, n: usize) {
        let mut wakes = self.wakes.lock().unwrap();
        while *wakes < n {
            wakes = self.changed.wait(wakes).unwrap();
        }
    }
}

impl Wake for Woken {
    fn wake(self: StdArc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &StdArc<Self>) {
        *self.wakes.lock().unwrap() += 1;
        self.changed.notify_all();
    }
}

/// A test's limit for one model check: loom runs a scenario thousands of times.
pub const LIMIT: Duration = Duration::from_secs(120);
