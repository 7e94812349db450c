//! Running cargo, and reading what libtest printed.
//!
//! The runner and the verifier both run learners' code, which may not compile, may panic,
//! may loop forever or may print megabytes. So every child process here runs with a time
//! limit, its output is capped, and a child that overstays is killed with its children.

use anyhow::{Context, Result};
use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// Output kept from one child; the rest is dropped with a note. A test that prints
/// megabytes must not take the runner's memory or the learner's screen with it.
pub const OUTPUT_CAP: usize = 256 * 1024;

/// What a child process printed (stdout and stderr merged, in order) and how it ended.
#[derive(Debug, Clone)]
pub struct Captured {
    pub text: String,
    pub success: bool,
    /// It was still running at the time limit and was killed.
    pub timed_out: bool,
    /// The signal that ended it, if one did (a crash, not a failed test): SIGSEGV, …
    pub signal: Option<i32>,
}

/// A signal's name and what it usually means when it ends a test binary.
pub fn signal_meaning(signal: i32) -> (String, &'static str) {
    let (name, meaning) = match signal {
        11 => (
            "SIGSEGV",
            "the program touched memory it may not: in hand-written switching code, usually \
             a bad stack frame (a wrong offset or a missing register) or a misaligned stack",
        ),
        7 => (
            "SIGBUS",
            "a misaligned or unmapped memory access: often a stack pointer that is not \
             16-byte aligned",
        ),
        4 => (
            "SIGILL",
            "the CPU met an instruction it cannot run: a jump to a wrong address, or code \
             reached after something that must never return",
        ),
        6 => (
            "SIGABRT",
            "the program aborted itself: a panic while panicking, a panic that crossed a \
             context switch or an `extern \"C\"` boundary, or a failed allocation",
        ),
        8 => (
            "SIGFPE",
            "an arithmetic fault, such as an integer division by zero",
        ),
        9 => (
            "SIGKILL",
            "killed from outside: the time limit, or the system out of memory",
        ),
        _ => ("", "the process was stopped by a signal"),
    };
    let name = if name.is_empty() {
        format!("signal {signal}")
    } else {
        format!("{name} (signal {signal})")
    };
    (name, meaning)
}

/// A `cargo` command with the settings every call here wants.
pub fn cargo(root: &Path) -> Command {
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.current_dir(root)
        .env("CARGO_TERM_COLOR", "never")
        .env("CARGO_TERM_PROGRESS_WHEN", "never")
        // Short panics: the learner needs the message and the line, not a backtrace.
        .env("RUST_BACKTRACE", "0");
    cmd
}

/// Runs `cmd` with stdout and stderr merged into one stream, killing it (and the
/// processes it started) if it runs longer than `limit`.
pub fn run_captured(cmd: Command, limit: Duration) -> Result<Captured> {
    let never = AtomicBool::new(false);
    Ok(run_cancellable(cmd, limit, &never)?.expect("never cancelled"))
}

