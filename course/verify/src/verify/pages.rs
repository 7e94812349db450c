//! The book's pages: every page is in `SUMMARY.md`, and so is every page the manifest
//! names; each exercise's page links the exercise's file and names the command that
//! checks it; links to the repository point at files that exist; includes find their
//! files and anchors; and code blocks are what rustdoc, which runs them, takes them for.

use super::markdown::{CodeBlock, Include, Page};
use super::{BookPage, Course};
use course::check::exercise_file;
use course::manifest::MANIFEST;
use std::collections::{BTreeSet, HashSet};
use std::fs;
use std::path::PathBuf;

pub(super) fn problems(course: &Course) -> Vec<String> {
    let mut found = Vec::new();
    let manifest = &course.manifest;
    for chapter in &manifest.chapters {
        let whose = format!("chapter {}", chapter.dir);
        page_exists(course, &chapter.book, &whose, &mut found);
    }
    for exercise in &manifest.exercises {
        let (id, book) = (&exercise.id, &exercise.book);
        if !page_exists(course, book, &format!("exercise {id}"), &mut found) {
            continue;
        }
        let Some(BookPage { page, .. }) = course.pages.iter().find(|p| p.rel == *book) else {
            continue;
        };
        let stub = exercise_file(manifest.chapter_of(exercise), exercise);
        let link = format!("{}/blob/main/{}", course.repo, stub.display());
        if !links_to(page, &link) {
            found.push(format!(
                "book/src/{book} teaches exercise {id} but does not link its file ({link})"
            ));
        }
        if !page.visible.contains(&format!("cargo course check {id}")) {
            found.push(format!(
                "book/src/{book} does not tell how to check exercise {id} (`cargo course check {id}`)"
            ));
        }
    }

    let exercises: BTreeSet<String> = manifest
        .exercises
        .iter()
        .map(|e| {
            exercise_file(manifest.chapter_of(e), e)
                .display()
                .to_string()
        })
        .collect();
    // Markdown that a page includes (a lab's table) is part of that page, not a page.
    let fragments: HashSet<PathBuf> = course
        .pages
        .iter()
        .flat_map(|BookPage { path, page, .. }| {
            let dir = path.parent().map(PathBuf::from).unwrap_or_default();
            page.includes
                .iter()
                .filter(|i| i.file.ends_with(".md"))
                .map(move |i| dir.join(&i.file))
        })
        .collect();
    let prefix = format!("{}/blob/main/", course.repo);
    for BookPage { rel, path, page } in &course.pages {
        if rel != "SUMMARY.md" && !fragments.contains(path) && !course.summary.contains(rel) {
            found.push(format!(
                "book/src/{rel} is not in book/src/SUMMARY.md, so the book never shows it"
            ));
        }
        for path in linked_files(page, &prefix) {
            if path.starts_with("exercises/")
                && path.contains("/src/ex")
                && !exercises.contains(&path)
            {
                found.push(format!(
                    "book/src/{rel} links {path}, which is not an exercise in {MANIFEST}"
                ));
            } else if !course.root.join(&path).exists() {
                found.push(format!(
                    "book/src/{rel} links {path}, which does not exist in the repository"
                ));
            }
        }
        let dir = path.parent().unwrap_or(&course.root);
        for include in &page.includes {
            let read = fs::read_to_string(dir.join(&include.file));
            found.extend(include_problem(rel, include, read.ok().as_deref()));
        }
        for block in &page.code_blocks {
            found.extend(code_block_problem(rel, block));
        }
    }
    found
}

/// Checks that a page the manifest names exists and is in the book's table of contents.
fn page_exists(course: &Course, page: &str, whose: &str, found: &mut Vec<String>) -> bool {
    if !course.root.join("book/src").join(page).is_file() {
        found.push(format!(
            "{whose} names the page book/src/{page}, which does not exist"
        ));
        return false;
    }
    if !course.summary.contains(page) {
        found.push(format!(
            "book/src/{page} ({whose}) is not in book/src/SUMMARY.md"
        ));
    }
    true
}

/// Does the page link `address` (maybe at a line, `#L10`)?
fn links_to(page: &Page, address: &str) -> bool {
    page.links.iter().any(|l| {
        l.dest == address
            || l.dest
                .strip_prefix(address)
                .is_some_and(|rest| rest.starts_with('#'))
    })
}

/// The repository's files the page points at, as paths: its links and pictures whose
/// address starts with `prefix` (`https://github.com/…/blob/main/`), and the addresses
/// typed in its text or code, which readers follow too.
fn linked_files(page: &Page, prefix: &str) -> BTreeSet<String> {
    let path = |rest: &str| -> String {
        rest.chars()
            .take_while(|c| {
                !matches!(c, ')' | '"' | '>' | '<' | '#' | '?' | '`' | '\'') && !c.is_whitespace()
            })
            .collect()
    };
    let links = page
        .links
        .iter()
        .filter_map(|l| l.dest.strip_prefix(prefix));
    let typed = page
        .visible
        .match_indices(prefix)
        .map(|(at, _)| &page.visible[at + prefix.len()..]);
    links.chain(typed).map(path).collect()
}

/// What is wrong with an include of the page `rel`, given the included file's text.
fn include_problem(rel: &str, include: &Include, file: Option<&str>) -> Option<String> {
    let (where_, name) = (format!("book/src/{rel}:{}", include.line), &include.file);
    match file {
        None => Some(format!("{where_}: includes {name}, which does not exist")),
        Some(text) if !include.finds_its_anchor(text) => {
            let anchor = match &include.part {
                super::markdown::Part::Anchor(anchor) => anchor.as_str(),
                _ => "",
            };
            Some(format!(
                "{where_}: includes the anchor `{anchor}` of {name}, which has no \
                 `// ANCHOR: {anchor}` line"
            ))
        }
        Some(_) => None,
    }
}

