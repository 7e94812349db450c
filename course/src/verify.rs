//! Does the course agree with itself? The manifest, the crates and the book are checked
//! against each other; every problem found is a sentence that names the file to fix.
//!
//! Running the tests (stubs must fail, solutions must pass, wrong answers must be caught)
//! is done by the `course` crate's integration tests, through cargo.

use crate::cargo::Binary;
use crate::check::exercise_file;
use crate::manifest::{Exercise, MANIFEST, Manifest};
use anyhow::Result;
use std::collections::{BTreeSet, HashSet};
use std::fs;
use std::path::Path;

/// Every disagreement between the manifest, the files and the book under `root`.
pub fn problems(root: &Path) -> Result<Vec<String>> {
    let manifest = Manifest::load(root)?;
    let mut found = Vec::new();
    let repo = repository_url(root);
    let summary = fs::read_to_string(root.join("book/src/SUMMARY.md")).unwrap_or_default();

    for chapter in &manifest.chapters {
        for (dir, package) in [
            ("exercises", chapter.package()),
            ("solutions", chapter.solution_package()),
            ("wrong", chapter.wrong_package()),
        ] {
            let cargo_toml = Path::new(dir).join(&chapter.dir).join("Cargo.toml");
            match fs::read_to_string(root.join(&cargo_toml)) {
                Err(_) => found.push(format!(
                    "chapter {} has no {} (expected the package `{package}`)",
                    chapter.dir,
                    cargo_toml.display()
                )),
                Ok(text) if !text.contains(&format!("name = \"{package}\"")) => {
                    found.push(format!(
                        "{} should name its package `{package}`",
                        cargo_toml.display()
                    ))
                }
                Ok(_) => {}
            }
        }
        page_exists(
            root,
            &summary,
            &chapter.book,
            &format!("chapter {}", chapter.dir),
            &mut found,
        );
    }

    for exercise in &manifest.exercises {
        check_exercise(root, &manifest, exercise, &repo, &summary, &mut found);
    }

    // The other way round: every file that looks like part of the course is listed.
    for chapter in &manifest.chapters {
        let listed: HashSet<String> = manifest
            .exercises_of(chapter)
            .map(Exercise::module)
            .collect();
        for (dir, sub) in [
            ("exercises", "tests"),
            ("exercises", "src"),
            ("solutions", "src"),
        ] {
            let folder = Path::new(dir).join(&chapter.dir).join(sub);
            for stem in rust_files(&root.join(&folder)) {
                if stem.starts_with("ex") && !listed.contains(&stem) {
                    found.push(format!(
                        "{}/{stem}.rs is not in the manifest {MANIFEST}: add an [[exercise]] for it or remove it",
                        folder.display()
                    ));
                }
            }
        }
        let wrong_toml = Path::new("wrong").join(&chapter.dir).join("Cargo.toml");
        let features = features_of(&fs::read_to_string(root.join(&wrong_toml)).unwrap_or_default());
        let named: HashSet<&str> = manifest
            .exercises_of(chapter)
            .flat_map(|e| e.wrong.iter().map(|w| w.feature.as_str()))
            .collect();
        for feature in &features {
            if !named.contains(feature.as_str()) {
                found.push(format!(
                    "{} has the feature `{feature}`, but no exercise in {MANIFEST} lists it as a wrong answer",
                    wrong_toml.display()
                ));
            }
        }
    }
    for dir in ["exercises", "solutions", "wrong"] {
        for entry in fs::read_dir(root.join(dir)).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if entry.path().is_dir() && !manifest.chapters.iter().any(|c| c.dir == name) {
                found.push(format!(
                    "{dir}/{name} is not a chapter in the manifest {MANIFEST}"
                ));
            }
        }
    }

    found.extend(book_problems(root, &manifest, &repo)?);
    Ok(found)
}

