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

    match fs::read_to_string(root.join(&stub)) {
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
    match fs::read_to_string(root.join(&solution)) {
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
        if rel != "SUMMARY.md" && !summary.contains(&format!("({rel})")) {
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
    fn features_are_read_from_the_features_table() {
        let f = features_of("[package]\nname='x'\n[features]\na = []\nb-c = []\n");
        assert_eq!(f.into_iter().collect::<Vec<_>>(), ["a", "b-c"]);
    }
}
