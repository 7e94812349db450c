//! The consistency check must catch each kind of disagreement, by name. Each test copies
//! chapter 01 of the real course into a scratch folder, breaks one thing, and reads the
//! report.

mod common;

use course_verify::verify::problems;
use std::fs;
use std::path::{Path, PathBuf};

fn real_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// A copy of the course with only chapter 01, which must be consistent to start with.
fn scratch(name: &str) -> PathBuf {
    let root = real_root();
    let dest = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("consistency")
        .join(name);
    let _ = fs::remove_dir_all(&dest);
    for dir in [
        "exercises/01-sync",
        "solutions/01-sync",
        "wrong/01-sync",
        "book/src/ch01-sync",
    ] {
        common::copy_dir(&root.join(dir), &dest.join(dir));
    }
    fs::copy(root.join("book/book.toml"), dest.join("book/book.toml")).unwrap();
    fs::copy(
        root.join("book/src/introduction.md"),
        dest.join("book/src/introduction.md"),
    )
    .unwrap();
    // Chapter 01's part of the manifest and of the table of contents.
    let manifest = fs::read_to_string(root.join("exercises/course.toml")).unwrap();
    let end = manifest
        .match_indices("\n[[chapter]]")
        .nth(1)
        .map_or(manifest.len(), |(at, _)| at);
    fs::write(dest.join("exercises/course.toml"), &manifest[..end]).unwrap();
    let summary: String = fs::read_to_string(root.join("book/src/SUMMARY.md"))
        .unwrap()
        .lines()
        .filter(|l| !l.contains("(ch") || l.contains("(ch01-sync/"))
        .map(|l| format!("{l}\n"))
        .collect();
    fs::write(dest.join("book/src/SUMMARY.md"), summary).unwrap();
    let found = problems(&dest).unwrap();
    assert!(
        found.is_empty(),
        "the scratch copy should start consistent: {found:#?}"
    );
    dest
}

fn expect(root: &Path, needle: &str) {
    let found = problems(root).unwrap();
    assert!(
        found.iter().any(|p| p.contains(needle)),
        "expected a problem mentioning `{needle}`, got {found:#?}"
    );
}

#[test]
fn a_missing_solution_is_named() {
    let root = scratch("missing-solution");
    fs::remove_file(root.join("solutions/01-sync/src/ex02_idle.rs")).unwrap();
    expect(
        &root,
        "exercise 01.2-idle has no solution solutions/01-sync/src/ex02_idle.rs",
    );
}

#[test]
fn a_test_file_not_in_the_manifest_is_named() {
    let root = scratch("unlisted-test");
    fs::write(root.join("exercises/01-sync/tests/ex09_extra.rs"), "").unwrap();
    expect(
        &root,
        "exercises/01-sync/tests/ex09_extra.rs is not in the manifest",
    );
}

#[test]
fn a_stub_without_todo_is_named() {
    let root = scratch("solved-stub");
    fs::copy(
        root.join("solutions/01-sync/src/ex03_interleave.rs"),
        root.join("exercises/01-sync/src/ex03_interleave.rs"),
    )
    .unwrap();
    expect(
        &root,
        "exercises/01-sync/src/ex03_interleave.rs (exercise 01.3-interleave) has no `todo!()`",
    );
}

#[test]
fn an_exercise_whose_page_does_not_link_it_is_named() {
    let root = scratch("unlinked-page");
    let page = root.join("book/src/ch01-sync/overlap.md");
    let text = fs::read_to_string(&page)
        .unwrap()
        .replace("ex04_overlap.rs", "ex04_elsewhere.rs");
    fs::write(&page, text).unwrap();
    expect(
        &root,
        "book/src/ch01-sync/overlap.md teaches exercise 01.4-overlap but does not link its file",
    );
    expect(
        &root,
        "links exercises/01-sync/src/ex04_elsewhere.rs, which is not an exercise",
    );
}

#[test]
fn a_missing_hint_page_or_wrong_answer_is_named() {
    let root = scratch("manifest");
    let path = root.join("exercises/course.toml");
    let text = fs::read_to_string(&path)
        .unwrap()
        .replace(
            "book = \"ch01-sync/idle-cpu.md\"",
            "book = \"ch01-sync/nowhere.md\"",
        )
        .replace(
            "feature = \"ex04-reverse-order\"",
            "feature = \"ex04-no-such-feature\"",
        );
    fs::write(&path, text).unwrap();
    expect(
        &root,
        "exercise 01.2-idle names the page book/src/ch01-sync/nowhere.md, which does not exist",
    );
    expect(
        &root,
        "lists the wrong answer `ex04-no-such-feature`, but wrong/01-sync/Cargo.toml has no such feature",
    );
    expect(
        &root,
        "has the feature `ex04-reverse-order`, but no exercise",
    );
}

