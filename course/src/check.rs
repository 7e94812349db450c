//! Checking one exercise: build its tests, run them under a time limit, and say what
//! happened in words a learner can act on.

use crate::cargo::{self, Binary, Captured};
use crate::manifest::{Chapter, Exercise, Manifest};
use anyhow::{Context, Result};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Duration;
use tinyjson::JsonValue;

/// How long building may take. The first build of a chapter compiles its dependencies
/// (tokio and friends) and may take minutes on a small machine; later ones take seconds.
pub const BUILD_LIMIT: Duration = Duration::from_secs(30 * 60);
/// How long the tests of one exercise may run. Each test has its own 10 s limit inside
/// (`support::timeout`); this one catches what escapes it.
pub const RUN_LIMIT: Duration = Duration::from_secs(60);

/// [`RUN_LIMIT`], unless `COURSE_RUN_LIMIT_SECS` says otherwise (the runner's own tests
/// use a short one).
pub fn run_limit() -> Duration {
    std::env::var("COURSE_RUN_LIMIT_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .map_or(RUN_LIMIT, Duration::from_secs)
}

/// The result of checking an exercise.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Every test passed.
    Solved(Binary),
    /// It compiled; some tests failed.
    Failing(Binary),
    /// It did not compile: the compiler's errors.
    CompileError(String),
    /// The tests were still running at the limit: what they printed until then.
    TimedOut(Binary),
}

impl Outcome {
    pub fn is_solved(&self) -> bool {
        matches!(self, Outcome::Solved(_))
    }
}

/// Which crate an exercise is checked in: the learner's (normally) or the solution's
/// (to show that the reference passes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Crate {
    Exercise,
    Solution,
}

/// The file a learner edits for `exercise`, relative to the course root.
pub fn exercise_file(chapter: &Chapter, exercise: &Exercise) -> PathBuf {
    Path::new("exercises")
        .join(&chapter.dir)
        .join("src")
        .join(format!("{}.rs", exercise.module()))
}

/// What a check found, with the end of the raw output for the case the report cannot
/// explain from parsed results: a test binary that aborted before printing any.
#[derive(Debug, Clone)]
pub struct Checked {
    pub outcome: Outcome,
    /// The last lines the test binary printed, when it printed no test result at all.
    pub raw_tail: Option<String>,
}

/// Builds and runs the tests of one exercise.
pub fn check(
    root: &Path,
    manifest: &Manifest,
    exercise: &Exercise,
    which: Crate,
) -> Result<Checked> {
    let never = AtomicBool::new(false);
    Ok(check_cancellable(root, manifest, exercise, which, &never)?.expect("never cancelled"))
}

/// Builds and runs the tests of one exercise; `Ok(None)` if `cancel` was set before it
/// finished (watch mode starts a new check when the learner saves again).
pub fn check_cancellable(
    root: &Path,
    manifest: &Manifest,
    exercise: &Exercise,
    which: Crate,
    cancel: &AtomicBool,
) -> Result<Option<Checked>> {
    let chapter = manifest.chapter_of(exercise);
    let (package, dir) = match which {
        Crate::Exercise => (chapter.package(), "exercises"),
        Crate::Solution => (chapter.solution_package(), "solutions"),
    };
    let module = exercise.module();

    // Build first, separately, so that a slow first build is not mistaken for a
    // deadlock, and so that compile errors come without test noise. Only this exercise's
    // tests: where the chapter has a feature named after the exercise, they are compiled
    // into the library's own test build, so that a save rebuilds one crate; otherwise the
    // one test target and the library it needs.
    let dir = root.join(dir).join(&chapter.dir);
    let quick = quick_tests(&dir, &module);
    let mut build = cargo::cargo(root);
    build.args(["test", "--no-run", "--message-format=json", "-p", &package]);
    match &quick {
        Some(_) => build.args(["--lib", "--features", &module]),
        None => build.args(["--test", &module]),
    };
    let Some(built) = cargo::run_cancellable(build, BUILD_LIMIT, cancel)
        .with_context(|| format!("cannot build the tests of {}", exercise.id))?
    else {
        return Ok(None);
    };
    let target = quick.as_ref().map_or(&module, |q| &q.lib);
    let Some(executable) = find_executable(&built.text, target) else {
        let errors = rendered_errors(&built.text);
        let errors = if errors.is_empty() {
            format!(
                "cargo could not build the tests of {}:\n{}",
                exercise.id,
                built.text.trim()
            )
        } else {
            errors
        };
        return Ok(Some(Checked {
            outcome: Outcome::CompileError(errors),
            raw_tail: None,
        }));
    };

    // Run the test binary directly, where cargo would: in the package's folder.
    let mut run = std::process::Command::new(&executable);
    run.current_dir(&dir)
        // All of the exercise's tests at once: they are small and independent, and when
        // an answer deadlocks, each stuck test waits out its own 10 s limit. Run two at a
        // time (libtest's default here), seven stuck tests would take 40 s to report.
        .arg("--test-threads=16")
        .env("RUST_BACKTRACE", "0")
        .env("CARGO_MANIFEST_DIR", &dir);
    // In the library's test build, only the exercise's tests (not ones of your own), under
    // the names `cargo test` gives them.
    if let Some(quick) = &quick {
        run.arg(&quick.prefix);
    }
    let Some(mut ran) = cargo::run_cancellable(run, run_limit(), cancel)
        .with_context(|| format!("cannot run the tests of {}", exercise.id))?
    else {
        return Ok(None);
    };
    if let Some(quick) = &quick {
        ran.text = quick.as_cargo_test_says(&ran.text);
    }
    let signal = ran.signal.filter(|_| !ran.timed_out);
    let mut checked = checked(&module, ran);
    if let (Some(signal), Outcome::Failing(binary)) = (signal, &mut checked.outcome) {
        let prefix = quick.as_ref().map_or("", |q| q.prefix.as_str());
        let crashed = find_crashing_test(&executable, &dir, prefix, binary, cancel);
        binary.crash = Some(crash_report(signal, crashed.as_deref()));
    }
    Ok(Some(checked))
}

