//! Every `#[test]` of an exercise runs under a time limit, so that a deadlock fails with
//! a message instead of hanging: its body calls `timeout` (or `timeout_after`, or one of
//! `support::tokio`'s helpers), directly or through a helper of the same file, or of the
//! chapter's `tests/common` module, that does. A `#[tokio::test]` has the runtime's own.
//!
//! Calls are read from the tokens of each function, at any depth of modules: a
//! `timeout(` in a comment or a string is no call, and a test inside a `mod` is a test.

use super::Course;
use super::rust::{RustFile, Token, called_names, names_path, tokens};
use std::collections::BTreeSet;
use std::path::Path;

/// The calls that put what they run under a time limit.
const LIMITS: [&str; 4] = ["timeout", "timeout_after", "paused", "real_time"];

pub(super) fn problems(course: &Course) -> Vec<String> {
    let mut found = Vec::new();
    for exercise in &course.manifest.exercises {
        let chapter = course.manifest.chapter_of(exercise);
        let tests = Path::new("exercises").join(&chapter.dir).join("tests");
        let path = tests.join(format!("{}.rs", exercise.module()));
        let Some(file) = course.rust(&path) else {
            continue; // reported by the manifest rule
        };
        let file = match &*file {
            Ok(file) => file,
            Err(not_rust) => {
                found.push(not_rust.clone());
                continue;
            }
        };
        // The chapter's test files share helpers in `tests/common`.
        let common = course.rust(&tests.join("common/mod.rs"));
        let common = common.as_deref().and_then(|c| c.as_ref().ok());
        for test in untimed_tests(file, common) {
            found.push(format!(
                "{}: `fn {test}` does not run under a time limit: wrap its body in \
                 `support::timeout(|| …)` so that a deadlock fails instead of hanging",
                path.display(),
            ));
        }
    }
    found
}

/// A function of a test file: its name, what kind of test it is, its tokens.
struct Function {
    name: String,
    test: Option<Test>,
    tokens: Vec<Token>,
}

#[derive(PartialEq)]
enum Test {
    Plain,
    Tokio,
}

/// The names of the tests of `file` that nothing puts under a time limit.
fn untimed_tests(file: &RustFile, common: Option<&RustFile>) -> Vec<String> {
    let mut functions = Vec::new();
    functions_in(&file.syntax.items, &mut functions);
    let mut shared = Vec::new();
    if let Some(common) = common {
        functions_in(&common.syntax.items, &mut shared);
    }
    let limited = |f: &Function, helpers: &BTreeSet<&str>| {
        f.test == Some(Test::Tokio)
            || names_path(&f.tokens, &["support", "tokio"])
            || called_names(&f.tokens).any(|name| LIMITS.contains(&name) || helpers.contains(name))
    };
    // Helpers that put their work under a limit, and helpers that call those, until no
    // more are found.
    let mut helpers = BTreeSet::new();
    loop {
        let more: Vec<&str> = functions
            .iter()
            .chain(&shared)
            .filter(|f| f.test.is_none() && !helpers.contains(f.name.as_str()))
            .filter(|f| limited(f, &helpers))
            .map(|f| f.name.as_str())
            .collect();
        if more.is_empty() {
            break;
        }
        helpers.extend(more);
    }
    functions
        .iter()
        .filter(|f| f.test.is_some() && !limited(f, &helpers))
        .map(|f| f.name.clone())
        .collect()
}

/// Every function of `items`, inside modules too.
fn functions_in(items: &[syn::Item], out: &mut Vec<Function>) {
    for item in items {
        match item {
            syn::Item::Fn(f) => out.push(Function {
                name: f.sig.ident.to_string(),
                test: f.attrs.iter().find_map(|a| test_kind(a.path())),
                tokens: tokens(f),
            }),
            syn::Item::Mod(m) => {
                if let Some((_, items)) = &m.content {
                    functions_in(items, out);
                }
            }
            _ => {}
        }
    }
}

/// `#[test]` (or `#[core::prelude::v1::test]`…), `#[tokio::test]`.
fn test_kind(path: &syn::Path) -> Option<Test> {
    let names: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    match names.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["tokio", "test"] => Some(Test::Tokio),
        [.., "test"] => Some(Test::Plain),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn untimed(text: &str, common: &str) -> Vec<String> {
        let parse = |t: &str| RustFile::parse(Path::new("t.rs"), t.to_string()).unwrap();
        untimed_tests(&parse(text), Some(&parse(common)))
    }

    #[test]
    fn a_test_must_run_under_a_time_limit() {
        let text = "#[test]\nfn direct() {\n    support::timeout(|| run());\n}\n\n#[test]\nfn through_helper() {\n    checked(1);\n}\n\nfn checked(n: u8) {\n    support::timeout_after(SECS, || n);\n}\n\n#[test]\nfn through_two_helpers() {\n    twice();\n}\n\nfn twice() {\n    checked(2);\n    shared();\n}\n\n#[tokio::test(start_paused = true)]\nasync fn on_tokio() {}\n\n#[test]\nfn paused_runtime() {\n    support::tokio::paused(async {});\n}\n\n#[test]\nfn common_helper() {\n    shared();\n}\n\n#[test]\nfn hangs() {\n    run();\n}\n";
        let common = "pub fn shared() {\n    support::timeout(|| ());\n}\n";
        assert_eq!(untimed(text, common), ["hangs"]);
    }

    /// The line scanner took a whole `mod` for one test, so one timed test in it covered
    /// the others; and it read `timeout(` in a comment as a call.
    #[test]
    fn a_test_in_a_module_or_with_a_commented_limit_is_not_timed() {
        let text = "mod inner {\n    #[test]\n    fn timed() {\n        support::timeout(|| ());\n    }\n\n    #[test]\n    fn untimed() {\n        // no support::timeout(|| …) here\n        let s = \"timeout(\";\n    }\n}\n";
        assert_eq!(untimed(text, ""), ["untimed"]);
    }
}
