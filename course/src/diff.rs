//! How the learner's file differs from the solution, as a unified diff.
//!
//! The files are one exercise each, a few hundred lines at most, so the textbook
//! algorithm does: a longest common subsequence of lines, by dynamic programming. (A diff
//! crate was a tenth of the runner's first build, for this one command.)

/// One line of the diff: in both files, only in the old one, or only in the new one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Line<'a> {
    Both(&'a str),
    Old(&'a str),
    New(&'a str),
}

/// Beyond this many cells (lines × lines) the table is not worth its memory: the diff
/// is then "all of the old file, then all of the new".
const MAX_CELLS: usize = 4_000_000;

/// Every line of `old` and `new`, in order, marked as kept, removed or added.
fn lines<'a>(old: &'a str, new: &'a str) -> Vec<Line<'a>> {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    if a.len().saturating_mul(b.len()) > MAX_CELLS {
        let removed = a.iter().map(|l| Line::Old(l));
        return removed.chain(b.iter().map(|l| Line::New(l))).collect();
    }
    // common[i][j]: how many lines a[i..] and b[j..] have in common, in order.
    let mut common = vec![vec![0u32; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            common[i][j] = if a[i] == b[j] {
                common[i + 1][j + 1] + 1
            } else {
                common[i + 1][j].max(common[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::with_capacity(a.len() + b.len());
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            out.push(Line::Both(a[i]));
            (i, j) = (i + 1, j + 1);
        } else if i < a.len() && (j == b.len() || common[i + 1][j] >= common[i][j + 1]) {
            // Removals before additions, as `diff -u` prints them.
            out.push(Line::Old(a[i]));
            i += 1;
        } else {
            out.push(Line::New(b[j]));
            j += 1;
        }
    }
    out
}

/// A unified diff of `old` against `new` with `context` unchanged lines around each
/// change, under `--- old_name` and `+++ new_name`; empty if they have the same lines.
pub fn unified(old: &str, new: &str, old_name: &str, new_name: &str, context: usize) -> String {
    let lines = lines(old, new);
    let changed: Vec<usize> = (0..lines.len())
        .filter(|&k| !matches!(lines[k], Line::Both(_)))
        .collect();
    if changed.is_empty() {
        return String::new();
    }
    // The hunks: each change with its context, merged where they touch.
    let mut hunks: Vec<(usize, usize)> = Vec::new();
    for &k in &changed {
        let (start, end) = (
            k.saturating_sub(context),
            (k + context + 1).min(lines.len()),
        );
        match hunks.last_mut() {
            Some(last) if start <= last.1 => last.1 = end,
            _ => hunks.push((start, end)),
        }
    }
    // Where each diff line sits in the old and the new file (1-based, before it).
    let mut at = Vec::with_capacity(lines.len());
    let (mut old_no, mut new_no) = (1, 1);
    for line in &lines {
        at.push((old_no, new_no));
        match line {
            Line::Both(_) => (old_no, new_no) = (old_no + 1, new_no + 1),
            Line::Old(_) => old_no += 1,
            Line::New(_) => new_no += 1,
        }
    }
    let mut out = format!("--- {old_name}\n+++ {new_name}\n");
    for (start, end) in hunks {
        let part = &lines[start..end];
        let olds = part.iter().filter(|l| !matches!(l, Line::New(_))).count();
        let news = part.iter().filter(|l| !matches!(l, Line::Old(_))).count();
        // As `diff -u` numbers an empty side: the line before it.
        let first = |no: usize, count: usize| if count == 0 { no - 1 } else { no };
        let (o, n) = at[start];
        out += &format!(
            "@@ -{},{olds} +{},{news} @@\n",
            first(o, olds),
            first(n, news)
        );
        for line in part {
            let (mark, text) = match line {
                Line::Both(t) => (' ', t),
                Line::Old(t) => ('-', t),
                Line::New(t) => ('+', t),
            };
            out += &format!("{mark}{text}\n");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::unified;

    #[test]
    fn the_same_lines_make_no_diff() {
        assert_eq!(unified("a\nb\n", "a\nb", "x", "y", 3), "");
    }

    #[test]
    fn a_changed_line_comes_out_as_diff_u_prints_it() {
        let old = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
        let new = "1\n2\n3\n4\nfive\n6\n7\n8\n9\n";
        let expected = "--- old\n+++ new\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n";
        assert_eq!(unified(old, new, "old", "new", 3), expected);
    }

    #[test]
    fn changes_far_apart_are_separate_hunks_and_near_ones_merge() {
        let old: Vec<String> = (1..=20).map(|n| n.to_string()).collect();
        let mut new = old.clone();
        new[1] = "two".into();
        new.remove(18);
        new.insert(10, "ten".into());
        let (old, new) = (old.join("\n"), new.join("\n"));
        let diff = unified(&old, &new, "o", "n", 1);
        let hunks: Vec<&str> = diff.lines().filter(|l| l.starts_with("@@")).collect();
        assert_eq!(
            hunks,
            ["@@ -1,3 +1,3 @@", "@@ -10,2 +10,3 @@", "@@ -18,3 +19,2 @@"],
            "{diff}"
        );
        let near = unified("a\nb\nc\nd\n", "A\nb\nc\nD\n", "o", "n", 1);
        assert_eq!(
            near.lines().filter(|l| l.starts_with("@@")).count(),
            1,
            "{near}"
        );
    }

    #[test]
    fn an_empty_side_is_all_additions_or_all_removals() {
        assert_eq!(
            unified("", "a\nb\n", "o", "n", 3),
            "--- o\n+++ n\n@@ -0,0 +1,2 @@\n+a\n+b\n"
        );
        assert_eq!(
            unified("a\n", "", "o", "n", 3),
            "--- o\n+++ n\n@@ -1,1 +0,0 @@\n-a\n"
        );
    }
}