/// The module of a chapter's library that compiles the test files of its exercises into
/// the library's own test build (see the end of any chapter's `src/lib.rs`).
pub const QUICK_TESTS: &str = "exercise_tests";

/// Where the tests of an exercise are compiled into its chapter's library.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quick {
    /// The library's name: its test build is the executable to find.
    pub lib: String,
    /// The start of the tests' names there (`exercise_tests::ex02_codec::`).
    pub prefix: String,
    /// The test files' folder as the compiler names it, and as it is: with `/` and `\`.
    detours: Vec<(String, String)>,
}

impl Quick {
    /// The output of the library's test build as `cargo test` prints the exercise's own
    /// test target: the tests' names without the module they sit in, and the test file's
    /// path without the detour through `src/` that the library's `#[path]` takes
    /// (`exercises/08-frameworks/src/../tests/…` is `exercises/08-frameworks/tests/…`).
    pub fn as_cargo_test_says(&self, output: &str) -> String {
        let mut text = output.replace(&self.prefix, "");
        for (from, to) in &self.detours {
            text = text.replace(from, to);
        }
        text
    }
}

/// How the crate in `crate_dir` (`exercises/08-frameworks`, or the same chapter under
/// `solutions/`) compiles `module`'s tests into its library, if it does: its `Cargo.toml`
/// has a feature named after the exercise. Its `src/lib.rs` finds the test files at
/// [`quick_tests_path`].
pub fn quick_tests(crate_dir: &Path, module: &str) -> Option<Quick> {
    let text = std::fs::read_to_string(crate_dir.join("Cargo.toml")).ok()?;
    let cargo_toml: toml::Table = toml::from_str(&text).ok()?;
    cargo_toml.get("features")?.get(module)?;
    let lib = match cargo_toml.get("lib").and_then(|lib| lib.get("name")) {
        Some(name) => name.as_str()?.to_string(),
        None => cargo_toml
            .get("package")?
            .get("name")?
            .as_str()?
            .replace('-', "_"),
    };
    let chapter = crate_dir.file_name()?.to_str()?;
    let side = crate_dir.parent()?.file_name()?.to_str()?;
    let detours = ['/', '\\']
        .into_iter()
        .map(|sep| {
            let written = quick_tests_path(side, chapter);
            let from = format!("{side}{sep}{chapter}{sep}src{sep}{written}");
            (from, format!("exercises{sep}{chapter}{sep}tests"))
        })
        .collect();
    Some(Quick {
        lib,
        prefix: format!("{QUICK_TESTS}::{module}::"),
        detours,
    })
}

/// The folder of a chapter's test files as its library's `src/lib.rs` names it in the
/// `#[path]` of [`QUICK_TESTS`]: from `exercises/…/src` or `solutions/…/src`.
pub fn quick_tests_path(side: &str, chapter: &str) -> String {
    match side {
        "exercises" => "../tests".to_string(),
        _ => format!("../../../exercises/{chapter}/tests"),
    }
}

