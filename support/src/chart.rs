//! The labs' figures: bar charts and tables written from one run, so that a page's table
//! and its chart can never disagree.
//!
//! A lab measures each row several times and keeps the runs as [`Samples`]; a
//! [`BarChart`] draws the median as a bar and the spread (min to max) as a whisker, and a
//! [`Table`] prints the same samples as Markdown. [`Figures`] writes both next to the
//! page that includes them.
//!
//! The pictures are drawn for the book's narrowest reader: each row puts its label on a
//! line of its own above the bar (no long labels squeezed to the left), text is large for
//! the picture's width, so it stays readable when a phone shrinks the picture to 400 px,
//! and the picture carries its own white background, so it reads the same in mdBook's
//! dark themes. One axis speaks one format: every tick and value of a chart is written
//! by the same [`Unit`].
//!
//! ```
//! use support::chart::{BarChart, Samples, Table, Unit};
//!
//! let fast = Samples::of(&[5.6, 5.8, 6.1]);
//! let slow = Samples::of(&[3_200.0, 17_500.0, 59_600.0]);
//! let svg = BarChart::new("One switch, there and back", Unit::Nanos)
//!     .log_scale()
//!     .bar("green thread yield", fast)
//!     .bar("OS thread ping-pong", slow)
//!     .to_svg();
//! assert!(svg.starts_with("<svg") && svg.contains("OS thread ping-pong"));
//!
//! let table = Table::new(["switch", "time (median, min–max of 3 runs)"])
//!     .row(["green thread yield".to_string(), Unit::Nanos.range(&fast)])
//!     .to_markdown();
//! assert!(table.contains("| green thread yield | 5.8 ns (5.6–6.1 ns) |"));
//! ```

use crate::timeline::escape;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Several measurements of one thing: what a chart and a table show of it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Samples {
    pub min: f64,
    pub median: f64,
    pub max: f64,
    /// How many runs the figures summarise.
    pub runs: usize,
}

impl Samples {
    /// The summary of `values` (at least one; NaNs are not measurements and are refused).
    pub fn of(values: &[f64]) -> Self {
        assert!(!values.is_empty(), "Samples::of needs at least one value");
        assert!(
            values.iter().all(|v| v.is_finite()),
            "Samples::of got a value that is not a finite number: {values:?}"
        );
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len();
        let median = if n % 2 == 1 {
            sorted[n / 2]
        } else {
            (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
        };
        Self {
            min: sorted[0],
            median,
            max: sorted[n - 1],
            runs: n,
        }
    }

    /// One measurement, shown without a whisker.
    pub fn one(value: f64) -> Self {
        Self::of(&[value])
    }
}

/// What the numbers of a chart or a column are, and how they are written.
///
/// Values are given in the base unit (nanoseconds, bytes, a count, a ratio); the unit
/// picks the prefix that suits the size and always writes three significant digits at
/// most, so "50 ms" and "100 ms" sit side by side, never "50.0 ms" next to "100 ms".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// A duration in nanoseconds: written in ns, µs, ms or s.
    Nanos,
    /// A size in bytes: written in B, KiB, MiB or GiB.
    Bytes,
    /// A plain count: written with k and M (12.3k, 1.5M).
    Count,
    /// A ratio: written as 2.5×.
    Times,
    /// A share from 0 to 1: written as 42 %.
    Percent,
}

impl Unit {
    /// `value` written in this unit, e.g. `Unit::Nanos.format(17_500.0)` is `"17.5 µs"`.
    pub fn format(self, value: f64) -> String {
        match self {
            Unit::Nanos => scaled(value, 1000.0, &["ns", "µs", "ms", "s"], " "),
            Unit::Bytes => scaled(value, 1024.0, &["B", "KiB", "MiB", "GiB"], " "),
            Unit::Count => scaled(value, 1000.0, &["", "k", "M", "G"], ""),
            Unit::Times => format!("{}×", significant(value)),
            Unit::Percent => format!("{} %", significant(value * 100.0)),
        }
    }

    /// The median and the spread of `samples`: `"5.8 ns (5.6–6.1 ns)"`, or only the value
    /// when there was one run or every run gave the same figure.
    pub fn range(self, samples: &Samples) -> String {
        let median = self.format(samples.median);
        let (min, max) = (self.format(samples.min), self.format(samples.max));
        if samples.runs < 2 || min == max {
            median
        } else {
            format!("{median} ({}–{max})", strip_same_suffix(&min, &max))
        }
    }
}

