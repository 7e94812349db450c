//! Tests whose wrong answers crash the process instead of failing: each runs in a child
//! process of its own.
//!
//! A mistake in hand-written assembly (a stack misaligned by 8 bytes, a register the
//! switch does not give back) rarely fails an assertion: it makes some later instruction
//! fault, and the whole test binary dies with `SIGSEGV`. Every other test of the file dies
//! with it, and the report says nothing about what went wrong. [`run`] runs one test again
//! in a child process (the same test binary, asked for exactly this test), so that a crash
//! fails that test alone, with a sentence that says what a crash here usually means.
//!
//! ```no_run
//! support::isolated::run("the hand-made stack is broken", || {
//!     // The test's own body, under its own time limit, asserts and all.
//!     support::timeout(|| assert_eq!(2 + 2, 4));
//! });
//! ```

use std::process::Command;

/// The environment variable that tells a child process to run the test's body itself.
const CHILD: &str = "SUPPORT_ISOLATED_CHILD";

/// Runs `body` in a child process: there, as the test it is called from; here, the child's
/// verdict. If the child fails, this fails with the child's first panic message; if it is
/// killed by a signal, this fails with the signal's name and `if_it_crashes`, which says
/// what a crash in this test usually means.
///
/// Call it from the test function itself (or from its `support::timeout` body): the test
/// is found by the name of the thread libtest runs it on.
#[track_caller]
pub fn run(if_it_crashes: &str, body: impl FnOnce()) {
    if std::env::var_os(CHILD).is_some() {
        body();
        return;
    }
    let (out, text) = rerun(CHILD);
    if out.status.success() {
        return;
    }
    if let Some(signal) = signal_of(&out.status) {
        panic!(
            "the test process crashed ({signal}) instead of failing: {if_it_crashes}. The \
             last lines it wrote:\n{}",
            last_lines(&text)
        );
    }
    panic!("{}", first_panic(&text));
}

/// Runs the calling test again, alone, in a child process (the same test binary, asked
/// for exactly this test), with the environment variable `child` set so that the child
/// knows it is the child. Returns the child's status and everything it printed.
///
/// The test is found by the name of the thread libtest runs it on (and that
/// `support::timeout` gives its body's thread after it). Where test binaries run under an
/// emulator (qemu for aarch64, see scripts/aarch64-tests.sh), `SUPPORT_TEST_RUNNER` names
/// it, and the child runs under it too.
pub fn rerun(child: &str) -> (std::process::Output, String) {
    let thread = std::thread::current();
    let test = thread
        .name()
        .unwrap_or_default()
        .trim_end_matches(" (body)")
        .to_string();
    let exe = std::env::current_exe().expect("the test binary");
    let runner = std::env::var("SUPPORT_TEST_RUNNER").unwrap_or_default();
    let mut words = runner.split_whitespace();
    let mut cmd = match words.next() {
        Some(program) => {
            let mut cmd = Command::new(program);
            cmd.args(words).arg(exe);
            cmd
        }
        None => Command::new(exe),
    };
    let out = cmd
        .args([&test, "--exact", "--nocapture", "--test-threads=1"])
        .env(child, "1")
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("the test binary can run itself");
    let text =
        (String::from_utf8_lossy(&out.stdout) + String::from_utf8_lossy(&out.stderr)).into_owned();
    if !text.contains("running 1 test") {
        panic!("the test `{test}` could not run again in a child process:\n{text}");
    }
    (out, text)
}

/// `test_name!(a_test)`: the name libtest knows the test function `a_test` by, in the
/// module this is written in, for a test that runs itself again in a child process
/// (`--exact`). A test file is compiled two ways: as an integration test, the crate of its
/// own (`linux::a_test`), and as a module of its chapter library's test build, where
/// `cargo course` checks it (`exercise_tests::ex03_proc::linux::a_test`). A name written
/// out by hand is right in only one of them. `a_test` must be a function in scope.
#[macro_export]
macro_rules! test_name {
    ($test:ident) => {{
        let _: fn() = $test;
        $crate::isolated::test_name_in(module_path!(), stringify!($test))
    }};
}

/// The name of the test `test` written in the module at `module_path` (as `module_path!()`
/// gives it: the crate's name first, which libtest leaves out).
pub fn test_name_in(module_path: &str, test: &str) -> String {
    match module_path.split_once("::") {
        Some((_crate, path)) => format!("{path}::{test}"),
        None => test.to_string(),
    }
}

/// The signal that killed a process, by name, if one did.
fn signal_of(status: &std::process::ExitStatus) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        status.signal().map(|signal| {
            let name = match signal {
                4 => "SIGILL: an illegal instruction",
                5 => "SIGTRAP: a trap instruction",
                6 => "SIGABRT: the process aborted",
                7 => "SIGBUS: a misaligned or impossible memory access",
                11 => "SIGSEGV: an invalid memory access",
                _ => "a signal",
            };
            format!("signal {signal}, {name}")
        })
    }
    #[cfg(not(unix))]
    {
        // Windows reports a crash as an exit code (an NTSTATUS such as 0xC0000005).
        let code = status.code()? as u32;
        (code >= 0xC000_0000).then(|| format!("exception {code:#x}"))
    }
}

/// The first panic's message in a test's output, with the line that says where.
pub fn first_panic(text: &str) -> String {
    let mut lines = text.lines().skip_while(|l| !l.contains("panicked at"));
    match lines.next() {
        Some(at) => {
            let message: Vec<&str> = lines
                .take_while(|l| !l.starts_with("note:") && !l.starts_with("stack backtrace"))
                .collect();
            format!("{}\n{}", message.join("\n"), at.trim())
        }
        None => last_lines(text),
    }
}

/// The last few lines of a test's output.
fn last_lines(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(8)..].join("\n")
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_test_is_named_without_its_crate_as_libtest_names_it() {
        assert_eq!(super::test_name_in("ex03_proc", "a"), "a");
        assert_eq!(super::test_name_in("ex03_proc::linux", "a"), "linux::a");
        assert_eq!(
            super::test_name_in("ch09_c10k::exercise_tests::ex03_proc::linux", "a"),
            "exercise_tests::ex03_proc::linux::a"
        );
    }

    #[test]
    fn a_test_name_comes_from_the_module_it_is_written_in() {
        assert_eq!(
            crate::test_name!(a_test_name_comes_from_the_module_it_is_written_in),
            "isolated::tests::a_test_name_comes_from_the_module_it_is_written_in"
        );
    }
}
