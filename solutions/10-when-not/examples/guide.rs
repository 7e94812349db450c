//! Chapter 10's decision guide, drawn as a picture: which model for which workload.
//!
//! Run it with `cargo run -p ch10-when-not-solution --example ch10-guide`. It writes
//! `book/src/ch10-when-not/decision-guide.svg`. The questions and answers are the data
//! below; the drawing is plain SVG, sized to stay readable when shrunk to 400 px, with its
//! own white background so that it reads the same in the book's dark themes.

use std::fmt::Write as _;

use support::chart::Figures;
use support::svg_escape;

/// One step of the guide: a question, and the model to pick if the answer is yes.
struct Step {
    question: &'static [&'static str],
    answer: &'static [&'static str],
    /// Where the book measured it.
    chapters: &'static str,
}

const STEPS: &[Step] = &[
    Step {
        question: &["Is one thing at a time", "fast enough?"],
        answer: &["Sequential code"],
        chapters: "ch. 01",
    },
    Step {
        question: &[
            "Is the work CPU-bound",
            "(it computes, it",
            "hardly waits)?",
        ],
        answer: &[
            "Threads or a pool",
            "(rayon); processes",
            "to isolate crashes",
        ],
        chapters: "ch. 02, 03, 04, 10",
    },
    Step {
        question: &[
            "Are its libraries",
            "async only (axum,",
            "tonic, a cloud SDK)?",
        ],
        answer: &["Async on their", "runtime; blocking", "parts on threads"],
        chapters: "ch. 08, 10",
    },
    Step {
        question: &["A few clients, or", "short connections?"],
        answer: &["Threads: blocking", "code, one per client"],
        chapters: "ch. 02, 10",
    },
    Step {
        question: &["Is there no async", "driver for something", "it must call?"],
        answer: &["Threads; or async", "with that part on", "its own thread"],
        chapters: "ch. 10",
    },
    Step {
        question: &["Is the project short,", "with no time to learn", "async?"],
        answer: &["Threads, as far", "as they go"],
        chapters: "ch. 02, 09",
    },
];

/// What is left when every answer was no.
const LAST: (&[&str], &str) = (
    &["Async: many connections,", "mostly idle, long-lived"],
    "ch. 06, 07, 08, 09",
);

const WIDTH: f64 = 640.0;
const FONT: f64 = 20.0;
const LINE: f64 = 25.0;
const SMALL: f64 = 16.0;
const Q_X: f64 = 16.0;
const Q_W: f64 = 300.0;
const A_X: f64 = 390.0;
const A_W: f64 = 234.0;
const GAP: f64 = 44.0;
const INK: &str = "#1f2328";
const QUESTION: &str = "#eef1f4";
const ANSWER: &str = "#dbeafe";
const ACCENT: &str = "#fde68a";

fn main() {
    let svg = draw();
    let figures = Figures::for_chapter(env!("CARGO_MANIFEST_DIR"), "ch10-when-not");
    if let Err(e) = figures.write("decision-guide.svg", &svg) {
        eprintln!("could not write decision-guide.svg: {e}");
    }
}

fn draw() -> String {
    let mut body = String::new();
    let mut y = 70.0;
    for step in STEPS {
        let q_h = box_height(step.question.len());
        let a_h = box_height(step.answer.len()) + LINE;
        let row_h = q_h.max(a_h);
        let q_y = y + (row_h - q_h) / 2.0;
        let a_y = y + (row_h - a_h) / 2.0;
        text_box(&mut body, Q_X, q_y, Q_W, q_h, QUESTION, step.question, None);
        text_box(
            &mut body,
            A_X,
            a_y,
            A_W,
            a_h,
            ANSWER,
            step.answer,
            Some(step.chapters),
        );
        // "yes" to the right, "no" down.
        let mid = q_y + q_h / 2.0;
        arrow(&mut body, Q_X + Q_W, mid, A_X, mid);
        label(&mut body, (Q_X + Q_W + A_X) / 2.0, mid - 8.0, "yes");
        let bottom = y + row_h;
        arrow(
            &mut body,
            Q_X + Q_W / 2.0,
            q_y + q_h,
            Q_X + Q_W / 2.0,
            bottom + GAP,
        );
        label(
            &mut body,
            Q_X + Q_W / 2.0 + 24.0,
            bottom + GAP / 2.0 + 6.0,
            "no",
        );
        y = bottom + GAP;
    }
    let (lines, chapters) = LAST;
    let h = box_height(lines.len()) + LINE;
    text_box(&mut body, Q_X, y, Q_W, h, ACCENT, lines, Some(chapters));
    let height = y + h + 20.0;
    let mut svg = String::new();
    write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" font-family="sans-serif" role="img" aria-label="Which model to pick: a decision guide">"#
    )
    .unwrap();
    write!(svg, r#"<rect width="100%" height="100%" fill="white"/>"#).unwrap();
    write!(
        svg,
        r#"<defs><marker id="head" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{INK}"/></marker></defs>"#
    )
    .unwrap();
    write!(
        svg,
        r#"<text x="{Q_X}" y="38" font-size="24" font-weight="bold" fill="{INK}">Which model? Ask in this order</text>"#
    )
    .unwrap();
    svg.push_str(&body);
    svg.push_str("</svg>\n");
    svg
}

fn box_height(lines: usize) -> f64 {
    lines as f64 * LINE + 20.0
}

#[allow(clippy::too_many_arguments)]
fn text_box(
    out: &mut String,
    x: f64,
    y: f64,
    w: f64,
    h: f64,
    fill: &str,
    lines: &[&str],
    chapters: Option<&str>,
) {
    write!(
        out,
        r#"<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="10" fill="{fill}" stroke="{INK}" stroke-width="1.5"/>"#
    )
    .unwrap();
    for (i, line) in lines.iter().enumerate() {
        let ty = y + 10.0 + LINE * (i as f64 + 0.8);
        write!(
            out,
            r#"<text x="{}" y="{ty}" font-size="{FONT}" fill="{INK}">{}</text>"#,
            x + 14.0,
            svg_escape(line)
        )
        .unwrap();
    }
    if let Some(chapters) = chapters {
        let ty = y + 10.0 + LINE * (lines.len() as f64 + 0.7);
        write!(
            out,
            r#"<text x="{}" y="{ty}" font-size="{SMALL}" font-style="italic" fill="{INK}">{}</text>"#,
            x + 14.0,
            svg_escape(chapters)
        )
        .unwrap();
    }
}

fn arrow(out: &mut String, x1: f64, y1: f64, x2: f64, y2: f64) {
    write!(
        out,
        r#"<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="{INK}" stroke-width="2" marker-end="url(#head)"/>"#
    )
    .unwrap();
}

fn label(out: &mut String, x: f64, y: f64, text: &str) {
    write!(
        out,
        r#"<text x="{x}" y="{y}" font-size="{SMALL}" text-anchor="middle" fill="{INK}">{}</text>"#,
        svg_escape(text)
    )
    .unwrap();
}
