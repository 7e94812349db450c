//! `cargo course`: the learner's front door. See `cargo course --help`.

mod reset;
mod term;
mod watch;

use anyhow::{Context, Result, bail};
use clap::{Arg, ArgAction, ArgMatches};
use course::check::{self, Crate, Outcome};
use course::manifest::{self, Manifest};
use course::progress::{Progress, Status};
use course::ui::{self, bold, dim, green, red};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// What the learner asked for: a subcommand, or watch mode with its options.
struct Cli {
    command: Option<Command>,
    watch: WatchArgs,
}

#[derive(Clone, Copy, Default)]
struct WatchArgs {
    manual: bool,
    plain: bool,
    once: bool,
}

enum Command {
    Watch { id: Option<String>, args: WatchArgs },
    List,
    Check { target: String, solution: bool },
    Hint { id: String, step: Option<usize> },
    Reset { id: String },
    Solution { id: String, force: bool },
    Book { open: bool },
}

// The command line is described with clap's builder rather than its derive: the derive
// (with syn) would be about a fifth of the runner's first build, the one a new learner
// waits for before seeing anything.

/// The options of watch mode, which `cargo course` and `cargo course watch` both take.
fn watch_args(command: clap::Command) -> clap::Command {
    command
        .arg(
            Arg::new("manual")
                .long("manual")
                .action(ArgAction::SetTrue)
                .help(
                    "Do not watch files (for file systems where that does not work): press \
                     Enter to check again after saving",
                ),
        )
        .arg(
            Arg::new("plain")
                .long("plain")
                .action(ArgAction::SetTrue)
                .help(
                    "Plain lines instead of a full screen, and commands (h, l, n, r, c, q) \
                     as lines on standard input; it ends at `q` or at the end of the input",
                ),
        )
        .arg(
            Arg::new("once")
                .long("once")
                .action(ArgAction::SetTrue)
                .conflicts_with_all(["manual", "plain"])
                .help(
                    "Check the first unsolved exercise once and exit (what happens anyway \
                     when this is not a terminal, as in CI)",
                ),
        )
}

fn exercise_id(help: &'static str) -> Arg {
    Arg::new("id").required(true).help(help)
}

fn command_line() -> clap::Command {
    let id = "An exercise id, e.g. `01.2-idle`";
    let root = clap::Command::new("cargo course")
        .bin_name("cargo course")
        .version(env!("CARGO_PKG_VERSION"))
        .about("Async Processing in Rust: the exercises.")
        .long_about(
            "Async Processing in Rust: the exercises.\n\n\
             With no command, watch mode: the first exercise you have not solved yet, \
             checked again each time you save. (When this is not a terminal, it checks it \
             once instead.)",
        )
        .subcommand(
            watch_args(clap::Command::new("watch"))
                .about(
                    "Watch mode (the default): the first unsolved exercise, checked on every \
                     save. Keys: h hint, l list, n next, r re-run, c check all, q quit",
                )
                .arg(Arg::new("id").help(
                    "Start at this exercise (e.g. `02.3`) instead of the first unsolved one",
                )),
        )
        .subcommand(
            clap::Command::new("list")
                .about("Every chapter and exercise, and whether you have solved it"),
        )
        .subcommand(
            clap::Command::new("check")
                .about(
                    "Run the tests of an exercise (`01.2-idle`, or just `01.2`) or a whole \
                     chapter (`01`)",
                )
                .arg(
                    Arg::new("target")
                        .required(true)
                        .help("An exercise id or a chapter number"),
                )
                .arg(
                    Arg::new("solution")
                        .long("solution")
                        .action(ArgAction::SetTrue)
                        .help("Check the reference solution instead of your file"),
                ),
        )
        .subcommand(
            clap::Command::new("hint")
                .about("Show the hint for an exercise, one step at a time")
                .arg(exercise_id(id))
                .arg(
                    Arg::new("step")
                        .value_parser(clap::value_parser!(usize))
                        .help("Show the steps up to this one (the first by default)"),
                ),
        )
        .subcommand(
            clap::Command::new("reset")
                .about(
                    "Put the stub of an exercise back, after saving your version in \
                     `.course/backups/`",
                )
                .arg(exercise_id(id)),
        )
        .subcommand(
            clap::Command::new("solution")
                .about(
                    "Show the reference solution of an exercise you have solved, and how your \
                     file differs from it",
                )
                .arg(exercise_id(id))
                .arg(
                    Arg::new("force")
                        .long("force")
                        .action(ArgAction::SetTrue)
                        .help("Show it even though you have not solved the exercise yet"),
                ),
        )
        .subcommand(
            clap::Command::new("book")
                .about("Build the book for reading offline, and print where it is")
                .arg(
                    Arg::new("open")
                        .long("open")
                        .action(ArgAction::SetTrue)
                        .help("Open it in your browser, too"),
                ),
        );
    watch_args(root)
}

