//! The book: built in-process with `mdbook-driver`, then checked for broken links.

use anyhow::{Context, Result, anyhow};
use mdbook_driver::MDBook;
use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

/// Builds `book/` into `dest` and returns the path of its first page.
pub fn build(root: &Path, dest: &Path) -> Result<PathBuf> {
    let book_dir = root.join("book");
    let mut book = MDBook::load(&book_dir)
        .map_err(|e| anyhow!("{e:#}"))
        .with_context(|| format!("cannot load the book in {}", book_dir.display()))?;
    book.config.build.build_dir = dest.to_path_buf();
    // mdBook would otherwise create an empty page for every missing file in SUMMARY.md,
    // hiding the mistake; make it an error instead.
    book.config.build.create_missing = false;
    book.with_preprocessor(crate::quiz::QuizPreprocessor);
    book.build()
        .map_err(|e| anyhow!("{e:#}"))
        .context("the book does not build")?;
    Ok(dest.join("index.html"))
}

/// Every internal link or image in the built HTML under `dest` that points nowhere:
/// a missing file, or a `#fragment` that is not an id on its page.
pub fn broken_links(dest: &Path) -> Result<Vec<String>> {
    let mut pages = Vec::new();
    collect_html(dest, &mut pages)?;
    let mut ids: HashMap<PathBuf, Vec<String>> = HashMap::new();
    let mut broken = Vec::new();
    for page in &pages {
        let html =
            fs::read_to_string(page).with_context(|| format!("cannot read {}", page.display()))?;
        for link in attribute_values(&html, "href").chain(attribute_values(&html, "src")) {
            if is_external(link) {
                continue;
            }
            let (path, fragment) = link.split_once('#').unwrap_or((link, ""));
            let path = path.split('?').next().unwrap_or(path);
            let target = if path.is_empty() {
                page.clone()
            } else {
                page.parent().unwrap_or(dest).join(decode(path))
            };
            let shown = page.strip_prefix(dest).unwrap_or(page).display();
            if !target.exists() {
                broken.push(format!("{shown}: `{link}` points to a missing file"));
                continue;
            }
            if fragment.is_empty() || target.extension().is_none_or(|e| e != "html") {
                continue;
            }
            let known = ids.entry(target.clone()).or_insert_with(|| {
                fs::read_to_string(&target)
                    .map(|t| attribute_values(&t, "id").map(str::to_string).collect())
                    .unwrap_or_default()
            });
            if !known.iter().any(|id| id == fragment) {
                broken.push(format!(
                    "{shown}: `{link}` names an anchor that is not on its page"
                ));
            }
        }
    }
    broken.sort();
    broken.dedup();
    Ok(broken)
}

/// The search index the build wrote into `dest` (mdBook's `searchindex*.js`), parsed:
/// `None` if there is none, which means the book was built without its search feature.
pub fn search_index(dest: &Path) -> Result<Option<serde_json::Value>> {
    let Some(file) = fs::read_dir(dest)
        .with_context(|| format!("cannot list {}", dest.display()))?
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("searchindex") && n.ends_with(".js"))
        })
    else {
        return Ok(None);
    };
    let text =
        fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))?;
    // `window.search = Object.assign(window.search, JSON.parse('…'));`: the JSON sits
    // between the quotes, with `\\` and `\'` escaped for JavaScript.
    let json = text
        .split_once("JSON.parse('")
        .and_then(|(_, rest)| rest.rsplit_once("')"))
        .map(|(json, _)| json.replace("\\'", "'").replace("\\\\", "\\"))
        .with_context(|| format!("{} does not hold a JSON.parse('…') call", file.display()))?;
    let index = serde_json::from_str(&json)
        .with_context(|| format!("the search index in {} is not JSON", file.display()))?;
    Ok(Some(index))
}

/// The pages (their URLs, as `ch05-green/switch.html#…`) whose text has `word` for the
/// search box: the word is looked up in the body field of the index, as the reader's
/// search would.
pub fn search(index: &serde_json::Value, word: &str) -> Vec<String> {
    // elasticlunr keeps its inverted index as a tree of characters: `c` → `o` → `r` → …,
    // and a node with `docs` holds the documents that have that token.
    let mut node = &index["index"]["index"]["body"]["root"];
    for c in word.to_lowercase().chars() {
        node = &node[c.to_string().as_str()];
    }
    let urls = index["doc_urls"].as_array();
    node["docs"]
        .as_object()
        .into_iter()
        .flat_map(|docs| docs.keys())
        .filter_map(|id| urls?.get(id.parse::<usize>().ok()?)?.as_str())
        .map(str::to_string)
        .collect()
}

fn collect_html(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    for entry in fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            collect_html(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "html") {
            out.push(path);
        }
    }
    Ok(())
}

/// The values of `name="…"` attributes in `html`.
fn attribute_values<'a>(html: &'a str, name: &str) -> impl Iterator<Item = &'a str> + use<'a> {
    let needle = format!(" {name}=\"");
    let mut values = Vec::new();
    for (at, _) in html.match_indices(&needle) {
        let rest = &html[at + needle.len()..];
        if let Some(end) = rest.find('"') {
            values.push(&rest[..end]);
        }
    }
    values.into_iter()
}

fn is_external(link: &str) -> bool {
    link.is_empty()
        || link.starts_with("//")
        || link.contains("://")
        || ["mailto:", "data:", "javascript:", "{{"]
            .iter()
            .any(|p| link.starts_with(p))
}

/// Undoes the percent-encoding of a link's path (`%20` and friends).
fn decode(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(byte) = path
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
