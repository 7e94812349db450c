//! The terminal side of watch mode: raw mode and the alternate screen (through
//! crossterm, so that it works the same in Linux, macOS and Windows terminals), and the
//! text helpers that keep the learner's output from breaking the screen.

use anyhow::{Context, Result};
use course::check::Outcome;
use crossterm::{cursor, execute, queue, terminal};
use std::io::{self, Write};

/// The terminal in raw mode on the alternate screen, given back as it was on drop, even
/// when watch mode ends with an error or a panic unwinds through it.
pub struct Screen {
    out: io::Stdout,
}

impl Screen {
    pub fn enter() -> Result<Screen> {
        // A panic anywhere (in the runner, not in the learner's code, which runs in other
        // processes) must leave a usable terminal and a readable message: restore the
        // screen first, then report.
        let report = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            // A worker's panic is caught and shown on the screen (see `watch::worker`).
            if std::thread::current().name() != Some("main") {
                return;
            }
            let _ = execute!(io::stdout(), cursor::Show, terminal::LeaveAlternateScreen);
            let _ = terminal::disable_raw_mode();
            report(info);
        }));
        terminal::enable_raw_mode()
            .context("cannot put the terminal in raw mode (try `--plain`)")?;
        let mut out = io::stdout();
        execute!(out, terminal::EnterAlternateScreen, cursor::Hide)
            .context("cannot switch to the alternate screen (try `--plain`)")?;
        Ok(Screen { out })
    }

    /// Draws `lines` from the top of the screen, each cut to the terminal's width, and
    /// as many as fit; the last line of the screen is `footer`.
    pub fn draw(&mut self, lines: &[String], footer: &str) -> Result<()> {
        let (width, height) = terminal::size().unwrap_or((80, 24));
        let (width, height) = (usize::from(width.max(20)), usize::from(height.max(5)));
        let room = height - 1;
        // Long lines (a test's message) wrap rather than lose their end.
        let lines: Vec<String> = lines.iter().flat_map(|l| wrap(l, width)).collect();
        let mut shown: Vec<String> = lines.iter().take(room).cloned().collect();
        if lines.len() > room {
            shown.truncate(room - 1);
            shown.push(format!(
                "[… {} more lines: make the terminal taller, or run `cargo course check` …]",
                lines.len() - shown.len()
            ));
        }
        queue!(self.out, cursor::MoveTo(0, 0))?;
        for (row, line) in shown.iter().enumerate() {
            queue!(self.out, cursor::MoveTo(0, row as u16))?;
            write!(self.out, "{}", fit(line, width))?;
            queue!(self.out, terminal::Clear(terminal::ClearType::UntilNewLine))?;
        }
        queue!(
            self.out,
            cursor::MoveTo(0, shown.len() as u16),
            terminal::Clear(terminal::ClearType::FromCursorDown),
            cursor::MoveTo(0, (height - 1) as u16)
        )?;
        write!(self.out, "{}", fit(footer, width))?;
        self.out.flush()?;
        Ok(())
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        let _ = execute!(self.out, cursor::Show, terminal::LeaveAlternateScreen);
        let _ = terminal::disable_raw_mode();
    }
}

