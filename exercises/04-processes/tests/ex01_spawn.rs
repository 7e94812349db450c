//! Tests for exercise 04.1: `ask_child`.
//!
//! The child is the chapter's own worker binary, `ch04-worker line`: it reads its whole
//! stdin, answers it in capitals, and exits with 0 for a one-line request, 2 otherwise.

use ch04_processes::ex01_spawn::ask_child;
use std::path::Path;
use support::timeout;

const WORKER: &str = env!("CARGO_BIN_EXE_ch04-worker");

/// Fails the test if process `pid` still exists (running, or a zombie nobody waited for).
/// Only Linux lets us look so simply (in `/proc`); elsewhere this checks nothing.
fn assert_gone(pid: u32) {
    if let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        let state = stat.rsplit(')').next().unwrap_or("").trim_start();
        if state.starts_with('Z') {
            panic!(
                "child {pid} has exited but is a zombie: nobody waited for it. Call `wait` \
                 on the child to collect its exit status."
            );
        }
        panic!(
            "child {pid} is still running after `ask_child` returned: `ask_child` must wait \
             for it to end (`Child::wait`), which is also how it gets the exit status"
        );
    }
}

#[test]
fn the_child_answers_the_request() {
    let reply = timeout(|| ask_child(Path::new(WORKER), "hello, child"));
    let reply = reply.expect("ask_child returned an error");
    assert_eq!(
        reply.answer, "HELLO, CHILD\n",
        "the child answers its whole input in capitals: the request and the newline after it"
    );
}

#[test]
fn the_answer_comes_from_another_process() {
    let reply = timeout(|| ask_child(Path::new(WORKER), "who are you?")).expect("ask_child failed");
    assert_ne!(
        reply.pid,
        std::process::id(),
        "the reply's pid is the test's own: it must be the child's (`Child::id`)"
    );
    assert_eq!(reply.answer, "WHO ARE YOU?\n");
}

#[test]
fn an_answer_of_several_lines_is_read_to_the_end() {
    let reply =
        timeout(|| ask_child(Path::new(WORKER), "first\nsecond\nthird")).expect("ask_child failed");
    assert_eq!(
        reply.answer, "FIRST\nSECOND\nTHIRD\n",
        "the answer is everything the child writes until it closes its stdout, not its \
         first line: read to the end"
    );
}

#[test]
fn the_exit_status_is_the_one_the_child_ended_with() {
    let (one_line, two_lines) = timeout(|| {
        (
            ask_child(Path::new(WORKER), "one line").expect("ask_child failed"),
            ask_child(Path::new(WORKER), "two\nlines").expect("ask_child failed"),
        )
    });
    assert!(
        one_line.status.success(),
        "a one-line request ends the child with 0, but the status was {}",
        one_line.status
    );
    assert_eq!(
        two_lines.status.code(),
        Some(2),
        "a two-line request ends the child with code 2, but the status was {}: is it the \
         status `wait` returned?",
        two_lines.status
    );
}

#[test]
fn the_child_has_been_waited_for_when_ask_child_returns() {
    let reply = timeout(|| ask_child(Path::new(WORKER), "bye")).expect("ask_child failed");
    assert!(reply.status.success(), "status: {}", reply.status);
    assert_gone(reply.pid);
}

#[test]
fn a_long_answer_does_not_deadlock() {
    // 200 KB: more than a pipe holds. The child can only finish writing its answer if
    // someone reads it while it writes.
    let request = "abc".repeat(200_000 / 3);
    let expected = format!("{}\n", request.to_uppercase());
    let reply = timeout(move || ask_child(Path::new(WORKER), &request)).expect("ask_child failed");
    assert!(
        reply.answer == expected,
        "the long answer came back with {} bytes instead of {}",
        reply.answer.len(),
        expected.len()
    );
    assert!(reply.status.success(), "status: {}", reply.status);
}

#[test]
fn a_missing_program_is_an_error_not_a_panic() {
    let result = timeout(|| {
        ask_child(Path::new("/this/program/does/not/exist"), "hello").map(|reply| reply.answer)
    });
    assert!(
        result.is_err(),
        "starting a program that does not exist must return an error, got {result:?}"
    );
}

#[test]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "reads the thread's state in /proc, which only Linux has"
)]
fn the_parent_sleeps_while_it_waits_for_the_child_to_exit() {
    // The child here answers, closes its stdout, and then waits for the test's word
    // before it exits. Meanwhile `ask_child` has read the whole answer and has nothing to
    // do but wait for the exit, and it must wait asleep: `Child::wait` parks the thread
    // until the child has ended. (Linux only: the test reads the thread's state in
    // `/proc`; no clock.)
    if !support::sched::can_watch_threads() {
        return;
    }
    let reply = timeout(|| {
        let child = support::child::LingeringChild::new("ch04-ask-child", "ANSWERED");
        let program = child.program().to_path_buf();
        let caller = support::sched::spawn_watched("caller", move || ask_child(&program, "hello"));
        let word = child.until_lingering(
            "the child never got to the end of its answer: does `ask_child` start it, send \
             it the request and close its stdin?",
        );
        support::sched::assert_parks(
            caller.tid,
            "the child to exit",
            "`Child::wait` sleeps until the child has ended.",
        );
        word.let_go();
        caller.thread.join().unwrap().expect("ask_child failed")
    });
    assert_eq!(reply.answer.trim(), "ANSWERED");
    assert!(reply.status.success(), "status: {}", reply.status);
}
