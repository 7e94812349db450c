//! Each chapter's "Check yourself" quiz: a TOML file of questions next to the chapter's
//! pages, shown by a page that says `{{#quiz quiz.toml}}`.
//!
//! The book builder expands that line (see [`QuizPreprocessor`]) into the questions as
//! Markdown and HTML, and `book/theme/quiz.js` makes them answerable: it marks each
//! choice right or wrong, says why, and links the page that teaches it. Nothing is
//! stored and nothing is sent: the answers are in the page.
//!
//! A file looks like this (`why` is said for every choice, right or wrong: the wrong
//! ones are the mistakes learners make, and the reason is what they came for):
//!
//! ```toml
//! [[question]]
//! page = "ch06-futures/future.md#the-lost-wake-up"   # the page that teaches it
//! prompt = '''
//! Markdown, code blocks included (they run as doctests, as the pages' blocks do).
//! '''
//! [[question.choice]]
//! text = "Markdown, one line"
//! correct = true
//! why = "Why it is right."
//! [[question.choice]]
//! text = "…"
//! why = "The mistake it is, and what happens instead."
//! ```

use anyhow::{Context, Result, bail};
use mdbook_driver::book::{Book, BookItem};
use mdbook_preprocessor::{Preprocessor, PreprocessorContext};
use serde::Deserialize;
use std::fmt::Write as _;
use std::fs;
use std::path::Path;

/// How many questions a chapter's quiz has, and how many choices a question.
pub const QUESTIONS: std::ops::RangeInclusive<usize> = 5..=8;
pub const CHOICES: std::ops::RangeInclusive<usize> = 2..=5;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quiz {
    #[serde(rename = "question")]
    pub questions: Vec<Question>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    /// The page that teaches it, relative to `book/src`, with a heading's id if a
    /// section of the page does.
    pub page: String,
    /// Markdown.
    pub prompt: String,
    #[serde(rename = "choice")]
    pub choices: Vec<Choice>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    /// Markdown, inline (no code blocks): it is shown as one line.
    pub text: String,
    #[serde(default)]
    pub correct: bool,
    /// Markdown, inline: why this choice is right or wrong.
    pub why: String,
}

impl Quiz {
    pub fn parse(text: &str) -> Result<Quiz> {
        Ok(toml::from_str(text)?)
    }

    pub fn load(path: &Path) -> Result<Quiz> {
        let text = fs::read_to_string(path)
            .with_context(|| format!("cannot read the quiz {}", path.display()))?;
        Quiz::parse(&text).with_context(|| format!("{} is not a quiz", path.display()))
    }

    /// What is wrong with the quiz's shape, as sentences: question numbers count from 1.
    pub fn shape_problems(&self) -> Vec<String> {
        let mut found = Vec::new();
        if !QUESTIONS.contains(&self.questions.len()) {
            found.push(format!(
                "it has {} questions; a chapter's quiz has {} to {}",
                self.questions.len(),
                QUESTIONS.start(),
                QUESTIONS.end()
            ));
        }
        for (n, q) in (1..).zip(&self.questions) {
            if !CHOICES.contains(&q.choices.len()) {
                found.push(format!(
                    "question {n} has {} choices; a question has {} to {}",
                    q.choices.len(),
                    CHOICES.start(),
                    CHOICES.end()
                ));
            }
            if !q.choices.iter().any(|c| c.correct) {
                found.push(format!(
                    "question {n} has no choice marked `correct = true`"
                ));
            }
            if q.choices.iter().all(|c| c.correct) && q.choices.len() > 1 {
                found.push(format!(
                    "every choice of question {n} is correct: nothing is asked"
                ));
            }
            if q.prompt.trim().is_empty() {
                found.push(format!("question {n} has an empty prompt"));
            }
            for (c, choice) in (b'A'..).zip(&q.choices) {
                let c = c as char;
                if choice.text.trim().is_empty() || choice.why.trim().is_empty() {
                    found.push(format!(
                        "question {n}, choice {c}: a choice needs a text and a why"
                    ));
                }
            }
            let mut texts: Vec<&str> = q.choices.iter().map(|c| c.text.trim()).collect();
            texts.sort_unstable();
            if texts.windows(2).any(|w| w[0] == w[1]) {
                found.push(format!("question {n} offers the same choice twice"));
            }
        }
        found
    }
}

