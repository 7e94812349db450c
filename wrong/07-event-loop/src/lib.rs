//! Chapter 07's plausible wrong answers.
//!
//! Everything is the reference solution, except the one module that the enabled feature
//! swaps for a wrong answer (a local module shadows the glob re-export). A wrong module is
//! the solution's with a few edits (`mutations.toml`, applied by `build.rs`), since the
//! reactor's state is private and a wrong answer must reach inside it. Built with one
//! feature at a time by the course's tests, never by hand.

pub use ch07_solution::*;

use support::mutation;

mutation!("ex01-not-rearmed", ex01_callbacks);
mutation!("ex01-spinning", ex01_callbacks);
mutation!("ex01-error-ends-server", ex01_callbacks);
mutation!("ex01-accepts-one-too-many", ex01_callbacks);
mutation!("ex01-keeps-listening", ex01_callbacks);
mutation!("ex01-max-line-off-by-one", ex01_callbacks);
mutation!("ex01-echoes-cut-line", ex01_callbacks);
mutation!("ex01-too-long-keeps-reading", ex01_callbacks);
mutation!("ex01-key-from-table-size", ex01_callbacks);
mutation!("ex01-listener-not-rearmed", ex01_callbacks);
mutation!("ex01-returns-when-table-empty", ex01_callbacks);

mutation!("ex02-not-rearmed", ex02_reactor);
mutation!("ex02-wakes-everyone", ex02_reactor);
mutation!("ex02-never-removed", ex02_reactor);
mutation!("ex02-keeps-first-waker", ex02_reactor);
mutation!("ex02-event-disarms-other-way", ex02_reactor);
mutation!("ex02-arms-only-own-direction", ex02_reactor);
mutation!("ex02-key-is-the-descriptor", ex02_reactor);
mutation!("ex02-wakes-under-the-locks", ex02_reactor);
mutation!("ex02-react-never-blocks", ex02_reactor);

// The timers are methods of the reactor, which only the reactor's crate may define: a
// wrong 07.3 comes with the solution's reactor, unchanged, in this crate.
#[cfg(any(
    feature = "ex03-timers-only-on-io",
    feature = "ex03-insertion-order",
    feature = "ex03-sleep-wakes-itself",
    feature = "ex03-one-id",
    feature = "ex03-sleep-keeps-first-waker",
    feature = "ex03-timeout-in-whole-millis",
    feature = "ex03-deadline-exclusive",
    feature = "ex03-expired-latest-first"
))]
pub mod ex02_reactor {
    include!(concat!(env!("OUT_DIR"), "/ex02_reactor.rs"));
}
mutation!("ex03-timers-only-on-io", ex03_timers);
mutation!("ex03-insertion-order", ex03_timers);
mutation!("ex03-sleep-wakes-itself", ex03_timers);
mutation!("ex03-one-id", ex03_timers);
mutation!("ex03-sleep-keeps-first-waker", ex03_timers);
mutation!("ex03-timeout-in-whole-millis", ex03_timers);
mutation!("ex03-deadline-exclusive", ex03_timers);
mutation!("ex03-expired-latest-first", ex03_timers);

mutation!("ex04-waker-does-not-notify", ex04_wakeups);
mutation!("ex04-spinning-loop", ex04_wakeups);
mutation!("ex04-forgets-waker", ex04_wakeups);
mutation!("ex04-always-blocks", ex04_wakeups);
mutation!("ex04-notify-before-flag", ex04_wakeups);
mutation!("ex04-polls-without-a-wake", ex04_wakeups);
mutation!("ex04-keeps-first-waker", ex04_wakeups);
mutation!("ex04-waker-stored-after-relock", ex04_wakeups);
mutation!("ex04-wakes-before-storing-result", ex04_wakeups);
mutation!("ex04-wakes-holding-the-lock", ex04_wakeups);
mutation!("ex04-panic-not-caught", ex04_wakeups);

mutation!("ex05-spinning-loop", ex05_runtime);
mutation!("ex05-blocking-read", ex05_runtime);
mutation!("ex05-read-wakes-itself", ex05_runtime);
mutation!("ex05-one-at-a-time", ex05_runtime);
mutation!("ex05-error-ends-server", ex05_runtime);
mutation!("ex05-one-task-per-turn", ex05_runtime);
mutation!("ex05-sleeps-with-tasks-ready", ex05_runtime);
mutation!("ex05-read-errors-wait", ex05_runtime);
mutation!("ex05-write-never-waits", ex05_runtime);
mutation!("ex05-cut-line-is-too-long", ex05_runtime);
mutation!("ex05-max-line-off-by-one", ex05_runtime);
mutation!("ex05-too-long-is-ok", ex05_runtime);
mutation!("ex05-write-wakes-itself", ex05_runtime);
mutation!("ex05-accept-spins", ex05_runtime);
mutation!("ex05-polls-main-unwoken", ex05_runtime);

mutation!("ex06-check-then-act", ex06_shared_state);
mutation!("ex06-borrow-across-await", ex06_shared_state);
mutation!("ex06-no-rollback", ex06_shared_state);
mutation!("ex06-restores-snapshot", ex06_shared_state);
mutation!("ex06-price-first", ex06_shared_state);
mutation!("ex06-last-unit-refused", ex06_shared_state);