/// Like [`run_captured`], but also stops the child as soon as `cancel` is set, and then
/// returns `Ok(None)`. Watch mode cancels a check when the learner saves again or quits.
pub fn run_cancellable(
    mut cmd: Command,
    limit: Duration,
    cancel: &AtomicBool,
) -> Result<Option<Captured>> {
    let (reader, writer) = std::io::pipe().context("cannot create a pipe")?;
    cmd.stdin(Stdio::null())
        .stdout(writer.try_clone().context("cannot duplicate a pipe")?)
        .stderr(writer);
    #[cfg(unix)]
    {
        // Its own process group, so that a timeout can stop the test binaries (or the
        // compilers) that cargo started too, not only cargo.
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
    }
    let program = format!("{:?}", cmd.get_program());
    let mut child = cmd
        .spawn()
        .with_context(|| format!("cannot start {program}: is it installed and on PATH?"))?;
    // Dropping `cmd` closes our copies of the pipe's write end, so that the reader sees
    // the end of the stream when the child (and its children) exit.
    drop(cmd);

    let text = Arc::new(Mutex::new(Vec::<u8>::new()));
    let collector = {
        let text = Arc::clone(&text);
        thread::spawn(move || read_capped(reader, &text))
    };

    let deadline = Instant::now() + limit;
    let (success, timed_out, signal) = loop {
        if let Some(status) = child
            .try_wait()
            .context("cannot wait for a child process")?
        {
            #[cfg(unix)]
            let signal = std::os::unix::process::ExitStatusExt::signal(&status);
            #[cfg(not(unix))]
            let signal = None;
            break (status.success(), false, signal);
        }
        if cancel.load(Ordering::Relaxed) {
            kill_tree(&mut child);
            return Ok(None);
        }
        if Instant::now() >= deadline {
            kill_tree(&mut child);
            break (false, true, None);
        }
        // Short, so that a fast test run is not held up by the polling (watch mode
        // shows a result a few hundred milliseconds after a save).
        thread::sleep(Duration::from_millis(3));
    };
    if !timed_out {
        // The stream ends when the last holder of the pipe exits; a grandchild left
        // running would keep it open, so wait only a little for the tail.
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
        signal,
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
        text.extend_from_slice(
            format!("\n[… {dropped} more bytes of output were dropped …]\n").as_bytes(),
        );
    }
}