/// The quiz as Markdown with HTML blocks, for the page that shows it. `page_dir` is the
/// page's folder under `book/src` (`ch06-futures`), to link the teaching pages from it.
///
/// The prompt stays Markdown, so that mdBook renders its code as it renders every other
/// block; the choices and reasons are short, and are rendered here, inside the HTML.
/// `title` names a page of the book (`ch06-futures/future.md`) for its links, if known.
pub fn to_markdown(quiz: &Quiz, page_dir: &str, title: &dyn Fn(&str) -> Option<String>) -> String {
    let total = quiz.questions.len();
    let mut out = String::from("<div class=\"quiz\">\n\n");
    for (n, q) in (1..).zip(&quiz.questions) {
        let several = q.choices.iter().filter(|c| c.correct).count() > 1;
        // A prompt may ask to select all that apply even when one choice is right: then
        // it gets boxes too, or their shape would give the answer away.
        let said = q.prompt.to_lowercase().contains("select all");
        let kind = if several || said { "checkbox" } else { "radio" };
        let note = if several && !said {
            " (select all that apply)"
        } else {
            ""
        };
        let link = relative_link(page_dir, &q.page);
        // Blank lines end an HTML block, so the prompt between them is Markdown again.
        writeln!(
            out,
            "<section class=\"quiz-question\" id=\"question-{n}\">\n\
             <p class=\"quiz-number\">Question {n} of {total}{note}</p>\n\n\
             {}\n\n<ol class=\"quiz-choices\" type=\"A\">",
            q.prompt.trim()
        )
        .unwrap();
        for (c, choice) in q.choices.iter().enumerate() {
            writeln!(
                out,
                "<li class=\"quiz-choice\" data-correct=\"{}\"><label><input type=\"{kind}\" \
                 name=\"question-{n}\" value=\"{c}\"> {}</label>\
                 <div class=\"quiz-why\" hidden>{}</div></li>",
                choice.correct,
                inline_html(&choice.text),
                inline_html(&choice.why),
            )
            .unwrap();
        }
        writeln!(
            out,
            "</ol>\n<p class=\"quiz-actions\"><button type=\"button\" class=\"quiz-check\">Check</button> \
             <span class=\"quiz-result\" role=\"status\"></span></p>\n\
             <p class=\"quiz-read\" hidden>Read again: <a href=\"{link}\">{}</a></p>\n</section>\n",
            escape(&title(q.page.split('#').next().unwrap_or_default()).unwrap_or_else(|| q.page.clone()))
        )
        .unwrap();
    }
    out.push_str("</div>\n");
    out
}

/// Short Markdown (a choice, a reason) as HTML without its paragraph, on one line.
/// A link to a page (`pool.md#x`) points at the built page (`pool.html#x`), as mdBook
/// makes the links of Markdown it renders itself.
fn inline_html(markdown: &str) -> String {
    use pulldown_cmark::{Event, Parser, Tag};
    let events = Parser::new(markdown.trim()).map(|event| match event {
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => {
            let dest = html_target(&dest_url);
            Event::Start(Tag::Link {
                link_type,
                dest_url: dest.into(),
                title,
                id,
            })
        }
        other => other,
    });
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, events);
    let html = html.trim();
    let html = html
        .strip_prefix("<p>")
        .and_then(|h| h.strip_suffix("</p>"))
        .unwrap_or(html);
    // A blank line would end the HTML block around it; a line break is a space.
    html.replace('\n', " ")
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A link to a page's Markdown (`pool.md#x`) as a link to the built page (`pool.html#x`);
/// any other link as it is.
fn html_target(dest: &str) -> String {
    let (path, fragment) = dest
        .split_once('#')
        .map_or((dest, None), |(p, f)| (p, Some(f)));
    match path.strip_suffix(".md") {
        Some(page) if !dest.contains("://") => match fragment {
            Some(fragment) => format!("{page}.html#{fragment}"),
            None => format!("{page}.html"),
        },
        _ => dest.to_string(),
    }
}

/// `ch06-futures/future.md#x` as a link from a page in `from_dir`, to the built page.
fn relative_link(from_dir: &str, page: &str) -> String {
    let ups = from_dir.split('/').filter(|s| !s.is_empty()).count();
    "../".repeat(ups) + &html_target(page)
}

/// The quiz files a page's text shows: the `FILE` of each `{{#quiz FILE}}` line.
pub fn quiz_files(text: &str) -> Vec<&str> {
    text.lines()
        .filter_map(|l| l.trim().strip_prefix("{{#quiz ")?.strip_suffix("}}"))
        .map(str::trim)
        .collect()
}