fn check_exercise(
    root: &Path,
    manifest: &Manifest,
    exercise: &Exercise,
    repo: &str,
    summary: &str,
    found: &mut Vec<String>,
) {
    let chapter = manifest.chapter_of(exercise);
    let id = &exercise.id;
    let module = exercise.module();
    let stub = exercise_file(chapter, exercise);
    let test = Path::new("exercises")
        .join(&chapter.dir)
        .join("tests")
        .join(format!("{module}.rs"));
    let solution = Path::new("solutions")
        .join(&chapter.dir)
        .join("src")
        .join(format!("{module}.rs"));

    let stub_text = fs::read_to_string(root.join(&stub));
    match &stub_text {
        Err(_) => found.push(format!("exercise {id} has no file {}", stub.display())),
        Ok(text) if !text.contains("todo!(") => found.push(format!(
            "{} (exercise {id}) has no `todo!()`: a stub leaves the work to the learner",
            stub.display()
        )),
        Ok(_) => {}
    }
    if !root.join(&test).is_file() {
        found.push(format!("exercise {id} has no test file {}", test.display()));
    }
    let solution_text = fs::read_to_string(root.join(&solution));
    match &solution_text {
        Err(_) => found.push(format!(
            "exercise {id} has no solution {}",
            solution.display()
        )),
        Ok(text) if text.contains("todo!(") || text.contains("unimplemented!(") => {
            found.push(format!(
                "the solution {} (exercise {id}) still holds a todo!()",
                solution.display()
            ))
        }
        Ok(_) => {}
    }
    if let (Ok(stub_text), Ok(solution_text)) = (&stub_text, &solution_text) {
        found.extend(given_code_problems(
            &stub,
            stub_text,
            &solution,
            solution_text,
        ));
    }
    for (dir, lib) in [("exercises", &stub), ("solutions", &solution)] {
        let lib_rs = Path::new(dir).join(&chapter.dir).join("src/lib.rs");
        let text = fs::read_to_string(root.join(&lib_rs)).unwrap_or_default();
        if !text.contains(&format!("mod {module};")) {
            found.push(format!(
                "{} does not declare `mod {module};`, so {} is never compiled",
                lib_rs.display(),
                lib.display()
            ));
        }
    }
    // The solution and the wrong answers run the exercise's own test file, by path.
    let wanted = format!("../../exercises/{}/tests/{module}.rs", chapter.dir);
    for dir in ["solutions", "wrong"] {
        let cargo_toml = Path::new(dir).join(&chapter.dir).join("Cargo.toml");
        let text = fs::read_to_string(root.join(&cargo_toml)).unwrap_or_default();
        let declared = text.contains(&format!("name = \"{module}\"")) && text.contains(&wanted);
        if !declared {
            found.push(format!(
                "{} needs a [[test]] named `{module}` with path \"{wanted}\" (exercise {id})",
                cargo_toml.display()
            ));
        }
    }
    if exercise.wrong.is_empty() {
        found.push(format!(
            "exercise {id} lists no wrong answers: keep the plausible mistakes its tests must reject"
        ));
    }
    let wrong_toml = Path::new("wrong").join(&chapter.dir).join("Cargo.toml");
    let features = features_of(&fs::read_to_string(root.join(&wrong_toml)).unwrap_or_default());
    for wrong in &exercise.wrong {
        if !features.contains(&wrong.feature) {
            found.push(format!(
                "exercise {id} lists the wrong answer `{}`, but {} has no such feature",
                wrong.feature,
                wrong_toml.display()
            ));
        }
        if wrong.why.trim().is_empty() {
            found.push(format!(
                "the wrong answer `{}` of {id} does not say what is wrong",
                wrong.feature
            ));
        }
    }
    if page_exists(
        root,
        summary,
        &exercise.book,
        &format!("exercise {id}"),
        found,
    ) {
        let page =
            fs::read_to_string(root.join("book/src").join(&exercise.book)).unwrap_or_default();
        let link = format!("{repo}/blob/main/{}", stub.display());
        if !page.contains(&link) {
            found.push(format!(
                "book/src/{} teaches exercise {id} but does not link its file ({link})",
                exercise.book
            ));
        }
        if !page.contains(&format!("cargo course check {id}")) {
            found.push(format!(
                "book/src/{} does not tell how to check exercise {id} (`cargo course check {id}`)",
                exercise.book
            ));
        }
    }
}