/// Stops a child and everything it started.
pub fn kill_tree(child: &mut Child) {
    #[cfg(unix)]
    {
        // The child leads its own process group (see `run_captured`), whose id is its
        // pid: signal the whole group with kill(2). Not with the `kill` program: some
        // versions read `-<pgid>` as an option, and `kill -KILL -1` stops every process
        // the user may signal.
        if let Ok(group) = libc::pid_t::try_from(child.id())
            && group > 1
        {
            // SAFETY: kill(2) has no memory-safety preconditions; a negative pid other
            // than -1 names exactly one process group.
            unsafe {
                libc::kill(-group, libc::SIGKILL);
            }
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// One test binary's results, as libtest printed them.
#[derive(Debug, Clone, Default)]
pub struct Binary {
    /// The test target's name: the file stem of `tests/ex01_sequence.rs`.
    pub name: String,
    /// The path cargo printed, e.g. `../../exercises/01-sync/tests/ex01_sequence.rs`.
    pub path: String,
    pub tests: Vec<TestResult>,
    /// Tests that did not run on this system (`#[ignore]`d for its target), by name.
    pub ignored: Vec<String>,
    /// libtest printed its summary line: the binary ran to the end.
    pub finished: bool,
    /// The binary died by a signal: what to tell the learner (the signal, the test that
    /// crashed, what it usually means). Set by the runner, not by the parser.
    pub crash: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestResult {
    pub name: String,
    pub passed: bool,
    /// What the test printed, including its panic message (failures only).
    pub output: String,
}

impl Binary {
    pub fn passed(&self) -> usize {
        self.tests.iter().filter(|t| t.passed).count()
    }
    pub fn failed(&self) -> usize {
        self.tests.len() - self.passed()
    }
}

/// Splits `cargo test` output into its test binaries and their results.
pub fn parse_test_output(text: &str) -> Vec<Binary> {
    let mut binaries: Vec<Binary> = Vec::new();
    let mut failure: Option<(String, String)> = None;

    let finish_failure = |binaries: &mut Vec<Binary>, failure: &mut Option<(String, String)>| {
        if let (Some((name, output)), Some(binary)) = (failure.take(), binaries.last_mut())
            && let Some(test) = binary.tests.iter_mut().find(|t| t.name == name)
        {
            test.output = output.trim_end().to_string();
        }
    };

    for line in text.lines() {
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix("Running ") {
            finish_failure(&mut binaries, &mut failure);
            let path = rest.split(" (").next().unwrap_or(rest).to_string();
            let name = path
                .rsplit('/')
                .next()
                .unwrap_or(&path)
                .trim_end_matches(".rs")
                .to_string();
            binaries.push(Binary {
                name,
                path,
                ..Binary::default()
            });
            continue;
        }
        if let Some(rest) = line.strip_prefix("---- ")
            && let Some(name) = rest.strip_suffix(" stdout ----")
        {
            finish_failure(&mut binaries, &mut failure);
            failure = Some((name.to_string(), String::new()));
            continue;
        }
        if line == "failures:" || line.starts_with("test result: ") {
            finish_failure(&mut binaries, &mut failure);
            if line.starts_with("test result: ")
                && let Some(binary) = binaries.last_mut()
            {
                binary.finished = true;
            }
            continue;
        }
        if let Some((_, output)) = failure.as_mut() {
            output.push_str(line);
            output.push('\n');
            continue;
        }
        if let Some(rest) = line.strip_prefix("test ")
            && let Some((name, outcome)) = rest.rsplit_once(" ... ")
            && let Some(binary) = binaries.last_mut()
        {
            let passed = match outcome.trim() {
                "ok" => true,
                "FAILED" => false,
                ignored if ignored.starts_with("ignored") => {
                    binary.ignored.push(name.to_string());
                    continue;
                }
                _ => continue, // bench
            };
            binary.tests.push(TestResult {
                name: name.to_string(),
                passed,
                output: String::new(),
            });
        }
    }
    finish_failure(&mut binaries, &mut failure);
    binaries
}

/// The compiler's errors in cargo's output, without warnings and progress lines.
pub fn compile_errors(text: &str) -> String {
    let mut out = String::new();
    let mut keep = false;
    for line in text.lines() {
        if line.starts_with("error") {
            keep = !line.starts_with("error: could not compile")
                && !line.starts_with("error: test failed")
                && !line.starts_with("error: build failed");
        } else if line.starts_with("warning") || line.trim_start().starts_with("Compiling ") {
            keep = false;
        }
        if keep {
            out.push_str(line);
            out.push('\n');
        }
    }
    out.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_test_ignored_on_this_system_is_neither_passed_nor_failed() {
        let text = "     Running tests/ex05_switch.rs (target/debug/deps/ex05_switch-1)\n\n\
                    running 2 tests\n\
                    test a_switch ... ignored, no hand-written context switch for this target\n\
                    test b_switch ... ignored\n\n\
                    test result: ok. 0 passed; 0 failed; 2 ignored; 0 measured; 0 filtered out\n";
        let binaries = parse_test_output(text);
        assert_eq!(binaries[0].tests, []);
        assert_eq!(binaries[0].ignored, ["a_switch", "b_switch"]);
    }

    const SAMPLE: &str = "\
   Compiling ch01-sync v0.1.0
     Running tests/ex02_idle.rs (target/debug/deps/ex02_idle-0e9c)

running 2 tests
test gaps_are_idle ... ok
test waiting_is_idle ... FAILED

failures:

---- waiting_is_idle stdout ----
thread 'waiting_is_idle' panicked at tests/ex02_idle.rs:9:5:
expected 0.75, got 0.5

failures:
    waiting_is_idle

test result: FAILED. 1 passed; 1 failed; 0 ignored
";

    #[test]
    fn reads_results_and_failure_messages() {
        let binaries = parse_test_output(SAMPLE);
        assert_eq!(binaries.len(), 1);
        let b = &binaries[0];
        assert_eq!(b.name, "ex02_idle");
        assert!(b.finished);
        assert_eq!((b.passed(), b.failed()), (1, 1));
        assert!(b.tests[1].output.contains("expected 0.75, got 0.5"));
        assert!(b.tests[0].output.is_empty());
    }

    #[test]
    fn a_binary_cut_off_by_a_timeout_is_not_finished() {
        let binaries = parse_test_output("     Running tests/x.rs (t)\ntest a ... ok\n");
        assert!(!binaries[0].finished);
        assert_eq!(binaries[0].tests.len(), 1);
    }

    #[test]
    fn keeps_errors_and_drops_warnings() {
        let text = "warning: unused\n --> a.rs\nerror[E0308]: mismatched types\n --> src/x.rs:3:5\nerror: could not compile `x`\n";
        let errors = compile_errors(text);
        assert!(errors.starts_with("error[E0308]") && errors.contains("src/x.rs:3:5"));
        assert!(!errors.contains("unused") && !errors.contains("could not compile"));
    }
}
