//! `cargo course`: the learner's front door. See `cargo course --help`.

mod reset;
mod term;
mod watch;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use course::check::{self, Crate, Outcome};
use course::manifest::{self, Manifest};
use course::progress::{Progress, Status};
use course::ui::{self, bold, dim, green, red};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Async Processing in Rust: the exercises.
///
/// With no command, watch mode: the first exercise you have not solved yet, checked
/// again each time you save. (When this is not a terminal, it checks it once instead.)
#[derive(Parser)]
#[command(name = "cargo course", bin_name = "cargo course", version)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    watch: WatchArgs,
}

#[derive(clap::Args, Clone, Copy, Default)]
struct WatchArgs {
    /// Do not watch files (for file systems where that does not work): press Enter to
    /// check again after saving.
    #[arg(long)]
    manual: bool,
    /// Plain lines instead of a full screen, and commands (h, l, n, r, c, q) as lines on
    /// standard input; it ends at `q` or at the end of the input.
    #[arg(long)]
    plain: bool,
    /// Check the first unsolved exercise once and exit (what happens anyway when this is
    /// not a terminal, as in CI).
    #[arg(long, conflicts_with_all = ["manual", "plain"])]
    once: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Watch mode (the default): the first unsolved exercise, checked on every save.
    /// Keys: h hint, l list, n next, r re-run, c check all, q quit.
    Watch {
        /// Start at this exercise (e.g. `02.3`) instead of the first unsolved one.
        id: Option<String>,
        #[command(flatten)]
        args: WatchArgs,
    },
    /// Every chapter and exercise, and whether you have solved it.
    List,
    /// Run the tests of an exercise (`01.2-idle`, or just `01.2`) or a whole chapter (`01`).
    Check {
        /// An exercise id or a chapter number.
        target: String,
        /// Check the reference solution instead of your file.
        #[arg(long)]
        solution: bool,
    },
    /// Show the hint for an exercise, one step at a time.
    Hint {
        /// An exercise id, e.g. `01.2-idle`.
        id: String,
        /// Show the steps up to this one (the first by default).
        step: Option<usize>,
    },
    /// Put the stub of an exercise back, after saving your version in `.course/backups/`.
    Reset {
        /// An exercise id, e.g. `01.2-idle`.
        id: String,
    },
    /// Show the reference solution of an exercise you have solved, and how your file
    /// differs from it.
    Solution {
        /// An exercise id, e.g. `01.2-idle`.
        id: String,
        /// Show it even though you have not solved the exercise yet.
        #[arg(long)]
        force: bool,
    },
    /// Build the book for reading offline, and print where it is.
    Book {
        /// Open it in your browser, too.
        #[arg(long)]
        open: bool,
    },
}

fn main() -> ExitCode {
    // `cargo course list | head` should end quietly, as other command-line tools do,
    // not panic on the closed pipe: take back the default action for SIGPIPE, which the
    // Rust runtime ignores.
    #[cfg(unix)]
    // SAFETY: called first thing in main, before any thread exists; SIG_DFL is a valid
    // disposition for SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("{} {error:#}", red("error:"));
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    let root = manifest::find_root()?;
    let manifest = Manifest::load(&root)?;
    match cli.command {
        None => watch(&root, manifest, None, cli.watch),
        Some(Command::Watch { id, args }) => watch(&root, manifest, id.as_deref(), args),
        Some(Command::List) => list(&root, &manifest),
        Some(Command::Check { target, solution }) => {
            let which = if solution {
                Crate::Solution
            } else {
                Crate::Exercise
            };
            check_all(&root, &manifest, &target, which)
        }
        Some(Command::Hint { id, step }) => hint(&root, &manifest, &id, step.unwrap_or(1)),
        Some(Command::Reset { id }) => reset::reset(&root, &manifest, &id),
        Some(Command::Solution { id, force }) => reset::solution(&root, &manifest, &id, force),
        Some(Command::Book { open }) => book(&root, open),
    }
}

/// Watch mode on a terminal; plain lines when asked; otherwise (CI, a pipe, no input)
/// one check of the first unsolved exercise, so that it always ends on its own.
fn watch(root: &Path, manifest: Manifest, id: Option<&str>, args: WatchArgs) -> Result<ExitCode> {
    let start = match id {
        Some(id) => Some(reset::one_exercise(&manifest, id, "watch")?.id.clone()),
        None => None,
    };
    let terminal = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    if args.once || (!args.plain && !terminal) {
        return match start {
            Some(id) => check_all(root, &manifest, &id, Crate::Exercise),
            None => next(root, &manifest),
        };
    }
    let options = watch::Options {
        manual: args.manual,
        plain: args.plain,
        start,
    };
    watch::run(root, manifest, options)
}

fn list(root: &Path, manifest: &Manifest) -> Result<ExitCode> {
    let progress = Progress::load(root);
    let mut solved = 0;
    // The id column is as wide as the longest id, so every title starts in one column.
    let width = id_column_width(manifest.exercises.iter().map(|e| e.id.as_str()));
    for chapter in &manifest.chapters {
        println!(
            "{}",
            bold(&format!("{}  {}", chapter.number(), chapter.title))
        );
        for exercise in manifest.exercises_of(chapter) {
            let status = progress.status(root, manifest, exercise);
            solved += usize::from(status == Status::Solved);
            let mark = status.mark();
            println!("  {mark}  {:<width$} {}", exercise.id, exercise.title);
        }
    }
    let total = manifest.exercises.len();
    println!("\n{solved} of {total} exercises solved.");
    Ok(ExitCode::SUCCESS)
}

