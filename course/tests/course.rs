//! `cargo test` verifies the whole course. The solutions' own tests (default members)
//! prove that every solution passes; these tests prove the rest:
//!
//! 1. the manifest, the crates and the book agree;
//! 2. every exercise stub fails every one of its tests;
//! 3. every plausible wrong answer kept in `wrong/` fails at least one test;
//! 4. the book builds with no broken internal link (its code blocks are this crate's
//!    doctests, so `cargo test` runs them too);
//! 5. the runner's quick builds (an exercise's test file compiled into its chapter
//!    library's own test build) run the same tests with the same verdicts: every stub
//!    fails each, every solution passes each.
//!
//! 2 runs cargo on the same target directory; cargo has released its build lock by the
//! time these tests run. 3 runs cargo in lanes, one target directory per core (see
//! `lanes`): within a lane the runs take turns on cargo's build lock while their tests
//! run side by side.

use course::cargo::{self, Binary, parse_test_output};
use course::check::{QUICK_TESTS, quick_tests};
use course::manifest::{Chapter, Exercise, Manifest, Wrong};
use course_verify::{book, verify};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

/// A nested cargo run may have to compile a whole chapter (and tokio) on a cold cache.
const NESTED_LIMIT: Duration = Duration::from_secs(30 * 60);

/// How many wrong answers each lane checks at once (see `lanes`): their builds take turns
/// on the lane's build lock, but their test runs overlap, and a wrong answer that
/// deadlocks spends its time waiting for its test's timeout, not computing.
const PARALLEL_RUNS: usize = 3;

/// Most of a wrong answer's time goes into compiling its test binary, and rustc uses
/// about one core for that; cargo's build lock lets one build run per target directory.
/// So the wrong answers run in lanes, each with a target directory of its own (the
/// first lane uses the course's; the others sit under `target/tmp` and build the
/// dependencies once, about 1 GiB each), one more lane than there are cores, since a
/// lane also waits on cargo and on its tests. Measured on two cores: chapter 06's 40 wrong
/// answers, 95 s in one lane and 60 s in two; all 388, 12.4 min in two lanes (one of them
/// cold) and 8.3 min in three (one cold).
fn lanes() -> usize {
    std::thread::available_parallelism().map_or(1, |n| (n.get() + 1).min(4))
}

type Job<'a> = (&'a Exercise, &'a Wrong);

/// The wrong answers, a chapter at a time, for the lanes to take as they free up: a lane
/// runs all of a chapter's, so that it builds the dependencies of the chapters it took
/// only (SQLite's C source for chapter 10, axum for 08, …). The chapters with the most
/// go first, and whichever lane finishes first takes the next: how long a chapter's wrong
/// answers take (08's wait on sockets) cannot be known from their number.
struct Chapters<'a> {
    /// Chapters not yet taken, the largest last (taken with `pop`).
    waiting: Mutex<Vec<Vec<Job<'a>>>>,
    /// Each lane's chapter in progress: the wrong answers its runs have not taken.
    current: Vec<Mutex<Vec<Job<'a>>>>,
}

impl<'a> Chapters<'a> {
    fn new(manifest: &Manifest, jobs: &[Job<'a>], lanes: usize) -> Self {
        let mut waiting: Vec<Vec<Job<'a>>> = manifest
            .chapters
            .iter()
            .map(|c| {
                let of = |(e, _): &&Job| e.chapter_number() == c.number();
                jobs.iter().filter(of).rev().copied().collect()
            })
            .filter(|chapter: &Vec<Job>| !chapter.is_empty())
            .collect();
        waiting.sort_by_key(Vec::len);
        Chapters {
            waiting: Mutex::new(waiting),
            current: (0..lanes).map(|_| Mutex::new(Vec::new())).collect(),
        }
    }

    /// The next wrong answer for a run of `lane`: from its chapter, or from the next one.
    fn next(&self, lane: usize) -> Option<Job<'a>> {
        let mut current = self.current[lane].lock().unwrap();
        if current.is_empty() {
            *current = self.waiting.lock().unwrap().pop()?;
        }
        current.pop()
    }
}

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
        // The runner's quick build of the same stubs: the same tests, each failing.
        let (quick, output) = quick_runs(&root, &manifest, chapter, "exercises");
        for ran in &quick {
            let names = |b: &Binary| {
                let mut names: Vec<String> = b.tests.iter().map(|t| t.name.clone()).collect();
                names.extend(b.ignored.iter().cloned());
                names.sort();
                names
            };
            match binaries.iter().find(|b| b.name == ran.name) {
                Some(integration) if names(integration) != names(ran) => problems.push(format!(
                    "the runner's quick build of {} runs the tests {:?}, `cargo test` runs {:?}",
                    ran.name,
                    names(ran),
                    names(integration)
                )),
                _ => {}
            }
            if ran.tests.is_empty() && ran.ignored.is_empty() {
                problems.push(format!(
                    "the runner's quick build of {} in {} ran no tests:\n{}",
                    ran.name,
                    chapter.package(),
                    cargo::compile_errors(&output)
                ));
            }
            for test in ran.tests.iter().filter(|t| t.passed) {
                problems.push(format!(
                    "in the runner's quick build, the stub of {} passes its test `{}`",
                    ran.name, test.name
                ));
            }
        }
    }
    report(
        &problems,
        "some exercise stubs are not what a learner should start from",
    );
}