/// `3.2 µs`–`59.6 µs` reads better as `3.2–59.6 µs`: drop the lower end's unit when both
/// ends share it.
fn strip_same_suffix<'a>(low: &'a str, high: &str) -> &'a str {
    match (low.rsplit_once(' '), high.rsplit_once(' ')) {
        (Some((number, a)), Some((_, b))) if a == b => number,
        _ => low,
    }
}

/// Three significant digits at most, no trailing zeros: 5.8, 17.5, 118, 2,048.
fn significant(value: f64) -> String {
    let magnitude = value.abs();
    let decimals = if magnitude == 0.0 || magnitude >= 100.0 {
        0
    } else if magnitude >= 10.0 {
        1
    } else {
        2
    };
    let text = format!("{value:.decimals$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    };
    thousands(&text)
}

/// 1234567 → 1,234,567 (only the integer part).
fn thousands(number: &str) -> String {
    let (sign, rest) = number
        .strip_prefix('-')
        .map_or(("", number), |rest| ("-", rest));
    let (int, frac) = rest
        .split_once('.')
        .map_or((rest, None), |(i, f)| (i, Some(f)));
    let mut grouped = String::new();
    for (i, digit) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    match frac {
        Some(frac) => format!("{sign}{grouped}.{frac}"),
        None => format!("{sign}{grouped}"),
    }
}

fn scaled(value: f64, step: f64, prefixes: &[&str], gap: &str) -> String {
    let mut value = value;
    let mut prefix = 0;
    // Move up a prefix once the number would need four digits (999.5 rounds to 1,000),
    // so 1000 KiB is written 0.98 MiB and every figure keeps three digits at most.
    while prefix + 1 < prefixes.len() && value.abs() >= 999.5 {
        value /= step;
        prefix += 1;
    }
    let unit = prefixes[prefix];
    if unit.is_empty() {
        significant(value)
    } else {
        format!("{}{gap}{unit}", significant(value))
    }
}

/// One row of a [`BarChart`].
#[derive(Clone, Debug)]
struct Bar {
    label: String,
    samples: Samples,
    /// Drawn in the accent colour: the row the page talks about.
    highlight: bool,
}

/// A horizontal bar chart: one row per thing measured, the bar at its median, a whisker
/// from its smallest to its largest run.
#[derive(Clone, Debug)]
pub struct BarChart {
    title: String,
    unit: Unit,
    log: bool,
    note: Option<String>,
    bars: Vec<Bar>,
}

// The picture's geometry, in SVG user units. The picture is 560 wide; on a phone the
// book's column is about 360 px, so 15-unit text shows at about 10 px: small but legible.
const WIDTH: f64 = 560.0;
const MARGIN: f64 = 12.0;
const TITLE_HEIGHT: f64 = 34.0;
const ROW_HEIGHT: f64 = 46.0;
const BAR_HEIGHT: f64 = 16.0;
const AXIS_HEIGHT: f64 = 30.0;
const NOTE_HEIGHT: f64 = 22.0;
const TEXT: &str = "#1f2328";
const MUTED: &str = "#57606a";
const GRID: &str = "#d0d7de";
const BAR: &str = "#4a7fc1";
const ACCENT: &str = "#d9822b";

impl BarChart {
    /// An empty chart; `title` says what is measured and which way is better.
    pub fn new(title: impl Into<String>, unit: Unit) -> Self {
        Self {
            title: title.into(),
            unit,
            log: false,
            note: None,
            bars: Vec::new(),
        }
    }

    /// A logarithmic axis, for rows that lie orders of magnitude apart.
    pub fn log_scale(mut self) -> Self {
        self.log = true;
        self
    }

    /// A line of small print under the axis: the machine, the number of runs.
    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }

    /// Adds a row.
    pub fn bar(mut self, label: impl Into<String>, samples: Samples) -> Self {
        self.bars.push(Bar {
            label: label.into(),
            samples,
            highlight: false,
        });
        self
    }

    /// Adds a row drawn in the accent colour.
    pub fn highlighted_bar(mut self, label: impl Into<String>, samples: Samples) -> Self {
        self.bars.push(Bar {
            label: label.into(),
            samples,
            highlight: true,
        });
        self
    }

    /// The chart as a standalone SVG document.
    pub fn to_svg(&self) -> String {
        let plot_left = MARGIN;
        let plot_right = WIDTH - MARGIN;
        let top = TITLE_HEIGHT;
        let bottom = top + ROW_HEIGHT * self.bars.len() as f64;
        let height = bottom
            + AXIS_HEIGHT
            + if self.note.is_some() {
                NOTE_HEIGHT
            } else {
                0.0
            }
            + MARGIN;
        let axis = Axis::new(
            self.log,
            self.unit,
            self.bars
                .iter()
                .map(|b| b.samples.min)
                .fold(f64::INFINITY, f64::min),
            self.bars.iter().map(|b| b.samples.max).fold(0.0, f64::max),
        );
        let x = |value: f64| plot_left + axis.fraction(value) * (plot_right - plot_left);

        let mut svg = String::new();
        let _ = writeln!(
            svg,
            r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif" font-size="15" fill="{TEXT}">"#
        );
        let _ = writeln!(svg, "<title>{}</title>", escape(&self.title));
        // Its own background: the book's dark themes would otherwise put dark text on dark.
        let _ = writeln!(
            svg,
            r##"<rect width="100%" height="100%" rx="6" fill="#ffffff"/>"##
        );
        let _ = writeln!(
            svg,
            r#"<text x="{MARGIN}" y="22" font-size="16" font-weight="bold">{}</text>"#,
            escape(&self.title)
        );
        for tick in axis.ticks() {
            let tx = x(tick);
            let _ = writeln!(
                svg,
                r#"<line x1="{tx:.1}" y1="{top}" x2="{tx:.1}" y2="{bottom}" stroke="{GRID}"/>"#
            );
            let anchor = if tx < plot_left + 20.0 {
                "start"
            } else if tx > plot_right - 20.0 {
                "end"
            } else {
                "middle"
            };
            let _ = writeln!(
                svg,
                r#"<text x="{tx:.1}" y="{:.1}" text-anchor="{anchor}" font-size="13" fill="{MUTED}">{}</text>"#,
                bottom + 20.0,
                escape(&self.unit.format(tick))
            );
        }
        for (i, bar) in self.bars.iter().enumerate() {
            let row = top + ROW_HEIGHT * i as f64;
            let label_y = row + 17.0;
            let bar_y = row + 23.0;
            let _ = writeln!(
                svg,
                r#"<text x="{MARGIN}" y="{label_y:.1}">{}</text>"#,
                escape(&bar.label)
            );
            let _ = writeln!(
                svg,
                r#"<text x="{plot_right}" y="{label_y:.1}" text-anchor="end" font-weight="bold">{}</text>"#,
                escape(&self.unit.range(&bar.samples))
            );
            let colour = if bar.highlight { ACCENT } else { BAR };
            let end = x(bar.samples.median).max(plot_left + 2.0);
            let _ = writeln!(
                svg,
                r#"<rect x="{plot_left}" y="{bar_y:.1}" width="{:.1}" height="{BAR_HEIGHT}" rx="2" fill="{colour}"/>"#,
                end - plot_left
            );
            if bar.samples.runs > 1 && bar.samples.max > bar.samples.min {
                let (low, high) = (x(bar.samples.min), x(bar.samples.max));
                let mid = bar_y + BAR_HEIGHT / 2.0;
                let _ = writeln!(
                    svg,
                    r#"<path d="M{low:.1} {mid:.1}H{high:.1}M{low:.1} {:.1}V{:.1}M{high:.1} {:.1}V{:.1}" stroke="{TEXT}" stroke-width="1.5" fill="none"/>"#,
                    mid - 5.0,
                    mid + 5.0,
                    mid - 5.0,
                    mid + 5.0
                );
            }
        }
        let mut legend = format!(
            "bar: median{}",
            if self.bars.iter().any(|b| b.samples.runs > 1) {
                "; whisker: fastest to slowest run"
            } else {
                ""
            }
        );
        if self.log {
            legend.push_str("; log scale");
        }
        let mut y = bottom + AXIS_HEIGHT + 4.0;
        let _ = writeln!(
            svg,
            r#"<text x="{MARGIN}" y="{y:.1}" font-size="13" fill="{MUTED}">{}</text>"#,
            escape(&legend)
        );
        if let Some(note) = &self.note {
            y += NOTE_HEIGHT - 4.0;
            let _ = writeln!(
                svg,
                r#"<text x="{MARGIN}" y="{y:.1}" font-size="13" fill="{MUTED}">{}</text>"#,
                escape(note)
            );
        }
        svg.push_str("</svg>\n");
        svg
    }
}