/// The code a stub gives the learner must be the code the solution was tested with.
///
/// Both files are cut into top-level items (functions, types, `impl` blocks, constants…).
/// An item of the stub that is the learner's to write (it holds a `todo!(`, or a comment
/// that starts with `// Add`, as a struct whose fields the learner chooses) is skipped,
/// and so are `use` lines; every other item must appear in the solution with the same
/// code. Comments may differ: a stub's doc comment often says more about what to do.
fn given_code_problems(
    stub_path: &Path,
    stub: &str,
    solution_path: &Path,
    solution: &str,
) -> Vec<String> {
    let mut found = Vec::new();
    let mut report = |key: String, missing: bool| {
        found.push(if missing {
            format!(
                "{} gives `{key}`, which {} does not have: the stub's given code must be the \
                 solution's",
                stub_path.display(),
                solution_path.display()
            )
        } else {
            format!(
                "{} gives `{key}` with other code than {}: a learner would start from code the \
                 solution was not tested with (change both, or mark the item as the \
                 learner's with a `todo!()` or an `// Add …` comment)",
                stub_path.display(),
                solution_path.display()
            )
        })
    };
    compare_items(&items(stub), &items(solution), "", &mut report);
    found
}

/// Compares the stub's given items with the solution's; `inside` names the enclosing
/// `impl` block, if any. An `impl` block that holds some of the learner's work is
/// compared method by method.
fn compare_items(
    stub: &[Item],
    solution: &[Item],
    inside: &str,
    report: &mut dyn FnMut(String, bool),
) {
    for item in stub {
        if item.key.starts_with("use ") {
            continue;
        }
        let same_key: Vec<&Item> = solution.iter().filter(|s| s.key == item.key).collect();
        let name = format!("{}{inside}", item.key);
        if item.learners {
            if item.key.starts_with("impl")
                && let [theirs] = same_key[..]
            {
                let inner = format!(" in {}", item.key);
                compare_items(&items(&body(item)), &items(&body(theirs)), &inner, report);
            }
        } else if same_key.is_empty() {
            report(name, true);
        } else if !same_key.iter().any(|s| s.code == item.code) {
            report(name, false);
        }
    }
}

/// The lines between an item's opening brace and its closing one.
fn body(item: &Item) -> String {
    let mut depth = 0i64;
    let mut lines = Vec::new();
    for line in &item.code {
        let before = depth;
        depth += line.matches('{').count() as i64 - line.matches('}').count() as i64;
        if before >= 1 && depth >= 1 {
            lines.push(line.as_str());
        }
    }
    lines.join("\n")
}

/// A top-level item of a Rust file, as [`given_code_problems`] compares it.
struct Item {
    /// What it is and its name, as `fn run`, `struct State` or `impl<T> JoinHandle<T>`.
    key: String,
    /// Its lines without comments (anchors, doc comments, trailing comments).
    code: Vec<String>,
    /// The learner writes it: it holds a `todo!(` or an `// Add …` comment.
    learners: bool,
}

/// Cuts a Rust file into its top-level items by counting braces outside comments. A
/// heuristic (a brace inside a string literal would fool it), good for course code.
fn items(text: &str) -> Vec<Item> {
    let mut items = Vec::new();
    let mut lines: Vec<&str> = Vec::new();
    let mut depth = 0i64;
    for line in text.lines().filter(|l| !l.contains("ANCHOR")) {
        let trimmed = line.trim();
        let comment = trimmed.starts_with("//");
        if lines.is_empty() && (trimmed.is_empty() || comment || trimmed.starts_with("#![")) {
            continue;
        }
        lines.push(line);
        let code = if comment { "" } else { without_comment(line) };
        depth += code.matches('{').count() as i64 - code.matches('}').count() as i64;
        let end = code.trim_end();
        if depth <= 0 && (end.ends_with('}') || end.ends_with(';')) && !trimmed.starts_with("#[") {
            items.push(item(&lines));
            lines.clear();
            depth = 0;
        }
    }
    items
}

