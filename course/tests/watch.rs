//! Watch mode, driven for real through its line-oriented mode (`cargo course watch
//! --plain`): the test types commands on its stdin, edits the fixture course's files, and
//! reads the result lines it prints. Every wait is bounded.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::{Duration, Instant};

/// The first check of a fresh copy compiles the fixture's crates: allow for a slow,
/// shared machine. Later checks take a fraction of a second.
const FIRST: Duration = Duration::from_secs(180);
const LATER: Duration = Duration::from_secs(60);

/// A running `cargo course watch --plain`, its stdin, and its stdout as lines.
struct Session {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    seen: Vec<String>,
}

impl Session {
    fn start(course: &Path, run_limit_secs: u32) -> Session {
        Session::start_with(course, run_limit_secs, &["watch", "--plain"])
    }

    fn start_with(course: &Path, run_limit_secs: u32, args: &[&str]) -> Session {
        let mut child = Command::new(env!("CARGO_BIN_EXE_course"))
            .args(args)
            .current_dir(course)
            .env("NO_COLOR", "1")
            .env("COURSE_RUN_LIMIT_SECS", run_limit_secs.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the runner must start");
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stdin = child.stdin.take();
        Session {
            child,
            stdin,
            lines,
            seen: Vec::new(),
        }
    }

    fn send(&mut self, command: &str) {
        let stdin = self.stdin.as_mut().expect("stdin is open");
        writeln!(stdin, "{command}").unwrap();
        stdin.flush().unwrap();
    }

    /// Reads lines until one contains `pattern`; returns the lines read since the last
    /// call. Fails with everything printed so far if it does not come within `limit`.
    fn expect(&mut self, pattern: &str, limit: Duration) -> String {
        let deadline = Instant::now() + limit;
        let mut read = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    let found = line.contains(pattern);
                    self.seen.push(line.clone());
                    read.push(line);
                    if found {
                        return read.join("\n");
                    }
                }
                Err(_) => {
                    let _ = self.child.kill();
                    panic!(
                        "watch mode did not print `{pattern}` within {limit:?}. It printed:\n{}",
                        self.seen.join("\n")
                    );
                }
            }
        }
    }

    /// Fails if a line containing `pattern` comes within `time`.
    fn expect_none(&mut self, pattern: &str, time: Duration) {
        let deadline = Instant::now() + time;
        while let Ok(line) = self
            .lines
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            assert!(
                !line.contains(pattern),
                "unexpected `{line}`:\n{}",
                self.seen.join("\n")
            );
            self.seen.push(line);
        }
    }

    /// Waits (bounded) for the runner to exit; returns how long that took.
    fn wait_exit(&mut self, limit: Duration) -> (Duration, Option<i32>) {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return (started.elapsed(), status.code());
            }
            if started.elapsed() > limit {
                let _ = self.child.kill();
                panic!(
                    "watch mode did not exit within {limit:?}:\n{}",
                    self.seen.join("\n")
                );
            }
            thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Saves `file` the way many editors do: the new text goes to a file beside it, which
/// then replaces it in one step. (Written in place, the file is empty between the
/// truncation and the write: on a loaded machine the runner can read it in that moment,
/// see a change where there is none, and check an empty exercise.)
fn write(course: &Path, file: &str, text: &str) {
    let dir = course.join("exercises/01-demo/src");
    let staged = dir.join(format!(".{file}.saving"));
    std::fs::write(&staged, text).unwrap();
    std::fs::rename(&staged, dir.join(file)).unwrap();
}