/// Where values sit on the horizontal axis, and which ticks it shows.
struct Axis {
    log: bool,
    low: f64,
    high: f64,
}

impl Axis {
    fn new(log: bool, unit: Unit, smallest: f64, largest: f64) -> Self {
        if log {
            let smallest = if smallest > 0.0 { smallest } else { 1.0 };
            let largest = largest.max(smallest * 10.0);
            Self {
                log,
                low: 10f64.powf(smallest.log10().floor()),
                high: 10f64.powf(largest.log10().ceil()),
            }
        } else {
            // Round in the unit the ticks are written in: 40 KiB, not 40,000 bytes.
            let step = if unit == Unit::Bytes { 1024.0 } else { 1000.0 };
            let mut scale = 1.0;
            while unit != Unit::Percent && unit != Unit::Times && largest / scale >= 999.5 {
                scale *= step;
            }
            Self {
                log,
                low: 0.0,
                high: nice_ceiling(largest / scale) * scale,
            }
        }
    }

    /// 0.0 at the left end of the plot, 1.0 at the right.
    fn fraction(&self, value: f64) -> f64 {
        let f = if self.log {
            (value.max(self.low).log10() - self.low.log10())
                / (self.high.log10() - self.low.log10())
        } else {
            value / self.high
        };
        f.clamp(0.0, 1.0)
    }