#[test]
fn a_wrong_answer_for_an_unknown_system_is_named() {
    let root = scratch("only-on");
    let path = root.join("exercises/course.toml");
    let text = fs::read_to_string(&path).unwrap().replacen(
        "{ feature = \"ex04-reverse-order\", why = ",
        "{ feature = \"ex04-reverse-order\", only_on = \"plan9\", why = ",
        1,
    );
    fs::write(&path, text).unwrap();
    expect(
        &root,
        "the wrong answer `ex04-reverse-order` of 01.4-overlap is for `only_on = \"plan9\"`",
    );
}

#[test]
fn an_untested_ignore_block_and_a_bare_fence_are_named() {
    let root = scratch("blocks");
    let page = root.join("book/src/ch01-sync/index.md");
    let mut text = fs::read_to_string(&page).unwrap();
    text.push_str("\n```rust,ignore\nlet never_tested = 1;\n```\n\n```\nno language\n```\n");
    fs::write(&page, text).unwrap();
    expect(
        &root,
        "`ignore` is only for blocks that {{#include}} crate code",
    );
    expect(&root, "a code block without a language");
}

#[test]
fn an_include_of_a_missing_anchor_is_named() {
    let root = scratch("anchor");
    let page = root.join("book/src/ch01-sync/overlap.md");
    let text = fs::read_to_string(&page)
        .unwrap()
        .replace("ex04_overlap.rs:device}}", "ex04_overlap.rs:devise}}");
    fs::write(&page, text).unwrap();
    expect(&root, "includes the anchor `devise`");
}

#[test]
fn given_code_that_drifted_from_the_solution_is_named() {
    let root = scratch("given-code");
    let stub = root.join("exercises/01-sync/src/ex04_overlap.rs");
    let text = fs::read_to_string(&stub).unwrap();
    // A given function changed in the stub only; a comment changed alone is fine.
    let text = text
        .replace(
            "            device.wait(ticket)\n",
            "            device.wait(ticket) + 1\n",
        )
        .replace("The waits add up.", "The waits add up, one after another.");
    fs::write(&stub, text).unwrap();
    let found = problems(&root).unwrap();
    assert_eq!(found.len(), 1, "{found:#?}");
    expect(
        &root,
        "exercises/01-sync/src/ex04_overlap.rs gives `fn fetch_one_by_one` with other code than \
         solutions/01-sync/src/ex04_overlap.rs",
    );
}

#[test]
fn a_test_without_a_time_limit_is_named() {
    let root = scratch("no-time-limit");
    let path = root.join("exercises/01-sync/tests/ex04_overlap.rs");
    let mut text = fs::read_to_string(&path).unwrap();
    text.push_str("\n#[test]\nfn hangs_forever_if_wrong() {\n    assert_eq!(1 + 1, 2);\n}\n");
    fs::write(&path, text).unwrap();
    expect(
        &root,
        "`fn hangs_forever_if_wrong` does not run under a time limit",
    );
}

#[test]
fn a_page_claim_without_a_named_wrong_answer_is_named() {
    let root = scratch("unbacked-claim");
    let page = root.join("book/src/ch01-sync/overlap.md");
    let text = fs::read_to_string(&page).unwrap();
    let claimed = format!("{text}\nThe tests catch an answer that waits too soon.\n");
    fs::write(&page, &claimed).unwrap();
    expect(&root, "claims the tests catch something");
    // Naming the wrong answer that proves the claim settles it.
    let backed =
        format!("{text}\nThe tests catch an answer that waits too soon (`ex04-one-by-one`).\n");
    fs::write(&page, backed).unwrap();
    assert!(problems(&root).unwrap().is_empty());
}