/// The learner's output made safe to print: control characters (a test can print escape
/// sequences that clear the screen or move the cursor) become visible `^X`, tabs become
/// spaces, carriage returns go.
pub fn sanitize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' => out.push('\n'),
            '\t' => out.push_str("    "),
            '\r' => {}
            c if c.is_control() => {
                let code = u32::from(c);
                if code < 32 {
                    out.push('^');
                    out.push(char::from(b'@' + code as u8));
                } else {
                    out.push('?');
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// The outcome with everything the learner's code printed made safe for the screen.
pub fn clean(outcome: &Outcome) -> Outcome {
    let clean = |binary: &course::cargo::Binary| {
        let mut binary = binary.clone();
        for test in &mut binary.tests {
            test.output = sanitize(&test.output);
            test.name = sanitize(&test.name);
        }
        binary
    };
    match outcome {
        Outcome::Solved(b) => Outcome::Solved(clean(b)),
        Outcome::Failing(b) => Outcome::Failing(clean(b)),
        Outcome::TimedOut(b) => Outcome::TimedOut(clean(b)),
        Outcome::CompileError(e) => Outcome::CompileError(sanitize(e)),
    }
}

/// `line` as rows of at most `width` columns, continued rows indented like the first.
/// Lines with escape sequences (ours: colours and links, short) are cut instead.
pub fn wrap(line: &str, width: usize) -> Vec<String> {
    let chars: Vec<char> = line.chars().collect();
    if line.contains('\x1b') || chars.len() <= width {
        return vec![fit(line, width)];
    }
    let indent = chars
        .iter()
        .take_while(|c| **c == ' ')
        .count()
        .min(width / 2)
        + 2;
    let mut rows = Vec::new();
    let mut rest: &[char] = &chars;
    let mut room = width;
    while rest.len() > room {
        // Break after the last space that leaves the row at least half full; a word
        // longer than that (a path, say) is cut where the row ends.
        let cut = rest[..room]
            .iter()
            .rposition(|c| *c == ' ')
            .filter(|&at| at > room / 2)
            .map_or(room, |at| at + 1);
        let margin = if rows.is_empty() { 0 } else { indent };
        let row: String = rest[..cut].iter().collect();
        rows.push(format!("{}{}", " ".repeat(margin), row.trim_end()));
        rest = &rest[cut..];
        room = width - indent;
    }
    let margin = if rows.is_empty() { 0 } else { indent };
    rows.push(format!(
        "{}{}",
        " ".repeat(margin),
        rest.iter().collect::<String>()
    ));
    rows
}

/// `line` cut to `width` visible columns. Escape sequences that we wrote (colours, links)
/// take no room and are kept whole, and a cut line resets the colour.
pub fn fit(line: &str, width: usize) -> String {
    let mut out = String::with_capacity(line.len().min(width * 4));
    let mut visible = 0;
    let mut chars = line.chars().peekable();
    let mut cut = false;
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            out.push(c);
            match chars.next() {
                // CSI: ESC [ … final byte in @..~
                Some('[') => {
                    out.push('[');
                    for c in chars.by_ref() {
                        out.push(c);
                        if ('@'..='~').contains(&c) {
                            break;
                        }
                    }
                }
                // OSC: ESC ] … BEL or ESC \
                Some(']') => {
                    out.push(']');
                    while let Some(c) = chars.next() {
                        out.push(c);
                        if c == '\x07' {
                            break;
                        }
                        if c == '\x1b' && chars.peek() == Some(&'\\') {
                            out.push(chars.next().unwrap_or('\\'));
                            break;
                        }
                    }
                }
                Some(other) => out.push(other),
                None => {}
            }
            continue;
        }
        if visible + 1 > width {
            cut = true;
            break;
        }
        out.push(c);
        visible += 1;
    }
    if cut && out.contains('\x1b') {
        out.push_str("\x1b[0m");
    }
    out
}

/// `[#####-----]`-style bar of `width` cells for `done` out of `total`.
pub fn bar(done: usize, total: usize, width: usize) -> String {
    let filled = (done * width).checked_div(total).unwrap_or(0);
    format!("{}{}", "█".repeat(filled), "░".repeat(width - filled))
}

/// A link the terminal can open (OSC 8), shown as `text`. Terminals that do not know
/// OSC 8 ignore it and show the text.
pub fn link(text: &str, path: &std::path::Path) -> String {
    let url = path.to_string_lossy().replace('\\', "/");
    let url = if url.starts_with('/') {
        url
    } else {
        format!("/{url}")
    };
    format!("\x1b]8;;file://{url}\x1b\\{text}\x1b]8;;\x1b\\")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_from_tests_are_made_visible() {
        assert_eq!(sanitize("a\x1b[2Jb\r\n\tc"), "a^[[2Jb\n    c");
    }

    #[test]
    fn fitting_counts_only_visible_characters() {
        let red = "\x1b[31mhello world\x1b[0m";
        assert_eq!(fit(red, 5), "\x1b[31mhello\x1b[0m");
        assert_eq!(fit(red, 50), red);
        let linked = link("file.rs", std::path::Path::new("/x/file.rs"));
        assert_eq!(fit(&linked, 7), linked);
        assert_eq!(fit("é✓xyz", 2), "é✓");
    }

    #[test]
    fn long_lines_wrap_under_their_indent() {
        assert_eq!(wrap("  abcdefgh", 6), ["  abcd", "    ef", "    gh"]);
        assert_eq!(wrap("short", 6), ["short"]);
    }

    #[test]
    fn bars_fill_in_proportion() {
        assert_eq!(bar(1, 4, 8), "██░░░░░░");
        assert_eq!(bar(0, 0, 3), "░░░");
        assert_eq!(bar(4, 4, 4), "████");
    }
}
