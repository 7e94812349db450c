//! `cargo course reset` and `cargo course solution`: starting an exercise over, and
//! comparing a solved one with the reference.
//!
//! The stub's original text comes from git (`git show HEAD:<file>`), the one copy that a
//! learner's editor never writes to. Pristine copies kept in the repository would be a
//! second version of every stub for the course's authors to keep in step, and copies
//! made by the runner on first use could already hold the learner's edits. A course that
//! is not a git checkout (a downloaded archive) gets an error that says so.

use anyhow::{Context, Result, bail};
use course::check::exercise_file;
use course::diff;
use course::manifest::{Exercise, Manifest};
use course::progress::{Progress, Status};
use course::ui::{bold, dim, green, red};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{SystemTime, UNIX_EPOCH};

/// Where reset keeps the learner's versions, relative to the course root (ignored by git).
pub const BACKUPS: &str = ".course/backups";

/// Exactly one exercise for `id`, or an error that says what to type instead.
pub fn one_exercise<'a>(manifest: &'a Manifest, id: &str, command: &str) -> Result<&'a Exercise> {
    let exercises = manifest.select(id)?;
    match exercises.as_slice() {
        [exercise] => Ok(exercise),
        _ => bail!(
            "`{id}` is a chapter; `cargo course {command}` takes one exercise, e.g. `cargo course {command} {}`",
            exercises.first().map_or("01.1", |e| e.id.as_str())
        ),
    }
}

/// A path to show the learner: relative to the current folder when the course root is
/// the current folder, absolute otherwise, so that it can be opened from where they are.
pub fn shown(root: &Path, relative: &Path) -> PathBuf {
    match std::env::current_dir() {
        Ok(here) if here == root => relative.to_path_buf(),
        _ => root.join(relative),
    }
}

pub fn reset(root: &Path, manifest: &Manifest, id: &str) -> Result<ExitCode> {
    let exercise = one_exercise(manifest, id, "reset")?;
    let file = exercise_file(manifest.chapter_of(exercise), exercise);
    let stub = pristine(root, &file)?;
    let path = root.join(&file);
    let current = fs::read(&path).ok();
    if current.as_deref() == Some(stub.as_slice()) {
        println!(
            "{} is already the stub: nothing to reset.",
            shown(root, &file).display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(current) = current {
        let backup = backup_path(root, exercise);
        fs::create_dir_all(root.join(BACKUPS))
            .with_context(|| format!("cannot create {}", root.join(BACKUPS).display()))?;
        fs::write(root.join(&backup), current).with_context(|| {
            format!(
                "cannot save your version to {}: nothing was reset",
                backup.display()
            )
        })?;
        println!(
            "Saved your version in {}",
            bold(&shown(root, &backup).display().to_string())
        );
    }
    fs::write(&path, &stub).with_context(|| format!("cannot write {}", path.display()))?;
    println!(
        "{} {} is the stub again: {}",
        green("Reset."),
        exercise.id,
        shown(root, &file).display()
    );
    Ok(ExitCode::SUCCESS)
}

/// The stub as the course shipped it: the file in the checkout's last commit.
fn pristine(root: &Path, file: &Path) -> Result<Vec<u8>> {
    let spec = format!("HEAD:./{}", file.to_string_lossy().replace('\\', "/"));
    let out = Command::new("git")
        .args(["--no-pager", "show", &spec])
        .current_dir(root)
        .output();
    match out {
        Ok(out) if out.status.success() => Ok(out.stdout),
        Ok(out) => {
            let why = String::from_utf8_lossy(&out.stderr);
            let why = why.lines().next().unwrap_or("").trim();
            bail!(
                "cannot find the original stub of {} in git ({why}). `reset` needs the course \
                 as a git clone; without one, copy the stub from the course's repository.",
                file.display()
            )
        }
        Err(e) => bail!(
            "cannot run git ({e}): `reset` takes the original stub of {} from the course's git \
             clone. Install git, or copy the stub from the course's repository.",
            file.display()
        ),
    }
}

/// `.course/backups/<id>-<UTC timestamp>.rs`, made unique if reset twice in a second.
fn backup_path(root: &Path, exercise: &Exercise) -> PathBuf {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let stamp = utc_stamp(secs);
    let mut n = 1;
    loop {
        let name = if n == 1 {
            format!("{}-{stamp}.rs", exercise.id)
        } else {
            format!("{}-{stamp}-{n}.rs", exercise.id)
        };
        let path = Path::new(BACKUPS).join(name);
        if !root.join(&path).exists() {
            return path;
        }
        n += 1;
    }
}

/// `20261124-223015` for a Unix time, in UTC (days to a civil date: H. Hinnant's method).
fn utc_stamp(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}{month:02}{day:02}-{:02}{:02}{:02}",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

pub fn solution(root: &Path, manifest: &Manifest, id: &str, force: bool) -> Result<ExitCode> {
    let exercise = one_exercise(manifest, id, "solution")?;
    let chapter = manifest.chapter_of(exercise);
    if !force && Progress::load(root).status(root, manifest, exercise) != Status::Solved {
        bail!(
            "{} is not solved yet (as of its last check): the solution is shown once your tests \
             pass (`cargo course check {}`), or now with `cargo course solution {} --force`",
            exercise.id,
            exercise.id,
            exercise.id
        );
    }
    let mine = exercise_file(chapter, exercise);
    let theirs = Path::new("solutions")
        .join(&chapter.dir)
        .join("src")
        .join(format!("{}.rs", exercise.module()));
    let reference = fs::read_to_string(root.join(&theirs))
        .with_context(|| format!("cannot read the solution {}", root.join(&theirs).display()))?;
    let learner = fs::read_to_string(root.join(&mine)).unwrap_or_default();
    println!("{}  {}", bold(&exercise.id), exercise.title);
    println!(
        "{}\n",
        dim(&format!(
            "The reference solution: {}",
            shown(root, &theirs).display()
        ))
    );
    for line in reference.lines() {
        println!("  {line}");
    }
    println!();
    if learner == reference {
        println!("{}", green("Your file is the same as the solution."));
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{}",
        bold(&format!(
            "Your file against the solution ({}):",
            shown(root, &mine).display()
        ))
    );
    let text = diff::unified(&learner, &reference, "your file", "the solution", 3);
    for line in text.lines() {
        let painted = match line.as_bytes().first() {
            Some(b'+') if !line.starts_with("+++") => green(line),
            Some(b'-') if !line.starts_with("---") => red(line),
            Some(b'@') => dim(line),
            _ => line.to_string(),
        };
        println!("{painted}");
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::utc_stamp;

    #[test]
    fn timestamps_are_utc_dates() {
        assert_eq!(utc_stamp(0), "19700101-000000");
        assert_eq!(utc_stamp(1_795_559_415), "20261124-223015");
        assert_eq!(utc_stamp(951_782_400), "20000229-000000");
    }
}