#[test]
fn a_page_that_shows_a_solution_is_named() {
    let root = scratch("solution-on-page");
    let page = root.join("book/src/ch01-sync/overlap.md");
    let mut text = fs::read_to_string(&page).unwrap();
    // In a collapsed box, included from the solution: still the answer.
    text.push_str(
        "\n<details>\n<summary>Solution</summary>\n\n```rust,ignore\n\
         {{#include ../../../solutions/01-sync/src/ex04_overlap.rs}}\n```\n\n</details>\n",
    );
    fs::write(&page, text).unwrap();
    expect(
        &root,
        "this block shows the solution of `fn fetch_overlapped`, which exercise 01.4-overlap \
         leaves to the learner",
    );
}

#[test]
fn a_lab_figure_typed_by_hand_is_named() {
    let root = scratch("typed-figure");
    fs::write(
        root.join("book/src/ch01-sync/lab.md"),
        "# Lab\n\n{{#include lab-table.md}}\n\nA switch took 17.5 µs here, and `2 ms` is code.\n\n\
         ```text\n3 ms in a block\n```\n\nEach request waits 40 ms (the lab sets it), on 64 KiB stacks.\n",
    )
    .unwrap();
    fs::write(
        root.join("book/src/ch01-sync/lab-table.md"),
        "| a |\n|---|\n",
    )
    .unwrap();
    let found = problems(&root).unwrap();
    let typed: Vec<&String> = found
        .iter()
        .filter(|p| p.contains("typed by hand"))
        .collect();
    assert_eq!(typed.len(), 1, "{found:#?}");
    expect(
        &root,
        "book/src/ch01-sync/lab.md:5: `17.5 µs` is a lab figure typed by hand",
    );
}

#[test]
fn a_picture_that_is_not_a_link_is_named() {
    let root = scratch("unlinked-picture");
    let page = root.join("book/src/ch01-sync/index.md");
    let mut text = fs::read_to_string(&page).unwrap();
    text.push_str("\n![The timeline](io-bound.svg)\n");
    fs::write(&page, text).unwrap();
    expect(&root, "the picture io-bound.svg is not a link to itself");
}

#[test]
fn a_markdown_table_included_by_a_page_is_not_a_page_of_its_own() {
    let root = scratch("lab-table");
    let dir = root.join("book/src/ch01-sync");
    fs::write(
        dir.join("lab-table.md"),
        "| a | b |\n| --- | --- |\n| 1 | 2 |\n",
    )
    .unwrap();
    fs::write(dir.join("stray.md"), "# Not in the summary\n").unwrap();
    let page = dir.join("overlap.md");
    let mut text = fs::read_to_string(&page).unwrap();
    text.push_str("\n{{#include lab-table.md}}\n");
    fs::write(&page, text).unwrap();
    let found = problems(&root).unwrap();
    assert!(
        !found.iter().any(|p| p.contains("lab-table.md")),
        "a table that a page includes belongs to that page: {found:#?}"
    );
    expect(
        &root,
        "book/src/ch01-sync/stray.md is not in book/src/SUMMARY.md",
    );
}

