//! Every chapter ends with a quiz: `quiz.md` in the chapter's folder, the chapter's last
//! page in `SUMMARY.md`, linked from the chapter's first page, showing `quiz.toml`. Its
//! shape is checked when it is read (`crate::quiz`); here, what it points at: every
//! question names a page of the book, every code block of a prompt is in the file as it
//! is shown, so the doctest that runs it runs what the reader reads, and every measured
//! figure it quotes (`34.9 ns`, `9.61 KiB`) is one its chapter's labs wrote: run a lab
//! again, and a quiz that quotes the old figures is found.

use super::Course;
use super::markdown::Page;
use crate::quiz::{Quiz, quiz_files};
use std::fs;

pub(super) fn problems(course: &Course) -> Vec<String> {
    let mut found = Vec::new();
    let src = course.root.join("book/src");
    // The pages in the order SUMMARY.md lists them.
    let summary = fs::read_to_string(src.join("SUMMARY.md")).unwrap_or_default();
    let order: Vec<String> = Page::parse(&summary)
        .links
        .into_iter()
        .map(|l| l.dest)
        .collect();
    for chapter in &course.manifest.chapters {
        let dir = chapter.book.rsplit_once('/').map_or("", |(dir, _)| dir);
        let page = format!("{dir}/quiz.md");
        let Ok(text) = fs::read_to_string(src.join(&page)) else {
            found.push(format!(
                "chapter {} has no quiz: book/src/{page} shows its questions with \
                 `{{{{#quiz quiz.toml}}}}` (see course/verify/src/quiz.rs)",
                chapter.number()
            ));
            continue;
        };
        if quiz_files(&text) != ["quiz.toml"] {
            found.push(format!(
                "book/src/{page} must show its chapter's quiz once: `{{{{#quiz quiz.toml}}}}`"
            ));
        }
        let last = order.iter().rfind(|p| p.starts_with(&format!("{dir}/")));
        if last != Some(&page) {
            found.push(format!(
                "SUMMARY.md must list {page} as chapter {}'s last page",
                chapter.number()
            ));
        }
        let index = fs::read_to_string(src.join(&chapter.book)).unwrap_or_default();
        if !Page::parse(&index)
            .links
            .iter()
            .any(|l| l.dest == "quiz.md")
        {
            found.push(format!(
                "book/src/{} must link its chapter's quiz (quiz.md)",
                chapter.book
            ));
        }
        let file = format!("{dir}/quiz.toml");
        let Ok(raw) = fs::read_to_string(src.join(&file)) else {
            continue;
        };
        let Ok(quiz) = Quiz::parse(&raw) else {
            continue; // Reading the page already failed, with the parser's reason.
        };
        // What the chapter's pages and lab files say, the quiz's own page aside.
        let chapter_text: String = fs::read_dir(src.join(dir))
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "md" || e == "svg"))
            .filter(|p| !p.ends_with("quiz.md"))
            .filter_map(|p| fs::read_to_string(p).ok())
            .collect();
        for (n, question) in (1..).zip(&quiz.questions) {
            let prose = std::iter::once(&question.prompt)
                .chain(question.choices.iter().flat_map(|c| [&c.text, &c.why]));
            for figure in prose.flat_map(|text| measured_figures(text)) {
                if !chapter_text.contains(&figure) {
                    found.push(format!(
                        "book/src/{file}, question {n}: `{figure}` is no figure of the chapter's \
                         labs or pages: quote figures as a lab printed them (run it again and \
                         the quiz must follow)"
                    ));
                }
            }
            let (target, _) = question
                .page
                .split_once('#')
                .unwrap_or((&question.page, ""));
            if !course.summary.contains(target) {
                found.push(format!(
                    "book/src/{file}, question {n}: `page = \"{}\"` is not a page of the book",
                    question.page
                ));
            }
            for block in Page::parse(&question.prompt).code_blocks {
                if !raw.contains(&block.body) {
                    found.push(format!(
                        "book/src/{file}, question {n}: a code block of the prompt differs from \
                         the file's text (an escape in a \"\"\" string?): write prompts with \
                         code as ''' literal strings, so the doctest runs what is shown"
                    ));
                }
            }
        }
    }
    found
}

/// Units a measured figure may carry.
const UNITS: [&str; 10] = ["ms", "µs", "ns", "KiB", "MiB", "GiB", "B", "%", "×", "s"];

/// The measured figures in Markdown prose: a number with a decimal point and a unit
/// (`34.9 ns`, `1.09 ms`), outside code blocks and code spans. Round numbers are left
/// alone: they are a question's own scenario (`a 50 µs limit`), not a measurement.
fn measured_figures(markdown: &str) -> Vec<String> {
    let mut prose = String::new();
    let mut fenced = false;
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        } else if !fenced {
            // Code spans out: between backticks, every other piece.
            prose.extend(line.split('`').step_by(2).flat_map(|p| [p, " "]));
            prose.push('\n');
        }
    }
    let chars: Vec<char> = prose.chars().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let starts = chars[i].is_ascii_digit() && (i == 0 || !chars[i - 1].is_alphanumeric());
        if !starts {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < chars.len() && (chars[j].is_ascii_digit() || chars[j] == ',' || chars[j] == '.') {
            j += 1;
        }
        let number: String = chars[i..j].iter().collect::<String>();
        let number = number.trim_end_matches(['.', ',']).to_string();
        let rest: String = chars[i + number.chars().count()..].iter().take(6).collect();
        let (space, after) = match rest.strip_prefix(' ') {
            Some(after) => (" ", after),
            None => ("", rest.as_str()),
        };
        let unit = UNITS.iter().find(|u| {
            after.starts_with(*u) && !after[u.len()..].starts_with(|c: char| c.is_alphanumeric())
        });
        if let (true, Some(unit)) = (number.contains('.'), unit) {
            found.push(format!("{number}{space}{unit}"));
        }
        i = j.max(i + 1);
    }
    found
}

#[cfg(test)]
mod tests {
    use super::measured_figures;

    #[test]
    fn measured_figures_are_decimals_with_a_unit_outside_code() {
        let text = "It took 34.9 ns, then 22.1ns; a 50 µs limit, 1.5 apples, \
                    `2.001ms` in code, 9.61 KiB.\n```\n7.5 ms\n```\nv1.2 s";
        assert_eq!(measured_figures(text), ["34.9 ns", "22.1ns", "9.61 KiB"]);
    }
}
