//! A page that claims "the tests catch/reject …" names, in backticks, the wrong answer (a
//! feature of the chapter's wrong-answer crate, listed in the manifest) that proves it.
//!
//! Claims are read in the page's prose, sentence by sentence, across line breaks: a
//! sentence wrapped after "the tests catch" is still one sentence, and the name may be on
//! its next line.

use super::markdown::Page;
use super::{BookPage, Course};
use course::manifest::MANIFEST;
use std::path::Path;

const CLAIMS: [&str; 5] = [
    "the tests catch",
    "the tests reject",
    "the tests refuse",
    "a test catches",
    "a test rejects",
];

pub(super) fn problems(course: &Course) -> Vec<String> {
    let mut found = Vec::new();
    for chapter in &course.manifest.chapters {
        let features: Vec<&str> = course
            .manifest
            .exercises_of(chapter)
            .flat_map(|e| e.wrong.iter().map(|w| w.feature.as_str()))
            .collect();
        let Some(folder) = Path::new(&chapter.book).parent() else {
            continue;
        };
        for BookPage { rel, page, .. } in &course.pages {
            if !Path::new(rel).starts_with(folder) {
                continue;
            }
            for (line, sentence) in unbacked_claims(page, &features) {
                found.push(format!(
                    "book/src/{rel}:{line}: \"{sentence}\" claims the tests catch something: name \
                     the wrong answer that proves it, in backticks (a feature of wrong/{} listed \
                     in {MANIFEST})",
                    chapter.dir
                ));
            }
        }
    }
    found
}

/// The sentences of the page's prose that claim a catch without naming, in backticks, one
/// of the `features`; with the line where each starts.
fn unbacked_claims(page: &Page, features: &[&str]) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for prose in &page.prose {
        let text = prose.text(true);
        for (at, sentence) in sentences(&text.text) {
            let lower = sentence.to_lowercase();
            let claims = CLAIMS.iter().any(|c| lower.contains(c));
            let backed = features
                .iter()
                .any(|f| sentence.contains(&format!("`{f}`")));
            if claims && !backed {
                found.push((text.line_at(at), sentence.trim().to_string()));
            }
        }
    }
    found
}

/// The sentences of a text, each with where it starts: a sentence ends at `.`, `!` or `?`
/// followed by a space or the end (so `ex04.rs` does not end one).
fn sentences(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut push = |from: usize, to: usize| {
        let sentence = &text[from..to];
        let trimmed = sentence.trim_start();
        if !trimmed.trim().is_empty() {
            out.push((from + sentence.len() - trimmed.len(), trimmed));
        }
    };
    let mut start = 0;
    for (at, c) in text.char_indices() {
        let next = text.as_bytes().get(at + 1);
        if matches!(c, '.' | '!' | '?') && next.is_none_or(u8::is_ascii_whitespace) {
            push(start, at + 1);
            start = at + 1;
        }
    }
    push(start, text.len());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unbacked(text: &str) -> Vec<(usize, String)> {
        unbacked_claims(&Page::parse(text), &["ex04-one-by-one"])
    }

    #[test]
    fn a_claim_must_name_the_wrong_answer_that_proves_it() {
        assert_eq!(
            unbacked("# Overlap\n\nIt works. The tests catch an answer that waits.\n"),
            [(3, "The tests catch an answer that waits.".to_string())]
        );
        assert!(unbacked("The tests catch an answer that waits (`ex04-one-by-one`).\n").is_empty());
        // Naming something else, or not in backticks, is no proof.
        assert_eq!(unbacked("A test rejects it (`ex09-other`).\n").len(), 1);
        assert_eq!(unbacked("A test rejects it (ex04-one-by-one).\n").len(), 1);
        // A code block is not a claim of the page.
        assert!(unbacked("```text\nthe tests catch nothing\n```\n").is_empty());
    }

    /// The old check cut sentences at every line break: a claim wrapped before its name
    /// was reported, and a claim wrapped inside "the tests\ncatch" was missed.
    #[test]
    fn a_claim_is_read_across_line_breaks() {
        assert!(
            unbacked("The tests catch an answer\nthat waits too soon (`ex04-one-by-one`).\n")
                .is_empty()
        );
        assert_eq!(
            unbacked("First line.\nThen the tests\ncatch an answer that waits.\n"),
            [(2, "Then the tests catch an answer that waits.".to_string())]
        );
    }
}
