//! `cargo course`: the learner's front door. See `cargo course --help`.

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use course::check::{self, Crate, Outcome};
use course::manifest::{self, Manifest};
use course::progress::{Progress, Status};
use course::ui::{self, bold, dim, green, red, yellow};
use std::path::Path;
use std::process::ExitCode;

/// Async Processing in Rust: the exercises.
///
/// With no command, checks the first exercise you have not solved yet.
#[derive(Parser)]
#[command(name = "cargo course", bin_name = "cargo course", version)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
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
    /// Show the hint for an exercise.
    Hint {
        /// An exercise id, e.g. `01.2-idle`.
        id: String,
    },
    /// Build the book for reading offline, and print where it is.
    Book {
        /// Open it in your browser, too.
        #[arg(long)]
        open: bool,
    },
}

fn main() -> ExitCode {
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
        None => next(&root, &manifest),
        Some(Command::List) => list(&root, &manifest),
        Some(Command::Check { target, solution }) => {
            let which = if solution { Crate::Solution } else { Crate::Exercise };
            check_all(&root, &manifest, &target, which)
        }
        Some(Command::Hint { id }) => hint(&manifest, &id),
        Some(Command::Book { open }) => book(&root, open),
    }
}

fn list(root: &Path, manifest: &Manifest) -> Result<ExitCode> {
    let progress = Progress::load(root);
    let mut solved = 0;
    for chapter in &manifest.chapters {
        println!("{}", bold(&format!("{}  {}", chapter.number(), chapter.title)));
        for exercise in manifest.exercises_of(chapter) {
            let status = progress.status(root, manifest, exercise);
            solved += usize::from(status == Status::Solved);
            let mark = match status {
                Status::Solved => green("solved     "),
                Status::Failing => red("failing    "),
                Status::NotStarted => dim("not started"),
                Status::NotChecked => yellow("not checked"),
            };
            println!("  {mark}  {:<20} {}", exercise.id, exercise.title);
        }
    }
    let total = manifest.exercises.len();
    println!("\n{solved} of {total} exercises solved.");
    Ok(ExitCode::SUCCESS)
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
        let outcome = check::check(root, manifest, exercise, which)?;
        for line in ui::report(&outcome) {
            println!("{line}");
        }
        if which == Crate::Exercise {
            progress.record(root, manifest, exercise, outcome.is_solved());
        }
        if !outcome.is_solved() {
            all_solved = false;
            if exercises.len() == 1 && !matches!(outcome, Outcome::CompileError(_)) {
                println!("{}", dim(&format!("Stuck? `cargo course hint {}`", exercise.id)));
            }
        }
        println!();
    }
    Ok(if all_solved { ExitCode::SUCCESS } else { ExitCode::FAILURE })
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
    println!("Next: {} in chapter {} ({})", bold(&exercise.id), chapter.number(), chapter.title);
    println!("Read: book/src/{}", exercise.book);
    check_all(root, manifest, &exercise.id, Crate::Exercise)
}

fn hint(manifest: &Manifest, id: &str) -> Result<ExitCode> {
    let exercises = manifest.select(id)?;
    let [exercise] = exercises.as_slice() else {
        bail!("`{id}` is a chapter; hints are per exercise, e.g. `cargo course hint {}`", exercises[0].id);
    };
    println!("{}  {}\n", bold(&exercise.id), exercise.title);
    println!("{}", exercise.hint.trim());
    println!("\n{}", dim(&format!("The chapter explains it: book/src/{}", exercise.book)));
    Ok(ExitCode::SUCCESS)
}

fn book(root: &Path, open: bool) -> Result<ExitCode> {
    let dest = root.join("book/build");
    let index = course::book::build(root, &dest)?;
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