/// The width of `cargo course list`'s id column: the longest id (at least 20).
fn id_column_width<'a>(ids: impl Iterator<Item = &'a str>) -> usize {
    ids.map(|id| id.chars().count()).max().unwrap_or(0).max(20)
}

fn check_all(root: &Path, manifest: &Manifest, target: &str, which: Crate) -> Result<ExitCode> {
    let exercises = manifest.select(target)?;
    let mut progress = Progress::load(root);
    let mut all_solved = true;
    for exercise in &exercises {
        let chapter = manifest.chapter_of(exercise);
        println!("{}  {}", bold(&exercise.id), exercise.title);
        let file = match which {
            Crate::Exercise => check::exercise_file(chapter, exercise),
            Crate::Solution => Path::new("solutions")
                .join(&chapter.dir)
                .join("src")
                .join(format!("{}.rs", exercise.module())),
        };
        println!("{}", dim(&format!("  {}", file.display())));
        // The same check as watch mode's, never cancelled: a test that overruns its time
        // limit is stopped with its process group (see `cargo::kill_tree`).
        let checked = check::check(root, manifest, exercise, which)?;
        let outcome = checked.outcome;
        // What the tests printed is the learner's: no escape sequence of theirs reaches
        // the terminal, and no single line floods it.
        for line in ui::report(&term::clean(&outcome)) {
            println!("{}", term::fit(&line, 500));
        }
        if let Some(tail) = checked.raw_tail
            && !outcome.is_solved()
        {
            println!("{}", dim("What the tests printed last:"));
            for line in term::sanitize(&tail).lines() {
                println!("    {}", term::fit(line, 500));
            }
        }
        if which == Crate::Exercise {
            progress.record(root, manifest, exercise, outcome.is_solved());
        }
        if let Some(note) = exercise.checked_less_here() {
            println!("{}", dim(&note));
        }
        if !outcome.is_solved() {
            all_solved = false;
            if exercises.len() == 1 && !matches!(outcome, Outcome::CompileError(_)) {
                println!(
                    "{}",
                    dim(&format!("Stuck? `cargo course hint {}`", exercise.id))
                );
            }
        }
        println!();
    }
    Ok(if all_solved {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn next(root: &Path, manifest: &Manifest) -> Result<ExitCode> {
    let progress = Progress::load(root);
    let Some(exercise) = manifest
        .exercises
        .iter()
        .find(|e| progress.status(root, manifest, e) != Status::Solved)
    else {
        println!("{}", green("Every exercise is solved. Well done!"));
        return Ok(ExitCode::SUCCESS);
    };
    let chapter = manifest.chapter_of(exercise);
    println!(
        "Next: {} in chapter {} ({})",
        bold(&exercise.id),
        chapter.number(),
        chapter.title
    );
    println!("Read: {}", ui::page_link(root, &exercise.book));
    check_all(root, manifest, &exercise.id, Crate::Exercise)
}

fn hint(root: &Path, manifest: &Manifest, id: &str, step: usize) -> Result<ExitCode> {
    let exercises = manifest.select(id)?;
    let [exercise] = exercises.as_slice() else {
        bail!(
            "`{id}` is a chapter; hints are per exercise, e.g. `cargo course hint {}`",
            exercises[0].id
        );
    };
    println!("{}  {}\n", bold(&exercise.id), exercise.title);
    let steps = &exercise.hints;
    let shown = step.clamp(1, steps.len());
    for (n, text) in steps.iter().enumerate().take(shown) {
        if steps.len() > 1 {
            println!("{}", bold(&format!("Step {} of {}", n + 1, steps.len())));
        }
        println!("{}\n", text.trim());
    }
    if shown < steps.len() {
        println!(
            "{}",
            dim(&format!(
                "Still stuck? `cargo course hint {} {}` shows the next step.",
                exercise.id,
                shown + 1
            ))
        );
    }
    println!(
        "{}",
        dim(&format!(
            "The chapter explains it: {}",
            ui::page_link(root, &exercise.book)
        ))
    );
    Ok(ExitCode::SUCCESS)
}

fn book(root: &Path, open: bool) -> Result<ExitCode> {
    let dest = root.join("book/build");
    // The book renderer is a crate of its own (course-verify), built the first time a
    // learner asks for the book, not before the runner's first screen.
    println!(
        "{}",
        dim("Building the book (the first time, cargo builds the renderer)…")
    );
    let mut build = course::cargo::cargo(root);
    build
        .args([
            "run",
            "--quiet",
            "--package",
            "course-verify",
            "--bin",
            "course-book",
            "--",
        ])
        .arg(root)
        .arg(&dest)
        .stdout(std::process::Stdio::piped());
    let out = build
        .spawn()
        .and_then(|child| child.wait_with_output())
        .context("cannot run cargo to build the book")?;
    if !out.status.success() {
        bail!("the book did not build (see the messages above)");
    }
    let index = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    println!("The book is in {}", dest.display());
    println!("Open {}", index.display());
    if open {
        let opener = if cfg!(target_os = "macos") {
            "open"
        } else if cfg!(windows) {
            "explorer"
        } else {
            "xdg-open"
        };
        std::process::Command::new(opener)
            .arg(&index)
            .status()
            .with_context(|| format!("cannot run `{opener}`: open {} yourself", index.display()))?;
    }
    Ok(ExitCode::SUCCESS)
}
