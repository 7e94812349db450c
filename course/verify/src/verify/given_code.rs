//! A stub leaves the work to the learner (it calls `todo!()`), its solution leaves none,
//! and the code the stub gives is the code the solution was tested with.

use super::Course;
use super::rust::{Item, RustFile, calls_macro, tokens};
use course::check::exercise_file;
use std::path::Path;

pub(super) fn problems(course: &Course) -> Vec<String> {
    let mut found = Vec::new();
    for exercise in &course.manifest.exercises {
        let chapter = course.manifest.chapter_of(exercise);
        let id = &exercise.id;
        let stub_path = exercise_file(chapter, exercise);
        let solution_path = Path::new("solutions")
            .join(&chapter.dir)
            .join("src")
            .join(format!("{}.rs", exercise.module()));
        // A missing file is the manifest rule's to report.
        let stub = course.rust(&stub_path);
        let solution = course.rust(&solution_path);
        let (stub, solution) = (stub.as_deref(), solution.as_deref());
        for not_rust in [stub, solution]
            .into_iter()
            .flatten()
            .filter_map(|r| r.as_ref().err())
        {
            found.push(not_rust.clone());
        }
        if let Some(Ok(stub)) = stub
            && !calls_macro(&tokens(&stub.syntax), "todo")
        {
            found.push(format!(
                "{} (exercise {id}) has no `todo!()`: a stub leaves the work to the learner",
                stub_path.display()
            ));
        }
        if let Some(Ok(solution)) = solution {
            let tokens = tokens(&solution.syntax);
            if calls_macro(&tokens, "todo") || calls_macro(&tokens, "unimplemented") {
                found.push(format!(
                    "the solution {} (exercise {id}) still holds a todo!()",
                    solution_path.display()
                ));
            }
        }
        if let (Some(Ok(stub)), Some(Ok(solution))) = (stub, solution) {
            found.extend(given_code_problems(
                &stub_path,
                stub,
                &solution_path,
                solution,
            ));
        }
    }
    found
}

/// The code a stub gives the learner must be the code the solution was tested with.
///
/// Both files are cut into top-level items (functions, types, `impl` blocks, constants…).
/// An item of the stub that is the learner's to write (it calls `todo!`, or holds a
/// comment that starts with `// Add`, as a struct whose fields the learner chooses) is
/// skipped, and so are `use` lines; every other item must appear in the solution with the
/// same tokens. Comments and doc comments may differ (a stub's doc comment often says more
/// about what to do), and so may the layout, which `cargo fmt` owns.
fn given_code_problems(
    stub_path: &Path,
    stub: &RustFile,
    solution_path: &Path,
    solution: &RustFile,
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
    compare_items(stub.items(), solution.items(), "", &mut report);
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
        // Several items may share a key, one per target (`#[cfg(unix)] fn f`): any will do.
        let same_key: Vec<&Item> = solution.iter().filter(|s| s.key == item.key).collect();
        let name = format!("{}{inside}", item.key);
        if item.learners {
            if item.key.starts_with("impl")
                && let [theirs] = same_key[..]
            {
                let inner = format!(" in {}", item.key);
                compare_items(&item.inner, &theirs.inner, &inner, report);
            }
        } else if same_key.is_empty() {
            report(name, true);
        } else if !same_key.iter().any(|s| s.code == item.code) {
            report(name, false);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOLUTION: &str = "//! Solution.\n\nuse std::fmt;\n\n/// Doc.\npub fn given() -> u8 {\n    1 // one\n}\n\npub fn yours() -> u8 {\n    2\n}\n\npub const fn new() {}\n\nimpl Thing {\n    fn id(&self) {}\n    fn work(&self) -> u8 {\n        5\n    }\n}\n";
    const STUB: &str = "//! Stub: fill it in.\n\n/// Another doc.\npub fn given() -> u8 {\n    1\n}\n\npub fn yours() -> u8 {\n    todo!()\n}\n\npub const fn new() {}\n\nimpl Thing {\n    fn id(&self) {}\n    fn work(&self) -> u8 {\n        todo!()\n    }\n}\n";

    fn compare(stub: &str, solution: &str) -> Vec<String> {
        let (stub_path, solution_path) = (Path::new("stub.rs"), Path::new("sol.rs"));
        let stub = RustFile::parse(stub_path, stub.to_string()).unwrap();
        let solution = RustFile::parse(solution_path, solution.to_string()).unwrap();
        given_code_problems(stub_path, &stub, solution_path, &solution)
    }

    #[test]
    fn given_code_is_compared_item_by_item() {
        assert!(compare(STUB, SOLUTION).is_empty());
        let drifted = STUB.replace("    1\n", "    3\n");
        let found = compare(&drifted, SOLUTION);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].contains("gives `fn given` with other code"),
            "{found:?}"
        );
        let extra = format!("{STUB}\nconst EXTRA: u8 = 4;\n");
        let found = compare(&extra, SOLUTION);
        assert!(found[0].contains("gives `const EXTRA`, which sol.rs does not have"));
        let method = STUB.replace("fn id(&self) {}", "fn id(&self) { () }");
        let found = compare(&method, SOLUTION);
        assert!(
            found[0].contains("gives `fn id in impl Thing` with other code"),
            "{found:?}"
        );
    }

    #[test]
    fn a_struct_marked_add_is_the_learners() {
        let solution = "pub struct State {\n    count: u8,\n}\n";
        let stub = "pub struct State {\n    // Add what you need.\n}\n";
        assert!(compare(stub, solution).is_empty());
        let unmarked = "pub struct State {\n}\n";
        assert_eq!(compare(unmarked, solution).len(), 1);
    }

    /// The old line scanner cut a line at `//` (a URL in a string lost its tail, so a
    /// change there went unseen), counted a brace in a string as a block, and took a
    /// `todo!()` in a comment for the learner's work.
    #[test]
    fn strings_and_comments_do_not_fool_the_comparison() {
        let solution = "pub fn url() -> &'static str {\n    \"http://a.org\"\n}\n\npub fn brace() -> char {\n    '{'\n}\n\npub fn given() -> u8 {\n    1\n}\n";
        let same = solution.replace("    1\n", "    1 // not a todo!() here\n");
        assert!(compare(&same, solution).is_empty());
        let url = same.replace("a.org", "b.org");
        let found = compare(&url, solution);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("`fn url` with other code"), "{found:?}");
        let given = same.replace("    1 //", "    2 //");
        let found = compare(&given, solution);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("`fn given` with other code"), "{found:?}");
    }

    /// Attributes are code; the layout (a where clause split over lines or not) is
    /// `cargo fmt`'s business, not a difference.
    #[test]
    fn attributes_are_code_and_the_layout_is_not() {
        let solution = "#[derive(Debug)]\npub struct S;\n\npub fn run<T>(t: T) -> T\nwhere\n    T: Send,\n{\n    t\n}\n";
        let relaid = "#[derive(Debug)]\npub struct S;\n\npub fn run<T>(t: T) -> T where T: Send, {\n    t\n}\n";
        assert!(compare(relaid, solution).is_empty());
        let derive = solution.replace("Debug", "Clone");
        let found = compare(&derive, solution);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("`struct S` with other code"), "{found:?}");
        let bound = solution.replace("T: Send,", "T: Sync,");
        let found = compare(&bound, solution);
        assert!(found[0].contains("`fn run` with other code"), "{found:?}");
    }
}
