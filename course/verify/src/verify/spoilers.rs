//! Pages must not hand out answers: a code block of a page (pasted, in a `<details>` box
//! or not, or `{{#include}}`d from a crate) must not hold the solution's code of an item
//! that a stub leaves to the learner. The stub's signature may be shown; its solution's
//! body may not.
//!
//! A block that holds more than half of an answer's distinctive lines (and two at least,
//! or the only one) gives the item away; a smaller example that shares a few idioms with
//! it (`.collect();`) does not.

use super::answers::Answer;
use super::markdown::includes;
use super::{BookPage, Course};
use std::collections::HashSet;
use std::fs;
use std::path::Path;

pub(super) fn problems(course: &Course, answers: &[Answer]) -> Vec<String> {
    let mut found = Vec::new();
    for BookPage { rel, path, page } in &course.pages {
        let dir = path.parent().unwrap_or(&course.root);
        // A raw HTML block is on the page too: a fence inside `<details>` with no blank
        // line before it is HTML to Markdown, and mdBook prints it as it is.
        let blocks = (page.code_blocks.iter().map(|b| (b.line, &b.body)))
            .chain(page.html_blocks.iter().map(|b| (b.line, &b.body)));
        for (line, body) in blocks {
            let code = expand_includes(dir, body);
            let shown = shown_lines(&code);
            for Answer { id, key, lines } in answers {
                if gives_away(lines, &shown) {
                    found.push(format!(
                        "book/src/{rel}:{line}: this block shows the solution of `{key}`, which \
                         exercise {id} leaves to the learner: show its signature, a diagram, a \
                         trace or a smaller example instead (the learner sees the solution with \
                         `cargo course solution {id}`)"
                    ));
                }
            }
        }
    }
    found.dedup();
    found
}

/// Does a block whose lines are `shown` give away the answer whose distinctive lines are
/// `lines`?
fn gives_away(lines: &[String], shown: &HashSet<&str>) -> bool {
    let given_away = lines.iter().filter(|l| shown.contains(l.as_str())).count();
    given_away >= lines.len().min(2) && given_away * 2 > lines.len()
}

/// The lines a block shows, trimmed, as the answers' lines are: rustdoc's hidden lines
/// (`# code`) are on the page too, and a line is also taken without its trailing `//`
/// comment (the answers' lines have none).
fn shown_lines(code: &str) -> HashSet<&str> {
    let mut shown = HashSet::new();
    for line in code.lines() {
        let line = line.trim();
        let line = line.strip_prefix("# ").unwrap_or(line).trim();
        shown.insert(line);
        if let Some((code, _comment)) = line.split_once("//") {
            shown.insert(code.trim());
        }
    }
    shown
}

/// A block's text with what each `{{#include …}}` puts in it (the lines of the part
/// named, or of the whole file for `rustdoc_include`) after the line that includes it.
fn expand_includes(dir: &Path, body: &str) -> String {
    let mut out = String::new();
    for line in body.lines() {
        out.push_str(line);
        out.push('\n');
        for include in includes(line) {
            let text = fs::read_to_string(dir.join(&include.file)).unwrap_or_default();
            out.push_str(&include.shown(&text));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer() -> Vec<String> {
        [
            "for worker in &self.workers {",
            "let job = rx.recv()?;",
            "worker.start(job);",
        ]
        .map(String::from)
        .to_vec()
    }

    #[test]
    fn a_block_with_most_of_an_answer_gives_it_away() {
        let page =
            "# fn hidden() {}\nfor worker in &self.workers {\n    worker.start(job); // go\n}\n";
        assert!(gives_away(&answer(), &shown_lines(page)));
        // One idiom in common is an example, not the answer.
        let example = "for worker in &self.workers {\n    println!(\"{worker}\");\n}\n";
        assert!(!gives_away(&answer(), &shown_lines(example)));
        // An answer of one line is given away by that line.
        let one = ["worker.start(job);".to_string()];
        assert!(gives_away(&one, &shown_lines(page)));
    }

    /// `rustdoc_include` puts the whole file on the page, the lines outside its anchor
    /// hidden behind `# ` (a reader unfolds them): the old check read only the anchor.
    #[test]
    fn an_included_file_is_expanded_as_mdbook_expands_it() {
        let dir = std::env::temp_dir().join(format!("spoilers-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        fs::write(
            dir.join("sol.rs"),
            "// ANCHOR: signature\npub fn run(&self)\n// ANCHOR_END: signature\n{\n    for worker in &self.workers {\n        let job = rx.recv()?;\n        worker.start(job);\n    }\n}\n",
        )
        .unwrap();
        let shown = |body: &str| {
            let code = expand_includes(&dir, body);
            gives_away(&answer(), &shown_lines(&code))
        };
        assert!(!shown("{{#include sol.rs:signature}}\n"));
        assert!(shown("{{#rustdoc_include sol.rs:signature}}\n"));
        assert!(shown("{{#include sol.rs}}\n"));
        fs::remove_dir_all(&dir).unwrap();
    }
}
