//! Pages as the rules read them: parsed by pulldown-cmark, the parser mdBook renders the
//! book with and rustdoc tests it with, so a code block, a link or a picture is one here
//! exactly when it is one there.
//!
//! mdBook's `{{#include …}}` is not Markdown: mdBook replaces it in the raw text before
//! parsing, wherever it stands, and so does [`includes`].

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

/// mdBook's parser options (`mdbook_markdown::new_cmark_parser`), but for smart
/// punctuation: it only changes quotes and dashes in the text, and the rules quote the
/// page as written.
fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_DEFINITION_LIST
        // Admonitions: `> [!NOTE]` boxes.
        | Options::ENABLE_GFM
}

/// A page of the book, parsed. Lines are numbered from 1.
#[derive(Default)]
pub(super) struct Page {
    pub code_blocks: Vec<CodeBlock>,
    /// Raw HTML blocks (a `<details>` box), shown as they are; HTML comments are left out.
    pub html_blocks: Vec<HtmlBlock>,
    /// The text of each paragraph, heading, list item, table cell, HTML block…
    pub prose: Vec<Prose>,
    /// Links and pictures.
    pub links: Vec<Link>,
    /// Every `{{#include …}}` of the raw text, code blocks included.
    pub includes: Vec<Include>,
    /// All the text a reader sees (prose, code spans, code blocks, HTML), a block a line:
    /// where a typed address or a command is looked for.
    pub visible: String,
}

pub(super) struct CodeBlock {
    /// The line of its opening fence (or first line, for an indented block).
    pub line: usize,
    /// The info string of a fenced block (`rust,ignore`); `None` for an indented block,
    /// which has none, so rustdoc takes it for Rust.
    pub info: Option<String>,
    pub body: String,
}

pub(super) struct HtmlBlock {
    pub line: usize,
    pub body: String,
}

/// A picture is a link too: `dest` is the file it shows.
pub(super) struct Link {
    pub line: usize,
    pub dest: String,
    pub picture: bool,
    /// A picture that is the whole text of a link to the same file, `[![…](x)](x)`.
    pub links_to_itself: bool,
}

/// One block of prose, as runs of text: a code span is a run of its own.
pub(super) struct Prose(Vec<Run>);

struct Run {
    line: usize,
    text: String,
    code: bool,
}

/// A block's text, each run remembering its line.
pub(super) struct Text {
    pub text: String,
    /// Where each run starts in `text`, and on which line of the page.
    starts: Vec<(usize, usize)>,
}

impl Prose {
    /// Its text, line breaks as spaces, code spans in backticks or, without `code`,
    /// blanked out.
    pub fn text(&self, code: bool) -> Text {
        let mut text = String::new();
        let mut starts = Vec::new();
        for run in &self.0 {
            starts.push((text.len(), run.line));
            match (run.code, code) {
                (false, _) => text.push_str(&run.text),
                (true, true) => text.push_str(&format!("`{}`", run.text)),
                (true, false) => text.push(' '),
            }
        }
        Text { text, starts }
    }
}

impl Text {
    /// The line of the page that holds the character at `at`.
    pub fn line_at(&self, at: usize) -> usize {
        let run = self.starts.partition_point(|&(start, _)| start <= at);
        self.starts[run.saturating_sub(1)].1
    }
}

