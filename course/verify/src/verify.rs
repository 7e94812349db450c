//! Does the course agree with itself? The manifest, the crates and the book are checked
//! against each other; every problem found is a sentence that names the file to fix.
//!
//! Running the tests (stubs must fail, solutions must pass, wrong answers must be caught)
//! is done by the `course` crate's integration tests, through cargo.

use anyhow::Result;
use course::cargo::Binary;
use course::check::exercise_file;
use course::manifest::{Exercise, MANIFEST, Manifest};
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
    found.extend(test_rule_problems(root, &manifest));
    found.extend(solution_on_page_problems(root, &manifest));
    found.extend(hint_problems(root, &manifest));
    found.extend(typed_figure_problems(root));
    found.extend(unlinked_picture_problems(root));
    Ok(found)
}

/// Rules that keep tests honest in every new chapter (issue: tests that cannot be fooled):
///
/// - every `#[test]` of an exercise runs under a time limit: its body calls `timeout` (or
///   `timeout_after`, or `support::tokio`'s helpers), directly or through a helper of the
///   same file that does, so that a deadlock fails with a message instead of hanging;
/// - a page that claims "the tests catch/reject …" names, in backticks, the wrong answer
///   (a feature in the manifest) that proves it.
fn test_rule_problems(root: &Path, manifest: &Manifest) -> Vec<String> {
    let mut found = Vec::new();
    let limited = |code: &str| {
        [
            "timeout(",
            "timeout_after(",
            "support::tokio",
            "paused(",
            "real_time(",
        ]
        .iter()
        .any(|w| code.contains(w))
    };
    for exercise in &manifest.exercises {
        let chapter = manifest.chapter_of(exercise);
        let path = Path::new("exercises")
            .join(&chapter.dir)
            .join("tests")
            .join(format!("{}.rs", exercise.module()));
        let Ok(text) = fs::read_to_string(root.join(&path)) else {
            continue; // reported by check_exercise
        };
        let all = items(&text);
        // Helpers that put their work under a time limit: the file's own, and those of a
        // `tests/common` module the chapter's test files share.
        let common = fs::read_to_string(
            root.join("exercises")
                .join(&chapter.dir)
                .join("tests/common/mod.rs"),
        )
        .map(|t| items(&t))
        .unwrap_or_default();
        let helpers: Vec<String> = all
            .iter()
            .chain(&common)
            .filter(|i| !i.code.iter().any(|l| l.contains("#[test]")))
            .filter(|i| limited(&i.code.join("\n")))
            .filter_map(|i| i.key.strip_prefix("fn ").map(|name| format!("{name}(")))
            .collect();
        for test in all.iter().filter(|i| {
            i.code
                .iter()
                .any(|l| l.trim() == "#[test]" || l.trim().starts_with("#[tokio::test"))
        }) {
            let body = test.code.join("\n");
            let under_limit = limited(&body)
                || helpers.iter().any(|h| body.contains(h.as_str()))
                || test
                    .code
                    .iter()
                    .any(|l| l.trim().starts_with("#[tokio::test"));
            if !under_limit {
                found.push(format!(
                    "{}: `{}` does not run under a time limit: wrap its body in \
                     `support::timeout(|| …)` so that a deadlock fails instead of hanging",
                    path.display(),
                    test.key
                ));
            }
        }
    }

    let claim = |sentence: &str| {
        let s = sentence.to_lowercase();
        [
            "the tests catch",
            "the tests reject",
            "the tests refuse",
            "a test catches",
            "a test rejects",
        ]
        .iter()
        .any(|c| s.contains(c))
    };
    for chapter in &manifest.chapters {
        let features: Vec<&str> = manifest
            .exercises_of(chapter)
            .flat_map(|e| e.wrong.iter().map(|w| w.feature.as_str()))
            .collect();
        let Some(folder) = Path::new(&chapter.book).parent() else {
            continue;
        };
        for page in markdown_files(&root.join("book/src").join(folder)) {
            let text = fs::read_to_string(&page).unwrap_or_default();
            for sentence in text.split(['.', '\n']).filter(|s| claim(s)) {
                let backed = features
                    .iter()
                    .any(|f| sentence.contains(&format!("`{f}`")));
                if !backed {
                    found.push(format!(
                        "{}: \"{}\" claims the tests catch something: name the wrong answer \
                         that proves it, in backticks (a feature of wrong/{} listed in {MANIFEST})",
                        page.strip_prefix(root).unwrap_or(&page).display(),
                        sentence.trim(),
                        chapter.dir
                    ));
                }
            }
        }
    }
    found
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
        if let Some(os) = &wrong.only_on
            && !course::manifest::Wrong::only_on_is_valid(os)
        {
            found.push(format!(
                "the wrong answer `{}` of {id} is for `only_on = \"{os}\"`, which is not one of {:?}",
                wrong.feature,
                course::manifest::Wrong::SYSTEMS
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
    // Markdown that a page includes (a lab's table) is part of that page, not a page.
    let fragments: HashSet<std::path::PathBuf> = markdown_files(&src)
        .iter()
        .flat_map(|page| {
            let dir = page.parent().unwrap_or(&src).to_path_buf();
            fs::read_to_string(page)
                .unwrap_or_default()
                .lines()
                .filter_map(|l| l.trim().strip_prefix("{{#include "))
                .filter_map(|t| t.trim_end_matches("}}").trim().strip_suffix(".md"))
                .map(|file| dir.join(format!("{file}.md")))
                .collect::<Vec<_>>()
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
            && !fragments.contains(&page)
            && !summary.contains(&format!("({rel})"))
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

/// Pages must not hand out answers: a code block of a page (pasted, in a `<details>` box
/// or not, or `{{#include}}`d from a crate) must not hold the solution's code of an item
/// that a stub leaves to the learner (a `todo!`). The stub's signature may be shown; its
/// solution's body may not.
///
/// An item's body is recognised by its *distinctive lines*: the solution's lines inside
/// the item, trimmed, at least 10 characters long (so `Ok(())` and `}` match nothing), and
/// not found anywhere in the stub (given code may share a line with an answer). A
/// block that holds more than half of them (and two at least, or the only one) gives the
/// item away; a smaller example that shares a few idioms with it (`.collect();`) does not.
/// The code of each item the learner writes, as `(exercise id, item, its distinctive
/// lines)`: the lines of the solution's item that the stub does not show.
fn learners_answers(root: &Path, manifest: &Manifest) -> Vec<(String, String, Vec<String>)> {
    let mut answers: Vec<(String, String, Vec<String>)> = Vec::new(); // id, item, lines
    for exercise in &manifest.exercises {
        let chapter = manifest.chapter_of(exercise);
        let module = exercise.module();
        let read = |dir: &str| {
            fs::read_to_string(
                root.join(dir)
                    .join(&chapter.dir)
                    .join("src")
                    .join(format!("{module}.rs")),
            )
            .unwrap_or_default()
        };
        let stub_text = read("exercises");
        // A line the stub itself shows (in given code) gives nothing away.
        let in_stub: HashSet<&str> = stub_text.lines().map(str::trim).collect();
        let (stub, solution) = (items(&stub_text), items(&read("solutions")));
        for (key, code) in learners_items(&stub, &solution, "") {
            let mut lines = distinctive_lines(&code);
            lines.retain(|l| !in_stub.contains(l.as_str()));
            if !lines.is_empty() {
                answers.push((exercise.id.clone(), key, lines));
            }
        }
    }
    answers
}

/// A hint nudges; it never writes the answer. A hint (all its steps together) that quotes
/// two lines of one of the learner's items, or one long line, gives the code away.
fn hint_problems(root: &Path, manifest: &Manifest) -> Vec<String> {
    let answers = learners_answers(root, manifest);
    let mut found = Vec::new();
    for exercise in &manifest.exercises {
        let hint: String = exercise.hints.join("\n");
        for (id, key, lines) in answers.iter().filter(|(id, ..)| *id == exercise.id) {
            let quoted: Vec<&String> = lines
                .iter()
                .filter(|l| l.chars().count() >= HINT_SHORTEST && hint.contains(l.as_str()))
                .collect();
            if quoted.len() >= 2 || quoted.iter().any(|l| l.chars().count() >= HINT_LONG_LINE) {
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

/// A line of the solution this long, quoted whole in a hint, is the answer itself.
const HINT_LONG_LINE: usize = 30;
/// Shorter lines (`.collect()`, `thread::park();`) are the vocabulary a nudge names.
const HINT_SHORTEST: usize = 16;

fn solution_on_page_problems(root: &Path, manifest: &Manifest) -> Vec<String> {
    let answers = learners_answers(root, manifest);
    let mut found = Vec::new();
    let src = root.join("book/src");
    for BookPage {
        rel,
        path: page,
        text,
    } in book_pages(&src)
    {
        for (line, _info, body) in code_blocks(&text) {
            let code = expand_includes(page.parent().unwrap_or(&src), &body);
            let shown: HashSet<&str> = code
                .lines()
                .map(|l| {
                    let l = l.trim();
                    // rustdoc's hidden lines (`# code`) are on the page too.
                    l.strip_prefix("# ").unwrap_or(l).trim()
                })
                .collect();
            for (id, key, lines) in &answers {
                let given_away = lines.iter().filter(|l| shown.contains(l.as_str())).count();
                if given_away >= lines.len().min(2) && given_away * 2 > lines.len() {
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

/// The learner's items of a stub (holding a `todo!`), as `(name, the solution's code)`:
/// an `impl` block with some of the learner's work gives its methods one by one. An item
/// the solution has several times (one per target) gives each.
fn learners_items(stub: &[Item], solution: &[Item], inside: &str) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    for item in stub.iter().filter(|i| i.learners) {
        let theirs: Vec<&Item> = solution.iter().filter(|s| s.key == item.key).collect();
        if item.key.starts_with("impl") {
            if let [theirs] = theirs[..] {
                let inner = format!(" in {}", item.key);
                out.extend(learners_items(
                    &items(&body(item)),
                    &items(&body(theirs)),
                    &inner,
                ));
            }
        } else {
            for solved in theirs {
                out.push((format!("{}{inside}", item.key), solved.code.clone()));
            }
        }
    }
    out
}

/// The trimmed lines inside an item's braces that are long enough to be its own.
fn distinctive_lines(code: &[String]) -> Vec<String> {
    let item = Item {
        key: String::new(),
        code: code.to_vec(),
        learners: false,
    };
    let mut lines: Vec<String> = body(&item)
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| l.chars().count() >= 10 && !l.contains("todo!("))
        .collect();
    lines.sort();
    lines.dedup();
    lines
}

/// A code block's text with each `{{#include file}}` / `{{#include file:anchor}}` line
/// replaced by what mdBook would put there (the anchor's lines, without `ANCHOR` lines).
fn expand_includes(dir: &Path, body: &str) -> String {
    let mut out = String::new();
    for line in body.lines() {
        let Some(target) = line
            .trim()
            .strip_prefix("{{#include ")
            .or_else(|| line.trim().strip_prefix("{{#rustdoc_include "))
        else {
            out.push_str(line);
            out.push('\n');
            continue;
        };
        let target = target.trim_end_matches("}}").trim();
        let (file, anchor) = match target.split_once(':') {
            Some((file, anchor)) if !anchor.starts_with(|c: char| c.is_ascii_digit()) => {
                (file, Some(anchor))
            }
            Some((file, _)) => (file, None),
            None => (target, None),
        };
        let text = fs::read_to_string(dir.join(file)).unwrap_or_default();
        let mut inside = anchor.is_none();
        for l in text.lines() {
            if let Some(anchor) = anchor {
                if l.contains(&format!("ANCHOR: {anchor}")) {
                    inside = true;
                    continue;
                }
                if l.contains(&format!("ANCHOR_END: {anchor}")) {
                    inside = false;
                }
            }
            if inside && !l.contains("ANCHOR") {
                out.push_str(l);
                out.push('\n');
            }
        }
    }
    out
}

/// Figures come from the lab that measured them: a lab page (`lab.md`, or a page that
/// `{{#include}}`s a Markdown file, which a lab wrote) must not state a measurement in its
/// own prose, where the next run of the lab would leave it behind.
///
/// A measurement is a number followed by a unit of time or size (`17.5 µs`, `4.2 KiB`),
/// in prose: not in code blocks or `code spans`, not in included files. A figure that the
/// chapter's lab code itself spells out (`1 MiB stacks` in a row's name, or
/// `Duration::from_millis(80)`) is a setting of the experiment, not a measurement, and is
/// allowed, and so is a size that is a power of
/// two (`64 KiB`): those are settings and limits, while measured sizes never come out
/// round.
fn typed_figure_problems(root: &Path) -> Vec<String> {
    const UNITS: [&str; 8] = ["ns", "µs", "us", "ms", "KiB", "MiB", "GiB", "kB"];
    let mut found = Vec::new();
    let src = root.join("book/src");
    for BookPage {
        rel,
        path: page,
        text,
    } in book_pages(&src)
    {
        let prose = prose_lines(&text);
        let includes_a_table = prose.iter().any(|(_, l)| {
            l.trim_start().starts_with("{{#include ") && l.trim_end().ends_with(".md}}")
        });
        if !(includes_a_table || page.file_name().is_some_and(|n| n == "lab.md")) {
            continue;
        }
        // The chapter's lab code: `book/src/ch05-green/…` → `solutions/05-green/examples`.
        let chapter = rel.split('/').next().unwrap_or("");
        let examples = root
            .join("solutions")
            .join(chapter.strip_prefix("ch").unwrap_or(chapter))
            .join("examples");
        let lab_code: String = rust_files(&examples)
            .iter()
            .filter_map(|stem| fs::read_to_string(examples.join(format!("{stem}.rs"))).ok())
            .collect();
        for (line, prose) in prose {
            for figure in figures_in(&prose, &UNITS) {
                let (number, unit) = figure.rsplit_once(' ').unwrap_or((&figure, ""));
                // A duration the lab code sets (`Duration::from_millis(80)`) is a setting too.
                let constructor = match unit {
                    "ms" => "from_millis",
                    "µs" | "us" => "from_micros",
                    "ns" => "from_nanos",
                    _ => "",
                };
                if lab_code.contains(&figure)
                    || lab_code.contains(&format!("{number}{unit}"))
                    || (!constructor.is_empty()
                        && lab_code
                            .contains(&format!("{constructor}({})", number.replace(',', "_"))))
                {
                    continue;
                }
                // A size that is a power of two (a 64 KiB stack, 8 MiB by default) is a
                // setting, not something measured.
                let power_of_two = number
                    .replace(',', "")
                    .parse::<u64>()
                    .is_ok_and(u64::is_power_of_two);
                if unit.ends_with('B') && power_of_two {
                    continue;
                }
                found.push(format!(
                    "book/src/{rel}:{line}: `{figure}` is a lab figure typed by hand; the next \
                     run of the lab would leave it behind: include it from a table the lab \
                     writes ({{{{#include …md}}}}), or say it without the number (a setting \
                     of the experiment, not a measurement, may be written as code: `{figure}`)"
                ));
            }
        }
    }
    found
}

/// A picture on a page is a link to itself (`[![alt](x.svg)](x.svg)`), so that a reader on
/// a phone, where it is shrunk to the column, can open it full size.
fn unlinked_picture_problems(root: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let src = root.join("book/src");
    for BookPage { rel, text, .. } in book_pages(&src) {
        for (line, prose) in prose_lines(&text) {
            for (at, _) in prose.match_indices("![") {
                let Some(end) = prose[at..].find(')') else {
                    continue;
                };
                let Some(target) = prose[at..at + end].rsplit_once("](").map(|(_, t)| t) else {
                    continue;
                };
                let linked = prose[..at].ends_with('[')
                    && prose[at + end + 1..].starts_with(&format!("]({target})"));
                if !linked {
                    found.push(format!(
                        "book/src/{rel}:{line}: the picture {target} is not a link to itself; on a \
                         phone it is shrunk to the column and cannot be opened full size: write \
                         [![…]({target})]({target})"
                    ));
                }
            }
        }
    }
    found
}

/// The lines of a page outside fenced code blocks, numbered from 1, with `code spans`
/// blanked out.
fn prose_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut fence: Option<String> = None;
    for (n, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        let ticks: String = trimmed
            .chars()
            .take_while(|&c| c == '`' || c == '~')
            .collect();
        match &fence {
            Some(open) if trimmed.trim_end().starts_with(open.as_str()) => fence = None,
            Some(_) => {}
            None if ticks.len() >= 3 => fence = Some(ticks),
            None => {
                let mut prose = String::new();
                for (i, part) in line.split('`').enumerate() {
                    if i % 2 == 0 {
                        prose.push_str(part);
                    }
                    prose.push(' ');
                }
                out.push((n + 1, prose));
            }
        }
    }
    out
}

/// Every `number unit` in `text` (`17.5 µs`, `4.2KiB`), written back as `17.5 µs`.
fn figures_in(text: &str, units: &[&str]) -> Vec<String> {
    let mut figures = Vec::new();
    for unit in units {
        for (at, _) in text.match_indices(unit) {
            let after = text[at + unit.len()..].chars().next();
            if after.is_some_and(|c| c.is_alphanumeric()) {
                continue;
            }
            let before = text[..at].trim_end_matches(' ');
            if before.len() + 1 < at {
                continue; // more than one space: not a figure
            }
            let number: String = before
                .chars()
                .rev()
                .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ',')
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            let number = number.trim_start_matches(['.', ',']);
            // The unit must follow a number, not end a word (`runs`, `items`).
            let word_before = before[..before.len() - number.len()].chars().next_back();
            if number.chars().any(|c| c.is_ascii_digit())
                && !word_before.is_some_and(|c| c.is_alphanumeric())
            {
                figures.push(format!("{number} {unit}"));
            }
        }
    }
    figures
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

/// A page of the book, as the verifier's messages name it.
struct BookPage {
    /// Its path under `book/src`, e.g. `ch01-sync/index.md`.
    rel: String,
    path: std::path::PathBuf,
    text: String,
}

/// Every Markdown file under `src`, read (a file that cannot be read counts as empty).
fn book_pages(src: &Path) -> Vec<BookPage> {
    markdown_files(src)
        .into_iter()
        .map(|path| BookPage {
            rel: path
                .strip_prefix(src)
                .unwrap_or(&path)
                .display()
                .to_string(),
            text: fs::read_to_string(&path).unwrap_or_default(),
            path,
        })
        .collect()
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
    chapter: &course::manifest::Chapter,
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
                course::cargo::compile_errors(output)
            ));
            continue;
        };
        // Tests ignored for this system (05.5's switch off Unix) are not there to fail.
        if binary.tests.is_empty() && binary.ignored.is_empty() {
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
    wrong: &course::manifest::Wrong,
    binaries: &[Binary],
    output: &str,
) -> Option<String> {
    let module = exercise.module();
    match binaries.iter().find(|b| b.name == module) {
        None => Some(format!(
            "the wrong answer `{}` of {} does not build, so it proves nothing:\n{}",
            wrong.feature,
            exercise.id,
            course::cargo::compile_errors(output)
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
    fn figures_are_numbers_followed_by_a_unit() {
        let units = ["ns", "µs", "KiB", "MiB"];
        assert_eq!(
            figures_in("took 17.5 µs, then 3ns; 1,024 KiB; 5 MiB", &units),
            ["3 ns", "17.5 µs", "1,024 KiB", "5 MiB"]
        );
        // Units inside words, and numbers that are part of a name, are not figures.
        assert!(figures_in("runs nsec x2ns µs 12  ns MiBs", &units).is_empty());
    }

    #[test]
    fn features_are_read_from_the_features_table() {
        let f = features_of("[package]\nname='x'\n[features]\na = []\nb-c = []\n");
        assert_eq!(f.into_iter().collect::<Vec<_>>(), ["a", "b-c"]);
    }
}
