//! The course manifest, `exercises/course.toml`: chapters and exercises in order.
//!
//! Everything else is derived from an exercise's id, so that one name cannot be spelled
//! two ways: `02.3-pool` is the module `ex03_pool` of the chapter whose number is 02.

use anyhow::{Context, Result, bail};
use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

/// Where the manifest lives, relative to the course root.
pub const MANIFEST: &str = "exercises/course.toml";

// The manifest is read from a `toml::Table` by hand (see `Fields`) rather than with
// serde's derive: the derive is the largest part of the runner's first build (syn,
// serde_derive), and these four structs are all it would serve.

/// `[[chapter]]` and `[[exercise]]` tables, in order.
#[derive(Debug)]
pub struct Manifest {
    pub chapters: Vec<Chapter>,
    pub exercises: Vec<Exercise>,
}

#[derive(Debug)]
pub struct Chapter {
    /// `NN-name`: the folder under `exercises/`, `solutions/` and `wrong/`.
    pub dir: String,
    pub title: String,
    /// The chapter's first page, relative to `book/src`.
    pub book: String,
}

#[derive(Debug)]
pub struct Exercise {
    /// `NN.M-name`.
    pub id: String,
    pub title: String,
    /// The page that teaches it, relative to `book/src`.
    pub book: String,
    /// The hint, in steps: a nudge, a closer one, then the shape of the answer (never
    /// its code). In the manifest, `hint` is one string or a list of them.
    pub hints: Vec<String>,
    /// Plausible wrong answers, kept as features of `wrong/NN-name`.
    pub wrong: Vec<Wrong>,
}

#[derive(Debug)]
pub struct Wrong {
    pub feature: String,
    pub why: String,
    /// Where the tests can see this mistake, if not everywhere: an operating system whose
    /// kernel shows it to them (`"linux"`: they read a thread's state in `/proc`, or have
    /// the scheduler force an interleaving), or a processor whose code it changes
    /// (`"x86_64"`: an edit of the x86_64 assembly changes nothing on aarch64). Elsewhere
    /// those tests run without the check, so the wrong answer is not expected to fail.
    pub only_on: Option<String>,
}

impl Wrong {
    /// The words `only_on` is made of: operating systems (`std::env::consts::OS`), `unix`
    /// (Linux or macOS) and processors (`std::env::consts::ARCH`). Several, joined by
    /// `-`, must all hold: `unix-x86_64` is x86_64 on Linux or macOS.
    pub const SYSTEMS: [&'static str; 6] =
        ["linux", "macos", "windows", "unix", "x86_64", "aarch64"];

    /// Whether every word of `only_on` is one of [`Wrong::SYSTEMS`].
    pub fn only_on_is_valid(only_on: &str) -> bool {
        only_on.split('-').all(|word| Self::SYSTEMS.contains(&word))
    }

    /// Whether the tests can catch this wrong answer on the system running now.
    pub fn caught_here(&self) -> bool {
        self.only_on.as_deref().is_none_or(|only| {
            only.split('-').all(|word| {
                word == std::env::consts::OS
                    || word == std::env::consts::ARCH
                    || (word == "unix" && cfg!(unix))
            })
        })
    }
}

impl Chapter {
    /// `01` in `01-sync`.
    pub fn number(&self) -> &str {
        self.dir.split('-').next().unwrap_or_default()
    }
    /// `ch01-sync`.
    pub fn package(&self) -> String {
        format!("ch{}", self.dir)
    }
    pub fn solution_package(&self) -> String {
        format!("ch{}-solution", self.dir)
    }
    pub fn wrong_package(&self) -> String {
        format!("ch{}-wrong", self.dir)
    }
}

impl Exercise {
    /// `01` in `01.2-idle`.
    pub fn chapter_number(&self) -> &str {
        self.id.split('.').next().unwrap_or_default()
    }
    /// `2` in `01.2-idle`.
    pub fn number(&self) -> u32 {
        self.id
            .split_once('.')
            .and_then(|(_, rest)| rest.split('-').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    }
    /// `ex02_idle`: the module, the source file's and the test file's stem, and the name
    /// of the test target.
    pub fn module(&self) -> String {
        let name = self.id.split_once('-').map(|(_, n)| n).unwrap_or_default();
        format!("ex{:02}_{}", self.number(), name.replace('-', "_"))
    }

    /// What the tests cannot check on the system running now: the wrong answers that only
    /// another kernel lets them see (`only_on`), as a sentence for the learner, or `None`
    /// where the exercise is checked in full.
    pub fn checked_less_here(&self) -> Option<String> {
        let missed: Vec<&Wrong> = self.wrong.iter().filter(|w| !w.caught_here()).collect();
        let os = missed.first()?.only_on.as_deref()?;
        let kinds: Vec<&str> = missed.iter().map(|w| w.why.as_str()).collect();
        Some(format!(
            "On {}, the tests of {} check less than on {os}: they cannot see these mistakes, \
             which only {os} shows them (a thread's state in /proc, the kernel forcing an \
             interleaving, or assembly for that processor): {}.",
            std::env::consts::OS,
            self.id,
            kinds.join("; ")
        ))
    }
}

impl Manifest {
    /// Reads and checks the manifest under `root`. Every error says what to fix.
    pub fn load(root: &Path) -> Result<Manifest> {
        let path = root.join(MANIFEST);
        let text = fs::read_to_string(&path)
            .with_context(|| format!("cannot read the course manifest {}", path.display()))?;
        let manifest = Manifest::parse(&text)
            .with_context(|| format!("{} is not a valid manifest", path.display()))?;
        manifest
            .validate()
            .with_context(|| format!("in {}", path.display()))?;
        Ok(manifest)
    }