impl Page {
    pub fn parse(text: &str) -> Page {
        let line_starts: Vec<usize> = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(at, _)| at + 1))
            .collect();
        let line_of = |offset: usize| line_starts.partition_point(|&s| s <= offset);
        let mut page = Page {
            includes: includes(text),
            ..Page::default()
        };
        let mut runs: Vec<Run> = Vec::new();
        let mut code: Option<CodeBlock> = None;
        let mut html: Option<HtmlBlock> = None;
        // The destination of the link the previous event opened, if it opened one.
        let mut opened_link: Option<String> = None;
        for (event, range) in Parser::new_ext(text, options()).into_offset_iter() {
            let line = line_of(range.start);
            // A block's edge ends the prose before it.
            let edge = match &event {
                Event::Start(tag) => !is_inline(&tag.to_end()),
                Event::End(end) => !is_inline(end),
                _ => false,
            };
            if edge {
                if !runs.is_empty() {
                    page.prose.push(Prose(std::mem::take(&mut runs)));
                }
                page.visible.push('\n');
            }
            let mut run = |text: &str, code: bool| {
                runs.push(Run {
                    line,
                    text: text.to_string(),
                    code,
                })
            };
            let mut just_opened = None;
            match event {
                Event::Start(Tag::CodeBlock(kind)) => {
                    code = Some(CodeBlock {
                        line,
                        info: match kind {
                            CodeBlockKind::Fenced(info) => Some(info.trim().to_string()),
                            CodeBlockKind::Indented => None,
                        },
                        body: String::new(),
                    })
                }
                Event::End(TagEnd::CodeBlock) => page.code_blocks.extend(code.take()),
                Event::Start(Tag::HtmlBlock) => {
                    let comment = text[range].trim_start().starts_with("<!--");
                    html = (!comment).then(|| HtmlBlock {
                        line,
                        body: String::new(),
                    });
                }
                Event::End(TagEnd::HtmlBlock) => page.html_blocks.extend(html.take()),
                Event::Text(t) => {
                    match &mut code {
                        Some(block) => block.body.push_str(&t),
                        None => run(&t, false),
                    }
                    page.visible.push_str(&t);
                }
                // The lines of an HTML block (a comment's are `None`).
                Event::Html(t) => {
                    if let Some(block) = &mut html {
                        block.body.push_str(&t);
                        run(&t, false);
                        page.visible.push_str(&t);
                    }
                }
                Event::InlineHtml(t) if !t.starts_with("<!--") => {
                    run(&t, false);
                    page.visible.push_str(&t);
                }
                Event::Code(t) => {
                    run(&t, true);
                    page.visible.push_str(&t);
                }
                Event::SoftBreak | Event::HardBreak => {
                    run(" ", false);
                    page.visible.push(' ');
                }
                Event::Start(Tag::Link { dest_url, .. }) => {
                    page.links.push(Link {
                        line,
                        dest: dest_url.to_string(),
                        picture: false,
                        links_to_itself: false,
                    });
                    just_opened = Some(dest_url.to_string());
                }
                Event::Start(Tag::Image { dest_url, .. }) => page.links.push(Link {
                    line,
                    links_to_itself: opened_link.as_deref() == Some(&*dest_url),
                    dest: dest_url.to_string(),
                    picture: true,
                }),
                _ => {}
            }
            opened_link = just_opened;
        }
        if !runs.is_empty() {
            page.prose.push(Prose(runs));
        }
        page
    }
}

fn is_inline(end: &TagEnd) -> bool {
    matches!(
        end,
        TagEnd::Emphasis
            | TagEnd::Strong
            | TagEnd::Strikethrough
            | TagEnd::Superscript
            | TagEnd::Subscript
            | TagEnd::Link
            | TagEnd::Image
    )
}

/// The pages a `SUMMARY.md` links, as written there (`ch01-sync/index.md`).
pub(super) fn summary_links(text: &str) -> std::collections::BTreeSet<String> {
    Page::parse(text)
        .links
        .into_iter()
        .map(|l| l.dest.trim_start_matches("./").to_string())
        .collect()
}

/// `{{#include file}}`, `{{#include file:anchor}}`, `{{#include file:3:10}}`, or the same
/// with `rustdoc_include`.
#[derive(Debug, PartialEq)]
pub(super) struct Include {
    pub line: usize,
    /// `rustdoc_include`: the whole file is on the page, the lines outside the part
    /// hidden behind `# `, which a reader can unfold.
    pub rustdoc: bool,
    /// Relative to the page's folder.
    pub file: String,
    pub part: Part,
}

#[derive(Debug, PartialEq)]
pub(super) enum Part {
    Whole,
    Anchor(String),
    /// 0-based, the end excluded (mdBook's reading of `file:3:10`, `file:3`, `file::10`).
    Lines(usize, Option<usize>),
}

/// Every include of a page's raw text, as mdBook finds them: `{{#include …}}` anywhere,
/// but not `\{{#include …}}`, which mdBook prints as it is.
pub(super) fn includes(text: &str) -> Vec<Include> {
    let mut found = Vec::new();
    for (n, line) in text.lines().enumerate() {
        for (at, _) in line.match_indices("{{") {
            if line[..at].ends_with('\\') {
                continue;
            }
            let rest = line[at + 2..].trim_start();
            let Some(rest) = rest.strip_prefix('#') else {
                continue;
            };
            let Some(end) = rest.find("}}") else {
                continue;
            };
            let (kind, target) = rest[..end]
                .split_once(char::is_whitespace)
                .unwrap_or((&rest[..end], ""));
            let Some(target) = target.split_whitespace().next() else {
                continue;
            };
            if kind != "include" && kind != "rustdoc_include" {
                continue;
            }
            let (file, part) = target.split_once(':').unwrap_or((target, ""));
            found.push(Include {
                line: n + 1,
                rustdoc: kind == "rustdoc_include",
                file: file.to_string(),
                part: part_of(part),
            });
        }
    }
    found
}