fn item(lines: &[&str]) -> Item {
    let code: Vec<String> = lines
        .iter()
        .filter(|l| !l.trim().starts_with("//"))
        .map(|l| without_comment(l).trim_end().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    let learners = lines
        .iter()
        .any(|l| l.contains("todo!(") || l.trim().starts_with("// Add"));
    Item {
        key: item_key(&code),
        code,
        learners,
    }
}

/// `fn name`, `struct Name`…, or for an `impl` block its header up to the brace.
fn item_key(code: &[String]) -> String {
    let joined = code
        .iter()
        .filter(|l| !l.trim_start().starts_with("#["))
        .map(|l| l.trim())
        .collect::<Vec<_>>()
        .join(" ");
    let words: Vec<&str> = joined.split_whitespace().collect();
    for (i, word) in words.iter().enumerate() {
        let kinds = [
            "fn", "struct", "enum", "trait", "type", "const", "static", "mod", "union",
        ];
        if kinds.contains(word)
            && let Some(next) = words.get(i + 1)
        {
            let name: String = next
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            // `const fn f` and `const unsafe fn f` are functions: read on to the `fn`.
            if !name.is_empty() && !["fn", "unsafe", "extern"].contains(&name.as_str()) {
                return format!("{word} {name}");
            }
        }
        if *word == "impl" || word.starts_with("impl<") {
            let header = joined[joined.find("impl").unwrap_or(0)..]
                .split('{')
                .next()
                .unwrap_or("");
            return header.split_whitespace().collect::<Vec<_>>().join(" ");
        }
        if *word == "use" {
            return joined;
        }
    }
    joined.chars().take(60).collect()
}

/// The line up to a `//` comment (a `//` inside a string literal cuts it too, on both
/// sides of a comparison alike).
fn without_comment(line: &str) -> &str {
    line.find("//").map_or(line, |at| &line[..at])
}

/// Checks that a page exists and is in the book's table of contents.
fn page_exists(
    root: &Path,
    summary: &str,
    page: &str,
    whose: &str,
    found: &mut Vec<String>,
) -> bool {
    if !root.join("book/src").join(page).is_file() {
        found.push(format!(
            "{whose} names the page book/src/{page}, which does not exist"
        ));
        return false;
    }
    if !summary.contains(&format!("({page})")) {
        found.push(format!(
            "book/src/{page} ({whose}) is not in book/src/SUMMARY.md"
        ));
    }
    true
}

/// Problems in the pages themselves: links to exercises that do not exist, code blocks
/// that rustdoc would misread, `ignore` used for anything but included crate code.
fn book_problems(root: &Path, manifest: &Manifest, repo: &str) -> Result<Vec<String>> {
    let mut found = Vec::new();
    let src = root.join("book/src");
    let summary = fs::read_to_string(src.join("SUMMARY.md")).unwrap_or_default();
    let files: BTreeSet<String> = manifest
        .exercises
        .iter()
        .map(|e| {
            exercise_file(manifest.chapter_of(e), e)
                .display()
                .to_string()
        })
        .collect();
    for page in markdown_files(&src) {
        let rel = page
            .strip_prefix(&src)
            .unwrap_or(&page)
            .display()
            .to_string();
        let text = fs::read_to_string(&page)?;
        if rel != "SUMMARY.md"
            && !summary.contains(&format!("({rel})"))
            && !included_by_a_page(&page)
        {
            found.push(format!(
                "book/src/{rel} is not in book/src/SUMMARY.md, so the book never shows it"
            ));
        }
        // Links to exercise files must name exercises that exist.
        let prefix = format!("{repo}/blob/main/");
        for (at, _) in text.match_indices(&prefix) {
            let rest = &text[at + prefix.len()..];
            let path: String = rest
                .chars()
                .take_while(|c| !matches!(c, ')' | ' ' | '"' | '>' | '#'))
                .collect();
            if path.starts_with("exercises/") && path.contains("/src/ex") && !files.contains(&path)
            {
                found.push(format!(
                    "book/src/{rel} links {path}, which is not an exercise in {MANIFEST}"
                ));
            } else if !root.join(&path).exists() {
                found.push(format!(
                    "book/src/{rel} links {path}, which does not exist in the repository"
                ));
            }
        }
        for (line, info, body) in code_blocks(&text) {
            let where_ = format!("book/src/{rel}:{line}");
            if info.is_empty() {
                found.push(format!(
                    "{where_}: a code block without a language; rustdoc would run it as Rust. Say `rust`, `text`, `console`, …"
                ));
                continue;
            }
            for include in body
                .lines()
                .filter_map(|l| l.trim().strip_prefix("{{#include "))
            {
                let target = include.trim_end_matches("}}").trim();
                let (file, anchor) = match target.split_once(':') {
                    Some((file, anchor))
                        if !anchor.chars().next().is_some_and(|c| c.is_ascii_digit()) =>
                    {
                        (file, Some(anchor))
                    }
                    Some((file, _)) => (file, None),
                    None => (target, None),
                };
                let path = page.parent().unwrap_or(&src).join(file);
                match fs::read_to_string(&path) {
                    Err(_) => {
                        found.push(format!("{where_}: includes {file}, which does not exist"))
                    }
                    Ok(code) => {
                        if let Some(anchor) = anchor
                            && !code.contains(&format!("ANCHOR: {anchor}"))
                        {
                            found.push(format!("{where_}: includes the anchor `{anchor}` of {file}, which has no `// ANCHOR: {anchor}` line"));
                        }
                    }
                }
            }
            let words: Vec<&str> = info.split(',').map(str::trim).collect();
            if words.contains(&"ignore") {
                let only_includes = body.lines().filter(|l| !l.trim().is_empty()).all(|l| {
                    let l = l.trim();
                    l.starts_with("{{#include ") || l.starts_with("{{#rustdoc_include ")
                });
                if !only_includes || body.trim().is_empty() {
                    found.push(format!(
                        "{where_}: `ignore` is only for blocks that {{{{#include}}}} crate code (tested in its crate); this block would never be tested"
                    ));
                }
            } else if words[0] == "rust" && body.contains("{{#") {
                found.push(format!(
                    "{where_}: a block that includes crate code must be `rust,ignore` (rustdoc does not expand {{{{#include}}}})"
                ));
            }
        }
    }
    Ok(found)
}

/// `(line, info string, body)` of each fenced code block.
fn code_blocks(text: &str) -> Vec<(usize, String, String)> {
    let mut blocks = Vec::new();
    let mut open: Option<(usize, String, String, String)> = None; // line, fence, info, body
    for (n, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        match &mut open {
            None => {
                let fence: String = trimmed
                    .chars()
                    .take_while(|&c| c == '`' || c == '~')
                    .collect();
                if fence.len() >= 3
                    && fence
                        .chars()
                        .all(|c| c == fence.chars().next().unwrap_or('`'))
                {
                    let info = trimmed[fence.len()..].trim().to_string();
                    open = Some((n + 1, fence, info, String::new()));
                }
            }
            Some((start, fence, info, body)) => {
                let closing = trimmed.trim_end();
                if closing.starts_with(fence.as_str())
                    && closing.chars().all(|c| c == '`' || c == '~')
                {
                    blocks.push((*start, std::mem::take(info), std::mem::take(body)));
                    open = None;
                } else {
                    body.push_str(line);
                    body.push('\n');
                }
            }
        }
    }
    blocks
}

/// A Markdown file that a page of its folder includes (a lab's table, written by the lab
/// and shown with `{{#include lab-table.md}}`) is shown through that page.
fn included_by_a_page(file: &Path) -> bool {
    let (Some(dir), Some(name)) = (file.parent(), file.file_name()) else {
        return false;
    };
    let include = format!("{{{{#include {}}}}}", name.to_string_lossy());
    markdown_files(dir)
        .iter()
        .any(|page| page != file && fs::read_to_string(page).is_ok_and(|t| t.contains(&include)))
}

fn markdown_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(markdown_files(&path));
        } else if path.extension().is_some_and(|e| e == "md") {
            out.push(path);
        }
    }
    out.sort();
    out
}

