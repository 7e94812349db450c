//! Checking one exercise in a way that can be called off: watch mode starts a check on
//! every save, and must stop it (with the test binary and anything it started) when the
//! learner saves again or quits while a deadlocked test is still running.
//!
//! It does what `course::check::check` does (build the one test target, then run its
//! binary under a time limit), but every child process it waits for also watches a
//! cancel flag.

use anyhow::{Context, Result};
use course::cargo::{self, Captured, OUTPUT_CAP};
use course::check::{Outcome, run_limit};
use course::manifest::{Exercise, Manifest};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// How long building may take (the first build of a chapter compiles tokio and friends).
const BUILD_LIMIT: Duration = course::check::BUILD_LIMIT;

/// What a check found, with the end of the raw output for the cases the report cannot
/// explain from parsed test results (a test binary that aborted before printing any).
#[derive(Debug, Clone)]
pub struct Checked {
    pub outcome: Outcome,
    /// The last lines the test binary printed, when it printed no test result at all.
    pub raw_tail: Option<String>,
}

/// Builds and runs the tests of `exercise` in the learner's crate. `Ok(None)` means the
/// check was cancelled through `cancel` before it finished.
pub fn check(
    root: &Path,
    manifest: &Manifest,
    exercise: &Exercise,
    cancel: &AtomicBool,
) -> Result<Option<Checked>> {
    let chapter = manifest.chapter_of(exercise);
    let package = chapter.package();
    let module = exercise.module();

    // Only the one test target (and the chapter's library it needs): no other exercise's
    // tests, no doctests, no unit tests. After the first build that is one small crate and
    // one link, a fraction of a second.
    let mut build = cargo::cargo(root);
    build.args(["test", "--no-run", "--message-format=json", "-p", &package, "--test", &module]);
    let Some(built) =
        run(build, BUILD_LIMIT, cancel).with_context(|| format!("cannot build the tests of {}", exercise.id))?
    else {
        return Ok(None);
    };
    let Some(executable) = find_executable(&built.text, &module) else {
        let errors = rendered_errors(&built.text);
        let errors = if errors.is_empty() {
            format!("cargo could not build the tests of {}:\n{}", exercise.id, built.text.trim())
        } else {
            errors
        };
        return Ok(Some(Checked { outcome: Outcome::CompileError(errors), raw_tail: None }));
    };

    // Run the test binary directly, where cargo would: in the package's folder.
    let dir = root.join("exercises").join(&chapter.dir);
    let mut test = Command::new(&executable);
    test.current_dir(&dir)
        .env("RUST_BACKTRACE", "0")
        .env("CARGO_MANIFEST_DIR", &dir);
    let Some(ran) =
        run(test, run_limit(), cancel).with_context(|| format!("cannot run the tests of {}", exercise.id))?
    else {
        return Ok(None);
    };
    Ok(Some(checked(&module, ran)))
}

fn checked(module: &str, ran: Captured) -> Checked {
    // libtest prints no "Running" line of its own: add the one cargo would have printed.
    let text = format!("     Running tests/{module}.rs\n{}", ran.text);
    let binary = cargo::parse_test_output(&text).pop().unwrap_or_default();
    let raw_tail = (binary.tests.is_empty() && !ran.text.trim().is_empty()).then(|| {
        let lines: Vec<&str> = ran.text.lines().collect();
        lines[lines.len().saturating_sub(15)..].join("\n")
    });
    let outcome = if ran.timed_out {
        Outcome::TimedOut(binary)
    } else if ran.success && binary.finished && !binary.tests.is_empty() && binary.failed() == 0 {
        Outcome::Solved(binary)
    } else {
        Outcome::Failing(binary)
    };
    Checked { outcome, raw_tail }
}

/// The path of the test executable for `target` in cargo's JSON messages.
fn find_executable(json: &str, target: &str) -> Option<PathBuf> {
    json.lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == target)
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
}

/// The compiler's errors in cargo's JSON messages, rendered as rustc prints them.
fn rendered_errors(json: &str) -> String {
    let mut out = String::new();
    for message in json
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|m| m["reason"] == "compiler-message")
    {
        let diagnostic = &message["message"];
        if diagnostic["level"] == "error"
            && let Some(rendered) = diagnostic["rendered"].as_str()
        {
            out.push_str(rendered);
        }
    }
    if out.is_empty() {
        out = cargo::compile_errors(json);
    }
    out.trim_end().to_string()
}

/// Runs `cmd` with stdout and stderr merged, like [`cargo::run_captured`], but also
/// stops it (and the processes it started) as soon as `cancel` is set. `Ok(None)`:
/// cancelled.
pub fn run(mut cmd: Command, limit: Duration, cancel: &AtomicBool) -> Result<Option<Captured>> {
    let (reader, writer) = std::io::pipe().context("cannot create a pipe")?;
    cmd.stdin(Stdio::null())
        .stdout(writer.try_clone().context("cannot duplicate a pipe")?)
        .stderr(writer);
    #[cfg(unix)]
    {
        // Its own process group, so that stopping it stops the test binaries or the
        // compilers it started too.
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
    }
    let program = format!("{:?}", cmd.get_program());
    let mut child = cmd
        .spawn()
        .with_context(|| format!("cannot start {program}: is it installed and on PATH?"))?;
    drop(cmd);

    let text = Arc::new(Mutex::new(Vec::<u8>::new()));
    let collector = {
        let text = Arc::clone(&text);
        thread::spawn(move || read_capped(reader, &text))
    };
    let deadline = Instant::now() + limit;
    let (success, timed_out) = loop {
        if let Some(status) = child.try_wait().context("cannot wait for a child process")? {
            break (status.success(), false);
        }
        if cancel.load(Ordering::Relaxed) {
            cargo::kill_tree(&mut child);
            return Ok(None);
        }
        if Instant::now() >= deadline {
            cargo::kill_tree(&mut child);
            break (false, true);
        }
        // Short enough that a fast test run is not held up by the polling.
        thread::sleep(Duration::from_millis(3));
    };
    if !timed_out {
        let waited = Instant::now();
        while !collector.is_finished() && waited.elapsed() < Duration::from_secs(2) {
            thread::sleep(Duration::from_millis(2));
        }
    }
    let bytes = text.lock().unwrap_or_else(|e| e.into_inner()).clone();
    Ok(Some(Captured {
        text: String::from_utf8_lossy(&bytes).into_owned(),
        success,
        timed_out,
    }))
}

fn read_capped(mut reader: impl Read, text: &Mutex<Vec<u8>>) {
    let mut buf = [0u8; 8192];
    let mut dropped = 0usize;
    while let Ok(n) = reader.read(&mut buf) {
        if n == 0 {
            break;
        }
        // Past the cap, keep reading (so the child never blocks on a full pipe) but
        // keep nothing.
        let mut text = text.lock().unwrap_or_else(|e| e.into_inner());
        let room = OUTPUT_CAP.saturating_sub(text.len());
        text.extend_from_slice(&buf[..n.min(room)]);
        dropped += n - n.min(room);
    }
    if dropped > 0 {
        let mut text = text.lock().unwrap_or_else(|e| e.into_inner());
        text.extend_from_slice(format!("\n[… {dropped} more bytes of output were dropped …]\n").as_bytes());
    }
}
