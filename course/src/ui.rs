//! How the runner talks: colours only on a terminal and never with `NO_COLOR`, and
//! failure reports cut down to what a learner acts on.

use crate::cargo::{Binary, TestResult};
use crate::check::Outcome;
use std::io::IsTerminal;
use std::path::Path;

/// Whether to colour output: a terminal, and no `NO_COLOR` (https://no-color.org).
pub fn colour() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal()
}

pub fn paint(text: &str, code: &str) -> String {
    if colour() {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}
pub fn green(t: &str) -> String {
    paint(t, "32")
}
pub fn red(t: &str) -> String {
    paint(t, "31")
}
pub fn yellow(t: &str) -> String {
    paint(t, "33")
}
pub fn bold(t: &str) -> String {
    paint(t, "1")
}
pub fn dim(t: &str) -> String {
    paint(t, "2")
}

/// Where the book is published (`.github/workflows/pages.yml`).
pub const ONLINE_BOOK: &str = "https://async-processing-in-rust.github.io/course/";

/// The built page for `page` (a path under `book/src`): the local build when
/// `cargo course book` has made one, else the online book. On a terminal it is a
/// hyperlink (OSC 8), which most terminals open on a click.
pub fn page_link(root: &Path, page: &str) -> String {
    let html = match page.strip_suffix(".md") {
        Some(stem) => format!("{stem}.html"),
        None => page.to_string(),
    };
    let local = root.join("book/build").join(&html);
    let url = if local.is_file() {
        file_url(&local)
    } else {
        format!("{ONLINE_BOOK}{html}")
    };
    if colour() {
        format!("\x1b]8;;{url}\x1b\\{url}\x1b]8;;\x1b\\")
    } else {
        url
    }
}

/// A `file://` URL for an existing file (absolute, forward slashes, spaces escaped).
fn file_url(path: &Path) -> String {
    let path = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let text = path.to_string_lossy().replace('\\', "/");
    // Windows' canonical paths start with `\\?\`; a URL wants `/C:/…`.
    let text = text.trim_start_matches("//?/");
    let slash = if text.starts_with('/') { "" } else { "/" };
    format!("file://{slash}{}", text.replace(' ', "%20"))
}

/// The lines that explain an outcome (no header).
pub fn report(outcome: &Outcome) -> Vec<String> {
    let mut lines = Vec::new();
    match outcome {
        Outcome::Solved(binary) => {
            lines.extend(test_lines(binary));
            if binary.tests.is_empty() {
                lines.push(yellow(&format!(
                    "None of its {} tests runs on this system (they are ignored for it: \
                     see the exercise's page). Nothing to check here; move on.",
                    binary.ignored.len()
                )));
            } else {
                lines.push(green(&format!("All {} tests pass.", binary.tests.len())));
            }
            if !binary.tests.is_empty() && !binary.ignored.is_empty() {
                lines.push(dim(&format!(
                    "({} more do not run on this system.)",
                    binary.ignored.len()
                )));
            }
        }
        Outcome::Failing(binary) => {
            lines.extend(test_lines(binary));
            if let Some(crash) = &binary.crash {
                lines.push(red(&crash[0]));
                lines.extend(crash[1..].iter().cloned());
            } else if binary.tests.is_empty() {
                lines.push(red("The tests did not run to the end:"));
                lines.extend(binary_tail(binary));
            } else {
                lines.push(format!(
                    "{} of {} tests pass.",
                    binary.passed(),
                    binary.tests.len()
                ));
            }
        }
        Outcome::CompileError(errors) => {
            lines.push(red("It does not compile yet:"));
            lines.extend(errors.lines().take(60).map(str::to_string));
            if errors.lines().count() > 60 {
                lines.push(dim("[… more errors: fix the first ones first …]"));
            }
        }
        Outcome::TimedOut(binary) => {
            lines.extend(test_lines(binary));
            lines.push(red(&format!(
                "The tests were still running after {} s and were stopped: probably a deadlock or an infinite loop.",
                crate::check::run_limit().as_secs()
            )));
        }
    }
    lines
}

fn test_lines(binary: &Binary) -> Vec<String> {
    let mut lines = Vec::new();
    let mut failed: Vec<&TestResult> = binary.tests.iter().filter(|t| !t.passed).collect();
    failed.sort_by(|a, b| a.name.cmp(&b.name));
    // Failures first, grouped by message: an untouched `todo!()` fails every test the
    // same way, and saying so once is enough.
    let mut groups: Vec<(Vec<String>, Vec<&str>)> = Vec::new();
    for test in failed {
        let message = failure_message(test);
        match groups.iter_mut().find(|(m, _)| *m == message) {
            Some((_, names)) => names.push(&test.name),
            None => groups.push((message, vec![&test.name])),
        }
    }
    for (message, names) in groups {
        let shared = names.len();
        for name in names {
            lines.push(format!("  {} {name}", red("✗")));
        }
        if shared > 1 && !message.is_empty() {
            lines.push(dim(&format!(
                "      the {shared} tests above all failed with:"
            )));
        }
        for line in message {
            lines.push(format!("      {line}"));
        }
    }
    let mut passed: Vec<&TestResult> = binary.tests.iter().filter(|t| t.passed).collect();
    passed.sort_by(|a, b| a.name.cmp(&b.name));
    for test in passed {
        lines.push(format!("  {} {}", green("✓"), dim(&test.name)));
    }
    lines
}

fn binary_tail(binary: &Binary) -> Vec<String> {
    binary.tests.iter().flat_map(failure_message).collect()
}

/// The panic message of a failed test and where it was raised, without thread names,
/// process ids or the note about backtraces.
///
/// A test's output may hold several panics: threads the test started may panic on
/// purpose (a producer that "loses its connection") before the test's own thread fails.
/// The cause is the panic of the test's own thread (libtest names it after the test, and
/// `support::timeout` names the body's thread "<test> (body)"): only that one is shown,
/// with a note that the others were expected noise.
pub fn failure_message(test: &TestResult) -> Vec<String> {
    let (output, others) = own_panic(test);
    let mut out = Vec::new();
    let mut location = None;
    for line in output.lines() {
        if line.starts_with("note: run with `RUST_BACKTRACE") {
            continue;
        }
        if line.starts_with("thread '")
            && let Some((_, at)) = line.split_once(" panicked at ")
        {
            location = Some(at.trim_end_matches(':').to_string());
            continue;
        }
        if out.is_empty() && line.trim().is_empty() {
            continue;
        }
        out.push(line.to_string());
    }
    while out.last().is_some_and(|l| l.trim().is_empty()) {
        out.pop();
    }
    // Long outputs (a test that printed a lot) are cut: the message is what matters.
    if out.len() > 12 {
        let dropped = out.len() - 12;
        out.truncate(12);
        out.push(format!("[… {dropped} more lines …]"));
    }
    // Where the panic was raised, unless it was inside the course's own helpers (a
    // timeout or a rendezvous): that place says nothing about the learner's code.
    if let Some(location) = location
        && !location.starts_with("support/")
        && !location.contains("/support/src/")
    {
        out.push(dim(&format!("(at {location})")));
    }
    if others > 0 {
        out.push(dim(&format!(
            "({others} panic(s) in other threads were printed first; the test's own failure \
             is the one above)"
        )));
    }
    out
}

/// The part of `test`'s output that belongs to the panic of its own thread, and how many
/// panics of other threads came before it. Output with no recognisable panic of the
/// test's thread is returned whole.
fn own_panic(test: &TestResult) -> (String, usize) {
    // Split the output into blocks, each starting at a "thread '…' panicked at" line.
    let mut blocks: Vec<(Option<String>, String)> = vec![(None, String::new())];
    for line in test.output.lines() {
        if let Some(rest) = line.strip_prefix("thread '")
            && line.contains(" panicked at ")
            && let Some((thread, _)) = rest.split_once('\'')
        {
            blocks.push((Some(thread.to_string()), String::new()));
        }
        let block = &mut blocks.last_mut().expect("never empty").1;
        block.push_str(line);
        block.push('\n');
    }
    let panics = blocks.len() - 1;
    let own = |thread: &str| thread == test.name || thread == format!("{} (body)", test.name);
    // The last panic of the test's own threads is the one that failed it.
    let Some(index) = blocks
        .iter()
        .rposition(|(thread, _)| thread.as_deref().is_some_and(own))
    else {
        return (test.output.clone(), 0);
    };
    if panics <= 1 {
        return (test.output.clone(), 0);
    }
    // Keep what the test printed before any panic, then its own panic.
    let mut kept = blocks[0].1.clone();
    kept.push_str(&blocks[index].1);
    // A timeout's panic on the test thread follows its body's own panic: keep both.
    let others = blocks[1..]
        .iter()
        .filter(|(thread, _)| !thread.as_deref().is_some_and(own))
        .count();
    (kept, others)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failed(name: &str, output: &str) -> TestResult {
        TestResult {
            name: name.to_string(),
            passed: false,
            output: output.to_string(),
        }
    }

    #[test]
    fn a_deliberate_panic_in_another_thread_is_not_shown_as_the_cause() {
        let test = failed(
            "a_lost_producer_is_reported",
            "thread 'producer 1' (7) panicked at tests/ex03.rs:40:9:\n\
             producer 1 lost its connection\n\
             thread 'a_lost_producer_is_reported' (5) panicked at support/src/timeout.rs:60:19:\n\
             probably a deadlock or an infinite loop: the test did not finish within 10 s.\n",
        );
        let message = failure_message(&test).join("\n");
        assert!(message.contains("probably a deadlock"), "{message}");
        assert!(!message.contains("lost its connection"), "{message}");
        assert!(message.contains("1 panic(s) in other threads"), "{message}");
    }

    #[test]
    fn a_single_panic_is_shown_as_it_is() {
        let test = failed(
            "t",
            "thread 't (body)' (5) panicked at tests/x.rs:3:5:\nexpected 4, got 5\n",
        );
        assert_eq!(
            failure_message(&test),
            ["expected 4, got 5", "(at tests/x.rs:3:5)"]
        );
    }

    #[test]
    fn a_shared_message_says_which_tests_it_belongs_to() {
        let todo = "thread 'a' panicked at src/ex.rs:3:5:\nnot yet implemented\n";
        let binary = Binary {
            name: "ex01".into(),
            tests: vec![failed("a", todo), failed("b", todo), failed("c", todo)],
            finished: true,
            ..Binary::default()
        };
        let lines = test_lines(&binary).join("\n");
        assert!(
            lines.contains("the 3 tests above all failed with:"),
            "{lines}"
        );
    }

    #[test]
    fn a_crash_names_the_signal_the_test_and_the_usual_cause() {
        let binary = Binary {
            name: "ex05_switch".into(),
            crash: Some(crate::check::crash_report(
                11,
                Some("switching_twice_returns"),
            )),
            ..Binary::default()
        };
        let lines = report(&Outcome::Failing(binary)).join("\n");
        assert!(lines.contains("SIGSEGV"), "{lines}");
        assert!(lines.contains("`switching_twice_returns`"), "{lines}");
        assert!(lines.contains("misaligned stack"), "{lines}");
    }
}