/// A code block is a doctest unless it says otherwise, so it must say what it is, and
/// `ignore` (a block never tested) is only for code included from a crate, which its
/// crate tests.
fn code_block_problem(rel: &str, block: &CodeBlock) -> Option<String> {
    let where_ = format!("book/src/{rel}:{}", block.line);
    let Some(info) = &block.info else {
        return Some(format!(
            "{where_}: an indented code block is a code block without a language; rustdoc \
             would run it as Rust. Fence it and say `rust`, `text`, `console`, …"
        ));
    };
    // rustdoc separates the words of an info string with commas or spaces.
    let words: Vec<&str> = info
        .split([',', ' ', '\t'])
        .filter(|w| !w.is_empty())
        .collect();
    let body = &block.body;
    if words.is_empty() {
        Some(format!(
            "{where_}: a code block without a language; rustdoc would run it as Rust. Say `rust`, `text`, `console`, …"
        ))
    } else if words.contains(&"ignore") {
        let only_includes = body.lines().filter(|l| !l.trim().is_empty()).all(|l| {
            let l = l.trim();
            l.starts_with("{{#include ") || l.starts_with("{{#rustdoc_include ")
        });
        (!only_includes || body.trim().is_empty()).then(|| format!(
            "{where_}: `ignore` is only for blocks that {{{{#include}}}} crate code (tested in its crate); this block would never be tested"
        ))
    } else if words[0] == "rust" && body.contains("{{#") {
        Some(format!(
            "{where_}: a block that includes crate code must be `rust,ignore` (rustdoc does not expand {{{{#include}}}})"
        ))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocks(text: &str) -> Vec<Option<String>> {
        Page::parse(text)
            .code_blocks
            .iter()
            .map(|b| code_block_problem("p.md", b))
            .collect()
    }

    #[test]
    fn a_code_block_says_what_it_is() {
        let ok = "```rust\nlet x = 1;\n```\n\n```rust,ignore\n{{#include ../x.rs:a}}\n```\n\n```text\n{{#include}}\n```\n";
        assert!(blocks(ok).iter().all(Option::is_none), "{:?}", blocks(ok));
        let bad = "```\nbare\n```\n\n```rust,ignore\nlet untested = 1;\n```\n\n```rust\n{{#include ../x.rs}}\n```\n\n```rust,ignore\n```\n";
        let found: Vec<String> = blocks(bad).into_iter().flatten().collect();
        assert_eq!(found.len(), 4, "{found:#?}");
        assert!(found[0].starts_with("book/src/p.md:1: a code block without a language"));
        assert!(found[1].contains("p.md:5: `ignore` is only for blocks"));
        assert!(
            found[2].contains("p.md:9: a block that includes crate code must be `rust,ignore`")
        );
        assert!(found[3].contains("`ignore` is only for blocks"));
    }

    /// The hand-written scanner missed each of these: a fence in a `> [!NOTE]` box (it
    /// looked for fences at the start of a line), an indented block (which rustdoc runs as
    /// Rust), `ignore` after a space (rustdoc's separator as much as a comma), and a
    /// `~~~` block left open at the end of the page.
    #[test]
    fn blocks_the_line_scanner_missed_are_checked() {
        let text = "> [!NOTE]\n> ```\n> in a box\n> ```\n\nText.\n\n    indented\n\n```rust ignore\nlet untested = 1;\n```\n\n- item\n\n  ~~~rust,ignore\n  let never_closed = 1;\n";
        let found: Vec<String> = blocks(text).into_iter().flatten().collect();
        assert_eq!(found.len(), 4, "{found:#?}");
        assert!(found[0].starts_with("book/src/p.md:2: a code block without a language"));
        assert!(found[1].starts_with("book/src/p.md:8: an indented code block"));
        assert!(found[2].starts_with("book/src/p.md:10: `ignore` is only"));
        assert!(found[3].starts_with("book/src/p.md:16: `ignore` is only"));
    }

    #[test]
    fn links_to_the_repository_are_read_from_links_and_text() {
        let prefix = "https://g.com/c/blob/main/";
        let page = Page::parse(
            "[ex](https://g.com/c/blob/main/exercises/01/src/ex01.rs#L3) and\n\n```text\nsee https://g.com/c/blob/main/support/src/lib.rs\n```\n\n[other](https://e.org/x)\n",
        );
        assert_eq!(
            linked_files(&page, prefix).into_iter().collect::<Vec<_>>(),
            ["exercises/01/src/ex01.rs", "support/src/lib.rs"]
        );
        assert!(links_to(
            &page,
            "https://g.com/c/blob/main/exercises/01/src/ex01.rs"
        ));
        assert!(!links_to(
            &page,
            "https://g.com/c/blob/main/exercises/01/src/ex0"
        ));
    }

    #[test]
    fn an_include_finds_its_file_and_anchor() {
        let include = |text: &str| super::super::markdown::includes(text).remove(0);
        let file = "// ANCHOR: device\nfn f() {}\n// ANCHOR_END: device\n";
        assert_eq!(
            include_problem("p.md", &include("{{#include f.rs:device}}"), Some(file)),
            None
        );
        assert!(
            include_problem("p.md", &include("{{#include f.rs:dev}}"), Some(file))
                .unwrap()
                .contains("includes the anchor `dev` of f.rs")
        );
        assert!(
            include_problem("p.md", &include("x\n{{#include g.rs}}"), None)
                .unwrap()
                .starts_with("book/src/p.md:2: includes g.rs, which does not exist")
        );
    }
}