    /// The manifest in `text`, or what is wrong with its shape: a missing or mistyped
    /// field, or one it does not know (a misspelt `only_on` must not be ignored).
    pub fn parse(text: &str) -> Result<Manifest> {
        let mut top = Fields::new("the manifest", toml::from_str(text)?);
        let chapters = top.tables("chapter")?.into_iter().map(Chapter::from_fields);
        let chapters = chapters.collect::<Result<_>>()?;
        let exercises = top
            .tables("exercise")?
            .into_iter()
            .map(Exercise::from_fields);
        let exercises = exercises.collect::<Result<_>>()?;
        top.done()?;
        Ok(Manifest {
            chapters,
            exercises,
        })
    }

    fn validate(&self) -> Result<()> {
        let mut dirs = HashSet::new();
        let mut last = String::new();
        for chapter in &self.chapters {
            let ok = chapter.dir.len() > 3
                && chapter.dir.as_bytes()[..2].iter().all(u8::is_ascii_digit)
                && chapter.dir.as_bytes()[2] == b'-';
            if !ok {
                bail!("chapter dir `{}` must look like `NN-name`", chapter.dir);
            }
            if !dirs.insert(chapter.number().to_string()) {
                bail!("two chapters have the number {}", chapter.number());
            }
            if chapter.dir <= last {
                bail!("chapter `{}` is out of order (after `{last}`)", chapter.dir);
            }
            last = chapter.dir.clone();
        }
        let mut ids = HashSet::new();
        let mut previous: Option<(String, u32)> = None;
        for exercise in &self.exercises {
            let id = &exercise.id;
            let well_formed = id.len() > 5
                && id.as_bytes()[..2].iter().all(u8::is_ascii_digit)
                && id.as_bytes()[2] == b'.'
                && exercise.number() > 0
                && id.split_once('-').is_some_and(|(_, name)| {
                    !name.is_empty()
                        && name
                            .bytes()
                            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                });
            if !well_formed {
                bail!("exercise id `{id}` must look like `NN.M-name` (lowercase name)");
            }
            if !ids.insert(id.clone()) {
                bail!("the exercise `{id}` is listed twice");
            }
            if !dirs.contains(exercise.chapter_number()) {
                bail!(
                    "the exercise `{id}` belongs to chapter {}, which has no [[chapter]] entry",
                    exercise.chapter_number()
                );
            }
            let here = (exercise.chapter_number().to_string(), exercise.number());
            if let Some(before) = &previous
                && here <= *before
            {
                bail!("the exercise `{id}` is out of order: exercises go by chapter, then number");
            }
            previous = Some(here);
            if exercise.title.trim().is_empty() {
                bail!("the exercise `{id}` has an empty title");
            }
            if exercise.hints.is_empty() || exercise.hints.iter().any(|h| h.trim().is_empty()) {
                bail!("the exercise `{id}` has an empty hint (or an empty step of one)");
            }
        }
        Ok(())
    }

    pub fn chapter_of(&self, exercise: &Exercise) -> &Chapter {
        self.chapters
            .iter()
            .find(|c| c.number() == exercise.chapter_number())
            .expect("validated: every exercise has a chapter")
    }

    pub fn exercises_of<'a>(&'a self, chapter: &'a Chapter) -> impl Iterator<Item = &'a Exercise> {
        self.exercises
            .iter()
            .filter(move |e| e.chapter_number() == chapter.number())
    }

    pub fn exercise(&self, id: &str) -> Option<&Exercise> {
        self.exercises.iter().find(|e| e.id == id)
    }