/// mdBook's `parse_range_or_anchor`.
fn part_of(spec: &str) -> Part {
    let mut parts = spec.splitn(3, ':');
    let first = parts.next().unwrap_or_default();
    let start = match first.parse::<usize>() {
        Ok(n) => Some(n.saturating_sub(1)),
        Err(_) if first.is_empty() => None,
        Err(_) => return Part::Anchor(first.to_string()),
    };
    match (start, parts.next().map(|end| end.parse::<usize>().ok())) {
        (Some(start), Some(end)) => Part::Lines(start, end),
        (Some(start), None) => Part::Lines(start, Some(start + 1)),
        (None, Some(Some(end))) => Part::Lines(0, Some(end)),
        (None, _) => Part::Whole,
    }
}

/// The anchor a line opens (`// ANCHOR: name`) or closes (`// ANCHOR_END: name`), by
/// mdBook's pattern `ANCHOR:\s*([\w-]+)`.
fn anchor<'a>(line: &'a str, marker: &str) -> Option<&'a str> {
    let rest = line[line.find(marker)? + marker.len()..].trim_start();
    let end = rest
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(rest.len());
    (end > 0).then(|| &rest[..end])
}

impl Include {
    /// Does `file` (the included file's text) have the anchor this include names?
    pub fn finds_its_anchor(&self, file: &str) -> bool {
        match &self.part {
            Part::Anchor(name) => file.lines().any(|l| anchor(l, "ANCHOR:") == Some(name)),
            _ => true,
        }
    }

