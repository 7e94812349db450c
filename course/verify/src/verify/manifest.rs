//! The manifest and the crates name the same things: every chapter has its three
//! packages, every exercise its stub, test file and solution, compiled (`mod` in the
//! crate's root) and run by the solution and the wrong answers (a `[[test]]` each), and
//! its wrong answers are features of the chapter's wrong-answer crate. The other way
//! round, every file, folder or feature that looks like part of the course is listed.
//!
//! `Cargo.toml` files are read as TOML and `lib.rs` files with `syn`: a commented-out
//! `// mod ex01_x;` line or a `[[test]]` whose name and path belong to two different
//! entries do not count.

use super::{Course, rust_files};
use course::check::{QUICK_TESTS, exercise_file, quick_tests_path};
use course::manifest::{Chapter, Exercise, MANIFEST, Wrong};
use std::collections::{BTreeSet, HashSet};
use std::fs;
use std::path::Path;

pub(super) fn problems(course: &Course) -> Vec<String> {
    let (root, manifest) = (course.root.as_path(), &course.manifest);
    let mut found = Vec::new();
    for chapter in &manifest.chapters {
        for (dir, package) in [
            ("exercises", chapter.package()),
            ("solutions", chapter.solution_package()),
            ("wrong", chapter.wrong_package()),
        ] {
            let cargo_toml = Path::new(dir).join(&chapter.dir).join("Cargo.toml");
            match read_toml(root, &cargo_toml) {
                None => found.push(format!(
                    "chapter {} has no {} (expected the package `{package}`)",
                    chapter.dir,
                    cargo_toml.display()
                )),
                Some(toml) if package_name(&toml) != Some(package.as_str()) => found.push(format!(
                    "{} should name its package `{package}`",
                    cargo_toml.display()
                )),
                Some(_) => {}
            }
        }
    }

    for exercise in &manifest.exercises {
        exercise_problems(course, exercise, &mut found);
    }
    for chapter in &manifest.chapters {
        quick_problems(course, chapter, &mut found);
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
        let named: HashSet<&str> = manifest
            .exercises_of(chapter)
            .flat_map(|e| e.wrong.iter().map(|w| w.feature.as_str()))
            .collect();
        for feature in features(root, &wrong_toml) {
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
    found
}

fn exercise_problems(course: &Course, exercise: &Exercise, found: &mut Vec<String>) {
    let root = course.root.as_path();
    let chapter = course.manifest.chapter_of(exercise);
    let id = &exercise.id;
    let module = exercise.module();
    let stub = exercise_file(chapter, exercise);
    let file_in = |dir: &str, sub: &str| {
        Path::new(dir)
            .join(&chapter.dir)
            .join(sub)
            .join(format!("{module}.rs"))
    };
    let (test, solution) = (file_in("exercises", "tests"), file_in("solutions", "src"));

    if !root.join(&stub).is_file() {
        found.push(format!("exercise {id} has no file {}", stub.display()));
    }
    if !root.join(&test).is_file() {
        found.push(format!("exercise {id} has no test file {}", test.display()));
    }
    if !root.join(&solution).is_file() {
        found.push(format!(
            "exercise {id} has no solution {}",
            solution.display()
        ));
    }
    for (dir, file) in [("exercises", &stub), ("solutions", &solution)] {
        let lib_rs = Path::new(dir).join(&chapter.dir).join("src/lib.rs");
        let declared = match course.rust(&lib_rs).as_deref() {
            Some(Err(not_rust)) => {
                found.push(not_rust.clone());
                continue;
            }
            Some(Ok(lib)) => lib.syntax.items.iter().any(|item| {
                matches!(item, syn::Item::Mod(m) if m.ident == module && m.content.is_none())
            }),
            None => false,
        };
        if !declared {
            found.push(format!(
                "{} does not declare `mod {module};`, so {} is never compiled",
                lib_rs.display(),
                file.display()
            ));
        }
    }
    // The solution and the wrong answers run the exercise's own test file, by path.
    let wanted = format!("../../exercises/{}/tests/{module}.rs", chapter.dir);
    for dir in ["solutions", "wrong"] {
        let cargo_toml = Path::new(dir).join(&chapter.dir).join("Cargo.toml");
        let tests = read_toml(root, &cargo_toml)
            .and_then(|t| t.get("test")?.as_array().cloned())
            .unwrap_or_default();
        let declared = tests.iter().any(|test| {
            let field = |key| test.get(key).and_then(toml::Value::as_str);
            field("name") == Some(module.as_str()) && field("path") == Some(wanted.as_str())
        });
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
    let features = features(root, &wrong_toml);
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
            && !Wrong::only_on_is_valid(os)
        {
            found.push(format!(
                "the wrong answer `{}` of {id} is for `only_on = \"{os}\"`, which is not one of {:?}",
                wrong.feature,
                Wrong::SYSTEMS
            ));
        }
    }
}

/// The runner's quick build (`course::check::quick_tests`): a feature named after an
/// exercise puts its test file into the library's own test build, through
/// `mod exercise_tests` at the end of `src/lib.rs`. The features and that module name the
/// same exercises, on both sides of the chapter, each from the chapter's `tests/` folder.
fn quick_problems(course: &Course, chapter: &Chapter, found: &mut Vec<String>) {
    let root = course.root.as_path();
    let modules: BTreeSet<String> = course
        .manifest
        .exercises_of(chapter)
        .map(Exercise::module)
        .collect();
    let mut sides = Vec::new();
    for side in ["exercises", "solutions"] {
        let cargo_toml = Path::new(side).join(&chapter.dir).join("Cargo.toml");
        let quick: BTreeSet<String> = features(root, &cargo_toml)
            .into_iter()
            .filter(|feature| feature.starts_with("ex"))
            .collect();
        for feature in quick.difference(&modules) {
            found.push(format!(
                "{} has the feature `{feature}`, but chapter {} has no exercise `{feature}`",
                cargo_toml.display(),
                chapter.dir
            ));
        }
        let lib_rs = Path::new(side).join(&chapter.dir).join("src/lib.rs");
        if let Some(Ok(lib)) = course.rust(&lib_rs).as_deref() {
            match quick_modules(&lib.syntax, &quick_tests_path(side, &chapter.dir)) {
                Err(problem) => found.push(format!("{}: {problem}", lib_rs.display())),
                Ok(compiled) if compiled != quick => found.push(format!(
                    "{} compiles the tests of {compiled:?} into its library's test build, \
                     but {} has the features {quick:?}: name the same exercises in both",
                    lib_rs.display(),
                    cargo_toml.display()
                )),
                Ok(_) => {}
            }
        }
        sides.push(quick);
    }
    if sides[0] != sides[1] {
        found.push(format!(
            "exercises/{0} has quick builds for {1:?}, solutions/{0} for {2:?}: they must be the same",
            chapter.dir, sides[0], sides[1]
        ));
    }
}

/// The exercises whose test files `lib`'s `mod exercise_tests` compiles, each under the
/// feature of its name, from `folder`; what is wrong with the module if anything is.
fn quick_modules(lib: &syn::File, folder: &str) -> Result<BTreeSet<String>, String> {
    let Some(quick) = lib.items.iter().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == QUICK_TESTS => Some(m),
        _ => None,
    }) else {
        return Ok(BTreeSet::new());
    };
    let path_of = |attrs: &[syn::Attribute]| {
        attrs.iter().find_map(|a| match &a.meta {
            syn::Meta::NameValue(nv) if nv.path.is_ident("path") => match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => Some(s.value()),
                _ => None,
            },
            _ => None,
        })
    };
    let cfgs = |attrs: &[syn::Attribute]| -> Vec<String> {
        attrs
            .iter()
            .filter(|a| a.path().is_ident("cfg"))
            .filter_map(|a| match &a.meta {
                syn::Meta::List(list) => Some(list.tokens.to_string()),
                _ => None,
            })
            .collect()
    };
    if cfgs(&quick.attrs) != ["test"] {
        return Err(format!(
            "`mod {QUICK_TESTS}` must be `#[cfg(test)]`: without it the test files are part of the library"
        ));
    }
    if path_of(&quick.attrs).as_deref() != Some(folder) {
        return Err(format!(
            "`mod {QUICK_TESTS}` must take the test files from `#[path = \"{folder}\"]`"
        ));
    }
    let mut compiled = BTreeSet::new();
    for item in quick.content.iter().flat_map(|(_, items)| items) {
        let syn::Item::Mod(m) = item else {
            return Err(format!(
                "`mod {QUICK_TESTS}` holds test files only (`mod ex…;`)"
            ));
        };
        let name = m.ident.to_string();
        if m.content.is_some()
            || cfgs(&m.attrs) != [format!("feature = \"{name}\"")]
            || path_of(&m.attrs) != Some(format!("{name}.rs"))
        {
            return Err(format!(
                "in `mod {QUICK_TESTS}`, write `#[cfg(feature = \"{name}\")] #[path = \"{name}.rs\"] mod {name};`"
            ));
        }
        compiled.insert(name);
    }
    Ok(compiled)
}