/// `text` (a page in `page_dir` under `src`) with each `{{#quiz FILE}}` line replaced by
/// the quiz, as the book shows it.
pub fn expand(
    src: &Path,
    page_dir: &str,
    text: &str,
    title: &dyn Fn(&str) -> Option<String>,
) -> Result<String> {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        match quiz_files(line).first() {
            Some(file) => {
                let quiz = Quiz::load(&src.join(page_dir).join(file))?;
                let problems = quiz.shape_problems();
                if !problems.is_empty() {
                    bail!("the quiz {file} in {page_dir}: {}", problems.join("; "));
                }
                out.push_str(&to_markdown(&quiz, page_dir, title));
            }
            None => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    Ok(out)
}

/// Expands `{{#quiz FILE}}` lines when the book is built (see [`expand`]).
pub struct QuizPreprocessor;

impl Preprocessor for QuizPreprocessor {
    fn name(&self) -> &str {
        "quiz"
    }

    fn run(
        &self,
        ctx: &PreprocessorContext,
        mut book: Book,
    ) -> mdbook_preprocessor::errors::Result<Book> {
        let src = ctx.root.join(&ctx.config.book.src);
        // The pages' titles, for the quizzes' "Read again" links.
        let mut titles = std::collections::HashMap::new();
        for item in book.iter() {
            if let BookItem::Chapter(chapter) = item
                && let Some(path) = &chapter.path
            {
                titles.insert(
                    path.to_string_lossy().replace('\\', "/"),
                    chapter.name.clone(),
                );
            }
        }
        let title = |page: &str| titles.get(page).cloned();
        let mut failed = None;
        book.for_each_mut(|item| {
            let BookItem::Chapter(chapter) = item else {
                return;
            };
            let Some(path) = &chapter.path else { return };
            if failed.is_some() || quiz_files(&chapter.content).is_empty() {
                return;
            }
            let dir = path
                .parent()
                .map(|d| d.to_string_lossy().replace('\\', "/"));
            match expand(&src, &dir.unwrap_or_default(), &chapter.content, &title) {
                Ok(text) => chapter.content = text,
                Err(e) => failed = Some(e),
            }
        });
        match failed {
            Some(e) => Err(e),
            None => Ok(book),
        }
    }

    fn supports_renderer(&self, _renderer: &str) -> mdbook_preprocessor::errors::Result<bool> {
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn question(choices: &str) -> String {
        format!("[[question]]\npage = \"ch01-sync/idle-cpu.md\"\nprompt = \"Which?\"\n{choices}")
    }

    const RIGHT: &str = "[[question.choice]]\ntext = \"yes\"\ncorrect = true\nwhy = \"because\"\n";
    const WRONG: &str = "[[question.choice]]\ntext = \"no\"\nwhy = \"it is not\"\n";

    #[test]
    fn a_quiz_of_the_wrong_shape_is_refused_with_reasons() {
        let good = Quiz::parse(&question(&format!("{RIGHT}{WRONG}")).repeat(5)).unwrap();
        assert_eq!(good.shape_problems(), Vec::<String>::new());

        let few = Quiz::parse(&question(&format!("{RIGHT}{WRONG}"))).unwrap();
        assert!(few.shape_problems()[0].contains("1 questions"));
        let none_right =
            Quiz::parse(&question(&format!("{WRONG}{}", WRONG.replace("no", "nay"))).repeat(5));
        assert!(none_right.unwrap().shape_problems()[0].contains("no choice marked"));
        let twice = Quiz::parse(&question(&format!("{RIGHT}{WRONG}{WRONG}")).repeat(5));
        assert!(twice.unwrap().shape_problems()[0].contains("same choice twice"));
        let no_why = question(&format!("{RIGHT}[[question.choice]]\ntext = \"no\"\n"));
        assert!(Quiz::parse(&no_why).is_err(), "a choice without a why");
        let typo = question(&format!("{RIGHT}{WRONG}")).replace("correct", "corect");
        assert!(Quiz::parse(&typo).is_err(), "an unknown field");
    }

    #[test]
    fn a_question_renders_its_choices_and_links_its_page() {
        let quiz = Quiz::parse(&question(&format!("{RIGHT}{WRONG}")).repeat(5)).unwrap();
        let md = to_markdown(&quiz, "ch01-sync", &|page| {
            (page == "ch01-sync/idle-cpu.md").then(|| "The idle CPU".into())
        });
        assert!(md.contains("Question 1 of 5</p>\n\nWhich?\n\n<ol"), "{md}");
        assert!(
            md.contains("data-correct=\"true\"><label><input type=\"radio\""),
            "{md}"
        );
        assert!(
            md.contains("<div class=\"quiz-why\" hidden>it is not</div>"),
            "{md}"
        );
        assert!(
            md.contains("href=\"../ch01-sync/idle-cpu.html\">The idle CPU</a>"),
            "{md}"
        );
        // Inside an HTML block a blank line would end it: the choices have none.
        let choices = &md[md.find("<ol").unwrap()..md.find("</ol>").unwrap()];
        assert!(!choices.contains("\n\n"), "{choices}");
    }

    #[test]
    fn links_climb_out_of_the_page_folder_and_keep_their_heading() {
        assert_eq!(
            relative_link("ch06-futures", "ch06-futures/future.md#a-b"),
            "../ch06-futures/future.html#a-b"
        );
        assert_eq!(relative_link("", "introduction.md"), "introduction.html");
    }

    #[test]
    fn inline_markdown_loses_its_paragraph_and_stays_on_one_line() {
        assert_eq!(
            inline_html("`join!` waits\nfor both"),
            "<code>join!</code> waits for both"
        );
        assert_eq!(
            inline_html("see [the pool](pool.md#crashes), [std](https://x.org/a.md)"),
            "see <a href=\"pool.html#crashes\">the pool</a>, <a href=\"https://x.org/a.md\">std</a>"
        );
    }
}