fn rust_files(dir: &Path) -> Vec<String> {
    let mut stems: Vec<String> = fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let path = e.path();
            if path.extension()? != "rs" {
                return None;
            }
            Some(path.file_stem()?.to_string_lossy().into_owned())
        })
        .collect();
    stems.sort();
    stems
}

/// The names in a Cargo.toml's `[features]` table.
fn features_of(cargo_toml: &str) -> BTreeSet<String> {
    toml::from_str::<toml::Table>(cargo_toml)
        .ok()
        .and_then(|t| t.get("features")?.as_table().cloned())
        .map(|f| f.keys().cloned().collect())
        .unwrap_or_default()
}

/// The repository's address, from `book/book.toml` (`output.html.git-repository-url`).
pub fn repository_url(root: &Path) -> String {
    fs::read_to_string(root.join("book/book.toml"))
        .ok()
        .and_then(|t| toml::from_str::<toml::Table>(&t).ok())
        .and_then(|t| {
            t.get("output")?
                .get("html")?
                .get("git-repository-url")?
                .as_str()
                .map(|s| s.trim_end_matches('/').to_string())
        })
        .unwrap_or_default()
}

/// What is wrong with a run of a chapter's *stubs*: each exercise's test binary must have
/// compiled and run, and every one of its tests must have failed. A test that a stub
/// passes checks nothing.
pub fn judge_stubs(
    manifest: &Manifest,
    chapter: &crate::manifest::Chapter,
    binaries: &[Binary],
    output: &str,
) -> Vec<String> {
    let mut found = Vec::new();
    for exercise in manifest.exercises_of(chapter) {
        let module = exercise.module();
        let Some(binary) = binaries.iter().find(|b| b.name == module) else {
            found.push(format!(
                "the stub of {} did not build or its tests did not run (`cargo test -p {}`):\n{}",
                exercise.id,
                chapter.package(),
                crate::cargo::compile_errors(output)
            ));
            continue;
        };
        if binary.tests.is_empty() {
            found.push(format!("{} has no tests in tests/{module}.rs", exercise.id));
        }
        for test in binary.tests.iter().filter(|t| t.passed) {
            found.push(format!(
                "the stub of {} passes its test `{}`: a test that the untouched stub passes checks nothing (exercises/{}/tests/{module}.rs)",
                exercise.id, test.name, chapter.dir
            ));
        }
    }
    found
}

