//! Makes every page of the book a doctest of this crate (see `src/lib.rs`): for each
//! Markdown file under `book/src`, one empty module whose documentation is that file.
//! A chapter's quiz (`quiz.toml`) is one too: rustdoc reads it as Markdown, so the code
//! blocks of its prompts (fences at the start of a line) run like the pages' blocks.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::{env, fs};

fn main() {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let src = manifest_dir.join("../../book/src");
    println!("cargo::rerun-if-changed={}", src.display());

    let mut pages = Vec::new();
    collect(&src, &mut pages);
    pages.sort();
    let mut out = String::new();
    for page in pages {
        let rel = page
            .strip_prefix(&src)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let name: String = rel
            .replace(".toml", "_toml")
            .trim_end_matches(".md")
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .collect();
        let path = page.canonicalize().unwrap();
        writeln!(
            out,
            "#[doc = include_str!({:?})]\npub mod page_{name} {{}}",
            path.display()
        )
        .unwrap();
    }
    let dest = PathBuf::from(env::var("OUT_DIR").unwrap()).join("book_pages.rs");
    fs::write(dest, out).unwrap();
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if (path.extension().is_some_and(|e| e == "md") && !path.ends_with("SUMMARY.md"))
            || path.ends_with("quiz.toml")
        {
            out.push(path);
        }
    }
}
