//! The code each exercise leaves to the learner, so that pages (`spoilers`) and
//! hints (`hints`) can be checked not to give it away.
//!
//! An item's answer is recognised by its *distinctive lines*: the solution's lines inside
//! the item's braces, comments aside, trimmed, at least 10 characters long (so `Ok(())`
//! and `}` match nothing), and not found anywhere in the stub (given code may share a line
//! with an answer).

use super::Course;
use super::rust::Item;
#[cfg(test)]
use super::rust::RustFile;
use std::collections::HashSet;
use std::path::Path;

/// One item a stub leaves to the learner.
pub(super) struct Answer {
    /// The exercise's id.
    pub id: String,
    /// The item: `fn run`, `fn poll in impl Future for Join`.
    pub key: String,
    /// The solution's distinctive lines of it, sorted.
    pub lines: Vec<String>,
}

/// Every answer of the course. An exercise whose files are missing or not Rust has none
/// here; other rules report those files.
pub(super) fn learners_answers(course: &Course) -> Vec<Answer> {
    let mut answers = Vec::new();
    for exercise in &course.manifest.exercises {
        let chapter = course.manifest.chapter_of(exercise);
        let read = |dir: &str| {
            let path = Path::new(dir)
                .join(&chapter.dir)
                .join("src")
                .join(format!("{}.rs", exercise.module()));
            course.rust(&path)
        };
        let (Some(stub), Some(solution)) = (read("exercises"), read("solutions")) else {
            continue;
        };
        let (Ok(stub), Ok(solution)) = (&*stub, &*solution) else {
            continue;
        };
        // A line the stub itself shows (in given code, or in a comment) gives nothing away.
        let code_lines = stub.code_lines();
        let in_stub: HashSet<&str> = stub
            .lines()
            .chain(code_lines.iter().map(String::as_str))
            .map(str::trim)
            .collect();
        for (key, solved) in learners_items(stub.items(), solution.items(), "") {
            let mut lines = distinctive_lines(&solution.body(solved));
            lines.retain(|l| !in_stub.contains(l.as_str()));
            if !lines.is_empty() {
                answers.push(Answer {
                    id: exercise.id.clone(),
                    key,
                    lines,
                });
            }
        }
    }
    answers
}

/// The learner's items of a stub, as `(name, the solution's item)`: an `impl` block with
/// some of the learner's work gives its methods one by one. An item the solution has
/// several times (one per target) gives each.
fn learners_items<'a>(
    stub: &[Item],
    solution: &'a [Item],
    inside: &str,
) -> Vec<(String, &'a Item)> {
    let mut out = Vec::new();
    for item in stub.iter().filter(|i| i.learners) {
        let theirs: Vec<&'a Item> = solution.iter().filter(|s| s.key == item.key).collect();
        if item.key.starts_with("impl") {
            if let [theirs] = theirs[..] {
                let inner = format!(" in {}", item.key);
                out.extend(learners_items(&item.inner, &theirs.inner, &inner));
            }
        } else {
            for solved in theirs {
                out.push((format!("{}{inside}", item.key), solved));
            }
        }
    }
    out
}

/// The trimmed lines of an item's body that are long enough to be its own.
fn distinctive_lines(body: &[String]) -> Vec<String> {
    let mut lines: Vec<String> = body
        .iter()
        .map(|l| l.trim().to_string())
        .filter(|l| l.chars().count() >= 10 && !l.contains("todo!("))
        .collect();
    lines.sort();
    lines.dedup();
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> RustFile {
        RustFile::parse(Path::new("x.rs"), text.into()).unwrap()
    }

    #[test]
    fn the_learners_items_give_the_solutions_lines() {
        let stub = parse(
            "pub fn given() -> u8 {\n    let given_value = 1;\n    given_value\n}\n\nimpl Pool {\n    pub fn new() -> Self {\n        Pool\n    }\n    pub fn run(&self) {\n        todo!(\"spawn the workers\")\n    }\n}\n",
        );
        let solution = parse(
            "pub fn given() -> u8 {\n    let given_value = 1;\n    given_value\n}\n\nimpl Pool {\n    pub fn new() -> Self {\n        Pool\n    }\n    pub fn run(&self) {\n        // Each worker takes jobs until the channel closes.\n        for worker in &self.workers {\n            worker.start(); // now\n        }\n    }\n}\n",
        );
        let found = learners_items(stub.items(), solution.items(), "");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "fn run in impl Pool");
        assert_eq!(
            distinctive_lines(&solution.body(found[0].1)),
            ["for worker in &self.workers {", "worker.start();"]
        );
    }
}
