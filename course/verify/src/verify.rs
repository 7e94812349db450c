//! Does the course agree with itself? The manifest, the crates and the book are checked
//! against each other; every problem found is a sentence that names the file to fix.
//!
//! Rust files are read with `syn` (`rust`) and pages with pulldown-cmark, mdBook's own
//! Markdown parser (`markdown`). Each rule has its module:
//!
//! - `manifest`: the manifest and the crates name the same chapters, files and features;
//! - `given_code`: a stub leaves a `todo!()`, and the code it gives is the solution's;
//! - `pages`: pages are in the book, their links, includes and code blocks hold;
//! - `quizzes`: every chapter ends with a quiz, whose questions point at real pages;
//! - `time_limits`: every test runs under a time limit;
//! - `claims`: a page that says the tests catch a mistake names the wrong answer;
//! - `spoilers` and `hints`: no page shows, and no hint quotes, the learner's code
//!   (found by `answers`);
//! - `figures`: a lab's figures come from the lab, and pictures open full size;
//! - `judges`: what the runs of the stubs and the wrong answers must show.
//!
//! Running the tests (stubs must fail, solutions must pass, wrong answers must be caught)
//! is done by the `course` crate's integration tests, through cargo.

mod answers;
mod claims;
mod figures;
mod given_code;
mod hints;
mod judges;
mod manifest;
mod markdown;
mod pages;
mod quizzes;
mod rust;
mod spoilers;
mod time_limits;

pub use judges::{judge_stubs, judge_wrong};

use anyhow::{Context, Result};
use course::manifest::Manifest;
use markdown::Page;
use rust::RustFile;
use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::fs;
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// Every disagreement between the manifest, the files and the book under `root`.
pub fn problems(root: &Path) -> Result<Vec<String>> {
    let course = Course::load(root)?;
    let answers = answers::learners_answers(&course);
    let mut found = manifest::problems(&course);
    found.extend(given_code::problems(&course));
    found.extend(pages::problems(&course));
    found.extend(quizzes::problems(&course));
    found.extend(time_limits::problems(&course));
    found.extend(claims::problems(&course));
    found.extend(spoilers::problems(&course, &answers));
    found.extend(hints::problems(&course, &answers));
    found.extend(figures::typed_figure_problems(&course));
    found.extend(figures::unlinked_picture_problems(&course));
    Ok(found)
}

/// What the rules read, loaded once: the manifest and the book's pages, parsed.
struct Course {
    root: PathBuf,
    manifest: Manifest,
    /// The repository's address, to which pages link exercise files.
    repo: String,
    /// Every Markdown file under `book/src`, `SUMMARY.md` and included tables too.
    pages: Vec<BookPage>,
    /// The pages `SUMMARY.md` lists, as it names them (`ch01-sync/index.md`).
    summary: BTreeSet<String>,
    /// Rust files parsed so far, by path under `root`: several rules read each.
    rust: RefCell<HashMap<PathBuf, Parsed>>,
}

/// A Rust file, read and parsed: `None` if it cannot be read, the parser's complaint if
/// it is not Rust.
type Parsed = Option<Rc<Result<RustFile, String>>>;

/// A Markdown file of the book.
struct BookPage {
    /// Its path under `book/src`, as messages name it: `ch01-sync/index.md`.
    rel: String,
    path: PathBuf,
    page: Page,
}

impl Course {
    fn load(root: &Path) -> Result<Course> {
        let manifest = Manifest::load(root)?;
        let src = root.join("book/src");
        let mut pages = Vec::new();
        for path in markdown_files(&src) {
            let text = fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            // With `/` on every system, as SUMMARY.md and the manifest name pages.
            let rel = path.strip_prefix(&src).unwrap_or(&path).iter();
            let rel: Vec<_> = rel.map(|part| part.to_string_lossy()).collect();
            let rel = rel.join("/");
            // A quiz is checked as the page that shows it: its code blocks, its links
            // and what it must not give away are a page's.
            let dir = rel.rsplit_once('/').map_or("", |(dir, _)| dir);
            let text = crate::quiz::expand(&src, dir, &text, &|_| None)
                .with_context(|| format!("in book/src/{rel}"))?;
            pages.push(BookPage {
                rel,
                page: Page::parse(&text),
                path,
            });
        }
        let summary = fs::read_to_string(src.join("SUMMARY.md")).unwrap_or_default();
        Ok(Course {
            root: root.to_path_buf(),
            repo: repository_url(root),
            summary: markdown::summary_links(&summary),
            manifest,
            pages,
            rust: RefCell::default(),
        })
    }

    /// The Rust file at `path` (under the root), parsed once: `None` if it cannot be
    /// read, the parser's complaint if it is not Rust.
    fn rust(&self, path: &Path) -> Parsed {
        if let Some(parsed) = self.rust.borrow().get(path) {
            return parsed.clone();
        }
        let parsed = RustFile::read(&self.root, path).map(Rc::new);
        self.rust
            .borrow_mut()
            .insert(path.to_path_buf(), parsed.clone());
        parsed
    }
}

/// Every `.md` file under `dir`, in order.
fn markdown_files(dir: &Path) -> Vec<PathBuf> {
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

/// The stems of the `.rs` files in `dir` (not below), in order.
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
