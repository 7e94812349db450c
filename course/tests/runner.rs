//! The runner, driven as a learner drives it, on a tiny fixture course
//! (`tests/fixture-course`): a solved exercise, a failing one, one that never finishes,
//! one not started and one that does not compile.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// A fresh copy of the fixture course, shared by the tests of this file (they only read
/// it, apart from the progress cache, which is safe to share).
fn course() -> &'static Path {
    static COPY: OnceLock<PathBuf> = OnceLock::new();
    COPY.get_or_init(|| {
        let dest = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fixture-course");
        let _ = std::fs::remove_dir_all(&dest);
        copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixture-course"), &dest);
        dest
    })
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
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
    assert!(out.status.success(), "check of a solved exercise must succeed:\n{said}");
    assert!(said.contains("All 1 tests pass"), "{said}");
    let list = text(&course_cmd(&["list"]));
    let line = list.lines().find(|l| l.contains("01.1-pass")).unwrap();
    assert!(line.contains("solved"), "list must show 01.1-pass solved: {line}");
}

#[test]
fn a_failing_test_shows_its_message_not_cargo_noise() {
    let out = course_cmd(&["check", "01.2"]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(said.contains("✗ two_and_two_make_four"), "{said}");
    assert!(said.contains("expected 2 + 2 = 4, got 5"), "the test's own message: {said}");
    assert!(said.contains("1 of 2 tests pass"), "{said}");
    assert!(said.contains("✓ zero_is_neutral"), "{said}");
    assert!(!said.contains("RUST_BACKTRACE"), "no backtrace note: {said}");
    assert!(said.contains("cargo course hint 01.2-fail"), "offers the hint: {said}");
}

#[test]
fn a_deadlock_is_stopped_and_named() {
    let out = course_cmd(&["check", "01.3-deadlock"]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(said.contains("probably a deadlock or an infinite loop"), "{said}");
}

#[test]
fn a_compile_error_is_shown_readably() {
    let out = course_cmd(&["check", "02.1-broken"]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(said.contains("does not compile"), "{said}");
    assert!(said.contains("mismatched types"), "the compiler's message: {said}");
    assert!(said.contains("ex01_broken.rs"), "the file: {said}");
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
    assert!(said.contains("no exercise or chapter `01.2-fial`"), "{said}");
    assert!(said.contains("Closest: 01.2-fail"), "{said}");
}

#[test]
fn a_hint_is_shown_by_id_or_short_id() {
    for id in ["01.2-fail", "01.2"] {
        let said = text(&course_cmd(&["hint", id]));
        assert!(said.contains("Two and two make four."), "{said}");
    }
}
