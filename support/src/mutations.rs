//! Wrong answers kept as edits of a solution (for the `wrong/` fixture crates' build
//! scripts; enabled by this crate's `mutations` feature).
//!
//! A `mutations.toml` beside the fixture crate's `Cargo.toml` (or one file per exercise in
//! a `mutations/` folder there, read in name order as if they were one) has one table per
//! wrong answer (a feature of that crate):
//!
//! ```toml
//! [ex02-yield-to-self]
//! module = "ex02_scheduler"            # the solution module it changes
//!
//! [[ex02-yield-to-self.edit]]
//! find = "state.ready.push_back(state.current);"
//! replace = "state.ready.push_front(state.current);"
//! ```
//!
//! [`build`] writes each module, edits applied, to `OUT_DIR/<feature>.rs`; the crate's
//! `lib.rs` includes it in place of the solution's module when the feature is on. Kept as
//! a difference, a wrong answer follows every change to the solution, and an edit whose
//! text the solution no longer holds (exactly once) stops the build and names itself.

use std::path::{Path, PathBuf};
use std::{env, fs};

/// Applies `mutations.toml` to the modules in `solution_src` (relative to the fixture
/// crate). Call it from a build script; it panics, stopping the build, with a message
/// that names the edit at fault.
pub fn build(solution_src: &str) {
    let here = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("run from a build script"));
    let out = PathBuf::from(env::var("OUT_DIR").expect("run from a build script"));
    let solutions = here.join(solution_src);
    println!("cargo::rerun-if-changed={}", solutions.display());
    let text = read_mutations(&here);
    for (feature, code) in apply_all(&text, &solutions) {
        fs::write(out.join(format!("{feature}.rs")), code).expect("OUT_DIR is writable");
    }
}

/// Like [`build`], and also writes the copies that the model tests compile with loom's
/// primitives (see `support::model`): each of `modules` as the solution has it, except
/// the one the enabled feature changes, which gets the wrong answer's edits.
#[cfg(feature = "model")]
pub fn build_with_model(solution_src: &str, modules: &[&str]) {
    build(solution_src);
    let here = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("run from a build script"));
    crate::model::copy_modules(solution_src, modules);
    let text = read_mutations(&here);
    let table: toml::Table = text.parse().expect("mutations.toml is valid TOML");
    for (feature, code) in apply_all(&text, &here.join(solution_src)) {
        // Cargo tells a build script which features are on as CARGO_FEATURE_<NAME>.
        let var = format!("CARGO_FEATURE_{}", feature.to_uppercase().replace('-', "_"));
        let module = table[&feature]["module"].as_str().unwrap_or_default();
        if env::var_os(&var).is_some() && modules.contains(&module) {
            fs::write(crate::model::model_dir().join(format!("{module}.rs")), code)
                .expect("OUT_DIR is writable");
        }
    }
}

/// The text of the fixture crate's `mutations.toml` and of every `mutations/*.toml`, in
/// name order, one after the other; tells cargo to build again when any of them changes.
fn read_mutations(crate_dir: &Path) -> String {
    let mut files = Vec::new();
    let single = crate_dir.join("mutations.toml");
    println!("cargo::rerun-if-changed={}", single.display());
    if single.exists() {
        files.push(single);
    }
    let folder = crate_dir.join("mutations");
    println!("cargo::rerun-if-changed={}", folder.display());
    if let Ok(entries) = fs::read_dir(&folder) {
        let mut more: Vec<PathBuf> = entries
            .map(|entry| entry.expect("mutations/ is readable").path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
            .collect();
        more.sort();
        files.extend(more);
    }
    assert!(
        !files.is_empty(),
        "no wrong answers: {} has neither mutations.toml nor mutations/*.toml",
        crate_dir.display()
    );
    files
        .iter()
        .map(|path| {
            fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())) + "\n"
        })
        .collect()
}

/// Each wrong answer of `mutations` (the text of a `mutations.toml`), as the code of its
/// module with the edits applied.
pub fn apply_all(mutations: &str, solutions: &Path) -> Vec<(String, String)> {
    let table: toml::Table = mutations
        .parse()
        .unwrap_or_else(|e| panic!("mutations.toml is not valid TOML: {e}"));
    let mut written = Vec::new();
    for (feature, spec) in &table {
        let module = spec
            .get("module")
            .and_then(|m| m.as_str())
            .unwrap_or_else(|| panic!("mutations.toml: `{feature}` has no `module`"));
        let path = solutions.join(format!("{module}.rs"));
        let source = fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("mutations.toml: `{feature}`: {}: {e}", path.display()));
        let edits: Vec<(&str, &str)> = spec
            .get("edit")
            .and_then(|e| e.as_array())
            .map(|edits| {
                edits
                    .iter()
                    .map(|e| {
                        let get = |key| e.get(key).and_then(|v| v.as_str()).unwrap_or_default();
                        (get("find"), get("replace"))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let code = apply(&source, &edits)
            .unwrap_or_else(|e| panic!("mutations.toml: `{feature}` on {module}.rs: {e}"));
        written.push((feature.clone(), code));
    }
    written
}

/// `source` with each `(find, replace)` applied in turn; every `find` must occur exactly
/// once. The module's inner doc comments (`//!`) are dropped: `include!` takes items only.
pub fn apply(source: &str, edits: &[(&str, &str)]) -> Result<String, String> {
    if edits.is_empty() {
        return Err("no edit: a wrong answer must differ from the solution".into());
    }
    let mut code: String = source
        .lines()
        .filter(|line| !line.starts_with("//!"))
        .map(|line| format!("{line}\n"))
        .collect();
    for (n, (find, replace)) in edits.iter().enumerate() {
        match code.matches(find).count() {
            1 => code = code.replacen(find, replace, 1),
            found => {
                return Err(format!(
                    "edit {} must find its text exactly once, and finds it {found} times: \
                     did the solution change? Update the edit.",
                    n + 1
                ));
            }
        }
    }
    Ok(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_apply_in_order_and_drop_inner_docs() {
        let code = apply(
            "//! doc\nfn a() { 1 }\nfn b() { 2 }\n",
            &[("{ 1 }", "{ 3 }"), ("b()", "c()")],
        );
        assert_eq!(code.unwrap(), "fn a() { 3 }\nfn c() { 2 }\n");
    }

    #[test]
    fn a_missing_or_ambiguous_text_is_an_error_that_names_the_edit() {
        let missing = apply("fn a() {}\n", &[("fn a", "fn b"), ("gone", "x")]).unwrap_err();
        assert!(
            missing.contains("edit 2") && missing.contains("0 times"),
            "{missing}"
        );
        let twice = apply("x x\n", &[("x", "y")]).unwrap_err();
        assert!(twice.contains("2 times"), "{twice}");
        assert!(
            apply("x\n", &[]).is_err(),
            "a wrong answer with no edit is the solution"
        );
    }
}