/// The test binary died by a signal, which takes every test running at that moment with
/// it. Runs the tests that did not pass one at a time (each under the time limit) and
/// returns the first that dies by a signal on its own. `prefix` starts the names of the
/// exercise's tests in the binary (empty in a test target of their own).
fn find_crashing_test(
    executable: &Path,
    dir: &Path,
    prefix: &str,
    binary: &crate::cargo::Binary,
    cancel: &AtomicBool,
) -> Option<String> {
    let mut list = std::process::Command::new(executable);
    list.current_dir(dir)
        .args(["--list", "--format", "terse", prefix])
        .env("CARGO_MANIFEST_DIR", dir);
    let listed = cargo::run_cancellable(list, run_limit(), cancel).ok()??;
    let passed: Vec<&str> = binary
        .tests
        .iter()
        .filter(|t| t.passed)
        .map(|t| t.name.as_str())
        .collect();
    let names: Vec<String> = listed
        .text
        .lines()
        .filter_map(|line| line.strip_suffix(": test")?.strip_prefix(prefix))
        .filter(|name| !passed.contains(name))
        .map(str::to_string)
        .collect();
    names.into_iter().find(|name| {
        let mut one = std::process::Command::new(executable);
        one.current_dir(dir)
            .args(["--exact", &format!("{prefix}{name}"), "--test-threads=1"])
            .env("RUST_BACKTRACE", "0")
            .env("CARGO_MANIFEST_DIR", dir);
        cargo::run_cancellable(one, run_limit(), cancel)
            .ok()
            .flatten()
            .is_some_and(|ran| ran.signal.is_some() && !ran.timed_out)
    })
}

/// What to say about a test binary that died by `signal`; `crashed` is the test that
/// crashed when run alone, if one did.
pub fn crash_report(signal: i32, crashed: Option<&str>) -> Vec<String> {
    let (name, meaning) = cargo::signal_meaning(signal);
    let mut lines = vec![format!("The test program was killed by {name}.")];
    match crashed {
        Some(test) => lines.push(format!(
            "Run one at a time, the test that crashes is `{test}`."
        )),
        None => lines.push(
            "Run one at a time, no test crashed on its own: the crash needs several tests \
             running together."
                .to_string(),
        ),
    }
    lines.push(format!("What it usually means: {meaning}."));
    lines
}

fn checked(module: &str, ran: Captured) -> Checked {
    // libtest prints no "Running" line of its own: add the one cargo would have printed.
    let text = format!("     Running tests/{module}.rs\n{}", ran.text);
    let binary = cargo::parse_test_output(&text).pop().unwrap_or_default();
    let nothing_ran = binary.tests.is_empty() && binary.ignored.is_empty();
    let raw_tail = (nothing_ran && !ran.text.trim().is_empty()).then(|| {
        let lines: Vec<&str> = ran.text.lines().collect();
        lines[lines.len().saturating_sub(15)..].join("\n")
    });
    let outcome = if ran.timed_out {
        Outcome::TimedOut(binary)
    } else if ran.success && binary.finished && !nothing_ran && binary.failed() == 0 {
        // (Tests ignored for this system count as nothing to do: see `ui::report`.)
        Outcome::Solved(binary)
    } else {
        Outcome::Failing(binary)
    };
    Checked { outcome, raw_tail }
}

/// Cargo's JSON messages (one object per line), skipping any line that is not one.
fn messages(json: &str) -> impl Iterator<Item = JsonValue> + '_ {
    json.lines()
        .filter_map(|line| line.parse::<JsonValue>().ok())
}

/// The value at `path` in a message (`["target", "name"]`), if it is there.
fn field<'a>(message: &'a JsonValue, path: &[&str]) -> Option<&'a JsonValue> {
    path.iter().try_fold(message, |value, key| {
        value.get::<HashMap<String, JsonValue>>()?.get(*key)
    })
}

/// The string at `path` in a message, if there is one.
fn text<'a>(message: &'a JsonValue, path: &[&str]) -> Option<&'a str> {
    field(message, path)?.get::<String>().map(String::as_str)
}

/// The path of the test executable for `target` in cargo's JSON messages.
fn find_executable(json: &str, target: &str) -> Option<PathBuf> {
    messages(json)
        .filter(|m| {
            text(m, &["reason"]) == Some("compiler-artifact")
                && text(m, &["target", "name"]) == Some(target)
        })
        .find_map(|m| text(&m, &["executable"]).map(PathBuf::from))
}