    /// What the reader can see of `file` once mdBook has put it in the page: the part
    /// named, or with `rustdoc_include` the whole file. Anchor lines are left out.
    pub fn shown(&self, file: &str) -> String {
        let is_marker =
            |l: &str| anchor(l, "ANCHOR:").is_some() || anchor(l, "ANCHOR_END:").is_some();
        let lines: Vec<&str> = match (&self.part, self.rustdoc) {
            (Part::Whole, _) | (_, true) => file.lines().filter(|l| !is_marker(l)).collect(),
            (Part::Lines(start, end), false) => {
                let end = end.unwrap_or(usize::MAX);
                file.lines().take(end).skip(*start).collect()
            }
            (Part::Anchor(name), false) => file
                .lines()
                .skip_while(|l| anchor(l, "ANCHOR:") != Some(name))
                .skip(1)
                .take_while(|l| anchor(l, "ANCHOR_END:") != Some(name))
                .filter(|l| !is_marker(l))
                .collect(),
        };
        lines.iter().map(|l| format!("{l}\n")).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_blocks_are_found_with_their_info_and_line() {
        let text = "# T\n\n```rust,ignore\n{{#include a.rs}}\n```\n\ntext\n````text\n```\n````\n";
        let page = Page::parse(text);
        let blocks: Vec<(usize, Option<&str>, &str)> = page
            .code_blocks
            .iter()
            .map(|b| (b.line, b.info.as_deref(), b.body.as_str()))
            .collect();
        assert_eq!(
            blocks,
            [
                (3, Some("rust,ignore"), "{{#include a.rs}}\n"),
                (8, Some("text"), "```\n")
            ]
        );
    }

    /// The hand-written scanner saw a fence only at the start of a line, so a block in a
    /// `> [!NOTE]` box was prose to it; and it dropped a block that the page never
    /// closed, though Markdown runs it to the end of its container.
    #[test]
    fn code_blocks_in_boxes_lists_and_unclosed_are_found() {
        let text = "> [!NOTE]\n> ```rust\n> let x = 1;\n> ```\n\n- a list\n\n  ~~~text\n  in the list\n  ~~~\n\nText.\n\n    indented();\n\n```\nnever closed\n";
        let page = Page::parse(text);
        let blocks: Vec<(usize, Option<&str>, &str)> = page
            .code_blocks
            .iter()
            .map(|b| (b.line, b.info.as_deref(), b.body.as_str()))
            .collect();
        assert_eq!(
            blocks,
            [
                (2, Some("rust"), "let x = 1;\n"),
                (8, Some("text"), "in the list\n"),
                (14, None, "indented();\n"),
                (16, Some(""), "never closed\n"),
            ]
        );
        assert!(
            page.prose
                .iter()
                .all(|p| !p.text(true).text.contains("let x"))
        );
    }

    #[test]
    fn prose_keeps_lines_and_code_spans() {
        let page = Page::parse("A `17 ms` span\nand 3 ms on line two.\n\n<!-- 9 ms -->\n");
        assert_eq!(page.prose.len(), 1);
        let with = page.prose[0].text(true);
        assert_eq!(with.text, "A `17 ms` span and 3 ms on line two.");
        let without = page.prose[0].text(false);
        assert_eq!(without.text, "A   span and 3 ms on line two.");
        let at = without.text.find("3 ms").unwrap();
        assert_eq!(without.line_at(at), 2);
        assert_eq!(without.line_at(0), 1);
    }

    #[test]
    fn links_and_pictures_are_found() {
        let page = Page::parse(
            "[![a](x.svg)](x.svg) ![b](y.svg) [![c](z.svg)](y.svg)\n\n[t](https://e.org/f#x)\n",
        );
        let links: Vec<(&str, bool, bool)> = page
            .links
            .iter()
            .map(|l| (l.dest.as_str(), l.picture, l.links_to_itself))
            .collect();
        assert_eq!(
            links,
            [
                ("x.svg", false, false),
                ("x.svg", true, true),
                ("y.svg", true, false),
                ("y.svg", false, false),
                ("z.svg", true, false),
                ("https://e.org/f#x", false, false),
            ]
        );
        assert_eq!(page.links[5].line, 3);
    }

    /// mdBook leaves out an entry in an HTML comment; the old search for `(page)` did not.
    #[test]
    fn the_summary_lists_what_mdbook_shows() {
        let summary = "# Summary\n\n[Intro](introduction.md)\n\n- [One](./ch01/index.md)\n  <!-- - [Two](ch01/two.md) -->\n\n`[Code](ch01/code.md)`\n";
        let listed: Vec<String> = summary_links(summary).into_iter().collect();
        assert_eq!(listed, ["ch01/index.md", "introduction.md"]);
    }

    #[test]
    fn includes_are_read_as_mdbook_reads_them() {
        let text = "{{#include a.rs}}\nx {{#include b.rs:name}} y\n{{#rustdoc_include c.rs:3:10}}\n\\{{#include no.rs}}\n{{#include d.rs::4}} {{#include e.rs:7}}\n";
        let include = |line, rustdoc, file: &str, part| Include {
            line,
            rustdoc,
            file: file.into(),
            part,
        };
        assert_eq!(
            includes(text),
            [
                include(1, false, "a.rs", Part::Whole),
                include(2, false, "b.rs", Part::Anchor("name".into())),
                include(3, true, "c.rs", Part::Lines(2, Some(10))),
                include(5, false, "d.rs", Part::Lines(0, Some(4))),
                include(5, false, "e.rs", Part::Lines(6, Some(7))),
            ]
        );
    }

    /// The old check took `ANCHOR: dev` for found in a file that only has `ANCHOR: device`.
    #[test]
    fn an_anchor_is_found_by_its_whole_name() {
        let file = "a\n// ANCHOR: device\nb\n// ANCHOR: inner\nc\n// ANCHOR_END: inner\n// ANCHOR_END: device\nd\n";
        let include = |part| Include {
            line: 1,
            rustdoc: false,
            file: "f.rs".into(),
            part,
        };
        assert!(include(Part::Anchor("device".into())).finds_its_anchor(file));
        assert!(!include(Part::Anchor("dev".into())).finds_its_anchor(file));
        assert_eq!(include(Part::Anchor("device".into())).shown(file), "b\nc\n");
        assert_eq!(include(Part::Lines(0, Some(1))).shown(file), "a\n");
        let whole = Include {
            rustdoc: true,
            ..include(Part::Anchor("inner".into()))
        };
        assert_eq!(whole.shown(file), "a\nb\nc\nd\n");
    }
}
