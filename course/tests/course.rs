//! `cargo test` verifies the whole course. The solutions' own tests (default members)
//! prove that every solution passes; these tests prove the rest:
//!
//! 1. the manifest, the crates and the book agree;
//! 2. every exercise stub fails every one of its tests;
//! 3. every plausible wrong answer kept in `wrong/` fails at least one test;
//! 4. the book builds with no broken internal link (its code blocks are this crate's
//!    doctests, so `cargo test` runs them too).
//!
//! 2 and 3 run cargo on the same target directory; cargo has released its build lock by
//! the time these tests run, and the nested runs take turns on it for their builds while
//! their tests run side by side.

use course::cargo::{self, parse_test_output};
use course::manifest::Manifest;
use course_verify::{book, verify};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// A nested cargo run may have to compile a whole chapter (and tokio) on a cold cache.
const NESTED_LIMIT: Duration = Duration::from_secs(30 * 60);

/// How many wrong answers are checked at once (see `every_wrong_answer_…`).
const PARALLEL_RUNS: usize = 6;

/// `cargo` for a nested run. Every stub and every wrong answer is a build of its own
/// (each feature set is a new copy of the crate), compiled once and never edited, so
/// incremental compilation would only store caches nobody reads: about half of the
/// target directory, several GiB over the whole course.
fn nested_cargo(root: &Path) -> std::process::Command {
    let mut cmd = cargo::cargo(root);
    cmd.env("CARGO_INCREMENTAL", "0");
    cmd
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn report(problems: &[String], what: &str) {
    assert!(
        problems.is_empty(),
        "{what}:\n\n- {}\n",
        problems.join("\n- ")
    );
}

#[test]
fn the_manifest_the_crates_and_the_book_agree() {
    let problems = verify::problems(&root()).expect("the manifest must load");
    report(&problems, "the course does not agree with itself");
}

#[test]
fn every_stub_fails_every_one_of_its_tests() {
    let root = root();
    let manifest = Manifest::load(&root).unwrap();
    let mut problems = Vec::new();
    for chapter in &manifest.chapters {
        let mut cmd = nested_cargo(&root);
        cmd.args(["test", "--no-fail-fast", "-p", &chapter.package()]);
        let run = cargo::run_captured(cmd, NESTED_LIMIT).expect("cargo must start");
        assert!(
            !run.timed_out,
            "cargo test -p {} did not finish",
            chapter.package()
        );
        let binaries = parse_test_output(&run.text);
        problems.extend(verify::judge_stubs(
            &manifest, chapter, &binaries, &run.text,
        ));
    }
    report(
        &problems,
        "some exercise stubs are not what a learner should start from",
    );
}

#[test]
fn every_wrong_answer_fails_its_exercises_tests() {
    let root = root();
    let manifest = Manifest::load(&root).unwrap();
    let jobs: Vec<_> = manifest
        .exercises
        .iter()
        .flat_map(|e| e.wrong.iter().map(move |w| (e, w)))
        // A wrong answer that only one kernel lets the tests see is tried there only.
        .filter(|(_, w)| w.caught_here())
        .collect();
    // Several cargo runs at once: their builds queue on cargo's lock, but their test
    // runs overlap, and a wrong answer that deadlocks spends its time waiting for its
    // test's timeout, not computing.
    let next = AtomicUsize::new(0);
    let problems = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..PARALLEL_RUNS {
            s.spawn(|| {
                while let Some(&(exercise, wrong)) = jobs.get(next.fetch_add(1, Ordering::SeqCst)) {
                    let chapter = manifest.chapter_of(exercise);
                    let mut cmd = nested_cargo(&root);
                    cmd.args(["test", "--no-fail-fast", "-p", &chapter.wrong_package()])
                        .args(["--features", &wrong.feature, "--test", &exercise.module()])
                        // All tests at once: a wrong answer that deadlocks makes each of
                        // its tests wait out a 10 s limit, better side by side.
                        .args(["--", "--test-threads=16"]);
                    let run = cargo::run_captured(cmd, NESTED_LIMIT).expect("cargo must start");
                    let found = if run.timed_out {
                        Some(format!("the wrong answer {} did not finish", wrong.feature))
                    } else {
                        verify::judge_wrong(
                            exercise,
                            wrong,
                            &parse_test_output(&run.text),
                            &run.text,
                        )
                    };
                    problems.lock().unwrap().extend(found);
                }
            });
        }
    });
    report(
        &problems.into_inner().unwrap(),
        "some wrong answers get past the tests",
    );
}

#[test]
fn the_book_builds_with_no_broken_links() {
    let dest = Path::new(env!("CARGO_TARGET_TMPDIR")).join("book");
    let _ = std::fs::remove_dir_all(&dest);
    let index = book::build(&root(), &dest).unwrap_or_else(|e| panic!("{e:#}"));
    assert!(
        index.is_file(),
        "the book has no first page at {}",
        index.display()
    );
    let introduction = std::fs::read_to_string(&index).unwrap();
    assert!(
        introduction.contains("Async Processing in Rust"),
        "the first page should be the introduction"
    );
    let broken = book::broken_links(&dest).unwrap();
    report(&broken, "the book has broken links");

    // The search box works only if the build wrote its index (mdbook-driver's `search`
    // feature); a word that only chapter 05 uses must lead there.
    let index = book::search_index(&dest)
        .unwrap_or_else(|e| panic!("{e:#}"))
        .expect(
            "the built book has no searchindex.js: build it with mdbook-driver's `search` feature",
        );
    let found = book::search(&index, "corosensei");
    assert!(
        found.iter().any(|url| url.starts_with("ch05-green/")),
        "searching the book for `corosensei` should find chapter 05's pages, found {found:?}"
    );
}
