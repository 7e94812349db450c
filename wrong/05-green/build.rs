//! Writes chapter 05's wrong answers. For each table of `mutations.toml`: the solution
//! module it names, with the table's edits applied, goes to `OUT_DIR/<feature>.rs`, which
//! `src/lib.rs` includes in place of the solution's module when that feature is on.
//!
//! A wrong answer is kept as its difference from the solution, not as a copy of it, so it
//! follows every change to the solution; an edit whose text the solution no longer holds
//! stops the build and names itself.

use std::path::PathBuf;
use std::{env, fs};

fn main() {
    let here = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let solutions = here.join("../../solutions/05-green/src");
    let out = PathBuf::from(env::var("OUT_DIR").expect("set by cargo"));
    println!("cargo::rerun-if-changed=mutations.toml");
    println!("cargo::rerun-if-changed={}", solutions.display());

    let text = fs::read_to_string(here.join("mutations.toml")).expect("mutations.toml exists");
    let table: toml::Table = text
        .parse()
        .unwrap_or_else(|e| panic!("mutations.toml is not valid TOML: {e}"));
    for (feature, spec) in &table {
        let module = spec
            .get("module")
            .and_then(|m| m.as_str())
            .unwrap_or_else(|| panic!("mutations.toml: `{feature}` has no `module`"));
        let path = solutions.join(format!("{module}.rs"));
        let source = fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("mutations.toml: `{feature}`: {}: {e}", path.display()));
        // `include!` takes items only: the module's inner doc comments (`//!`) go.
        let mut code: String = source
            .lines()
            .filter(|line| !line.starts_with("//!"))
            .map(|line| format!("{line}\n"))
            .collect();
        let edits = spec
            .get("edit")
            .and_then(|e| e.as_array())
            .cloned()
            .unwrap_or_default();
        assert!(!edits.is_empty(), "mutations.toml: `{feature}` has no edit");
        for (n, edit) in edits.iter().enumerate() {
            let find = edit
                .get("find")
                .and_then(|f| f.as_str())
                .unwrap_or_default();
            let replace = edit
                .get("replace")
                .and_then(|r| r.as_str())
                .unwrap_or_default();
            match code.matches(find).count() {
                1 => code = code.replacen(find, replace, 1),
                found => panic!(
                    "mutations.toml: edit {} of `{feature}` must find its text exactly once in \
                     solutions/05-green/src/{module}.rs, and finds it {found} times: did the \
                     solution change? Update the edit.",
                    n + 1
                ),
            }
        }
        fs::write(out.join(format!("{feature}.rs")), code).expect("OUT_DIR is writable");
    }
}