#[test]
fn watch_mode_follows_the_learner_from_exercise_to_exercise() {
    let course = common::fixture_copy("watch-loop");
    let mut watch = Session::start(&course, 3);

    // The first unsolved exercise in manifest order, with its file and book page.
    let said = watch.expect("-- 01.1-pass:", FIRST);
    assert!(
        said.contains("01.1-pass  An exercise that is solved"),
        "{said}"
    );
    assert!(
        said.contains("Edit  exercises/01-demo/src/ex01_pass.rs"),
        "{said}"
    );
    assert!(
        said.contains("Read  https://async-processing-in-rust.github.io/course/ch01/index.html"),
        "the page to read, as the built book: {said}"
    );
    assert!(said.contains("Progress"), "{said}");
    assert!(
        said.ends_with("-- 01.1-pass: solved, all 1 tests pass")
            || said.contains("01.1-pass: solved"),
        "{said}"
    );
    assert!(
        said.contains("Press n for the next exercise: 01.2-fail"),
        "it offers the next one: {said}"
    );

    // `n` moves on; the failing test's name and message, without cargo's noise.
    watch.send("n");
    let said = watch.expect("-- 01.2-fail:", LATER);
    assert!(
        said.contains("01.2-fail  An exercise whose test fails"),
        "{said}"
    );
    assert!(said.contains("✗ two_and_two_make_four"), "{said}");
    assert!(said.contains("expected 2 + 2 = 4, got 5"), "{said}");
    assert!(said.contains("failing, 1 of 2 tests pass"), "{said}");
    assert!(
        !said.contains("Compiling") && !said.contains("RUST_BACKTRACE"),
        "no cargo noise: {said}"
    );

    // `n` before it passes says why it stays.
    watch.send("n");
    watch.expect("Not yet: n moves on once 01.2-fail passes", LATER);

    // `h`: the hint's first step; `h` again, the next one.
    watch.send("h");
    let said = watch.expect("Two and two make four.", LATER);
    assert!(
        !said.contains("Look at the operator"),
        "one step at a time: {said}"
    );
    watch.send("h");
    watch.expect("Look at the operator between `a` and `b`.", LATER);

    // A save that breaks the build: the compiler's message.
    write(
        &course,
        "ex02_fail.rs",
        "pub fn add(a: u32, b: u32) -> u32 { a + \"b\" }\n",
    );
    let said = watch.expect("-- 01.2-fail:", LATER);
    assert!(said.contains("does not compile"), "{said}");
    assert!(
        said.contains("error[E0277]") || said.contains("cannot add"),
        "the compiler's words: {said}"
    );

    // A save with the answer: solved, and the next one offered.
    write(
        &course,
        "ex02_fail.rs",
        "pub fn add(a: u32, b: u32) -> u32 {\n    if a == 0 && b == 0 { 1 } else { a + b }\n}\n",
    );
    let said = watch.expect("-- 01.2-fail:", LATER);
    assert!(
        said.contains("01.2-fail: solved, all 2 tests pass"),
        "{said}"
    );
    assert!(
        said.contains("Press n for the next exercise: 01.3-deadlock"),
        "{said}"
    );
    assert!(
        said.contains("cargo course solution 01.2-fail"),
        "offers the solution: {said}"
    );

    // `l`: every exercise with its status.
    watch.send("l");
    let said = watch.expect("02.1-broken", LATER);
    let line = |id: &str| {
        said.lines()
            .find(|l| l.contains(id))
            .unwrap_or_default()
            .to_string()
    };
    assert!(line("01.1-pass").contains("solved"), "{said}");
    assert!(
        line("01.2-fail").contains("solved") && line("01.2-fail").contains('▶'),
        "{said}"
    );
    assert!(line("01.4-stub").contains("not started"), "{said}");

    // `n` to the deadlock: stopped at the time limit, and named.
    watch.send("n");
    let said = watch.expect("-- 01.3-deadlock:", LATER);
    assert!(
        said.contains("timed out after 3 s, probably a deadlock or an infinite loop"),
        "{said}"
    );

    // The same save twice does not check again: the files did not change.
    let stub =
        std::fs::read_to_string(course.join("exercises/01-demo/src/ex03_deadlock.rs")).unwrap();
    write(&course, "ex03_deadlock.rs", &stub);
    // `r` checks again on request; its result comes after the save's (if any) would have.
    watch.send("r");
    let said = watch.expect("-- 01.3-deadlock:", LATER);
    assert_eq!(
        said.matches("-- checking 01.3-deadlock").count(),
        1,
        "one check, not two: {said}"
    );

    watch.send("q");
    let (_, code) = watch.wait_exit(Duration::from_secs(10));
    assert_eq!(code, Some(0));
    assert!(
        std::fs::read_to_string(course.join(".course/progress.json"))
            .unwrap()
            .contains("01.2-fail"),
        "results are kept for `list`"
    );
}