    /// What the learner may type for an exercise or a chapter: `01.2-idle`, `01.2`,
    /// `01`, `01-sync`, `ch01-sync`. Returns the exercises it means, or an error that
    /// names the closest ids.
    pub fn select(&self, what: &str) -> Result<Vec<&Exercise>> {
        let what = what.trim();
        if let Some(e) = self
            .exercises
            .iter()
            .find(|e| e.id == what || e.id.split_once('-').is_some_and(|(short, _)| short == what))
        {
            return Ok(vec![e]);
        }
        let bare = what.strip_prefix("ch").unwrap_or(what);
        if let Some(c) = self
            .chapters
            .iter()
            .find(|c| c.dir == bare || c.number() == bare)
        {
            return Ok(self.exercises_of(c).collect());
        }
        let mut known: Vec<&str> = self.exercises.iter().map(|e| e.id.as_str()).collect();
        known.extend(self.chapters.iter().map(|c| c.dir.as_str()));
        let mut scored: Vec<(f64, &str)> = known
            .iter()
            .map(|k| (strsim::jaro_winkler(what, k), *k))
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0));
        let closest: Vec<&str> = scored.iter().take(3).map(|(_, k)| *k).collect();
        bail!(
            "there is no exercise or chapter `{what}`. Closest: {}. Run `cargo course list` to see them all.",
            closest.join(", ")
        )
    }
}

/// The course root: the nearest folder above the current one that holds the manifest.
pub fn find_root() -> Result<PathBuf> {
    let start = std::env::current_dir().context("cannot read the current directory")?;
    for dir in start.ancestors() {
        if dir.join(MANIFEST).is_file() {
            return Ok(dir.to_path_buf());
        }
    }
    // `cargo course` from anywhere in the workspace: cargo tells us where the crate is.
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    if let Some(root) = here.parent()
        && root.join(MANIFEST).is_file()
    {
        return Ok(root.to_path_buf());
    }
    bail!(
        "cannot find {MANIFEST} in {} or above: run this inside the course's folder",
        start.display()
    )
}

impl Chapter {
    fn from_fields(mut f: Fields) -> Result<Chapter> {
        let chapter = Chapter {
            dir: f.string("dir")?,
            title: f.string("title")?,
            book: f.string("book")?,
        };
        f.done()?;
        Ok(chapter)
    }
}

impl Exercise {
    fn from_fields(mut f: Fields) -> Result<Exercise> {
        let id = f.string("id")?;
        f.what = format!("the exercise `{id}`");
        let exercise = Exercise {
            title: f.string("title")?,
            book: f.string("book")?,
            hints: f.strings("hint")?,
            wrong: f
                .tables("wrong")?
                .into_iter()
                .map(Wrong::from_fields)
                .collect::<Result<_>>()?,
            id,
        };
        f.done()?;
        Ok(exercise)
    }
}

impl Wrong {
    fn from_fields(mut f: Fields) -> Result<Wrong> {
        let feature = f.string("feature")?;
        f.what = format!("the wrong answer `{feature}`");
        let wrong = Wrong {
            why: f.string("why")?,
            only_on: f.optional_string("only_on")?,
            feature,
        };
        f.done()?;
        Ok(wrong)
    }
}

/// A TOML table being read into a struct: each field is taken out as it is read, so
/// that whatever is left at the end is a field nobody knows.
struct Fields {
    /// What the table is, for error messages ("the exercise `01.2-idle`").
    what: String,
    table: toml::Table,
}

impl Fields {
    fn new(what: &str, table: toml::Table) -> Fields {
        Fields {
            what: what.to_string(),
            table,
        }
    }

    fn optional_string(&mut self, key: &str) -> Result<Option<String>> {
        match self.table.remove(key) {
            None => Ok(None),
            Some(toml::Value::String(s)) => Ok(Some(s)),
            Some(other) => bail!(
                "{}: `{key}` must be a string, not {}",
                self.what,
                other.type_str()
            ),
        }
    }

    fn string(&mut self, key: &str) -> Result<String> {
        self.optional_string(key)?
            .with_context(|| format!("{} has no `{key}`", self.what))
    }

    /// A string, or a list of strings, as a list.
    fn strings(&mut self, key: &str) -> Result<Vec<String>> {
        let items = match self.table.remove(key) {
            None => bail!("{} has no `{key}`", self.what),
            Some(toml::Value::String(one)) => return Ok(vec![one]),
            Some(toml::Value::Array(items)) => items,
            Some(other) => bail!(
                "{}: `{key}` must be a string or a list of strings, not {}",
                self.what,
                other.type_str()
            ),
        };
        items
            .into_iter()
            .map(|item| match item {
                toml::Value::String(s) => Ok(s),
                other => bail!(
                    "{}: `{key}` must hold strings, not {}",
                    self.what,
                    other.type_str()
                ),
            })
            .collect()
    }

