//! Tests for exercise 01.3: `round_robin`.

use ch01_sync::ex03_interleave::{StepTask, round_robin};
use std::cell::RefCell;
use std::rc::Rc;
use std::task::Poll;
use std::thread;
use support::timeout;

type Log = Rc<RefCell<Vec<String>>>;

/// A task named `name` that needs `steps` steps, logs each one, and then returns `name`.
/// Stepping it after it finished panics, as a finished future would.
fn logging_task(name: &'static str, steps: usize, log: &Log) -> StepTask<&'static str> {
    let log = Rc::clone(log);
    let mut done = 0;
    Box::new(move || {
        assert!(
            done < steps,
            "task {name} was stepped again after it had finished"
        );
        done += 1;
        log.borrow_mut().push(format!("{name}{done}"));
        if done == steps {
            Poll::Ready(name)
        } else {
            Poll::Pending
        }
    })
}

/// Runs `round_robin` on three logging tasks of the given lengths.
fn run(lengths: [usize; 3]) -> (Vec<&'static str>, Vec<String>) {
    timeout(move || {
        let log: Log = Rc::default();
        let tasks = vec![
            logging_task("a", lengths[0], &log),
            logging_task("b", lengths[1], &log),
            logging_task("c", lengths[2], &log),
        ];
        let results = round_robin(tasks);
        let log = log.borrow().clone();
        (results, log)
    })
}

#[test]
fn tasks_take_turns_one_step_each() {
    let (_, log) = run([3, 3, 3]);
    assert_eq!(
        log,
        ["a1", "b1", "c1", "a2", "b2", "c2", "a3", "b3", "c3"],
        "each round must give every unfinished task one step, in task order \
         (running one task to the end before the next is still sequential)"
    );
}

#[test]
fn finished_tasks_drop_out_of_the_rounds() {
    let (_, log) = run([1, 3, 2]);
    assert_eq!(
        log,
        ["a1", "b1", "c1", "b2", "c2", "b3"],
        "a task that returned Ready must not be stepped again"
    );
}

#[test]
fn a_task_that_finishes_mid_round_does_not_restart_the_round() {
    // b finishes in the first round: c still gets its step in that round, before a's
    // second one.
    let (_, log) = run([2, 1, 2]);
    assert_eq!(
        log,
        ["a1", "b1", "c1", "a2", "c2"],
        "when a task finishes, the round goes on with the next task; it must not start \
         again from the first one"
    );
}

#[test]
fn results_are_in_task_order_not_finishing_order() {
    let (results, _) = run([3, 1, 2]);
    assert_eq!(
        results,
        ["a", "b", "c"],
        "b finished first and a last, but results must follow the order of the tasks"
    );
}

#[test]
fn a_long_task_is_stepped_until_it_finishes() {
    // Many more rounds than any "safety" cap a loop might set for itself.
    let (results, log) = run([1, 10_000, 1]);
    assert_eq!(
        results,
        ["a", "b", "c"],
        "one result per task, in the order of the tasks"
    );
    assert_eq!(
        log.len(),
        10_002,
        "expected 10,002 steps in all (b needs 10,000 rounds), got {}",
        log.len()
    );
    assert_eq!(
        log.last().map(String::as_str),
        Some("b10000"),
        "b needs 10,000 steps and is the last to finish, so its 10,000th step comes last"
    );
}

#[test]
fn results_are_in_task_order_whichever_finishes_first() {
    // Every order of finishing for three tasks: each result must land in its own task's
    // place, however many tasks before it have already left the rounds.
    for lengths in [
        [1, 2, 3],
        [1, 3, 2],
        [2, 1, 3],
        [2, 3, 1],
        [3, 1, 2],
        [3, 2, 1],
    ] {
        let (results, _) = run(lengths);
        assert_eq!(
            results,
            ["a", "b", "c"],
            "tasks a, b, c needing {lengths:?} steps: results must follow the order of the \
             tasks, not the order they finished or their places among the tasks still running"
        );
    }
}

#[test]
fn all_steps_run_on_the_calling_thread() {
    timeout(|| {
        let caller = thread::current().id();
        let tasks: Vec<StepTask<()>> = (0..3)
            .map(|_| {
                let mut left = 2;
                Box::new(move || {
                    assert_eq!(
                        thread::current().id(),
                        caller,
                        "a step ran on another thread"
                    );
                    left -= 1;
                    if left == 0 {
                        Poll::Ready(())
                    } else {
                        Poll::Pending
                    }
                }) as StepTask<()>
            })
            .collect();
        assert_eq!(round_robin(tasks).len(), 3, "3 tasks should give 3 results");
    });
}

#[test]
fn no_tasks_gives_no_results() {
    let results: Vec<u8> = timeout(|| round_robin(Vec::new()));
    assert!(
        results.is_empty(),
        "no tasks, yet results came back: {results:?}"
    );
}
