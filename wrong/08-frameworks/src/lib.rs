//! Chapter 08's plausible wrong answers.
//!
//! Everything is the reference solution, except the one module that the enabled feature
//! swaps for a wrong answer (a local module shadows the glob re-export): the solution's
//! module with a few edits (`mutations.toml`, applied by `build.rs`). Built with one
//! feature at a time by the course's tests, never by hand.

pub use ch08_solution::*;

use support::mutation;

mutation!("ex01-annotate-before-recover", ex01_deferred);
mutation!("ex01-await-recovers-everything", ex01_deferred);
mutation!("ex01-await-spins", ex01_deferred);
mutation!("ex01-failure-sticks", ex01_deferred);
mutation!("ex01-fires-twice", ex01_deferred);
mutation!("ex01-keeps-first-waker", ex01_deferred);

mutation!("ex02-bad-line-stays", ex02_codec);
mutation!("ex02-closes-silently", ex02_codec);
mutation!("ex02-cut-line-is-ok", ex02_codec);
mutation!("ex02-drops-the-rest", ex02_codec);
mutation!("ex02-off-by-one", ex02_codec);
mutation!("ex02-one-at-a-time", ex02_codec);
mutation!("ex02-too-long-returns-ok", ex02_codec);
mutation!("ex02-unbounded-buffer", ex02_codec);
mutation!("ex02-utf8-ends-connection", ex02_codec);

mutation!("ex03-drop-does-not-wait", ex03_gather);
mutation!("ex03-finish-order", ex03_gather);
mutation!("ex03-leaks-after-error", ex03_gather);
mutation!("ex03-permit-too-short", ex03_gather);
mutation!("ex03-permits-before-spawning", ex03_gather);
mutation!("ex03-sequential", ex03_gather);
mutation!("ex03-spins", ex03_gather);
mutation!("ex03-timeout-for-the-batch", ex03_gather);
mutation!("ex03-timeout-leaves-call-running", ex03_gather);
mutation!("ex03-unbounded", ex03_gather);

mutation!("ex04-blank-line-skipped", ex04_runtimes);
mutation!("ex04-eof-is-empty-answer", ex04_runtimes);
mutation!("ex04-failed-accept-skipped", ex04_runtimes);
mutation!("ex04-never-flushes", ex04_runtimes);
mutation!("ex04-one-at-a-time", ex04_runtimes);
mutation!("ex04-reader-per-line", ex04_runtimes);
mutation!("ex04-tokio-spawn", ex04_runtimes);
mutation!("ex04-write-ignores-count", ex04_runtimes);

mutation!("ex05-connections-not-tracked", ex05_chat);
mutation!("ex05-gone-client-spins", ex05_chat);
mutation!("ex05-goodbye-without-close", ex05_chat);
mutation!("ex05-lag-skipped", ex05_chat);
mutation!("ex05-lag-notice-without-close", ex05_chat);
mutation!("ex05-long-poll-two-locks", ex05_chat);
mutation!("ex05-no-limit", ex05_chat);
mutation!("ex05-one-counter", ex05_chat);
mutation!("ex05-permit-not-kept", ex05_chat);
mutation!("ex05-permit-taken-in-the-task", ex05_chat);
mutation!("ex05-poll-ignores-after", ex05_chat);
mutation!("ex05-poll-sleeps-and-looks", ex05_chat);
mutation!("ex05-sends-after-unlock", ex05_chat);
mutation!("ex05-shutdown-at-once", ex05_chat);
mutation!("ex05-history-one-short", ex05_chat);
mutation!("ex05-polls-posts", ex05_chat);

mutation!("ex06-closed-outgoing-spins", ex06_select);
mutation!("ex06-goodbye-not-flushed", ex06_select);
mutation!("ex06-naive-read", ex06_select);
mutation!("ex06-never-flushes", ex06_select);
mutation!("ex06-polls-outgoing", ex06_select);
mutation!("ex06-silent-shutdown", ex06_select);
mutation!("ex06-timer-each-round", ex06_select);
mutation!("ex06-timer-never-reset", ex06_select);
