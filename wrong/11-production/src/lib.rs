//! Chapter 11's plausible wrong answers.
//!
//! Everything is the reference solution, except the one module that the enabled feature
//! swaps for a wrong answer (a local module shadows the glob re-export): the solution's
//! module with a few edits (`mutations/exNN.toml`, applied by `build.rs`). Built with one
//! feature at a time by the course's tests, never by hand.

pub use ch11_solution::*;

#[allow(unused_imports)]
use support::mutation;

// ex01 wrong answers
mutation!("ex01-clones-the-parent-token", ex01_cancel);
mutation!("ex01-new-token-per-worker", ex01_cancel);
mutation!("ex01-flushes-only-when-the-jobs-end", ex01_cancel);
mutation!("ex01-spawns-the-flush", ex01_cancel);
mutation!("ex01-handles-inside-the-select", ex01_cancel);
mutation!("ex01-checks-the-token-between-jobs", ex01_cancel);
mutation!("ex01-takes-waiting-jobs-first", ex01_cancel);
mutation!("ex01-spins-for-jobs", ex01_cancel);
mutation!("ex01-reads-into-locals", ex01_cancel);
mutation!("ex01-reads-the-body-into-a-local", ex01_cancel);
mutation!("ex01-end-inside-a-frame-is-none", ex01_cancel);
mutation!("ex01-frame-limit-off-by-one", ex01_cancel);
mutation!("ex01-spins-on-the-stream", ex01_cancel);
mutation!("ex01-stream-error-is-the-end", ex01_cancel);
mutation!("ex01-wakes-on-a-timer", ex01_cancel);
// end of ex01 wrong answers

// ex02 wrong answers
mutation!("ex02-awaits-each-task", ex02_scope);
mutation!("ex02-joins-without-spawning", ex02_scope);
mutation!("ex02-awaits-in-input-order", ex02_scope);
mutation!("ex02-waits-for-every-job", ex02_scope);
mutation!("ex02-returns-without-stopping", ex02_scope);
mutation!("ex02-aborts-without-waiting", ex02_scope);
mutation!("ex02-drops-the-set", ex02_scope);
mutation!("ex02-panics-without-cleaning-up", ex02_scope);
mutation!("ex02-panics-about-the-join-error", ex02_scope);
mutation!("ex02-skips-a-panicked-job", ex02_scope);
mutation!("ex02-values-in-finishing-order", ex02_scope);
mutation!("ex02-spins-on-the-tasks", ex02_scope);
mutation!("ex02-aborts-and-yields-once", ex02_scope);
mutation!("ex02-panics-after-one-yield", ex02_scope);
mutation!("ex02-dropped-scope-leaves-jobs", ex02_scope);
mutation!("ex02-keeps-the-last-error", ex02_scope);
// end of ex02 wrong answers

// ex03 wrong answers
mutation!("ex03-unbounded-queue", ex03_admission);
mutation!("ex03-ignores-queue", ex03_admission);
mutation!("ex03-drops-when-full", ex03_admission);
mutation!("ex03-spins-for-room", ex03_admission);
mutation!("ex03-lock-held-across-work", ex03_admission);
mutation!("ex03-all-at-once", ex03_admission);
mutation!("ex03-answers-in-finish-order", ex03_admission);
mutation!("ex03-gate-one-too-many", ex03_admission);
mutation!("ex03-gate-one-short", ex03_admission);
mutation!("ex03-counts-admissions", ex03_admission);
mutation!("ex03-counts-every-caller", ex03_admission);
mutation!("ex03-pass-forgets-its-place", ex03_admission);
mutation!("ex03-pass-leaves-only-on-success", ex03_admission);
mutation!("ex03-counts-with-load-and-store", ex03_admission);
mutation!("ex03-looks-before-taking", ex03_admission);
mutation!("ex03-refused-resets-on-read", ex03_admission);
mutation!("ex03-waits-before-refusing", ex03_admission);
mutation!("ex03-pass-gives-place-back-twice", ex03_admission);
mutation!("ex03-cas-once-refuses-free-place", ex03_admission);
mutation!("ex03-looks-then-adds", ex03_admission);
mutation!("ex03-inside-from-two-counters", ex03_admission);
// end of ex03 wrong answers

// ex04 wrong answers
mutation!("ex04-ctrl-c-only", ex04_shutdown);
mutation!("ex04-sigterm-only", ex04_shutdown);
mutation!("ex04-listens-after-a-yield", ex04_shutdown);
mutation!("ex04-signal-spins", ex04_shutdown);
mutation!("ex04-serves-one-at-a-time", ex04_shutdown);
mutation!("ex04-wakes-on-a-tick", ex04_shutdown);
mutation!("ex04-never-closes-the-queue", ex04_shutdown);
mutation!("ex04-drops-the-queued-requests", ex04_shutdown);
mutation!("ex04-serves-the-queued-requests", ex04_shutdown);
mutation!("ex04-ignores-the-grace-period", ex04_shutdown);
mutation!("ex04-cancels-at-once", ex04_shutdown);
mutation!("ex04-grace-per-request", ex04_shutdown);
mutation!("ex04-grace-per-wait", ex04_shutdown);
mutation!("ex04-cancelled-get-no-answer", ex04_shutdown);
mutation!("ex04-returns-before-the-cancelled-end", ex04_shutdown);
mutation!("ex04-does-not-wait-for-the-requests", ex04_shutdown);
mutation!("ex04-counts-cancelled-as-finished", ex04_shutdown);
mutation!("ex04-listens-in-a-spawned-task", ex04_shutdown);
mutation!("ex04-senders-gone-is-a-shutdown", ex04_shutdown);
mutation!("ex04-a-panic-ends-the-wait", ex04_shutdown);
mutation!("ex04-shutdown-races-the-queue", ex04_shutdown);
// end of ex04 wrong answers

// ex05 wrong answers
mutation!("ex05-guard-across-await", ex05_tracing);
mutation!("ex05-started-outside-the-span", ex05_tracing);
mutation!("ex05-span-named-after-the-function", ex05_tracing);
mutation!("ex05-id-as-text", ex05_tracing);
mutation!("ex05-records-the-token", ex05_tracing);
mutation!("ex05-audit-not-instrumented", ex05_tracing);
mutation!("ex05-audit-in-a-new-span", ex05_tracing);
mutation!("ex05-spins-on-the-work", ex05_tracing);
mutation!("ex05-audit-before-the-work", ex05_tracing);
// end of ex05 wrong answers

// ex06 wrong answers
mutation!("ex06-checks-only-the-burst", ex06_write_the_test);
mutation!("ex06-never-reads-the-clock", ex06_write_the_test);
mutation!("ex06-one-caller-at-a-time", ex06_write_the_test);
mutation!("ex06-never-counts-polls", ex06_write_the_test);
mutation!("ex06-measures-with-std-instant", ex06_write_the_test);
mutation!("ex06-only-a-fresh-limiter", ex06_write_the_test);
mutation!("ex06-only-a-burst-of-one", ex06_write_the_test);
mutation!("ex06-one-waiter-only", ex06_write_the_test);
mutation!("ex06-only-a-one-second-period", ex06_write_the_test);
// end of ex06 wrong answers
