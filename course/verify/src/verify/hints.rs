//! A hint nudges; it never writes the answer. A hint (all its steps together) that quotes
//! two lines of one of the learner's items, or one long line, gives the code away.

use super::Course;
use super::answers::Answer;

/// A line of the solution this long, quoted whole in a hint, is the answer itself.
const HINT_LONG_LINE: usize = 30;
/// Shorter lines (`.collect()`, `thread::park();`) are the vocabulary a nudge names.
const HINT_SHORTEST: usize = 16;

pub(super) fn problems(course: &Course, answers: &[Answer]) -> Vec<String> {
    let mut found = Vec::new();
    for exercise in &course.manifest.exercises {
        let hint = exercise.hints.join("\n");
        for Answer { id, key, lines } in answers.iter().filter(|a| a.id == exercise.id) {
            let quoted = quoted(&hint, lines);
            if !quoted.is_empty() {
                found.push(format!(
                    "the hint of {id} quotes the solution of `{key}`: {}. A hint nudges in \
                     steps (a nudge, a closer one, the shape of the answer) and never writes \
                     the learner's code",
                    quoted
                        .iter()
                        .map(|l| format!("`{l}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
    }
    found
}

/// The answer's lines that `hint` quotes, if they give the answer away (two of them, or
/// one long one); none otherwise.
fn quoted<'a>(hint: &str, lines: &'a [String]) -> Vec<&'a String> {
    let quoted: Vec<&String> = lines
        .iter()
        .filter(|l| l.chars().count() >= HINT_SHORTEST && hint.contains(l.as_str()))
        .collect();
    let gives_away =
        quoted.len() >= 2 || quoted.iter().any(|l| l.chars().count() >= HINT_LONG_LINE);
    if gives_away { quoted } else { Vec::new() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hint_that_quotes_the_answer_gives_it_away() {
        let lines = [
            "let (tx, rx) = mpsc::channel();",
            "handles.push(spawn(f));",
            "thread::park();",
        ]
        .map(String::from);
        let nudge = "Keep every JoinHandle; `thread::park();` waits.";
        assert!(quoted(nudge, &lines).is_empty());
        let long = "Start with `let (tx, rx) = mpsc::channel();`.";
        assert_eq!(quoted(long, &lines), [&lines[0]]);
        let two = "`handles.push(spawn(f));` then `thread::park();`";
        // `thread::park();` is too short to count: one short line is a nudge.
        assert!(quoted(two, &lines).is_empty());
        let both = format!("{long} {two}");
        assert_eq!(quoted(&both, &lines).len(), 2);
    }
}