#[test]
fn quitting_during_a_deadlocked_check_stops_it_at_once() {
    let course = common::fixture_copy("watch-quit");
    // Start at the deadlock: mark the two before it solved by checking them.
    for id in ["01.1", "01.2"] {
        if id == "01.2" {
            write(
                &course,
                "ex02_fail.rs",
                "pub fn add(a: u32, b: u32) -> u32 {\n    if a == 0 && b == 0 { 1 } else { a + b }\n}\n",
            );
        }
        let out = Command::new(env!("CARGO_BIN_EXE_course"))
            .args(["check", id])
            .current_dir(&course)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    let mut watch = Session::start(&course, 120);
    watch.expect("-- checking 01.3-deadlock", FIRST);
    #[cfg(target_os = "linux")]
    let target = course.join("target");
    // Quit once the test binary is running (and hanging), not while it is still built.
    #[cfg(target_os = "linux")]
    wait_until(FIRST, "the deadlocked test binary never started", || {
        !running(&target, "ex03_deadlock").is_empty()
    });
    #[cfg(not(target_os = "linux"))]
    thread::sleep(Duration::from_secs(2));
    watch.send("q");
    // A runner that let the check go on would run into its 120 s limit first.
    let (_, code) = watch.wait_exit(Duration::from_secs(30));
    assert_eq!(code, Some(0));
    #[cfg(target_os = "linux")]
    wait_until(
        Duration::from_secs(10),
        "the deadlocked test binary is still running after q",
        || running(&target, "ex03_deadlock").is_empty(),
    );
}

/// The command lines of the running processes whose program was built under `target` and
/// whose command line contains `name`.
#[cfg(target_os = "linux")]
fn running(target: &Path, name: &str) -> Vec<String> {
    let target = target.to_string_lossy().into_owned();
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|p| std::fs::read(p.path().join("cmdline")).ok())
        .map(|c| String::from_utf8_lossy(&c).replace('\0', " "))
        .filter(|c| c.contains(&target) && c.contains(name))
        .collect()
}

/// Polls `done` until it holds; fails with `what` if it does not within `limit`.
#[cfg(target_os = "linux")]
fn wait_until(limit: Duration, what: &str, done: impl Fn() -> bool) {
    let deadline = Instant::now() + limit;
    while !done() {
        assert!(Instant::now() < deadline, "{what} (waited {limit:?})");
        thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn without_a_terminal_it_checks_once_and_ends_on_its_own() {
    let course = common::fixture_copy("watch-once");
    // The first run solves 01.1 (its file is already right); the second goes on to 01.2.
    let runs: [(&[&str], &str, &str, i32); 2] = [
        (&[], "01.1-pass", "All 1 tests pass", 0),
        (&["watch", "--plain"], "01.2-fail", "1 of 2 tests pass", 1),
    ];
    for (args, id, said, code) in runs {
        let mut child = Command::new(env!("CARGO_BIN_EXE_course"))
            .args(args)
            .current_dir(&course)
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let started = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if started.elapsed() > FIRST {
                let _ = child.kill();
                panic!("`cargo course {args:?}` with no input did not end");
            }
            thread::sleep(Duration::from_millis(20));
        };
        let mut out = String::new();
        std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut out).unwrap();
        assert!(out.contains(id), "{args:?}: {out}");
        assert!(out.contains(said), "{args:?}: {out}");
        assert_eq!(status.code(), Some(code), "{args:?}: {out}");
        assert!(
            !out.contains('\x1b'),
            "no escape sequences off a terminal: {out}"
        );
    }
}

#[test]
fn check_all_checks_every_exercise_and_lists_them() {
    let course = common::fixture_copy("watch-all");
    let mut watch = Session::start(&course, 3);
    watch.expect("-- 01.1-pass:", FIRST);
    watch.send("c");
    let said = watch.expect("Checked every exercise:", FIRST);
    assert!(said.contains("-- 01.3-deadlock: timed out"), "{said}");
    assert!(said.contains("-- 02.1-broken: does not compile"), "{said}");
    assert!(said.contains("-- 01.5-noisy: failing"), "{said}");
    assert!(
        said.contains("Checked every exercise: 1 of 7 solved."),
        "{said}"
    );
    watch.send("q");
    assert_eq!(watch.wait_exit(Duration::from_secs(10)).1, Some(0));
    let list = Command::new(env!("CARGO_BIN_EXE_course"))
        .arg("list")
        .current_dir(&course)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let list = String::from_utf8_lossy(&list.stdout);
    let line = list.lines().find(|l| l.contains("02.1-broken")).unwrap();
    assert!(
        line.contains("attempted"),
        "`list` keeps what check-all found: {line}"
    );
}

#[test]
fn manual_mode_checks_on_enter_not_on_save() {
    let course = common::fixture_copy("watch-manual");
    let mut watch = Session::start_with(&course, 3, &["watch", "01.2", "--manual", "--plain"]);
    let said = watch.expect("-- 01.2-fail:", FIRST);
    assert!(said.contains("1 of 2 tests pass"), "{said}");
    write(
        &course,
        "ex02_fail.rs",
        "pub fn add(a: u32, b: u32) -> u32 {\n    if a == 0 && b == 0 { 1 } else { a + b }\n}\n",
    );
    watch.expect_none("-- checking", Duration::from_secs(2));
    watch.send("");
    let said = watch.expect("-- 01.2-fail:", LATER);
    assert!(said.contains("solved, all 2 tests pass"), "{said}");
    watch.send("q");
    assert_eq!(watch.wait_exit(Duration::from_secs(10)).1, Some(0));
}