/// What is wrong with a run of one wrong answer: it must compile, and at least one of its
/// exercise's tests must fail.
pub fn judge_wrong(
    exercise: &Exercise,
    wrong: &crate::manifest::Wrong,
    binaries: &[Binary],
    output: &str,
) -> Option<String> {
    let module = exercise.module();
    match binaries.iter().find(|b| b.name == module) {
        None => Some(format!(
            "the wrong answer `{}` of {} does not build, so it proves nothing:\n{}",
            wrong.feature,
            exercise.id,
            crate::cargo::compile_errors(output)
        )),
        Some(binary) if binary.tests.is_empty() => Some(format!(
            "the tests of {} did not run against the wrong answer `{}`",
            exercise.id, wrong.feature
        )),
        Some(binary) if binary.failed() == 0 => Some(format!(
            "the wrong answer `{}` of {} ({}) passes every test: the tests do not catch this mistake",
            wrong.feature, exercise.id, wrong.why
        )),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_blocks_are_found_with_their_info_and_line() {
        let text = "# T\n\n```rust,ignore\n{{#include a.rs}}\n```\n\ntext\n````text\n```\n````\n";
        let blocks = code_blocks(text);
        assert_eq!(blocks.len(), 2);
        assert_eq!((blocks[0].0, blocks[0].1.as_str()), (3, "rust,ignore"));
        assert_eq!(blocks[1].2, "```\n");
    }

    #[test]
    fn given_code_is_compared_item_by_item() {
        let solution = "//! Solution.\n\nuse std::fmt;\n\n/// Doc.\npub fn given() -> u8 {\n    1 // one\n}\n\npub fn yours() -> u8 {\n    2\n}\n\npub const fn new() {}\n\nimpl Thing {\n    fn id(&self) {}\n    fn work(&self) -> u8 {\n        5\n    }\n}\n";
        let same = "//! Stub: fill it in.\n\n/// Another doc.\npub fn given() -> u8 {\n    1\n}\n\npub fn yours() -> u8 {\n    todo!()\n}\n\npub const fn new() {}\n\nimpl Thing {\n    fn id(&self) {}\n    fn work(&self) -> u8 {\n        todo!()\n    }\n}\n";
        let (stub, sol) = (Path::new("stub.rs"), Path::new("sol.rs"));
        assert!(given_code_problems(stub, same, sol, solution).is_empty());
        let drifted = same.replace("    1\n", "    3\n");
        let found = given_code_problems(stub, &drifted, sol, solution);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].contains("gives `fn given` with other code"),
            "{found:?}"
        );
        let extra = format!("{same}\nconst EXTRA: u8 = 4;\n");
        let found = given_code_problems(stub, &extra, sol, solution);
        assert!(found[0].contains("gives `const EXTRA`, which sol.rs does not have"));
        let method = same.replace("fn id(&self) {}", "fn id(&self) { () }");
        let found = given_code_problems(stub, &method, sol, solution);
        assert!(
            found[0].contains("gives `fn id in impl Thing` with other code"),
            "{found:?}"
        );
        let keys: Vec<String> = items(solution).into_iter().map(|i| i.key).collect();
        assert_eq!(
            keys,
            [
                "use std::fmt;",
                "fn given",
                "fn yours",
                "fn new",
                "impl Thing"
            ]
        );
    }

    #[test]
    fn features_are_read_from_the_features_table() {
        let f = features_of("[package]\nname='x'\n[features]\na = []\nb-c = []\n");
        assert_eq!(f.into_iter().collect::<Vec<_>>(), ["a", "b-c"]);
    }
}
