//! Figures come from the lab that measured them, and pictures open full size.

use super::markdown::Page;
use super::{BookPage, Course, rust_files};
use std::fs;

/// Units of time and size that make a number a measurement.
const UNITS: [&str; 8] = ["ns", "µs", "us", "ms", "KiB", "MiB", "GiB", "kB"];

/// A lab page (`lab.md`, or a page that `{{#include}}`s a Markdown file, which a lab
/// wrote) must not state a measurement in its own prose, where the next run of the lab
/// would leave it behind.
///
/// A measurement is a number followed by a unit of time or size (`17.5 µs`, `4.2 KiB`),
/// in prose: not in code blocks or `code spans`, not in included files. A figure that the
/// chapter's lab code itself spells out (`1 MiB stacks` in a row's name, or
/// `Duration::from_millis(80)`) is a setting of the experiment, not a measurement, and is
/// allowed, and so is a size that is a power of two (`64 KiB`): those are settings and
/// limits, while measured sizes never come out round.
pub(super) fn typed_figure_problems(course: &Course) -> Vec<String> {
    let mut found = Vec::new();
    for BookPage { rel, path, page } in &course.pages {
        let includes_a_table = page.includes.iter().any(|i| i.file.ends_with(".md"));
        if !(includes_a_table || path.file_name().is_some_and(|n| n == "lab.md")) {
            continue;
        }
        // The chapter's lab code: `book/src/ch05-green/…` → `solutions/05-green/examples`.
        let chapter = rel.split(['/', '\\']).next().unwrap_or("");
        let examples = course
            .root
            .join("solutions")
            .join(chapter.strip_prefix("ch").unwrap_or(chapter))
            .join("examples");
        let lab_code: String = rust_files(&examples)
            .iter()
            .filter_map(|stem| fs::read_to_string(examples.join(format!("{stem}.rs"))).ok())
            .collect();
        for (line, figure) in typed_figures(page, &lab_code) {
            found.push(format!(
                "book/src/{rel}:{line}: `{figure}` is a lab figure typed by hand; the next \
                 run of the lab would leave it behind: include it from a table the lab \
                 writes ({{{{#include …md}}}}), or say it without the number (a setting \
                 of the experiment, not a measurement, may be written as code: `{figure}`)"
            ));
        }
    }
    found
}

/// The measurements in a page's prose that `lab_code` does not set, with their lines.
fn typed_figures(page: &Page, lab_code: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for prose in &page.prose {
        let text = prose.text(false);
        for (at, figure) in figures_in(&text.text, &UNITS) {
            let (number, unit) = figure.rsplit_once(' ').unwrap_or((&figure, ""));
            // A duration the lab code sets (`Duration::from_millis(80)`) is a setting too.
            let constructor = match unit {
                "ms" => "from_millis",
                "µs" | "us" => "from_micros",
                "ns" => "from_nanos",
                _ => "",
            };
            let set_by_the_lab = lab_code.contains(&figure)
                || lab_code.contains(&format!("{number}{unit}"))
                || (!constructor.is_empty()
                    && lab_code.contains(&format!("{constructor}({})", number.replace(',', "_"))));
            // A size that is a power of two (a 64 KiB stack, 8 MiB by default) is a
            // setting, not something measured.
            let power_of_two = number
                .replace(',', "")
                .parse::<u64>()
                .is_ok_and(u64::is_power_of_two);
            if !(set_by_the_lab || unit.ends_with('B') && power_of_two) {
                found.push((text.line_at(at), figure));
            }
        }
    }
    found
}

/// Every `number unit` in `text` (`17.5 µs`, `4.2KiB`), written back as `17.5 µs`, with
/// where its number starts, in order.
fn figures_in(text: &str, units: &[&str]) -> Vec<(usize, String)> {
    let mut figures = Vec::new();
    for unit in units {
        for (at, _) in text.match_indices(unit) {
            let after = text[at + unit.len()..].chars().next();
            if after.is_some_and(|c| c.is_alphanumeric()) {
                continue;
            }
            let before = text[..at].trim_end_matches(' ');
            if before.len() + 1 < at {
                continue; // more than one space: not a figure
            }
            let digits = before
                .chars()
                .rev()
                .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ',')
                .count();
            let number = before[before.len() - digits..].trim_start_matches(['.', ',']);
            let start = before.len() - number.len();
            // The unit must follow a number, not end a word (`runs`, `items`).
            let word_before = before[..start].chars().next_back();
            if number.chars().any(|c| c.is_ascii_digit())
                && !word_before.is_some_and(|c| c.is_alphanumeric())
            {
                figures.push((start, format!("{number} {unit}")));
            }
        }
    }
    figures.sort();
    figures
}

/// A picture on a page is a link to itself (`[![alt](x.svg)](x.svg)`), so that a reader on
/// a phone, where it is shrunk to the column, can open it full size.
pub(super) fn unlinked_picture_problems(course: &Course) -> Vec<String> {
    let mut found = Vec::new();
    for BookPage { rel, page, .. } in &course.pages {
        for (line, target) in unlinked_pictures(page) {
            found.push(format!(
                "book/src/{rel}:{line}: the picture {target} is not a link to itself; on a \
                 phone it is shrunk to the column and cannot be opened full size: write \
                 [![…]({target})]({target})"
            ));
        }
    }
    found
}

fn unlinked_pictures(page: &Page) -> Vec<(usize, &str)> {
    page.links
        .iter()
        .filter(|l| l.picture && !l.links_to_itself)
        .map(|l| (l.line, l.dest.as_str()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_are_numbers_followed_by_a_unit() {
        let units = ["ns", "µs", "KiB", "MiB"];
        let figures = |text| -> Vec<String> {
            figures_in(text, &units)
                .into_iter()
                .map(|(_, f)| f)
                .collect()
        };
        assert_eq!(
            figures("took 17.5 µs, then 3ns; 1,024 KiB; 5 MiB"),
            ["17.5 µs", "3 ns", "1,024 KiB", "5 MiB"]
        );
        // Units inside words, and numbers that are part of a name, are not figures.
        assert!(figures("runs nsec x2ns µs 12  ns MiBs").is_empty());
    }

    #[test]
    fn a_figure_typed_in_prose_is_found_on_its_line() {
        let page = Page::parse(
            "# Lab\n\nA switch took 17.5 µs here, and `2 ms` is code.\n\n```text\n3 ms in a block\n```\n\nEach request waits 40 ms (the lab sets it),\non 64 KiB stacks, and\n9.5\nms.\n",
        );
        let lab = "let wait = Duration::from_millis(40);";
        assert_eq!(
            typed_figures(&page, lab),
            [(3, "17.5 µs".to_string()), (11, "9.5 ms".to_string())]
        );
    }

    /// The old scanner split lines at every backtick, so a figure inside a ``` `` `` ```
    /// span was prose to it, and one wrapped between its number and its unit was not.
    #[test]
    fn code_spans_and_line_breaks_are_read_as_markdown_reads_them() {
        let page = Page::parse("A `` `x` 3 ms `` span.\n\nIt took 9.5\nms.\n");
        assert_eq!(typed_figures(&page, ""), [(3, "9.5 ms".to_string())]);
    }

    #[test]
    fn a_picture_must_link_to_itself() {
        let page = Page::parse(
            "[![Timeline](io.svg)](io.svg)\n\n- ![In a list](list.svg)\n\n![Plain](plain.svg \"title\")\n\n[![Elsewhere](a.svg)](b.svg)\n",
        );
        assert_eq!(
            unlinked_pictures(&page),
            [(3, "list.svg"), (5, "plain.svg"), (7, "a.svg")]
        );
    }
}