/// The runner checks an exercise in its chapter library's own test build when the
/// chapter has a feature named after it (`course::check::quick_tests`). Builds that once
/// for all of them on one `side` of `chapter` ("exercises" or "solutions"), then runs
/// each exercise's tests in a process of their own, as `cargo test` runs a test target.
/// Returns them named as `cargo test` names them, one binary per exercise, and the
/// output of everything.
fn quick_runs(
    root: &Path,
    manifest: &Manifest,
    chapter: &Chapter,
    side: &str,
) -> (Vec<Binary>, String) {
    let dir = root.join(side).join(&chapter.dir);
    let package = match side {
        "exercises" => chapter.package(),
        _ => chapter.solution_package(),
    };
    let quick: Vec<_> = manifest
        .exercises_of(chapter)
        .filter_map(|e| Some((e.module(), quick_tests(&dir, &e.module())?)))
        .collect();
    let features: Vec<&str> = quick.iter().map(|(m, _)| m.as_str()).collect();
    let mut binaries = Vec::new();
    let mut output = String::new();
    for (module, how) in &quick {
        let mut cmd = nested_cargo(root);
        cmd.args(["test", "-p", &package, "--lib", "--features"])
            .arg(features.join(","))
            .args(["--", &format!("{QUICK_TESTS}::{module}::")]);
        let run = cargo::run_captured(cmd, NESTED_LIMIT).expect("cargo must start");
        assert!(
            !run.timed_out,
            "the quick build of {module} in {package} did not finish"
        );
        let text = how.as_cargo_test_says(&run.text);
        let mut binary = parse_test_output(&text).pop().unwrap_or_default();
        binary.name = module.clone();
        binary.path = format!("tests/{module}.rs");
        binaries.push(binary);
        output.push_str(&text);
    }
    (binaries, output)
}

#[test]
fn every_solution_passes_its_tests_in_the_runners_quick_build() {
    let root = root();
    let manifest = Manifest::load(&root).unwrap();
    let mut problems = Vec::new();
    for chapter in &manifest.chapters {
        let (quick, output) = quick_runs(&root, &manifest, chapter, "solutions");
        for ran in &quick {
            let failed: Vec<&str> = ran
                .tests
                .iter()
                .filter(|t| !t.passed)
                .map(|t| t.name.as_str())
                .collect();
            if ran.tests.is_empty() && ran.ignored.is_empty() {
                problems.push(format!(
                    "the runner's quick build of the solution of {} ran no tests:\n{}",
                    ran.name,
                    cargo::compile_errors(&output)
                ));
            } else if !failed.is_empty() || !ran.finished {
                problems.push(format!(
                    "in the runner's quick build, the solution of {} fails {failed:?}",
                    ran.name
                ));
            }
        }
    }
    report(
        &problems,
        "the runner's quick build does not agree with `cargo test`",
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
    let lanes = lanes();
    let chapters = Chapters::new(&manifest, &jobs, lanes);
    let problems = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for run in 0..PARALLEL_RUNS * lanes {
            let lane = run % lanes;
            let (root, manifest, chapters, problems) = (&root, &manifest, &chapters, &problems);
            s.spawn(move || {
                while let Some((exercise, wrong)) = chapters.next(lane) {
                    let chapter = manifest.chapter_of(exercise);
                    let mut cmd = nested_cargo(root);
                    if lane > 0 {
                        let dir =
                            Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("lane-{lane}"));
                        cmd.env("CARGO_TARGET_DIR", dir);
                    }
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