    fn ticks(&self) -> Vec<f64> {
        if self.log {
            let decades = (self.high / self.low).log10().round() as i32;
            // At most five labels: every decade, or every other one on a wide axis.
            let stride = if decades > 5 { 2 } else { 1 };
            (0..=decades)
                .step_by(stride)
                .map(|d| self.low * 10f64.powi(d))
                .collect()
        } else {
            let step = self.high / 4.0;
            (0..=4).map(|i| step * i as f64).collect()
        }
    }
}

/// The smallest of 1, 2, 4, 5, 8 or 10 times a power of ten at or above `value`, so that
/// the axis splits into four round quarters.
fn nice_ceiling(value: f64) -> f64 {
    if value <= 0.0 {
        return 1.0;
    }
    let power = 10f64.powf(value.log10().floor());
    [1.0, 2.0, 4.0, 5.0, 8.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|&nice| nice >= value * 0.9999)
        .unwrap_or(10.0 * power)
}

/// A Markdown table: a header and rows of cells, columns aligned on the left, except
/// the ones marked numeric (right).
#[derive(Clone, Debug)]
pub struct Table {
    header: Vec<String>,
    numeric: Vec<bool>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column headings; the first column is text, the rest numbers.
    pub fn new<const N: usize>(header: [&str; N]) -> Self {
        Self {
            header: header.iter().map(|h| h.to_string()).collect(),
            numeric: (0..N).map(|i| i > 0).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row; it must have one cell per column.
    pub fn row<const N: usize>(mut self, cells: [String; N]) -> Self {
        self.push(cells.to_vec());
        self
    }

    /// Adds a row in place (for loops); it must have one cell per column.
    pub fn push(&mut self, cells: Vec<String>) {
        assert_eq!(
            cells.len(),
            self.header.len(),
            "a table row needs one cell per column: {cells:?}"
        );
        self.rows.push(cells);
    }

    /// The table as GitHub-flavoured Markdown, which mdBook renders.
    pub fn to_markdown(&self) -> String {
        let cell = |text: &str| text.replace('|', "\\|");
        let mut out = String::new();
        let _ = writeln!(
            out,
            "| {} |",
            self.header
                .iter()
                .map(|h| cell(h))
                .collect::<Vec<_>>()
                .join(" | ")
        );
        let rule: Vec<&str> = self
            .numeric
            .iter()
            .map(|&n| if n { "---:" } else { "---" })
            .collect();
        let _ = writeln!(out, "| {} |", rule.join(" | "));
        for row in &self.rows {
            let _ = writeln!(
                out,
                "| {} |",
                row.iter().map(|c| cell(c)).collect::<Vec<_>>().join(" | ")
            );
        }
        out
    }
}

/// Where a lab writes its figures: the chapter's folder in the book.
#[derive(Clone, Debug)]
pub struct Figures {
    dir: PathBuf,
}

impl Figures {
    /// The folder `book/src/<chapter>` of the course, found from the lab crate's manifest
    /// directory (`env!("CARGO_MANIFEST_DIR")` of a crate in `solutions/`).
    pub fn for_chapter(manifest_dir: &str, chapter: &str) -> Self {
        Self {
            dir: Path::new(manifest_dir).join("../../book/src").join(chapter),
        }
    }

    /// Another folder, e.g. a temporary one for a `--quick` run that must not overwrite
    /// the book's figures.
    pub fn in_dir(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// Writes one file (a chart's SVG, a table's Markdown) and says where it went.
    pub fn write(&self, name: &str, contents: &str) -> std::io::Result<PathBuf> {
        std::fs::create_dir_all(&self.dir)?;
        let path = self.dir.join(name);
        std::fs::write(&path, contents)?;
        println!("wrote {}", path.display());
        Ok(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_summarise_their_runs() {
        let s = Samples::of(&[3.0, 1.0, 2.0, 10.0]);
        assert_eq!((s.min, s.median, s.max, s.runs), (1.0, 2.5, 10.0, 4));
        assert_eq!(Samples::of(&[4.0, 9.0, 1.0]).median, 4.0);
    }

    #[test]
    fn units_pick_one_prefix_and_three_digits() {
        assert_eq!(Unit::Nanos.format(5.8), "5.8 ns");
        assert_eq!(Unit::Nanos.format(17_500.0), "17.5 µs");
        assert_eq!(Unit::Nanos.format(50_000_000.0), "50 ms");
        assert_eq!(Unit::Nanos.format(100_000_000.0), "100 ms");
        assert_eq!(Unit::Nanos.format(999.7), "1 µs");
        assert_eq!(Unit::Bytes.format(1000.0 * 1024.0), "0.98 MiB");
        assert_eq!(Unit::Bytes.format(10.0 * 1024.0 * 1024.0), "10 MiB");
        assert_eq!(Unit::Bytes.format(4300.0), "4.2 KiB");
        assert_eq!(Unit::Count.format(1_234_567.0), "1.23M");
        assert_eq!(Unit::Count.format(950.0), "950");
        assert_eq!(Unit::Times.format(3.0), "3×");
        assert_eq!(Unit::Percent.format(0.425), "42.5 %");
    }

    #[test]
    fn a_range_shares_its_unit() {
        let s = Samples::of(&[3_200.0, 17_500.0, 59_600.0]);
        assert_eq!(Unit::Nanos.range(&s), "17.5 µs (3.2–59.6 µs)");
        let mixed = Samples::of(&[900.0, 1_500.0, 2_000.0]);
        assert_eq!(Unit::Nanos.range(&mixed), "1.5 µs (900 ns–2 µs)");
        assert_eq!(Unit::Nanos.range(&Samples::one(7.0)), "7 ns");
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(significant(2048.0), "2,048");
        assert_eq!(significant(-1234.0), "-1,234");
        assert_eq!(significant(12.34), "12.3");
    }

    #[test]
    fn a_chart_has_every_row_and_escapes_its_text() {
        let svg = BarChart::new("a < b", Unit::Count)
            .bar("one & two", Samples::of(&[1.0, 2.0, 3.0]))
            .highlighted_bar("three", Samples::one(30.0))
            .note("2 cores")
            .to_svg();
        assert!(svg.contains("a &lt; b") && svg.contains("one &amp; two"));
        assert!(svg.contains(ACCENT) && svg.contains("2 cores"));
        assert_eq!(svg.matches("<rect").count(), 3, "a background and two bars");
        assert_eq!(
            svg.matches("<path").count(),
            1,
            "one whisker: only one row has a spread"
        );
    }

    #[test]
    fn log_axes_tick_at_decades() {
        let axis = Axis::new(true, Unit::Nanos, 2.0, 30_000.0);
        assert_eq!(
            axis.ticks(),
            vec![1.0, 10.0, 100.0, 1_000.0, 10_000.0, 100_000.0]
        );
        assert_eq!(axis.fraction(1.0), 0.0);
        assert_eq!(axis.fraction(100_000.0), 1.0);
        let linear = Axis::new(false, Unit::Count, 0.0, 7.3);
        assert_eq!(linear.ticks(), vec![0.0, 2.0, 4.0, 6.0, 8.0]);
        let bytes = Axis::new(false, Unit::Bytes, 0.0, 22_000.0);
        assert_eq!(bytes.high, 40.0 * 1024.0, "rounded in KiB");
    }

    #[test]
    fn tables_are_markdown_with_numbers_on_the_right() {
        let mut table = Table::new(["server", "memory"]);
        table.push(vec!["tokio | current_thread".into(), "1 KiB".into()]);
        let md = table.to_markdown();
        assert_eq!(
            md,
            "| server | memory |\n| --- | ---: |\n| tokio \\| current_thread | 1 KiB |\n"
        );
    }
}
