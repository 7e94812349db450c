//! Timelines: who did what, when.
//!
//! A [`Timeline`] records named spans on a monotonic clock, one lane per thread (or per
//! task, if you name the lane), and draws them as an SVG picture in the style of the
//! talk's "1 thread, 3 tasks" slides: time runs left to right, CPU work is a solid bar,
//! waiting is a hatched bar.

use std::fmt::Write as _;
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

/// What a span spent its time on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Computing: the CPU is busy.
    Cpu,
    /// Waiting for something outside (a disk, a peer, a timer): the CPU is idle.
    Wait,
}

/// One recorded piece of work.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Span {
    /// The row it is drawn in: a thread's name, or a task's.
    pub lane: String,
    /// What the work was, e.g. `"task 1"`.
    pub label: String,
    pub kind: Kind,
    /// When it started and ended, measured from the timeline's creation.
    pub start: Duration,
    pub end: Duration,
}

impl Span {
    pub fn duration(&self) -> Duration {
        self.end.saturating_sub(self.start)
    }
}

/// A recorder of spans, shareable between threads (`&Timeline` is `Send`).
#[derive(Debug)]
pub struct Timeline {
    origin: Instant,
    /// A plain mutex: recording takes nanoseconds and never waits for anything else.
    spans: Mutex<Vec<Span>>,
}

impl Default for Timeline {
    fn default() -> Self {
        Self::new()
    }
}

impl Timeline {
    /// A new, empty timeline whose clock starts now.
    pub fn new() -> Self {
        Self {
            origin: Instant::now(),
            spans: Mutex::new(Vec::new()),
        }
    }

    /// Time since the timeline was created.
    pub fn now(&self) -> Duration {
        self.origin.elapsed()
    }

    /// Runs `work`, recording it as a span in the current thread's lane.
    pub fn record<T>(&self, label: &str, kind: Kind, work: impl FnOnce() -> T) -> T {
        self.record_in(&current_lane(), label, kind, work)
    }

    /// Runs `work`, recording it as a span in the named lane.
    pub fn record_in<T>(&self, lane: &str, label: &str, kind: Kind, work: impl FnOnce() -> T) -> T {
        let start = self.now();
        let value = work();
        let end = self.now();
        self.push(Span {
            lane: lane.to_string(),
            label: label.to_string(),
            kind,
            start,
            end,
        });
        value
    }

    /// Adds a span measured elsewhere (by a scheduler that knows when its tasks ran).
    pub fn push(&self, span: Span) {
        self.spans
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(span);
    }

    /// Every span so far, in order of start time.
    pub fn spans(&self) -> Vec<Span> {
        let mut spans = self.spans.lock().unwrap_or_else(|e| e.into_inner()).clone();
        spans.sort_by_key(|s| (s.start, s.end));
        spans
    }

    /// Draws the timeline as a standalone SVG document.
    pub fn to_svg(&self, title: &str) -> String {
        render_svg(title, &self.spans())
    }
}

/// The current thread's name, or its id if it has none.
pub fn current_lane() -> String {
    let me = thread::current();
    match me.name() {
        Some(name) => name.to_string(),
        None => format!("{:?}", me.id()),
    }
}