/// The file at `root/path` as a TOML table, if it is one.
fn read_toml(root: &Path, path: &Path) -> Option<toml::Table> {
    toml::from_str(&fs::read_to_string(root.join(path)).ok()?).ok()
}

fn package_name(cargo_toml: &toml::Table) -> Option<&str> {
    cargo_toml.get("package")?.get("name")?.as_str()
}

/// The names in a Cargo.toml's `[features]` table.
fn features(root: &Path, cargo_toml: &Path) -> BTreeSet<String> {
    read_toml(root, cargo_toml)
        .as_ref()
        .and_then(features_of)
        .unwrap_or_default()
}

fn features_of(cargo_toml: &toml::Table) -> Option<BTreeSet<String>> {
    Some(
        cargo_toml
            .get("features")?
            .as_table()?
            .keys()
            .cloned()
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quick(lib: &str) -> Result<Vec<String>, String> {
        let lib = syn::parse_file(lib).unwrap();
        quick_modules(&lib, "../tests").map(|set| set.into_iter().collect())
    }

    #[test]
    fn the_quick_build_names_its_test_files_one_way_only() {
        let good = r#"
            #[cfg(test)]
            #[path = "../tests"]
            mod exercise_tests {
                #[cfg(feature = "ex01_a")]
                #[path = "ex01_a.rs"]
                mod ex01_a;
                #[cfg(feature = "ex02_b")]
                #[path = "ex02_b.rs"]
                mod ex02_b;
            }"#;
        assert_eq!(quick(good).unwrap(), ["ex01_a", "ex02_b"]);
        assert_eq!(quick("pub mod ex01_a;").unwrap(), Vec::<String>::new());
        for wrong in [
            // Not only in tests: the test files would be part of the library.
            good.replace("#[cfg(test)]", ""),
            good.replace("../tests", "../src"),
            // Under another exercise's feature, or none, or from another file.
            good.replace(r#"feature = "ex02_b""#, r#"feature = "ex01_a""#),
            good.replace(r#"#[cfg(feature = "ex01_a")]"#, ""),
            good.replace(r#""ex02_b.rs""#, r#""ex01_a.rs""#),
            good.replace("mod ex02_b;", "mod ex02_b {}"),
            good.replace("mod ex02_b;", "mod ex02_b;\n fn helper() {}"),
        ] {
            assert!(quick(&wrong).is_err(), "accepted:\n{wrong}");
        }
    }

    #[test]
    fn features_are_read_from_the_features_table() {
        let toml = toml::from_str("[package]\nname='x'\n[features]\na = []\nb-c = []\n").unwrap();
        assert_eq!(
            features_of(&toml).unwrap().into_iter().collect::<Vec<_>>(),
            ["a", "b-c"]
        );
        assert_eq!(package_name(&toml), Some("x"));
        // A name in another table is not the package's.
        let toml = toml::from_str("[lib]\nname = \"x\"\n[package]\nname = \"y\"\n").unwrap();
        assert_eq!(package_name(&toml), Some("y"));
    }
}
