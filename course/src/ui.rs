//! How the runner talks: colours only on a terminal and never with `NO_COLOR`, and
//! failure reports cut down to what a learner acts on.

use crate::cargo::{Binary, TestResult};
use crate::check::Outcome;
use std::io::IsTerminal;

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

/// The lines that explain an outcome (no header).
pub fn report(outcome: &Outcome) -> Vec<String> {
    let mut lines = Vec::new();
    match outcome {
        Outcome::Solved(binary) => {
            lines.extend(test_lines(binary));
            lines.push(green(&format!("All {} tests pass.", binary.tests.len())));
        }
        Outcome::Failing(binary) => {
            lines.extend(test_lines(binary));
            if binary.tests.is_empty() {
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
        for name in names {
            lines.push(format!("  {} {name}", red("✗")));
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
pub fn failure_message(test: &TestResult) -> Vec<String> {
    let mut out = Vec::new();
    let mut location = None;
    for line in test.output.lines() {
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
    out
}
