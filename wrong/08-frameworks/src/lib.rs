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

mutation!("ex06-connections-not-tracked", ex06_chat);
mutation!("ex06-gone-client-spins", ex06_chat);
mutation!("ex06-goodbye-without-close", ex06_chat);
mutation!("ex06-lag-skipped", ex06_chat);
mutation!("ex06-lag-notice-without-close", ex06_chat);
mutation!("ex06-long-poll-two-locks", ex06_chat);
mutation!("ex06-no-limit", ex06_chat);
mutation!("ex06-one-counter", ex06_chat);
mutation!("ex06-permit-not-kept", ex06_chat);
mutation!("ex06-permit-taken-in-the-task", ex06_chat);
mutation!("ex06-poll-ignores-after", ex06_chat);
mutation!("ex06-poll-sleeps-and-looks", ex06_chat);
mutation!("ex06-sends-after-unlock", ex06_chat);
mutation!("ex06-shutdown-at-once", ex06_chat);
mutation!("ex06-history-one-short", ex06_chat);
mutation!("ex06-polls-posts", ex06_chat);
mutation!("ex06-subscribes-after-upgrade", ex06_chat);

mutation!("ex05-closed-outgoing-spins", ex05_select);
mutation!("ex05-goodbye-not-flushed", ex05_select);
mutation!("ex05-naive-read", ex05_select);
mutation!("ex05-never-flushes", ex05_select);
mutation!("ex05-polls-outgoing", ex05_select);
mutation!("ex05-silent-shutdown", ex05_select);
mutation!("ex05-timer-each-round", ex05_select);
mutation!("ex05-timer-never-reset", ex05_select);
mutation!("ex05-send-error-ends-connection", ex05_select);