/// The compiler's error messages in cargo's JSON messages, rendered as rustc prints them.
fn rendered_errors(json: &str) -> String {
    let mut out = String::new();
    for message in messages(json).filter(|m| text(m, &["reason"]) == Some("compiler-message")) {
        if text(&message, &["message", "level"]) == Some("error")
            && let Some(rendered) = text(&message, &["message", "rendered"])
        {
            out.push_str(rendered);
        }
    }
    if out.is_empty() {
        // Not a compiler error: cargo itself complained (a broken Cargo.toml, say).
        out = cargo::compile_errors(json);
    }
    out.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::{find_executable, quick_tests, rendered_errors};
    use std::path::PathBuf;

    // Lines as cargo writes them (shortened), with the escapes a Windows path and a
    // rendered diagnostic carry, and a line that is not JSON at all.
    const MESSAGES: &str = r#"warning: not JSON, cargo's own
{"reason":"compiler-artifact","target":{"name":"ch01_sync","kind":["lib"]},"executable":null,"fresh":true}
{"reason":"compiler-message","message":{"level":"warning","rendered":"warning: unused\n"}}
{"reason":"compiler-message","message":{"level":"error","rendered":"error[E0308]: mismatched types\n  --> src\\ex01.rs:3:5\n   = note: \"found\" \u00e9\n"}}
{"reason":"compiler-artifact","target":{"name":"ex01_sequence","kind":["test"]},"executable":"C:\\course\\target\\debug\\deps\\ex01_sequence-0a1b.exe","fresh":false}
{"reason":"build-finished","success":true}
"#;

    #[test]
    fn the_test_executable_is_the_named_targets() {
        assert_eq!(
            find_executable(MESSAGES, "ex01_sequence"),
            Some(PathBuf::from(
                r"C:\course\target\debug\deps\ex01_sequence-0a1b.exe"
            ))
        );
        assert_eq!(
            find_executable(MESSAGES, "ch01_sync"),
            None,
            "a library has none"
        );
        assert_eq!(find_executable(MESSAGES, "ex02_idle"), None);
    }

    #[test]
    fn only_errors_are_rendered_with_their_escapes_undone() {
        assert_eq!(
            rendered_errors(MESSAGES),
            "error[E0308]: mismatched types\n  --> src\\ex01.rs:3:5\n   = note: \"found\" é"
        );
    }

    #[test]
    fn a_quick_build_is_declared_by_a_feature_named_after_the_exercise() {
        let dir = std::env::temp_dir().join(format!("course-quick-{}", std::process::id()));
        let chapter = dir.join("solutions").join("08-frameworks");
        std::fs::create_dir_all(&chapter).unwrap();
        std::fs::write(
            chapter.join("Cargo.toml"),
            "[package]\nname = \"ch08-frameworks-solution\"\n[lib]\nname = \"ch08_frameworks\"\n\
             [features]\nex02_codec = []\nconsole = []\n",
        )
        .unwrap();
        let quick = quick_tests(&chapter, "ex02_codec").expect("declared");
        assert_eq!(
            quick.lib, "ch08_frameworks",
            "the library's name, not the package's"
        );
        assert_eq!(quick.prefix, "exercise_tests::ex02_codec::");
        assert_eq!(
            quick_tests(&chapter, "ex01_deferred"),
            None,
            "no feature, no quick build"
        );
        assert_eq!(quick_tests(&dir.join("nowhere"), "ex02_codec"), None);

        // What the test binary says, as `cargo test` says it of the test target: on Unix,
        // and with the separators a Windows compiler joins the `#[path]` with.
        let said = "test exercise_tests::ex02_codec::encodes ... FAILED\n\
            thread 'exercise_tests::ex02_codec::encodes' panicked at \
            solutions/08-frameworks/src/../../../exercises/08-frameworks/tests/ex02_codec.rs:9:5\n\
            panicked at solutions\\08-frameworks\\src\\../../../exercises/08-frameworks/tests\\ex02_codec.rs:9:5\n";
        assert_eq!(
            quick.as_cargo_test_says(said),
            "test encodes ... FAILED\n\
             thread 'encodes' panicked at exercises/08-frameworks/tests/ex02_codec.rs:9:5\n\
             panicked at exercises\\08-frameworks\\tests\\ex02_codec.rs:9:5\n"
        );
        let exercises = dir.join("exercises").join("08-frameworks");
        std::fs::create_dir_all(&exercises).unwrap();
        std::fs::copy(chapter.join("Cargo.toml"), exercises.join("Cargo.toml")).unwrap();
        let quick = quick_tests(&exercises, "ex02_codec").unwrap();
        assert_eq!(
            quick.as_cargo_test_says("at exercises/08-frameworks/src/../tests/ex02_codec.rs:9:5"),
            "at exercises/08-frameworks/tests/ex02_codec.rs:9:5"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
