//! What the runs of a chapter's stubs and wrong answers must show: the `course` crate's
//! tests run them through cargo and ask these judges.

use course::cargo::Binary;
use course::manifest::{Chapter, Exercise, Manifest, Wrong};

/// What is wrong with a run of a chapter's *stubs*: each exercise's test binary must have
/// compiled and run, and every one of its tests must have failed. A test that a stub
/// passes checks nothing.
pub fn judge_stubs(
    manifest: &Manifest,
    chapter: &Chapter,
    binaries: &[Binary],
    output: &str,
) -> Vec<String> {
    let mut found = Vec::new();
    for exercise in manifest.exercises_of(chapter) {
        let module = exercise.module();
        let Some(binary) = binaries.iter().find(|b| b.name == module) else {
            found.push(format!(
                "the stub of {} did not build or its tests did not run (`cargo test -p {}`):\n{}",
                exercise.id,
                chapter.package(),
                course::cargo::compile_errors(output)
            ));
            continue;
        };
        // Tests ignored for this system (05.5's switch off Unix) are not there to fail.
        if binary.tests.is_empty() && binary.ignored.is_empty() {
            found.push(format!("{} has no tests in tests/{module}.rs", exercise.id));
        }
        for test in binary.tests.iter().filter(|t| t.passed) {
            found.push(format!(
                "the stub of {} passes its test `{}`: a test that the untouched stub passes checks nothing (exercises/{}/tests/{module}.rs)",
                exercise.id, test.name, chapter.dir
            ));
        }
    }
    found
}

/// What is wrong with a run of one wrong answer: it must compile, and at least one of its
/// exercise's tests must fail.
pub fn judge_wrong(
    exercise: &Exercise,
    wrong: &Wrong,
    binaries: &[Binary],
    output: &str,
) -> Option<String> {
    let module = exercise.module();
    match binaries.iter().find(|b| b.name == module) {
        None => Some(format!(
            "the wrong answer `{}` of {} does not build, so it proves nothing:\n{}",
            wrong.feature,
            exercise.id,
            course::cargo::compile_errors(output)
        )),
        Some(binary) if binary.tests.is_empty() => Some(format!(
            "the tests of {} did not run against the wrong answer `{}`",
            exercise.id, wrong.feature
        )),
        Some(binary) if binary.failed() == 0 => Some(format!(
            "the wrong answer `{}` of {} ({}) passes every test: the tests do not catch this mistake",
            wrong.feature, exercise.id, wrong.why
        )),
        Some(_) => None,
    }
}