    /// An array of tables (`[[exercise]]`, or `wrong = [{ … }]`); none if absent.
    fn tables(&mut self, key: &str) -> Result<Vec<Fields>> {
        let items = match self.table.remove(key) {
            None => return Ok(Vec::new()),
            Some(toml::Value::Array(items)) => items,
            Some(other) => bail!(
                "{}: `{key}` must be a list of tables, not {}",
                self.what,
                other.type_str()
            ),
        };
        items
            .into_iter()
            .map(|item| match item {
                toml::Value::Table(table) => {
                    Ok(Fields::new(&format!("a `{key}` of {}", self.what), table))
                }
                other => bail!(
                    "{}: `{key}` must hold tables, not {}",
                    self.what,
                    other.type_str()
                ),
            })
            .collect()
    }

    /// Fails on any field that was not read.
    fn done(self) -> Result<()> {
        match self.table.keys().next() {
            None => Ok(()),
            Some(key) => bail!(
                "{} has a field `{key}`, which the course does not know",
                self.what
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exercise(wrong: &str) -> Exercise {
        let text = format!(
            "id = \"02.4-counter\"\ntitle = \"t\"\nbook = \"b.md\"\nhint = [\"one\", \"two\"]\nwrong = [{wrong}]\n"
        );
        Exercise::from_fields(Fields::new("test", toml::from_str(&text).unwrap())).unwrap()
    }

    fn parse_error(text: &str) -> String {
        format!("{:#}", Manifest::parse(text).unwrap_err())
    }

    #[test]
    fn a_field_the_course_does_not_know_is_an_error_that_names_it() {
        let exercise =
            "[[exercise]]\nid = \"01.1-x\"\ntitle = \"t\"\nbook = \"b.md\"\nhint = \"h\"\n";
        assert!(Manifest::parse(exercise).is_ok());
        let typo = format!(
            "{exercise}wrong = [{{ feature = \"f\", why = \"w\", only-on = \"linux\" }}]\n"
        );
        let error = parse_error(&typo);
        assert!(
            error.contains("`only-on`") && error.contains("`f`"),
            "{error}"
        );
        let error = parse_error(&format!("{exercise}hints = \"h\"\n"));
        assert!(
            error.contains("`hints`") && error.contains("`01.1-x`"),
            "{error}"
        );
        let error = parse_error("[[chapter]]\ndir = \"01-sync\"\ntitle = \"t\"\n");
        assert!(error.contains("no `book`"), "{error}");
        let error = parse_error(&exercise.replace("hint = \"h\"", "hint = 3"));
        assert!(
            error.contains("`hint` must be a string or a list of strings"),
            "{error}"
        );
        assert!(parse_error("[[exercise]]\nid = 1\n").contains("`id` must be a string"));
    }

    #[test]
    fn a_hint_may_be_one_string() {
        let text = "[[exercise]]\nid = \"01.1-x\"\ntitle = \"t\"\nbook = \"b.md\"\nhint = \"h\"\n";
        assert_eq!(Manifest::parse(text).unwrap().exercises[0].hints, ["h"]);
    }

    #[test]
    fn a_hint_is_one_step_or_several() {
        assert_eq!(exercise("").hints, ["one", "two"]);
    }

    #[test]
    fn an_exercise_says_what_its_tests_cannot_see_on_this_system() {
        let elsewhere = if std::env::consts::OS == "linux" {
            "macos"
        } else {
            "linux"
        };
        let less = exercise(&format!(
            "{{ feature = \"ex04-spins\", why = \"spins instead of parking\", only_on = \"{elsewhere}\" }}"
        ));
        let note = less.checked_less_here().expect("a note");
        assert!(note.contains("spins instead of parking"), "{note}");
        assert!(note.contains(elsewhere), "{note}");
        let here = exercise(&format!(
            "{{ feature = \"ex04-spins\", why = \"w\", only_on = \"{}\" }}",
            std::env::consts::OS
        ));
        assert_eq!(here.checked_less_here(), None);
        assert_eq!(exercise("").checked_less_here(), None);
    }

    #[test]
    fn only_on_may_join_a_system_and_a_processor() {
        let wrong = |only: &str| Wrong {
            feature: "f".into(),
            why: "w".into(),
            only_on: Some(only.into()),
        };
        let here = format!("{}-{}", std::env::consts::OS, std::env::consts::ARCH);
        assert!(wrong(&here).caught_here());
        assert!(!wrong("windows-aarch64").caught_here() || here == "windows-aarch64");
        assert_eq!(wrong("unix").caught_here(), cfg!(unix));
        assert!(Wrong::only_on_is_valid("unix-x86_64"));
        assert!(!Wrong::only_on_is_valid("linux-sparc"));
    }
}