impl WatchArgs {
    fn from(m: &ArgMatches) -> WatchArgs {
        WatchArgs {
            manual: m.get_flag("manual"),
            plain: m.get_flag("plain"),
            once: m.get_flag("once"),
        }
    }
}

impl Cli {
    fn parse() -> Cli {
        Cli::from(&command_line().get_matches())
    }

    fn from(m: &ArgMatches) -> Cli {
        let text = |m: &ArgMatches, name: &str| m.get_one::<String>(name).cloned();
        let required =
            |m: &ArgMatches, name: &str| text(m, name).expect("clap checks required arguments");
        let command = m.subcommand().map(|(name, m)| match name {
            "watch" => Command::Watch {
                id: text(m, "id"),
                args: WatchArgs::from(m),
            },
            "list" => Command::List,
            "check" => Command::Check {
                target: required(m, "target"),
                solution: m.get_flag("solution"),
            },
            "hint" => Command::Hint {
                id: required(m, "id"),
                step: m.get_one::<usize>("step").copied(),
            },
            "reset" => Command::Reset {
                id: required(m, "id"),
            },
            "solution" => Command::Solution {
                id: required(m, "id"),
                force: m.get_flag("force"),
            },
            "book" => Command::Book {
                open: m.get_flag("open"),
            },
            other => unreachable!("`{other}` is not a subcommand of command_line()"),
        });
        Cli {
            command,
            watch: WatchArgs::from(m),
        }
    }
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

#[cfg(test)]
mod command_line_tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        let args = std::iter::once("cargo course").chain(args.iter().copied());
        Ok(Cli::from(&command_line().try_get_matches_from(args)?))
    }

    #[test]
    fn the_command_line_is_consistent() {
        command_line().debug_assert();
    }

    #[test]
    fn every_command_parses_into_what_it_names() {
        assert!(parse(&[]).unwrap().command.is_none());
        let plain = parse(&["--plain"]).unwrap();
        assert!(plain.watch.plain && !plain.watch.manual && !plain.watch.once);
        assert!(matches!(
            parse(&["watch", "02.3", "--manual"]).unwrap().command,
            Some(Command::Watch { id: Some(id), args }) if id == "02.3" && args.manual
        ));
        assert!(matches!(
            parse(&["list"]).unwrap().command,
            Some(Command::List)
        ));
        assert!(matches!(
            parse(&["check", "01", "--solution"]).unwrap().command,
            Some(Command::Check { target, solution: true }) if target == "01"
        ));
        assert!(matches!(
            parse(&["hint", "01.2", "3"]).unwrap().command,
            Some(Command::Hint { id, step: Some(3) }) if id == "01.2"
        ));
        assert!(matches!(
            parse(&["reset", "01.2"]).unwrap().command,
            Some(Command::Reset { id }) if id == "01.2"
        ));
        assert!(matches!(
            parse(&["solution", "01.2", "--force"]).unwrap().command,
            Some(Command::Solution { id, force: true }) if id == "01.2"
        ));
        assert!(matches!(
            parse(&["book", "--open"]).unwrap().command,
            Some(Command::Book { open: true })
        ));
    }

    #[test]
    fn a_wrong_command_line_is_refused() {
        assert!(parse(&["--once", "--plain"]).is_err());
        assert!(parse(&["check"]).is_err());
        assert!(parse(&["hint", "01.2", "two"]).is_err());
        assert!(parse(&["frobnicate"]).is_err());
    }
}
