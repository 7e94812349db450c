//! The runner, driven as a learner drives it, on a tiny fixture course
//! (`tests/fixture-course`): a solved exercise, a failing one, one that never finishes,
//! one not started and one that does not compile.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// A fresh copy of the fixture course, shared by the tests of this file (they only read
/// it, apart from the progress cache, which is safe to share).
fn course() -> &'static Path {
    static COPY: OnceLock<PathBuf> = OnceLock::new();
    COPY.get_or_init(|| common::fixture_copy("fixture-course"))
}

fn course_cmd(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_course"))
        .args(args)
        .current_dir(course())
        .env("NO_COLOR", "1")
        .env("COURSE_RUN_LIMIT_SECS", "5")
        .output()
        .expect("the runner must start")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn a_solved_exercise_passes_and_is_listed_as_solved() {
    let out = course_cmd(&["check", "01.1-pass"]);
    let said = text(&out);
    assert!(
        out.status.success(),
        "check of a solved exercise must succeed:\n{said}"
    );
    assert!(said.contains("All 1 tests pass"), "{said}");
    let list = text(&course_cmd(&["list"]));
    let line = list.lines().find(|l| l.contains("01.1-pass")).unwrap();
    assert!(
        line.contains("solved"),
        "list must show 01.1-pass solved: {line}"
    );
}

#[test]
fn a_failing_test_shows_its_message_not_cargo_noise() {
    let out = course_cmd(&["check", "01.2"]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(said.contains("✗ two_and_two_make_four"), "{said}");
    assert!(
        said.contains("expected 2 + 2 = 4, got 5"),
        "the test's own message: {said}"
    );
    assert!(said.contains("1 of 2 tests pass"), "{said}");
    assert!(said.contains("✓ zero_is_neutral"), "{said}");
    assert!(
        !said.contains("RUST_BACKTRACE"),
        "no backtrace note: {said}"
    );
    assert!(
        said.contains("cargo course hint 01.2-fail"),
        "offers the hint: {said}"
    );
    // 01.2 is checked in the library's own test build (the fixture's chapter has a feature
    // named after it): the learner sees what `cargo test` would say of its test target.
    assert!(
        said.contains("exercises/01-demo/tests/ex02_fail.rs:"),
        "the failing line, in the test file as `cargo test` names it: {said}"
    );
    assert!(
        !said.contains("exercise_tests") && !said.contains("src/../"),
        "nothing of the way the quick build is put together: {said}"
    );
    assert!(
        !said.contains("my_own_test"),
        "a test of the learner's own in the exercise's file is not the exercise's: {said}"
    );
}

#[test]
fn a_deadlock_is_stopped_and_named() {
    let out = course_cmd(&["check", "01.3-deadlock"]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(
        said.contains("probably a deadlock or an infinite loop"),
        "{said}"
    );
}

#[test]
fn a_compile_error_is_shown_readably() {
    let out = course_cmd(&["check", "02.1-broken"]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(said.contains("does not compile"), "{said}");
    assert!(
        said.contains("mismatched types"),
        "the compiler's message: {said}"
    );
    assert!(said.contains("ex01_broken.rs"), "the file: {said}");
}

#[test]
fn progress_tells_solved_changed_attempted_and_not_started_from_what_was_checked() {
    // A copy of its own: this test edits a file.
    let course = common::fixture_copy("progress");
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_course"))
            .args(args)
            .current_dir(&course)
            .env("NO_COLOR", "1")
            .env("COURSE_RUN_LIMIT_SECS", "5")
            .output()
            .expect("the runner must start");
        text(&out)
    };
    let status = |id: &str| {
        let list = run(&["list"]);
        let line = list.lines().find(|l| l.contains(id)).unwrap_or_default();
        line.split_whitespace()
            .next()
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(status("01.1-pass"), "not", "never checked: not started");
    run(&["check", "01.1-pass"]);
    run(&["check", "01.2-fail"]);
    run(&["check", "01.4-stub"]);
    assert_eq!(status("01.1-pass"), "solved");
    assert_eq!(status("01.2-fail"), "attempted", "checked and failing");
    assert_eq!(
        status("01.4-stub"),
        "attempted",
        "a stub that was checked is attempted, though it still holds its todo!()"
    );
    // Edited after it passed: its result no longer holds, and the list says so.
    let file = course.join("exercises/01-demo/src/ex01_pass.rs");
    let mut text_now = std::fs::read_to_string(&file).unwrap();
    text_now.push_str("\n// Fill in the `todo!()`s: a comment that quotes the stub's header.\n");
    std::fs::write(&file, text_now).unwrap();
    assert_eq!(
        status("01.1-pass"),
        "changed",
        "a solved exercise edited since it passed is `changed`, whatever its text says"
    );
    run(&["check", "01.1-pass"]);
    assert_eq!(status("01.1-pass"), "solved", "checked again, solved again");
}

#[test]
fn an_untouched_stub_is_not_started_until_checked() {
    let list = text(&course_cmd(&["list"]));
    let line = list.lines().find(|l| l.contains("01.4-stub")).unwrap();
    assert!(line.contains("not started"), "{line}");
}

#[test]
fn an_unknown_id_fails_with_the_closest_ids() {
    let out = course_cmd(&["check", "01.2-fial"]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(
        said.contains("no exercise or chapter `01.2-fial`"),
        "{said}"
    );
    assert!(said.contains("Closest: 01.2-fail"), "{said}");
}

#[test]
fn a_hint_is_shown_by_id_or_short_id() {
    for id in ["01.2-fail", "01.2"] {
        let said = text(&course_cmd(&["hint", id]));
        assert!(said.contains("Two and two make four."), "{said}");
    }
}

#[test]
fn a_hint_comes_one_step_at_a_time() {
    let first = text(&course_cmd(&["hint", "01.2-fail"]));
    assert!(first.contains("Step 1 of 2"), "{first}");
    assert!(
        !first.contains("Look at the operator"),
        "the first step alone: {first}"
    );
    assert!(
        first.contains("cargo course hint 01.2-fail 2"),
        "says how to see the next step: {first}"
    );
    let both = text(&course_cmd(&["hint", "01.2-fail", "2"]));
    assert!(
        both.contains("Two and two make four.") && both.contains("Look at the operator"),
        "{both}"
    );
    assert!(
        !both.contains("shows the next step"),
        "no step after the last: {both}"
    );
}

#[test]
fn the_page_to_read_is_the_built_book_or_the_online_one() {
    let course = common::fixture_copy("page-link");
    let hint = || {
        let out = Command::new(env!("CARGO_BIN_EXE_course"))
            .args(["hint", "01.1-pass"])
            .current_dir(&course)
            .env("NO_COLOR", "1")
            .output()
            .expect("the runner must start");
        text(&out)
    };
    let online = hint();
    assert!(
        online.contains("https://async-processing-in-rust.github.io/course/"),
        "with no local build, the online book: {online}"
    );
    assert!(
        !online.contains("book/src/"),
        "not the Markdown source: {online}"
    );
    // Once `cargo course book` has built the book, the local page.
    let list = std::fs::read_to_string(course.join("exercises/course.toml")).unwrap();
    let page = list
        .lines()
        .find_map(|l| l.strip_prefix("book = \""))
        .and_then(|l| l.strip_suffix(".md\""))
        .expect("the fixture's first page");
    let built = course.join("book/build").join(format!("{page}.html"));
    std::fs::create_dir_all(built.parent().unwrap()).unwrap();
    std::fs::write(&built, "<html></html>").unwrap();
    let local = hint();
    assert!(
        local.contains("file://") && local.contains(&format!("{page}.html")),
        "with a local build, its page: {local}"
    );
}

#[test]
fn a_test_that_prints_megabytes_does_not_flood_the_screen() {
    let out = course_cmd(&["check", "01.5-noisy"]);
    let said = text(&out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        &said[..said.len().min(2000)]
    );
    assert!(
        said.contains("✗ is_quiet"),
        "{}",
        &said[..said.len().min(2000)]
    );
    assert!(said.len() < 20_000, "{} bytes printed", said.len());
    assert!(
        !said.contains('\x1b'),
        "the test's escape sequences must not reach the terminal"
    );
}

#[test]
fn a_test_binary_killed_by_a_signal_is_explained() {
    let said = text(&course_cmd(&[
        "check",
        "01.6-crash-in-a-hand-written-switch",
    ]));
    assert!(said.contains("killed by SIGSEGV"), "{said}");
    assert!(
        said.contains("the test that crashes is `the_switch_crashes`"),
        "the crashing test must be found by running the tests one at a time: {said}"
    );
    assert!(said.contains("misaligned stack"), "{said}");
}

#[test]
fn long_ids_stay_in_their_column() {
    let list = text(&course_cmd(&["list"]));
    let columns: Vec<usize> = list
        .lines()
        .filter(|l| l.contains("An exercise"))
        .map(|l| l.find("An exercise").unwrap())
        .collect();
    assert!(
        columns.windows(2).all(|w| w[0] == w[1]),
        "every title must start in one column:\n{list}"
    );
}

fn course_in(course: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_course"))
        .args(args)
        .current_dir(course)
        .env("NO_COLOR", "1")
        .output()
        .expect("the runner must start")
}

fn git(course: &Path, args: &[&str]) -> bool {
    Command::new("git")
        .args([
            "-c",
            "user.name=course",
            "-c",
            "user.email=course@example.invalid",
        ])
        .args(args)
        .current_dir(course)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn reset_brings_the_stub_back_and_keeps_the_learners_file() {
    let course = common::fixture_copy("runner-reset");
    // The stub's original is the one in git: make the copy a clone-like checkout.
    if !(git(&course, &["init", "-q"])
        && git(&course, &["add", "-A"])
        && git(&course, &["commit", "-qm", "stubs"]))
    {
        eprintln!("git is not available: skipping the reset test");
        return;
    }
    let file = course.join("exercises/01-demo/src/ex04_stub.rs");
    let stub = std::fs::read_to_string(&file).unwrap();
    let mine = "pub fn answer() -> u32 {\n    41 // almost\n}\n";
    std::fs::write(&file, mine).unwrap();

    let out = course_in(&course, &["reset", "01.4"]);
    let said = text(&out);
    assert!(out.status.success(), "{said}");
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        stub,
        "the stub is back: {said}"
    );
    let backup = said
        .split_whitespace()
        .find(|w| w.contains(".course/backups/01.4-stub-"))
        .unwrap_or_else(|| panic!("it must print where the learner's version went: {said}"));
    assert_eq!(
        std::fs::read_to_string(course.join(backup)).unwrap(),
        mine,
        "{said}"
    );

    let again = text(&course_in(&course, &["reset", "01.4-stub"]));
    assert!(again.contains("already the stub"), "{again}");
}

#[test]
fn reset_outside_git_fails_clearly_and_touches_nothing() {
    let course = common::fixture_copy("runner-reset-no-git");
    let file = course.join("exercises/01-demo/src/ex04_stub.rs");
    std::fs::write(&file, "// mine\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_course"))
        .args(["reset", "01.4"])
        .current_dir(&course)
        .env("NO_COLOR", "1")
        // Not the repository this test runs in, if any.
        .env("GIT_CEILING_DIRECTORIES", course.parent().unwrap())
        .output()
        .unwrap();
    let said = text(&out);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(said.contains("original stub"), "{said}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "// mine\n");
    assert!(
        !course.join(".course/backups").exists(),
        "no backup without a reset"
    );
}

#[test]
fn reset_and_solution_name_the_closest_ids_for_an_unknown_one() {
    for command in ["reset", "solution"] {
        let out = course_cmd(&[command, "01.4-stbu"]);
        let said = text(&out);
        assert_eq!(out.status.code(), Some(2), "{said}");
        assert!(said.contains("Closest: 01.4-stub"), "{said}");
    }
}

#[test]
fn the_solution_is_offered_once_solved_or_with_force() {
    let course = common::fixture_copy("runner-solution");
    let out = course_in(&course, &["solution", "01.2"]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(2), "not solved yet: {said}");
    assert!(said.contains("--force"), "{said}");

    let out = course_in(&course, &["solution", "01.2", "--force"]);
    let said = text(&out);
    assert!(out.status.success(), "{said}");
    assert!(said.contains("if a == 0 && b == 0"), "the solution: {said}");
    assert!(
        said.contains("-pub fn add(a: u32, b: u32) -> u32 { a * b + 1 }"),
        "the diff: {said}"
    );

    assert!(course_in(&course, &["check", "01.1"]).status.success());
    let said = text(&course_in(&course, &["solution", "01.1"]));
    assert!(said.contains("same as the solution"), "{said}");
}