/// Edits `path` under `root`: `from` must be there.
fn edit(root: &Path, path: &str, from: &str, to: &str) {
    let path = root.join(path);
    let text = fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{} has no `{from}`", path.display());
    fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn a_module_declared_only_in_a_comment_is_named() {
    let root = scratch("commented-mod");
    // `syn` reads the crate root: a commented-out declaration compiles nothing.
    edit(
        &root,
        "exercises/01-sync/src/lib.rs",
        "pub mod ex02_idle;",
        "// pub mod ex02_idle;",
    );
    expect(
        &root,
        "exercises/01-sync/src/lib.rs does not declare `mod ex02_idle;`",
    );
}

#[test]
fn a_missing_test_entry_or_a_misnamed_package_is_named() {
    let root = scratch("cargo-toml");
    edit(
        &root,
        "solutions/01-sync/Cargo.toml",
        "name = \"ex02_idle\"",
        "name = \"ex02_idle_elsewhere\"",
    );
    edit(
        &root,
        "wrong/01-sync/Cargo.toml",
        "name = \"ch01-sync-wrong\"",
        "name = \"ch01-sync-mistakes\"",
    );
    expect(
        &root,
        "solutions/01-sync/Cargo.toml needs a [[test]] named `ex02_idle`",
    );
    expect(
        &root,
        "wrong/01-sync/Cargo.toml should name its package `ch01-sync-wrong`",
    );
}

#[test]
fn a_chapter_folder_not_in_the_manifest_is_named() {
    let root = scratch("stray-chapter");
    fs::create_dir_all(root.join("solutions/99-extra")).unwrap();
    expect(&root, "solutions/99-extra is not a chapter in the manifest");
}

#[test]
fn a_stub_whose_only_todo_is_in_a_comment_or_a_solution_with_one_is_named() {
    let root = scratch("todo-in-comment");
    let stub = "exercises/01-sync/src/ex02_idle.rs";
    let text = fs::read_to_string(root.join(stub)).unwrap();
    let start = text.find("todo!(").unwrap();
    let end = start + text[start..].find('\n').unwrap();
    // The stub's body becomes a comment that mentions `todo!(…)`, and a value.
    let solved = format!(
        "{}Default::default() // was {}{}",
        &text[..start],
        &text[start..end],
        &text[end..]
    );
    fs::write(root.join(stub), solved).unwrap();
    expect(
        &root,
        "exercises/01-sync/src/ex02_idle.rs (exercise 01.2-idle) has no `todo!()`",
    );
    let solution = "solutions/01-sync/src/ex04_overlap.rs";
    edit(
        &root,
        solution,
        "    tickets.into_iter()",
        "    unimplemented!();\n    #[allow(unreachable_code)]\n    tickets.into_iter()",
    );
    expect(
        &root,
        "the solution solutions/01-sync/src/ex04_overlap.rs (exercise 01.4-overlap) still holds a todo!()",
    );
}

#[test]
fn a_file_that_is_not_rust_is_named_with_the_place() {
    let root = scratch("not-rust");
    edit(
        &root,
        "exercises/01-sync/src/ex04_overlap.rs",
        "pub trait Device {",
        "pub trait Device {{",
    );
    let found = problems(&root).unwrap();
    assert!(
        found
            .iter()
            .any(|p| p.starts_with("exercises/01-sync/src/ex04_overlap.rs:")
                && p.contains("not valid Rust")),
        "{found:#?}"
    );
}

#[test]
fn an_exercise_page_that_does_not_name_the_command_is_named() {
    let root = scratch("no-command");
    edit(
        &root,
        "book/src/ch01-sync/overlap.md",
        "`cargo course check 01.4-overlap`",
        "the runner",
    );
    expect(
        &root,
        "book/src/ch01-sync/overlap.md does not tell how to check exercise 01.4-overlap",
    );
}

#[test]
fn a_page_left_out_of_the_summary_by_a_comment_is_named() {
    let root = scratch("summary-comment");
    let summary = root.join("book/src/SUMMARY.md");
    let text = fs::read_to_string(&summary).unwrap();
    let line = text
        .lines()
        .find(|l| l.contains("(ch01-sync/overlap.md)"))
        .unwrap();
    // mdBook leaves out what an HTML comment holds; a search for `(page)` would not.
    fs::write(&summary, text.replace(line, &format!("<!-- {line} -->"))).unwrap();
    expect(
        &root,
        "book/src/ch01-sync/overlap.md (exercise 01.4-overlap) is not in book/src/SUMMARY.md",
    );
}

#[test]
fn a_hint_that_quotes_the_solution_is_named() {
    let root = scratch("hint-quotes");
    edit(
        &root,
        "exercises/course.toml",
        "Two passes. First `submit` every request",
        "Write `let tickets: Vec<D::Ticket> = requests.iter().map(|&r| device.submit(r)).collect();`. First `submit` every request",
    );
    expect(
        &root,
        "the hint of 01.4-overlap quotes the solution of `fn fetch_overlapped`",
    );
}

/// A code block in a `> [!NOTE]` box, which the old line scanner never saw.
#[test]
fn a_solution_in_a_note_box_and_a_rust_block_that_includes_are_named() {
    let root = scratch("note-box");
    let page = root.join("book/src/ch01-sync/overlap.md");
    let mut text = fs::read_to_string(&page).unwrap();
    text.push_str(
        "\n> [!NOTE]\n> ```rust,ignore\n\
         > {{#include ../../../solutions/01-sync/src/ex04_overlap.rs}}\n> ```\n\n\
         ```rust\n{{#include ../../../solutions/01-sync/src/ex04_overlap.rs:device}}\n```\n",
    );
    fs::write(&page, text).unwrap();
    expect(
        &root,
        "this block shows the solution of `fn fetch_overlapped`",
    );
    expect(
        &root,
        "a block that includes crate code must be `rust,ignore`",
    );
}