/// Draws spans as an SVG timeline: one row per lane, in order of first appearance.
pub fn render_svg(title: &str, spans: &[Span]) -> String {
    // A narrow picture with large text: a phone shows it about 360 px wide, so text of
    // 15 units stays about 10 px tall there.
    const LEFT: f64 = 92.0; // room for lane names
    const WIDTH: f64 = 420.0; // the drawing area
    const ROW: f64 = 38.0;
    const TOP: f64 = 44.0;

    // Lanes: "main" first, then by name, with numbers in numeric order
    // ("worker 2" before "worker 10").
    let mut lanes: Vec<&str> = Vec::new();
    for span in spans {
        if !lanes.contains(&span.lane.as_str()) {
            lanes.push(&span.lane);
        }
    }
    lanes.sort_by_key(|lane| lane_order(lane));
    let end = spans.iter().map(|s| s.end).max().unwrap_or_default();
    let total_ms = (end.as_secs_f64() * 1000.0).max(1e-3);
    let scale = WIDTH / total_ms;
    let height = TOP + ROW * lanes.len() as f64 + 60.0;
    let full = LEFT + WIDTH + 30.0; // room for the last tick's label

    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {full} {height}" width="{full}" height="{height}" font-family="sans-serif" font-size="15">"##
    );
    svg.push_str(concat!(
        r##"<defs><pattern id="wait" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">"##,
        r##"<rect width="6" height="6" fill="#fde9c9"/><line x1="0" y1="0" x2="0" y2="6" stroke="#e8a33d" stroke-width="2"/></pattern></defs>"##,
        "\n",
        r##"<rect width="100%" height="100%" fill="#ffffff"/>"##,
        "\n"
    ));
    let _ = writeln!(
        svg,
        r##"<text x="8" y="24" font-size="17" font-weight="bold">{}</text>"##,
        escape(title)
    );
    for (row, lane) in lanes.iter().enumerate() {
        let y = TOP + ROW * row as f64;
        let _ = writeln!(
            svg,
            r##"<text x="{}" y="{}" text-anchor="end">{}</text>"##,
            LEFT - 8.0,
            y + ROW / 2.0 + 5.0,
            escape(lane)
        );
        let _ = writeln!(
            svg,
            r##"<line x1="{LEFT}" y1="{y2}" x2="{}" y2="{y2}" stroke="#dddddd"/>"##,
            LEFT + WIDTH,
            y2 = y + ROW / 2.0
        );
    }
    for span in spans {
        let row = lanes.iter().position(|l| *l == span.lane).unwrap_or(0);
        let x = LEFT + span.start.as_secs_f64() * 1000.0 * scale;
        let w = (span.duration().as_secs_f64() * 1000.0 * scale).max(1.0);
        let y = TOP + ROW * row as f64 + 5.0;
        let (fill, stroke) = match span.kind {
            Kind::Cpu => ("#4a7fc1", "#2d5a93"),
            Kind::Wait => ("url(#wait)", "#c98414"),
        };
        let _ = writeln!(
            svg,
            r##"<rect x="{x:.1}" y="{y}" width="{w:.1}" height="{}" fill="{fill}" stroke="{stroke}"><title>{} ({:?}): {:.1} ms to {:.1} ms</title></rect>"##,
            ROW - 10.0,
            escape(&span.label),
            span.kind,
            span.start.as_secs_f64() * 1000.0,
            span.end.as_secs_f64() * 1000.0
        );
        // Label the bar if it is wide enough to hold the text.
        if w > 9.0 * span.label.len() as f64 {
            let color = if span.kind == Kind::Cpu {
                "#ffffff"
            } else {
                "#5a3a00"
            };
            let _ = writeln!(
                svg,
                r##"<text x="{:.1}" y="{}" text-anchor="middle" fill="{color}">{}</text>"##,
                x + w / 2.0,
                y + (ROW - 10.0) / 2.0 + 5.0,
                escape(&span.label)
            );
        }
    }
    // The time axis: five ticks, in milliseconds.
    let axis = TOP + ROW * lanes.len() as f64 + 8.0;
    let _ = writeln!(
        svg,
        r##"<line x1="{LEFT}" y1="{axis}" x2="{}" y2="{axis}" stroke="#555555"/>"##,
        LEFT + WIDTH
    );
    let step = tick_step(total_ms);
    let ticks = (total_ms / step).floor() as usize;
    for tick in 0..=ticks {
        let ms = step * tick as f64;
        let x = LEFT + ms * scale;
        let _ = writeln!(
            svg,
            r##"<line x1="{x:.1}" y1="{axis}" x2="{x:.1}" y2="{}" stroke="#555555"/><text x="{x:.1}" y="{}" text-anchor="middle">{} ms</text>"##,
            axis + 5.0,
            axis + 21.0,
            format_ms(ms)
        );
    }
    // The legend.
    let legend = axis + 42.0;
    let _ = writeln!(
        svg,
        r##"<rect x="{LEFT}" y="{}" width="14" height="12" fill="#4a7fc1"/><text x="{}" y="{}">CPU busy</text><rect x="{}" y="{}" width="14" height="12" fill="url(#wait)" stroke="#c98414"/><text x="{}" y="{}">waiting (CPU idle)</text>"##,
        legend - 10.0,
        LEFT + 20.0,
        legend,
        LEFT + 130.0,
        legend - 10.0,
        LEFT + 150.0,
        legend
    );
    svg.push_str("</svg>\n");
    svg
}

/// The sort key of a lane: "main" first, then the name with its trailing number apart.
fn lane_order(lane: &str) -> (bool, String, u64) {
    let digits = lane.len() - lane.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    let (name, number) = lane.split_at(lane.len() - digits);
    (
        lane != "main",
        name.to_string(),
        number.parse().unwrap_or(0),
    )
}

/// A round step for the time axis (1, 2 or 5 times a power of ten) giving 4 to 10 ticks.
fn tick_step(total_ms: f64) -> f64 {
    let mut step = 10f64.powf((total_ms / 5.0).log10().floor());
    for factor in [1.0, 2.0, 5.0, 10.0] {
        if total_ms / (step * factor) <= 8.0 {
            step *= factor;
            break;
        }
    }
    step
}

fn format_ms(ms: f64) -> String {
    if ms >= 100.0 || ms == ms.round() {
        format!("{ms:.0}")
    } else if ms >= 10.0 {
        format!("{ms:.1}")
    } else {
        format!("{ms:.2}")
    }
}

/// Text made safe to put in SVG (or any XML): `&`, `<`, `>` and `"` escaped. The labs'
/// own charts use it too.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_come_back_in_start_order_with_their_lane() {
        let timeline = Timeline::new();
        thread::scope(|s| {
            thread::Builder::new()
                .name("worker".into())
                .spawn_scoped(s, || timeline.record("b", Kind::Wait, || ()))
                .unwrap();
        });
        timeline.record_in("main", "a", Kind::Cpu, || ());
        let spans = timeline.spans();
        assert_eq!(spans.len(), 2);
        assert!(spans[0].start <= spans[1].start);
        assert!(spans.iter().any(|s| s.lane == "worker" && s.label == "b"));
    }

    #[test]
    fn the_svg_has_one_bar_per_span_and_escapes_text() {
        let timeline = Timeline::new();
        timeline.record_in("t<1>", "x & y", Kind::Cpu, || ());
        timeline.record_in("t<1>", "wait", Kind::Wait, || ());
        let svg = timeline.to_svg("a \"title\"");
        assert!(svg.starts_with("<svg"));
        assert_eq!(
            svg.matches("<rect x=").count() - 2,
            2,
            "two bars plus two legend boxes"
        );
        assert!(svg.contains("t&lt;1&gt;") && svg.contains("x &amp; y"));
        assert!(svg.contains("&quot;title&quot;"));
    }
}
